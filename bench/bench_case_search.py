"""Case search bench: `records.case_search.search_cases` (Ctrl+F, `cases search`) on 100 000 cases, SQLite and
PostgreSQL.

    python bench/bench_case_search.py [--cases 100000] [--samples 50] [--no-pg]

Each backend is filled with --cases cases (bulk insert: their own number, phone and address; every 50th a
personnummer from the test series), then the query kinds are timed --samples rounds, one of each kind per round, each in a transaction as the
console runs it (search, audit row, commit): an ärende number, a personnummer written without century, a phone
written "+46 …", a common street (many hits: the newest 50 shown), a rare address (one hit: the whole table is
read) and an address nobody has (the worst case). Prints p50/p95/max in ms per backend and kind, and each kind's median as a ratio of the
ärende number's (the baseline: a primary-key read with the same audit row and commit). Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_fault_kill import pg_temp_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from records.case_search import search_cases  # noqa: E402
from records.db import make_engine, migrate, session_factory, transaction  # noqa: E402
from records.identity import provision_and_sign_in  # noqa: E402
from records.models import Case  # noqa: E402
from records.personnummer import with_check_digit  # noqa: E402
from records.recontact_keys import address_key, phone_key  # noqa: E402
from resources.vocabulary import Role  # noqa: E402

STREETS = ("Storgatan", "Lindvägen", "Kyrkogatan", "Östra vägen", "Järnvägsgatan", "Kungsgatan", "Smedjegränd")
TOWNS = ("Ystad", "Lund", "Malmö", "Helsingborg", "Trelleborg", "Kristianstad")


def _pnr(i: int) -> str:
    """A test-series personnummer of its own for every 50th case (a birth date 3 days after the previous one)."""
    born = date(1930, 1, 1) + timedelta(days=3 * (i // 50))
    nine = f"{born:%y%m%d}98{i % 10}"
    return f"{born.year // 100}{nine[:6]}-{nine[6:]}{with_check_digit(nine)}"


def fill(factory: sessionmaker[Session], n: int) -> int:
    """n cases; returns the creating user's id."""
    with transaction(factory, bound=None) as s:
        actor = provision_and_sign_in(s, "bench.ssk", Role.NURSE, console="bench")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        phone = f"07{i:08d}"
        address = f"{STREETS[i % len(STREETS)]} {i % 90 + 1}, {TOWNS[i % len(TOWNS)]}"
        if i == n // 3:
            address = "Ödemarksstigen 7, Veberöd"  # the rare one
        at = start + timedelta(minutes=i)
        rows.append({"status": "closed", "created_at": at, "updated_at": at, "created_by": actor.user_id,
                     "caller_name": "", "callback_phone": phone, "address": address, "kommun": "Lund",
                     "patient_name": f"Patient {i}", "personnummer": _pnr(i) if i % 50 == 0 else None,
                     "flags": [], "row_version": 1, "phone_key": phone_key(phone), "address_key": address_key(address)})
        if len(rows) == 5000:
            with transaction(factory, bound=None) as s:
                s.execute(insert(Case), rows)
            rows = []
    if rows:
        with transaction(factory, bound=None) as s:
            s.execute(insert(Case), rows)
    return actor.user_id


def bench(label: str, factory: sessionmaker[Session], n: int, samples: int) -> None:
    t0 = time.perf_counter()
    fill(factory, n)
    print(f"{label}: {n} cases in {time.perf_counter() - t0:.1f} s")
    with transaction(factory) as s:
        actor = provision_and_sign_in(s, "bench.usk", Role.DISPATCHER, console="bench")
    rnd = random.Random(7)
    kinds = {
        "ärendenummer": lambda: str(rnd.randrange(1, n)),
        "personnummer": lambda: _pnr(rnd.randrange(0, n, 50))[2:].replace("-", ""),
        "telefon": lambda: f"+46 7{rnd.randrange(n):08d}",
        "gata (många)": lambda: "Storgatan",
        "adress (en)": lambda: "Ödemarksstigen 7",
        "adress (ingen)": lambda: "Finnsintegatan 99",
    }
    # Round-robin over the kinds, so a noisy moment of this shared machine falls on every kind alike; the ärende
    # number (a primary-key read, the audit row, the commit) is the baseline the others are quoted against.
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    hits = dict.fromkeys(kinds, 0)
    for _ in range(samples):
        for kind, make in kinds.items():
            q = make()
            t = time.perf_counter()
            with transaction(factory) as s:
                hits[kind] += len(search_cases(s, actor, q).hits)
            times[kind].append((time.perf_counter() - t) * 1000)
    base = statistics.median(times["ärendenummer"])
    for kind, ts in times.items():
        ts.sort()
        p95 = ts[min(len(ts) - 1, int(len(ts) * 0.95))]
        print(f"  {kind:15s} p50 {statistics.median(ts):6.1f} ms  p95 {p95:6.1f} ms  max {ts[-1]:6.1f} ms"
              f"  ({statistics.median(ts) / base:4.1f}× ärendenumret; hits/query {hits[kind] / samples:.1f})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--samples", type=int, default=50)
    p.add_argument("--no-pg", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        migrate(engine)
        bench("SQLite", session_factory(engine), args.cases, args.samples)
        engine.dispose()
    if args.no_pg:
        return
    url, reason, drop = pg_temp_database()
    if url is None:
        print(f"PostgreSQL: skipped ({reason})")
        return
    try:
        engine = make_engine(url)
        migrate(engine)
        bench("PostgreSQL", session_factory(engine), args.cases, args.samples)
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
