"""Why a feed message was dropped, and a bounded quarantine of the latest rejects."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger("dispatch.feed")


class RejectReason(StrEnum):
    MALFORMED_FRAMES = "malformed_frames"
    UNKNOWN_TOPIC = "unknown_topic"
    INVALID_JSON = "invalid_json"
    SCHEMA = "schema"
    UNKNOWN_UNIT = "unknown_unit"
    WRONG_PUBLISHER = "wrong_publisher"
    FUTURE_TIMESTAMP = "future_timestamp"
    OUTSIDE_SKANE = "outside_skane"
    TOO_LARGE = "too_large"

    @property
    def label(self) -> str:
        return REJECT_LABELS[self]


REJECT_LABELS = {
    RejectReason.MALFORMED_FRAMES: "Fel antal ramar",
    RejectReason.UNKNOWN_TOPIC: "Okänt ämne",
    RejectReason.INVALID_JSON: "Ogiltig JSON",
    RejectReason.SCHEMA: "Bryter mot meddelandeschemat",
    RejectReason.UNKNOWN_UNIT: "Okänd enhet",
    RejectReason.WRONG_PUBLISHER: "Fel publicist för enheten/flödet",
    RejectReason.FUTURE_TIMESTAMP: "Tidsstämpel i framtiden",
    RejectReason.OUTSIDE_SKANE: "Position utanför Skåne",
    RejectReason.TOO_LARGE: "Meddelandet är för stort",
}


@dataclass(frozen=True, slots=True)
class Reject:
    publisher: str
    reason: RejectReason
    detail: str
    at: float  # Unix time
    raw: bytes  # the start of the offending body


class Quarantine:
    """The last `size` rejects (all feeds), logged at most once a second per feed and reason."""

    def __init__(self, size: int = 200):
        self._items: deque[Reject] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._last_log: dict[tuple[str, RejectReason], tuple[float, int]] = {}

    def add(self, publisher: str, reason: RejectReason, detail: str, raw: bytes = b"") -> None:
        now = time.time()
        with self._lock:
            self._items.append(Reject(publisher, reason, detail[:300], now, raw[:200]))
        key = (publisher, reason)
        last, suppressed = self._last_log.get(key, (0.0, 0))
        if now - last >= 1.0:
            more = f" ({suppressed} fler sedan förra loggen)" if suppressed else ""
            log.warning("flöde %s: meddelande avvisat – %s: %s%s", publisher, reason.label, detail[:300], more)
            self._last_log[key] = (now, 0)
        else:
            self._last_log[key] = (last, suppressed + 1)

    def items(self) -> list[Reject]:
        with self._lock:
            return list(self._items)
