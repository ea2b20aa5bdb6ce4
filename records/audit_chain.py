"""The audit log's hash chain: what one entry's hash covers. A persistent format — never change it.

Every audit_log row carries `prev_hash` (the `hash` of the row before it in id order; `GENESIS` for the
first) and `hash` = sha256(prev_hash + canonical JSON of the entry's content). The content is what a
reader of the log relies on and what round-trips unchanged through both databases:

    at (UTC, ISO 8601 with microseconds), user_id, role, console, action, case_id, detail

as one JSON object with sorted keys (nested keys too), no whitespace, non-ASCII kept as UTF-8. The
row id is not covered: the chain itself fixes the order, and a row moved, removed or inserted breaks
the link of the row after it.

Pure functions only (no ORM): migration 0003 chains the rows that existed before it with this code,
records.audit chains new ones and records.audit_verify checks them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_at(at: datetime) -> str:
    """`at` as the chain covers it. A naive value (SQLite hands those back) is UTC by construction."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(*, at: datetime, user_id: int, role: str, console: str, action: str,
                      case_id: int | None, detail: Any) -> str:
    return json.dumps({"at": canonical_at(at), "user_id": user_id, "role": role, "console": console,
                       "action": action, "case_id": case_id, "detail": detail},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(prev_hash: str, *, at: datetime, user_id: int, role: str, console: str, action: str,
               case_id: int | None, detail: Any) -> str:
    content = canonical_content(at=at, user_id=user_id, role=role, console=console, action=action,
                                case_id=case_id, detail=detail)
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()
