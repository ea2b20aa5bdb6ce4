"""The call file: every variant of a comparison reads the same synthetic calls (common random numbers).

Format: gzip (no file name, mtime 0) of UTF-8 JSON lines. Line 1 is the manifest (`{"manifest": {...}}`: seed,
year, call count, SHA-256 of the generator's parameters and of the rule set file, rule set version, git commit);
every further line is one call, a JSON object with SyntheticCall's fields in declaration order. Nothing in it
depends on the clock, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any, get_args

from replay.model import SEVERITIES, CallerType, Manifest, SyntheticCall
from replay.params import ReplayParams
from resources.datafile import DataFileError
from triage_rules.schema import RuleSet

_FIELDS = [f.name for f in dataclasses.fields(SyntheticCall)]
_REQUIRED = {f.name for f in dataclasses.fields(SyntheticCall) if f.default is dataclasses.MISSING}
_MANIFEST_FIELDS = {f.name for f in dataclasses.fields(Manifest)}
_CALLERS = set(get_args(CallerType))
FORMAT = "larmcentral-replay-calls/1"


class CallFileError(DataFileError):
    """A call file that cannot be read; the message names the line."""


def git_commit(directory: Path | None = None) -> str | None:
    """The checkout's HEAD commit, None outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory or Path(__file__).parent,  # noqa: S607
                             capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def ruleset_sha256(ruleset: RuleSet) -> str:
    source = Path(ruleset.source) if ruleset.source else None
    data = source.read_bytes() if source is not None and source.is_file() else ruleset.model_dump_json().encode()
    return hashlib.sha256(data).hexdigest()


def make_manifest(params: ReplayParams, ruleset: RuleSet, seed: int, calls: list[SyntheticCall], *,
                  volume_factor: float = 1.0, limit_days: int | None = None, unknown_factor: float = 1.0) -> Manifest:
    return Manifest(seed=seed, year=params.volume.year.value, call_count=len(calls), params_sha256=params.sha256,
                    ruleset_version=ruleset.version, ruleset_sha256=ruleset_sha256(ruleset),
                    volume_factor=volume_factor, limit_days=limit_days, git_commit=git_commit(),
                    unknown_factor=unknown_factor)


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def write_call_file(path: Path | str, manifest: Manifest, calls: list[SyntheticCall]) -> Path:
    """Write `calls` under `manifest` (whose call_count must match)."""
    if manifest.call_count != len(calls):
        raise ValueError(f"manifestet anger {manifest.call_count} samtal men {len(calls)} skrivs")
    path = Path(path)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=3) as gz:
        gz.write(_line({"manifest": dataclasses.asdict(manifest)}))
        for call in calls:
            gz.write(_line({name: getattr(call, name) for name in _FIELDS}))
    return path


def read_call_file(path: Path | str) -> tuple[Manifest, list[SyntheticCall]]:
    """Read and check a call file; a bad file raises CallFileError naming the line."""
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = f.readlines()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CallFileError(path, [f"kan inte läsas som en gzip-komprimerad samtalsfil: {exc}"]) from exc
    if not lines:
        raise CallFileError(path, ["rad 1: filen är tom (manifestet saknas)"])
    manifest = _manifest(path, lines[0])
    calls = [_call(path, n, text) for n, text in enumerate(lines[1:], start=2)]
    if len(calls) != manifest.call_count:
        raise CallFileError(path, [f"rad {len(lines)}: manifestet anger {manifest.call_count} samtal, filen har "
                                   f"{len(calls)}"])
    return manifest, calls


def _json(path: Path, n: int, text: str) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CallFileError(path, [f"rad {n}: ogiltig JSON: {exc.msg}"]) from exc
    if not isinstance(obj, dict):
        raise CallFileError(path, [f"rad {n}: ska vara ett JSON-objekt"])
    return obj


def _manifest(path: Path, text: str) -> Manifest:
    obj = _json(path, 1, text).get("manifest")
    if not isinstance(obj, dict) or set(obj) != _MANIFEST_FIELDS:
        raise CallFileError(path, [f"rad 1: manifestet ska ha fälten {', '.join(sorted(_MANIFEST_FIELDS))}"])
    if obj["format"] != FORMAT:
        raise CallFileError(path, [f"rad 1: okänt format {obj['format']!r} (väntat {FORMAT})"])
    return Manifest(**obj)


def _call(path: Path, n: int, text: str) -> SyntheticCall:
    obj = _json(path, n, text)
    problems = [f"fält '{k}' saknas" for k in sorted(_REQUIRED - set(obj))]
    problems += [f"okänt fält '{k}'" for k in sorted(set(obj) - set(_FIELDS))]
    if not problems:
        problems = _check_values(obj)
    if problems:
        raise CallFileError(path, [f"rad {n}: {p}" for p in problems])
    return SyntheticCall(**obj)


def _check_values(obj: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("call_id", "rng_key", "age", "year"):
        if name in obj and (not isinstance(obj[name], int) or isinstance(obj[name], bool)):
            problems.append(f"fält '{name}' ska vara ett heltal")
    for name in ("t_min", "lat", "lon"):
        if not isinstance(obj[name], int | float) or isinstance(obj[name], bool):
            problems.append(f"fält '{name}' ska vara ett tal")
    if obj["stream"] not in ("A", "B"):
        problems.append(f"fält 'stream' ska vara A eller B (angivet: {obj['stream']!r})")
    if obj["severity"] not in SEVERITIES:
        problems.append(f"fält 'severity' ska vara ett av {', '.join(SEVERITIES)} (angivet: {obj['severity']!r})")
    if obj["caller"] not in _CALLERS:
        problems.append(f"fält 'caller' ska vara ett av {', '.join(sorted(_CALLERS))} (angivet: {obj['caller']!r})")
    for name in ("kommun", "complaint", "need"):
        if not isinstance(obj[name], str) or not obj[name]:
            problems.append(f"fält '{name}' ska vara en text")
    facts, told = obj["facts"], obj["told"]
    if not isinstance(facts, dict) or not isinstance(told, dict):
        problems.append("fälten 'facts' och 'told' ska vara objekt")
    elif set(facts) != set(told):
        problems.append("fälten 'facts' och 'told' ska ha samma nycklar")
    return problems
