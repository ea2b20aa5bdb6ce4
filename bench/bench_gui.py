"""GUI responsiveness under a flood: the dispatch workspace offscreen with the full default fleet,
the in-process simulator flooding status updates, and a 5 ms QTimer measuring how late the event
loop runs it. Prints the worst and 99th-percentile stall, and the update rates.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py [--seconds 10] [--flood 5000]

`--flood` is extra status messages per second per feed (four feeds). A stall is how much later
than its 5 ms interval the timer fired; the board repaints at 10 Hz meanwhile.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.dispatch.live_feeds import SimulatorProcess  # noqa: E402
from console.dispatch.setup import build_dispatch_workspace, freeze_startup_objects  # noqa: E402
from console.tasks import DbExecutor  # noqa: E402
from dispatch.simulator.model import SimulatorError  # noqa: E402
from dispatch.simulator.runner import PUBLISHERS, SimulatorRunner  # noqa: E402
from records.db import open_database, transaction  # noqa: E402
from records.identity import provision_and_sign_in  # noqa: E402
from resources.fleet import default_fleet  # noqa: E402
from resources.geography import in_skane  # noqa: E402
from resources.vocabulary import Role  # noqa: E402

INTERVAL_S = 0.005


def send_on_missions(sim: SimulatorRunner | SimulatorProcess, count: int) -> int:
    """Alert up to `count` free units to random places near home, so they drive and report."""
    rng = random.Random(7)
    sent = 0
    for u in default_fleet().units:
        if sent >= count:
            break
        lat, lon = u.lat + rng.uniform(-0.12, 0.12), u.lon + rng.uniform(-0.18, 0.18)
        if not in_skane(lat, lon):
            continue
        try:
            sim.assign(u.id, None, lat, lon, "1")  # refused (SimulatorError) when not free
            sent += 1
        except SimulatorError:
            continue
    return sent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--flood", type=float, default=5000.0, help="extra status messages/s per feed")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds of flood before measuring")
    ap.add_argument("--no-gc-freeze", action="store_true",
                    help="leave start-up objects in the collector (the console freezes them after start)")
    ap.add_argument("--moving", type=int, default=400, help="units sent on simulated missions (they move)")
    ap.add_argument("--report-interval", type=float, default=0.2,
                    help="seconds between position reports of a moving unit (the simulator's default is 2)")
    ap.add_argument("--in-process", dest="simulator_process", action="store_false",
                    help="run the simulator in this process (default: a child process, as `make run` and real "
                         "feeds do, so the figure is what a dispatcher gets)")
    ap.add_argument("--time-scale", type=float, default=30.0, help="simulated seconds per real second")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        engine, factory = open_database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        with transaction(factory) as s:
            actor = provision_and_sign_in(s, "bench.dirigent", Role.DISPATCHER, console="bench")
        executor = DbExecutor(factory)
        ws = build_dispatch_workspace(actor, executor, demo=True, time_scale=args.time_scale,
                                      simulator_process=args.simulator_process)
        ws.resize(1600, 1000)
        ws.show()
        ws.start()
        state, bridge, feeds = ws.bridge.state, ws.bridge, ws.feeds
        assert feeds is not None and feeds.simulator is not None
        deadline = time.monotonic() + 15
        while sum(f.synced for f in state.feeds()) < len(PUBLISHERS) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        sim = feeds.simulator
        if isinstance(sim, SimulatorRunner):  # a child process keeps its default (2 s)
            sim.moving_report_interval = args.report_interval
        sent = send_on_missions(sim, args.moving)
        for p in PUBLISHERS:
            sim.fault(p, flood_rate=args.flood)
        if not args.no_gc_freeze:
            freeze_startup_objects()
        warm_until = time.monotonic() + args.warmup
        while time.monotonic() < warm_until:  # first paint, first väntrummet query, backlog
            app.processEvents()
            time.sleep(0.002)

        gaps: list[float] = []
        last = [time.perf_counter()]

        at: list[float] = []

        def beat() -> None:
            t = time.perf_counter()
            gaps.append(t - last[0])
            at.append(t - t0)
            last[0] = t

        probe = QTimer(interval=int(INTERVAL_S * 1000), timerType=Qt.TimerType.PreciseTimer, timeout=beat)
        msgs0 = sum(f.messages for f in state.feeds())
        rows0, ticks0 = bridge.rows_applied, bridge.ticks
        bridge.worst_tick_s = 0.0
        t0 = time.perf_counter()
        probe.start()
        QTimer.singleShot(int(args.seconds * 1000), app.quit)
        app.exec()
        probe.stop()
        elapsed = time.perf_counter() - t0
        msgs = sum(f.messages for f in state.feeds()) - msgs0
        rows, ticks = bridge.rows_applied - rows0, bridge.ticks - ticks0
        worst_tick = bridge.worst_tick_s
        worst_at = at[max(range(len(gaps)), key=gaps.__getitem__)] if gaps else 0.0
        gaps_sorted = sorted(gaps)
        ws.shutdown()
        executor.shutdown()
        engine.dispose()

    stalls_ms = [max(0.0, (g - INTERVAL_S) * 1000) for g in gaps_sorted]
    p99 = stalls_ms[int(0.99 * (len(stalls_ms) - 1))] if stalls_ms else 0.0
    print(f"GUI-bänk: {len(state.units())} enheter ({sent} på uppdrag), {len(PUBLISHERS)} flöden, flod {args.flood:.0f} msg/s per flöde, "
          f"{elapsed:.1f} s (efter {args.warmup:.0f} s uppvärmning), simulerad tid x{args.time_scale:.0f}, "
          f"gc.freeze {'av' if args.no_gc_freeze else 'på'}, "
          f"simulator {'i egen process' if args.simulator_process else 'i samma process'}")
    print(f"  händelseslinga (5 ms-timer, {len(gaps)} slag): värsta stopp {max(stalls_ms, default=0):.1f} ms, "
          f"(vid {worst_at:.1f} s), p99 {p99:.1f} ms, median {statistics.median(stalls_ms) if stalls_ms else 0:.2f} ms")
    print(f"  mottaget: {msgs / elapsed:,.0f} statusmeddelanden/s; tavlan: {rows / elapsed:,.0f} raduppdateringar/s "
          f"i {ticks / elapsed:.1f} ommålningar/s; värsta ommålningssteg {worst_tick * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
