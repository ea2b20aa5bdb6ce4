"""Loading YAML/JSON data files with errors that name the file, the entry and the field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that cannot be used. `problems` lists every problem found, each self-contained."""

    def __init__(self, path: Path | str, problems: Sequence[str]):
        self.path = str(path)
        self.problems = list(problems)
        joined = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} fel\n{joined}")


def read_structured(path: Path) -> Any:
    """Parse a YAML or JSON file; a syntax error becomes a DataFileError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, [f"kan inte läsas: {exc.strerror or exc}"]) from exc
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
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
        lines.append(f"{_locate(loc, data, entry_key)}: {err['msg']}")
    return lines


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
