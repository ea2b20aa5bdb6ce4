"""Feed ingest benchmark (issue 13): four feeds, persistence on, bare and full paths draining concurrently.

Throughput (`--runs` rounds): four publisher processes (ambulans, mobila_team, skanetrafiken,
raddningstjanst) each send `--messages` pre-serialised status updates as fast as they can (PUB with no
high-water mark, so nothing is dropped and both receivers get everything). Two receivers subscribe to all
four at the same time, each in its own process, so they share the machine's load and noise:
  (a) bare: pyzmq SUB poll + recv_multipart + json.loads, nothing else;
  (b) full: what `feed serve` and the embedded console run — FeedService: the subscriber thread (strict
      validation, unit/publisher/time/position checks, sequence, transition check, FleetState) with a
      10 Hz coalesced drain as the console does, and the record writer storing what changed into a
      migrated database (SQLite file by default, `--db-url` for PostgreSQL).
The update mix is a flood of position reports: every unit moves a little (below the storing threshold)
and one update in 25 changes status, so the writer stores about 4% (docs/feed-protocol.md 8.2).
Printed per round and as medians: msg/s of each path from "go" to its last update, their ratio, and CPU
time per message of each receiver process. Goal: (b) ≥ 50,000 msg/s and ≤ 4× (a), with persistence.

Flood accounting (`--flood-rate`): the same four publishers (version 2, replay buffer 100,000) send
status changes at the given rate per feed for `--flood-seconds` through a PUB high-water mark of 1,000,
so the network drops some; the full path with persistence takes them. Afterwards it prints, per feed:
sent, received live, replayed, holes, and what the database holds — every sequence number must be a
stored row, inside a hole, or counted as unchanged or rejected ("adds up"). Unchanged appears when the
writer had to let go of updates (a writer_backlog hole): the next one is then compared with the last row.

    .venv/bin/python bench/bench_ingest.py [--messages 50000] [--runs 5] [--flood-rate 5000]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zmq  # noqa: E402

PUBLISHERS = ("ambulans", "mobila_team", "skanetrafiken", "raddningstjanst")
FREE = ("ledig_station", "ledig_ute")  # legal both ways: a status change that is always allowed


def _units(publisher: str) -> list[tuple[str, float, float]]:
    from resources.fleet import default_fleet

    return [(u.id, u.lat, u.lon) for u in default_fleet().units if u.publisher == publisher]


def _body(publisher: str, epoch: str, seq: int, unit: tuple[str, float, float], status: str, jitter: float) -> bytes:
    uid, lat, lon = unit
    return json.dumps({"v": 2, "publisher": publisher, "epoch": epoch, "seq": seq, "ts": time.time(),
                       "unit_id": uid, "status": status, "lat": round(lat + jitter, 6), "lon": lon,
                       "case_id": None}).encode()


# --- publishers (one process per feed) ---------------------------------------------------------------

def publisher_main(publisher: str, mode: str, n: int, rate: float, seconds: float, out: Any, go: Any,
                   done: Any) -> None:
    from dispatch.feed.publisher import FeedPublisher

    ctx = zmq.Context()
    pub = FeedPublisher(publisher, context=ctx, sndhwm=0 if mode == "throughput" else 1000)
    units = _units(publisher)
    for uid, lat, lon in units:
        pub.set_state(uid, "ledig_station", lat, lon)
    frames = []
    if mode == "throughput":  # a unit moves a few metres each report; one report in 25 changes status
        for i in range(n):
            status = FREE[(i // len(units) // 25) % 2]  # each unit changes status every 25th report
            frames.append(_body(publisher, pub.epoch, i + 1, units[i % len(units)], status, (i % 7) * 1e-5))
    out.put((publisher, pub.updates_endpoint, pub.snapshot_endpoint))
    while not go.is_set():
        pub.serve_snapshots()
        pub.heartbeat()
        go.wait(0.02)
    t0 = time.time()
    if mode == "throughput":
        send = pub.pub.send_multipart
        for body in frames:
            send([b"status", body])
        pub.seq = n
    else:  # flood of real status changes through the reference publisher (replay buffer, HWM drops)
        total = int(rate * seconds)
        start = time.perf_counter()
        next_beat = 0.0
        for i in range(total):
            while (delay := start + i / rate - time.perf_counter()) > 0:
                time.sleep(min(delay, 0.0005))
            uid, lat, lon = units[i % len(units)]
            pub.publish_status(uid, FREE[(i // len(units)) % 2], lat, lon)
            if i % 256 == 0:
                pub.serve_snapshots()
                if time.perf_counter() > next_beat:
                    next_beat = time.perf_counter() + 1.0
                    pub.heartbeat()
    out.put(("sent", publisher, pub.seq, t0, time.time(), pub.epoch))
    while not done.is_set():
        pub.serve_snapshots()
        pub.heartbeat()
        done.wait(0.02)
    pub.close()
    ctx.term()


# --- receivers ----------------------------------------------------------------------------------------

def bare_main(endpoints: list[tuple[str, str, str]], n: int, out: Any, go: Any) -> None:
    ctx = zmq.Context()
    poller = zmq.Poller()
    socks = []
    for _, updates, _ in endpoints:
        sub = ctx.socket(zmq.SUB)
        sub.rcvhwm = 0
        sub.subscribe(b"status")
        sub.connect(updates)
        poller.register(sub, zmq.POLLIN)
        socks.append(sub)
    out.put("ready")
    go.wait()
    t_go = time.time()
    loads = json.loads
    got, total = 0, n * len(endpoints)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    while got < total:
        for sock, _ in poller.poll(2000):
            recv = sock.recv_multipart
            for _ in range(2000):
                try:
                    _, body = recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                loads(body)
                got += 1
    t_end = time.time()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out.put(("bare", total / (t_end - t_go), _cpu(cpu0, cpu1) / total))
    for s in socks:
        s.close(linger=0)
    ctx.term()


def _cpu(a: Any, b: Any) -> float:
    return float((b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime))


def _open_db(db_url: str | None) -> Any:
    from records.db import make_engine, migrate, session_factory

    url = db_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-ingest-')}/larmcentral.sqlite3"
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


def full_main(endpoints: list[tuple[str, str, str]], n: int, db_url: str | None, out: Any, go: Any,
              sent: Any = None) -> None:
    """The full path; with `sent` (a queue of what each publisher sent) the flood run, else throughput."""
    from dispatch.feed.config import FeedEndpoint, SubscriberConfig
    from dispatch.feed.service import FeedService

    factory = _open_db(db_url)
    config = SubscriberConfig(feeds=[FeedEndpoint(publisher=p, updates=u, snapshot=s)  # type: ignore[arg-type]
                                     for p, u, s in endpoints], insecure_lab=True)
    service = FeedService(config, session_factory=factory).start()
    state = service.state
    deadline = time.monotonic() + 60
    while not all(f.synced for f in state.feeds()):
        if time.monotonic() > deadline:
            raise SystemExit("prenumeranten synkade aldrig")
        time.sleep(0.01)
    gc.collect()
    gc.freeze()  # as `feed serve` and the console do after start-up: the cyclic collector skips what is settled
    stop = threading.Event()

    def drain() -> None:  # the console's 10 Hz repaint reads what changed
        while not stop.wait(0.1):
            state.units_by_id(state.drain_changes())

    threading.Thread(target=drain, daemon=True).start()
    out.put("ready")
    go.wait()
    t_go = time.time()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    if sent is not None:
        out.put(("full-ready", t_go))
        _settle_flood(service, out, sent)
    else:
        while min(f.seq for f in state.feeds()) < n:
            time.sleep(0.002)
        t_end = time.time()
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        writer = service.writer
        while writer is not None and writer.pending():
            time.sleep(0.01)
        t_stored = time.time()
        counts = writer.counters()["publishers"] if writer is not None else {}
        out.put(("full", len(endpoints) * n / (t_end - t_go), _cpu(cpu0, cpu1) / (len(endpoints) * n),
                 t_stored - t_end, {p: c.get("stored", 0) for p, c in counts.items()}))
    stop.set()
    service.stop()


def _settle_flood(service: Any, out: Any, sent_queue: Any) -> None:
    """After the publishers report what they sent: wait until every feed is caught up and the record has
    every number stored or in a hole, then report the counters."""
    sent: dict[str, tuple[int, str]] = {}
    while len(sent) < 4:
        msg = sent_queue.get()
        sent[msg[0]] = (msg[1], msg[2])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        feeds = {f.publisher: f for f in service.state.feeds()}
        done = all(feeds[p].seq >= seq and feeds[p].synced for p, (seq, _) in sent.items())
        if done and service.writer.pending() == 0 and _record_complete(service, sent):
            break
        time.sleep(0.2)
    feeds = {f.publisher: f for f in service.state.feeds()}
    out.put(("flood", {p: {"sent": seq, "epoch": epoch, "messages": feeds[p].messages, "live": feeds[p].updates,
                           "gaps": feeds[p].gaps,
                           "replays": feeds[p].replays, "replayed": feeds[p].replayed, "holes": feeds[p].holes,
                           "hole_updates": feeds[p].hole_updates, "rejected": feeds[p].rejected,
                           "record": service.writer.counters()["publishers"].get(p, {})}
                       for p, (seq, epoch) in sent.items()}, _db_account(service, sent)))


def _record_complete(service: Any, sent: dict[str, tuple[int, str]]) -> bool:
    return all(service.writer.cursor(p, epoch) == seq for p, (seq, epoch) in sent.items())


def _db_account(service: Any, sent: dict[str, tuple[int, str]]) -> dict[str, tuple[int, int]]:
    """Per feed: distinct sequence numbers stored, and sequence numbers inside holes, from the database."""
    from sqlalchemy import func, select

    from records.models import FeedHole, UnitStatusEvent

    result = {}
    with service.writer.session_factory() as session:
        for p, (_, epoch) in sent.items():
            stored = session.scalar(select(func.count(func.distinct(UnitStatusEvent.seq))).where(
                UnitStatusEvent.publisher == p, UnitStatusEvent.epoch == epoch, UnitStatusEvent.seq > 0))
            holes = session.scalar(select(func.coalesce(func.sum(FeedHole.last_seq - FeedHole.first_seq + 1), 0))
                                   .where(FeedHole.publisher == p, FeedHole.epoch == epoch))
            result[p] = (int(stored or 0), int(holes or 0))
    return result


# --- orchestration --------------------------------------------------------------------------------------

def _publishers(mp_ctx: Any, mode: str, n: int, rate: float, seconds: float) -> tuple[list[Any], Any, Any, Any,
                                                                                     list[tuple[str, str, str]]]:
    out, go, done = mp_ctx.Queue(), mp_ctx.Event(), mp_ctx.Event()
    procs = [mp_ctx.Process(target=publisher_main, args=(p, mode, n, rate, seconds, out, go, done), daemon=True)
             for p in PUBLISHERS]
    for proc in procs:
        proc.start()
    endpoints = sorted((out.get(timeout=180) for _ in PUBLISHERS), key=lambda e: PUBLISHERS.index(e[0]))
    return procs, out, go, done, endpoints


def throughput_round(n: int, db_url: str | None) -> dict[str, Any]:
    mp_ctx = mp.get_context("spawn")
    procs, pub_out, go, done, endpoints = _publishers(mp_ctx, "throughput", n, 0, 0)
    res = mp_ctx.Queue()
    bare = mp_ctx.Process(target=bare_main, args=(endpoints, n, res, go), daemon=True)
    full = mp_ctx.Process(target=full_main, args=(endpoints, n, db_url, res, go), daemon=True)
    bare.start()
    full.start()
    assert res.get(timeout=180) == "ready" and res.get(timeout=180) == "ready"
    time.sleep(0.5)  # let the SUB subscriptions reach the publishers
    go.set()
    results = {}
    for _ in range(2):
        r = res.get(timeout=600)
        results[r[0]] = r[1:]
    done.set()
    for proc in [*procs, bare, full]:
        proc.join(30)
    (bare_rate, bare_cpu), (full_rate, full_cpu, store_lag, stored) = results["bare"], results["full"]
    return {"bare": bare_rate, "full": full_rate, "ratio": bare_rate / full_rate, "bare_cpu": bare_cpu,
            "full_cpu": full_cpu, "store_lag": store_lag, "stored": sum(stored.values())}


def flood_run(rate: float, seconds: float, db_url: str | None) -> int:
    mp_ctx = mp.get_context("spawn")
    procs, pub_out, go, done, endpoints = _publishers(mp_ctx, "flood", 0, rate, seconds)
    res, sent_q = mp_ctx.Queue(), mp_ctx.Queue()
    full = mp_ctx.Process(target=full_main, args=(endpoints, 0, db_url, res, go, sent_q), daemon=True)
    full.start()
    assert res.get(timeout=180) == "ready"
    time.sleep(0.5)
    go.set()
    res.get(timeout=60)  # full-ready
    for _ in PUBLISHERS:
        _, publisher, seq, _, _, epoch = pub_out.get(timeout=seconds + 300)
        sent_q.put((publisher, seq, epoch))
    _, feeds, db = res.get(timeout=600)
    done.set()
    for proc in [*procs, full]:
        proc.join(30)
    ok = True
    print(f"\nflood: {rate:,.0f} status changes/s per feed for {seconds:.0f} s, PUB high-water mark 1,000")
    print(f"{'feed':16} {'sent':>8} {'live':>8} {'replayed':>9} {'holes':>7} {'stored(db)':>11} "
          f"{'hole seqs(db)':>13} {'unchanged':>9} {'rejected':>8} {'adds up':>8}  record counters")
    for p in PUBLISHERS:
        f = feeds[p]
        stored, hole_seqs = db[p]
        unchanged = f["record"].get("unchanged", 0)
        # every number: a stored row, inside a hole, or counted unchanged (a repeat of the unit's last row) or rejected
        adds_up = stored + hole_seqs + unchanged + f["rejected"] == f["sent"]
        ok &= adds_up
        live = f["live"]
        holes = f["hole_updates"] + f["record"].get("hole_updates", 0)  # the feed's and the writer's
        print(f"{p:16} {f['sent']:8,} {live:8,} {f['replayed']:9,} {holes:7,} {stored:11,} "
              f"{hole_seqs:13,} {unchanged:9,} {f['rejected']:8,} {'yes' if adds_up else 'NO':>8}  {f['record']}")
    return 0 if ok else 1


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000, help="updates per feed per round")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db-url", default=None, help="database for the full path (default: a new SQLite file)")
    parser.add_argument("--flood-rate", type=float, default=5000.0, help="status changes per second per feed")
    parser.add_argument("--flood-seconds", type=float, default=4.0)
    parser.add_argument("--skip-flood", action="store_true")
    args = parser.parse_args()

    print(f"four feeds × {args.messages:,} updates per round, {args.runs} rounds, persistence on "
          f"({args.db_url or 'SQLite file'}); bare and full receivers drain concurrently")
    rounds = []
    for i in range(args.runs):
        r = throughput_round(args.messages, args.db_url)
        rounds.append(r)
        print(f"round {i + 1}: bare {r['bare']:9,.0f} msg/s  full {r['full']:9,.0f} msg/s  ratio {r['ratio']:.2f}×  "
              f"CPU/msg bare {r['bare_cpu'] * 1e6:.1f} µs full {r['full_cpu'] * 1e6:.1f} µs  "
              f"stored {r['stored']:,} (writer done {r['store_lag'] * 1000:.0f} ms after the last update)")
    full = [r["full"] for r in rounds]
    ratio = [r["ratio"] for r in rounds]
    cpu_ratio = [r["full_cpu"] / r["bare_cpu"] for r in rounds]
    print(f"median: bare {statistics.median(r['bare'] for r in rounds):,.0f} msg/s, full {statistics.median(full):,.0f} "
          f"msg/s (min {min(full):,.0f}), ratio {statistics.median(ratio):.2f}× (max {max(ratio):.2f}×), "
          f"CPU per message ratio {statistics.median(cpu_ratio):.2f}×   goal: full ≥ 50,000 msg/s, ratio ≤ 4×")
    if args.skip_flood:
        return 0
    return flood_run(args.flood_rate, args.flood_seconds, args.db_url)


if __name__ == "__main__":
    sys.exit(main())
