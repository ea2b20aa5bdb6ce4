"""Recontact keys (records.recontact_keys): the normalisation table, and migration 0007 that adds the keys to
cases, backfills every existing case in batches and downgrades cleanly — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from records.db import downgrade, make_engine, migrate
from records.recontact_keys import address_key, phone_key


@pytest.mark.parametrize(("raw", "key"), [
    ("070-123 45 67", "0701234567"),
    ("0701234567", "0701234567"),
    ("+46701234567", "0701234567"),
    ("+46 70 123 45 67", "0701234567"),
    ("0046 70-123 45 67", "0701234567"),
    ("46701234567", "0701234567"),  # the country code without its plus
    ("+46 (0)70-123 45 67", "0701234567"),
    ("00460701234567", "0701234567"),
    ("(040) 12 34 56", "040123456"),
    ("+46 40 12 34 56", "040123456"),
    ("０７０－１２３ ４５ ６７", "0701234567"),  # full-width digits, as some keyboards give them
    ("+45 12 34 56 78", "004512345678"),  # another country keeps its code
    ("0045 12 34 56 78", "004512345678"),
    ("112", "112"),
    ("1177", "1177"),
    ("4612", "4612"),  # too short to be a number with the country code
    ("", None),
    ("   ", None),
    ("okänt", None),
    (None, None),
])
def test_phone_key(raw: str | None, key: str | None) -> None:
    assert phone_key(raw) == key


@pytest.mark.parametrize(("raw", "key"), [
    ("Storgatan 1", "storg 1"),
    ("storg. 1", "storg 1"),
    ("STORGATAN 1", "storg 1"),
    ("Storgata 1", "storg 1"),
    ("Storgatan 1, Ystad", "storg 1 ystad"),
    ("  storgatan   1 ,ystad. ", "storg 1 ystad"),
    ("Lindvägen 12 A", "lindv 12a"),
    ("Lindv. 12a", "lindv 12a"),
    ("Lindväg 12A", "lindv 12a"),
    ("Kyrkogränd 4", "kyrkogr 4"),
    ("Kyrkogr. 4", "kyrkogr 4"),
    ("Gustav Adolfs plats 3", "gustav adolfs pl 3"),
    ("Gustav Adolfs pl. 3", "gustav adolfs pl 3"),
    ("Östra vägen 5", "östra v 5"),
    ("Östra v. 5", "östra v 5"),
    ("ÅSGATAN 2", "åsg 2"),  # å, ä, ö are kept: Åsgatan is not Asgatan
    ("Asgatan 2", "asg 2"),
    ("A\u030asgatan 2", "åsg 2"),  # a decomposed å (NFD) is the same å
    ("Kastanjeallé 3", "kastanjealle 3"),  # other accents are dropped
    ("Sjøgatan 2", "sjög 2"),  # ø/æ read as ö/ä
    ("Storgatan 1 i Ystad", "storg 1 i ystad"),  # only a–h join a house number
    ("Borg 3", "borg 3"),  # a word merely ending in g is not a street suffix
    ("", None),
    (" , . ", None),
    (None, None),
])
def test_address_key(raw: str | None, key: str | None) -> None:
    assert address_key(raw) == key


CASES = 2_100  # more than two of the migration's batches of 1,000


def _insert_old_cases(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, username, display_name, role, active, created_at, auth_source, "
                          "failed_logins) VALUES (1, 'ssk.anna', 'Anna', 'nurse', true, '2026-11-01 08:00:00+00', "
                          "'local', 0)"))
        conn.execute(text("INSERT INTO cases (id, status, created_at, created_by, updated_at, caller_name, "
                          "callback_phone, address, patient_name, flags, row_version) VALUES (:id, 'closed', "
                          "'2026-11-01 08:00:00+00', 1, '2026-11-01 08:00:00+00', '', :phone, :address, '', '[]', 1)"),
                     [{"id": i, "phone": f"+46 70-{i:07d}" if i % 3 else "",
                       "address": f"Storgatan {i}, Ystad" if i % 5 else " "} for i in range(1, CASES + 1)])


def _keys(engine) -> dict[int, tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {r.id: (r.phone_key, r.address_key)
                for r in conn.execute(text("SELECT id, phone_key, address_key FROM cases"))}


def test_migration_0007_backfills_every_case_and_downgrades_cleanly(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        migrate(engine, "0006")
        _insert_old_cases(engine)
        with engine.connect() as conn:
            before = conn.execute(text("SELECT id, callback_phone, address FROM cases ORDER BY id")).all()

        migrate(engine, "0007")
        keys = _keys(engine)
        assert len(keys) == CASES
        assert keys == {r.id: (phone_key(r.callback_phone), address_key(r.address)) for r in before}
        assert keys[1] == ("0700000001", "storg 1 ystad") and keys[3] == (None, "storg 3 ystad")
        assert keys[5] == ("0700000005", None)
        assert "ix_cases_recontact_keys" in {i["name"] for i in inspect(engine).get_indexes("cases")}

        downgrade(engine, "0006")
        assert {c["name"] for c in inspect(engine).get_columns("cases")} & {"phone_key", "address_key"} == set()
        assert "ix_cases_recontact_keys" not in {i["name"] for i in inspect(engine).get_indexes("cases")}
        with engine.connect() as conn:  # the cases themselves are untouched
            assert conn.execute(text("SELECT id, callback_phone, address FROM cases ORDER BY id")).all() == before

        migrate(engine)
        assert _keys(engine) == keys
    finally:
        engine.dispose()
