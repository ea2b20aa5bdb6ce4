"""Every command, on SQLite and PostgreSQL: a failure after it leaves nothing, a repeated id writes nothing new,
a role without the right is refused before anything is written, and every change leaves one change event."""

from __future__ import annotations

import pytest
from command_world import World, snapshot
from scenarios import SCENARIOS

from commands import ALL_COMMANDS, Command, CommandIdReused, execute, run
from records.actor import NotPermitted
from records.db import transaction
from resources.vocabulary import Role

IDS = [c.name for c in ALL_COMMANDS]


class Boom(Exception):
    """The failure injected after the command ran, before its transaction commits."""


@pytest.mark.parametrize("command_type", ALL_COMMANDS, ids=IDS)
def test_a_failure_after_the_command_leaves_nothing(world: World, command_type: type[Command]) -> None:
    actor, cmd = SCENARIOS[command_type](world)
    before = snapshot(world.db)
    with pytest.raises(Boom), transaction(world.db) as s:
        execute(s, actor, cmd)
        s.flush()
        raise Boom
    assert snapshot(world.db) == before


@pytest.mark.parametrize("command_type", ALL_COMMANDS, ids=IDS)
def test_replaying_a_command_id_writes_nothing_new(world: World, command_type: type[Command]) -> None:
    actor, cmd = SCENARIOS[command_type](world)
    first = run(world.db, actor, cmd)
    after_first = snapshot(world.db)
    again = run(world.db, actor, cmd)
    after_again = snapshot(world.db)
    assert again == first
    replays = [r for r in after_again["audit_log"] if r not in after_first["audit_log"]]
    assert [r for r in replays if "command.replay" not in r] == []  # the replay is audited as such, nothing else
    assert {k: v for k, v in after_again.items() if k != "audit_log"} == \
           {k: v for k, v in after_first.items() if k != "audit_log"}


@pytest.mark.parametrize("command_type", ALL_COMMANDS, ids=IDS)
def test_each_command_writes_one_command_log_row_and_one_change_event(world: World,
                                                                      command_type: type[Command]) -> None:
    actor, cmd = SCENARIOS[command_type](world)
    before = snapshot(world.db)
    run(world.db, actor, cmd)
    after = snapshot(world.db)
    assert len(after["command_log"]) == len(before["command_log"]) + 1
    [event] = [e for e in after["change_events"] if e not in before["change_events"]]
    assert event[4] == cmd.name and event[5] == str(cmd.command_id)


@pytest.mark.parametrize("command_type", ALL_COMMANDS, ids=IDS)
def test_a_role_without_the_right_is_refused_and_nothing_is_written(world: World,
                                                                    command_type: type[Command]) -> None:
    actor, cmd = SCENARIOS[command_type](world)
    wrong = next((r for r in (Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN) if r not in command_type.roles), None)
    if wrong is None:
        pytest.skip(f"{command_type.name}: every clinical role may")
    before = snapshot(world.db)
    with pytest.raises(NotPermitted, match="får inte"):
        run(world.db, world.actor(wrong), cmd)
    assert snapshot(world.db) == before


def test_a_reused_id_with_other_content_is_refused(world: World) -> None:
    actor, cmd = SCENARIOS[ALL_COMMANDS[0]](world)
    run(world.db, actor, cmd)
    other = cmd.model_copy(update={"intake": cmd.intake.model_copy(update={"patient_name": "Någon annan"})})
    before = snapshot(world.db)
    with pytest.raises(CommandIdReused, match="redan använts"):
        run(world.db, actor, other)
    assert snapshot(world.db) == before
