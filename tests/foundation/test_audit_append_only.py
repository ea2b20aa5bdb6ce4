"""An audit log nobody can rewrite: the database refuses UPDATE/DELETE on audit_log through the product's
own engine, each entry carries the hash of the one before it, and `main.py audit verify` names the first
entry changed behind the product's back. On both backends."""

from __future__ import annotations

import threading

import pytest
from audit_helpers import audited_writes, behind_the_products_back, run_cli
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from records.audit import audit, audit_trail
from records.audit_chain import GENESIS, entry_hash
from records.audit_verify import verify_database
from records.db import make_engine, migrate, session_factory
from records.models import AuditEntry
from resources.vocabulary import Role


def _chain(db) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_update_delete_and_truncate_are_refused_through_the_products_engine(db_url: str, make_actor) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    migrate(engine)
    db = session_factory(engine)
    try:
        audited_writes(db, make_actor(db))
        statements = ["UPDATE audit_log SET action = 'case.nothing' WHERE id = (SELECT min(id) FROM audit_log)",
                      "UPDATE audit_log SET detail = '{}'",
                      "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
                      "DELETE FROM audit_log"]
        if engine.dialect.name == "postgresql":
            statements.append("TRUNCATE audit_log")
        for sql in statements:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(sql))
        # and through the ORM, the way a careless piece of product code would try it
        with pytest.raises(DBAPIError, match="append-only"), db() as s, s.begin():
            s.scalars(select(AuditEntry)).first().action = "case.nothing"  # type: ignore[union-attr]
        with pytest.raises(DBAPIError, match="append-only"), db() as s, s.begin():
            s.delete(s.scalars(select(AuditEntry)).first())
        assert verify_database(db_url).ok
    finally:
        engine.dispose()


def test_each_entry_carries_the_hash_of_the_one_before(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    n = audited_writes(db, make_actor(db), cases=3)
    chain = _chain(db)
    assert len(chain) == n + 1  # + the sign-in
    prev = GENESIS
    for e in chain:
        assert e.prev_hash == prev
        assert e.hash == entry_hash(prev, at=e.at, user_id=e.user_id, role=e.role, console=e.console,
                                    action=e.action, case_id=e.case_id, detail=e.detail)
        prev = e.hash
    assert len({e.hash for e in chain}) == len(chain)


def test_a_rolled_back_transaction_or_savepoint_leaves_no_entry(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    before = len(_chain(db))
    with pytest.raises(RuntimeError), db() as s, s.begin():
        audit(s, nurse, "case.read", 1)
        raise RuntimeError("crash before commit")
    with db() as s:  # the same session object is not reused, but a reused one must not carry the queue over
        audit(s, nurse, "case.read", 2)
        s.rollback()
        s.commit()
    with db() as s, s.begin():
        audit(s, nurse, "case.read", 3, kept="before the savepoint")
        with pytest.raises(RuntimeError), s.begin_nested():
            audit(s, nurse, "case.read", 4, kept=False)
            raise RuntimeError("savepoint fails")
        with s.begin_nested():
            audit(s, nurse, "case.read", 5, kept="released savepoint")
    assert [(e.case_id, e.detail) for e in _chain(db)[before:]] == [(3, {"kept": "before the savepoint"}),
                                                                    (5, {"kept": "released savepoint"})]
    assert verify_database(str(db.kw["bind"].url.render_as_string(hide_password=False))).ok


def test_the_writing_transaction_reads_its_own_entries(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    with db() as s, s.begin():
        audit(s, nurse, "case.read", 7, n=1)
        assert [e.action for e in audit_trail(s, 7)] == ["case.read"]
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "case.read")) is not None
        audit(s, nurse, "case.update", 7, n=2)  # queued again after the early write: chains onto it
        assert s.scalar(text("SELECT count(*) FROM audit_log WHERE case_id = 7")) == 2
    chain = _chain(db)
    assert [(e.action, e.detail["n"]) for e in chain if e.case_id == 7] == [("case.read", 1), ("case.update", 2)]
    assert chain[-1].prev_hash == chain[-2].hash


def test_audit_verify_passes_on_an_untouched_log(db_url: str, db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = audited_writes(db, make_actor(db), cases=4) + 1
    last = _chain(db)[-1]
    done = run_cli(db_url, tmp_path, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"Granskningsloggen är obruten: {n} poster, senaste #{last.id}"
    assert last.hash in done.stdout and "Traceback" not in done.stderr


def test_audit_verify_names_a_row_changed_behind_the_products_back(db_url: str, db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    audited_writes(db, make_actor(db), cases=4)
    chain = _chain(db)
    victim = chain[3]
    behind_the_products_back(db_url, "UPDATE audit_log SET detail = :d WHERE id = :id",
                             {"d": '{"n": 99}', "id": victim.id})
    done = run_cli(db_url, tmp_path, "audit", "verify")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"bruten vid post #{victim.id} ({victim.at.isoformat()}, {victim.action})" in done.stderr
    assert "innehållet har ändrats" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_audit_verify_names_the_entry_after_a_deleted_one(db_url: str, db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    audited_writes(db, make_actor(db), cases=3)
    chain = _chain(db)
    behind_the_products_back(db_url, "DELETE FROM audit_log WHERE id = :id", {"id": chain[2].id})
    done = run_cli(db_url, tmp_path, "audit", "verify")
    assert done.returncode == 1
    assert f"bruten vid post #{chain[3].id}" in done.stderr
    assert f"länken till föregående post #{chain[1].id} är bruten" in done.stderr


def test_a_rehashed_row_breaks_the_link_of_the_next(db_url: str, db, make_actor) -> None:  # type: ignore[no-untyped-def]
    """A forger who also recomputes the changed row's hash is caught at the row after it."""
    audited_writes(db, make_actor(db), cases=2)
    chain = _chain(db)
    victim = chain[1]
    forged = entry_hash(victim.prev_hash, at=victim.at, user_id=victim.user_id, role=victim.role,
                        console=victim.console, action="case.nothing", case_id=victim.case_id, detail=victim.detail)
    behind_the_products_back(db_url, "UPDATE audit_log SET action = 'case.nothing', hash = :h WHERE id = :id",
                             {"h": forged, "id": victim.id})
    verdict = verify_database(db_url)
    assert verdict.broken is not None and verdict.broken.id == chain[2].id
    assert verdict.broken.problems == (f"länken till föregående post #{victim.id} är bruten – en post före den har "
                                       "ändrats, tagits bort eller lagts in i efterhand",)


def test_audit_verify_without_a_database_is_a_swedish_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path, "audit", "verify")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Granskningsloggen kunde inte läsas" in done.stderr
    done = run_cli(f"sqlite:///{tmp_path / 'saknas.sqlite3'}", tmp_path, "audit", "verify")
    assert done.returncode == 2 and "finns inte" in done.stderr and "Traceback" not in done.stderr


def test_migration_0003_chains_the_rows_that_were_there(empty_db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(empty_db_url)
    try:
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, display_name, role, active, created_at) "
                              "VALUES ('ssk.old', 'Old', 'nurse', true, '2025-01-01 10:00:00')"))
            for i in range(5):
                conn.execute(text("INSERT INTO audit_log (at, user_id, role, console, action, case_id, detail) "
                                  "VALUES (:at, 1, 'nurse', 'k1', 'case.read', :c, :d)"),
                             {"at": f"2025-01-0{i + 1} 10:00:00.12345{i}", "c": i, "d": f'{{"i": {i}, "å": "ö"}}'})
        migrate(engine)
        verdict = verify_database(empty_db_url)
        assert verdict.ok and verdict.entries == 5
        db = session_factory(engine)
        with db() as s, s.begin():
            from records.identity import provision_and_sign_in

            audit(s, provision_and_sign_in(s, "ssk.new", Role.NURSE), "case.read", 9)
        verdict = verify_database(empty_db_url)
        assert verdict.ok and verdict.entries == 7
    finally:
        engine.dispose()


def test_concurrent_writers_never_chain_onto_the_same_entry(db_url: str, make_actor) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    migrate(engine)
    db = session_factory(engine)
    nurse = make_actor(db)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(k: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with db() as s, s.begin():
                    audit(s, nurse, "case.read", k * 100 + i)
                    s.scalar(text("SELECT 1"))  # some work between queueing and commit
                    audit(s, nurse, "case.list", k * 100 + i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        chain = _chain(db)
        assert len(chain) == 1 + 4 * 15 * 2
        assert len({e.prev_hash for e in chain}) == len(chain)  # no two entries share a predecessor
        verdict = verify_database(db_url)
        assert verdict.ok and verdict.entries == len(chain), verdict.message()
        # each transaction's two entries are adjacent in the chain
        pairs = [(a.case_id, b.case_id) for a, b in zip(chain[1::2], chain[2::2], strict=True)]
        assert all(x == y for x, y in pairs)
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ['{"n": NaN}', '{"n": 1e400}', "{bad"])
def test_audit_verify_names_a_row_changed_into_something_unreadable(db_url: str, db, make_actor, tmp_path,  # type: ignore[no-untyped-def]
                                                                    value: str) -> None:
    """A value changed into something that cannot even be read back is named as the broken entry — the tool
    that should find tampering does not crash on it."""
    if value in ("{bad", '{"n": NaN}') and not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's json type refuses this even from the table's owner")
    audited_writes(db, make_actor(db), cases=3)
    victim = _chain(db)[2]
    behind_the_products_back(db_url, "UPDATE audit_log SET detail = :d WHERE id = :id", {"d": value, "id": victim.id})
    done = run_cli(db_url, tmp_path, "audit", "verify")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"bruten vid post #{victim.id}" in done.stderr and "Traceback" not in done.stderr, done.stderr
