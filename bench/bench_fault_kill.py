"""Fault benchmark: SIGKILL a writer at random moments and check nothing acknowledged is lost or half-written.

    python bench/bench_fault_kill.py [--sqlite-kills 1000] [--pg-kills 200] [--max-delay-ms 300] [--spawn]

The writer (bench/fault_writer.py) builds whole case lifecycles through the command layer — CreateCase,
SaveDraft, SendToWaitingRoom or FinishCall (or a referral that closes the call), AssignUnit, RecallUnit and a
second AssignUnit, RecordOutcome, RecordFollowUp — and after each command returned appends an ack (what must
now be true) to an ack file with fsync. Each kill: a writer starts on the *same* database (state accumulates;
it first closes cases an earlier run left with a unit), says it is running, and is killed with SIGKILL at a
uniformly random moment 0–300 ms later. By default the writer is forked from this already-imported process
(a fresh interpreter per kill would spend ~1 s importing for every 0.15 s of writing); `--spawn` starts
`python bench/fault_writer.py` per kill instead.

After the kills, per backend:
  * lost facts: acknowledged facts absent from the database;
  * half-written cases: invariants of the schema (records/models.py) and the case state machine
    (records/case_state.py) broken — see `half_written`;
  * replays: the last unacknowledged command of every writer run is run again with its id (a console's retry)
    twice, and duplicates (the same fact written twice) are counted after;
  * `audit verify` (records.audit_verify) over the whole database.
SQLite uses a temp file; PostgreSQL a fresh temp database on LARMCENTRAL_TEST_PG_URL (created and dropped
here), skipped with the reason when unreachable. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select as selectmod
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fault_writer  # noqa: E402
from command_workload import MARK_PREFIX, actors  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import commands  # noqa: E402
from records.audit_verify import verify_database  # noqa: E402
from records.case_state import CaseStatus  # noqa: E402
from records.db import make_engine, migrate, session_factory  # noqa: E402
from records.models import (  # noqa: E402
    Assignment,
    AuditEntry,
    CallDraft,
    Case,
    ChangeEvent,
    CommandLog,
    FollowUp,
    Outcome,
    Recommendation,
    TriageAnswer,
    TriageResult,
    UnitStatusEvent,
)

WRITER = Path(__file__).resolve().parent / "fault_writer.py"


# --- killing -----------------------------------------------------------------------------------------------

def kill_loop(url: str, ack_path: str, kills: int, max_delay: float, spawn: bool, rng: random.Random) -> dict[str, Any]:
    died_early, waits, t0 = 0, [], time.perf_counter()
    for k in range(kills):
        seed = rng.randrange(1 << 30)
        if spawn:
            proc = subprocess.Popen([sys.executable, str(WRITER), url, ack_path, "--run", str(k), "--seed", str(seed)],
                                    stdout=subprocess.PIPE, text=True)
            line = proc.stdout.readline() if proc.stdout else ""
            pid = proc.pid
            ready = line.strip() == "READY"
        else:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the writer
                os.close(r)
                code = 0
                try:
                    fault_writer.write_forever(url, ack_path, k, seed, ready=lambda fd=w: os.write(fd, b"R"))
                except BaseException:  # noqa: BLE001 - reported by the exit code
                    traceback.print_exc()
                    code = 3
                os._exit(code)
            os.close(w)
            ready_now, _, _ = selectmod.select([r], [], [], 30)
            ready = bool(ready_now) and os.read(r, 1) == b"R"
            os.close(r)
        delay = rng.uniform(0, max_delay)
        waits.append(delay)
        time.sleep(delay)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            died_early += 1
            print(f"  writer run {k} ended by itself (status {status}, ready={ready})", file=sys.stderr)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if spawn and proc.stdout:
            proc.stdout.close()
        if (k + 1) % max(1, kills // 10) == 0:
            print(f"  … {k + 1}/{kills} kills, {time.perf_counter() - t0:.0f} s", flush=True)
    return {"kills": kills - died_early, "died_early": died_early, "seconds": time.perf_counter() - t0}


def warm_up(work: Path) -> None:
    """A few lifecycles in this process on a scratch file, so forked writers start warm (mappers configured,
    pydantic schemas built) like a console that has been running."""
    url = f"sqlite:///{work / 'warm-up.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    fault_writer.write_forever(url, str(work / "warm-up.jsonl"), 0, 0, limit=3)


# --- reading the ack file ------------------------------------------------------------------------------------

def read_acks(ack_path: str) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]], list[dict[str, Any]], int]:
    """(acks, last unacknowledged intent per run, errors, torn lines)."""
    acks, errors, torn = [], [], 0
    intents: dict[tuple[int, int], dict[str, Any]] = {}
    acked: set[tuple[int, int]] = set()
    last_seq: dict[int, int] = {}
    with open(ack_path, encoding="utf-8") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError:
                torn += 1
                continue
            key = (rec["run"], rec["seq"])
            if rec["t"] == "intent":
                intents[key] = rec
                last_seq[rec["run"]] = max(last_seq.get(rec["run"], 0), rec["seq"])
            elif rec["t"] == "ack":
                acks.append(rec)
                acked.add(key)
            else:
                errors.append(rec)
    pending = {run: intents[(run, seq)] for run, seq in last_seq.items() if (run, seq) not in acked}
    return acks, pending, errors, torn


# --- what the database holds ---------------------------------------------------------------------------------

class Db:
    """Every row the checks need, read once."""

    def __init__(self, factory: Any):
        with factory() as s:
            self.cases = {c.id: c for c in s.scalars(select(Case))}
            self.assignments = {a.id: a for a in s.scalars(select(Assignment))}
            self.recs = list(s.scalars(select(Recommendation)))
            self.rec_ids = {r.id for r in self.recs}
            self.triage = {t.id: t for t in s.scalars(select(TriageResult))}
            self.answers = Counter(s.scalars(select(TriageAnswer.case_id)))
            self.outcomes = {o.id: o for o in s.scalars(select(Outcome))}
            self.followups = {f.id: f for f in s.scalars(select(FollowUp))}
            self.drafts = {d.id: d for d in s.scalars(select(CallDraft))}
            self.log = {c.command_id: c for c in s.scalars(select(CommandLog))}
            self.finished_cases = {r.case_id for r in self.log.values() if r.name == "call.finish"}
            self.events = Counter(s.scalars(select(ChangeEvent.command_id)))
            self.unit_events = {(u.unit_id, u.case_id, u.event_time, u.status) for u in s.scalars(
                select(UnitStatusEvent))}
            self.audit = list(s.execute(select(AuditEntry.action, AuditEntry.case_id, AuditEntry.detail)
                                          .order_by(AuditEntry.id)))  # chain order, not heap order
        self.audit_by: dict[str, list[tuple[int | None, dict[str, Any]]]] = defaultdict(list)
        self.audit_index: dict[tuple[str, int | None], list[dict[str, Any]]] = defaultdict(list)
        self.last_status_audit: dict[int, str] = {}
        for action, case_id, detail in self.audit:
            self.audit_by[action].append((case_id, detail))
            self.audit_index[(action, case_id)].append(detail)
            if action == "case.status" and case_id is not None:
                self.last_status_audit[case_id] = detail.get("new")

    def audited(self, action: str, case_id: int, **detail: Any) -> bool:
        return any(all(d.get(k) == v for k, v in detail.items()) for d in self.audit_index.get((action, case_id), ()))


def check_facts(db: Db, ack: dict[str, Any]) -> list[str]:
    """The acknowledged facts missing from the database ([] when all are there)."""
    f, missing = ack["facts"], []
    row = db.log.get(ack["command_id"])
    if row is None:
        missing.append("command_log row")
    if db.events[ack["command_id"]] < 1:
        missing.append("change event")
    case = db.cases.get(f.get("case")) if f.get("case") is not None else None
    if "case" in f and case is None:
        missing.append(f"case {f['case']}")
    if "marker" in f and (case is None or case.caller_name != f["marker"]):
        missing.append("case intake (marker)")
    if "draft" in f and f["draft"] not in db.drafts and f["case"] not in db.finished_cases:
        missing.append(f"draft {f['draft']}")
    if "triage_result" in f and db.triage.get(f["triage_result"]) is None:
        missing.append(f"triage result {f['triage_result']}")
    if f.get("left_call") and case is not None and case.status in ("draft", "triaged"):
        missing.append(f"case {case.id} left the call (is {case.status})")
    gone = db.drafts.get(f.get("draft_gone"))  # type: ignore[arg-type]
    if gone is not None and gone.case_id == f["case"]:  # (SQLite reuses a deleted draft's id)
        missing.append(f"draft {f['draft_gone']} discarded")
    if f.get("closed") and (case is None or case.status != "closed"):
        missing.append("case closed")
    if "assignment" in f:
        a = db.assignments.get(f["assignment"])
        if a is None or a.unit_id != f["unit"] or a.case_id != f["case"]:
            missing.append(f"assignment {f['assignment']}")
    if "recommendation" in f and f["recommendation"] not in db.rec_ids:
        missing.append(f"recommendation {f['recommendation']}")
    if "assignment_ended" in f:
        a = db.assignments.get(f["assignment_ended"])
        if a is None or a.active:
            missing.append(f"assignment {f['assignment_ended']} ended")
    if "outcome" in f and db.outcomes.get(f["outcome"]) is None:
        missing.append(f"outcome {f['outcome']}")
    if "followup_done" in f:
        fu = db.followups.get(f["followup_done"])
        if fu is None or fu.status != "done":
            missing.append(f"follow-up {f['followup_done']} done")
    return missing


def half_written(db: Db) -> dict[int | str, list[str]]:
    """Broken invariants, by case id (or command id). Derived from records/models.py and records/case_state.py
    for this workload (one part per case, no reopening, no corrections)."""
    bad: dict[int | str, list[str]] = defaultdict(list)
    active_by_case: dict[int, list[Assignment]] = defaultdict(list)
    active_units: Counter[str] = Counter()
    rec_keys = {(r.case_id, r.created_at) for r in db.recs}
    for a in db.assignments.values():
        if a.active:
            active_by_case[a.case_id].append(a)
            active_units[a.unit_id] += 1
        elif a.ended_at is None or not a.ended_reason:
            bad[a.case_id].append(f"assignment {a.id} inactive without ended_at/reason")
        if (a.case_id, a.assigned_at) not in rec_keys:
            bad[a.case_id].append(f"assignment {a.id} without the recommendation shown")
        if (a.unit_id, a.case_id, a.assigned_at, "larmad") not in db.unit_events:
            bad[a.case_id].append(f"assignment {a.id} without the unit's larmad status event")
        if not db.audited("dispatch.assign", a.case_id, unit_id=a.unit_id):
            bad[a.case_id].append(f"assignment {a.id} without its audit row")
    for unit, n in active_units.items():
        if n > 1:
            bad[f"unit {unit}"].append(f"{n} active assignments")
    triaged = Counter(t.case_id for t in db.triage.values())
    current_outcomes = Counter(o.case_id for o in db.outcomes.values() if o.superseded_by is None)
    for t in db.triage.values():
        if not db.audited("triage.complete", t.case_id, result_id=t.id):
            bad[t.case_id].append(f"triage result {t.id} without its audit row")
    for o in db.outcomes.values():
        if not db.audited("outcome.record", o.case_id, outcome_id=o.id):
            bad[o.case_id].append(f"outcome {o.id} without its audit row")
    for fu in db.followups.values():
        if fu.status == "done" and (fu.result is None or fu.done_at is None):
            bad[fu.case_id].append(f"follow-up {fu.id} done without result")
        if not db.audited("followup.create", fu.case_id, followup_id=fu.id):
            bad[fu.case_id].append(f"follow-up {fu.id} without its audit row")
    create_logged = {r.result.get("case_id") for r in db.log.values() if r.name == "case.create"}
    for c in db.cases.values():
        if c.status not in set(CaseStatus):
            bad[c.id].append(f"unknown status {c.status}")
            continue
        status = CaseStatus(c.status)
        active = active_by_case.get(c.id, [])
        if status is CaseStatus.ASSIGNED and not active:
            bad[c.id].append("assigned without an active assignment")
        if active and status is not CaseStatus.ASSIGNED:
            bad[c.id].append(f"{status.value} with {len(active)} active assignment(s)")
        if len({a.part for a in active}) != len(active):
            bad[c.id].append("two active assignments on one part")
        if status is not CaseStatus.DRAFT:
            if not triaged[c.id] or c.priority is None or c.endpoint_code is None:
                bad[c.id].append(f"{status.value} without a triage result on the case")
            if db.last_status_audit.get(c.id) != status.value:
                bad[c.id].append(f"status {status.value} but last audited status {db.last_status_audit.get(c.id)}")
        if triaged[c.id] and db.answers[c.id] < triaged[c.id]:
            bad[c.id].append("triage result without its answers")
        if status in (CaseStatus.WAITING, CaseStatus.ASSIGNED) and c.waiting_since is None:
            bad[c.id].append(f"{status.value} without waiting_since")
        if status is CaseStatus.CLOSED and (c.closed_at is None or current_outcomes[c.id] != 1):
            bad[c.id].append(f"closed with {current_outcomes[c.id]} outcomes in force / closed_at {c.closed_at}")
        if current_outcomes[c.id] and status is not CaseStatus.CLOSED:
            bad[c.id].append(f"outcome recorded but case {status.value}")
        if not db.audited("case.create", c.id):
            bad[c.id].append("case without its case.create audit row")
        if c.caller_name.startswith(MARK_PREFIX) and c.id not in create_logged:
            bad[c.id].append("case without its CreateCase command_log row")
    for cid, row in db.log.items():
        if db.events[cid] != 1:
            bad[f"command {cid}"].append(f"{row.name}: {db.events[cid]} change events")
        if not logged_effect_present(db, row.name, row.result or {}):
            bad[f"command {cid}"].append(f"{row.name} logged without its effect")
    for cid in db.events:
        if cid not in db.log:
            bad[f"command {cid}"].append("change event without its command_log row")
    return bad


def logged_effect_present(db: Db, name: str, res: dict[str, Any]) -> bool:
    """A command_log row's effect, as its stored result names it."""
    if name == "case.create":
        return res.get("case_id") in db.cases
    if name in ("call.finish", "case.send_to_waiting_room"):
        return res.get("result_id") in db.triage
    if name == "dispatch.assign":
        return (res.get("assignment") or {}).get("id") in db.assignments
    if name == "dispatch.recall":
        a = db.assignments.get(res.get("id"))  # type: ignore[arg-type]
        return a is not None and not a.active
    if name == "outcome.record":
        return res.get("id") in db.outcomes
    if name == "followup.result":
        fu = db.followups.get(res.get("followup_id"))  # type: ignore[arg-type]
        return fu is not None and fu.status == "done"
    return True


def duplicates(db: Db) -> list[str]:
    """A fact written twice: what a retry must never cause."""
    out = []
    markers = Counter(c.caller_name for c in db.cases.values() if c.caller_name.startswith(MARK_PREFIX))
    out += [f"{n} cases with intake {m}" for m, n in markers.items() if n > 1]
    for name, counter in (("triage results", Counter(t.case_id for t in db.triage.values())),
                          ("outcomes", Counter(o.case_id for o in db.outcomes.values())),
                          ("follow-ups", Counter(f.case_id for f in db.followups.values())),
                          ("case.create audit rows", Counter(c for c, _ in db.audit_by["case.create"]))):
        out += [f"case {c}: {n} {name}" for c, n in counter.items() if n > 1]
    assigns = Counter(r.case_id for r in db.log.values() if r.name == "dispatch.assign")
    for c, n in Counter(a.case_id for a in db.assignments.values()).items():
        if n > assigns[c]:
            out.append(f"case {c}: {n} assignments for {assigns[c]} assign commands")
    for c, n in Counter(r.case_id for r in db.recs).items():
        if n > assigns[c]:
            out.append(f"case {c}: {n} recommendations for {assigns[c]} assign commands")
    out += [f"command {cid}: {n} change events" for cid, n in db.events.items() if n > 1]
    return out


# --- replaying unacknowledged commands -----------------------------------------------------------------------

def replay(factory: Any, pending: dict[int, dict[str, Any]]) -> Counter[str]:
    """Run every run's last unacknowledged command again with its own id — twice — as a console retry would."""
    who = actors(factory, console="bench-replay")
    kinds: Counter[str] = Counter()
    for intent in pending.values():
        cmd = getattr(commands, intent["cls"]).model_validate(intent["cmd"])
        with factory() as s:
            had = s.get(CommandLog, str(cmd.command_id)) is not None
        results = []
        for _ in range(2):
            try:
                results.append(commands.run(factory, who[intent["actor"]], cmd).model_dump(mode="json"))
            except Exception as exc:  # noqa: BLE001 - a refusal is an answer too
                results.append(f"{type(exc).__name__}: {exc}")
        if had:
            kind = "had committed: replay returned the first result"
        elif isinstance(results[0], dict):
            kind = "had not committed: retry wrote it once"
        else:
            kind = f"had not committed: retry refused ({results[0].split(':')[0]})"
        if results[0] != results[1]:
            kind += " — BUT the second retry answered differently"
        kinds[kind] += 1
    return kinds


# --- one backend -----------------------------------------------------------------------------------------------

def bench_backend(label: str, url: str, kills: int, args: argparse.Namespace, rng: random.Random, work: Path) -> None:
    print(f"\n== {label}: {kills} kills (writer killed 0–{args.max_delay_ms} ms after it says it runs; "
          f"{'fresh interpreter' if args.spawn else 'forked writer'} per kill)", flush=True)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()  # no connection is open while writers are forked
    warm_up(work)
    ack_path = str(work / f"acks-{label.lower()}.jsonl")
    Path(ack_path).touch()
    stats = kill_loop(url, ack_path, kills, args.max_delay_ms / 1000, args.spawn, rng)
    acks, pending, errors, torn = read_acks(ack_path)

    engine = make_engine(url)
    factory = session_factory(engine)
    db = Db(factory)
    lost = {a["command_id"]: (a["cls"], m) for a in acks if (m := check_facts(db, a))}
    half = half_written(db)
    replays = replay(factory, pending)
    db_after = Db(factory)
    half_after = half_written(db_after)
    dups = duplicates(db_after)
    engine.dispose()
    verdict = verify_database(url)

    n_facts = sum(1 + len(a["facts"]) for a in acks)
    by_cmd = Counter(a["cls"] for a in acks)
    print(f"kills: {stats['kills']} in {stats['seconds']:.0f} s (writers that ended by themselves: "
          f"{stats['died_early']}; refused commands: {len(errors)}; torn ack lines: {torn})")
    print(f"acknowledged commands: {len(acks)} ({', '.join(f'{k} {v}' for k, v in by_cmd.most_common())})")
    print(f"acknowledged facts: {n_facts}  (cases {len(db.cases)}, command_log {len(db.log)}, "
          f"audit rows {len(db.audit)})")
    print(f"lost facts: {len(lost)}")
    for cid, (cls, missing) in list(lost.items())[:10]:
        print(f"   LOST {cls} {cid}: {', '.join(missing)}")
    print(f"half-written cases: {len(half)} after the kills, {len(half_after)} after the replays")
    for key, problems in list(half_after.items())[:10]:
        print(f"   HALF {key}: {'; '.join(problems)}")
    print(f"replayed unacknowledged commands: {sum(replays.values())}")
    for kind, n in replays.most_common():
        print(f"   {n:5d}  {kind}")
    print(f"duplicates: {len(dups)}")
    for d in dups[:10]:
        print(f"   DUP {d}")
    for e in errors[:5]:
        print(f"   refused in run {e['run']}: {e['error']}")
    print(f"audit verify: {'ok' if verdict.ok else 'BROKEN'} — {verdict.message()}")


def pg_temp_database() -> tuple[str | None, str, Any]:
    """(url or None, reason, drop callback)."""
    try:
        from resources.settings import load_settings
        admin_url = load_settings().test_pg_url
    except Exception as exc:  # noqa: BLE001
        return None, f"no PostgreSQL URL ({exc})", lambda: None
    name = f"larm_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable here"
        return None, f"PostgreSQL not reachable at {admin_url}: {type(exc).__name__}", lambda: None
    admin.dispose()

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), "", drop


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sqlite-kills", type=int, default=1000)
    p.add_argument("--pg-kills", type=int, default=200)
    p.add_argument("--max-delay-ms", type=float, default=300)
    p.add_argument("--spawn", action="store_true", help="a fresh `python bench/fault_writer.py` per kill")
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"seed {seed}")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="larm-fault-") as tmp:
        work = Path(tmp)
        if args.sqlite_kills:
            bench_backend("SQLite", f"sqlite:///{work / 'fault.sqlite3'}", args.sqlite_kills, args, rng, work)
        if args.pg_kills:
            url, reason, drop = pg_temp_database()
            if url is None:
                print(f"\n== PostgreSQL: skipped — {reason}")
            else:
                try:
                    bench_backend("PostgreSQL", url, args.pg_kills, args, rng, work)
                finally:
                    drop()


if __name__ == "__main__":
    main()
