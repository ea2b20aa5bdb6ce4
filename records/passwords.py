"""Local passwords: argon2id hashes (argon2-cffi) and the rules a region sets for new passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from resources.settings import load_settings

_HASHER = PasswordHasher()  # argon2id with the library's recommended cost; hashes carry their parameters
# A handful of passwords people still choose; a region with a longer list sets LARMCENTRAL_PASSWORD_MIN_LENGTH
# high instead of relying on a list.
_COMMON = frozenset({"password", "lösenord", "losenord", "123456789012", "qwertyuiop12", "sommar2026!",
                     "larmcentral", "larmcentralen", "skane123456", "vinter2026!"})


class PasswordRejected(ValueError):
    """A new password that breaks the rules. The message is Swedish and says which rule."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def check_policy(password: str, username: str) -> None:
    """Refuse a new password that is too short, is the username or a well-known one, or lacks a letter or a
    digit. The minimum length is a setting (LARMCENTRAL_PASSWORD_MIN_LENGTH)."""
    minimum = load_settings().password_min_length
    if len(password) < minimum:
        raise PasswordRejected(f"Lösenordet är för kort ({len(password)} tecken); det ska ha minst {minimum}.")
    if password.casefold() == username.casefold() or username.casefold() in password.casefold():
        raise PasswordRejected("Lösenordet får inte innehålla användarnamnet.")
    if password.casefold() in _COMMON:
        raise PasswordRejected("Lösenordet är för vanligt; välj ett annat.")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise PasswordRejected("Lösenordet ska innehålla både bokstäver och siffror.")
    if any(ord(c) < 32 for c in password):
        raise PasswordRejected("Lösenordet får inte innehålla styrtecken.")
