"""Every committed command tells the listeners at once (LISTEN/NOTIFY on PostgreSQL, the in-process bus on SQLite):
topic and case ids; a rolled-back one tells nobody; a payload too large for NOTIFY becomes the topic alone."""

from __future__ import annotations

import queue

import pytest
from sqlalchemy import text

from commands import CreateCase, execute, run
from records.actor import Actor
from records.cases import CaseIntake
from records.change_feed import CHANNEL, MAX_PAYLOAD_BYTES, RESYNC, Change, decode, encode
from records.change_listener import ChangeListener
from records.db import transaction

INTAKE = CaseIntake(kommun="Malmö", lat=55.6, lon=13.0)


def listening(db_url: str) -> tuple[ChangeListener, queue.Queue[Change]]:
    heard: queue.Queue[Change] = queue.Queue()
    listener = ChangeListener(db_url, heard.put, check_s=1.0)
    listener.start()
    if not db_url.startswith("sqlite"):
        assert heard.get(timeout=10) == Change(RESYNC)  # listening from here on
    return listener, heard


def test_a_committed_command_is_heard_with_its_case_and_a_rolled_back_one_is_not(db, db_url, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse: Actor = make_actor(db)
    listener, heard = listening(db_url)
    try:
        with pytest.raises(RuntimeError), transaction(db) as s:
            execute(s, nurse, CreateCase(intake=INTAKE))
            raise RuntimeError("the caller gives up: rolled back")
        case_id = run(db, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
        assert heard.get(timeout=10) == Change("cases", frozenset({case_id}))  # the first heard: not the rollback
        with transaction(db) as s:  # two commands in one transaction: one notification naming both
            a = execute(s, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
            b = execute(s, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
        assert heard.get(timeout=10) == Change("cases", frozenset({a, b}))
    finally:
        listener.stop()
    assert heard.empty()


def test_too_many_ids_for_a_notify_become_the_topic_alone(db, db_url) -> None:  # type: ignore[no-untyped-def]
    few, many = encode("cases", [3, 1, 2]), encode("cases", range(10**9, 10**9 + 5000))
    assert decode(few) == Change("cases", frozenset({1, 2, 3}))
    assert len(many.encode()) <= MAX_PAYLOAD_BYTES and decode(many) == Change("cases")
    assert decode(encode("users", [])) == Change("users")
    assert decode("not json") == Change(RESYNC)
    if db_url.startswith("sqlite"):
        return
    listener, heard = listening(db_url)
    try:  # the largest payload encode() makes is one PostgreSQL accepts and delivers
        biggest = encode("cases", range(100_000, 101_100))
        assert len(biggest.encode()) > 7000
        with db() as s, s.begin():
            s.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": biggest})
            s.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": many})
        assert heard.get(timeout=10) == Change("cases", frozenset(range(100_000, 101_100)))
        assert heard.get(timeout=10) == Change("cases")
    finally:
        listener.stop()
