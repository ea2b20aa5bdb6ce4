"""CURVE keys: making, reading and setting them on sockets.

Roles: the larmcentral (subscriber) is the CURVE *server* even though it connects; each publisher is
a CURVE *client* holding its own key pair and the larmcentral's public key. The subscriber's ZAP
handler (dispatch.feed.zap) admits on each feed only the keys the allow-list directory gives that
publisher, so another publisher's or an unknown key's handshake is refused before any message is read.
"""

from __future__ import annotations

from pathlib import Path

import zmq
import zmq.auth

SERVER_KEY_NAME = "larmcentral"


class FeedKeyError(ValueError):
    """A key file that cannot be used (message in Swedish, naming the file)."""


def create_keys(directory: Path | str, name: str) -> tuple[Path, Path]:
    """Make `name.key` (public) and `name.key_secret` (secret) in `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    public, secret = zmq.auth.create_certificates(str(directory), name)
    Path(secret).chmod(0o600)
    return Path(public), Path(secret)


def load_secret(path: Path | str) -> tuple[bytes, bytes]:
    """(public, secret) from a ``.key_secret`` file."""
    try:
        public, secret = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise FeedKeyError(f"{path}: kan inte läsa nyckeln: {exc}") from exc
    if not secret:
        raise FeedKeyError(f"{path}: filen saknar hemlig nyckel (använd .key_secret-filen)")
    return public, secret


def load_public(path: Path | str) -> bytes:
    try:
        public, _ = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise FeedKeyError(f"{path}: kan inte läsa nyckeln: {exc}") from exc
    return public


def make_curve_server(sock: zmq.Socket, public: bytes, secret: bytes) -> None:  # type: ignore[type-arg]
    sock.curve_server = True
    sock.curve_publickey = public
    sock.curve_secretkey = secret


def make_curve_client(sock: zmq.Socket, public: bytes, secret: bytes, server_public: bytes) -> None:  # type: ignore[type-arg]
    sock.curve_publickey = public
    sock.curve_secretkey = secret
    sock.curve_serverkey = server_public
