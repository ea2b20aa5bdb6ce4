"""Running a comparison: per seed the calls are generated once (and written once, the generator's call file) and
every variant replays the same ones (common random numbers); a variant with another volume (V6, 2026) gets its own
calls. Each run goes through one function, the engine's `run_variant`; its outcomes are dumped per run and reduced
to KPIs at once (a year's results are not all kept), paired with the same calls' V0 run.

The generator and engine are reached through a Backend of plain callables, so the CLI and its tests do not depend
on how they are built (tests pass hand-made ones)."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from replay.comparison import MANIFEST_FILE, MANIFEST_FORMAT, Runs, kpi_table
from replay.estimates import ESTIMATES_FILE, report_estimates
from replay.kpi import RunKpis, run_kpis
from replay.model import SyntheticCall, VariantResult
from replay.parallel_runs import RunJob, run_parallel
from replay.report_pdf import write_pdf
from replay.report_writer import write_calls_csv, write_csv

Progress = Callable[[int, int], None]  # (calls done, calls in the run)


@dataclass(frozen=True, order=True)
class CallSet:
    """What a seed's calls are generated with: the volume factor (V6) and the factor on the callers' P("vet ej")
    (V7). Call sets that differ only in `unknown` hold the same calls but for the told answers, so their runs pair
    with the V0 of the same volume."""

    volume: float = 1.0
    unknown: float = 1.0

    def suffix(self) -> str:
        return (f"_x{self.volume:g}" if self.volume != 1.0 else "") + \
            (f"_vetej{self.unknown:g}" if self.unknown != 1.0 else "")

    def label(self) -> str:
        parts = ([f"volym ×{self.volume:g}".replace(".", ",")] if self.volume != 1.0 else []) + \
            ([f"'vet ej' ×{self.unknown:g}".replace(".", ",")] if self.unknown != 1.0 else [])  # Swedish decimals
        return f" ({', '.join(parts)})" if parts else ""


@dataclass(frozen=True)
class VariantInfo:
    code: str
    volume_factor: float = 1.0
    units_by_type: dict[str, int] = field(default_factory=dict)
    handle: Any = None  # what run_variant takes (the engine's Variant)
    unknown_factor: float = 1.0  # × the callers' P("vet ej") in its calls (V7)


@dataclass(frozen=True)
class Backend:
    """The generator and engine as the runner uses them."""

    variant_codes: Callable[[], list[str]]
    variant: Callable[[str], VariantInfo]
    generate: Callable[[int, CallSet, int | None], list[SyntheticCall]]  # (seed, call set, days or None)
    run_variant: Callable[[Sequence[SyntheticCall], VariantInfo, int, Any, Progress], VariantResult]
    year: int
    params_sha256: str
    ruleset_version: str
    # Shared by the variants of one call set; reports (calls done) as it goes.
    triage: Callable[[Sequence[SyntheticCall], Callable[[int], None]], Any] = lambda calls, progress: None
    # (calls, path, seed, call set, days or None): the generator's call file, once per seed and call set
    write_call_file: Callable[[Sequence[SyntheticCall], Path, int, CallSet, int | None], Path] | None = None
    call_file_suffix: str = ".jsonl.gz"
    target_per_week: Callable[[float], Sequence[float]] | None = None  # expected calls per hour of the week
    workers: int = 1  # > 1: a seed's variant runs side by side in forked processes (replay.parallel_runs)


class Reporter:
    """What the runner tells the person waiting: a run starts, calls done, a run ends (the CLI's progress line)."""

    def stage(self, text: str) -> None: ...

    def run_started(self, label: str, total: int) -> None: ...

    def step_started(self, label: str, total: int) -> None:
        """A step over the calls that is not a variant's run (the shared triage)."""

    def step_done(self, label: str, calls: int, seconds: float) -> None: ...

    def progress(self, done: int, total: int) -> None: ...

    def run_done(self, label: str, calls: int, seconds: float) -> None: ...

    def run_finished(self, label: str, calls: int, seconds: float) -> None:
        """A run that ran side by side with others has finished (it had no run_started of its own)."""
        self.run_done(label, calls, seconds)


def _progress_of(rep: Reporter, total: int, done: int) -> None:
    rep.progress(done, total)


def days_in(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,  # noqa: S607
                             cwd=Path(__file__).resolve().parent, check=False)
    except OSError:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run_comparison(backend: Backend, variants: Sequence[str], seeds: Sequence[int], out: Path, *,
                   days: int | None = None, reporter: Reporter | None = None) -> list[Path]:
    """Every variant over every seed into `out`: call files, calls_<variant>_s<seed>.csv, the four KPI CSVs,
    jämförelse.pdf and manifest.json. `days` None: the whole year."""
    rep = reporter or Reporter()
    commit = git_commit()  # the code that runs, not what is checked out when a long comparison ends
    out.mkdir(parents=True, exist_ok=True)
    n_days = min(days or 366, days_in(backend.year))  # --days 366 on a 365-day year replays 365
    days = None if days is None else n_days  # and the call files say so
    start_weekday = date(backend.year, 1, 1).weekday()
    infos = {code: backend.variant(code) for code in variants}
    groups: dict[CallSet, list[str]] = {}
    for code in variants:  # one call set per volume and 'vet ej' factor; V0 first (the others pair with it)
        groups.setdefault(CallSet(infos[code].volume_factor, infos[code].unknown_factor), []).append(code)
    groups = dict(sorted(groups.items(), key=lambda g: (g[0].volume, g[0].unknown != 1.0, g[0].unknown)))
    runs: dict[tuple[str, int], RunKpis] = {}
    call_files: list[str] = []
    written: list[Path] = []
    targets: dict[float, Sequence[float]] = {}
    for seed in seeds:
        sets = {key: _call_set(backend, rep, seed, key, days, out, written, call_files) for key in groups}
        jobs = [(code, key) for key, codes in groups.items() for code in sorted(codes, key=lambda c: c != "V0")]
        baseline: dict[float, VariantResult] = {}  # per volume: its V0, which the others pair with

        def reduce(code: str, key: CallSet, result: VariantResult) -> None:
            calls = sets[key][0]  # noqa: B023 (called within this seed's iteration only)
            if code == "V0":  # first at its volume: its 'vet ej' factor 1 comes first
                baseline[key.volume] = result  # noqa: B023
            written.append(write_calls_csv(result, calls, out))
            runs[(code, seed)] = run_kpis(result, calls, days=n_days, baseline=baseline.get(key.volume),  # noqa: B023
                                          units_by_type=infos[code].units_by_type or None,
                                          start_weekday=start_weekday)

        _run_seed(backend, rep, seed, jobs, sets, infos, reduce)
        if any(k.volume == 1.0 for k in groups) and backend.target_per_week is not None and 1.0 not in targets:
            targets[1.0] = _per_week(backend.target_per_week(1.0), days_in(backend.year))
    ordered: Runs = {(v, s): runs[(v, s)] for v in variants for s in seeds}
    rep.stage("Skriver CSV och PDF …")
    estimates = report_estimates()
    written += write_csv(ordered, out, estimates)
    written.append(write_pdf(ordered, out, estimates, target_per_week=targets.get(1.0)))
    manifest = {
        "format": MANIFEST_FORMAT, "kpi_rows": len(kpi_table(ordered)),  # the reader tells a cut kpi.csv by it
        "variants": list(variants), "seeds": list(seeds), "days": n_days, "year": backend.year,
        "params_sha256": backend.params_sha256, "ruleset_version": backend.ruleset_version,
        "report_estimates_sha256": hashlib.sha256(ESTIMATES_FILE.read_bytes()).hexdigest(),
        "git_commit": commit, "call_files": call_files,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = out / MANIFEST_FILE
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [*written, path]


def _call_set(backend: Backend, rep: Reporter, seed: int, key: CallSet, days: int | None, out: Path,
              written: list[Path], call_files: list[str]) -> tuple[list[SyntheticCall], Any]:
    """One seed's calls of one call set: generated, written once as the call file, triaged once (shared by every
    variant that replays them)."""
    rep.stage(f"Frö {seed}: genererar samtal{key.label()} …")
    calls = backend.generate(seed, key, days)
    if backend.write_call_file is not None:
        name = f"samtal_s{seed}{key.suffix()}{backend.call_file_suffix}"
        written.append(backend.write_call_file(calls, out / name, seed, key, days))
        call_files.append(name)
    label = f"Frö {seed}: triage"
    rep.step_started(label, len(calls))
    t0 = time.perf_counter()
    triage = backend.triage(calls, functools.partial(_progress_of, rep, len(calls)))
    rep.step_done(label, len(calls), time.perf_counter() - t0)
    return calls, triage


def _run_seed(backend: Backend, rep: Reporter, seed: int, jobs: Sequence[tuple[str, CallSet]],
              sets: dict[CallSet, tuple[list[SyntheticCall], Any]], infos: dict[str, VariantInfo],
              reduce: Callable[[str, CallSet, VariantResult], None]) -> None:
    """Every variant of one seed, each result passed to `reduce` in the order of `jobs` as soon as it and those
    before it are there: one run after the other, or side by side on `backend.workers` forked processes (the same
    results; the runs are independent)."""
    labels = [f"{code} frö {seed}" for code, _ in jobs]
    sizes = [len(sets[key][0]) for _, key in jobs]
    if backend.workers <= 1 or len(jobs) < 2:
        for (code, key), label, size in zip(jobs, labels, sizes, strict=True):
            calls, triage = sets[key]
            rep.run_started(label, size)
            t0 = time.perf_counter()
            result = backend.run_variant(calls, infos[code], seed, triage, rep.progress)
            rep.run_done(label, size, time.perf_counter() - t0)
            reduce(code, key, result)
        return
    workers = min(backend.workers, len(jobs))
    total, done = sum(sizes), [0] * len(jobs)
    arrived: dict[int, VariantResult] = {}
    next_index = 0
    rep.step_started(f"Frö {seed}: {', '.join(code for code, _ in jobs)} i {workers} processer", total)

    def job(code: str, key: CallSet) -> RunJob:
        calls, triage = sets[key]
        return RunJob(f"{code} frö {seed}",
                      lambda progress: backend.run_variant(calls, infos[code], seed, triage, progress))

    def progress(index: int, calls_done: int) -> None:
        done[index] = calls_done
        rep.progress(sum(done), total)

    def finished(index: int, result: VariantResult, seconds: float) -> None:
        nonlocal next_index
        done[index] = sizes[index]
        rep.run_finished(labels[index], sizes[index], seconds)
        arrived[index] = result
        while next_index in arrived:
            reduce(*jobs[next_index], arrived.pop(next_index))
            next_index += 1

    run_parallel([job(code, key) for code, key in jobs], workers, progress=progress, finished=finished)


def _per_week(per_year_by_hour_of_week: Sequence[float], year_days: int) -> list[float]:
    """The generator's expected calls per hour of the week over the year, as calls per week (the PDF's unit)."""
    weeks = year_days / 7
    return [x / weeks for x in per_year_by_hour_of_week]


def units_by_type(fleet: Any) -> dict[str, int]:
    return dict(sorted(Counter(u.type for u in fleet.units).items()))
