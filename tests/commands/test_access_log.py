"""The patient's access log (`main.py audit export --patient`): after a scripted set of reads and writes of two
patients' data — through the commands and the read functions, by nurse, dispatcher and physician — the export of
the first lists exactly the rows made about that patient (every one of them) and nothing of the other; as CSV and
as PDF. `--user` gives one user's actions. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from command_world import World, intake, triage
from sqlalchemy import func, select

from commands import CreateCase, HandOverDraft, RecordFollowUp, RecordOutcome, SaveDraft, SendToWaitingRoom, run
from larmcentral_cli import main as cli
from outcomes.followup import FollowUpResult, followup_queue
from outcomes.importer import import_later_facts
from outcomes.recontact import find_recontact
from records.cases import CaseIntake, get_case, list_cases
from records.identity import provision_and_sign_in
from records.models import AuditEntry, FollowUp, Review
from records.patients import lookup_context
from records.review_queue import open_reviews, review_detail
from records.triage_store import latest_triage, unfinished_draft
from resources.clock import LOCAL_TZ
from resources.vocabulary import Role

P = "19121212-1212"  # the patient who asks for the log (the tax agency's test numbers)
Q = "19800101-9804"  # another patient, whose rows must not appear


pytestmark = pytest.mark.usefixtures("cli_engines")  # tests/conftest.py


class Script:
    """Runs steps and notes which audit rows each one wrote, and about which patients."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.about: dict[str, set[int]] = {P: set(), Q: set()}

    def _last_id(self) -> int:
        with self.w.db() as s:
            return s.scalar(select(func.max(AuditEntry.id))) or 0

    def step(self, patients: set[str], fn: Callable[[], Any]) -> Any:
        before = self._last_id()
        result = fn()
        with self.w.db() as s:
            new = set(s.scalars(select(AuditEntry.id).where(AuditEntry.id > before)))
        assert new, "every step reads or writes patient data, so every step is audited"
        for pnr in patients:
            self.about[pnr] |= new
        return result

    def read(self, patients: set[str], fn: Callable[[Any], Any]) -> Any:
        def in_transaction() -> Any:
            with self.w.db() as s, s.begin():
                return fn(s)
        return self.step(patients, in_transaction)


def _intake(pnr: str) -> CaseIntake:
    return CaseIntake(**{**intake(f"Patient {pnr[-4:]}").model_dump(), "personnummer": pnr})


def _play(w: World) -> Script:
    sc = Script(w)
    nurse, dispatcher, physician = w.nurse, w.dispatcher, w.physician
    cases: dict[str, int] = {}
    for pnr in (P, Q):
        sc.read({pnr}, lambda s, pnr=pnr: lookup_context(s, nurse, pnr))  # the register lookup at the call
        cases[pnr] = sc.step({pnr}, lambda pnr=pnr: run(w.db, nurse, CreateCase(intake=_intake(pnr))).case_id)
        sc.step({pnr}, lambda pnr=pnr: run(w.db, nurse, SendToWaitingRoom(case_id=cases[pnr],
                                                                          triage=triage("2"))))
        sc.read({pnr}, lambda s, pnr=pnr: get_case(s, nurse, cases[pnr]))
        sc.read({pnr}, lambda s, pnr=pnr: latest_triage(s, dispatcher, cases[pnr]))
    sc.read({P, Q}, lambda s: list_cases(s, dispatcher))  # one listing showing both

    # P's unit is not the recommended one: a deviation review for the physician
    cmd = w.assign_command(cases[P])
    other = cmd.recommendation_shown["parts"][0]["alternatives"][0]["unit_id"]
    sc.step({P}, lambda: run(w.db, dispatcher, cmd.model_copy(update={"unit_id": other,
                                                                       "deviation_reason": "Närmare enligt radio"})))
    sc.step({Q}, lambda: w.assign(cases[Q]))
    for pnr in (P, Q):  # left at home: a telephone follow-up is scheduled
        sc.step({pnr}, lambda pnr=pnr: run(w.db, dispatcher, RecordOutcome(case_id=cases[pnr],
                                                                          code="treated_left_home")))
    sc.read({P, Q}, lambda s: followup_queue(s, nurse))
    with w.db() as s:
        followup = s.scalars(select(FollowUp.id).where(FollowUp.case_id == cases[P])).one()
        review = s.scalars(select(Review.id).where(Review.case_id == cases[P])).one()
    sc.step({P}, lambda: run(w.db, nurse, RecordFollowUp(followup_id=followup, result=FollowUpResult.BETTER)))
    facts = w.tmp / "senare-fakta.csv"  # the hospital's later facts about P's case, imported by the administrator
    day = datetime.now(UTC).date()  # the case's own date (UTC), so never before it
    facts.write_text(f"arende;faktum;datum\n{cases[P]};inlagd;{day}\n", encoding="utf-8")
    sc.read({P}, lambda s: import_later_facts(s, w.admin, facts, today=day))
    sc.read({P}, lambda s: open_reviews(s, physician))  # only P's case is in the RLS queue
    sc.read({P}, lambda s: review_detail(s, physician, review))

    # P calls again: the earlier case is shown as a recontact, and the new call is kept as a draft
    sc.read({P}, lambda s: find_recontact(s, personnummer=P, actor=nurse))
    new_case = sc.step({P}, lambda: run(w.db, nurse, CreateCase(intake=_intake(P))).case_id)
    saved = sc.step({P}, lambda: run(w.db, nurse, SaveDraft(case_id=new_case, intake=_intake(P).model_copy(
        update={"address": "Lillgatan 2"}), payload={"complaint": None})))
    sc.read({P}, lambda s: unfinished_draft(s, nurse))

    # shift change: Anna hands the call to Bo, whose console reopens it
    with w.db() as s, s.begin():
        bo = provision_and_sign_in(s, "ssk.bo", Role.NURSE, console="test-konsol")
    sc.step({P}, lambda: run(w.db, nurse, HandOverDraft(draft_id=saved.draft_id, to_username="ssk.bo")))
    sc.read({P}, lambda s: unfinished_draft(s, bo))
    return sc


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _export(cli_user: Callable[..., list[str]], db_url: str, *argv: str) -> int:
    admin = ["--admin" if a == "--user" else a for a in cli_user(db_url, "admin.test", Role.ADMIN)]
    return cli(["audit", "export", *argv, *admin])


def test_the_patients_log_lists_every_read_and_write_of_that_patient_and_nothing_else(  # type: ignore[no-untyped-def]
        world, db_url, monkeypatch, tmp_path, cli_user, capsys) -> None:
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    sc = _play(world)
    assert sc.about[P] and sc.about[Q] and sc.about[P] != sc.about[Q]

    with world.db() as s:  # the register lookup now names the patient
        lookups = [e.detail for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "patient.lookup"))]
    assert {d["patient"] for d in lookups} == {P, Q}

    out = tmp_path / "logg.csv"
    assert _export(cli_user, db_url, "--patient", "191212121212", "--out", str(out)) == 0  # normalised
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(out)
    assert {int(r["Loggpost"]) for r in rows} == sc.about[P]
    assert all(r["Patient"] == P for r in rows)
    assert not any(Q in ";".join(r.values()) for r in rows)
    texts = {r["Åtgärd"] for r in rows}
    assert {"slog upp patienten i patientregistret", "registrerade ärendet", "läste ärendet", "triagerade",
            "läste ärendets triagering", "såg ärendet i ärendelistan", "larmade en enhet", "registrerade utfall",
            "såg ärendet i uppföljningslistan", "såg ärendet i RLS-granskningskön",
            "läste ärendet för RLS-granskning", "såg ärendet som tidigare kontakt (återkontakt)",
            "öppnade sitt utkast till ärendet", "importerade senare fakta (inläggning, dödsfall)",
            "lämnade över det pågående samtalet till ssk.bo"} <= texts
    assert {r["Användare"] for r in rows} == {"ssk.anna", "usk.berit", "lak.david", "admin.eva", "ssk.bo"}
    listing = next(r for r in rows if r["Åtgärdskod"] == "case.list")
    assert "," not in listing["Ärende"]  # only P's case of the two the list showed
    assert {r["Roll"] for r in rows} >= {"Sjuksköterska", "Dirigent (undersköterska)", "RLS-läkare"}
    first = rows[0]["Tid"]
    assert first.startswith(date.today().isoformat()[:4]) and len(first) == 19

    out_q = tmp_path / "logg-q.csv"
    assert _export(cli_user, db_url, "--patient", Q, "--out", str(out_q)) == 0
    assert {int(r["Loggpost"]) for r in _rows(out_q)} == sc.about[Q]

    # the export is itself audited: who took out whose log; a later export shows it to the patient
    again = tmp_path / "igen.csv"
    assert _export(cli_user, db_url, "--patient", P, "--out", str(again)) == 0
    exports = [r for r in _rows(again) if r["Åtgärdskod"] == "audit.export"]
    assert len(exports) == 1 and exports[0]["Användare"] == "admin.test"
    assert exports[0]["Åtgärd"] == f"tog ut granskningslogg för patient {P}"

    # a period: today holds everything, tomorrow nothing
    today = datetime.now(LOCAL_TZ).date()
    period = tmp_path / "period.csv"
    assert _export(cli_user, db_url, "--patient", P, "--from", today.isoformat(), "--to", today.isoformat(),
                   "--out", str(period)) == 0
    assert sc.about[P] <= {int(r["Loggpost"]) for r in _rows(period)}
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _export(cli_user, db_url, "--patient", P, "--from", tomorrow, "--out", str(period)) == 0
    assert _rows(period) == []

    # the PDF for the patient
    pdf = tmp_path / "logg.pdf"
    assert _export(cli_user, db_url, "--patient", P, "--out", str(pdf)) == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000
    pypdf = pytest.importorskip("pypdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert P in text and Q not in text and "admin.test" in text and "ssk.anna" in text
    capsys.readouterr()


def test_one_users_log_and_the_refusals(world, db_url, monkeypatch, tmp_path, cli_user, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    sc = _play(world)
    out = tmp_path / "ssk.csv"
    assert _export(cli_user, db_url, "--user", "ssk.anna", "--format", "csv", "--out", str(out)) == 0
    rows = _rows(out)
    with world.db() as s:
        mine = set(s.scalars(select(AuditEntry.id).where(AuditEntry.user_id == world.nurse.user_id)))
    assert {int(r["Loggpost"]) for r in rows} == mine
    assert {r["Användare"] for r in rows} == {"ssk.anna"}
    assert {r["Patient"] for r in rows if r["Åtgärdskod"] == "case.read"} == {P, Q}
    assert any(r["Åtgärd"] == "loggade in" for r in rows)
    assert sc.about[P] & mine

    pdf = tmp_path / "ssk.pdf"
    assert _export(cli_user, db_url, "--user", "ssk.anna", "--out", str(pdf)) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    capsys.readouterr()

    # refused, in Swedish: a nurse, a malformed personnummer, an unknown user, a period that ends before it starts
    nurse = cli_user(db_url, "ssk.nina", Role.NURSE)
    assert cli(["audit", "export", "--patient", P, "--out", str(out), "--admin", nurse[1], *nurse[2:]]) == 1
    assert "Nekad" in capsys.readouterr().err
    assert _export(cli_user, db_url, "--patient", "19121212-1213", "--out", str(out)) == 1
    assert "kontrollsiffra" in capsys.readouterr().err.lower()
    assert _export(cli_user, db_url, "--user", "finns.inte", "--out", str(out)) == 1
    assert "finns inte" in capsys.readouterr().err
    assert _export(cli_user, db_url, "--patient", P, "--from", "2026-02-02", "--to", "2026-02-01",
                   "--out", str(out)) == 1
    assert "före" in capsys.readouterr().err
    with world.db() as s:  # only the exports that were made are audited
        exports = list(s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "audit.export")))
    assert [e.get("user") or e.get("patient") for e in exports] == ["ssk.anna", "ssk.anna"]


def test_a_corrected_personnummer_leaves_the_earlier_history_with_the_first_patient(  # type: ignore[no-untyped-def]
        world, db_url, monkeypatch, tmp_path, cli_user, capsys) -> None:
    """The nurse takes the call as P's, the dispatcher's case list shows it, the draft is reopened; then the
    personnummer is corrected to Q's. P's log keeps what was done while the case was P's (and the change);
    Q's log has the change and what came after, none of P's earlier rows."""
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    w, nurse = world, world.nurse
    sc = Script(w)
    case = sc.step({P}, lambda: run(w.db, nurse, CreateCase(intake=_intake(P))).case_id)
    saved = run(w.db, nurse, SaveDraft(case_id=case, intake=_intake(P), payload={"complaint": None}))  # unaudited
    sc.read({P}, lambda s: list_cases(s, w.dispatcher))
    sc.read({P}, lambda s: unfinished_draft(s, nurse))
    sc.step({P, Q}, lambda: run(w.db, nurse, SaveDraft(case_id=case, intake=_intake(Q), payload={"complaint": None},
                                                      draft_id=saved.draft_id)))
    sc.read({Q}, lambda s: get_case(s, nurse, case))
    sc.read({Q}, lambda s: list_cases(s, w.dispatcher))

    with w.db() as s:
        change = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.update_intake")).one()
    assert change.detail["patient_before"] == P and change.detail["patient"] == Q
    assert "personnummer" in change.detail["fields"]

    logs = {}
    for pnr in (P, Q):
        out = tmp_path / f"{pnr}.csv"
        assert _export(cli_user, db_url, "--patient", pnr, "--out", str(out)) == 0
        logs[pnr] = _rows(out)
    capsys.readouterr()
    for pnr, other in ((P, Q), (Q, P)):
        assert {int(r["Loggpost"]) for r in logs[pnr]} == sc.about[pnr]
        assert {r["Patient"] for r in logs[pnr]} == {pnr}
        assert not any(other in ";".join(r.values()) for r in logs[pnr])  # never the other patient's number
    assert [r["Åtgärdskod"] for r in logs[P]] == ["case.create", "case.list", "case.read", "case.update_intake"]
    assert [r["Åtgärdskod"] for r in logs[Q]] == ["case.update_intake", "case.read", "case.list"]
    assert logs[P][-1]["Åtgärd"] == "ändrade ärendets personnummer: ärendet gäller inte längre patienten"
    assert logs[Q][0]["Åtgärd"] == "ändrade ärendets personnummer till patientens"

    # the nurse's own log (the region's review) names both numbers at the change
    out = tmp_path / "ssk.csv"
    assert _export(cli_user, db_url, "--user", "ssk.anna", "--out", str(out)) == 0
    capsys.readouterr()
    mine = {r["Åtgärdskod"]: r for r in _rows(out) if r["Åtgärdskod"] != "user.sign_in"}
    assert mine["case.update_intake"]["Åtgärd"] == f"ändrade ärendets personnummer från {P} till {Q}"
    assert mine["case.create"]["Patient"] == P
