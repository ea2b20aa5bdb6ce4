"""Loading rule sets by path, by version, or from YAML text/data; writing new versions; diffs.

Shipped rule sets live in `triage_rules/rulesets/<version>.yaml`. Old versions stay there and
stay loadable, because every case records the version it was triaged with.

For the outcomes loop (a physician accepts a proposed change):

    data = ruleset_to_data(load_ruleset())           # plain dict, as written in the file
    ...change data...
    path = write_version(data, "skane-2026.2")        # validated, refuses to overwrite
    print("\\n".join(diff_rulesets(load_ruleset(version="skane-2026.1"), load_ruleset(path))))
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from resources.datafile import DataFileError, describe_validation_error, load_yaml, read_structured
from resources.os_errors import os_error_text
from resources.paths import data_dir
from resources.settings import load_settings
from triage_rules.schema import RuleSet
from triage_rules.validate import check_ruleset

RULESET_DIR = Path(__file__).with_name("rulesets")  # the versions shipped with the product (read-only)
RULESET_DIR_ENV = "LARMCENTRAL_RULESET_DIR"  # resources.settings.Settings.ruleset_dir


def local_ruleset_dir() -> Path:
    """Where accepted new versions are written: `LARMCENTRAL_RULESET_DIR` (in a centre, a directory all
    consoles share), else `rulesets/` in the data directory. Never the installed package."""
    return load_settings().ruleset_dir or data_dir() / "rulesets"


def _search_path(directory: Path | None) -> list[Path]:
    """`directory` alone when given; else the local versions first, then the shipped ones."""
    return [directory] if directory is not None else [local_ruleset_dir(), RULESET_DIR]


class RuleSetError(DataFileError):
    """A rule set that cannot be used; `problems` lists every problem, each naming where."""


def ruleset_from_data(data: Any, source: str = "<data>", *, require_unknown_decision: bool | None = None) -> RuleSet:
    """Validate parsed YAML/JSON data as a rule set (shape and semantics); raises RuleSetError."""
    try:
        rs = RuleSet.model_validate(data)
    except ValidationError as exc:
        lines = describe_validation_error(exc, data if isinstance(data, dict) else {}, entry_key="code")
        raise RuleSetError(source, [f"{source}: {line}" for line in lines]) from exc
    problems = check_ruleset(rs, source, require_unknown_decision=require_unknown_decision)
    if problems:
        raise RuleSetError(source, problems)
    rs._source = source
    return rs


def ruleset_from_text(text: str, source: str = "<text>", *, require_unknown_decision: bool | None = None) -> RuleSet:
    """Parse YAML (or JSON, which is YAML) text and validate it as a rule set."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"rad {mark.line + 1}, kolumn {mark.column + 1}: " if mark else ""
        raise RuleSetError(source, [f"{source}: {where}ogiltig YAML: {getattr(exc, 'problem', exc)}"]) from exc
    return ruleset_from_data(data, source, require_unknown_decision=require_unknown_decision)


_cache: dict[tuple[str, int], RuleSet] = {}


def load_ruleset(path: Path | str | None = None, *, version: str | None = None,
                 directory: Path | None = None) -> RuleSet:
    """Load a rule set from `path`, or `version`, or the newest version (local and shipped ones, or
    only those in `directory` when given).

    Loaded rule sets are cached per file and modification time; treat them as read-only.
    """
    if path is None:
        path = ruleset_path(version or latest_version(directory), directory)
    path = Path(path)
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError as exc:
        raise RuleSetError(path, [f"{path}: kan inte läsas: {os_error_text(exc)}"]) from exc
    if key not in _cache:
        try:
            data = read_structured(path)
        except DataFileError as exc:
            raise RuleSetError(path, exc.problems) from exc
        _cache[key] = ruleset_from_data(data, str(path))
    return _cache[key]


def resolve_ruleset(ref: str | None, directory: Path | None = None) -> RuleSet:
    """A rule set named on the command line: a file path, a shipped version, or None = newest."""
    if ref is None:
        return load_ruleset(directory=directory)
    if Path(ref).is_file():
        return load_ruleset(ref)
    if ref in available_versions(directory):
        return load_ruleset(version=ref, directory=directory)
    known = ", ".join(available_versions(directory)) or "inga"
    raise RuleSetError(ref, [f"{ref}: varken en fil eller en känd version (kända versioner: {known})"])


def _natural_key(version: str) -> list[Any]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", version)]


def available_versions(directory: Path | None = None) -> list[str]:
    """Every version (file stem) on the search path, oldest first."""
    stems = {p.stem for d in _search_path(directory) for pattern in ("*.yaml", "*.json") for p in d.glob(pattern)}
    return sorted(stems, key=_natural_key)


def latest_version(directory: Path | None = None) -> str:
    versions = available_versions(directory)
    if not versions:
        where = ", ".join(str(d) for d in _search_path(directory))
        raise RuleSetError(where, [f"{where}: inga regelverk finns"])
    return versions[-1]


def ruleset_path(version: str, directory: Path | None = None) -> Path:
    for d in _search_path(directory):
        for suffix in (".yaml", ".json"):
            p = d / f"{version}{suffix}"
            if p.is_file():
                return p
    known = ", ".join(available_versions(directory)) or "inga"
    raise RuleSetError(version, [f"regelverk version '{version}' finns inte (kända versioner: {known})"])


def ruleset_to_data(rs: RuleSet) -> dict[str, Any]:
    """The rule set as plain data, as it was written (fields the file left out stay out)."""
    return rs.model_dump(mode="json", exclude_unset=True)


def version_text(data: dict[str, Any], version: str, note: str = "") -> str:
    """The file text of rule-set `data` as `version`: a dated header with `note` as comments, then YAML.
    (Not validated here: write_version and the outcomes loop validate before they use it.)"""
    header = [f"# Regelverk {version}, skrivet {date.today().isoformat()}."]
    header += [f"# {line}" for line in note.splitlines() if line.strip()]
    body = yaml.safe_dump({**data, "version": version}, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join(header) + "\n" + body


def write_version(rs: RuleSet | dict[str, Any], version: str, directory: Path | None = None,
                  note: str = "") -> Path:
    """Validate `rs` with `version` as its version and write `<directory>/<version>.yaml`
    (by default in the local rule-set directory, never among the shipped versions).

    Refuses to overwrite an existing version (old versions must stay as they were).
    `note` (e.g. who accepted which proposal) is written as a comment at the top.
    """
    data = dict(ruleset_to_data(rs) if isinstance(rs, RuleSet) else rs)
    data["version"] = version
    target = (directory if directory is not None else local_ruleset_dir()) / f"{version}.yaml"
    if target.exists() or version in available_versions(directory):
        raise RuleSetError(target, [f"{target}: version '{version}' finns redan och skrivs inte över"])
    ruleset_from_data(data, str(target))  # raises with every problem before anything is written
    text = version_text(data, version, note)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def diff_rulesets(old: RuleSet, new: RuleSet) -> list[str]:
    """A readable, line-per-change diff: what was changed, added or removed, and where.

    Lists are keyed by their entries' code/id/value, so moving an entry is not a change.
    """
    before, after = _flatten(old.model_dump(mode="json")), _flatten(new.model_dump(mode="json"))
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key not in after:
            lines.append(f"Borttaget: {key} (var {_show(before[key])})")
        elif key not in before:
            lines.append(f"Tillagt:   {key} = {_show(after[key])}")
        elif before[key] != after[key]:
            lines.append(f"Ändrat:    {key}: {_show(before[key])} → {_show(after[key])}")
    return lines


def _flatten(node: Any, prefix: tuple[str, ...] = (), out: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {} if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, (*prefix, str(k)), out)
    elif isinstance(node, list) and node and all(isinstance(i, dict) for i in node) and all(
        any(k in i for k in ("code", "id", "value")) for i in node
    ):
        for item in node:
            key = item.get("code") or item.get("id") or item.get("value")
            _flatten(item, (*prefix, str(key)), out)
    else:
        out[" › ".join(prefix)] = node
    return out


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)
