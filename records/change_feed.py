"""What a committed change tells the consoles, and the in-process bus that carries it on SQLite.

A change is a topic ("cases", "reviews", ...) and the ids it touched (case ids), or the topic alone, which means
"re-read everything of that topic". On PostgreSQL it travels as NOTIFY on `CHANNEL` with a JSON payload
`{"topic": "cases", "ids": [12, 13]}` (`encode`/`decode`); a payload that would not fit PostgreSQL's limit
(under 8,000 bytes) is sent as the topic alone. On the embedded SQLite default there is no server to carry it:
commands publish the same `Change` to `LOCAL_BUS` after commit, and every subscriber in the process gets it at
once (a second process on the same SQLite file learns of it by its safety poll).

A "cases" change also says which of its cases are open for dispatch after it (`open`: waiting or assigned, what
väntrummet lists), read in the committing transaction. A dispatch console re-reads only the named cases it shows
or that are open now: a case being taken (created, triaged, noted) is not in väntrummet, and a hundred consoles
re-reading it for every change the call taker saves was most of the centre's re-reads. Statuses are not patient
data; the payload never carries more than ids.

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
    """`ids` None: the whole topic (too many ids to name, or a resync). `open`: which of `ids` are open for
    dispatch after the change (None: not told, so any of them may be)."""

    topic: str
    ids: frozenset[int] | None = None
    open: frozenset[int] | None = None

    def relevant_to(self, shown: frozenset[int]) -> frozenset[int] | None:
        """The named cases a listing of open cases that shows `shown` must re-read (None: all of it)."""
        if self.ids is None or self.open is None:
            return self.ids
        return self.ids & (shown | self.open)


def merge(a: Change, b: Change) -> Change:
    """Two changes of one topic heard together, as one (what either named; open if either said so)."""
    if a.ids is None or b.ids is None:
        return Change(a.topic)
    return Change(a.topic, a.ids | b.ids, None if a.open is None or b.open is None else a.open | b.open)


def encode(topic: str, ids: Iterable[int], open_ids: Iterable[int] | None = None) -> str:
    """The NOTIFY payload for `topic` and `ids` (and which of them are open); the topic alone when there are none
    or they would not fit."""
    named = sorted(set(ids))
    body: dict[str, object] = {"topic": topic, "ids": named}
    if open_ids is not None:
        body["open"] = sorted(set(open_ids) & set(named))
    payload = json.dumps(body, separators=(",", ":"))
    if not named or len(payload.encode()) > MAX_PAYLOAD_BYTES:
        payload = json.dumps({"topic": topic}, separators=(",", ":"))
    return payload


def decode(payload: str) -> Change:
    """A payload from `encode`; anything else (an older writer, a stray NOTIFY) reads as a resync of everything."""
    try:
        data = json.loads(payload)
        topic = data["topic"]
        ids, open_ids = data.get("ids"), data.get("open")
        if not isinstance(topic, str) or not topic:
            raise ValueError(topic)
        named = frozenset(int(i) for i in ids) or None if ids is not None else None
        opened = None if named is None or open_ids is None else frozenset(int(i) for i in open_ids) & named
        return Change(topic, named, opened)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
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
