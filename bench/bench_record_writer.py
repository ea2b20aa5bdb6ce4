"""The feed record's SQLite write of one batch, idle and beside a busy receiver thread.

    .venv/bin/python bench/bench_record_writer.py [--batches 15] [--rows 2000]

Times `record_store.build` + `record_store.write` of a batch of status updates (what the record writer does per
flush) into a migrated SQLite file, alternating in the same run with the baseline: the same rows through
SQLAlchemy's INSERT .. ON CONFLICT DO NOTHING RETURNING executemany (the path before issue 15's change). Each
is timed idle and with a second thread running Python without pause, as the feed's receiving thread does in a
flood: sqlite3 lets go of the GIL around every statement it steps, and gets it back only after the other
thread's switch interval (5 ms). Prints median and p95 per batch and the ratio baseline/shipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.dialects import sqlite  # noqa: E402

from dispatch.feed import record_store  # noqa: E402
from dispatch.feed.record_items import StatusItem  # noqa: E402
from records.db import open_database, transaction  # noqa: E402
from resources.vocabulary import UnitStatus  # noqa: E402


class Items:
    def __init__(self) -> None:
        self.seq = 0

    def batch(self, n: int) -> list[StatusItem]:
        out = []
        for i in range(n):
            self.seq += 1
            t = time.time()
            out.append(StatusItem("ambulans", "e1", self.seq, f"AMB{i % 500:03d}", UnitStatus.EN_ROUTE,
                                  55.6 + i * 1e-5, 13.0, None, t, t, None, b"{}"))
        return out


def shipped(factory, items: list[StatusItem]) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    record_store.write(factory, [record_store.build(i, now) for i in items], {}, now)


def baseline(factory, items: list[StatusItem]) -> None:  # type: ignore[no-untyped-def]
    rows = [{"unit_id": i.unit_id, "status": i.status.value, "lat": i.lat, "lon": i.lon, "case_id": i.case_id,
             "publisher": i.publisher, "epoch": i.epoch, "seq": i.seq, "flag": i.flag,
             "event_time": datetime.fromtimestamp(i.ts, UTC), "received_at": datetime.fromtimestamp(i.received, UTC)}
            for i in items]
    table = record_store.STATUS_EVENTS
    stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["publisher", "epoch", "seq"],
                                                       index_where=table.c.epoch.is_not(None))
    with transaction(factory) as s:
        Counter(p for (p,) in s.execute(stmt.returning(table.c.publisher), rows))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=15)
    ap.add_argument("--rows", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _, factory = open_database(f"sqlite:///{tmp}/bench.sqlite3")
        items = Items()
        times: dict[tuple[str, bool], list[float]] = {}
        stop = threading.Event()

        def busy() -> None:
            x = 0
            while not stop.is_set():
                x += 1

        for busy_now in (False, True):
            spinner = threading.Thread(target=busy, daemon=True) if busy_now else None
            if spinner:
                stop.clear()
                spinner.start()
            for _ in range(args.batches):
                for name, path in (("shipped", shipped), ("baseline", baseline)):
                    batch = items.batch(args.rows)
                    t = time.perf_counter()
                    path(factory, batch)
                    times.setdefault((name, busy_now), []).append((time.perf_counter() - t) * 1000)
            if spinner:
                stop.set()
                spinner.join()
    print(f"Flödesregistrets skrivning till SQLite: {args.batches} satser à {args.rows} statushändelser per väg och läge")
    for busy_now in (False, True):
        label = "bredvid en upptagen mottagartråd" if busy_now else "ledig process"
        fig = {}
        for name in ("shipped", "baseline"):
            xs = sorted(times[(name, busy_now)])
            fig[name] = statistics.median(xs)
            print(f"  {label}, {name}: median {statistics.median(xs):.1f} ms, p95 {xs[int(0.95 * (len(xs) - 1))]:.1f} ms"
                  f" per sats ({args.rows / statistics.median(xs) * 1000:,.0f} rader/s)")
        print(f"  {label}: kvot baseline/shipped (median) {fig['baseline'] / fig['shipped']:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
