"""Swedish address text as the search compares it: folded spelling, abbreviations written out, and a typed query
split into street, house number, letter and place (resources.location.address_index).

Folding: case, å/ä → a, ö → o, é → e and other accents (the nurse types "Angelholm" for "Ängelholm"), æ → a,
ø → o; every character that is not a letter or digit separates words ("Karl-Johans" is "karl johans"); a number
stuck to a word is split off ("storgatan12b" is "storgatan 12 b"). Register names and queries are folded alike, and
a street's key is its words run together ("stora ostergatan" → "storaostergatan"), so a missing or extra space
does not matter.

Abbreviations (Lantmäteriet's and the usual handwritten ones), written out on both sides:

- contractions with a colon, anywhere: s:t → sankt, st:a → stora, g:a → gamla, l:a → lilla, n:a → norra,
  s:a → södra, v:a → västra, ö:a → östra;
- a street word ending in a dot: …g. / …gat. → …gatan, …v. → …vägen, …pl. → …platsen, …gr. → …gränd
  ("Storg." is Storgatan, "Björkv." Björkvägen);
- the same endings as a word of their own after the name: "Kyrko g." / "Kyrko g" → kyrkogatan, "Björk v" →
  björkvägen, "Möllevångs pl" → möllevångsplatsen;
- a short first word before the name: st / st. → stora, s → södra, n → norra, v → västra, ö (o) → östra,
  l → lilla ("St. Östergatan" is Stora Östergatan, "S Förstadsgatan" Södra Förstadsgatan);
- a name ending in g or v with no dot but finished (a number or comma follows: "Storg 12") is looked up both as
  typed and written out ("storg", "storgatan"): the nurse may have meant either.

A query: the street, then the number and one letter, then the place ("Storgatan 12 B, Ystad", "storg 12b
ystad"), or the number first ("12 Storgatan"). A comma ends the street. A postnummer after the number ("271 39",
"27139") and an apartment ("lgh 1102", "2 tr") are read and left out of the match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Contractions with a colon, kept whole by the tokenizer (after folding: ö:a is o:a).
_COLON_WORDS = {"s:t": "sankt", "st:a": "stora", "g:a": "gamla", "l:a": "lilla", "n:a": "norra", "s:a": "sodra",
                "v:a": "vastra", "o:a": "ostra"}
# A first word standing for a direction or size, when more of the name follows.
_LEADING_WORDS = {"st": "stora", "s": "sodra", "n": "norra", "v": "vastra", "o": "ostra", "l": "lilla"}
# A word of its own after the name ("Kyrko g."), with or without its dot.
_TRAILING_WORDS = {"g": "gatan", "gat": "gatan", "v": "vagen", "pl": "platsen", "gr": "grand"}
# Endings of a word with a dot ("Storg."); the longest first.
_DOTTED_ENDINGS = (("gat", "gatan"), ("pl", "platsen"), ("gr", "grand"), ("g", "gatan"), ("v", "vagen"))
# Endings written out as a second reading when a finished word has no dot ("Storg 12").
_BARE_ENDINGS = (("g", "gatan"), ("v", "vagen"))
# Words that describe where in the building, not where the building is ("lgh 1102", "2 tr", "port 3").
_APARTMENT_WORDS = frozenset({"lgh", "lag", "lagenhet", "tr", "trappor", "vaning", "van", "port", "uppg"})

_GENERIC_WORDS = frozenset({"gata", "gatan", "vag", "vagen", "grand", "platsen", "plan", "torg", "torget", "allen",
                            "stigen", "backen", "gangen", "station", "skolan"})
_SPECIAL = str.maketrans({"æ": "a", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
_TOKEN = re.compile(r"[a-z]+:[a-z]+|[a-z]+\.?|[0-9]+|,")
_DIGIT_LETTER = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")


def fold(text: str) -> str:
    """Lower case without accents: "Ängelholm" → "angelholm", "Möllevångsgatan" → "mollevangsgatan"."""
    folded = text.casefold().translate(_SPECIAL)
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_DIGIT_LETTER.sub(" ", fold(text)))


def _expand_word(token: str, index: int, words: list[str]) -> str:
    """One token of a name written out (its dot dropped); `words` are the tokens of the name."""
    if ":" in token:
        return _COLON_WORDS.get(token, token.replace(":", ""))
    dotted = token.endswith(".")
    word = token.rstrip(".")
    if index == 0 and len(words) > 1 and word in _LEADING_WORDS:
        return _LEADING_WORDS[word]
    if index > 0 and word in _TRAILING_WORDS and (dotted or index == len(words) - 1):
        return _TRAILING_WORDS[word]
    if dotted:
        for ending, full in _DOTTED_ENDINGS:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                return word[: -len(ending)] + full
    return word


def name_words(name: str) -> list[str]:
    """A register name (street or place) folded into words with its abbreviations written out."""
    tokens = [t for t in _tokens(name) if t != ","]
    return [_expand_word(t, i, tokens) for i, t in enumerate(tokens)]


def name_key(name: str) -> str:
    """The compact key of a name: its words run together ("Stora Östergatan" → "storaostergatan")."""
    return "".join(name_words(name))


def alternative_keys(name: str) -> list[str]:
    """Keys for a name typed without its first words ("Östergatan" for "Stora Östergatan"), at least 3 letters
    and not a bare street word ("väg" of "Sankt Lars väg" would find every väg)."""
    words = name_words(name)
    keys = ["".join(words[i:]) for i in range(1, len(words))]
    return [k for k in keys if len(k) >= 3 and not k.isdigit() and k not in _GENERIC_WORDS]


@dataclass(frozen=True)
class Query:
    """A typed search split up. `streets` are the readings of the street as keys (the literal one first);
    `words` the street's words (for splitting a place off its end); `locality` the place typed after the street
    (folded, run together), "" when none; `number` and `letter` (upper case, "" when none); `comma` whether the
    nurse ended the street with a comma."""

    streets: tuple[str, ...]
    words: tuple[str, ...]
    number: int | None
    letter: str
    locality: str
    postnummer: str
    comma: bool


def _is_postnummer(tokens: list[str], i: int) -> int:
    """How many tokens from i make a postnummer ("27139" or "271 39"): 0 when none."""
    t = tokens[i]
    if t.isdigit() and len(t) == 5:
        return 1
    if t.isdigit() and len(t) == 3 and i + 1 < len(tokens) and tokens[i + 1].isdigit() and len(tokens[i + 1]) == 2:
        return 2
    return 0


def parse_query(text: str) -> Query:
    """Split what the nurse typed: "Storg 12b, Ystad" → streets ("storg", "storgatan"), 12, "B", "ystad"."""
    tokens = _tokens(text)
    comma = "," in tokens
    head = tokens[: tokens.index(",")] if comma else tokens
    tail = [t for t in tokens[len(head):] if t != ","]
    number: int | None = None
    letter = ""
    street: list[str]
    if head and head[0].isdigit() and len(head) > 1 and not _is_postnummer(head, 0):
        number = int(head[0]) if len(head[0]) <= 5 else None  # "12 Storgatan"
        rest = head[1:]
        if rest and len(rest[0]) == 1 and rest[0].isalpha() and len(rest) > 1:
            letter, rest = rest[0], rest[1:]
        street = rest
    else:
        at = next((i for i, t in enumerate(head) if t.isdigit() and i > 0), None)
        if at is None:
            street = head
        else:
            street, after = head[:at], head[at:]
            # The first number after the street is its house number, five digits too (farms: "Tågarp 10961"),
            # unless it is a postnummer written 271 39.
            if len(after[0]) <= 5 and _is_postnummer(after, 0) != 2:
                number = int(after[0])
                after = after[1:]
                if after and len(after[0]) == 1 and after[0].isalpha():
                    letter, after = after[0], after[1:]
            tail = after + tail
    street = [t for t in street if not t.isdigit()]
    words = [_expand_word(t, i, street) for i, t in enumerate(street)]
    readings = ["".join(words)]
    finished = bool(number is not None or comma or tail)
    if finished and words and not street[-1].endswith("."):
        for ending, full in _BARE_ENDINGS:
            last = words[-1]
            if last.endswith(ending) and len(last) > len(ending) + 1 and not last.endswith("vag"):  # väg is whole
                readings.append("".join(words[:-1]) + last[: -len(ending)] + full)
                break
    locality, postnummer = _place_part(tail)
    return Query(tuple(r for r in readings if r), tuple(words), number, letter.upper(), locality, postnummer, comma)


def _place_part(tokens: list[str]) -> tuple[str, str]:
    """The place words and the postnummer of what follows the number, apartments left out."""
    words: list[str] = []
    postnummer = ""
    i = 0
    while i < len(tokens):
        t = tokens[i].rstrip(".")
        if t in _APARTMENT_WORDS:
            i += 2 if i + 1 < len(tokens) and tokens[i + 1].isdigit() else 1
            continue
        if t.isdigit():
            size = _is_postnummer(tokens, i)
            if size:
                postnummer = "".join(tokens[i:i + size])
                i += size
                continue
            if i + 1 < len(tokens) and tokens[i + 1].rstrip(".") in ("tr", "trappor"):
                i += 2  # "2 tr"
                continue
            i += 1
            continue
        words.append(t)
        i += 1
    return "".join(words), postnummer
