"""A local copy of the call in progress, for when the database cannot be reached.

The draft normally lives in the database (records.models.CallDraft). If saving there
fails, the same payload is written here so a crash during an outage still loses nothing;
the file is removed once the database has the draft again.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from records.db import default_sqlite_path


def _path(username: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", username)
    directory = default_sqlite_path().parent / "drafts"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{safe}.json"


def write_local(username: str, payload: dict[str, Any]) -> Path:
    path = _path(username)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_local(username: str) -> dict[str, Any] | None:
    path = _path(username)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remove_local(username: str) -> None:
    _path(username).unlink(missing_ok=True)
