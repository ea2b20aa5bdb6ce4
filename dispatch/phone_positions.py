"""The console's inbox for the callers' phone positions (AML; docs/phone-position.md): a ZeroMQ PULL socket bound
at LARMCENTRAL_AML_ENDPOINT, to which the telephony integration PUSHes one JSON message per position.

Plain Python, no thread: the owner polls (`poll(0)` whenever `fd` is readable, as the console's
PhonePositionWatch does with a QSocketNotifier, or `poll(timeout_ms)` in a loop). The socket is not thread-safe, so
one thread owns the inbox. A bad message never stops anything: it is returned as a `BadMessage` (Swedish reason,
naming the field), logged (at most once per reason every 10 s) and dropped. Good positions are kept per caller's
number — the latest measured one, for at most KEEP_NUMBERS numbers and KEEP_S seconds — so a call whose callback
number is typed after its position arrived still finds it.

Matching a position to a call (`for_call`): the number is compared as records.recontact_keys.phone_key reduces it
("+46 70-123 45 67" = "0701234567"). When no kept position has the call's number, and exactly one position is fresh
(measured within `max_age_s`), that one is offered with `by_number=False` and a note saying whose number it came
with: the integration sends a console the positions of its own calls, so the only fresh one is most likely this
call's — from a phone other than the callback number — but the nurse must ask.
"""

from __future__ import annotations

import errno
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import zmq

from dispatch.alerting.link import loopback
from dispatch.feed.refusals import RateLimitedLog
from records.recontact_keys import phone_key
from resources.location.assess import FUTURE_TOLERANCE_S
from resources.location.phone_position import (
    PhonePosition,
    PhonePositionError,
    parse_phone_position,
)

log = logging.getLogger("dispatch.aml")

KEEP_NUMBERS = 500  # callers' numbers kept (a busy centre takes a few hundred calls an hour)
KEEP_S = 6 * 3600.0  # a position older than this is forgotten
MAX_FRAME_BYTES = 65_536  # ZeroMQ drops the connection of a peer that sends a larger frame (memory stays bounded)
RAW_KEPT = 200  # bytes of a bad message kept for the log and the screen

_BIND_ERRORS = {
    errno.EADDRINUSE: "adressen används redan av ett annat program (en konsol till på samma dator?)",
    errno.EADDRNOTAVAIL: "adressen finns inte på den här datorn",
    errno.EACCES: "behörighet saknas",
}


class InboxUnavailable(RuntimeError):
    """The inbox cannot bind its endpoint; the message (Swedish) says so and that the console works without it."""


@dataclass(frozen=True)
class BadMessage:
    """A message that was not a phone position: why (Swedish, naming the field), its start, when it came."""

    reason: str
    raw: bytes
    received: datetime


class PhoneMatch(NamedTuple):
    """The phone position offered for a call: `by_number` when its number is the call's callback number; else it
    is the only fresh position and `note` (Swedish) tells the nurse to check the number with the caller."""

    position: PhonePosition
    by_number: bool
    note: str | None


class PhonePositionInbox:
    """See the module docstring. `endpoint` as LARMCENTRAL_AML_ENDPOINT; `context` shared or made (and ended) here."""

    def __init__(self, endpoint: str, *, context: zmq.Context | None = None,  # type: ignore[type-arg]
                 keep_numbers: int = KEEP_NUMBERS, keep_s: float = KEEP_S):
        self.endpoint = endpoint
        self._own_context = context is None
        self._context = context
        self._socket: zmq.Socket | None = None  # type: ignore[type-arg]
        self._keep_numbers, self._keep_s = keep_numbers, keep_s
        self._latest: OrderedDict[str, PhonePosition] = OrderedDict()  # phone key → latest measured, oldest first
        self._log = RateLimitedLog(10.0, log)
        self.received = 0
        self.rejected = 0

    # --- the socket ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Bind the PULL socket; raises InboxUnavailable (Swedish) when the endpoint cannot be bound."""
        if self._socket is not None:
            return
        if self._context is None:
            self._context = zmq.Context()
        sock = self._context.socket(zmq.PULL)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_FRAME_BYTES)
        sock.setsockopt(zmq.RCVHWM, 1000)
        try:
            sock.bind(self.endpoint)
        except zmq.ZMQError as exc:
            sock.close(0)
            self._end_context()
            why = _BIND_ERRORS.get(exc.errno or 0, exc.strerror)
            raise InboxUnavailable(f"Telefonpositioner (AML) kan inte tas emot: {self.endpoint} kan inte bindas – "
                                   f"{why}. Konsolen fungerar i övrigt; se LARMCENTRAL_AML_ENDPOINT.") from None
        self._socket = sock
        if not loopback(self.endpoint):
            log.warning("telefonpositioner tas emot okrypterat från nätet på %s: bind bara till ett nät som "
                        "endast telefonins integration når (docs/phone-position.md)", self.endpoint)
        log.info("tar emot telefonpositioner (AML) på %s", self.bound_endpoint)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(0)
            self._socket = None
        self._end_context()

    def _end_context(self) -> None:
        if self._own_context and self._context is not None:
            self._context.term()
            self._context = None

    @property
    def running(self) -> bool:
        return self._socket is not None

    @property
    def bound_endpoint(self) -> str:
        """The endpoint as bound (a `tcp://127.0.0.1:*` in a test becomes its real port)."""
        if self._socket is None:
            return self.endpoint
        return str(self._socket.getsockopt_string(zmq.LAST_ENDPOINT))

    @property
    def fd(self) -> int:
        """The socket's file descriptor, readable when messages may be waiting — edge-triggered: after it fires,
        `poll(0)` until it returns fewer than `limit` items."""
        if self._socket is None:
            raise RuntimeError("inkorgen är inte startad")
        return int(self._socket.getsockopt(zmq.FD))

    def poll(self, timeout_ms: int = 0, limit: int = 100) -> list[PhonePosition | BadMessage]:
        """What arrived, in order (at most `limit`), waiting up to `timeout_ms` for the first. Positions are kept for
        `latest_for`/`for_call` before they are returned; bad messages are logged."""
        if self._socket is None:
            return []
        items: list[PhonePosition | BadMessage] = []
        if timeout_ms > 0 and not self._socket.poll(timeout_ms, zmq.POLLIN):
            return items
        while len(items) < limit:
            try:
                frames = self._socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            items.append(self._read(frames))
        return items

    def _read(self, frames: list[bytes]) -> PhonePosition | BadMessage:
        raw = b"".join(frames)
        try:
            if len(frames) != 1:
                raise PhonePositionError(f"{len(frames)} ramar, ska vara en")
            position = parse_phone_position(frames[0])
        except PhonePositionError as exc:
            self.rejected += 1
            reason = str(exc)
            self._log.warning(f"{exc.field or reason[:20]}",
                              f"telefonposition avvisad: {reason} ({raw[:RAW_KEPT]!r})")
            return BadMessage(reason, raw[:RAW_KEPT], datetime.now(UTC))
        self.received += 1
        self.add(position)
        return position

    # --- what is kept -------------------------------------------------------------------------------------------
    def add(self, position: PhonePosition, *, now: datetime | None = None) -> None:
        """Keep `position` as its number's latest, unless one measured later is kept already (also what the test
        hook's injected positions go through)."""
        key = phone_key(position.phone)
        if key is None:
            return
        now = now or datetime.now(UTC)
        kept = self._latest.get(key)
        # A kept position dated in the future (a wrong clock somewhere) never outranks what arrives after it: it would
        # hide every real position of the number until its date.
        from_future = kept is not None and (kept.at - now).total_seconds() > FUTURE_TOLERANCE_S
        if kept is None or kept.at <= position.at or from_future:
            self._latest[key] = position
            self._latest.move_to_end(key)
        self._prune(now)

    def _prune(self, now: datetime) -> None:
        horizon = now - timedelta(seconds=self._keep_s)
        for key in [k for k, p in self._latest.items() if p.at < horizon]:
            del self._latest[key]
        while len(self._latest) > self._keep_numbers:
            self._latest.popitem(last=False)

    def latest_for(self, phone: str | None) -> PhonePosition | None:
        """The latest position measured for this number (any way of writing it), or None."""
        key = phone_key(phone)
        return self._latest.get(key) if key is not None else None

    def recent(self, *, now: datetime | None = None, max_age_s: float) -> list[PhonePosition]:
        """The positions measured within `max_age_s` (and not from the future), newest first."""
        now = now or datetime.now(UTC)
        fresh = [p for p in self._latest.values()
                 if -FUTURE_TOLERANCE_S <= (now - p.at).total_seconds() <= max_age_s]
        return sorted(fresh, key=lambda p: p.at, reverse=True)

    def for_call(self, callback_number: str | None, *, now: datetime | None = None,
                 max_age_s: float) -> PhoneMatch | None:
        """The position to offer for a call (module docstring): its number's latest, whatever its age (the
        assessment flags an old one), else the only fresh position with a note, else None."""
        matched = self.latest_for(callback_number)
        if matched is not None:
            return PhoneMatch(matched, True, None)
        fresh = self.recent(now=now, max_age_s=max_age_s)
        if len(fresh) != 1:
            return None
        only = fresh[0]
        whose = ("återuppringningsnumret är inte angivet" if phone_key(callback_number) is None
                 else "inte från återuppringningsnumret")
        return PhoneMatch(only, False, f"Enda färska telefonpositionen kom från numret {only.phone}, {whose} – "
                                       "kontrollera med inringaren")
