"""CURVE keys and the allow-list authenticator.

Roles: the larmcentral (subscriber) is the CURVE *server* even though it connects; each publisher is
a CURVE *client* holding its own key pair and the larmcentral's public key. The subscriber's
`zmq.auth` ThreadAuthenticator admits only client keys found in the allow-list directory, so an
unknown publisher's handshake is refused before any of its messages is read.
"""

from __future__ import annotations

from pathlib import Path

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

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


def start_authenticator(context: zmq.Context, allowed_dir: Path | str) -> ThreadAuthenticator:  # type: ignore[type-arg]
    """Start a ZAP handler in `context` admitting only the public keys in `allowed_dir`."""
    allowed_dir = Path(allowed_dir)
    if not allowed_dir.is_dir():
        raise FeedKeyError(f"{allowed_dir}: katalogen med tillåtna publicistnycklar finns inte")
    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve(domain="*", location=str(allowed_dir))
    return auth


def make_curve_server(sock: zmq.Socket, public: bytes, secret: bytes) -> None:  # type: ignore[type-arg]
    sock.curve_server = True
    sock.curve_publickey = public
    sock.curve_secretkey = secret


def make_curve_client(sock: zmq.Socket, public: bytes, secret: bytes, server_public: bytes) -> None:  # type: ignore[type-arg]
    sock.curve_publickey = public
    sock.curve_secretkey = secret
    sock.curve_serverkey = server_public
