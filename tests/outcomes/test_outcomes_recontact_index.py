"""The recontact check by stored keys (records.recontact_keys, migration 0007) finds what the old scan found —
the newest left-at-home outcome in force within the window, by personnummer or by number and address — and
also the number and address written in other ways; on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from outcomes_helpers import AMB, T0, add_case
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from outcomes.closing import record_outcome
from outcomes.codes import LEFT_AT_HOME_CODES, OutcomeCode
from outcomes.recontact import find_recontact
from records.models import Case, Outcome

PHONES = ("070-123 45 67", "0701234567", "+46 70 123 45 67", "46701234567", "040-12 34 56", "+46 40 12 34 56",
          "0709-99 99 99")
ADDRESSES = ("Storgatan 1, Ystad", "storgatan 1 ystad", "STORGATAN 1. YSTAD", "Lindvägen 2", "lindvägen  2",
             "Kyrkogatan 3, Lund")
PNRS = ("19121212-1212", "19800101-0001", None, None)
CODES = [c.value for c in OutcomeCode]


def _old_phone(phone: str) -> str:  # the normalisation the scan used (outcomes/recontact.py before 0007)
    digits = re.sub(r"\D", "", phone or "")
    return "0" + digits[2:] if digits.startswith("46") else digits


def _old_address(address: str) -> str:
    return re.sub(r"[\s,.]+", " ", (address or "").casefold()).strip()


def _scan(s: Session, *, personnummer: str | None, phone: str, address: str, at: datetime,
          exclude: int | None) -> int | None:
    """The old lookup's answer, by reading every outcome in Python: the earlier case's id or None."""
    window, codes = timedelta(hours=72), {c.value for c in LEFT_AT_HOME_CODES}
    found = []
    for case, outcome in s.execute(select(Case, Outcome).join(Outcome, Outcome.case_id == Case.id)):
        if (outcome.superseded_by is not None or outcome.code not in codes or case.id == exclude
                or not at - window <= outcome.recorded_at <= at):
            continue
        if personnummer is not None:
            if case.personnummer != personnummer:
                continue
        elif not (_old_phone(phone) and _old_address(address) and _old_phone(case.callback_phone) == _old_phone(phone)
                  and _old_address(case.address) == _old_address(address)):
            continue
        found.append((outcome.recorded_at, outcome.id, case.id))
    return max(found)[2] if found else None


def test_indexed_lookup_finds_the_same_cases_as_the_scan(db, make_actor) -> None:
    rng = random.Random(15)
    actor = make_actor(db)
    with db() as s, s.begin():
        for _ in range(120):
            at = T0 + timedelta(hours=rng.choice([rng.uniform(-100, 100), 0, 10]))  # some share their time
            case = add_case(s, actor, created_at=at - timedelta(hours=1), personnummer=rng.choice(PNRS),
                            callback_phone=rng.choice(PHONES + ("",)), address=rng.choice(ADDRESSES + ("",)))
            first = Outcome(case_id=case.id, code=rng.choice(CODES), source="manual", recorded_at=at)
            s.add(first)
            s.flush()
            if rng.random() < 0.2:  # corrected: the first outcome is no longer in force
                later = Outcome(case_id=case.id, code=rng.choice(CODES), source="manual",
                                recorded_at=at + timedelta(minutes=30))
                s.add(later)
                s.flush()
                first.superseded_by = later.id
        s.flush()
        ids = list(s.scalars(select(Case.id)))
        checked = found = 0
        for _ in range(300):
            query = {"personnummer": rng.choice(PNRS), "phone": rng.choice(PHONES), "address": rng.choice(ADDRESSES),
                     "at": T0 + timedelta(hours=rng.uniform(-80, 180)), "exclude": rng.choice([None, *ids])}
            expected = _scan(s, **query)
            match = find_recontact(s, personnummer=query["personnummer"], callback_phone=query["phone"],
                                   address=query["address"], at=query["at"], exclude_case_id=query["exclude"])
            assert (match.case_id if match else None) == expected, query
            checked, found = checked + 1, found + (expected is not None)
        assert found > 50 and checked - found > 50  # both answers are well represented


def test_number_and_address_written_otherwise_are_the_same_patient(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        earlier = add_case(s, actor, callback_phone="070-123 45 67", address="Storgatan 1", units=(AMB,))
        record_outcome(s, actor, earlier.id, "treated_left_home", at=T0)
        at = T0 + timedelta(hours=5)
        for phone, address in (("+46701234567", "storg. 1"), ("0046 70 123 45 67", "STORGATA 1"),
                               ("+46 (0)70-123 45 67", "Storgatan 1."), ("0701234567", "storg 1")):
            hit = find_recontact(s, callback_phone=phone, address=address, at=at)
            assert hit is not None and hit.case_id == earlier.id and hit.matched_by == "phone_address", (phone, address)
        assert find_recontact(s, callback_phone="+46701234567", address="storg. 11", at=at) is None
        assert find_recontact(s, callback_phone="+46701234568", address="storg. 1", at=at) is None
        assert find_recontact(s, callback_phone="+46701234567", address="", at=at) is None
        assert find_recontact(s, callback_phone="", address="Storgatan 1", at=at) is None


def test_the_check_loads_only_the_patients_own_case(db, make_actor) -> None:
    """A full window of other patients' left-at-home cases is not read: the old scan loaded every one of them
    for a number nobody had; the indexed query loads the one case that matches, or none."""
    actor = make_actor(db)
    with db() as s, s.begin():
        for n in range(150):
            other = add_case(s, actor, callback_phone=f"0709{n:06d}", address=f"Lindvägen {n}")
            s.add(Outcome(case_id=other.id, code="left_home_advice", source="manual",
                          recorded_at=T0 + timedelta(minutes=n)))
        s.flush()
        s.expunge_all()
        loaded: list[int] = []

        def on_load(case: Case, _context: object) -> None:
            loaded.append(case.id)

        event.listen(Case, "load", on_load)
        try:
            at = T0 + timedelta(hours=10)
            assert find_recontact(s, callback_phone="0701111111", address="Storgatan 1", at=at) is None
            assert loaded == []
            hit = find_recontact(s, callback_phone="+46 709 00 00 07", address="lindvägen 7", at=at)
            assert hit is not None and loaded == [hit.case_id]
        finally:
            event.remove(Case, "load", on_load)
