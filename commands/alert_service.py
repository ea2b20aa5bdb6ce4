"""The alert sender (docs/alert-protocol.md 7): delivers the stored alerts to the units' gateways and applies what
they answer through the commands. One per centre: the console on the embedded database, `feed serve` on PostgreSQL.

One thread, one loop:

* **answers first** — each `ack`, `accept` and `decline` the link received is applied as `ApplyAlertReply` by the
  feed's system user in its own transaction (a repeated ack of what is already acknowledged is dropped before it
  costs one); an accept or decline is acknowledged to the gateway only after its transaction committed, so a crash
  in between makes the gateway resend it and it is applied then, once (the command id is derived from it);
* **timeouts** — a revision past its deadline unacknowledged is marked by `MarkAlertTimedOut` (the consoles raise
  their alert from it);
* **sending** — every revision due (`next_send_at` passed) for a gateway that is up is handed to the link, then the
  send is recorded with its backoff. Send first, record after: a crash in between sends it once more, which the
  gateway acknowledges as a repeat; the other order could lose it. A gateway heard again gets what is due at once; a
  new gateway epoch (its restart, or this process's) gets every open alert again.

Nothing here keeps state that matters across a restart: the database is the outbox.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from commands.base import CommandIdReused
from commands.runner import run
from commands.unit_alerts import AlertReplyApplied, ApplyAlertReply, MarkAlertTimedOut
from dispatch.alerting import store
from dispatch.alerting.link import STALE_AFTER_S, AlertLink, GatewayEvent
from dispatch.alerting.protocol import Accept, Decline, GatewayAck, central_ack, encode, stamped
from outcomes.system_jobs import feed_actor
from records.actor import Actor, NotPermitted
from records.audit import now
from records.db import transaction

log = logging.getLogger("commands.alerts")

POLL_S = 0.05  # how often the outbox is read for what is due (a committed assignment waits at most this long)
TIMEOUT_CHECK_S = 0.2
FAILURE_PAUSE_S = 1.0
UNKNOWN = "Okänt larm."


@dataclass
class ServiceCounters:
    sent: int = 0
    acks: int = 0
    repeats: int = 0  # acks of what was already acknowledged: dropped without a transaction
    accepts: int = 0
    declines: int = 0
    refused_answers: int = 0
    timeouts: int = 0
    failures: int = 0  # database or command failures (logged; nothing is lost: the gateway or the outbox repeats)


class AlertService:
    """`start()` binds the publishers' alert endpoints and starts sending; `stop()` ends both.

    `endpoints`: publisher → the endpoint to bind (`tcp://0.0.0.0:5560`, or `tcp://127.0.0.1:*` in tests: see
    `bound`). `server_secret_key`/`allowed_publishers`: CURVE as on the feeds (None for both: plain TCP, a lab).
    `actor`: the feed's system user (`feed serve` signs it in with its token); None signs it in here."""

    def __init__(self, factory: sessionmaker[Session], endpoints: dict[str, str], *, actor: Actor | None = None,
                 server_secret_key: Path | None = None, allowed_publishers: Path | None = None,
                 console: str | None = None, poll_s: float = POLL_S, stale_after: float = STALE_AFTER_S,
                 link: AlertLink | None = None):
        self.factory = factory
        self.link = link or AlertLink(endpoints, server_secret_key=server_secret_key,
                                      allowed_publishers=allowed_publishers, stale_after=stale_after)
        self.actor = actor
        self._own_sign_in = actor is None  # signed in here: signed in again when the session no longer holds
        self.console = console or socket.gethostname()
        self.poll_s = poll_s
        self.counters = ServiceCounters()
        self._stop = threading.Event()
        self._poke = threading.Event()
        self._thread: threading.Thread | None = None
        self._acked: dict[str, int] = {}  # alert id → acknowledged revision (a cache: the database decides)
        self._recent: dict[tuple[int, int], float] = {}  # (alert row, revision) → when handed to the link
        self._next_timeouts = 0.0
        self._paused_until = 0.0

    @property
    def bound(self) -> dict[str, str]:
        return dict(self.link.bound)

    def start(self) -> AlertService:
        try:
            self._sign_in()
        except Exception as exc:  # noqa: BLE001 - the database not there yet: the loop signs in when it is
            log.warning("larmsändaren: systemanvändaren kunde inte loggas in ännu: %s", exc)
        self.link.start()
        self._thread = threading.Thread(target=self._run, name="alert-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._poke.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.link.stop()

    def _sign_in(self) -> None:
        if self.actor is None:
            with transaction(self.factory) as session:
                self.actor = feed_actor(session, self.console)

    def poke(self) -> None:
        """Look at the outbox now (this process has just committed an assignment), not at the next poll."""
        self._poke.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the loop ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                events = self._wait_for_events()
                if time.monotonic() < self._paused_until:
                    continue
                self._sign_in()
                for event in events:
                    self._on_event(event)
                self._timeouts()
                self._send_due()
            except NotPermitted as exc:  # the system user's sign-in no longer holds (token revoked, session ended)
                self.counters.failures += 1
                log.error("larmsändaren: systemanvändaren får inte längre registrera svaren: %s", exc)
                if self._own_sign_in:
                    self.actor = None  # signed in again at the next round
                self._paused_until = time.monotonic() + FAILURE_PAUSE_S * 5
            except Exception:  # noqa: BLE001 - the database down, a bug: say so, carry on (the outbox keeps it)
                self.counters.failures += 1
                log.exception("larmsändaren: ett varv misslyckades; försöker igen om %.0f s", FAILURE_PAUSE_S)
                self._paused_until = time.monotonic() + FAILURE_PAUSE_S

    def _wait_for_events(self) -> list[GatewayEvent]:
        events: list[GatewayEvent] = []
        deadline = time.monotonic() + self.poll_s
        while not self._stop.is_set():
            try:
                events.append(self.link.events.get(timeout=max(0.0, min(0.01, deadline - time.monotonic()))))
                while True:
                    events.append(self.link.events.get_nowait())
            except queue.Empty:
                pass
            if events or self._poke.is_set() or time.monotonic() >= deadline:
                break
        self._poke.clear()
        return events

    def _on_event(self, event: GatewayEvent) -> None:
        if event.kind in ("up", "restart"):
            self._recent = {k: v for k, v in self._recent.items() if v > time.monotonic() - 0.05}
            with transaction(self.factory) as session:
                n = store.send_now(session, event.publisher, now(), everything_open=event.kind == "restart")
            log.info("larm %s: enhetssystemet %s; %d larm skickas nu", event.publisher,
                     "har startat om" if event.kind == "restart" else "hörs igen", n)
            return
        msg = event.message
        if isinstance(msg, GatewayAck):
            self._on_ack(event.publisher, msg)
        elif isinstance(msg, Accept | Decline):
            self._on_answer(event.publisher, msg)

    def _lookup(self, publisher: str, alert_id: str, unit_id: str) -> tuple[int, int, int] | None:
        """(case id, latest revision, acknowledged revision) of an alert the publisher was sent for that unit."""
        with transaction(self.factory) as session:
            known = store.known_alert(session, alert_id)
        if known is None:
            self._reject(publisher, "unknown_alert")
            return None
        case_id, owner, unit, seq, acked = known
        if owner != publisher or unit != unit_id:
            self._reject(publisher, "wrong_publisher")
            return None
        return case_id, seq, acked

    def _reject(self, publisher: str, reason: str) -> None:
        counters = self.link.counters().get(publisher)
        if counters is not None:
            counters.rejected[reason] = counters.rejected.get(reason, 0) + 1

    def _on_ack(self, publisher: str, msg: GatewayAck) -> None:
        if msg.result == "ok" and self._acked.get(msg.alert_id, 0) >= msg.seq:
            self.counters.repeats += 1
            return
        found = self._lookup(publisher, msg.alert_id, msg.unit_id)
        if found is None:
            return
        case_id, seq, acked = found
        if msg.seq > seq:
            self._reject(publisher, "unknown_alert")  # a revision not sent yet
            return
        if msg.result == "ok" and msg.seq <= acked:
            self._acked[msg.alert_id] = acked
            self.counters.repeats += 1
            return
        cmd = ApplyAlertReply.for_message(alert_id=msg.alert_id, case_id=case_id, publisher=publisher,
                                          unit_id=msg.unit_id, kind="ack", seq=msg.seq,
                                          refused=msg.result == "refused", reason=msg.reason)
        if self._apply(cmd) is not None:
            self.counters.acks += 1
            if msg.result == "ok":
                if len(self._acked) > 100_000:  # a cache of what is acknowledged: a long-running service forgets
                    self._acked.clear()
                self._acked[msg.alert_id] = max(self._acked.get(msg.alert_id, 0), msg.seq)

    def _on_answer(self, publisher: str, msg: Accept | Decline) -> None:
        kind = "accept" if isinstance(msg, Accept) else "decline"
        found = self._lookup(publisher, msg.alert_id, msg.unit_id)
        if found is None:  # answered, so the gateway stops resending; nothing is done
            self.link.send(publisher, central_ack(publisher, msg.alert_id, msg.unit_id, kind, UNKNOWN))
            return
        cmd = ApplyAlertReply.for_message(alert_id=msg.alert_id, case_id=found[0], publisher=publisher,
                                          unit_id=msg.unit_id, kind=kind,
                                          reason=msg.reason if isinstance(msg, Decline) else None)
        result = self._apply(cmd)
        if result is None:
            return  # not recorded: no acknowledgement, the gateway sends it again
        if result.refused is not None:
            self.counters.refused_answers += 1
        elif kind == "accept":
            self.counters.accepts += 1
        else:
            self.counters.declines += 1
        self.link.send(publisher, central_ack(publisher, msg.alert_id, msg.unit_id, kind, result.refused))

    def _apply(self, cmd: ApplyAlertReply) -> AlertReplyApplied | None:
        assert self.actor is not None
        try:
            result = run(self.factory, self.actor, cmd)
        except CommandIdReused:  # cannot happen for one alert's answer (its hash is its identity); be safe
            return AlertReplyApplied(alert_id=cmd.alert_id, case_id=cmd.case_id, unit_id=cmd.unit_id, kind=cmd.kind,
                                     applied=False)
        except store.UnknownAlert:
            return AlertReplyApplied(alert_id=cmd.alert_id, case_id=cmd.case_id, unit_id=cmd.unit_id, kind=cmd.kind,
                                     applied=False, refused=UNKNOWN)
        except NotPermitted:
            raise  # the system user's sign-in no longer holds: the loop says so and pauses
        except Exception as exc:  # noqa: BLE001 - the database busy or down: the gateway (or the outbox) repeats it
            self.counters.failures += 1
            log.warning("larm: svaret %s på %s kunde inte registreras nu: %s", cmd.kind, cmd.alert_id, exc)
            return None
        assert isinstance(result, AlertReplyApplied)
        return result

    def _timeouts(self) -> None:
        mono = time.monotonic()
        if mono < self._next_timeouts:
            return
        self._next_timeouts = mono + TIMEOUT_CHECK_S
        with transaction(self.factory) as session:
            late = store.overdue(session, now())
        assert self.actor is not None
        for alert_id, seq, case_id in late:
            try:
                done = run(self.factory, self.actor, MarkAlertTimedOut.for_revision(alert_id, seq, case_id))
            except NotPermitted:
                raise
            except Exception as exc:  # noqa: BLE001 - tried again at the next check
                self.counters.failures += 1
                log.warning("larm %s: kunde inte markeras som ej kvitterat nu: %s", alert_id, exc)
                continue
            if getattr(done, "marked", False):
                self.counters.timeouts += 1
                log.warning("larm %s (ärende %s): revision %d ej kvitterad i tid", alert_id, case_id, seq)

    def _send_due(self) -> None:
        up = self.link.up_publishers()
        if not up:
            return
        at = now()
        with transaction(self.factory) as session:
            due = store.due_messages(session, at, up)
        if not due:
            return
        mono = time.monotonic()
        hold = store.resend_delay(0).total_seconds()
        sent = []
        for d in due:
            key = (d.row_id, d.seq)
            if mono - self._recent.get(key, -1e9) < hold:
                continue  # handed over moments ago and its bookkeeping did not land: not again yet
            self.link.send(d.publisher, encode(d.type.encode(), stamped(d.body)))
            self._recent[key] = mono
            sent.append(d)
        if len(self._recent) > 10_000:
            self._recent = {k: v for k, v in self._recent.items() if mono - v < hold}
        if sent:
            with transaction(self.factory) as session:
                store.record_sent(session, sent, at)
            self.counters.sent += len(sent)

    def snapshot(self) -> dict[str, Any]:
        return {"service": vars(self.counters).copy(), "gateways": self.link.snapshot()}
