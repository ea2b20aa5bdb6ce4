"""The writer that bench_fault_kill.py kills: whole case lifecycles through the command layer, each command
acknowledged in an ack file (flush + fsync) only after `commands.run` returned — an ack is "the user was told".

    python bench/fault_writer.py URL ACK_FILE [--run N] [--seed S]

Prints READY (after imports and connecting) and then writes until killed: first it picks up what earlier
(killed) runs left — closes cases holding a unit, dispatches and closes two cases left in väntrummet — then
loops over new lifecycles. bench_fault_kill.py normally
forks this module's `write_forever` from an already-imported parent instead (start-up would dominate a
thousand kills); `--spawn` there runs this file as a fresh process per kill.

Ack file lines (JSON):
  {"t": "intent", "run", "seq", "actor", "cls", "cmd"}  — written (not fsynced) before the command runs, with
      the whole command, so the checker can replay an unacknowledged one with the same id, as a console would;
  {"t": "ack", "run", "seq", "cls", "command_id", "case_id", "facts"} — after it returned; `facts` says what
      must now be true in the database (see bench_fault_kill.check_facts);
  {"t": "error", ...} — a command refused (not expected; reported by the bench).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from command_workload import MARK_PREFIX, actors, free_unit, intake, recommendation, triage  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from commands import (  # noqa: E402
    AssignUnit,
    Command,
    CreateCase,
    FinishCall,
    RecallUnit,
    RecordFollowUp,
    RecordOutcome,
    SaveDraft,
    SendToWaitingRoom,
    run,
)
from outcomes.followup import FollowUpResult  # noqa: E402
from records.db import make_engine, session_factory  # noqa: E402
from records.models import Case, FollowUp  # noqa: E402
from resources.vocabulary import UnitStatus  # noqa: E402


class AckFile:
    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(self.fd, b"\n")  # a line torn by the previous run's kill stays on its own line

    def line(self, obj: dict[str, Any], *, sync: bool) -> None:
        os.write(self.fd, (json.dumps(obj, ensure_ascii=False) + "\n").encode())
        if sync:
            os.fsync(self.fd)


def facts_of(cmd: Command, result: Any) -> dict[str, Any]:
    """What an acknowledged command promises is in the database from now on (monotone facts only)."""
    if isinstance(cmd, CreateCase):
        return {"case": result.case_id, "marker": cmd.intake.caller_name}
    if isinstance(cmd, SaveDraft):
        return {"draft": result.draft_id, "case": result.case_id}
    if isinstance(cmd, SendToWaitingRoom):
        return {"triage_result": result.result_id, "case": result.case_id, "left_call": True}
    if isinstance(cmd, FinishCall):
        return {"triage_result": result.result_id, "case": result.case_id, "left_call": True,
                "draft_gone": cmd.draft_id, "closed": result.where == "referred"}
    if isinstance(cmd, AssignUnit):
        return {"assignment": result.assignment.id, "recommendation": result.recommendation_id,
                "unit": cmd.unit_id, "case": cmd.case_id}
    if isinstance(cmd, RecallUnit):
        return {"assignment_ended": result.id, "case": cmd.case_id}
    if isinstance(cmd, RecordOutcome):
        return {"outcome": result.id, "case": cmd.case_id, "closed": True}
    if isinstance(cmd, RecordFollowUp):
        return {"followup_done": result.followup_id, "case": result.case_id}
    return {}


class Writer:
    def __init__(self, factory: sessionmaker[Session], ack: AckFile, run_id: int, seed: int):
        self.db, self.ack, self.run_id = factory, ack, run_id
        self.rng = random.Random(seed)
        self.seq = 0
        self.actors = actors(factory, console=f"bench-{run_id}")

    def do(self, who: str, cmd: Command) -> Any:
        self.seq += 1
        base = {"run": self.run_id, "seq": self.seq, "cls": type(cmd).__name__}
        self.ack.line({"t": "intent", **base, "actor": who, "cmd": cmd.model_dump(mode="json")}, sync=False)
        result = run(self.db, self.actors[who], cmd)
        self.ack.line({"t": "ack", **base, "command_id": str(cmd.command_id),
                       "case_id": getattr(cmd, "case_id", None) or getattr(result, "case_id", None),
                       "facts": facts_of(cmd, result)}, sync=True)
        return result

    def left_over(self, status: str) -> list[int]:
        with self.db() as s:
            return list(s.scalars(select(Case.id).where(Case.status == status,
                                                        Case.caller_name.like(f"{MARK_PREFIX}%")).order_by(Case.id)))

    def pick_up_left_over(self, waiting: int = 2) -> None:
        """What earlier (killed) runs left: cases with a unit are closed (freeing it), and up to `waiting` cases
        left in väntrummet are dispatched and closed, as the next dispatcher on shift would."""
        for case_id in self.left_over("assigned"):
            self.close(case_id)
        for case_id in self.left_over("waiting")[:waiting]:
            self.assign(case_id)
            self.close(case_id)

    def close(self, case_id: int) -> None:
        self.do("dispatcher", RecordOutcome(case_id=case_id, code="treated_left_home"))
        with self.db() as s:
            task = s.scalar(select(FollowUp.id).where(FollowUp.case_id == case_id, FollowUp.status == "open"))
        if task is not None:
            self.do("nurse", RecordFollowUp(followup_id=task, result=FollowUpResult.BETTER, note="Mår bättre"))

    def assign(self, case_id: int) -> Any:
        rec = recommendation(self.db, case_id)
        unit, why = free_unit(self.db, rec)
        return self.do("dispatcher", AssignUnit(case_id=case_id, unit_id=unit, recommendation_shown=rec,
                                                deviation_reason=why, unit_status=UnitStatus.AVAILABLE_AT_STATION))

    def lifecycle(self) -> None:
        marker = f"r{self.run_id}-s{self.seq + 1}-{self.rng.randrange(1 << 30)}"
        case_id = self.do("nurse", CreateCase(intake=intake(marker))).case_id
        draft = self.do("nurse", SaveDraft(case_id=case_id, intake=intake(marker), payload={"step": "intake"}))
        path = self.rng.choice(("waiting", "finish", "referral"))
        if path == "referral":
            self.do("nurse", FinishCall(case_id=case_id, intake=intake(marker), triage=triage(), referral=True,
                                        draft_id=draft.draft_id))
            return
        if path == "waiting":
            self.do("nurse", SendToWaitingRoom(case_id=case_id, triage=triage()))
        else:
            self.do("nurse", FinishCall(case_id=case_id, intake=intake(marker), triage=triage(),
                                        draft_id=draft.draft_id))
        assigned = self.assign(case_id)
        if path == "finish":
            self.do("dispatcher", RecallUnit(case_id=case_id, unit_id=assigned.assignment.unit_id,
                                             reason="Behövs på annat håll (bänk)", unit_status=UnitStatus.ALERTED))
            self.assign(case_id)
        self.close(case_id)

    def forever(self, limit: int | None = None) -> None:
        self.pick_up_left_over()
        n = 0
        while limit is None or n < limit:
            n += 1
            try:
                self.lifecycle()
            except Exception as exc:  # noqa: BLE001 - a refused command is reported, the writer goes on
                self.ack.line({"t": "error", "run": self.run_id, "seq": self.seq,
                               "error": f"{type(exc).__name__}: {exc}"}, sync=True)


def write_forever(url: str, ack_path: str, run_id: int, seed: int, ready: Any = None,
                  limit: int | None = None) -> None:
    """Connect, signal `ready()`, then write lifecycles until killed (or `limit` lifecycles)."""
    engine = make_engine(url)
    with engine.connect():
        pass
    if ready is not None:
        ready()
    try:
        Writer(session_factory(engine), AckFile(ack_path), run_id, seed).forever(limit)
    finally:
        engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("ack_file")
    p.add_argument("--run", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lifecycles", type=int, default=None, help="stop after this many (default: until killed)")
    a = p.parse_args()
    write_forever(a.url, a.ack_file, a.run, a.seed, ready=lambda: print("READY", flush=True), limit=a.lifecycles)


if __name__ == "__main__":
    main()
