"""`replay run` / `compare` and the --out directory: a directory already holding a comparison (or what an interrupted
one left) is refused with exit 2 instead of being overwritten or mixed with the new runs; a directory that cannot be
written is a bad --out (exit 2, in Swedish) before anything runs; Ctrl+C leaves no manifest, so the console's
Planering view never shows the half-written comparison as finished, and says so in Swedish instead of nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import KNOWN, Fake

import replay.backend
from larmcentral_cli import main
from replay.comparison import MANIFEST_FORMAT, latest_comparison, read_comparison


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    f = Fake()
    monkeypatch.setattr(replay.backend, "product_backend", f.backend)
    monkeypatch.setattr(replay.backend, "variant_codes", lambda: KNOWN)
    return f


def _compare(out: Path, variants: str = "V0,V1") -> int:
    return main(["replay", "compare", "--out", str(out), "--variants", variants, "--seeds", "1", "--days", "2"])


def test_a_second_compare_into_a_finished_comparison_is_refused(fake: Fake, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "jämf"
    assert _compare(out, "V0,V1,V2") == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    runs = len(fake.runs)
    capsys.readouterr()
    assert _compare(out, "V0,V1") == 2
    err = capsys.readouterr().err
    assert "--out" in err and "innehåller redan" in err and "manifest.json" in err, err
    assert len(fake.runs) == runs  # nothing ran
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old comparison untouched, not mixed


def test_what_an_interrupted_run_left_is_refused_too(fake: Fake, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "avbruten"
    out.mkdir()
    (out / "calls_V0_s1.csv").write_text("samtal\n", encoding="utf-8")
    (out / "samtal_s1.jsonl.gz").write_bytes(b"")
    assert _compare(out) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "calls_V0_s1.csv" in err and not fake.runs


def test_an_empty_or_unrelated_directory_is_fine(fake: Fake, tmp_path: Path) -> None:
    out = tmp_path / "egen"
    out.mkdir()
    (out / "anteckningar.txt").write_text("mina", encoding="utf-8")
    assert _compare(out) == 0 and (out / "manifest.json").is_file() and (out / "anteckningar.txt").is_file()
    done = read_comparison(out)  # what the runner writes reads back whole: format and row count named
    assert done.manifest["format"] == MANIFEST_FORMAT and done.manifest["kpi_rows"] == len(done.rows) > 0


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (a file system nobody can make folders in)")
def test_an_out_that_cannot_be_made_is_a_bad_argument(fake: Fake, capsys: pytest.CaptureFixture[str]) -> None:
    assert _compare(Path("/proc/replay-jämförelse")) == 2
    err = capsys.readouterr().err
    assert "Felaktigt argument: --out: /proc/replay-jämförelse" in err, err
    assert "No such file" not in err and "Traceback" not in err and not fake.runs and not fake.generated


def test_ctrl_c_leaves_no_finished_comparison_and_says_so(fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    backend = fake.backend()
    run = backend.run_variant

    def interrupted(calls, info, seed, triage, progress):  # type: ignore[no-untyped-def]
        if info.code == "V1":
            raise KeyboardInterrupt
        return run(calls, info, seed, triage, progress)

    monkeypatch.setattr(replay.backend, "product_backend", lambda: backend.__class__(
        **{**{f: getattr(backend, f) for f in backend.__dataclass_fields__}, "run_variant": interrupted}))
    root = tmp_path / "replay"
    out = root / "halv"
    assert _compare(out) == 130
    err = capsys.readouterr().err
    assert "Avbruten" in err and str(out) in err and "inte färdig" in err, err
    assert (out / "calls_V0_s1.csv").is_file() and not (out / "manifest.json").exists()
    assert latest_comparison(root) is None  # Planering does not take it for a finished comparison


def test_days_past_the_years_end_count_the_years_days(fake: Fake, tmp_path: Path) -> None:
    """--days 366 on 2021 replays its 365 days: the counts a year are not scaled by 365/366."""
    out = tmp_path / "år"
    assert main(["replay", "compare", "--out", str(out), "--variants", "V0", "--seeds", "1", "--days", "366"]) == 0
    assert read_comparison(out).manifest["days"] == 365
    calls = next(r for r in read_comparison(out).rows if r.kpi == "calls")
    assert calls.estimate.mean == 10.0  # the fake's ten calls, over a whole year
