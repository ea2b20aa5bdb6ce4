"""Address register import bench: `addresses import` of the demo's generated register, SQLite and PostgreSQL.

    python bench/bench_address_import.py [--count 500000] [--seed 2026] [--no-pg]

The demo's fictitious register (resources.location.demo_register) is written as an import file in the documented
format (docs/address-register.md; points in SWEREF 99 TM), then on each backend:

* baseline — the same rows, already parsed and converted, inserted by the driver's plain executemany in one
  transaction (no reading, no checks, no conversion): what storing them costs at the least effort;
* import — what `addresses import FILE --places P` does: read and check every row, convert to WGS84, then replace
  the register in one transaction (records.address_register.replace_register: SQLite executemany in batches,
  PostgreSQL COPY) with its audit row;
* load — the console's read of the whole register at start (records.address_register.load_register).

Prints seconds, rows/s and the import's ratio to the baseline. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_fault_kill import pg_temp_database  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from records.actor import Actor  # noqa: E402
from records.address_file import read_address_file, read_place_file, write_address_file, write_place_file  # noqa: E402
from records.address_register import RegisterAddress, load_register, register_rows, replace_register  # noqa: E402
from records.db import make_engine, migrate, session_factory, transaction  # noqa: E402
from records.identity import provision_and_sign_in  # noqa: E402
from resources.location.demo_register import generate_demo_register  # noqa: E402
from resources.vocabulary import Role  # noqa: E402


def baseline(factory: sessionmaker[Session], rows: list[RegisterAddress]) -> float:
    """Seconds for the driver's executemany of `rows` into an emptied `addresses`, one transaction."""
    columns = ", ".join(RegisterAddress._fields)
    with transaction(factory, bound=None) as s:
        conn = s.connection()
        conn.exec_driver_sql("DELETE FROM addresses")
        marker = "?" if conn.dialect.name == "sqlite" else "%s"
        sql = f"INSERT INTO addresses ({columns}) VALUES ({', '.join(marker for _ in RegisterAddress._fields)})"
        cursor = conn.connection.cursor()
        started = time.perf_counter()
        cursor.executemany(sql, rows)
        cursor.close()
    seconds = time.perf_counter() - started
    with transaction(factory, bound=None) as s:
        s.connection().exec_driver_sql("DELETE FROM addresses")
    return seconds


def run(url: str, label: str, files: tuple[Path, Path], rows: list[RegisterAddress]) -> None:
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        admin: Actor = provision_and_sign_in(s, "bench.admin", Role.ADMIN, console="bench")
    base = baseline(factory, rows)
    n = len(rows)
    print(f"{label}: baseline executemany {base:6.2f} s  {n / base:9,.0f} rows/s")
    for attempt in ("first", "replacing"):  # the second replaces the first: its delete is part of the work
        started = time.perf_counter()
        addresses = read_address_file(files[0])
        places = read_place_file(files[1])
        read_s = time.perf_counter() - started
        with transaction(factory, bound=None) as s:
            replace_register(s, admin, addresses, places, source=files[0].name, fictitious=True)
        total = time.perf_counter() - started
        print(f"{label}: import ({attempt}) {total:6.2f} s  {n / total:9,.0f} rows/s  = {total / base:4.1f} × "
              f"baseline  (read+check+convert {read_s:5.2f} s, store {total - read_s:5.2f} s = "
              f"{(total - read_s) / base:4.2f} × baseline)")
    started = time.perf_counter()
    with transaction(factory, bound=None) as s:
        register = load_register(s)
    assert register is not None and len(register.addresses) == n
    print(f"{label}: load_register {time.perf_counter() - started:6.2f} s  ({len(register.addresses):,} addresses, "
          f"{len(register.places):,} place names)")
    engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=500_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--no-pg", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        generated, generated_places = generate_demo_register(count=args.count, seed=args.seed)
        rows, places = register_rows(generated, generated_places)
        files = (Path(tmp) / "adresser.csv", Path(tmp) / "orter.csv")
        write_address_file(files[0], rows)
        write_place_file(files[1], places)
        print(f"Demo register: {len(rows):,} addresses, {len(places):,} place names generated and written in "
              f"{time.perf_counter() - started:.1f} s ({files[0].stat().st_size / 1e6:.0f} MB)")
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", files, rows)
        if args.no_pg:
            return
        url, reason, drop = pg_temp_database()
        if url is None:
            print(f"PostgreSQL: skipped ({reason})")
            return
        try:
            run(url, "PostgreSQL", files, rows)
        finally:
            drop()


if __name__ == "__main__":
    main()
