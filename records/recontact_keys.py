"""Recontact keys: the call-back number and the address of a case reduced to the form two calls about the
same patient share however the nurse typed them. Stored on `cases` (phone_key, address_key, indexed) when
the case is written (records.models.Case) and computed the same way for the search (outcomes.recontact),
so a lookup is an index probe instead of a scan. One plain function per key, no database.

Phone (`phone_key`), canonical national form, digits only:
  * every character but 0-9 goes ("070-123 45 67" → "0701234567"; full-width digits count as digits);
  * Swedish country code: "+46…", "0046…" and "46…" (9+ digits, written without the plus) become "0" + the
    national number, a "(0)" after the country code dropped ("+46 (0)70-123 45 67" → "0701234567");
  * another country's number keeps its code behind "00" ("+45 12 34 56 78" → "004512345678");
  * anything else (national "0…", short numbers such as 112 or 1177) is its digits as written.
Address (`address_key`):
  * Unicode NFC, case-folded; å, ä and ö are kept (Åsgatan and Asgatan are different streets), æ/ø are
    read as ä/ö, every other accent is dropped ("Allé" = "Alle");
  * commas and full stops are separators, whitespace collapsed ("Storgatan 1, Ystad" = "storgatan 1 ystad");
  * street suffixes unified with their abbreviations: gatan/gata/g. → g, vägen/väg/v. → v, gränd/gr. → gr,
    platsen/plats/pl. → pl — a word is reduced to its stem plus the short form ("Storgatan 1" = "storg. 1" →
    "storg 1"; the abbreviation needs no rule of its own, as its full stop is a separator);
  * a house-number letter (a–h) joins its number ("1 A" = "1a"; "1 i Ystad" stays apart).
Empty input (no digits, no words) has no key: None, and never matches.

Changing a rule changes keys already stored: ship it with a migration that recomputes them (as 0007 does).
"""

from __future__ import annotations

import re
import unicodedata

_KEEP = frozenset("åäö")
_FOLD = str.maketrans({"æ": "ä", "ø": "ö"})
_SUFFIXES = ((re.compile(r"(gatan|gata)$"), "g"), (re.compile(r"(vägen|väg)$"), "v"),
             (re.compile(r"gränd$"), "gr"), (re.compile(r"(platsen|plats)$"), "pl"))
_HOUSE_LETTER = re.compile(r"(?<=\d) (?=[a-h](?: |$))")


def phone_key(raw: str | None) -> str | None:
    """The call-back number in canonical national form (module docstring); None when it has no digits."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    digits = re.sub(r"[^0-9]", "", text)
    if not digits:
        return None
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("46") and len(digits) >= 9:
        international = digits
    else:
        return digits
    if international.startswith("46"):
        return "0" + international[2:].lstrip("0")
    return "00" + international


def address_key(raw: str | None) -> str | None:
    """The address reduced to its comparison form (module docstring); None when nothing is left."""
    text = unicodedata.normalize("NFC", raw or "").casefold().translate(_FOLD)
    text = "".join(c if c in _KEEP else _strip_accent(c) for c in text)
    words = [_unify_suffix(w) for w in re.split(r"[\s,.]+", text) if w]
    key = _HOUSE_LETTER.sub("", " ".join(words))
    return key or None


def _strip_accent(char: str) -> str:
    if char.isascii():
        return char
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))


def _unify_suffix(word: str) -> str:
    for pattern, short in _SUFFIXES:
        if pattern.search(word):
            return pattern.sub(short, word)
    return word
