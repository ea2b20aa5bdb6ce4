"""GUI responsiveness under a flood of real changes: the whole dispatch workspace offscreen (väntrummet,
a selected case whose recommendation is recomputed, the map, the fleet board, the feed services,
the record writer where the console runs it), fed by four real feeds on loopback from a child process
that publishes ~20,000 status messages per second in total, every one a change: a unit moved, or a
status step along the legal cycle ledig ute → larmad → framkörning → på plats → ledig ute.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py [--seconds 10] [--rate 20000] [--modes process,before]

Consoles run side by side on the same flood, each a process of its own with its own database, measured
concurrently in the same run (the ratio of their stall percentiles is printed against the first): `process`, the
console as shipped (the feeds received in a child process, LARMCENTRAL_FEED_RECEIVER=process); `before`, the same
with the GUI paths as they were before the stall work of issue 15 (bench/gui_before.py: the fleet board always
through its filter proxy, ...); `thread`, the feeds received on a thread inside the console's process (the
receiver's earlier baseline); `floor`, a process with the heartbeat alone and no console: what the machine's load
does to a thread that does nothing else (no console can stall less; on a shared machine its p99 is the scheduler's).

A 1 ms PreciseTimer heartbeat on the GUI thread measures how late the event loop runs it. The stall
percentiles are taken over time, not per beat: a moment picked at random while measuring falls into
a blocked stretch with probability proportional to its length, and waits until it ends; p99 is the
wait 99 % of all moments stay under (goal < 16 ms, one frame at 60 Hz). The per-beat figures are
printed beside them (they understate long stalls: a 100 ms stall is one beat). Also printed: messages
received and rows repainted per second, and the recommendations (how many, how long from request to
shown, on which thread; goal: off the GUI thread).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import text  # noqa: E402

from console.dispatch import setup as dispatch_setup  # noqa: E402
from console.dispatch.setup import build_dispatch_workspace, freeze_startup_objects  # noqa: E402
from console.tasks import DbExecutor  # noqa: E402
from dispatch.feed.config import FeedEndpoint, SubscriberConfig, load_subscriber_config, save_subscriber_config  # noqa: E402
from dispatch.feed.publisher import FeedPublisher  # noqa: E402
from dispatch.simulator.runner import PUBLISHERS  # noqa: E402
from records.audit import now  # noqa: E402
from records.case_state import CaseEvent  # noqa: E402
from records.cases import CaseIntake, advance, create_case  # noqa: E402
from records.db import open_database, transaction  # noqa: E402
from records.identity import provision_and_sign_in  # noqa: E402
from records.models import Case  # noqa: E402
from resources.fleet import default_fleet  # noqa: E402
from resources.geography import in_skane  # noqa: E402
from resources.vocabulary import Role, UnitStatus  # noqa: E402

BEAT_S = 0.001
CYCLE = [UnitStatus.AVAILABLE_OUT, UnitStatus.ALERTED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE]
CASES = [("1", "Lund", 55.7047, 13.1910, {"capabilities": ["ecg", "oxygen"], "transport": "ambulance",
                                          "max_minutes": 30}),
         ("2", "Malmö", 55.6050, 13.0038, {"capabilities": ["nurse_assessment"], "max_minutes": 120}),
         ("3", "Helsingborg", 56.0465, 12.6945, {"capabilities": ["stretcher_transport"], "transport": "lying",
                                                 "max_minutes": 60})]


# --- the flood: a child process with four publishers ------------------------------------------------
FLOOD_NICE = 10  # the publishers run on other machines in a centre: here they must not outrank the consoles


def flood_child(config_path: Path, rate: float, seconds: float, parent: int) -> int:
    """Publish `rate` messages/s in total, every one a real change, until `seconds` pass or the parent goes."""
    os.nice(FLOOD_NICE)
    rng = random.Random(15)
    units = [u for u in default_fleet().units]
    pubs = {p: FeedPublisher(p, seed=1) for p in PUBLISHERS}
    state: dict[str, list] = {}  # unit id -> [status, lat, lon]
    for u in units:
        pubs[u.publisher].set_state(u.id, UnitStatus.AVAILABLE_AT_STATION, u.lat, u.lon)
        state[u.id] = [UnitStatus.AVAILABLE_AT_STATION, u.lat, u.lon]
    config = SubscriberConfig(feeds=[FeedEndpoint(publisher=p, updates=pub.updates_endpoint,
                                                  snapshot=pub.snapshot_endpoint) for p, pub in pubs.items()],
                              insecure_lab=True)
    tmp = config_path.with_name(config_path.name + ".part")
    save_subscriber_config(config, tmp)
    tmp.rename(config_path)
    start = time.monotonic()
    sent, next_beat, next_check = 0, start, start
    while True:
        t = time.monotonic()
        if t - start > seconds:
            break
        if t >= next_check:
            next_check = t + 0.5
            if os.getppid() != parent:
                break
        if t >= next_beat:
            next_beat = t + 0.2
            for pub in pubs.values():
                pub.serve_snapshots()
                pub.heartbeat()
        due = int((t - start) * rate)
        while sent < due:
            u = units[rng.randrange(len(units))]
            s = state[u.id]
            if rng.random() < 0.25:  # a status step along the legal cycle
                s[0] = CYCLE[(CYCLE.index(s[0]) + 1) % len(CYCLE)] if s[0] in CYCLE else CYCLE[0]
            else:  # a move near home (stays in Skåne)
                lat, lon = round(u.lat + rng.uniform(-0.03, 0.03), 5), round(u.lon + rng.uniform(-0.04, 0.04), 5)
                if (lat, lon) == (s[1], s[2]) or not in_skane(lat, lon):
                    lat, lon = round(u.lat + rng.uniform(-1e-3, 1e-3), 5), u.lon
                s[1], s[2] = lat, lon
            pubs[u.publisher].publish_status(u.id, s[0], s[1], s[2], None)
            sent += 1
        time.sleep(0.0005)
    for pub in pubs.values():
        pub.close()
    return 0


def start_flood(tmp: Path, rate: float, seconds: float) -> tuple[subprocess.Popen[bytes], SubscriberConfig]:
    path = tmp / "feeds.yaml"
    proc = subprocess.Popen([sys.executable, __file__, "--flood-child", str(path), str(rate), str(seconds),
                             str(os.getpid())])
    deadline = time.monotonic() + 20
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the flood process did not start")
        time.sleep(0.05)
    return proc, load_subscriber_config(path).model_copy(update={"poll_interval_s": 0.01})


# --- measuring ---------------------------------------------------------------------------------------
def over_time(gaps_s: list[float], q: float) -> float:
    """The wait (ms) that a fraction `q` of all moments stays under: a moment inside a stretch blocked
    for b (a gap's lateness) waits between 0 and b; the moments outside any blocked stretch wait 0."""
    blocked = sorted((max(0.0, g - BEAT_S) * 1000 for g in gaps_s), reverse=True)
    total = sum(gaps_s) * 1000
    lo, hi = 0.0, blocked[0] if blocked else 0.0

    def share_over(x: float) -> float:
        return sum(b - x for b in blocked if b > x) / total

    for _ in range(50):  # bisect share_over(x) = 1 - q
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share_over(mid) > 1 - q else (lo, mid)
    return hi


class Heartbeat:
    """The 1 ms beat on the GUI thread: the wall time between beats and the GUI thread's CPU time in each, so a
    stall can be told apart: the thread working (its own work) or not running (the machine's load, the GIL)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.cpu: list[float] = []
        self.timer = QTimer(interval=int(BEAT_S * 1000), timerType=Qt.TimerType.PreciseTimer, timeout=self.beat)

    def start(self) -> None:
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.timer.start()

    def beat(self) -> None:
        t, c = time.perf_counter(), time.thread_time()
        self.gaps.append(t - self.last)
        self.cpu.append(c - self.last_cpu)
        self.last, self.last_cpu = t, c

    def figures(self, elapsed: float) -> dict[str, float]:
        lateness = [max(0.0, (g - BEAT_S) * 1000) for g in self.gaps]
        long = [(g, c) for g, c, x in zip(self.gaps, self.cpu, lateness, strict=True) if x > 16]
        # The same beats as if the machine were idle: each gap only as long as the GUI thread's own work in it.
        own = [max(BEAT_S, c) for c in self.cpu]
        return {"beats": len(self.gaps), "p50": over_time(self.gaps, 0.5), "p95": over_time(self.gaps, 0.95),
                "p99": over_time(self.gaps, 0.99), "worst": max(lateness, default=0.0),
                "beat_p50": statistics.median(lateness) if lateness else 0.0, "beat_p99": pct(lateness, 0.99),
                "blocked": sum(x for x in lateness if x > 16) / (elapsed * 1000),
                "ran": sum(c for _, c in long) / max(sum(g for g, _ in long), 1e-9),
                "own_p95": over_time(own, 0.95), "own_p99": over_time(own, 0.99),
                "own_worst": max((c * 1000 for c in self.cpu), default=0.0)}


def watch_stalls(beat: Heartbeat, gui: int, out: Path) -> None:
    """Diagnosis (BENCH_STALLS=FILE): every 2 ms, while the beat is over 8 ms late, the GUI thread's Python stack is
    counted; written to FILE.<pid> (py-spy's raw format, one line per stack) at exit. What the long stalls run."""
    import atexit
    from collections import Counter

    stacks: Counter[str] = Counter()

    def sample() -> None:
        while True:
            time.sleep(0.002)
            if time.perf_counter() - getattr(beat, "last", time.perf_counter()) > BEAT_S + 0.008:
                frame, names = sys._current_frames().get(gui), []
                while frame is not None:
                    names.append(f"{frame.f_code.co_name} ({Path(frame.f_code.co_filename).name}:{frame.f_lineno})")
                    frame = frame.f_back
                stacks[";".join(reversed(names))] += 1

    threading.Thread(target=sample, daemon=True, name="stall-sampler").start()
    atexit.register(lambda: out.write_text("".join(f"{k} {n}\n" for k, n in stacks.most_common())))


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def seed_cases(factory, actor) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    with transaction(factory) as s:
        for prio, kommun, lat, lon, need in CASES:
            view = create_case(s, actor, CaseIntake(caller_name="Bänk", address="Bänkgatan 1", kommun=kommun,
                                                    lat=lat, lon=lon, patient_name="Bänk Patient", patient_age=70))
            row = s.get(Case, view.id)
            row.priority, row.care_need, row.complaint = prio, need, "bröstsmärta"
            advance(s, actor, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
            row.waiting_since = now() - timedelta(minutes=5)
            ids.append(view.id)
    return ids


def stored_statuses(factory) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        return int(s.scalar(text("SELECT count(*) FROM unit_status_events")) or 0)


def run_floor(args: argparse.Namespace) -> dict[str, object]:
    """The heartbeat alone, no console: the stalls the machine's load causes by itself."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    warm_until = time.monotonic() + args.warmup
    while time.monotonic() < warm_until:
        app.processEvents()
        time.sleep(0.001)
    beat = Heartbeat()
    t0 = time.perf_counter()
    cpu0, gui_cpu0 = time.process_time(), time.thread_time()
    beat.start()
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    app.exec()
    beat.timer.stop()
    elapsed = time.perf_counter() - t0
    return {"elapsed": elapsed, "cpu": (time.process_time() - cpu0) / elapsed,
            "gui_cpu": (time.thread_time() - gui_cpu0) / elapsed, **beat.figures(elapsed)}


def run_gui(config: SubscriberConfig, args: argparse.Namespace) -> dict[str, object]:
    """One console (this process): the dispatch workspace on the flood, measured; figures as plain data."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    gui = threading.get_ident()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        engine, factory = open_database(f"sqlite:///{tmp / 'bench.sqlite3'}")
        with transaction(factory) as s:
            nurse = provision_and_sign_in(s, "bench.ssk", Role.NURSE, console="bench")
            actor = provision_and_sign_in(s, "bench.dirigent", Role.DISPATCHER, console="bench")
        case_ids = seed_cases(factory, nurse)
        executor = DbExecutor(factory)
        persist = None if args.persist == "auto" else args.persist == "on"
        ws = build_dispatch_workspace(actor, executor, config=config, persist_events=persist)
        ws.resize(1600, 1000)
        ws.show()
        ws.start()
        state, bridge, sel = ws.bridge.state, ws.bridge, ws.selection
        deadline = time.monotonic() + 60
        while sum(f.synced for f in state.feeds()) < len(PUBLISHERS) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        while ws.waiting_model.row_of(case_ids[0]) is None and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        ws.select_case_id(case_ids[0])  # its recommendation is recomputed as the units move

        asked: list[float] = []
        latency_ms: list[float] = []
        threads: set[int] = set()
        recompute = sel.recompute

        def timed_recompute() -> None:
            asked.append(time.perf_counter())
            recompute()

        def shown() -> None:
            if asked:
                latency_ms.append((time.perf_counter() - asked[-1]) * 1000)
            if sel.computed_on is not None:
                threads.add(sel.computed_on)

        sel.recompute = timed_recompute  # type: ignore[method-assign]
        sel.recommendation_ready.connect(shown)
        if not args.no_gc_freeze:
            freeze_startup_objects()
        dispatch_setup.favour_the_gui_thread()  # as the console does (gui_before: not)
        warm_until = time.monotonic() + args.warmup
        while time.monotonic() < warm_until:  # first paint, first väntrummet query, the backlog
            app.processEvents()
            time.sleep(0.001)

        beat = Heartbeat()
        if os.environ.get("BENCH_STALLS"):
            watch_stalls(beat, gui, Path(f"{os.environ['BENCH_STALLS']}.{os.getpid()}"))
        msgs0, stored0 = sum(f.messages for f in state.feeds()), stored_statuses(factory)
        rows0, ticks0, shown0, dropped0 = bridge.rows_applied, bridge.ticks, len(latency_ms), sel.stale_dropped
        bridge.worst_tick_s = 0.0
        t0 = time.perf_counter()
        cpu0, gui_cpu0 = time.process_time(), time.thread_time()
        beat.start()
        QTimer.singleShot(int(args.seconds * 1000), app.quit)
        app.exec()
        beat.timer.stop()
        elapsed = time.perf_counter() - t0
        cpu, gui_cpu = time.process_time() - cpu0, time.thread_time() - gui_cpu0
        msgs = sum(f.messages for f in state.feeds()) - msgs0
        stored = stored_statuses(factory) - stored0
        rejected = sum(f.rejected for f in state.feeds())
        rows, ticks = bridge.rows_applied - rows0, bridge.ticks - ticks0
        recs = latency_ms[shown0:]
        dropped = sel.stale_dropped - dropped0
        worst_tick = bridge.worst_tick_s
        persisting = ws.feeds is not None and ws.feeds.writer is not None
        batches = ws.feeds.receiver.batches if ws.feeds is not None and ws.feeds.receiver is not None else None
        ws.shutdown()
        executor.shutdown()
        engine.dispose()
    where = ("utanför GUI-tråden" if threads and gui not in threads else "PÅ GUI-TRÅDEN" if gui in threads
             else "ingen beräknad")
    return {"elapsed": elapsed, "batches": batches, "persisting": persisting, "cpu": cpu / elapsed,
            "gui_cpu": gui_cpu / elapsed, **beat.figures(elapsed), "msgs": msgs / elapsed,
            "stored": stored / elapsed,
            "rejected": rejected, "rows": rows / elapsed, "ticks": ticks / elapsed, "worst_tick": worst_tick * 1000,
            "recs": len(recs), "dropped": dropped, "rec_p50": statistics.median(recs) if recs else float("nan"),
            "rec_p95": pct(recs, 0.95), "where": where}


def report(label: str, r: dict[str, object]) -> None:
    persisting = "" if "persisting" not in r else \
        f"statushändelser till databasen {'på' if r['persisting'] else 'av'}, "
    print(f"{label}: {r['elapsed']:.1f} s, {persisting}"
          f"GUI-processens CPU {r['cpu']:.0%} av en kärna, GUI-trådens {r['gui_cpu']:.1%} (oberoende av maskinens last)")
    print(f"  stopp över tid (1 ms-puls, {r['beats']} slag): p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms, "
          f"p99 {r['p99']:.2f} ms (mål < 16 ms), värsta {r['worst']:.1f} ms")
    print(f"  per slag (för jämförelse): p50 {r['beat_p50']:.2f} ms, p99 {r['beat_p99']:.2f} ms; andel av tiden i "
          f"stopp > 16 ms: {r['blocked']:.2%}, av den tiden körde GUI-tråden {r['ran']:.0%} (resten: väntade på "
          f"processorn eller GIL)")
    print(f"  GUI-trådens eget arbete (stoppen om maskinen vore ledig: CPU-tid per slag): p95 {r['own_p95']:.2f} ms, "
          f"p99 {r['own_p99']:.2f} ms, längsta {r['own_worst']:.1f} ms")
    if "msgs" not in r:
        return
    print(f"  mottaget: {r['msgs']:,.0f} statusmeddelanden/s ({r['rejected']} avvisade totalt); tavlan: "
          f"{r['rows']:,.0f} raduppdateringar/s i {r['ticks']:.1f} ommålningar/s; värsta ommålningssteg "
          f"{r['worst_tick']:.1f} ms")
    print(f"  sparat i konsolens databas (statushändelser, varje meddelande en ändring): {r['stored']:,.0f}/s, "
          f"{r['stored'] / r['msgs'] if r['msgs'] else 0:.0%} av det mottagna (resten väntar i skrivarens kö)")
    print(f"  rekommendationer: {r['recs']} visade ({r['dropped']} inaktuella kastade och omräknade), från begäran "
          f"till visad median {r['rec_p50']:.1f} ms, p95 {r['rec_p95']:.1f} ms; beräknade {r['where']}")


MODES = {"process": "flödena i egen process (LARMCENTRAL_FEED_RECEIVER=process, standard)",
         "before": "baslinje: som process men GUI-vägarna före issue 15:s stoppåtgärder (bench/gui_before.py)",
         "thread": "baslinje: flödena på en tråd i konsolprocessen (LARMCENTRAL_FEED_RECEIVER=thread)",
         "floor": "golv: bara 1 ms-pulsen i en egen process, ingen konsol (maskinens last själv)"}
RECEIVER = {"before": "process"}  # the receiver each mode runs (by default its own name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=20000.0, help="status messages/s in total over the four feeds")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of flood before measuring")
    ap.add_argument("--persist", choices=["auto", "on", "off"], default="auto",
                    help="status events to the database (auto: as the console decides; on for SQLite)")
    ap.add_argument("--no-gc-freeze", action="store_true", help="leave start-up objects in the collector")
    ap.add_argument("--modes", default="process,before,floor", help="consoles to run side by side on the same "
                    "flood (process, before, thread, floor; ratios against the first)")
    ap.add_argument("--flood-child", nargs=4, metavar=("CONFIG", "RATE", "SECONDS", "PARENT"), help=argparse.SUPPRESS)
    ap.add_argument("--gui-child", metavar="CONFIG", help=argparse.SUPPRESS)
    ap.add_argument("--gui-before", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--floor-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.flood_child:
        path, rate, seconds, parent = args.flood_child
        return flood_child(Path(path), float(rate), float(seconds), int(parent))
    if args.floor_child:
        print("RESULT " + json.dumps(run_floor(args)), flush=True)
        return 0
    if args.gui_child:
        if args.gui_before:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            import gui_before

            gui_before.apply()
        config = load_subscriber_config(args.gui_child).model_copy(update={"poll_interval_s": 0.01})
        print("RESULT " + json.dumps(run_gui(config, args)), flush=True)
        return 0
    modes = [m for m in args.modes.split(",") if m]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        flood, _config = start_flood(tmp, args.rate, args.seconds + args.warmup + 120)
        passed = ["--seconds", str(args.seconds), "--rate", str(args.rate), "--warmup", str(args.warmup),
                  "--persist", args.persist, *(["--no-gc-freeze"] if args.no_gc_freeze else [])]
        child = {"floor": ["--floor-child"], "before": ["--gui-child", str(tmp / "feeds.yaml"), "--gui-before"]}
        guis = {m: subprocess.Popen([sys.executable, __file__, *passed,
                                     *child.get(m, ["--gui-child", str(tmp / "feeds.yaml")])],
                                    env={**os.environ, "LARMCENTRAL_FEED_RECEIVER": RECEIVER.get(m, m)},
                                    stdout=subprocess.PIPE, text=True) for m in modes}
        results = {}
        for m, proc in guis.items():
            out, _ = proc.communicate(timeout=args.seconds + args.warmup + 300)
            line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"the {m} console gave no result (exit {proc.returncode})")
            results[m] = json.loads(line[len("RESULT "):])
        flood.terminate()
        flood.wait(10)
    print(f"GUI-bänk: dirigeringsvyn offscreen, {len(default_fleet().units)} enheter, {len(PUBLISHERS)} flöden på "
          f"loopback från en egen process (nice {FLOOD_NICE}: publicisterna står på andra maskiner i drift), "
          f"{args.rate:,.0f} verkliga ändringar/s (förflyttningar, statussteg), {len(modes)} konsoler samtidigt på "
          f"samma flöde, {args.warmup:.0f} s uppvärmning, gc.freeze {'av' if args.no_gc_freeze else 'på'}")
    for m in modes:
        report(MODES.get(m, m), results[m])
    first = results[modes[0]]
    for m in modes[1:]:
        b = results[m]
        print(f"  kvot {m}/{modes[0]}: stopp p99 {float(b['p99']) / max(float(first['p99']), 1e-3):.2f}×, "  # type: ignore[arg-type]
              f"p95 {float(b['p95']) / max(float(first['p95']), 1e-3):.2f}×, andel i stopp > 16 ms "  # type: ignore[arg-type]
              f"{float(b['blocked']) / max(float(first['blocked']), 1e-9):.2f}×, eget arbete p99 "  # type: ignore[arg-type]
              f"{float(b['own_p99']) / max(float(first['own_p99']), 1e-9):.2f}×, GUI-trådens CPU "  # type: ignore[arg-type]
              f"{float(b['gui_cpu']) / max(float(first['gui_cpu']), 1e-9):.2f}×")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
