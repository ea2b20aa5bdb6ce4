"""A scripted `ambulans` publisher for the failover tests (run as its own process, not collected by pytest).

Binds the updates and snapshot sockets on fixed loopback ports and publishes, at a steady rate, a status
change of one of a few units (ledig_station → larmad → framkorning → pa_plats → ledig_station, round robin),
so every numbered update is a real, legal change the record must store. Answers snapshot and replay requests
and sends heartbeats throughout. Prints `ready <epoch>` once bound. Reads lines on standard input: `stop`
stops publishing (it keeps answering replays) and prints `stopped <epoch> <last seq>`; end of input exits.

    python failover_publisher.py --updates-port P --snapshot-port Q [--rate 100] [--units 8]
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time

import zmq

from dispatch.feed.publisher import FeedPublisher
from resources.fleet import default_fleet

CYCLE = ("ledig_station", "larmad", "framkorning", "pa_plats")
HEARTBEAT_S = 0.2


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--updates-port", type=int, required=True)
    p.add_argument("--snapshot-port", type=int, required=True)
    p.add_argument("--rate", type=float, default=100.0, help="updates per second")
    p.add_argument("--units", type=int, default=8)
    args = p.parse_args()

    units = [u for u in default_fleet().units if u.publisher == "ambulans"][:args.units]
    context = zmq.Context()
    pub = FeedPublisher("ambulans", updates=f"tcp://127.0.0.1:{args.updates_port}",
                        snapshot=f"tcp://127.0.0.1:{args.snapshot_port}", context=context, seed=3)
    step = dict.fromkeys((u.id for u in units), 0)
    for u in units:
        pub.set_state(u.id, CYCLE[0], u.lat, u.lon)

    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def read_stdin() -> None:
        for line in sys.stdin:
            lines.put(line.strip())
        lines.put(None)

    threading.Thread(target=read_stdin, daemon=True).start()
    print(f"ready {pub.epoch}", flush=True)

    publishing = True
    interval = 1.0 / args.rate
    next_update = next_beat = time.monotonic()
    i = 0
    try:
        while True:
            pub.serve_snapshots()
            now = time.monotonic()
            if now >= next_beat:
                next_beat = now + HEARTBEAT_S
                pub.heartbeat()
            while publishing and now >= next_update:
                next_update += interval
                u = units[i % len(units)]
                i += 1
                step[u.id] = (step[u.id] + 1) % len(CYCLE)
                pub.publish_status(u.id, CYCLE[step[u.id]], u.lat, u.lon)
            try:
                line = lines.get_nowait()
            except queue.Empty:
                pub.router.poll(5)  # wait for a request a little, then publish again
                continue
            if line is None:
                return 0
            if line == "stop" and publishing:
                publishing = False
                print(f"stopped {pub.epoch} {pub.seq}", flush=True)
    finally:
        pub.close()
        context.term()


if __name__ == "__main__":
    sys.exit(main())
