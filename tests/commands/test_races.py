"""Two consoles racing on one case, from two real processes, on both backends (issue 11).

Each race: two spawned processes (tests/commands/race_worker.py, each with its own engine) are released together
by a barrier and run one command each. Repeated ROUNDS times; every round must leave exactly one consistent
outcome: a closed case has no active unit, a case part and a unit have at most one active assignment, every
success the racers were told about is in the database, and a loser was told why in Swedish (AssignmentConflict,
IllegalCaseTransition, OutcomeError) with nothing of its attempt left — never a silent success that didn't land.
"""

from __future__ import annotations

import multiprocessing
import random
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import race_worker
from command_world import World
from sqlalchemy import func, select

from commands import AssignUnit, Command, RecordOutcome, run
from records.actor import Actor
from records.case_state import CaseStatus
from records.models import Assignment, AuditEntry, Case, Outcome, Recommendation

ROUNDS = 20
SWEDISH = re.compile(r"[åäöÅÄÖ]")
ASSIGN_LOSSES = {"AssignmentConflict", "IllegalCaseTransition", "ConcurrentChange"}
CLOSE_LOSSES = {"OutcomeError", "IllegalCaseTransition", "ConcurrentChange"}

class Racers:
    """Two worker processes; `race(a, b)` runs one command in each at the same moment."""

    def __init__(self, url: str):
        ctx = multiprocessing.get_context("spawn")
        self.barrier = ctx.Barrier(2)
        self.pipes = [(ctx.Queue(), ctx.Queue()) for _ in range(2)]
        self.procs = [ctx.Process(target=race_worker.serve, args=(url, tasks, results, self.barrier), daemon=True)
                      for tasks, results in self.pipes]
        for p in self.procs:
            p.start()
        for _, results in self.pipes:
            assert results.get(timeout=120) == ("ready",)
        self.rng = random.Random(11)

    def race(self, a: tuple[Actor, Command], b: tuple[Actor, Command]) -> list[tuple[Any, ...]]:
        jitter = [0.0, 0.0]
        jitter[self.rng.randrange(2)] = self.rng.choice([0.0, 0.0, 0.001, 0.003])  # vary who tends to go first
        for (tasks, _), (actor, cmd), delay in zip(self.pipes, (a, b), jitter, strict=True):
            tasks.put((actor.model_dump(mode="json"), type(cmd).__name__, cmd.model_dump(mode="json"), delay))
        return [results.get(timeout=120) for _, results in self.pipes]

    def close(self) -> None:
        for tasks, _ in self.pipes:
            tasks.put(None)
        for p in self.procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()
        for tasks, results in self.pipes:
            tasks.close()
            results.close()
            tasks.join_thread()
            results.join_thread()


@pytest.fixture
def racers(db_url: str, world: World) -> Iterator[Racers]:
    r = Racers(db_url)
    try:
        yield r
    finally:
        r.close()


def loss(answer: tuple[Any, ...], allowed: set[str]) -> str:
    """The loser's error class; fails unless it is an expected domain refusal in Swedish."""
    assert answer[0] == "err", answer
    mro, message = answer[1], answer[2]
    assert allowed & set(mro), f"unexpected error {mro[0]}: {message}\n{answer[3]}"
    assert SWEDISH.search(message), f"not Swedish: {message!r}"
    return mro[0]


def rows(world: World, model: Any, **where: Any) -> list[Any]:
    with world.db() as s:
        return list(s.scalars(select(model).filter_by(**where).order_by(model.id)))


def check_global_invariants(world: World) -> None:
    """Over the whole database: a unit and a case part have at most one active assignment; a case is assigned
    exactly when it has an active one; a closed case has its outcome and no active unit."""
    with world.db() as s:
        active = list(s.scalars(select(Assignment).where(Assignment.active.is_(True))))
        cases = {c.id: c for c in s.scalars(select(Case))}
        outcomes = Counter(s.scalars(select(Outcome.case_id).where(Outcome.superseded_by.is_(None))))
    assert max(Counter(a.unit_id for a in active).values(), default=0) <= 1
    assert max(Counter((a.case_id, a.part) for a in active).values(), default=0) <= 1
    with_active = {a.case_id for a in active}
    for c in cases.values():
        assert (c.status == CaseStatus.ASSIGNED) == (c.id in with_active), (c.id, c.status)
        if c.status == CaseStatus.CLOSED:
            assert outcomes[c.id] == 1 and c.closed_at is not None, c.id


def audit_count(world: World, action: str, case_id: int) -> int:
    with world.db() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == action, AuditEntry.case_id == case_id)) or 0


def test_assign_vs_close(world: World, racers: Racers) -> None:
    """A dispatcher assigns a unit while another console records the outcome: either the assignment lands first
    and the outcome then ends it, or the case is closed first and the assignment is refused (Swedish)."""
    seen: Counter[str] = Counter()
    for _ in range(ROUNDS):
        case_id = world.case_in(CaseStatus.WAITING)
        assign = world.assign_command(case_id)
        close = RecordOutcome(case_id=case_id, code="treated_left_home")
        a, b = racers.race((world.dispatcher, assign), (world.nurse, close))

        assignments = rows(world, Assignment, case_id=case_id)
        outcomes = rows(world, Outcome, case_id=case_id)
        assert world.status(case_id) is CaseStatus.CLOSED or b[0] == "err"
        assert not [x for x in assignments if x.active and world.status(case_id) is CaseStatus.CLOSED], \
            "a closed case with an active unit"
        if a[0] == "ok":  # told "assigned": it is there (ended by the outcome if that came after)
            assert [x.id for x in assignments] == [a[1]["assignment"]["id"]]
            assert len(rows(world, Recommendation, case_id=case_id)) == 1
            assert audit_count(world, "dispatch.assign", case_id) == 1
        else:
            seen[loss(a, ASSIGN_LOSSES)] += 1
            assert assignments == [] and rows(world, Recommendation, case_id=case_id) == []
            assert audit_count(world, "dispatch.assign", case_id) == 0
        if b[0] == "ok":  # told "closed": closed, with exactly this outcome
            assert world.status(case_id) is CaseStatus.CLOSED
            assert [o.id for o in outcomes] == [b[1]["id"]]
            assert all(not x.active and x.ended_reason == "case_closed" for x in assignments)
        else:
            seen[loss(b, CLOSE_LOSSES)] += 1
            assert outcomes == []
            assert world.status(case_id) is CaseStatus.ASSIGNED and a[0] == "ok"
        seen["assign first" if a[0] == "ok" and b[0] == "ok" else "close first" if b[0] == "ok" else "assign only"] += 1
        check_global_invariants(world)
        if world.status(case_id) is CaseStatus.ASSIGNED:  # the close lost: free the unit for the next round
            run(world.db, world.dispatcher, RecordOutcome(case_id=case_id, code="treated_left_home"))
    print(f"assign-vs-close over {ROUNDS} rounds: {dict(seen)}")


def test_assign_vs_assign(world: World, racers: Racers) -> None:
    """Two dispatchers assign at once — alternately two units to one case part, and one unit to two cases:
    exactly one wins; the other is told who got there first (AssignmentConflict) and leaves nothing behind."""
    seen: Counter[str] = Counter()
    for n in range(ROUNDS):
        case_id = world.case_in(CaseStatus.WAITING)
        first = world.assign_command(case_id)
        if n % 2 == 0:  # two units, one case part
            alt = first.recommendation_shown["parts"][0]["alternatives"][0]["unit_id"]
            second = AssignUnit.model_validate({**first.model_dump(exclude={"command_id"}), "unit_id": alt,
                                                "deviation_reason": "Närmare enligt radio"})  # its own id
            cases = [case_id]
        else:  # one unit, two cases
            other_id = world.case_in(CaseStatus.WAITING)
            rec = world.recommendation(other_id)
            recommended = rec["parts"][0]["recommended"]["unit_id"]
            second = AssignUnit(case_id=other_id, unit_id=first.unit_id, recommendation_shown=rec,
                                deviation_reason=None if recommended == first.unit_id else "Närmare enligt radio")
            cases = [case_id, other_id]
        answers = racers.race((world.dispatcher, first), (world.dispatcher, second))

        winners = [ans for ans in answers if ans[0] == "ok"]
        assert len(winners) == 1, answers
        loser = next(ans for ans in answers if ans[0] == "err")
        seen[loss(loser, {"AssignmentConflict"})] += 1
        seen["first won" if answers[0][0] == "ok" else "second won"] += 1
        won = winners[0][1]["assignment"]
        assignments = [x for c in cases for x in rows(world, Assignment, case_id=c)]
        assert [(x.id, x.active, x.unit_id, x.case_id) for x in assignments] == \
            [(won["id"], True, won["unit_id"], won["case_id"])], "exactly the winner's assignment, active"
        for c in cases:
            expect = 1 if c == won["case_id"] else 0
            assert len(rows(world, Recommendation, case_id=c)) == expect
            assert audit_count(world, "dispatch.assign", c) == expect
            assert world.status(c) is (CaseStatus.ASSIGNED if expect else CaseStatus.WAITING)
        check_global_invariants(world)
        for c in cases:  # free the units for the next round
            run(world.db, world.dispatcher, RecordOutcome(case_id=c, code="treated_left_home"))
    print(f"assign-vs-assign over {ROUNDS} rounds: {dict(seen)}")


def test_two_corrections_or_two_follow_up_results_at_once(world: World, racers: Racers) -> None:
    """Two consoles correct one outcome, or record one follow-up's result, at the same moment: they take turns on
    the row (commands lock what they decide on), so one outcome stays in force and a follow-up gets one result
    and at most one new case — never both told "done" on a forked record."""
    from commands import CorrectOutcome, RecordFollowUp
    from outcomes.followup import FollowUpResult
    from records.models import FollowUp

    for _ in range(ROUNDS // 2):
        case_id = world.case_in(CaseStatus.CLOSED)
        a, b = racers.race((world.nurse, CorrectOutcome(case_id=case_id, code="left_home_advice")),
                           (world.physician, CorrectOutcome(case_id=case_id, code="handed_over_team")))
        assert a[0] == b[0] == "ok", (a, b)  # corrections in turn: the later one supersedes the earlier
        in_force = [o for o in rows(world, Outcome, case_id=case_id) if o.superseded_by is None]
        assert len(in_force) == 1, [(o.id, o.code, o.superseded_by) for o in rows(world, Outcome, case_id=case_id)]

        followup_id = world.open_followup()
        a, b = racers.race((world.nurse, RecordFollowUp(followup_id=followup_id, result=FollowUpResult.WORSE)),
                           (world.physician, RecordFollowUp(followup_id=followup_id, result=FollowUpResult.BETTER)))
        winners = [x for x in (a, b) if x[0] == "ok"]
        assert len(winners) == 1, (a, b)
        loser = a if a[0] == "err" else b
        assert SWEDISH.search(loser[2]) and "redan avslutad" in loser[2], loser
        task = rows(world, FollowUp, id=followup_id)[0]
        assert task.result == winners[0][1]["result"]
        linked = rows(world, Case, linked_case_id=task.case_id)
        assert len(linked) == (1 if task.result == "worse" else 0), [c.id for c in linked]


def test_two_dispatchers_swapping_units_between_two_cases(world: World, racers: Racers) -> None:
    """Dispatcher 1 takes case A's unit for case B while dispatcher 2 takes B's unit for A: the commands lock
    both cases in id order and take turns — one swap lands, the other is told in Swedish (no deadlock, no
    'database unreachable')."""
    from commands import ReassignUnit

    for _ in range(ROUNDS // 4):
        a_id, b_id = world.case_in(CaseStatus.WAITING), world.case_in(CaseStatus.WAITING)
        unit_a = world.assign(a_id)
        cmd_b = world.assign_command(b_id)
        unit_b = next(x["unit_id"] for x in cmd_b.recommendation_shown["parts"][0]["alternatives"]
                      if x["unit_id"] != unit_a)
        run(world.db, world.dispatcher, cmd_b.model_copy(update={"unit_id": unit_b, "deviation_reason": "byte"}))
        rec_a, rec_b = world.recommendation(a_id), world.recommendation(b_id)
        first = ReassignUnit(case_id=b_id, new_unit_id=unit_a, recommendation_shown=rec_b, confirm_leave_case=a_id,
                             deviation_reason="byte", reason="byte")
        second = ReassignUnit(case_id=a_id, new_unit_id=unit_b, recommendation_shown=rec_a, confirm_leave_case=b_id,
                              deviation_reason="byte", reason="byte")
        answers = racers.race((world.dispatcher, first), (world.physician, second))
        assert any(x[0] == "ok" for x in answers), answers
        for x in answers:
            if x[0] == "err":
                assert SWEDISH.search(x[2]) and "kan inte nås" not in x[2], x
        check_global_invariants(world)
        for c in (a_id, b_id):  # free the units for the next round
            if world.status(c) is not CaseStatus.CLOSED:
                run(world.db, world.dispatcher, RecordOutcome(case_id=c, code="treated_left_home"))
