"""Every committed command tells the listeners at once (LISTEN/NOTIFY on PostgreSQL, the in-process bus on SQLite):
topic and case ids, and which of them are open for dispatch; a rolled-back one tells nobody; a payload too large for
NOTIFY becomes the topic alone."""

from __future__ import annotations

import queue

import pytest
from sqlalchemy import text

from commands import CreateCase, SendToWaitingRoom, execute, run
from records.actor import Actor
from records.cases import CaseIntake
from records.change_feed import CHANNEL, MAX_PAYLOAD_BYTES, RESYNC, Change, decode, encode, merge
from records.change_listener import ChangeListener
from records.db import transaction
from records.triage_store import CompletedTriage
from resources.vocabulary import Priority

INTAKE = CaseIntake(kommun="Malmö", lat=55.6, lon=13.0)
TRIAGE = CompletedTriage(ruleset_version="skane-2026.1", complaint="FALLU", endpoint_code="FALLU.3.04",
                         priority=Priority.P3, care_need={"capabilities": ["lifting_help"], "transport": "none",
                                                          "max_minutes": 60})


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
        # the first heard (not the rollback); a case being taken is not open for dispatch
        assert heard.get(timeout=10) == Change("cases", frozenset({case_id}), frozenset())
        with transaction(db) as s:  # two commands in one transaction: one notification naming both
            a = execute(s, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
            b = execute(s, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
            execute(s, nurse, SendToWaitingRoom(case_id=b, triage=TRIAGE))
        assert heard.get(timeout=10) == Change("cases", frozenset({a, b}), frozenset({b}))  # b now in väntrummet
    finally:
        listener.stop()
    assert heard.empty()


def test_too_many_ids_for_a_notify_become_the_topic_alone(db, db_url) -> None:  # type: ignore[no-untyped-def]
    few, many = encode("cases", [3, 1, 2]), encode("cases", range(10**9, 10**9 + 5000))
    assert decode(few) == Change("cases", frozenset({1, 2, 3}))  # not told which are open: any may be
    told = decode(encode("cases", [1, 2, 3], open_ids=[2, 9]))
    assert told == Change("cases", frozenset({1, 2, 3}), frozenset({2}))  # only named ones are open
    assert told.relevant_to(frozenset({3})) == frozenset({2, 3})  # open now, or shown (to leave the listing)
    assert decode(few).relevant_to(frozenset()) == frozenset({1, 2, 3})
    for stray in ('{"topic":"cases","ids":[1],"open":"x"}', '{"topic":"cases","ids":[1],"open":[Infinity]}',
                  '{"topic":"cases","ids":[1e999]}', "[" * 100_000):
        assert decode(stray) == Change(RESYNC)  # a stray payload: read everything, never an exception
    assert merge(told, Change("cases", frozenset({4}), frozenset({4}))) == Change("cases", frozenset({1, 2, 3, 4}),
                                                                                 frozenset({2, 4}))
    assert merge(told, Change("cases", frozenset({4}))).open is None and merge(told, Change("cases")).ids is None
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
