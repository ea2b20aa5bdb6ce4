"""Finding a case: by ärende number, personnummer, call-back phone or address, open and closed, newest first.

What is typed decides how it is looked for, each way an index probe or one bounded read:
- an ärende number ("123", "ärende 123", "#123"): the primary key;
- a personnummer with or without century or dash (records.personnummer.normalise): the indexed column;
- a phone number however it was written (records.recontact_keys.phone_key, "+46 70-…" = "070…"): the
  indexed `phone_key` (the leading column of ix_cases_recontact_keys);
- anything with letters: the address, by its comparison key (records.recontact_keys.address_key) containing the
  query's key, newest first; a last word typed halfway ("Storgat") counts as its short form ("storg"). No index
  serves a substring, but the read walks the cases newest first and stops at the bound, so a common street ends
  early (0.2 ms on PostgreSQL) and a rare one reads the table once (100 000 cases: 33 ms on PostgreSQL by EXPLAIN
  ANALYZE, 80–150 ms a whole search on SQLite on a busy 2-core machine; bench/bench_case_search.py). No index is
  added for it (a trigram index would need the pg_trgm extension and a migration).
A digit string can be several of these at once ("1212121212": a personnummer and a phone number): each is asked.

Who may search: the clinical roles (records.case_summary). Every search is audited as a patient read
(`case.search`): the query as typed, how it was looked for, and the ids of the cases shown — a searched
personnummer is named as the row's patient, so it is in that patient's access log even when nothing was found.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit
from records.case_summary import CaseSummary, require_case_reader, summarise
from records.db import scalars_where_in
from records.models import Case
from records.personnummer import InvalidPersonnummer, normalise
from records.recontact_keys import address_key, phone_key
from records.text_fields import TextFieldError, check_text

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_QUERY = 100
MIN_ADDRESS = 3  # characters of the address key: fewer would match most of the region
MIN_PHONE_DIGITS = 6  # fewer are a case number or a short number (112, 1177), never a call-back number

BY_CASE, BY_PNR, BY_PHONE, BY_ADDRESS = "ärendenummer", "personnummer", "telefon", "adress"
_CASE_NUMBER = re.compile(r"^(?:ärendenummer|ärende|ärendenr|nr|ä|#)?\s*[:.]?\s*([0-9]{1,9})$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^[0-9+\-–()/.\s]+$")
_LOOKS_LIKE_PNR = re.compile(r"^[0-9]{6}(?:[0-9]{2})?[-+–]?[0-9]{4}$")
# A last word typed halfway through a street suffix ("Storgat"): its short form, as address_key stores it.
_SUFFIXES = (("gatan", "g"), ("vägen", "v"), ("gränd", "gr"), ("platsen", "pl"))


class CaseSearchError(ValueError):
    """The query cannot be searched for; the message is Swedish and says what to type."""


class SearchHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    case: CaseSummary
    matched_by: list[str]  # Swedish: "ärendenummer", "personnummer", "telefon", "adress"


class SearchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    searched_by: list[str]  # how the query was read, Swedish
    hits: list[SearchHit]
    truncated: bool  # more cases matched than `limit`: the newest are shown
    note: str = ""  # a hint in Swedish, e.g. why a personnummer-like query was not one


class _Plan(BaseModel):
    case_id: int | None = None
    personnummer: str | None = None
    older: str | None = None  # ten digits typed without "+": the same number a century earlier, asked too
    phone: str | None = None
    address: str | None = None
    note: str = ""

    def conditions(self) -> list[tuple[str, ColumnElement[bool]]]:
        out: list[tuple[str, ColumnElement[bool]]] = []
        if self.case_id is not None:
            out.append((BY_CASE, Case.id == self.case_id))
        if self.personnummer is not None:
            same = [p for p in (self.personnummer, self.older) if p]
            out.append((BY_PNR, Case.personnummer.in_(same)))
        if self.phone is not None:
            out.append((BY_PHONE, Case.phone_key == self.phone))
        if self.address is not None:
            out.append((BY_ADDRESS, Case.address_key.contains(self.address, autoescape=True)))
        return out


def search_cases(session: Session, actor: Actor, text: str, limit: int = DEFAULT_LIMIT) -> SearchResult:
    """The cases `text` finds, newest first, at most `limit` (audited). NotPermitted for a non-clinical role,
    CaseSearchError (Swedish) for a query that cannot be searched for."""
    require_case_reader(actor, "söka efter ärenden")
    limit = max(1, min(limit, MAX_LIMIT))
    query = text.strip()
    plan = plan_search(query)
    matched: dict[int, list[str]] = {}
    truncated = False
    for kind, condition in plan.conditions():
        ids = list(session.scalars(select(Case.id).where(condition).order_by(Case.id.desc()).limit(limit + 1)))
        truncated |= len(ids) > limit
        for case_id in ids[:limit]:
            matched.setdefault(case_id, []).append(kind)
    shown = sorted(matched, reverse=True)
    truncated |= len(shown) > limit
    shown = shown[:limit]
    cases = {c.id: c for c in scalars_where_in(session, Case, Case.id, shown)}
    hits = [SearchHit(case=summarise(cases[i]), matched_by=matched[i]) for i in shown if i in cases]
    searched_by = [kind for kind, _ in plan.conditions()]
    # the patient looked for: the one found (of the two centuries a ten-digit number may mean), else as typed
    found = [h.case.personnummer for h in hits if BY_PNR in h.matched_by]
    patient = found[0] if found else plan.personnummer
    audit(session, actor, "case.search", None, query=query, searched_by=searched_by,
          case_ids=[h.case.case_id for h in hits], truncated=truncated, **({"patient": patient} if patient else {}))
    return SearchResult(query=query, searched_by=searched_by, hits=hits, truncated=truncated, note=plan.note)


def plan_search(query: str) -> _Plan:
    """How `query` is looked for; CaseSearchError when it is empty, too long or too short to be any of them."""
    if not query:
        raise CaseSearchError("Skriv ett ärendenummer, ett personnummer, ett telefonnummer eller en adress.")
    try:
        check_text(query, "Sök", MAX_QUERY)
    except TextFieldError as exc:
        raise CaseSearchError(str(exc)) from None
    plan = _Plan()
    if m := _CASE_NUMBER.match(query):
        plan.case_id = int(m[1])
    try:
        plan.personnummer = normalise(query)
    except InvalidPersonnummer as exc:
        if _LOOKS_LIKE_PNR.match(query.replace(" ", "")):
            plan.note = f"Inte ett giltigt personnummer: {exc}"
    else:
        plan.older = _century_before(query, plan.personnummer)
    digits = re.sub(r"[^0-9]", "", query)
    # A valid personnummer written with its dash or century is not a phone number too; ten bare digits may be either
    surely_pnr = plan.personnummer is not None and not (query.isdigit() and len(query) == 10)
    if _PHONE_CHARS.match(query) and len(digits) >= MIN_PHONE_DIGITS and not surely_pnr:
        plan.phone = phone_key(query)
    if any(ch.isalpha() for ch in query) and plan.case_id is None and plan.personnummer is None:
        key = _typed_halfway(address_key(query) or "")
        if len(key) < MIN_ADDRESS:
            raise CaseSearchError(f"Skriv minst {MIN_ADDRESS} tecken av adressen (”{query}” är för kort).")
        plan.address = key
    if not plan.conditions():
        raise CaseSearchError(f"”{query}” är inget ärendenummer, personnummer, telefonnummer eller adress: skriv "
                              "t.ex. 1234, 19121212-1212, 070-123 45 67 eller Storgatan 1.")
    return plan


def _century_before(query: str, pnr: str) -> str | None:
    """For ten digits typed without "+" ("121212-1212"): the same number 100 years earlier, when plausible. The
    rule reads them as the most recent century, but a caller's number is often given without the "+" that marks
    someone 100 or older."""
    typed = re.sub(r"[^0-9+]", "", query)
    if len(typed) != 10 or not pnr[:8].isdigit():
        return None
    try:
        return normalise(f"{int(pnr[:4]) - 100:04d}{pnr[4:]}")
    except InvalidPersonnummer:
        return None


def _typed_halfway(key: str) -> str:
    """The key with its last word cut back to a street suffix's short form when the word ends in the start of
    one ("storgat" → "storg"): what address_key stores for the whole word is then contained in the query."""
    head, _, last = key.rpartition(" ")
    for full, short in _SUFFIXES:
        for n in range(len(full) - 1, len(short), -1):
            if last.endswith(full[:n]) and len(last) > n:
                return (head + " " if head else "") + last[: -n] + short
    return key
