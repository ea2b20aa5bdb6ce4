"""Local sign-in on both backends: the right password opens a session in a granted role; a wrong one, an unknown
user, a locked or deactivated account and a role not granted are refused in Swedish — and every failed attempt
is counted and audited although the sign-in itself is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from records.audit import now
from records.auth import WRONG, AuthFailed, sign_in_with_password
from records.db import transaction
from records.identity import provision, verify_actor
from records.models import AuditEntry, User
from records.passwords import PasswordRejected, check_policy, hash_password
from resources.vocabulary import Role

PASSWORD = "Vintergatan42lugnt"


@pytest.fixture
def nurse(db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_LOGIN_MAX_FAILURES", "3")
    with transaction(db) as s:
        user = provision(s, "ssk.lisa", {Role.NURSE, Role.DISPATCHER}, display_name="Lisa")
        user.password_hash = hash_password(PASSWORD)
    return "ssk.lisa"


def _user(db) -> User:  # type: ignore[no-untyped-def]
    with db() as s:
        return s.scalar(select(User).where(User.username == "ssk.lisa"))  # type: ignore[no-any-return]


def _actions(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_right_password_opens_a_session_in_a_granted_role(db, nurse) -> None:  # type: ignore[no-untyped-def]
    actor = sign_in_with_password(db, nurse, PASSWORD, Role.DISPATCHER, console="k1")
    assert actor.role is Role.DISPATCHER and actor.session_id is not None
    with transaction(db) as s:
        assert verify_actor(s, actor).username == nurse
    with pytest.raises(AuthFailed, match="Välj vilken roll"):  # two roles: the caller must choose
        sign_in_with_password(db, nurse, PASSWORD, None)


def test_a_wrong_password_and_an_unknown_user_get_the_same_words(db, nurse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AuthFailed) as wrong:
        sign_in_with_password(db, nurse, "fel-lösenord-1", Role.NURSE)
    with pytest.raises(AuthFailed) as unknown:
        sign_in_with_password(db, "ingen.alls", "fel-lösenord-1", Role.NURSE)
    assert str(wrong.value) == str(unknown.value) == WRONG
    assert _user(db).failed_logins == 1 and "user.sign_in_failed" in _actions(db)


def test_repeated_failures_lock_the_account_even_for_the_right_password(db, nurse) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        with pytest.raises(AuthFailed, match="Fel användarnamn"):
            sign_in_with_password(db, nurse, "fel", Role.NURSE)
    with pytest.raises(AuthFailed, match="nu låst"):
        sign_in_with_password(db, nurse, "fel", Role.NURSE)
    with pytest.raises(AuthFailed, match="Kontot är låst"):
        sign_in_with_password(db, nurse, PASSWORD, Role.NURSE)
    assert _actions(db).count("user.sign_in_failed") == 3
    with transaction(db) as s:  # the lockout time has passed
        s.scalar(select(User).where(User.username == nurse)).locked_until = now() - timedelta(seconds=1)  # type: ignore[union-attr]
    assert sign_in_with_password(db, nurse, PASSWORD, Role.NURSE).role is Role.NURSE
    assert _user(db).failed_logins == 0


def test_a_deactivated_user_and_a_role_not_granted_are_refused(db, nurse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AuthFailed, match="har inte rollen RLS-läkare"):
        sign_in_with_password(db, nurse, PASSWORD, Role.PHYSICIAN)
    with transaction(db) as s:
        s.scalar(select(User).where(User.username == nurse)).active = False  # type: ignore[union-attr]
    with pytest.raises(AuthFailed, match="avaktiverat"):
        sign_in_with_password(db, nurse, PASSWORD, Role.NURSE)
    assert "user.sign_in_refused" in _actions(db)


@pytest.mark.parametrize(("password", "why"), [("kort1", "för kort"), ("ssk.lisa-är-bäst-1", "användarnamnet"),
                                               ("bara-bokstäver-här", "bokstäver och siffror")])
def test_the_password_rules_name_what_is_wrong(password: str, why: str) -> None:
    with pytest.raises(PasswordRejected, match=why):
        check_policy(password, "ssk.lisa")
