"""Recontact bench: triage complete (FinishCall, as the console runs it) with a full recontact window, indexed
lookup against the old scan, on SQLite and PostgreSQL.

    python bench/bench_recontact.py [--window-cases 10000] [--older-cases 20000] [--samples 300] [--no-pg]

"Triage complete" in the console is Ctrl+Enter: `commands.run(FinishCall(...))` stores the intake and the
triage, puts the case in väntrummet and checks for a recontact (outcomes.recontact.check_and_link) in one
transaction. Each backend is filled with --window-cases cases whose outcome in force is "left at home",
recorded within the last 70 h (inside the 72 h window), and --older-cases left-at-home cases recorded 4–60 days
ago, every one with its own number and address. Each sample creates a case (not timed) and times FinishCall;
every 10th call is a recontact of a random case in the window (the number written "+46 …", the address in
other case and punctuation, forms both lookups recognise), the others match nobody.

"before" is the previous lookup, copied below (`scan_find_recontact`: every left-at-home case of the window,
newest first, number and address compared in Python); "after" is the product's indexed query. Both are
measured in the same run, samples interleaved in shuffled order across backends and variants (the "before"
samples swap the lookup in for the duration of one command); "none" is the floor, FinishCall with the lookup
swapped out (it finds nothing), to show what the rest of the command costs on this machine at this moment.
Prints p50/p95/p99/max per backend and variant, the statements per command, the ratios after/before and
after/none, and the goal (p95 ≤ 20 ms). Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_fault_kill import pg_temp_database  # noqa: E402
from command_workload import actors, intake, triage  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

import outcomes.recontact as recontact  # noqa: E402
from commands import CreateCase, FinishCall, run  # noqa: E402
from outcomes.codes import LEFT_AT_HOME_CODES, OutcomeCode  # noqa: E402
from records.actor import Actor  # noqa: E402
from records.audit import audit, now  # noqa: E402
from records.db import make_engine, migrate, session_factory  # noqa: E402
from records.models import Case, Outcome  # noqa: E402
from records.recontact_keys import address_key, phone_key  # noqa: E402

GOAL_P95_MS = 20.0
VARIANTS = ("before", "after", "none")
TOWNS = ("Ystad", "Lund", "Malmö", "Helsingborg", "Trelleborg", "Kristianstad", "Hässleholm", "Eslöv")
STREETS = ("Storgatan", "Lindvägen", "Kyrkogatan", "Östra vägen", "Järnvägsgatan", "Kungsgatan", "Smedjegränd")


# --- before: the previous implementation (outcomes/recontact.py before migration 0007), kept callable ----------
def _old_normalise_address(address: str) -> str:
    return re.sub(r"[\s,.]+", " ", (address or "").casefold()).strip()


def _old_normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("46"):
        digits = "0" + digits[2:]
    return digits


def scan_find_recontact(session: Session, *, personnummer: str | None = None, callback_phone: str | None = None,
                        address: str | None = None, at: datetime | None = None, window: timedelta | None = None,
                        exclude_case_id: int | None = None,
                        actor: Actor | None = None) -> recontact.RecontactMatch | None:
    at = at or now()
    window = window or recontact.recontact_window()
    pnr = recontact._pnr(personnummer)
    phone, addr = _old_normalise_phone(callback_phone or ""), _old_normalise_address(address or "")
    if pnr is None and not (phone and addr):
        return None
    stmt = (select(Case, Outcome).join(Outcome, Outcome.case_id == Case.id)
            .where(Outcome.superseded_by.is_(None), Outcome.code.in_([c.value for c in LEFT_AT_HOME_CODES]),
                   Outcome.recorded_at >= at - window, Outcome.recorded_at <= at)
            .order_by(Outcome.recorded_at.desc(), Outcome.id.desc()))
    if exclude_case_id is not None:
        stmt = stmt.where(Case.id != exclude_case_id)
    if pnr is not None:
        stmt = stmt.where(Case.personnummer == pnr)
        matched_by = "personnummer"
    else:
        matched_by = "phone_address"
    for case, outcome in session.execute(stmt.execution_options(yield_per=32)):
        if matched_by == "phone_address" and (_old_normalise_phone(case.callback_phone) != phone
                                              or _old_normalise_address(case.address) != addr):
            continue
        code = OutcomeCode(outcome.code)
        if actor is not None:
            audit(session, actor, "case.read", case.id, via="recontact", matched_by=matched_by,
                  for_case_id=exclude_case_id, patient=case.personnummer)
        return recontact.RecontactMatch(
            case_id=case.id, outcome_code=code, outcome_label=code.label, left_at_home_at=outcome.recorded_at,
            hours_since=round((at - outcome.recorded_at).total_seconds() / 3600, 1), priority=case.priority,
            complaint=case.complaint, endpoint_code=case.endpoint_code, matched_by=matched_by, note=outcome.note,
            complaint_name=recontact.complaint_name(case.complaint, case.ruleset_version))
    return None


def no_lookup(session: Session, **_kw: Any) -> None:
    """The floor: FinishCall with no recontact lookup at all (what the rest of the command costs)."""


INDEXED = recontact.find_recontact
LOOKUP = {"before": scan_find_recontact, "after": INDEXED, "none": no_lookup}


# --- the bench -------------------------------------------------------------------------------------------------
def phone_of(n: int) -> str:
    return f"070-{n // 10000 % 1000:03d} {n // 100 % 100:02d} {n % 100:02d}" if n < 10_000_000 else f"073{n}"


def address_of(n: int) -> str:
    return f"{STREETS[n % len(STREETS)]} {n // len(STREETS) + 1}, {TOWNS[n % len(TOWNS)]}"


class Backend:
    def __init__(self, label: str, engine: Any):
        self.label, self.engine = label, engine
        migrate(engine)
        self.db: sessionmaker[Session] = session_factory(engine)
        self.who = actors(self.db, console=f"bench-recontact-{label}")
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, list[int]] = defaultdict(list)
        self.hits: dict[str, int] = defaultdict(int)
        self.window_numbers: list[int] = []
        self._count = 0

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args: Any) -> None:
            self._count += 1

    def fill(self, window_cases: int, older_cases: int, rng: random.Random) -> float:
        """Left-at-home cases in the window and older ones, each with its own number and address; seconds."""
        t0, at = time.perf_counter(), now()
        user = self.who["nurse"].user_id
        plan = [(n, at - timedelta(hours=rng.uniform(0.05, 70))) for n in range(window_cases)]
        plan += [(n, at - timedelta(days=rng.uniform(4, 60))) for n in range(window_cases, window_cases + older_cases)]
        self.window_numbers = list(range(window_cases))
        codes = [c.value for c in LEFT_AT_HOME_CODES]
        with self.db() as s, s.begin():
            for chunk in range(0, len(plan), 2000):
                part = plan[chunk:chunk + 2000]
                rows = [{"status": "closed", "created_at": when - timedelta(minutes=40), "created_by": user,
                         "updated_at": when, "caller_name": f"bench:fill-{n}", "callback_phone": phone_of(n),
                         "address": address_of(n), "kommun": "Malmö", "patient_name": "Bench Benchsson",
                         "priority": "3", "complaint": "YRSEL", "endpoint_code": "YRSEL.3.01",
                         "ruleset_version": "bench-1", "flags": [], "closed_at": when, "row_version": 1,
                         "phone_key": phone_key(phone_of(n)), "address_key": address_key(address_of(n))}
                        for n, when in part]
                ids = s.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), rows).all()
                s.execute(insert(Outcome), [{"case_id": cid, "code": codes[n % len(codes)], "source": "feed",
                                             "recorded_at": when, "note": None, "superseded_by": None}
                                            for cid, (n, when) in zip(ids, part, strict=True)])
        if self.engine.dialect.name == "postgresql":  # what autovacuum does shortly after a load like this
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE cases; ANALYZE outcomes"))
        return time.perf_counter() - t0

    def plan(self) -> str:
        """The database's plan of the indexed lookup (one line), to show it is an index probe."""
        at = now()
        stmt = (select(Case.id, Outcome.id).join(Outcome, Outcome.case_id == Case.id)
                .where(Outcome.superseded_by.is_(None), Outcome.code.in_([c.value for c in LEFT_AT_HOME_CODES]),
                       Outcome.recorded_at >= at - timedelta(hours=72), Outcome.recorded_at <= at,
                       Case.phone_key == "0701234567", Case.address_key == "storg 1 ystad")
                .order_by(Outcome.recorded_at.desc(), Outcome.id.desc()).limit(1))
        sql = str(stmt.compile(self.engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if self.engine.dialect.name == "sqlite" else "EXPLAIN "
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(explain + sql).all()
        return " | ".join(str(r[-1]).strip() for r in rows)

    def lookup(self, variant: str, k: int, rng: random.Random) -> None:
        """The bare lookup (no command around it), in a read-only session: the same calls as sample()."""
        if k % 10 == 0:
            n = rng.choice(self.window_numbers)
            phone, address = "+46 " + re.sub(r"\D", "", phone_of(n))[1:], address_of(n).upper()
        else:
            phone, address = f"+46 76{rng.randrange(10**7):07d}", f"Bänkvägen {rng.randrange(1, 500)}, Lund"
        with self.db() as s:
            t0 = time.perf_counter()
            LOOKUP[variant](s, callback_phone=phone, address=address)
            self.samples["lookup " + variant].append((time.perf_counter() - t0) * 1000)

    def sample(self, variant: str, k: int, rng: random.Random) -> None:
        marker = f"rc-{self.label}-{variant}-{k}"
        hit = k % 10 == 0
        if hit:
            n = rng.choice(self.window_numbers)
            digits = re.sub(r"\D", "", phone_of(n))
            phone, address = "+46 " + digits[1:], address_of(n).upper().replace(",", " ")
        else:
            phone, address = f"+46 76{rng.randrange(10**7):07d}", f"Bänkvägen {rng.randrange(1, 500)}, Lund"
        case_intake = intake(marker).model_copy(update={"callback_phone": phone, "address": address})
        case_id = run(self.db, self.who["nurse"], CreateCase(intake=case_intake)).case_id  # type: ignore[attr-defined]
        cmd = FinishCall(case_id=case_id, intake=case_intake, triage=triage())
        recontact.find_recontact = LOOKUP[variant]  # type: ignore[assignment]
        try:
            before, t0 = self._count, time.perf_counter()
            result = run(self.db, self.who["nurse"], cmd)
            self.samples[variant].append((time.perf_counter() - t0) * 1000)
            self.statements[variant].append(self._count - before)
        finally:
            recontact.find_recontact = INDEXED
        self.hits[variant] += result.recontact_of is not None  # type: ignore[attr-defined]


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--window-cases", type=int, default=10_000, help="left-at-home cases in the 72 h window")
    p.add_argument("--older-cases", type=int, default=20_000, help="left-at-home cases recorded 4–60 days ago")
    p.add_argument("--samples", type=int, default=300, help="timed FinishCall per backend and variant")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--dir", type=Path, default=None, help="where the SQLite file goes")
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    drop: Any = lambda: None  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="larm-recontact-", dir=args.dir) as tmp:
        backends = [Backend("SQLite", make_engine(f"sqlite:///{Path(tmp) / 'recontact.sqlite3'}"))]
        pg_note = "skipped (--no-pg)"
        if not args.no_pg:
            url, reason, drop = pg_temp_database()
            if url is None:
                pg_note = f"skipped — {reason}"
            else:
                backends.append(Backend("PostgreSQL", make_engine(url)))
                pg_note = "a fresh temp database"
        try:
            print(f"PostgreSQL: {pg_note}. Filling: {args.window_cases} left-at-home cases in the window, "
                  f"{args.older_cases} older ones")
            for b in backends:
                print(f"  {b.label}: filled in {b.fill(args.window_cases, args.older_cases, rng):.1f} s; "
                      f"plan of the indexed lookup: {b.plan()}")
            jobs = [(b, v) for b in backends for v in VARIANTS]
            for k in range(args.warmup):
                for b, v in jobs:
                    b.sample(v, -1 - k, rng)
            for b in backends:
                b.samples.clear(), b.statements.clear(), b.hits.clear()
            t0 = time.perf_counter()
            for k in range(args.samples):
                rng.shuffle(jobs)
                for b, v in jobs:
                    b.sample(v, k, rng)
            for k in range(args.samples):
                rng.shuffle(jobs)
                for b, v in jobs:
                    if v != "none":
                        b.lookup(v, k, rng)
            print(f"{args.samples} FinishCall per backend and variant (every 10th a recontact), interleaved in "
                  f"shuffled order; ran in {time.perf_counter() - t0:.0f} s\n")
            head = (f"{'backend':<11} {'lookup':<7} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
                    f"{'stmts':>5} {'hits':>4}  goal p95≤{GOAL_P95_MS:g}")
            print(head)
            print("-" * len(head))
            for b in backends:
                for v in VARIANTS:
                    xs = b.samples[v]
                    print(f"{b.label:<11} {v:<7} {len(xs):4d} {statistics.median(xs):8.2f} {pct(xs, 95):8.2f} "
                          f"{pct(xs, 99):8.2f} {max(xs):8.2f} {statistics.median(b.statements[v]):5.0f} "
                          f"{b.hits[v]:4d}  {'ok' if pct(xs, 95) <= GOAL_P95_MS else 'OVER'}")
            print(f"\nThe bare lookup (find_recontact alone, {args.samples} calls each, same inputs):")
            for b in backends:
                for v in ("before", "after"):
                    xs = b.samples["lookup " + v]
                    print(f"  {b.label:<11} {v:<7} p50 {statistics.median(xs):8.3f} ms   p95 {pct(xs, 95):8.3f} ms   "
                          f"p99 {pct(xs, 99):8.3f} ms")
                a, o = b.samples["lookup after"], b.samples["lookup before"]
                print(f"  {b.label:<11} after/before p50 ×{statistics.median(a) / statistics.median(o):.4f}   "
                      f"p95 ×{pct(a, 95) / pct(o, 95):.4f}")
            for base in ("before", "none"):
                print(f"\nafter / {base} (same run):")
                for b in backends:
                    a, o = b.samples["after"], b.samples[base]
                    print(f"  {b.label:<11} p50 ×{statistics.median(a) / statistics.median(o):.3f}   "
                          f"p95 ×{pct(a, 95) / pct(o, 95):.3f}   p99 ×{pct(a, 99) / pct(o, 99):.3f}")
        finally:
            for b in backends:
                b.engine.dispose()
            drop()


if __name__ == "__main__":
    main()
