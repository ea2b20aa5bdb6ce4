"""Reading a comparison directory's manifest.json and kpi.csv strictly, for the console: a file cut short (the disk
filled, a copy stopped), damaged, or written by a newer version is refused with a Swedish message naming the file
and what is wrong, never shown as a finished comparison and never a Python error in English.

The manifest names its format (MANIFEST_FORMAT; one written before the format was named is format 1) and the number
of rows kpi.csv has (`kpi_rows`), so a table cut at a row's end is told from a finished one."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from resources.os_errors import os_error_text

MANIFEST_FORMAT = "larmcentral-replay-comparison/1"
KPI_READ_COLUMNS = ("variant", "kpi", "mått", "enhet", "medel", "ki_låg", "ki_hög", "frön", "rapportens_skattning",
                    "rapportens_låg", "rapportens_hög", "rapportens_text")


class ComparisonFileError(ValueError):
    """A manifest or KPI table that cannot be read; the message (Swedish) names the file."""


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ComparisonFileError(f"{path} kan inte läsas ({os_error_text(exc)})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ComparisonFileError(f"{path} är inte UTF-8-text (byte {exc.start}): filen är skadad") from exc


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def read_manifest(path: Path) -> dict[str, Any]:
    text = _text(path)
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ComparisonFileError(f"{path}: ogiltig JSON på rad {exc.lineno}, kolumn {exc.colno} (avkortad eller "
                                  "skadad)") from exc
    if not isinstance(meta, dict):
        raise ComparisonFileError(f"{path}: ska vara ett JSON-objekt")
    fmt = meta.get("format", MANIFEST_FORMAT)
    if fmt != MANIFEST_FORMAT:
        raise ComparisonFileError(f"{path}: formatet {fmt!r} är okänt för den här versionen, som läser "
                                  f"{MANIFEST_FORMAT}; jämförelsen är troligen skapad av en nyare version")
    problems = []
    variants, seeds = meta.get("variants"), meta.get("seeds")
    if not isinstance(variants, list) or not variants or not all(isinstance(v, str) and v for v in variants):
        problems.append("'variants' ska vara en lista med varianter")
    if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and s >= 0 for s in seeds):
        problems.append("'seeds' ska vara en lista med frön (heltal ≥ 0)")
    if "days" in meta and not (_is_int(meta["days"]) and meta["days"] >= 1):
        problems.append("'days' ska vara ett heltal ≥ 1")
    if "kpi_rows" in meta and not (_is_int(meta["kpi_rows"]) and meta["kpi_rows"] >= 0):
        problems.append("'kpi_rows' ska vara ett heltal ≥ 0")
    for key in ("ruleset_version", "created_at"):
        if key in meta and not isinstance(meta[key], str):
            problems.append(f"'{key}' ska vara en text")
    if problems:
        raise ComparisonFileError(f"{path}: " + "; ".join(problems))
    return meta


def _num(path: Path, n: int, name: str, text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError as exc:
        raise ComparisonFileError(f"{path} rad {n}: '{name}' är inte ett tal ({text!r})") from exc


def read_kpi_rows(path: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """kpi.csv's rows as dicts, the numbers as floats (None where empty) and `frön` as an int, checked complete
    against the manifest: its row count (`kpi_rows`) where it gives one, else the manifest's variants each with
    the same KPIs."""
    text = _text(path)
    if text and not text.endswith("\n"):  # the writer ends every row with one: the last row is cut
        raise ComparisonFileError(f"{path}: den sista raden är avkortad (filen är inte färdigskriven)")
    lines = text.splitlines()
    try:
        table = list(csv.reader(lines, delimiter=";"))
    except csv.Error as exc:
        raise ComparisonFileError(f"{path}: kan inte läsas som semikolonseparerad text ({exc})") from exc
    if not table or not set(KPI_READ_COLUMNS) <= set(table[0]):
        raise ComparisonFileError(f"{path}: rubrikraden saknas eller saknar kolumner ({', '.join(KPI_READ_COLUMNS)})")
    head = table[0]
    rows = []
    for n, fields in enumerate(table[1:], start=2):
        if len(fields) != len(head):
            raise ComparisonFileError(f"{path} rad {n}: {len(fields)} fält, väntat {len(head)} (avkortad eller skadad)")
        r: dict[str, Any] = dict(zip(head, fields, strict=True))
        for name in ("medel", "ki_låg", "ki_hög", "rapportens_skattning", "rapportens_låg", "rapportens_hög"):
            r[name] = _num(path, n, name, r[name])
        if not r["frön"].isdigit():
            raise ComparisonFileError(f"{path} rad {n}: 'frön' är inte ett heltal ({r['frön']!r})")
        r["frön"] = int(r["frön"])
        rows.append(r)
    _check_complete(path, rows, manifest)
    return rows


def _check_complete(path: Path, rows: Sequence[dict[str, Any]], manifest: dict[str, Any]) -> None:
    expected = manifest.get("kpi_rows")
    if expected is not None and expected != len(rows):
        raise ComparisonFileError(f"{path}: {len(rows)} rader, manifestet anger {expected} (filen är avkortad "
                                  "eller hör till en annan jämförelse)")
    kpis: dict[str, set[str]] = {}
    for r in rows:
        kpis.setdefault(r["variant"], set()).add(r["kpi"])
    wanted = list(manifest["variants"])
    if set(kpis) != set(wanted):
        raise ComparisonFileError(f"{path}: varianterna {', '.join(sorted(kpis)) or 'inga'}, manifestet anger "
                                  f"{', '.join(wanted)}")
    every = set().union(*kpis.values())
    short = [v for v in wanted if kpis[v] != every]
    if short:
        raise ComparisonFileError(f"{path}: mått saknas för {', '.join(short)} (filen är avkortad)")
