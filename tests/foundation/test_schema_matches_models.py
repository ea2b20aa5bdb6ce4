"""The migrations build exactly the schema the ORM models describe (an `alembic check` as a test).

Whoever adds or changes a model without a migration makes this fail, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String

from records.db import downgrade, make_engine, migrate
from records.models import Base


def _differences(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        assert _differences(engine) == []
        downgrade(engine, "base")  # and the way down and up again lands on the same schema
        migrate(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_the_comparison_does_see_a_model_without_a_migration(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    """Guard against a check that can never fail: models with one more column than the migrations are
    reported."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["call_drafts"].append_column(Column("unmigrated_note", String(40)))
    with sqlite_db.kw["bind"].connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "call_drafts", "unmigrated_note")]
