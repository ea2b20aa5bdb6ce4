"""Every parameter in replay/params/*.yaml names its source or says it is an assumption (spec conventions; issue 19:
"keep its rule that every parameter names its source or says it is an assumption"), walked over the files as they
are, whichever loader reads them: a block is sourced by its own `source:` / `assumption: true`, by its file's, or
(a group of blocks) by each of its members'. An assumption says why (`reason:` or `note:`), and a source key in
brackets is one of the spec's source list, so a typo'd key does not pass for a source."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

PARAMS = Path(__file__).resolve().parents[2] / "replay" / "params"
FILES = sorted(PARAMS.glob("*.yaml"))

# The spec's source list (../shared/design/region-replay.md, "Sources"; docs/region-replay.md uses the same keys).
SOURCE_KEYS = {"R", "R0", "G", "D", "B", "T17", "T22", "M15", "I21", "A18", "Z24", "ND24", "Mg20", "NC20", "He22",
               "Ml21", "Mi19", "DI13", "NSW", "Tb", "Sw20", "SvLc", "AB19", "VGR", "L25"}
# Top-level keys that are no parameter: the estimates file's citation list.
NOT_PARAMETERS = {("report_estimates.yaml", "sources")}
# A table whose source and assumption are stated by a sibling block (a list cannot carry keys of its own).
COVERED_BY = {("complaints.yaml", "complaints"): "shares"}


def _says(block: Any) -> bool:
    if not isinstance(block, dict):
        return False
    source = block.get("source")
    return (isinstance(source, str) and source.strip() != "") or block.get("assumption") is True


def _sourced(block: Any) -> bool:
    if _says(block):
        return True
    members = list(block.values()) if isinstance(block, dict) else block if isinstance(block, list) else None
    return bool(members) and all(_says(m) for m in members)  # type: ignore[union-attr]


def _blocks(node: Any) -> list[dict[str, Any]]:
    """Every mapping in the file, at any depth."""
    if isinstance(node, dict):
        return [node, *(b for v in node.values() for b in _blocks(v))]
    if isinstance(node, list):
        return [b for v in node for b in _blocks(v)]
    return []


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path.name
    return data


def test_there_are_parameter_files() -> None:
    assert {p.name for p in FILES} >= {"volume.yaml", "arrivals.yaml", "engine.yaml", "v0_triage.yaml",
                                       "variants.yaml", "calibrated.yaml", "report_estimates.yaml"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_parameter_names_a_source_or_is_an_assumption(path: Path) -> None:
    data = _load(path)
    if _says(data):
        return  # the whole file under one source or assumption
    unsourced = []
    for key, block in data.items():
        if (path.name, key) in NOT_PARAMETERS:
            continue
        sibling = COVERED_BY.get((path.name, key))
        if sibling is not None:
            assert _says(data.get(sibling)), f"{path.name}: {key} is covered by {sibling}, which names nothing"
            continue
        if not _sourced(block):
            unsourced.append(key)
    assert not unsourced, f"{path.name}: no source: and no assumption: true for {', '.join(map(str, unsourced))}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_assumption_says_why(path: Path) -> None:
    silent = [sorted(b) for b in _blocks(_load(path)) if b.get("assumption") is True
              and not any(isinstance(b.get(k), str) and b[k].strip() for k in ("reason", "note", "source"))]
    assert not silent, f"{path.name}: assumption: true without reason:/note: in blocks with keys {silent}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_source_keys_are_the_specs(path: Path) -> None:
    cited = {k.strip() for b in _blocks(_load(path)) if isinstance(b.get("source"), str)
             for group in re.findall(r"\[([A-Za-z][A-Za-z0-9]*(?:\s*,\s*[A-Za-z][A-Za-z0-9]*)*)\]", b["source"])
             for k in group.split(",")}
    assert cited <= SOURCE_KEYS, f"{path.name}: unknown source keys {sorted(cited - SOURCE_KEYS)}"


def test_the_walk_catches_an_unsourced_block(tmp_path: Path) -> None:
    assert not _sourced({"value": 3}) and _sourced({"value": 3, "assumption": True})
    assert _sourced({"A": {"x": 1, "source": "[R]"}, "B": {"x": 2, "assumption": True}})
    assert not _sourced({"A": {"x": 1, "source": "[R]"}, "B": {"x": 2}}) and not _sourced([])
    assert not _sourced({"value": 3, "source": "  ", "assumption": False})
