"""Consoles seeing each other's changes: p50/p95/p99 from a command's commit to every other console, N consoles.

    python bench/bench_consoles.py [--consoles 10,50,100] [--cases 30] [--interval 0.5] [--poll 5]
                                   [--poll-consoles 10] [--warmup-cases 2] [--settle 10] [--shared]

Each console is a process of its own, headless (a QCoreApplication, no screen) on the real code path: the
console's `DbExecutor(listen=True)` (LISTEN on a connection of its own, queued signal to the main thread) and,
on `pushed(Change("cases", ids, open))`, the dispatch workspace's own väntrummet re-read (console/dispatch/waiting_feed.py,
not a copy of it: of the named cases only those shown or open for dispatch, merged into what is shown, newly shown cases audited right after, batched;
the whole listing at start), one re-read at a time with one more for a burst. Not timed: the table and map
repainting what the feed hands them (no screen).
One more process, the call taker, runs CreateCase then SendToWaitingRoom per case through `commands.run` with a
provisioned nurse, `--interval` seconds apart. Printed per N, over every (change, other console) pair:
  * notified: the call taker starts the command → the change naming the case at the console;
  * visible: the call taker starts SendToWaitingRoom → the case in the console's re-read väntrummet listing
    (and, separately, how long that re-read took at the console: its worker, the server, the CPU it shares);
  * baseline, measured concurrently in the same run: the old 5 s poll of the same listing on the same worker
    (`--poll` seconds) in the first `--poll-consoles` consoles, visible → first poll listing that holds the case;
    and the ratio poll/push. A poll's wait does not depend on how many poll; a hundred polling consoles would
    load the two shared cores with the old design's reads (the whole listing, audited whenever its set changed)
    and measure that instead of the push path;
  * connections per console (pg_stat_activity by application_name: the pool's, the listener's, the shown-audit
    writer's once it has written);
  * per console per change, from the first change to the end: process CPU (load-independent, unlike the
    latencies on a shared machine; includes the baseline's poll in the consoles that run it) and SQL statements.
The consoles start ten at a time; `--settle` seconds after the last is ready, `--warmup-cases` cases are made and
sent untimed (each console's first pushed re-read compiles its statement: on two shared cores a hundred first
re-reads at once are one slow change, the whole of a 2,000-sample p99), then the timed ones.
The rate is printed against Skåne's busiest hour (PEAK_CHANGES_PER_S); the default, 4 changes/s, is about 50 times it.
`BENCH_PROFILE=konsol-003` runs py-spy (from PATH) on that console while the changes run (/tmp/bench-consoles-*.raw).
Timestamps are wall-clock (time.time()) on one host. The database is a throw-away server (tests/commands/
pg_cluster.py, as the postgres user) with max_connections = 4 N + 20 (docs/centre-setup.md), or with --shared a temp database on
LARMCENTRAL_TEST_PG_URL (its max_connections caps N). Goal (issue 15): p99 < 1 s at 100 consoles. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "commands"))

GOAL_P99_S = 1.0
# Skåne's busiest hour, for scale: about 192,000 calls a year (replay/params/volume.yaml) are 22 an hour; the
# hour-of-day and weekday factors and healthcare orders in office hours (replay/params/arrivals.yaml) make the
# busiest hours about 35 calls; each call is at most about 8 case changes (created, drafts, triage, väntrummet,
# assigned, outcome): about 0.08 changes a second at the whole centre.
PEAK_CHANGES_PER_S = 35 * 8 / 3600


# --- one console (child process) ---------------------------------------------------------------------------
def console_main(url: str, name: str, poll_s: float) -> None:
    from PySide6.QtCore import QCoreApplication, QTimer
    from sqlalchemy import event

    from console.dispatch.waiting_feed import WaitingFeed
    from console.tasks import DbExecutor, DbOp
    from dispatch.waiting_read import read_waiting
    from records.db import make_engine, session_factory, transaction
    from records.identity import provision_and_sign_in
    from resources.vocabulary import Role

    app = QCoreApplication([])
    engine = make_engine(f"{url}?application_name={name}")
    factory = session_factory(engine)
    with transaction(factory, bound=120) as s:  # start-up of 100 processes on two cores: not what is measured
        actor = provision_and_sign_in(s, f"usk.{name}", Role.DISPATCHER, display_name=name, console=name)
    executor = DbExecutor(factory, signed_in=actor, listen=True)
    assert executor.watch is not None
    counted = {"statements": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_a: Any) -> None:  # SQL statements through SQLAlchemy (the pool's checkout ping is not one)
        counted["statements"] += 1

    heard: dict[int, list[float]] = defaultdict(list)
    seen: dict[int, float] = {}
    polled: dict[int, float] = {}
    reads: list[float] = []  # seconds from submitting a pushed re-read to its result on the main thread
    state: dict[str, Any] = {"polled": None, "ready": False}
    feed = WaitingFeed(executor, actor)  # the workspace's own re-read of väntrummet and its batched audit
    if feed.shown_audit.engine is not None:  # the audit's own writer and connection: its statements count too
        event.listen(feed.shown_audit.engine, "before_cursor_execute", _count)

    def shown(_read: Any) -> None:
        t = time.time()
        reads.append(feed.read_s)
        for c in feed.cases:
            seen.setdefault(c.id, t)
        if not state["ready"]:
            state["ready"] = True
            print("ready", flush=True)

    feed.updated.connect(shown)

    def poll() -> None:  # the baseline: the old refresh timer's read of the whole listing, on the same worker
        def got(read: Any) -> None:
            t = time.time()
            state["polled"] = frozenset(c.id for c in read.cases)
            for c in read.cases:
                polled.setdefault(c.id, t)
        polled_ids = state["polled"] or frozenset()
        DbOp(executor, lambda s: read_waiting(s, actor, polled_ids)).success(got).run()

    def on_pushed(change: Any) -> None:
        t = time.time()
        for i in change.ids or ():
            heard[i].append(t)
        if change.topic == "cases":
            feed.pushed(change)  # as the workspace does: only what it shows or is open is re-read

    executor.pushed.connect(on_pushed)
    poller = QTimer(interval=int(poll_s * 1000), timeout=poll)
    if poll_s > 0:  # --poll 0: no baseline (to see what the push path alone costs)
        poller.start()
    QTimer.singleShot(0, feed.refresh)

    def stdin_closed() -> None:
        sys.stdin.readline()  # the parent says when its changes begin: count from there
        counted["cpu0"], counted["s0"] = time.process_time(), counted["statements"]
        if os.environ.get("BENCH_PROFILE") == name:  # py-spy on this console while the changes run (diagnosis)
            subprocess.Popen(["py-spy", "record", "-p", str(os.getpid()), "-d", os.environ.get("BENCH_PROFILE_S", "15"),
                              "-r", "250", "--threads", "--gil", "-f", "raw", "-o", f"/tmp/bench-consoles-{name}.raw"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sys.stdin.read()  # the parent closes our stdin when the run is over
        counted["cpu1"], counted["s1"] = time.process_time(), counted["statements"]
        app.quit()

    import threading
    threading.Thread(target=stdin_closed, daemon=True).start()
    app.exec()
    poller.stop()
    feed.shutdown()
    executor.shutdown()
    engine.dispose()
    print(json.dumps({"heard": heard, "seen": seen, "polled": polled, "reads": reads, "passed_over": feed.passed_over,
                      "connects": executor.watch.listener.connects,
                      "cpu_s": counted["cpu1"] - counted["cpu0"], "statements": counted["s1"] - counted["s0"]}),
          flush=True)


# --- the run (parent) --------------------------------------------------------------------------------------
@contextmanager
def database(shared: bool, consoles: int) -> Iterator[tuple[str, str]]:
    """(url, what it is)."""
    if shared:
        from bench_fault_kill import pg_temp_database
        url, reason, drop = pg_temp_database()
        if url is None:
            raise SystemExit(reason)
        try:
            yield url, "temp database on LARMCENTRAL_TEST_PG_URL"
        finally:
            drop()
        return
    from pg_cluster import cluster, unavailable_reason
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"no throw-away server ({reason}); try --shared")
    with cluster() as c:
        server = c.primary("bench", max_connections=4 * consoles + 20, shared_buffers="128MB")
        yield (f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres",
               f"throw-away server, max_connections={4 * consoles + 20}")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def figures(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<34} no samples"
    ms = [v * 1000 for v in values]
    return (f"  {label:<34} n={len(ms):>6}  p50 {statistics.median(ms):8.1f} ms  p95 {pct(ms, 95):8.1f} ms  "
            f"p99 {pct(ms, 99):8.1f} ms  max {max(ms):8.1f} ms")


def run_one(n: int, args: argparse.Namespace) -> None:
    from command_workload import intake, triage

    from commands import CreateCase, SendToWaitingRoom, run
    from records.db import make_engine, migrate, session_factory, transaction
    from records.identity import provision_and_sign_in
    from resources.vocabulary import Role

    with database(args.shared, n) as (url, what):
        engine = make_engine(url)
        migrate(engine)
        factory = session_factory(engine)
        with transaction(factory) as s:
            nurse = provision_and_sign_in(s, "ssk.bench", Role.NURSE, display_name="bench", console="bench-writer")
        started = time.monotonic()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        procs: list[subprocess.Popen[str]] = []
        try:
            for wave in range(0, n, 10):  # ten at a time: a hundred imports at once only thrash two cores
                started_wave = [subprocess.Popen([sys.executable, __file__, "--child", url, f"konsol-{i:03d}",
                                                  str(args.poll if i < args.poll_consoles else 0)],
                                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                 text=True, env=env, cwd=ROOT) for i in range(wave, min(n, wave + 10))]
                procs += started_wave
                for p in started_wave:
                    line = p.stdout.readline()  # type: ignore[union-attr]
                    if line.strip() != "ready":
                        raise SystemExit(f"a console did not start: {line!r}")
            ready_s = time.monotonic() - started
            with engine.connect() as conn:
                from sqlalchemy import text
                rows = conn.execute(text("SELECT application_name, count(*) FROM pg_stat_activity "
                                         "WHERE application_name LIKE 'konsol-%' GROUP BY 1")).all()
            per: dict[str, int] = defaultdict(int)
            for app_name, count in rows:
                per[app_name.split(":")[0]] += count
            time.sleep(args.settle)  # a centre's consoles start long before a call: the start-up load passes first
            for k in range(args.warmup_cases):  # each console's first pushed re-read (statement compiled, first
                case_id = run(factory, nurse, CreateCase(intake=intake(f"w{n}-{k}"))).case_id  # type: ignore[attr-defined]
                run(factory, nurse, SendToWaitingRoom(case_id=case_id, triage=triage("1")))  # merge...): not timed
                time.sleep(max(2.0, args.interval))
            for p in procs:
                p.stdin.write("go\n")  # type: ignore[union-attr]
                p.stdin.flush()  # type: ignore[union-attr]
            commits: dict[int, tuple[float, float]] = {}
            for k in range(args.cases):
                created = time.time()  # the call taker's click: the latency includes the command itself
                case_id = run(factory, nurse, CreateCase(intake=intake(f"c{n}-{k}"))).case_id  # type: ignore[attr-defined]
                time.sleep(args.interval / 2)
                sent = time.time()
                run(factory, nurse, SendToWaitingRoom(case_id=case_id, triage=triage("1")))
                commits[case_id] = (created, sent)
                time.sleep(args.interval / 2)
            time.sleep(max(3.0, args.poll + 1))  # the last change reaches everyone, and the baseline's poll
            results = []
            for p in procs:
                out, _ = p.communicate("", timeout=120)
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
        engine.dispose()

    notified, visible, polled = [], [], []
    missing = 0
    for r in results:
        for cid, (created, sent) in commits.items():
            times = r["heard"].get(str(cid), [])
            if len(times) >= 2:
                notified += [times[0] - created, times[1] - sent]
            else:
                missing += 1
            if str(cid) in r["seen"]:
                visible.append(r["seen"][str(cid)] - sent)
            if str(cid) in r["polled"]:
                polled.append(r["polled"][str(cid)] - sent)
    rate = 2 / args.interval
    print(f"== {n} consoles ({what}); {args.cases} cases, 2 changes each, {args.interval} s apart: {rate:.1f} changes/s, "
          f"{rate / PEAK_CHANGES_PER_S:.0f}× Skåne's busiest hour (≈{PEAK_CHANGES_PER_S:.2f}/s); consoles ready in "
          f"{ready_s:.1f} s; baseline poll in {min(n, args.poll_consoles) if args.poll > 0 else 0}")
    print(figures("notified (command → change heard)", notified))
    print(figures("visible, pushed (→ väntrummet)", visible))
    print(figures("  väntrummet re-read at a console", [x for r in results for x in r["reads"]]))
    print(f"  changes not re-read (a call being taken, not shown): "
          f"{sum(r['passed_over'] for r in results) / len(results):.0f} per console of {2 * args.cases}")
    print(figures(f"visible, baseline {args.poll:g} s poll", polled))
    if visible and polled:
        print(f"  poll/push ratio: p50 {statistics.median(polled) / statistics.median(visible):.1f}×, "
              f"p99 {pct(polled, 99) / pct(visible, 99):.1f}×")
    counts = [per.get(f"konsol-{i:03d}", 0) for i in range(n)]
    print(f"  connections per console: min {min(counts)}, max {max(counts)}, total {sum(counts)} "
          f"(pool + 1 LISTEN + 1 shown-audit); missing notifications: {missing}; reconnects: "
          f"{sum(r['connects'] - 1 for r in results)}")
    changes = 2 * args.cases
    cpu = [r["cpu_s"] for r in results]
    print(f"  per console per change: CPU {1000 * sum(cpu) / len(cpu) / changes:.1f} ms (process, the baseline's "
          f"poll included), SQL statements {sum(r['statements'] for r in results) / len(results) / changes:.1f}")
    p99 = pct(visible, 99) if visible else float("inf")
    print(f"  goal p99 < {GOAL_P99_S:g} s (visible): {'met' if p99 < GOAL_P99_S else 'NOT met'} ({p99 * 1000:.0f} ms)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        console_main(sys.argv[2], sys.argv[3], float(sys.argv[4]))
        return
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--consoles", default="10,50,100", help="comma-separated N")
    p.add_argument("--cases", type=int, default=30)
    p.add_argument("--interval", type=float, default=0.5, help="seconds from one case to the next (two changes each)")
    p.add_argument("--settle", type=float, default=10.0, help="seconds after the last console is ready")
    p.add_argument("--warmup-cases", type=int, default=2, help="cases made and sent before timing starts")
    p.add_argument("--poll-consoles", type=int, default=10, help="how many consoles also run the baseline's poll")
    p.add_argument("--poll", type=float, default=5.0, help="the baseline's poll interval (the old console's); 0: none")
    p.add_argument("--shared", action="store_true", help="a temp database on LARMCENTRAL_TEST_PG_URL instead")
    args = p.parse_args()
    for n in (int(x) for x in args.consoles.split(",")):
        run_one(n, args)


if __name__ == "__main__":
    main()
