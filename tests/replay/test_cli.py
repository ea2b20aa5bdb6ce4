"""`replay run` / `replay compare`: bad arguments give a Swedish message naming them and exit 2 (no traceback);
a comparison over a hand-made backend writes the CSVs, the PDF, per-run dumps and the manifest, shares one call
file per seed, and prints plain progress on stderr; `replay run --days 2` end to end on the real generator and
engine."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from replay_helpers import ten_calls, ten_results

import replay.backend
from larmcentral_cli import main
from replay.cli import ProgressLine, parse_seeds
from replay.model import SyntheticCall, VariantResult
from replay.runner import Backend, CallSet, VariantInfo

ROOT = Path(__file__).resolve().parents[2]
KNOWN = ["V0", "V1", "V2"]


class Fake:
    """Ten hand-made calls per seed; V0 and V1 as replay_helpers makes them, V2 the same as V1."""

    def __init__(self) -> None:
        self.generated: list[tuple[int, float, int | None]] = []
        self.call_sets: list[CallSet] = []
        self.runs: list[tuple[str, int, int]] = []  # (variant, seed, id of the calls list)
        self.files: list[Path] = []

    def backend(self) -> Backend:
        def generate(seed: int, key: CallSet, days: int | None) -> list[SyntheticCall]:
            self.generated.append((seed, key.volume, days))
            self.call_sets.append(key)
            return ten_calls()

        def run(calls: Sequence[SyntheticCall], info: VariantInfo, seed: int, triage: Any,
                progress: Any) -> VariantResult:
            self.runs.append((info.code, seed, id(calls)))
            progress(5, len(calls))
            progress(len(calls), len(calls))
            v0, v1 = ten_results(seed)
            if info.code == "V0":
                return v0
            return VariantResult(info.code, seed, [o.__class__(**{**{f: getattr(o, f) for f in o.__slots__},
                                                                   "variant": info.code}) for o in v1.outcomes],
                                 v1.missions, v1.gaps)

        def write(calls: Sequence[SyntheticCall], path: Path, seed: int, key: CallSet, days: int | None) -> Path:
            path.write_text(str(len(calls)), encoding="utf-8")
            self.files.append(path)
            return path

        return Backend(variant_codes=lambda: KNOWN, variant=lambda c: VariantInfo(c, 1.0, {"AMBULANS": 3}),
                       generate=generate, run_variant=run, year=2021, params_sha256="abc", ruleset_version="test-1",
                       write_call_file=write, call_file_suffix=".txt", target_per_week=lambda f: [52.0] * 168)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    f = Fake()
    monkeypatch.setattr(replay.backend, "product_backend", f.backend)
    monkeypatch.setattr(replay.backend, "variant_codes", lambda: KNOWN)
    return f


@pytest.mark.parametrize(("args", "names"), [
    (["run", "--variant", "V9", "--seed", "1", "--out", "{tmp}"], ["--variant", "V9", "kända: V0, V1, V2"]),
    (["run", "--variant", "V1", "--seed", "ett", "--out", "{tmp}"], ["--seed", "'ett'", "heltal"]),
    (["run", "--variant", "V1", "--out", "{tmp}"], ["--seed saknas"]),
    (["run", "--seed", "1", "--out", "{tmp}"], ["--variant saknas"]),
    (["run", "--variant", "V0,V1", "--seed", "1", "--out", "{tmp}"], ["--variant tar en variant"]),
    (["run", "--variant", "V1", "--seed", "1"], ["--out saknas"]),
    (["run", "--variant", "V1", "--seed", "1", "--out", "{tmp}", "--days", "0"], ["--days", "1–366"]),
    (["run", "--variant", "V1", "--seed", "1", "--out", "{tmp}", "--days", "2,5"], ["--days", "'2,5'"]),
    (["compare", "--out", "{tmp}", "--seeds", "5-1"], ["--seeds", "baklänges"]),
    (["compare", "--out", "{tmp}", "--seeds", "1-x"], ["--seeds", "'1-x'"]),
    (["compare", "--out", "{tmp}", "--variants", "V0,V0"], ["--variants", "V0 anges två gånger"]),
    (["compare", "--out", "{tmp}", "--variants", ""], ["--variants saknas"]),
    (["compare", "--out", "{file}"], ["--out", "är en fil"]),
    (["compare", "--out", "{file}/under"], ["--out", "är en fil"]),
    (["compare", "--out", "{tmp}", "--bogus", "1"], ["okända argument: --bogus 1"]),
    (["compare", "--out", "{tmp}", "--seeds"], ["argumentet --seeds saknar värde"]),
    (["compare", "--variants", "V0", "--out", "{base}/" + "x" * 300], ["--out", "kan inte användas", "för lång"]),
    (["compare", "--out", "{tmp}", "--seeds", "1-1000,2000-2999"], ["--seeds", "fler än 1 000 frön"]),
    (["run", "--variant", "V1", "--seed", "\u0661", "--out", "{tmp}"], ["--seed", "heltal"]),  # an Arabic-Indic 1
    ([], ["följande argument saknas: run|compare"]),
    (["frobnicate"], ["ogiltigt val 'frobnicate'", "'run', 'compare'"]),
])
def test_bad_arguments_swedish_exit_2(fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      args: list[str], names: list[str]) -> None:
    (tmp_path / "fil").write_text("x", encoding="utf-8")
    argv = [a.format(tmp=tmp_path / "ut", file=tmp_path / "fil", base=tmp_path) for a in args]
    assert _exit_code(["replay", *argv]) == 2
    err = capsys.readouterr().err
    for name in names:
        assert name in err, (name, err)
    assert "Traceback" not in err and not fake.runs and not (tmp_path / "ut").exists()


def _exit_code(argv: list[str]) -> int | str | None:
    """main's return value, or the code argparse exits with."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


def test_argparse_errors_exit_2_in_swedish(fake: Fake, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["replay", "compare", "--out", str(tmp_path), "--bogus"])
    assert stop.value.code == 2 and "okända argument: --bogus" in capsys.readouterr().err


def test_seeds_ranges_and_lists() -> None:
    assert parse_seeds("1-5") == [1, 2, 3, 4, 5] and parse_seeds("7,1-2, 3") == [1, 2, 3, 7]


def test_compare_writes_everything_one_call_file_per_seed(fake: Fake, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "jämf"
    assert main(["replay", "compare", "--out", str(out), "--variants", "V1,V0,V2", "--seeds", "1-2",
                 "--days", "2"]) == 0
    assert fake.generated == [(1, 1.0, 2), (2, 1.0, 2)]  # the calls once per seed …
    by_seed = {s: {calls for _, s2, calls in fake.runs if s2 == s} for s in (1, 2)}
    assert all(len(ids) == 1 for ids in by_seed.values())  # … and every variant replays that same list
    assert [v for v, s, _ in fake.runs if s == 1] == ["V0", "V1", "V2"]  # V0 first: the others pair with it
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["kpi.csv", "response_times.csv", "coverage.csv", "utilisation.csv", "jämförelse.pdf",
                            "manifest.json", "samtal_s1.txt", "samtal_s2.txt",
                            *(f"calls_{v}_s{s}.csv" for v in ("V0", "V1", "V2") for s in (1, 2))])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["variants"] == ["V1", "V0", "V2"] and manifest["seeds"] == [1, 2] and manifest["days"] == 2
    assert manifest["params_sha256"] == "abc" and manifest["ruleset_version"] == "test-1"
    assert manifest["call_files"] == ["samtal_s1.txt", "samtal_s2.txt"] and manifest["git_commit"]
    kpi = (out / "kpi.csv").read_text(encoding="utf-8").splitlines()
    assert kpi[1].startswith("V1;calls;") and kpi[2].startswith("V0;calls;")  # the order asked for
    moved = next(line for line in kpi if line.startswith("V1;moved_lying;"))
    assert moved.split(";")[4] == f"{365 / 2:.4f}"  # paired with V0 although V1 was asked for first
    err = capsys.readouterr().err
    assert "[6/6] V2 frö 2: 10 samtal på" in err and "\r" not in err  # not a terminal: one line per run


def test_same_seed_twice_byte_identical_csv(fake: Fake, tmp_path: Path) -> None:
    for d in ("a", "b"):
        assert main(["replay", "compare", "--out", str(tmp_path / d), "--variants", "V0,V1", "--seeds", "1",
                     "--days", "2"]) == 0
    for name in ("kpi.csv", "response_times.csv", "coverage.csv", "utilisation.csv", "calls_V1_s1.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_progress_line_on_a_terminal_rewrites_one_line() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    s = Tty()
    p = ProgressLine(s, runs=2, min_interval=0.0)
    p.run_started("V1 frö 1", 2000)
    p.progress(1000, 2000)
    p.run_done("V1 frö 1", 2000, 2.0)
    text = s.getvalue()
    assert text.count("\r\033[K") == 3 and "1000/2000 samtal" in text
    assert text.endswith("[1/2] V1 frö 1: 2000 samtal på 2,0 s (1\u00a0000 samtal/s)\n")


def test_run_days_2_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("replay.engine", reason="the replay engine is not in this checkout yet")
    pytest.importorskip("replay.generator", reason="the call generator is not in this checkout yet")
    out = tmp_path / "ut"
    done = subprocess.run([sys.executable, "main.py", "replay", "run", "--variant", "V1", "--seed", "3", "--out",
                           str(out), "--days", "2"], cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "LARMCENTRAL_DATA_DIR": str(tmp_path / "data")}, check=False)
    assert done.returncode == 0, done.stderr
    assert "V1 frö 3" in done.stderr and "samtal/s" in done.stderr
    kpi = (out / "kpi.csv").read_text(encoding="utf-8").splitlines()
    calls = (out / "calls_V1_s3.csv").read_text(encoding="utf-8").splitlines()
    assert kpi[0].startswith("variant;kpi;mått;enhet;medel") and len(calls) > 300  # ≈500 calls a day
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ruleset_version"] and manifest["call_files"] == ["samtal_s3.jsonl.gz"]
    from replay.call_file import read_call_file
    header, replayed = read_call_file(out / "samtal_s3.jsonl.gz")
    assert header.seed == 3 and header.limit_days == 2 and len(replayed) == len(calls) - 1
    assert (out / "jämförelse.pdf").stat().st_size > 10_000
