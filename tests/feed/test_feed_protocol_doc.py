"""docs/feed-protocol.md stays true: its examples validate, its code lists match the code."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from dispatch.feed.cli import register
from dispatch.feed.messages import (
    FeedOutcomeCode,
    HeartbeatMessage,
    OutcomeMessage,
    ReplayReply,
    SnapshotReply,
    SnapshotRequest,
    StatusMessage,
    UnitEntry,
)
from dispatch.feed.rejects import RejectReason
from dispatch.feed.security import load_public, load_secret
from resources.geography import default_geography
from resources.vocabulary import UnitStatus

DOC = Path(__file__).resolve().parents[2] / "docs" / "feed-protocol.md"


def json_examples() -> list[dict]:  # type: ignore[type-arg]
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    examples = []
    for block in blocks:
        try:
            examples.append(json.loads(block))
        except json.JSONDecodeError:
            examples += [json.loads(line) for line in block.splitlines() if line.strip()]
    return examples


def test_every_message_example_validates() -> None:
    kinds = set()
    for ex in json_examples():
        if "cmd" in ex:
            continue  # simulator commands, checked below
        body = json.dumps(ex)  # strict schema: as on the wire (JSON), not Python objects
        if "updates" in ex:
            reply = ReplayReply.model_validate_json(body)
            for update in reply.updates:
                assert update["topic"] in ("status", "outcome")
                (StatusMessage if update["topic"] == "status" else OutcomeMessage).model_validate_json(
                    json.dumps(update["message"]))
            kinds.add("replay")
        elif "units" in ex:
            reply = SnapshotReply.model_validate_json(body)
            for entry in reply.units:
                UnitEntry.model_validate_json(json.dumps(entry))
            for outcome in reply.outcomes:
                OutcomeMessage.model_validate_json(json.dumps(outcome))
            kinds.add("snapshot")
        elif "request_id" in ex:
            request = SnapshotRequest.model_validate_json(body)
            kinds.add("replay request" if request.replay else "request")
        elif "code" in ex:
            OutcomeMessage.model_validate_json(body)
            kinds.add("outcome")
        elif "status" in ex:
            StatusMessage.model_validate_json(body)
            kinds.add("status")
        else:
            HeartbeatMessage.model_validate_json(body)
            kinds.add("heartbeat")
    assert kinds == {"snapshot", "request", "replay request", "replay", "outcome", "status", "heartbeat"}


def test_the_limits_table_matches_the_code() -> None:
    from dispatch.feed import messages as m

    text = DOC.read_text(encoding="utf-8")
    for value in (m.MAX_ID, int(m.MIN_TS), int(m.MAX_TS), m.MAX_UPDATE_BYTES, m.MAX_SNAPSHOT_BYTES,
                  m.MAX_SNAPSHOT_UNITS, m.MAX_SNAPSHOT_OUTCOMES, m.MAX_REPLAY_UPDATES):
        assert str(value) in text, f"docs/feed-protocol.md does not state the limit {value}"
    for reason in ("replay_unavailable", "no_replay", "epoch_ended", "writer_backlog"):
        assert f"`{reason}`" in text


def test_simulator_command_examples_validate() -> None:
    from dispatch.simulator.commands import COMMAND

    commands = [ex for ex in json_examples() if "cmd" in ex]
    # assignments and recalls reach the simulated units as alerts (docs/alert-protocol.md), not as commands
    assert {COMMAND.validate_python(c).cmd for c in commands} == {"status", "fault"}


def test_code_lists_in_the_document_match_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    for status in UnitStatus:
        assert f"`{status.value}` | {status.label}" in text
    for reason in RejectReason:
        assert f"`{reason.value}`" in text
    for code in typing.get_args(FeedOutcomeCode):
        assert f"`{code}`" in text
    for ed in default_geography().emergency_departments:
        assert ed.code in text


def test_feed_outcome_codes_are_the_outcome_code_list() -> None:
    codes = pytest.importorskip("outcomes.codes")
    assert set(typing.get_args(FeedOutcomeCode)) == {c.value for c in codes.OutcomeCode}


def test_feed_keys_command_makes_a_usable_key_pair(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["feed", "keys", str(tmp_path), "ambulans"])
    assert args.func(args) == 0
    public, secret = load_secret(tmp_path / "ambulans.key_secret")
    assert load_public(tmp_path / "ambulans.key") == public and len(secret) == 40
    assert "allowed_publishers" in capsys.readouterr().out


def test_the_counters_table_names_every_printed_counter() -> None:
    from dispatch.feed.counters import FEED_COUNTERS, WRITER_COUNTERS

    text = DOC.read_text(encoding="utf-8")
    for name, _ in FEED_COUNTERS:
        assert f"`{name}`" in text or f"`{name}`," in text, name
    for name in WRITER_COUNTERS:
        assert f"`record.{name}`" in text or name in ("holes", "hole_updates"), name
    for reason in ("unknown_key", "wrong_key", "wrong_mode", "handshake_failed"):
        assert f"`{reason}`" in text


def test_the_socket_frame_limits_are_documented() -> None:
    from dispatch.feed.links import MAX_SNAPSHOT_FRAME_BYTES, MAX_UPDATE_FRAME_BYTES

    text = DOC.read_text(encoding="utf-8")
    assert str(MAX_UPDATE_FRAME_BYTES) in text and str(MAX_SNAPSHOT_FRAME_BYTES) in text


def test_feed_keys_makes_a_rotation_key_named_for_its_publisher(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["feed", "keys", str(tmp_path), "ambulans.2026-12"])
    assert args.func(args) == 0
    assert (tmp_path / "ambulans.2026-12.key").exists() and (tmp_path / "ambulans.2026-12.key_secret").exists()
    bad = parser.parse_args(["feed", "keys", str(tmp_path), "../evil"])
    assert bad.func(bad) == 2 and "Ogiltigt namn" in capsys.readouterr().err
