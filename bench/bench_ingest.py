"""Feed ingest benchmark (issue 5): prints rates, their ratio and end-to-end latency.

(a) bare loop: pyzmq SUB `recv_multipart` + `json.loads`, nothing else;
(b) full path: FeedSubscriber thread — receive, validate (pydantic `TypeAdapter.validate_json`),
    check unit/publisher/time/position, sequence, apply to FleetState — with a consumer draining
    the coalesced changes at 10 Hz as the console does;
(c) latency: status messages published at a steady rate (default 5,000/s), each stamped with its
    publish time; latency = time the update is in the FleetState − publish time (p50/p99/max).

The publisher runs in another process with pre-serialised messages so it is not the bottleneck.
Goal: (b) ≥ 50,000 msg/s and within 4× of (a); (c) p99 < 100 ms.

    .venv/bin/python bench/bench_ingest.py [--messages 200000] [--latency-rate 5000] [--latency-seconds 4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zmq  # noqa: E402

PUBLISHER = "skanetrafiken"


def _units() -> list[tuple[str, float, float]]:
    from resources.fleet import default_fleet

    return [(u.id, u.lat, u.lon) for u in default_fleet().units if u.publisher == PUBLISHER]


def _status_body(epoch: str, seq: int, unit: tuple[str, float, float], ts: float) -> bytes:
    uid, lat, lon = unit
    statuses = ("ledig_station", "larmad", "framkorning", "pa_plats", "transport", "vid_sjukhus", "ledig_ute")
    return json.dumps({"v": 1, "publisher": PUBLISHER, "epoch": epoch, "seq": seq, "ts": ts, "unit_id": uid,
                       "status": statuses[seq % len(statuses)], "lat": round(lat + (seq % 97) * 1e-4, 5),
                       "lon": lon, "case_id": None}).encode()


def publisher_main(mode: str, n: int, rate: float, seconds: float, out: mp.Queue, go: mp.Event,  # type: ignore[type-arg]
                   done: mp.Event) -> None:  # type: ignore[type-arg]
    from dispatch.feed.publisher import FeedPublisher

    ctx = zmq.Context()
    pub = FeedPublisher(PUBLISHER, context=ctx, sndhwm=0)
    for uid, lat, lon in _units():
        pub.set_state(uid, "ledig_station", lat, lon)
    units = _units()
    now = time.time()
    frames = [_status_body(pub.epoch, i + 1, units[i % len(units)], now) for i in range(n)] if mode != "latency" else []
    out.put((pub.updates_endpoint, pub.snapshot_endpoint))
    while not go.is_set():  # serve snapshots and beat until the receiver says go
        pub.serve_snapshots()
        pub.heartbeat()
        go.wait(0.02)
    send = pub.pub.send_multipart
    if mode == "latency":
        total = int(rate * seconds)
        t0 = time.perf_counter()
        for i in range(total):
            target = t0 + i / rate
            while (delay := target - time.perf_counter()) > 0:
                time.sleep(min(delay, 0.001))
            send([b"status", _status_body(pub.epoch, i + 1, units[i % len(units)], time.time())])
        out.put(("sent", total, time.time(), time.time()))
    else:
        t_start = time.time()
        for body in frames:
            send([b"status", body])
        out.put(("sent", n, t_start, time.time()))
    while not done.is_set():
        pub.serve_snapshots()
        pub.heartbeat()
        done.wait(0.05)
    pub.close()
    ctx.term()


def _start(mode: str, n: int, rate: float = 0.0, seconds: float = 0.0):  # type: ignore[no-untyped-def]
    mpctx = mp.get_context("spawn")
    out, go, done = mpctx.Queue(), mpctx.Event(), mpctx.Event()
    proc = mpctx.Process(target=publisher_main, args=(mode, n, rate, seconds, out, go, done), daemon=True)
    proc.start()
    endpoints = out.get(timeout=120)
    return proc, out, go, done, endpoints


def bench_bare(n: int) -> float:
    proc, out, go, done, (updates, _) = _start("bare", n)
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.rcvhwm = 0
    sub.subscribe(b"status")
    sub.connect(updates)
    # wait until heartbeats... we subscribed to status only, so give the connection a moment
    time.sleep(0.5)
    go.set()
    _, _, t_start, t_sent = out.get(timeout=120)
    loads = json.loads
    recv = sub.recv_multipart
    got = 0
    while got < n:  # the same socket pattern as the subscriber: wait, then drain without blocking
        sub.poll(1000)
        while True:
            try:
                topic, body = recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            loads(body)
            got += 1
    t_end = time.time()
    done.set()
    proc.join(10)
    sub.close(linger=0)
    ctx.term()
    return n / (t_end - t_start), n / (t_sent - t_start)


def _subscriber(endpoints: tuple[str, str], on_status=None):  # type: ignore[no-untyped-def]
    from dispatch.feed.config import FeedEndpoint, SubscriberConfig
    from dispatch.feed.state import FleetState
    from dispatch.feed.subscriber import FeedSubscriber

    config = SubscriberConfig(feeds=[FeedEndpoint(publisher=PUBLISHER, updates=endpoints[0], snapshot=endpoints[1])],
                              insecure_lab=True)
    state = FleetState()
    sub = FeedSubscriber(config, state, on_status=on_status).start()
    deadline = time.monotonic() + 30
    while not (state.feeds()[0].synced and state.feeds()[0].messages > 0):
        if time.monotonic() > deadline:
            raise SystemExit("prenumeranten synkade aldrig")
        time.sleep(0.01)
    return sub, state


def _drainer(state, stop: threading.Event, stats: dict) -> threading.Thread:  # type: ignore[no-untyped-def,type-arg]
    def run() -> None:
        while not stop.wait(0.1):  # the console's 10 Hz repaint
            changed = state.drain_changes()
            stats["repaints"] += 1
            stats["rows"] += len(state.units_by_id(changed))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def bench_full(n: int) -> tuple[float, dict]:  # type: ignore[type-arg]
    proc, out, go, done, endpoints = _start("full", n)
    sub, state = _subscriber(endpoints)
    stop, stats = threading.Event(), {"repaints": 0, "rows": 0}
    drainer = _drainer(state, stop, stats)
    go.set()
    _, _, t_start, t_sent = out.get(timeout=120)
    deadline = time.monotonic() + 120
    while state.feeds()[0].seq < n:
        if time.monotonic() > deadline:
            break
        time.sleep(0.0005)
    t_end = time.time()
    feed = state.feeds()[0]
    stop.set()
    drainer.join()
    sub.stop()
    done.set()
    proc.join(10)
    stats.update(applied=feed.seq, gaps=feed.gaps, rejected=feed.rejected, send_rate=n / (t_sent - t_start))
    return feed.seq / (t_end - t_start), stats


def bench_latency(rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []

    def on_status(batch) -> None:  # type: ignore[no-untyped-def]
        now = time.time()  # called right after the batch was applied to the FleetState
        latencies.extend(now - report.ts for _, report, seq, _ in batch if seq > 0)  # not the snapshot

    proc, out, go, done, endpoints = _start("latency", 0, rate, seconds)
    sub, state = _subscriber(endpoints, on_status=on_status)
    stop, stats = threading.Event(), {"repaints": 0, "rows": 0}
    drainer = _drainer(state, stop, stats)
    go.set()
    _, total, _, _ = out.get(timeout=seconds + 120)
    deadline = time.monotonic() + 10
    while len(latencies) < total and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    drainer.join()
    sub.stop()
    done.set()
    proc.join(10)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--latency-rate", type=float, default=5000.0)
    parser.add_argument("--latency-seconds", type=float, default=4.0)
    args = parser.parse_args()

    bare, bare_send = bench_bare(args.messages)
    full, stats = bench_full(args.messages)
    print(f"(a) bare recv_multipart + json.loads : {bare:10,.0f} msg/s")
    print(f"(b) full subscriber path             : {full:10,.0f} msg/s  "
          f"(applied {stats['applied']:,}/{args.messages:,}, gaps {stats['gaps']}, rejected {stats['rejected']}, "
          f"{stats['repaints']} coalesced drains, {stats['rows']:,} rows read)")
    print(f"    publisher send rate (other process): {bare_send:,.0f} / {stats['send_rate']:,.0f} msg/s (a / b runs)")
    print(f"    ratio bare/full                  : {bare / full:10.2f}×   (goal ≤ 4×; goal full ≥ 50,000 msg/s)")
    lat = sorted(args_l := bench_latency(args.latency_rate, args.latency_seconds))
    if not lat:
        print("(c) latency: no messages arrived")
        return 1
    p = statistics.quantiles(lat, n=100)
    print(f"(c) publish → FleetState at {args.latency_rate:,.0f} msg/s over {args.latency_seconds:.0f} s "
          f"({len(args_l):,} msgs): p50 {p[49] * 1000:.2f} ms, p99 {p[98] * 1000:.2f} ms, "
          f"max {lat[-1] * 1000:.2f} ms   (goal p99 < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
