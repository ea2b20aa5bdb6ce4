"""`replay compare` runs a seed's variants side by side in forked processes (replay.parallel_runs): the files are
byte-identical to one run after the other, every run is counted once in the progress, a failed run stops the
comparison with its own error, and Ctrl+C stops the runs under way at once instead of waiting for them."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_cli import Fake

import replay.backend
from larmcentral_cli import main
from replay.model import VariantResult
from replay.parallel_runs import RunFailed, RunJob, run_parallel
from resources.datafile import DataFileError

ROOT = Path(__file__).resolve().parents[2]
FILES = ("kpi.csv", "response_times.csv", "coverage.csv", "utilisation.csv",
         *(f"calls_{v}_s{s}.csv" for v in ("V0", "V1", "V2") for s in (1, 2)))


def _compare(monkeypatch: pytest.MonkeyPatch, out: Path, workers: int) -> Fake:
    fake = Fake()
    backend = dataclasses.replace(fake.backend(), workers=workers)
    monkeypatch.setattr(replay.backend, "product_backend", lambda: backend)
    monkeypatch.setattr(replay.backend, "variant_codes", lambda: ["V0", "V1", "V2"])
    assert main(["replay", "compare", "--out", str(out), "--variants", "V2,V1,V0", "--seeds", "1-2",
                 "--days", "2"]) == 0
    return fake


def test_side_by_side_gives_the_same_files_as_one_after_the_other(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    here = _compare(monkeypatch, tmp_path / "en", workers=1)
    capsys.readouterr()
    forked = _compare(monkeypatch, tmp_path / "två", workers=2)
    err = capsys.readouterr().err
    assert len(here.runs) == 6 and forked.runs == []  # the fake notes its runs: side by side, in other processes
    for name in FILES:
        assert (tmp_path / "en" / name).read_bytes() == (tmp_path / "två" / name).read_bytes(), name
    for k in range(1, 7):  # every run is counted once as it ends
        assert err.count(f"[{k}/6] ") >= 1, err
    assert "[7/6]" not in err


def _slow(seconds: float) -> Any:
    def run(progress: Any) -> VariantResult:
        time.sleep(seconds)
        progress(1, 1)
        return VariantResult("V1", 1, [], [], [])
    return run


def test_results_and_progress_come_back_to_the_parent() -> None:
    seen: list[tuple[int, int]] = []
    finished: list[int] = []

    def progress(i: int, done: int) -> None:
        assert i not in finished  # never a run's progress after its result
        seen.append((i, done))

    jobs = [RunJob(f"V{i}", _slow(0.05 * (3 - i))) for i in range(3)]
    run_parallel(jobs, 2, progress=progress,
                 finished=lambda i, result, s: finished.append(i) if result.variant == "V1" and s > 0 else None)
    assert sorted(finished) == [0, 1, 2] and set(seen) <= {(0, 1), (1, 1), (2, 1)}


def _killed(progress: Any) -> VariantResult:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    raise AssertionError


def test_a_worker_that_dies_stops_the_comparison_instead_of_hanging() -> None:
    started = time.monotonic()
    with pytest.raises(RunFailed, match="V0, V1: en arbetsprocess avslutades oväntat"):
        run_parallel([RunJob("V0", _slow(60)), RunJob("V1", _killed)], 2,
                     progress=lambda i, d: None, finished=lambda i, r, s: None)
    assert time.monotonic() - started < 30


def test_a_bad_data_file_in_a_run_arrives_whole_and_other_errors_by_name() -> None:
    def bad_file(progress: Any) -> VariantResult:
        raise DataFileError("engine.yaml", ["handover: saknas"])

    class Unsendable(Exception):
        def __init__(self, a: str, b: str) -> None:
            super().__init__(f"{a} {b}")

    def unsendable(progress: Any) -> VariantResult:
        raise Unsendable("kan", "inte skickas")

    with pytest.raises(DataFileError) as err:
        run_parallel([RunJob("V2 frö 1", bad_file), RunJob("V3 frö 1", _slow(0))], 2,
                     progress=lambda i, d: None, finished=lambda i, r, s: None)
    assert err.value.path == "engine.yaml" and err.value.problems == ["handover: saknas"]
    with pytest.raises(RunFailed, match="V3 frö 1: Unsendable: kan inte skickas"):
        run_parallel([RunJob("V2 frö 1", _slow(0)), RunJob("V3 frö 1", unsendable)], 2,
                     progress=lambda i, d: None, finished=lambda i, r, s: None)


def test_a_run_that_dies_in_compare_says_so_in_swedish_and_leaves_no_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake = Fake()
    backend = fake.backend()

    def run(calls: Any, info: Any, seed: int, triage: Any, progress: Any) -> VariantResult:
        if info.code == "V1":
            _killed(progress)
        return backend.run_variant(calls, info, seed, triage, progress)

    monkeypatch.setattr(replay.backend, "product_backend",
                        lambda: dataclasses.replace(backend, workers=2, run_variant=run))
    monkeypatch.setattr(replay.backend, "variant_codes", lambda: ["V0", "V1", "V2"])
    out = tmp_path / "ut"
    assert main(["replay", "compare", "--out", str(out), "--seeds", "1", "--variants", "V0,V1,V2"]) == 1
    err = capsys.readouterr().err
    assert "Replayn avbröts: " in err and "V1 frö 1" in err and "en arbetsprocess avslutades oväntat" in err, err
    assert "inte färdig" in err
    assert "Traceback" not in err and not (out / "manifest.json").exists()


def test_a_failed_run_stops_the_comparison_with_its_error() -> None:
    def broken(progress: Any) -> VariantResult:
        raise ValueError("trasig variant")

    started = time.monotonic()
    with pytest.raises(ValueError, match="trasig variant"):
        run_parallel([RunJob("V0", broken), RunJob("V1", _slow(60))], 2,
                     progress=lambda i, d: None, finished=lambda i, r, s: None)
    assert time.monotonic() - started < 30  # the other run was stopped, not waited for


SCRIPT = """
import os, signal, time
from replay.model import VariantResult
from replay.parallel_runs import RunFailed, RunJob, run_parallel
from resources.datafile import DataFileError
def slow(progress):
    progress(1, 2)
    time.sleep(120)
    return VariantResult("V1", 1, [], [], [])
started = set()
def progress(i, done):
    started.add(i)
    if len(started) == 2:  # both runs under way: Ctrl+C in a terminal reaches every process of the group
        os.killpg(0, signal.SIGINT)
t0 = time.monotonic()
try:
    run_parallel([RunJob("V0", slow), RunJob("V1", slow)], 2, progress=progress, finished=print)
    print("not interrupted", flush=True)
except KeyboardInterrupt:
    print("interrupted after", round(time.monotonic() - t0), flush=True)
"""


def test_ctrl_c_stops_the_runs_under_way_without_worker_tracebacks() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=100,
                          start_new_session=True, check=False,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = done.stdout.splitlines()
    assert lines and lines[-1].startswith("interrupted after"), (done.stdout, done.stderr)
    assert int(lines[-1].split()[-1]) < 60  # not after the two-minute runs
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr



def test_the_product_compare_gives_the_same_bytes_side_by_side_and_one_after_the_other(tmp_path: Path) -> None:
    """The real generator, triage and engine: `replay compare` as a user runs it (the runs side by side on this
    machine's cores) and the same comparison in this process one run after the other give the same bytes in every
    CSV and the call file; another seed gives other calls."""
    pytest.importorskip("replay.engine", reason="the replay engine is not in this checkout yet")
    from replay.backend import product_backend
    from replay.runner import run_comparison

    outs = {name: tmp_path / name for name in ("cli", "en_i_taget", "annat_frö")}
    for name, seed in (("cli", "4"), ("annat_frö", "5")):
        done = subprocess.run([sys.executable, "main.py", "replay", "compare", "--variants", "V1,V0,V3", "--seeds",
                               seed, "--days", "1", "--out", str(outs[name])], cwd=ROOT, capture_output=True,
                              text=True, timeout=240, check=False)
        assert done.returncode == 0, done.stderr
    run_comparison(dataclasses.replace(product_backend(), workers=1), ["V1", "V0", "V3"], [4], outs["en_i_taget"],
                   days=1)
    names = sorted(p.name for p in outs["cli"].iterdir() if p.suffix in (".csv", ".gz"))
    assert "calls_V3_s4.csv" in names and "samtal_s4.jsonl.gz" in names
    for name in names:
        assert (outs["cli"] / name).read_bytes() == (outs["en_i_taget"] / name).read_bytes(), name
    assert (outs["cli"] / "calls_V1_s4.csv").read_bytes() != (outs["annat_frö"] / "calls_V1_s5.csv").read_bytes()
