"""What a dispatch console must not let go unnoticed, as plain data: a new Prio 1 in väntrummet, a unit's alert not
acknowledged in time (or refused by its system), a unit that declined its mission, a case passing its target time, a
unit feed lost. The console shows it (a flashing row, a tab badge, a sound); this module decides what
is raised, which one the acknowledge key takes next, and who acknowledged what and when. No Qt, no database: the
console feeds it what it shows and the clock, and records an acknowledgement as the command AcknowledgeAlert.

Per console and from when it starts: the first listing of väntrummet is the baseline (what is already there was
seen when the dispatcher sat down); every case that becomes a waiting Prio 1 after that, and every waiting case
that passes its target, raises an alert once; a feed raises one each time it goes from healthy to stale. A unit's
alert problem (dispatch.alerting.store.alert_problems: read from the database, so it is raised on every console, also
one started after it happened) raises one per alert revision and kind. An alert stays until it is acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from records.case_state import CaseStatus
from records.cases import CaseView
from resources.vocabulary import Priority

REMIND_AFTER_S = 30.0  # an alert left unacknowledged sounds again this often


class AlertKind(StrEnum):
    NEW_PRIO1 = "new_prio1"
    UNIT_UNACKNOWLEDGED = "unit_unacknowledged"  # docs/alert-protocol.md: no acknowledgement in time, or refused
    UNIT_DECLINED = "unit_declined"
    TARGET_PASSED = "target_passed"
    FEED_LOST = "feed_lost"

    @property
    def rank(self) -> int:
        """Which kind the acknowledge key takes first (lower first)."""
        return _ORDER.index(self)


_ORDER = (AlertKind.NEW_PRIO1, AlertKind.UNIT_UNACKNOWLEDGED, AlertKind.UNIT_DECLINED, AlertKind.TARGET_PASSED,
          AlertKind.FEED_LOST)


@dataclass(frozen=True)
class Alert:
    key: str  # unique per console: "new_prio1:42", "target_passed:42", "feed_lost:ambulans:1"
    kind: AlertKind
    text: str  # Swedish, names the case or the feed
    raised_at: datetime
    case_id: int | None = None
    feed: str | None = None


@dataclass(frozen=True)
class Acknowledged:
    alert: Alert
    by: str  # user name
    at: datetime


class UnitAlertProblem(Protocol):
    """What is read of a unit's alert problem (dispatch.alerting.store.AlertView has these)."""

    @property
    def alert_id(self) -> str: ...

    @property
    def case_id(self) -> int: ...

    @property
    def unit_id(self) -> str: ...

    @property
    def status(self) -> str: ...  # not_acknowledged | declined

    @property
    def pending(self) -> str: ...  # alert | update | cancel: which revision was not acknowledged

    @property
    def seq(self) -> int: ...

    @property
    def refused_reason(self) -> str | None: ...

    @property
    def decline_reason(self) -> str | None: ...


_PENDING = {"alert": ("Larmet", "kvitterat"), "update": ("Uppdateringen", "kvitterad"),
            "cancel": ("Återkallelsen", "kvitterad")}


class FeedHealthView(Protocol):
    """What is read of a feed (dispatch.feed.state.FeedView has these)."""

    @property
    def publisher(self) -> str: ...

    @property
    def stale(self) -> bool: ...


@dataclass
class AlertBoard:
    """The console's alerts. `observe_cases` with what väntrummet shows (after every re-read and every second),
    `observe_feeds` with the feeds' health; `next()` is what the acknowledge key takes; `acknowledge` clears it."""

    late: Callable[[CaseView], bool]  # has this waiting case passed its target (at the clock's now)?
    clock: Callable[[], datetime]
    feed_names: dict[str, str] = field(default_factory=dict)  # publisher → Swedish name
    active: dict[str, Alert] = field(default_factory=dict)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    _baseline: bool = False
    _prio1_seen: set[int] = field(default_factory=set)
    _late_seen: set[int] = field(default_factory=set)
    _feed_ok: dict[str, bool] = field(default_factory=dict)
    _feed_episodes: dict[str, int] = field(default_factory=dict)
    _pending: set[str] = field(default_factory=set)
    _unit_seen: set[str] = field(default_factory=set)
    _last_sound: datetime | None = None
    _sounded: set[str] = field(default_factory=set)

    # --- raising --------------------------------------------------------------------------------------
    def observe_cases(self, cases: Sequence[CaseView]) -> list[Alert]:
        """What väntrummet shows now; returns the alerts this raised. The first call is the baseline."""
        waiting = [c for c in cases if c.status is CaseStatus.WAITING]
        prio1 = [c for c in waiting if c.priority == Priority.P1.value]
        late = [c for c in waiting if self.late(c)]
        if not self._baseline:
            self._baseline = True
            self._prio1_seen.update(c.id for c in prio1)
            self._late_seen.update(c.id for c in late)
            return []
        now = self.clock()
        raised = []
        for c in prio1:
            if c.id not in self._prio1_seen:
                self._prio1_seen.add(c.id)
                raised.append(self._raise(Alert(f"{AlertKind.NEW_PRIO1}:{c.id}", AlertKind.NEW_PRIO1,
                                                f"Ny Prio 1 i väntrummet: ärende {c.id}{_where(c)}", now, case_id=c.id)))
        for c in late:
            if c.id not in self._late_seen:
                self._late_seen.add(c.id)
                prio = f"Prio {c.priority}" if c.priority in ("1", "2", "3") else (c.priority or "ej prioriterat")
                raised.append(self._raise(Alert(f"{AlertKind.TARGET_PASSED}:{c.id}", AlertKind.TARGET_PASSED,
                                                f"Ärende {c.id} ({prio}) har passerat sin måltid{_where(c)}", now,
                                                case_id=c.id)))
        return raised

    def observe_feeds(self, feeds: Iterable[FeedHealthView]) -> list[Alert]:
        """The feeds' health now; a feed that was healthy and is now stale raises an alert."""
        now = self.clock()
        raised = []
        for f in feeds:
            was_ok = self._feed_ok.get(f.publisher)
            self._feed_ok[f.publisher] = not f.stale
            if f.stale and was_ok:
                n = self._feed_episodes[f.publisher] = self._feed_episodes.get(f.publisher, 0) + 1
                name = self.feed_names.get(f.publisher, f.publisher)
                raised.append(self._raise(Alert(f"{AlertKind.FEED_LOST}:{f.publisher}:{n}", AlertKind.FEED_LOST,
                                                f"Flödet {name} har tappat kontakten: enheternas status är inte "
                                                f"aktuell", now, feed=f.publisher)))
        return raised

    def observe_unit_alerts(self, problems: Iterable[UnitAlertProblem]) -> list[Alert]:
        """The units' alert problems now: each one (an alert revision not acknowledged in time or refused, a decline)
        raises an alert once on this console."""
        now = self.clock()
        raised = []
        for p in problems:
            kind = AlertKind.UNIT_DECLINED if p.status == "declined" else AlertKind.UNIT_UNACKNOWLEDGED
            key = f"{kind}:{p.alert_id}:{p.seq if kind is AlertKind.UNIT_UNACKNOWLEDGED else 0}"
            if key in self._unit_seen:
                continue
            self._unit_seen.add(key)
            if kind is AlertKind.UNIT_DECLINED:
                text = (f"{p.unit_id} avböjde ärende {p.case_id}: {p.decline_reason or 'inget skäl angivet'} – "
                        f"ärendet är tillbaka i väntrummet")
            else:
                what, done = _PENDING.get(p.pending, _PENDING["alert"])
                why = (f": enhetssystemet tog inte emot det ({p.refused_reason})" if p.refused_reason
                       else " i tid – kontakta enheten på radio")
                text = f"{what} till {p.unit_id} för ärende {p.case_id} är inte {done}{why}"
            raised.append(self._raise(Alert(key, kind, text, now, case_id=p.case_id)))
        return raised

    def _raise(self, alert: Alert) -> Alert:
        self.active[alert.key] = alert
        return alert

    # --- showing --------------------------------------------------------------------------------------
    def alerts(self) -> list[Alert]:
        """The unacknowledged alerts, in the order the acknowledge key takes them: kind, then oldest first."""
        return sorted(self.active.values(), key=lambda a: (a.kind.rank, a.raised_at, a.key))

    def next(self) -> Alert | None:
        """What the acknowledge key takes now (one whose acknowledgement is not on its way already)."""
        return next((a for a in self.alerts() if a.key not in self._pending), None)

    def flashing_cases(self) -> frozenset[int]:
        return frozenset(a.case_id for a in self.active.values() if a.case_id is not None)

    def sound_due(self) -> AlertKind | None:
        """Which sound to play now, if any: at once when an alert is raised, again every REMIND_AFTER_S while one
        is left unacknowledged. The most urgent kind's sound."""
        first = self.next() or next(iter(self.alerts()), None)
        if first is None:
            self._last_sound = None
            return None
        now = self.clock()
        unheard = self.active.keys() - self._sounded
        if unheard or self._last_sound is None or (now - self._last_sound).total_seconds() >= REMIND_AFTER_S:
            self._sounded.update(self.active)
            self._last_sound = now
            return min((self.active[k] for k in unheard), key=lambda a: a.kind.rank).kind if unheard else first.kind
        return None

    # --- acknowledging --------------------------------------------------------------------------------
    def begin(self, key: str) -> None:
        """The acknowledgement of `key` is on its way to the database: the key now takes the next alert."""
        self._pending.add(key)

    def abandon(self, key: str) -> None:
        """Its acknowledgement could not be recorded: the alert stays and the key takes it again."""
        self._pending.discard(key)

    def acknowledge(self, key: str, by: str, at: datetime | None = None) -> Acknowledged | None:
        """Recorded: the alert is cleared. None when it was not active (already acknowledged)."""
        self._pending.discard(key)
        alert = self.active.pop(key, None)
        if alert is None:
            return None
        done = Acknowledged(alert, by, at or self.clock())
        self.acknowledged.append(done)
        return done


def _where(case: CaseView) -> str:
    parts = [p for p in (case.address, case.kommun) if p]
    return f" – {', '.join(parts)}" if parts else ""
