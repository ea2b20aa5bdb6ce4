"""The Planering view on a comparison directory that is partial or damaged: a kpi.csv cut short (mid-row or at a row's
end), the manifest missing, from a newer format, or with nonsense in it. Each is said in Swedish naming the file, the
table stays empty, and nothing raises; a cut table is never shown as a finished comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_planning import write_comparison

from console.planning.workspace import PlanningWorkspace
from replay.comparison import MANIFEST_FORMAT, NoComparison, read_comparison
from replay.kpi import KPIS


@pytest.fixture
def view(qtbot, tmp_path: Path) -> PlanningWorkspace:  # type: ignore[no-untyped-def]
    w = PlanningWorkspace(root=tmp_path / "replay", open_url=lambda url: True)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def done(view: PlanningWorkspace) -> Path:
    d = write_comparison(view.root() / "k", pdf=False)
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    manifest.update({"format": MANIFEST_FORMAT, "kpi_rows": 2 * len(KPIS)})  # as replay.runner writes it
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return d


def _shows_none(view: PlanningWorkspace, *words: str) -> str:
    text = view.source.text()
    assert view.model.rowCount() == 0 and view.comparison is None and not view.pdf.isEnabled(), text
    for w in words:
        assert w in text, (w, text)
    for english in ("Traceback", "argument", "invalid", "Expecting", "codec", "NoneType", "object"):
        assert english not in text, (english, text)
    return text


def test_the_finished_one_reads(view: PlanningWorkspace, done: Path) -> None:
    view.open_directory(done)
    assert view.model.rowCount() == len(KPIS)


def test_kpi_csv_cut_mid_row(view: PlanningWorkspace, done: Path) -> None:
    data = (done / "kpi.csv").read_bytes()
    (done / "kpi.csv").write_bytes(data[: len(data) // 2])
    view.open_directory(done)
    _shows_none(view, "kpi.csv", "kan inte läsas")


def test_kpi_csv_cut_at_a_rows_end(view: PlanningWorkspace, done: Path) -> None:
    lines = (done / "kpi.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (done / "kpi.csv").write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    view.open_directory(done)
    _shows_none(view, "kpi.csv", "rader")


def test_kpi_csv_cut_without_the_row_count_in_an_older_manifest(view: PlanningWorkspace, done: Path) -> None:
    manifest = json.loads((done / "manifest.json").read_text(encoding="utf-8"))
    del manifest["kpi_rows"], manifest["format"]  # what replay compare wrote before the format was named
    (done / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    lines = (done / "kpi.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (done / "kpi.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # the last variant's last KPI gone
    view.open_directory(done)
    _shows_none(view, "kpi.csv", "V2")


def test_kpi_csv_not_utf8(view: PlanningWorkspace, done: Path) -> None:
    (done / "kpi.csv").write_bytes((done / "kpi.csv").read_bytes().replace(b"Samtal", b"\xff\xfe"))
    view.open_directory(done)
    _shows_none(view, "kpi.csv", "UTF-8")


def test_manifest_missing(view: PlanningWorkspace, done: Path) -> None:
    (done / "manifest.json").unlink()
    view.open_directory(done)
    text = _shows_none(view, "manifest.json saknas")
    assert "kpi.csv" not in text.split("(")[-1]  # only what is missing is named
    view.open_latest()
    _shows_none(view, "Ingen färdig jämförelse")


def test_manifest_from_a_newer_format(view: PlanningWorkspace, done: Path) -> None:
    manifest = json.loads((done / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = "larmcentral-replay-comparison/7"
    (done / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    view.open_directory(done)
    _shows_none(view, "manifest.json", "larmcentral-replay-comparison/7", "nyare")


@pytest.mark.parametrize("manifest", ['{"variants": ["V0", "V2"], "seeds": ["ett", 2]', "[1, 2]",
                                      '{"variants": ["V0", "V2"], "seeds": ["ett", 2]}',
                                      '{"variants": "V0", "seeds": {"a": 1}, "days": [3]}'])
def test_manifest_with_nonsense(view: PlanningWorkspace, done: Path, manifest: str) -> None:
    (done / "manifest.json").write_text(manifest, encoding="utf-8")
    view.open_directory(done)
    _shows_none(view, "manifest.json")


def test_read_comparison_raises_only_no_comparison(done: Path) -> None:
    (done / "kpi.csv").write_bytes(b"variant;kpi\n\x00\x00;;;\n")
    with pytest.raises(NoComparison):
        read_comparison(done)
