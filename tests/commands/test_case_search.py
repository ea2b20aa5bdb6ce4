"""Case search (records.case_search, Ctrl+F and `cases search`): by ärende number, personnummer, phone and address
however they are typed, open and closed cases newest first, bounded, for the clinical roles only, every search
audited with what was shown. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from command_world import World, triage
from sqlalchemy import select

from commands import CaseCreated, CreateCase, RecordOutcome, SendToWaitingRoom, run
from records.access_log import patient_log
from records.actor import NotPermitted
from records.case_search import CaseSearchError, plan_search, search_cases
from records.cases import CaseIntake
from records.db import transaction
from records.models import AuditEntry

TOLVAN = "19121212-1212"


def _case(world: World, *, phone: str = "", address: str = "", pnr: str | None = None, close: bool = False) -> int:
    created = run(world.db, world.nurse, CreateCase(intake=CaseIntake(
        callback_phone=phone, address=address, kommun="Ystad", personnummer=pnr, patient_name="Tolvan Tolvansson")))
    assert isinstance(created, CaseCreated)
    if close:
        run(world.db, world.nurse, SendToWaitingRoom(case_id=created.case_id, triage=triage("3")))
        run(world.db, world.dispatcher, RecordOutcome(case_id=created.case_id, code="treated_left_home"))
    return created.case_id


def _found(world: World, text: str, **kw: int) -> list[int]:
    with transaction(world.db) as s:
        return [h.case.case_id for h in search_cases(s, world.dispatcher, text, **kw).hits]


@pytest.fixture
def cases(world: World) -> dict[str, int]:
    return {
        "old": _case(world, phone="070-123 45 67", address="Storgatan 1, Ystad", pnr=TOLVAN, close=True),
        "other": _case(world, phone="040-11 22 33", address="Lillgränd 4", pnr="20000101-9801"),
        "new": _case(world, phone="+46 70 123 45 67", address="Storg. 1 A"),
    }


def test_by_case_number_however_written(world: World, cases: dict[str, int]) -> None:
    n = cases["other"]
    for text in (str(n), f"ärende {n}", f"Ärende {n}", f"#{n}", f" {n} "):
        assert _found(world, text) == [n], text
    assert _found(world, "999999") == []


def test_by_personnummer_with_or_without_century_and_dash(world: World, cases: dict[str, int]) -> None:
    for text in (TOLVAN, "191212121212", "121212-1212", "1212121212", "19121212 1212"):
        assert _found(world, text) == [cases["old"]], text
    with transaction(world.db) as s:
        assert search_cases(s, world.nurse, "121212-1212").searched_by == ["personnummer"]  # written as one
        assert search_cases(s, world.nurse, "1212121212").searched_by == ["personnummer", "telefon"]  # may be either
        result = search_cases(s, world.nurse, "19121212-1213")
    assert result.hits == [] and "kontrollsiffran stämmer inte" in result.note


def test_by_phone_in_any_form(world: World, cases: dict[str, int]) -> None:
    for text in ("070-123 45 67", "0701234567", "+46701234567", "0046 70 123 45 67", "+46 (0)70-123 45 67"):
        assert _found(world, text) == [cases["new"], cases["old"]], text  # newest first, the closed one too


def test_by_address_substring_case_and_abbreviation(world: World, cases: dict[str, int]) -> None:
    both = [cases["new"], cases["old"]]
    for text in ("Storgatan 1", "storgatan", "STORG. 1", "Storgat", "storga"):
        assert _found(world, text) == both, text
    assert _found(world, "Storgatan 1, Ystad") == [cases["old"]]
    assert _found(world, "lillgränd") == [cases["other"]]
    assert _found(world, "Stor%1") == [] and _found(world, "Stor_") == []  # wildcards are plain characters


def test_bounded_newest_first(world: World, cases: dict[str, int]) -> None:
    with transaction(world.db) as s:
        result = search_cases(s, world.nurse, "storgatan", limit=1)
    assert [h.case.case_id for h in result.hits] == [cases["new"]] and result.truncated
    hit = result.hits[0]
    assert hit.matched_by == ["adress"]
    assert hit.case.address == "Storg. 1 A, Ystad" and hit.case.patient == "Tolvan Tolvansson"
    assert hit.case.status_text == "Pågående samtal"


@pytest.mark.parametrize(("text", "message"), [
    ("", "Skriv ett ärendenummer"),
    ("   ", "Skriv ett ärendenummer"),
    ("ab", "Skriv minst 3 tecken av adressen"),
    ("123-", "är inget ärendenummer, personnummer, telefonnummer eller adress"),
    ("x" * 101, "för långt"),
    ("Storgatan\x001", "otillåtet styrtecken"),
])
def test_what_cannot_be_searched_for_is_told_in_swedish(text: str, message: str) -> None:
    with pytest.raises(CaseSearchError, match=message):
        plan_search(text.strip())


def test_only_clinical_roles_search_and_every_search_is_audited(world: World, cases: dict[str, int]) -> None:
    with transaction(world.db) as s:
        before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    with pytest.raises(NotPermitted, match="Administratör får inte söka efter ärenden"), \
            transaction(world.db) as s:
        search_cases(s, world.admin, "Storgatan")
    _found(world, "Storgatan")
    _found(world, "1212121212")
    _found(world, "Finnsinte 9")
    with transaction(world.db) as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)))
        log = patient_log(s, world.admin, TOLVAN)
    assert [(r.user_id, r.action) for r in rows] == [(world.dispatcher.user_id, "case.search")] * 3
    assert rows[0].detail["query"] == "Storgatan" and rows[0].detail["case_ids"] == [cases["new"], cases["old"]]
    assert rows[0].detail["searched_by"] == ["adress"]
    assert rows[1].detail["patient"] == TOLVAN and rows[1].detail["case_ids"] == [cases["old"]]
    assert rows[2].detail["case_ids"] == []
    # the patient's access log has both searches that showed (or looked for) her
    searched = [r for r in log.rows if r.action == "case.search"]
    assert [r.entry_id for r in searched] == [rows[0].id, rows[1].id]
    assert searched[0].action_text == "sökte efter ärenden"
