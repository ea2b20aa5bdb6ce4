"""What a command asks the database on its way, on both backends: the sign-in once (its audit does not ask
again), and the case it locks read once (its handler does not read it again)."""

from __future__ import annotations

from command_world import intake, triage
from sql_capture import sql_statements

from commands import CreateCase, FinishCall, run
from resources.vocabulary import Role


def test_triage_complete_asks_about_the_sign_in_once_and_reads_its_case_once_before_changing_it(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.eva", Role.NURSE)
    case_id = run(db, nurse, CreateCase(intake=intake())).case_id  # type: ignore[attr-defined]
    seen = sql_statements(db, lambda: run(db, nurse, FinishCall(case_id=case_id, intake=intake(), triage=triage())))
    sign_in = [s for s in seen if s.startswith("SELECT") and "FROM user_sessions" in s]
    first_update = next(i for i, s in enumerate(seen) if s.startswith("UPDATE cases"))
    case_reads = [s for s in seen[:first_update] if s.startswith("SELECT cases.id, cases.status")]
    assert len(sign_in) == 1 and len(case_reads) == 1
    if db.kw["bind"].dialect.name == "postgresql":  # SQLite has no row locks (its writer holds the database)
        assert case_reads[0].endswith("FOR UPDATE")
