"""Loading YAML/JSON data files with errors that name the file, the entry and the field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from resources.os_errors import os_error_text

M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that cannot be used. `problems` lists every problem found, each self-contained."""

    def __init__(self, path: Path | str, problems: Sequence[str]):
        self.path = str(path)
        self.problems = list(problems)
        joined = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} fel\n{joined}")

    def __reduce__(self) -> tuple[Any, ...]:
        # sent whole from a worker process (replay's forked runs): the default would call __init__ with the message
        return type(self), (self.path, self.problems)


class ConfigurationError(ValueError):
    """A setting (environment variable or option) with a bad value; the message names it, in Swedish."""


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster, the same safe constructors


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml where PyYAML was built with it (the rule set, palette and fleet files are
    read at every start and in most tests; the pure-Python parser took seconds for them)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)


def read_structured(path: Path) -> Any:
    """Parse a YAML or JSON file; a syntax error becomes a DataFileError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, [f"kan inte läsas: {os_error_text(exc)}"]) from exc
    return parse_structured(text, path)


def parse_structured(text: str, path: Path) -> Any:
    """Parse YAML or JSON `text` (JSON when `path` ends in .json; YAML, which reads JSON too, otherwise) that
    came from `path` (a file, or e.g. `-` for standard input); a syntax error names the line."""
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return load_yaml(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, [f"rad {exc.lineno}, kolumn {exc.colno}: ogiltig JSON: {exc.msg}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"rad {mark.line + 1}, kolumn {mark.column + 1}: " if mark else ""
        raise DataFileError(path, [f"{where}ogiltig YAML: {getattr(exc, 'problem', exc)}"]) from exc


def describe_validation_error(exc: ValidationError, data: Any, entry_key: str = "code") -> list[str]:
    """Turn pydantic errors into lines naming the entry (by its code/id/name) and the field."""
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        lines.append(f"{_locate(loc, data, entry_key)}: {swedish_message(err)}")
    return lines


_MESSAGES = {
    "missing": "saknas",
    "extra_forbidden": "okänt fält (finns inte i formatet)",
    "dict_type": "ska vara en tabell med nycklar och värden",
    "model_type": "ska vara en tabell med nycklar och värden",
    "model_attributes_type": "ska vara en tabell med nycklar och värden",
    "list_type": "ska vara en lista",
    "tuple_type": "ska vara en lista",
    "set_type": "ska vara en lista",
    "frozen_set_type": "ska vara en lista",
    "string_type": "ska vara text",
    "string_unicode": "innehåller ogiltiga tecken (ingen giltig Unicode-text)",
    "int_type": "ska vara ett heltal",
    "int_parsing": "ska vara ett heltal",
    "int_from_float": "ska vara ett heltal",
    "float_type": "ska vara ett tal",
    "float_parsing": "ska vara ett tal",
    "bool_type": "ska vara sant eller falskt",
    "bool_parsing": "ska vara sant eller falskt",
    "datetime_type": "ska vara en tidpunkt (ISO 8601, t.ex. 2026-03-14T22:00:00+01:00)",
    "datetime_parsing": "ska vara en tidpunkt (ISO 8601, t.ex. 2026-03-14T22:00:00+01:00)",
    "datetime_from_date_parsing": "ska vara en tidpunkt (ISO 8601, t.ex. 2026-03-14T22:00:00+01:00)",
    "date_parsing": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_from_datetime_parsing": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "none_required": "ska vara tomt",
}


def swedish_message(err: Any) -> str:
    """A pydantic error (one item of `ValidationError.errors()`) as a Swedish message."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    value = err.get("input")
    shown = f" (angivet: {value!r})" if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in _MESSAGES:
        return _MESSAGES[kind] + (shown if kind not in ("missing", "extra_forbidden") else "")
    if kind in ("literal_error", "enum"):
        return f"måste vara ett av {ctx.get('expected', '')}".replace(" or ", " eller ") + shown
    bounds = {"greater_than": "större än", "greater_than_equal": "minst", "less_than": "mindre än",
              "less_than_equal": "högst"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return f"ska vara {bounds[kind]} {limit}{shown}"
    if kind in ("too_short", "string_too_short"):
        return f"för kort: minst {ctx.get('min_length', '?')}" + (" tecken" if kind.startswith("string") else " poster")
    if kind in ("too_long", "string_too_long"):
        return f"för långt: högst {ctx.get('max_length', '?')}" + (" tecken" if kind.startswith("string") else " poster")
    if kind == "string_pattern_mismatch":
        return f"har fel form (mönster {ctx.get('pattern', '')}){shown}"
    return str(err.get("msg", kind))


def _locate(loc: list[Any], data: Any, entry_key: str) -> str:
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
            name = node.get(entry_key) or node.get("id") or node.get("name") if isinstance(node, dict) else None
            parts.append(f"post {step + 1}" + (f" ({name})" if name else ""))
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(f"fält '{step}'")
    return ", ".join(parts) if parts else "filen"


def load_model(path: Path, model: type[M], entry_key: str = "code") -> M:
    """Read `path` and validate it as `model`, or raise DataFileError with every problem."""
    data = read_structured(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(path, describe_validation_error(exc, data, entry_key)) from exc
