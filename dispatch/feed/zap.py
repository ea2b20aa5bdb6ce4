"""The ZAP handler (ZeroMQ RFC 27): each allow-listed key speaks for one publisher only.

The subscriber sets `zap_domain = <publisher>` on each feed's sockets, so every CURVE handshake asks this
handler "may this client key publish on this publisher's feed?". The allow-list directory holds Z85
``*.key`` certificate files (made by `main.py feed keys`); the file name says whose key it is:
``ambulans.key``, or ``ambulans.<label>.key`` for a second key during rotation. A key is admitted only on
its own publisher's feed; otherwise the handshake is refused as `unknown_key` or `wrong_key` and counted.

The directory is read again when it changes (checked about once a second) or on `reload()`. When a reload
takes keys away from a publisher, `on_change(revoked, added)` tells the subscriber, which reconnects that
feed so connections already made with a revoked key are dropped too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import zmq
import zmq.auth
from zmq.utils import z85

from dispatch.feed.refusals import REFUSAL_LABELS, RateLimitedLog, RefusalReason
from dispatch.feed.security import SERVER_KEY_NAME, FeedKeyError
from dispatch.feed.socket_thread import SocketThread
from resources.fleet import Publisher

log = logging.getLogger("dispatch.feed")

ZAP_ENDPOINT = "inproc://zeromq.zap.01"
ZAP_VERSION = b"1.0"
RELOAD_CHECK_INTERVAL = 1.0  # seconds between looks at the directory
POLL_MS = 200
PUBLISHERS: frozenset[str] = frozenset(get_args(Publisher))

KeyChange = Callable[[set[str], set[str]], None]  # (publishers that lost a key, publishers that gained one)
Refusal = Callable[[str, RefusalReason], None]  # (publisher of the feed, why)


@dataclass(frozen=True)
class KeyRing:
    """Public key (32 bytes, as ZAP gives it) → the publisher it belongs to, read from an allow-list directory."""

    owner: dict[bytes, str]

    def keys_of(self, publisher: str) -> set[bytes]:
        return {k for k, p in self.owner.items() if p == publisher}

    def check(self, publisher: str, key: bytes) -> RefusalReason | None:
        """None when `key` may publish as `publisher`, else why not."""
        owner = self.owner.get(key)
        if owner is None:
            return RefusalReason.UNKNOWN_KEY
        return None if owner == publisher else RefusalReason.WRONG_KEY


def key_file_publisher(name: str) -> str:
    """The publisher a key file names: ``ambulans.key`` and ``ambulans.2026-12.key`` → ``ambulans``."""
    return name.removesuffix(".key").split(".", 1)[0]


def directory_signature(directory: Path) -> tuple[tuple[str, int, int], ...] | None:
    """What changes when a key file is added, removed or rewritten (None: the directory is missing)."""
    try:
        entries = []
        for path in directory.glob("*.key"):
            st = path.stat()
            entries.append((path.name, st.st_mtime_ns, st.st_size))
    except OSError:
        return None
    return tuple(sorted(entries))


def read_keyring(directory: Path) -> KeyRing:
    """Read every ``*.key`` file; ones naming no known publisher, unreadable ones and keys claimed by two
    publishers are left out (logged). The larmcentral's own ``larmcentral.key`` is skipped silently."""
    if not directory.is_dir():
        log.error("katalogen med tillåtna publicistnycklar %s finns inte: inga publicister släpps in", directory)
        return KeyRing({})
    owner: dict[bytes, str] = {}
    disputed: set[bytes] = set()
    for path in sorted(directory.glob("*.key")):
        publisher = key_file_publisher(path.name)
        if publisher == SERVER_KEY_NAME:
            continue
        if publisher not in PUBLISHERS:
            log.warning("nyckelfilen %s namnger ingen känd publicist (%s) och används inte",
                        path, ", ".join(sorted(PUBLISHERS)))
            continue
        try:
            public, _ = zmq.auth.load_certificate(str(path))
        except (OSError, ValueError) as exc:
            log.warning("nyckelfilen %s kan inte läsas och används inte: %s", path, exc)
            continue
        try:
            key = z85.decode(public) if public else b""
        except (ValueError, KeyError):
            key = b""
        if len(key) != 32:
            log.warning("nyckelfilen %s saknar en giltig publik nyckel och används inte", path)
            continue
        if owner.get(key, publisher) != publisher:
            disputed.add(key)
        owner[key] = publisher
    for key in disputed:
        log.error("samma nyckel finns under flera publicister i %s; den används inte för någon av dem", directory)
        del owner[key]
    return KeyRing(owner)


class ZapHandler(SocketThread):
    """Answers ZAP requests of `context` (start before any socket of the context connects)."""

    thread_name = "feed-zap"
    description = "nyckelkontrollens tråd"

    def __init__(self, context: zmq.Context, allowed_dir: Path | str, *,  # type: ignore[type-arg]
                 on_refused: Refusal | None = None, on_change: KeyChange | None = None):
        super().__init__(context)
        self.allowed_dir = Path(allowed_dir)
        if not self.allowed_dir.is_dir():
            raise FeedKeyError(f"{self.allowed_dir}: katalogen med tillåtna publicistnycklar finns inte")
        self.on_refused = on_refused
        self.on_change = on_change
        self._reload_lock = threading.Lock()
        self._signature = directory_signature(self.allowed_dir)
        self.keyring = read_keyring(self.allowed_dir)
        self._refusal_log = RateLimitedLog()

    # --- the allow-list --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the directory again now (any thread); reports lost and gained keys to `on_change`."""
        with self._reload_lock:
            self._signature = directory_signature(self.allowed_dir)
            old, new = self.keyring, read_keyring(self.allowed_dir)
            self.keyring = new
            revoked = {p for p in PUBLISHERS if old.keys_of(p) - new.keys_of(p)}
            added = {p for p in PUBLISHERS if new.keys_of(p) - old.keys_of(p)}
            if not (revoked or added):
                return
            log.info("tillåtna publicistnycklar inlästa igen från %s: %d nycklar%s", self.allowed_dir,
                     len(new.owner), f"; återkallade för {', '.join(sorted(revoked))}" if revoked else "")
            if self.on_change is not None:
                self.on_change(revoked, added)

    def _reload_if_changed(self) -> None:
        if directory_signature(self.allowed_dir) != self._signature:
            self.reload()

    # --- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        sock = self.context.socket(zmq.REP)
        sock.linger = 0
        try:
            sock.bind(ZAP_ENDPOINT)
        except zmq.ZMQError as exc:
            sock.close()
            self.error = RuntimeError(f"kan inte starta nyckelkontrollen (ZAP) i ZeroMQ-kontexten: {exc}")
            self._ready.set()
            return
        self._ready.set()
        next_check = time.monotonic() + RELOAD_CHECK_INTERVAL
        try:
            while not self._stop.is_set():
                if sock.poll(POLL_MS):
                    sock.send_multipart(self._safe_answer(sock.recv_multipart()))
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + RELOAD_CHECK_INTERVAL
                    try:
                        self._reload_if_changed()
                    except Exception:  # noqa: BLE001 - keep answering with the keys we have
                        log.exception("kunde inte läsa in de tillåtna publicistnycklarna igen från %s",
                                      self.allowed_dir)
        except zmq.ContextTerminated:
            pass
        finally:
            sock.close(linger=0)

    def _safe_answer(self, frames: list[bytes]) -> list[bytes]:
        """Always a reply (a REP socket that skips one is stuck): 500 if answering failed."""
        try:
            return self._answer(frames)
        except Exception:  # noqa: BLE001 - refuse this handshake, keep serving the others
            log.exception("nyckelkontrollen (ZAP) kunde inte besvara en förfrågan")
            return [ZAP_VERSION, frames[1] if len(frames) > 1 else b"", b"500", b"internal error", b"", b""]

    def _answer(self, frames: list[bytes]) -> list[bytes]:
        """The reply to one ZAP request: [version, request id, status, text, user id, metadata]."""
        if len(frames) < 6:
            log.error("felaktig ZAP-förfrågan med %d ramar", len(frames))
            return [ZAP_VERSION, frames[1] if len(frames) > 1 else b"", b"400", b"malformed request", b"", b""]
        version, request_id, domain_raw, address_raw, _identity, mechanism = frames[:6]
        credentials = frames[6:]

        def refuse(text: bytes) -> list[bytes]:
            return [ZAP_VERSION, request_id, b"400", text, b"", b""]

        if version != ZAP_VERSION:
            return refuse(b"unsupported ZAP version")
        domain = domain_raw.decode("utf-8", "replace")
        address = address_raw.decode("utf-8", "replace")
        if mechanism != b"CURVE" or len(credentials) != 1:
            self._refusal_log.warning(f"mechanism:{domain}", f"flöde {domain}: anslutning från {address} nekad "
                                      f"(mekanismen {mechanism.decode('ascii', 'replace')}, väntade CURVE)")
            return refuse(b"CURVE required")
        if domain not in PUBLISHERS:
            self._refusal_log.warning(f"domain:{domain}", f"ZAP-förfrågan för okänd domän {domain!r} från "
                                      f"{address} nekad")
            return refuse(b"unknown domain")
        reason = self.keyring.check(domain, credentials[0])
        if reason is None:
            return [ZAP_VERSION, request_id, b"200", b"OK", domain.encode(), b""]
        if self.on_refused is not None:
            self.on_refused(domain, reason)
        owner = self.keyring.owner.get(credentials[0])
        detail = f", nyckeln tillhör {owner}" if owner else ""
        self._refusal_log.warning(f"{reason}:{domain}", f"flöde {domain}: anslutning från {address} nekad: "
                                  f"{REFUSAL_LABELS[reason]}{detail} ({reason})")
        return refuse(reason.value.encode())
