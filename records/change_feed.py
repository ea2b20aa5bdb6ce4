"""What a committed change tells the consoles, and the in-process bus that carries it on SQLite.

A change is a topic ("cases", "reviews", ...) and the ids it touched (case ids), or the topic alone, which means
"re-read everything of that topic". On PostgreSQL it travels as NOTIFY on `CHANNEL` with a JSON payload
`{"topic": "cases", "ids": [12, 13]}` (`encode`/`decode`); a payload that would not fit PostgreSQL's limit
(under 8,000 bytes) is sent as the topic alone. On the embedded SQLite default there is no server to carry it:
commands publish the same `Change` to `LOCAL_BUS` after commit, and every subscriber in the process gets it at
once (a second process on the same SQLite file learns of it by its safety poll).

`RESYNC` is not a topic a command uses: a listener delivers it after every (re)connect, meaning "you may have
missed changes: re-read everything once". The durable record stays `change_events`; notifications only say when
to look.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

log = logging.getLogger("larmcentral.records.change_feed")

CHANNEL = "larmcentral_changes"
RESYNC = "resync"
MAX_PAYLOAD_BYTES = 7999  # PostgreSQL's NOTIFY payload must be shorter than 8,000 bytes
TOPICS = ("alerts", "care_plans", "cases", "drafts", "followups", "reviews", "rulesets", "units", "users")  # what commands announce


@dataclass(frozen=True)
class Change:
    """`ids` None: the whole topic (too many ids to name, or a resync)."""

    topic: str
    ids: frozenset[int] | None = None


def encode(topic: str, ids: Iterable[int]) -> str:
    """The NOTIFY payload for `topic` and `ids`; the topic alone when there are none or they would not fit."""
    named = sorted(set(ids))
    payload = json.dumps({"topic": topic, "ids": named}, separators=(",", ":"))
    if not named or len(payload.encode()) > MAX_PAYLOAD_BYTES:
        payload = json.dumps({"topic": topic}, separators=(",", ":"))
    return payload


def decode(payload: str) -> Change:
    """A payload from `encode`; anything else (an older writer, a stray NOTIFY) reads as a resync of everything."""
    try:
        data = json.loads(payload)
        topic = data["topic"]
        ids = data.get("ids")
        if not isinstance(topic, str) or not topic:
            raise ValueError(topic)
        return Change(topic, frozenset(int(i) for i in ids) or None if ids is not None else None)
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("unreadable change notification %.200r: read as a resync", payload)
        return Change(RESYNC)


def database_key(url: str | URL) -> str:
    """Which database a bus subscription concerns: the SQLite file's real path (one process may open several
    files, as the tests do), else the URL without its password."""
    u = make_url(url) if isinstance(url, str) else url
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        return "sqlite:" + (db if db in ("", ":memory:") or db.startswith("file:") else os.path.realpath(db))
    return u.render_as_string(hide_password=True)


class LocalBus:
    """Publish/subscribe within one process, per database. A subscriber is called on the publishing thread
    (the committing one) and must only hand the change on (a queued Qt signal, a queue)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[Callable[[Change], None]]] = {}

    def subscribe(self, key: str, deliver: Callable[[Change], None]) -> Callable[[], None]:
        """Returns the call that unsubscribes."""
        with self._lock:
            self._subscribers.setdefault(key, []).append(deliver)

        def unsubscribe() -> None:
            with self._lock:
                subs = self._subscribers.get(key, [])
                if deliver in subs:
                    subs.remove(deliver)
                if not subs:
                    self._subscribers.pop(key, None)
        return unsubscribe

    def publish(self, key: str, change: Change) -> None:
        with self._lock:
            subs = list(self._subscribers.get(key, ()))
        for deliver in subs:
            try:
                deliver(change)
            except Exception:  # a subscriber's failure must not undo or block the committed write
                log.exception("change subscriber failed")


LOCAL_BUS = LocalBus()
