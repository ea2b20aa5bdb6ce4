"""A flooding `ambulans` publisher for the receiver-stop test (run as its own process, not collected by pytest).

Binds on loopback (ephemeral ports) and publishes, at `--rate` messages a second, a move of one of the small
fleet's `ambulans` units (feed_helpers.small_fleet), every one a real change the record stores; every
`--outcome-every` seconds an outcome message for case 1000, 1001, ... in the same numbered stream. Answers
snapshot and replay requests and sends heartbeats throughout. Prints `ready <updates endpoint> <snapshot
endpoint>` once bound; exits when its standard input ends.

    python flood_publisher.py [--rate 20000] [--outcome-every 0.25]
"""

from __future__ import annotations

import argparse
import select
import sys
import time

from feed_helpers import small_fleet

from dispatch.feed.publisher import FeedPublisher
from resources.vocabulary import UnitStatus

HEARTBEAT_S = 0.2


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rate", type=float, default=20000.0, help="status messages per second")
    p.add_argument("--outcome-every", type=float, default=0.25, help="seconds between outcome messages")
    args = p.parse_args()

    fleet = small_fleet()
    units = [u for u in fleet.units if u.publisher == "ambulans"]
    pub = FeedPublisher("ambulans", seed=5)
    for u in units:
        pub.set_state(u.id, UnitStatus.AVAILABLE_OUT, u.lat, u.lon)
    print(f"ready {pub.updates_endpoint} {pub.snapshot_endpoint}", flush=True)
    start = next_beat = next_outcome = time.monotonic()
    sent = case_id = 0
    try:
        while not select.select([sys.stdin], [], [], 0)[0]:  # end of input (or any line): stop
            pub.serve_snapshots()
            now = time.monotonic()
            if now >= next_beat:
                next_beat = now + HEARTBEAT_S
                pub.heartbeat()
            if now >= next_outcome:
                next_outcome = now + args.outcome_every
                u = units[case_id % len(units)]
                pub.publish_outcome(u.id, 1000 + case_id, "treated_left_home")
                case_id += 1
            due = int((now - start) * args.rate)
            while sent < due:
                u = units[sent % len(units)]
                step = (sent // len(units)) % 20  # a walk of 111 m steps (over the record's 100 m): each one stored
                pub.publish_status(u.id, UnitStatus.AVAILABLE_OUT, u.lat + step * 1e-3, u.lon)
                sent += 1
            time.sleep(0.0005)
    finally:
        pub.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
