"""The audit entries of one transaction go in as one INSERT, and the chain still reads in id order: each row's
prev_hash is the row before it, in the order the entries were made, on both backends."""

from __future__ import annotations

from sqlalchemy import select

from records.audit import audit
from records.audit_chain import entry_hash
from records.db import transaction
from records.models import AuditEntry
from resources.vocabulary import Role


def test_entries_of_one_transaction_are_chained_in_the_order_they_were_made(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    actor = make_actor(db, "usk.ida", Role.DISPATCHER)
    for batch in range(3):
        with transaction(db) as s:
            for n in range(7):
                audit(s, actor, "console.lock", reason=f"{batch}.{n}")
    with transaction(db) as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    ours = [r.detail["reason"] for r in rows if r.action == "console.lock"]
    assert ours == [f"{b}.{n}" for b in range(3) for n in range(7)]
    for before, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == before.hash
        assert row.hash == entry_hash(before.hash, at=row.at, user_id=row.user_id, role=row.role, console=row.console,
                                      action=row.action, case_id=row.case_id, detail=row.detail)
