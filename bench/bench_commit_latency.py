"""Commit-latency benchmark: p50/p95/p99 of `commands.run(...)` per command, as a caller times it.

    python bench/bench_commit_latency.py [--rounds 600] [--dir DIR] [--no-pg]

Backends, measured interleaved in the same run (every lifecycle step is run on each backend in a shuffled order
before the next step, so the two noisy cores' hiccups fall on all of them alike):
  * SQLite, synchronous=FULL (WAL) — the product's engine (records.db.make_engine), the durable default;
  * SQLite, synchronous=NORMAL — the old setting, the baseline: the same engine with one more connect listener
    that sets NORMAL after the product's FULL;
  * PostgreSQL — a fresh temp database on LARMCENTRAL_TEST_PG_URL (skipped with the reason if unreachable).
Each round is one case lifecycle per backend: CreateCase, SaveDraft, then SendToWaitingRoom (even rounds) or
FinishCall (odd rounds), AssignUnit, RecallUnit, AssignUnit, RecordOutcome, RecordFollowUp. The recommendation
shown is computed outside the timing, as the console does before the dispatcher clicks. The SQLite files live
in --dir (default: a temp dir; its file system is printed — fsync on tmpfs would cost nothing).
Prints figures with the goal (p95 ≤ 20 ms) beside them and FULL/NORMAL ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_fault_kill import pg_temp_database  # noqa: E402
from command_workload import actors, free_unit, intake, recommendation, triage  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
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
from records.db import make_engine, migrate, session_factory  # noqa: E402
from records.models import FollowUp  # noqa: E402
from resources.vocabulary import UnitStatus  # noqa: E402

GOAL_P95_MS = 20.0
ORDER = ["CreateCase", "SaveDraft", "SendToWaitingRoom", "FinishCall", "AssignUnit", "RecallUnit", "RecordOutcome",
         "RecordFollowUp"]


def sqlite_normal_engine(url: str) -> Any:
    """The product's SQLite engine with synchronous=NORMAL (the pre-issue-11 setting) set after its FULL."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _normal(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
    return engine


class Backend:
    def __init__(self, label: str, engine: Any):
        self.label, self.engine = label, engine
        migrate(engine)
        self.db: sessionmaker[Session] = session_factory(engine)
        self.who = actors(self.db, console=f"bench-latency-{label}")
        self.samples: dict[str, list[float]] = defaultdict(list)

    def timed(self, who: str, cmd: Command) -> Any:
        t0 = time.perf_counter()
        result = run(self.db, self.who[who], cmd)
        self.samples[type(cmd).__name__].append((time.perf_counter() - t0) * 1000)
        return result

    def lifecycle(self, n: int) -> Iterator[None]:
        """One case, one command per step (the caller interleaves the backends between steps)."""
        marker = f"lat-{self.label}-{n}"
        case_id = self.timed("nurse", CreateCase(intake=intake(marker))).case_id
        yield
        draft = self.timed("nurse", SaveDraft(case_id=case_id, intake=intake(marker), payload={"step": "intake"}))
        yield
        if n % 2 == 0:
            self.timed("nurse", SendToWaitingRoom(case_id=case_id, triage=triage()))
        else:
            self.timed("nurse", FinishCall(case_id=case_id, intake=intake(marker), triage=triage(),
                                           draft_id=draft.draft_id))
        yield
        unit = self.assign(case_id)
        yield
        self.timed("dispatcher", RecallUnit(case_id=case_id, unit_id=unit, reason="Behövs på annat håll (bänk)",
                                            unit_status=UnitStatus.ALERTED))
        yield
        self.assign(case_id)
        yield
        self.timed("dispatcher", RecordOutcome(case_id=case_id, code="treated_left_home"))
        yield
        with self.db() as s:
            task = s.scalar(select(FollowUp.id).where(FollowUp.case_id == case_id, FollowUp.status == "open"))
        if task is not None:
            self.timed("nurse", RecordFollowUp(followup_id=task, result=FollowUpResult.BETTER, note="Mår bättre"))
        yield

    def assign(self, case_id: int) -> str:
        rec = recommendation(self.db, case_id)  # what the dispatcher sees: not part of the commit
        unit, why = free_unit(self.db, rec)
        self.timed("dispatcher", AssignUnit(case_id=case_id, unit_id=unit, recommendation_shown=rec,
                                            deviation_reason=why, unit_status=UnitStatus.AVAILABLE_AT_STATION))
        return unit


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def fs_type(path: Path) -> str:
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _dev, mnt, typ, *_ = line.split()
            if str(path.resolve()).startswith(mnt) and len(mnt) > len(best):
                best, kind = mnt, typ
    except OSError:
        pass
    return kind


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=600, help="lifecycles per backend (default 600: 300 per "
                   "SendToWaitingRoom/FinishCall, 600 CreateCase, 1200 AssignUnit)")
    p.add_argument("--warmup", type=int, default=10, help="lifecycles per backend not counted")
    p.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    drop: Callable[[], None] = lambda: None  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="larm-latency-", dir=args.dir) as tmp:
        work = Path(tmp)
        backends = [Backend("SQLite FULL", make_engine(f"sqlite:///{work / 'full.sqlite3'}")),
                    Backend("SQLite NORMAL", sqlite_normal_engine(f"sqlite:///{work / 'normal.sqlite3'}"))]
        pg_note = "skipped (--no-pg)"
        if not args.no_pg:
            url, reason, drop = pg_temp_database()
            if url is None:
                pg_note = f"skipped — {reason}"
            else:
                backends.append(Backend("PostgreSQL", make_engine(url)))
                pg_note = "a fresh temp database"
        print(f"SQLite files on {fs_type(work)} ({work}); PostgreSQL: {pg_note}; {args.rounds} rounds "
              f"(+{args.warmup} warm-up), steps interleaved across backends in shuffled order")
        try:
            t0 = time.perf_counter()
            for n in range(-args.warmup, args.rounds):
                if n == 0:
                    for b in backends:
                        b.samples.clear()
                lives = [b.lifecycle(n) for b in backends]
                for _step in range(8):
                    order = list(range(len(backends)))
                    rng.shuffle(order)
                    for i in order:
                        next(lives[i], None)
            elapsed = time.perf_counter() - t0
            with_sync = {b.label: b for b in backends}
            print(f"ran in {elapsed:.0f} s\n")
            head = f"{'command':<18} {'backend':<14} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}" \
                   f"  {'goal p95≤20':<11}"
            print(head)
            print("-" * len(head))
            for name in ORDER:
                for b in backends:
                    xs = b.samples.get(name)
                    if not xs:
                        continue
                    p95 = pct(xs, 95)
                    print(f"{name:<18} {b.label:<14} {len(xs):5d} {statistics.median(xs):8.2f} {p95:8.2f} "
                          f"{pct(xs, 99):8.2f} {max(xs):8.2f}  {'ok' if p95 <= GOAL_P95_MS else 'OVER'}")
            print("\nCost of durability (SQLite FULL / NORMAL, same run, interleaved):")
            full, normal = with_sync["SQLite FULL"], with_sync["SQLite NORMAL"]
            for name in ORDER:
                f, n_ = full.samples.get(name), normal.samples.get(name)
                if f and n_:
                    print(f"  {name:<18} p50 ×{statistics.median(f) / statistics.median(n_):.2f}   "
                          f"p95 ×{pct(f, 95) / pct(n_, 95):.2f}   p99 ×{pct(f, 99) / pct(n_, 99):.2f}")
            all_f = [x for xs in full.samples.values() for x in xs]
            all_n = [x for xs in normal.samples.values() for x in xs]
            print(f"  {'all commands':<18} p50 ×{statistics.median(all_f) / statistics.median(all_n):.2f}   "
                  f"p95 ×{pct(all_f, 95) / pct(all_n, 95):.2f}   p99 ×{pct(all_f, 99) / pct(all_n, 99):.2f}")
            if "PostgreSQL" in with_sync:
                pg = with_sync["PostgreSQL"]
                all_p = [x for xs in pg.samples.values() for x in xs]
                print(f"  PostgreSQL / SQLite FULL, all commands: p50 ×{statistics.median(all_p) / statistics.median(all_f):.2f}"
                      f"   p95 ×{pct(all_p, 95) / pct(all_f, 95):.2f}")
        finally:
            for b in backends:
                b.engine.dispose()
            drop()


if __name__ == "__main__":
    main()
