"""Per-feed health: one compact indicator per publisher; its tooltip has every counter per reason, with the
names of docs/feed-protocol.md (section 8.3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from console.numbers import number

PUBLISHER_LABELS = {"ambulans": "Ambulans", "mobila_team": "Mobila team", "skanetrafiken": "Skånetrafiken",
                    "raddningstjanst": "Räddningstjänst"}
OK_STYLE = "QLabel { color: #3fb950; padding: 2px 6px; border: 1px solid #2e5a3a; border-radius: 3px; }"
STALE_STYLE = ("QLabel { color: #ffffff; background: #8e1519; padding: 2px 6px; border: 1px solid #e5484d;"
               " border-radius: 3px; font-weight: bold; }")


class FeedHealth(Protocol):
    """What the indicator reads (dispatch.feed.state.FeedView has these fields)."""

    publisher: str
    messages: int
    rejected: int
    gaps: int
    resyncs: int
    last_heard_age_s: float | None
    stale: bool
    rejected_by_reason: dict[str, int]
    restarts: int
    resets: int
    replays: int
    replayed: int
    holes: int
    hole_updates: int
    auth_refused: int
    refused_by_reason: dict[str, int]
    illegal_transitions: int


def feed_summary(f: FeedHealth) -> str:
    name = PUBLISHER_LABELS.get(f.publisher, f.publisher)
    if f.stale:
        heard = "aldrig hörd" if f.last_heard_age_s is None else f"tyst i {f.last_heard_age_s:.0f} s"
        return f"● {name}: INGEN KONTAKT ({heard})"
    return f"● {name} ✓"


def _by_reason(counts: dict[str, int]) -> str:
    return "" if not counts else " (" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ")"


def record_details(r: Mapping[str, Any]) -> str:
    """What this console's record writer did with the feed (docs/feed-protocol.md 8.3, record.*)."""
    return (f"\nSparade: {r.get('stored', 0)}, oförändrade: {r.get('unchanged', 0)}, "
            f"redan sparade: {r.get('duplicates', 0)}\n"
            f"Förgiftade (döda brev): {sum(r.get('dead_lettered', {}).values())}"
            f"{_by_reason(r.get('dead_lettered', {}))}\nUtfall i inkorgen: {r.get('outcomes_inboxed', 0)}")


def feed_details(f: FeedHealth, record: Mapping[str, Any] | None = None) -> str:
    heard = "aldrig" if f.last_heard_age_s is None else f"för {number(f.last_heard_age_s, 1)} s sedan"
    return (f"{PUBLISHER_LABELS.get(f.publisher, f.publisher)}\n"
            f"Meddelanden: {f.messages}\nAvvisade: {f.rejected}{_by_reason(f.rejected_by_reason)}\n"
            f"Luckor: {f.gaps}\nOmsynkningar: {f.resyncs}\n"
            f"Omstarter: {f.restarts} (varav utan ny epok: {f.resets})\n"
            f"Omsändningar: {f.replays} ({f.replayed} uppdateringar)\n"
            f"Hål i registret: {f.holes} ({f.hole_updates} uppdateringar)\n"
            f"Nekade anslutningar: {f.auth_refused}{_by_reason(f.refused_by_reason)}\n"
            f"Otillåtna statusändringar: {f.illegal_transitions}\nSenast hörd: {heard}"
            + (record_details(record) if record is not None else ""))


class FeedHealthBar(QWidget):
    """A row of indicators, one per feed, green when live and red when silent (stale)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feedHealthBar")
        # never widen the window: at 1280 px the indicators share the board's width
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._labels: dict[str, QLabel] = {}
        # per publisher, the record writer's counters (the persisting console sets it; None: not shown)
        self.record_source: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None
        self._empty = QLabel(self.tr("Inga flöden anslutna"))
        self._layout.addWidget(self._empty)
        self._layout.addStretch(1)

    def set_health(self, feeds: Sequence[FeedHealth]) -> None:
        self._empty.setVisible(not feeds)
        record = self.record_source() if self.record_source is not None else None
        for f in feeds:
            label = self._labels.get(f.publisher)
            if label is None:
                label = self._labels[f.publisher] = QLabel()
                label.setObjectName(f"feed_{f.publisher}")
                self._layout.insertWidget(self._layout.count() - 1, label)
            label.setText(feed_summary(f))
            label.setToolTip(feed_details(f, None if record is None else record.get(f.publisher, {})))
            if label.property("stale") != f.stale:  # restyle only on a change (setStyleSheet is costly)
                label.setStyleSheet(STALE_STYLE if f.stale else OK_STYLE)
                label.setProperty("stale", f.stale)

    def label(self, publisher: str) -> QLabel | None:
        return self._labels.get(publisher)
