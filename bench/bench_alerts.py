"""Alert round trip (docs/alert-protocol.md): from the dispatcher's AssignUnit to the unit's acknowledgement
recorded in the database, p50/p99, with the simulator under the normal fleet load.

    python bench/bench_alerts.py [--rounds 200] [--pg] [--dir DIR]

What runs, as in a centre on the embedded database: the simulator (the whole default fleet, background missions,
time 5× — the normal load of `make run`) publishing the four feeds, a feed subscriber that persists them to the same
database (the console's record writer), the alert sender with CURVE on one endpoint per publisher, and the
simulator's unit gateways with their publishers' keys. Each round: a case is put in väntrummet and its
recommendation computed (outside the timing, as the console does before the dispatcher presses D); then AssignUnit
runs and the sender is poked (as the console does after its own command); the round trip ends when the unit's ack
is applied (`unit_alerts.acked_at`, written by the ack's command). The unit is then recalled (the cancel's round
trip is printed too) so the fleet does not run out. Parts: the command's commit, the wait in the outbox until the
first send, and send → ack applied (network, the unit's gateway, the ack's transaction). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zmq.auth  # noqa: E402
from command_workload import actors, free_unit, intake, recommendation, triage  # noqa: E402
from sqlalchemy import select  # noqa: E402

from commands import AssignUnit, CreateCase, RecallUnit, SendToWaitingRoom, run  # noqa: E402
from commands.alert_service import AlertService  # noqa: E402
from dispatch.feed.config import CurveSettings  # noqa: E402
from dispatch.feed.publisher import PublisherSecurity  # noqa: E402
from dispatch.feed.service import FeedService  # noqa: E402
from dispatch.simulator import PUBLISHERS, Simulator, SimulatorRunner  # noqa: E402
from records.db import make_engine, migrate, session_factory  # noqa: E402
from records.models import UnitAlert, UnitAlertMessage  # noqa: E402


def keys(directory: Path) -> CurveSettings:
    allowed = directory / "allowed"
    allowed.mkdir(parents=True)
    for name in ("larmcentral", *PUBLISHERS):
        public, _ = zmq.auth.create_certificates(str(directory), name)
        if name != "larmcentral":
            shutil.copy(public, allowed / f"{name}.key")
    return CurveSettings(server_secret_key=directory / "larmcentral.key_secret", allowed_publishers=allowed)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def line(label: str, ms: list[float]) -> str:
    if not ms:
        return f"{label:<38} (inga värden)"
    return (f"{label:<38} p50 {pct(ms, 50):7.1f} ms   p99 {pct(ms, 99):7.1f} ms   "
            f"medel {statistics.fmean(ms):7.1f} ms   n={len(ms)}")


def wait_acked(db, row_id: int, seq: int, timeout: float = 30.0) -> UnitAlert | None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db() as s:
            row = s.get(UnitAlert, row_id)
            if row is not None and row.acked_seq >= seq:
                s.expunge(row)
                return row
        time.sleep(0.002)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--pg", action="store_true", help="PostgreSQL (LARMCENTRAL_TEST_PG_URL) instead of SQLite")
    ap.add_argument("--dir", type=Path, help="where the SQLite file and the keys go (default: a temp dir)")
    args = ap.parse_args()
    os.environ.setdefault("LARMCENTRAL_ALERT_ACK_TIMEOUTS", "1=15,2=30,3=60")
    work = Path(args.dir or tempfile.mkdtemp(prefix="bench-alerts-"))
    work.mkdir(parents=True, exist_ok=True)
    drop = None
    if args.pg:
        from bench_fault_kill import pg_temp_database

        pg_url, reason, drop = pg_temp_database()
        if pg_url is None:
            print(f"PostgreSQL hoppas över: {reason}")
            return 0
        url = pg_url
    else:
        url = f"sqlite:///{work / 'larmcentral.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    db = session_factory(engine)
    who = actors(db, console="bench-alerts")
    curve = keys(work / "keys")
    security = {p: PublisherSecurity(str(work / "keys" / f"{p}.key_secret"), str(work / "keys" / "larmcentral.key"))
                for p in PUBLISHERS}
    runner = SimulatorRunner(Simulator(), time_scale=5.0, security=security)
    sender = AlertService(db, {p: "tcp://127.0.0.1:*" for p in PUBLISHERS}, console="bench-alerts",
                          server_secret_key=curve.server_secret_key, allowed_publishers=curve.allowed_publishers)
    round_trip, commit, outbox, delivery, cancel = [], [], [], [], []
    lost = 0
    with runner:
        config = runner.subscriber_config(curve=curve)
        feeds = FeedService(config, session_factory=db).start()
        sender.start()
        runner.connect_alerts(sender.bound)
        time.sleep(2.0)  # the gateways' first heartbeats; the feeds' first snapshots
        print(f"Databas: {engine.url.get_backend_name()}; simulatorn: {len(runner.sim.units)} enheter, tid 5×, "
              f"bakgrundsuppdrag 120/h; CURVE på larmen och flödena; {args.rounds} larm")
        try:
            for i in range(args.rounds):
                case_id = run(db, who["nurse"], CreateCase(intake=intake(f"alert-{i}"))).case_id  # type: ignore[attr-defined]
                run(db, who["nurse"], SendToWaitingRoom(case_id=case_id, triage=triage(("1", "2", "3")[i % 3])))
                rec = recommendation(db, case_id)
                unit, why = free_unit(db, rec)
                t0 = time.time()
                run(db, who["dispatcher"], AssignUnit(case_id=case_id, unit_id=unit, recommendation_shown=rec,
                                                      deviation_reason=why))
                t1 = time.time()
                sender.poke()
                with db() as s:
                    row_id = s.scalar(select(UnitAlert.id).where(UnitAlert.case_id == case_id))
                assert row_id is not None
                row = wait_acked(db, row_id, 1)
                if row is None or row.acked_at is None:
                    lost += 1
                    continue
                with db() as s:
                    first = s.scalar(select(UnitAlertMessage.first_sent_at).where(
                        UnitAlertMessage.alert_ref == row_id, UnitAlertMessage.seq == 1))
                acked = row.acked_at.timestamp()
                round_trip.append((acked - t0) * 1000)
                commit.append((t1 - t0) * 1000)
                if isinstance(first, datetime):
                    outbox.append((first.timestamp() - t1) * 1000)
                    delivery.append((acked - first.timestamp()) * 1000)
                t2 = time.time()
                run(db, who["dispatcher"], RecallUnit(case_id=case_id, unit_id=unit, reason="bänk"))
                sender.poke()
                back = wait_acked(db, row_id, 2)
                if back is not None and back.closed_at is not None:
                    cancel.append((back.closed_at.timestamp() - t2) * 1000)
        finally:
            sender.stop()
            feeds.stop()
    engine.dispose()
    if drop is not None:
        drop()
    print(line("larm → kvittens registrerad", round_trip))
    print(line("  därav AssignUnit (commit)", commit))
    print(line("  därav väntan i utkorgen", outbox))
    print(line("  därav sänt → kvittens registrerad", delivery))
    print(line("återkallelse → kvittens registrerad", cancel))
    if round_trip and commit:  # the baseline, measured in the same rounds: the assignment's own commit
        print(f"kvot larm → kvittens / AssignUnit (commit), median: "
              f"{statistics.median(round_trip) / statistics.median(commit):.1f}×")
    print(f"utan kvittens inom 30 s: {lost}; sändaren: {sender.counters}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
