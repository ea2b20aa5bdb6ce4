"""Refused handshakes: why, counted per feed (thread-safe), and logged without flooding the log.

Two threads count refusals: the ZAP handler (a key that is unknown or belongs to another publisher) and the
subscriber thread's socket monitors (a peer in the wrong mode, any other failed handshake). Each reason is
counted in exactly one of the two places, always under the FleetState lock, which the readers of
FeedCounters hold too.
"""

from __future__ import annotations

import logging
import threading
import time
from enum import StrEnum

from dispatch.feed.state import FleetState

log = logging.getLogger("dispatch.feed")


class RefusalReason(StrEnum):
    UNKNOWN_KEY = "unknown_key"  # the client key is in no allow-list file (ZAP handler)
    WRONG_KEY = "wrong_key"  # the client key belongs to another publisher (ZAP handler)
    WRONG_MODE = "wrong_mode"  # plain peer on a CURVE feed or the reverse, a ZMTP protocol error, or the peer
    # hung up during the handshake (which a peer in the other mode often does first) (monitor)
    HANDSHAKE_FAILED = "handshake_failed"  # anything else: bad CURVE crypto, a ZAP failure, a dropped handshake


REFUSAL_LABELS = {
    RefusalReason.UNKNOWN_KEY: "okänd nyckel",
    RefusalReason.WRONG_KEY: "nyckeln tillhör en annan publicist",
    RefusalReason.WRONG_MODE: "fel läge (okrypterad mot CURVE eller tvärtom), protokollfel eller avbruten handskakning",
    RefusalReason.HANDSHAKE_FAILED: "handskakningen misslyckades",
}


def count_refusal(state: FleetState, publisher: str, reason: RefusalReason) -> None:
    """Count one refused handshake on `publisher`'s feed (any thread)."""
    with state.lock:
        counters = state.feed(publisher)
        counters.auth_refused += 1
        by_reason = counters.refused_by_reason
        by_reason[reason.value] = by_reason.get(reason.value, 0) + 1


class RateLimitedLog:
    """Log a warning per key at most once per `interval` seconds, saying how many were left unlogged."""

    def __init__(self, interval: float = 10.0, logger: logging.Logger = log):
        self.interval = interval
        self.logger = logger
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, key: str, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            message += f" (och {held} liknande sedan förra loggraden)"
        self.logger.warning("%s", message)
