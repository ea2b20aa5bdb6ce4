"""Migration 0002 adds `ruleset_versions` (accepted rule-set versions shared by every console) and its
downgrade removes only that table."""

from __future__ import annotations

from records.db import downgrade, make_engine, migrate, table_names


def test_0002_adds_and_drops_ruleset_versions(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        migrate(engine, "0001")
        before = table_names(engine)
        assert "ruleset_versions" not in before and "rule_proposals" in before
        migrate(engine, "0002")
        assert table_names(engine) == before | {"ruleset_versions"}
        downgrade(engine, "0001")
        assert table_names(engine) == before
        migrate(engine)
        assert "ruleset_versions" in table_names(engine)
    finally:
        engine.dispose()
