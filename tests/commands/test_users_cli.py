"""`main.py users ...`: an administrator administers users, roles and service tokens from the command line, every
change through the commands (audited); the effects hold at the next sign-in. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import stat

import pytest
from sqlalchemy import select

from larmcentral_cli import main as cli
from records.actor import NotPermitted
from records.auth import AuthFailed, sign_in_with_password
from records.db import open_database
from records.identity import verify_actor
from records.models import AuditEntry, CommandLog, User
from records.tokens import sign_in_with_token
from resources.vocabulary import Role

ADMIN_PW = "Admin-lösen-2026"


pytestmark = pytest.mark.usefixtures("cli_engines")  # tests/conftest.py


KIM_PW = "Kims-lösen-2026"


def _stdin(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))


def _as_admin(monkeypatch: pytest.MonkeyPatch, *argv: str, extra: tuple[str, ...] = ()) -> int:
    """Run `users ...` signed in as admin.anna (her password first on standard input, then `extra`)."""
    _stdin(monkeypatch, ADMIN_PW, *extra)
    return cli(["users", *argv, "--user", "admin.anna", "--password-stdin"])


def test_an_administrator_administers_users_and_tokens(db_url, monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    engine, factory = open_database(db_url)
    try:
        # the first administrator; a second bootstrap is refused
        _stdin(monkeypatch, ADMIN_PW)
        assert cli(["users", "bootstrap-admin", "admin.anna", "--name", "Anna Admin", "--password-stdin"]) == 0
        _stdin(monkeypatch, ADMIN_PW)
        assert cli(["users", "bootstrap-admin", "admin.bo", "--name", "Bo", "--password-stdin"]) == 1
        assert "finns redan en administratör" in capsys.readouterr().err

        # create with two roles; the new user's first password is the second line of standard input
        assert _as_admin(monkeypatch, "create", "ssk.kim", "--name", "Kim Ek", "--role", "nurse", "--role",
                         "dirigent", extra=(KIM_PW,)) == 0
        nurse = sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.NURSE)
        with pytest.raises(AuthFailed, match="RLS-läkare"):
            sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.PHYSICIAN)
        assert _as_admin(monkeypatch, "grant", "ssk.kim", "physician") == 0
        assert sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.PHYSICIAN).role is Role.PHYSICIAN
        assert _as_admin(monkeypatch, "revoke", "ssk.kim", "physician") == 0
        with pytest.raises(AuthFailed):
            sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.PHYSICIAN)

        capsys.readouterr()
        assert _as_admin(monkeypatch, "list") == 0
        listed = capsys.readouterr().out
        assert "admin.anna" in listed and "ssk.kim" in listed and "Sjuksköterska" in listed

        # a bad password is refused with the policy's words, nothing created
        assert _as_admin(monkeypatch, "create", "ssk.lo", "--name", "Lo", "--role", "nurse", extra=("kort",)) == 1
        assert "för kort" in capsys.readouterr().err

        # deactivated: no new sign-in, and the session already open is refused at its next command
        assert _as_admin(monkeypatch, "deactivate", "ssk.kim") == 0
        with pytest.raises(AuthFailed, match="avaktiverat"):
            sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.NURSE)
        with factory() as s, pytest.raises(NotPermitted):
            verify_actor(s, nurse)
        assert _as_admin(monkeypatch, "activate", "ssk.kim") == 0
        assert sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.NURSE).username == "ssk.kim"

        # a password reset by the administrator
        assert _as_admin(monkeypatch, "password", "ssk.kim", extra=("Nytt-lösen-2027",)) == 0
        with pytest.raises(AuthFailed):
            sign_in_with_password(factory, "ssk.kim", KIM_PW, Role.NURSE)
        sign_in_with_password(factory, "ssk.kim", "Nytt-lösen-2027", Role.NURSE)
        assert _as_admin(monkeypatch, "unlock", "ssk.kim") == 0

        # a service token for a system user, written to a file only its owner can read
        out = tmp_path / "flöde.token"
        assert _as_admin(monkeypatch, "token", "create", "system.flöde", "--label", "feed-1", "--out", str(out)) == 0
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        token = out.read_text(encoding="utf-8").strip()
        system = sign_in_with_token(factory, token)
        assert (system.username, system.role) == ("system.flöde", Role.DISPATCHER)
        capsys.readouterr()
        assert _as_admin(monkeypatch, "token", "create", "system.utfall") == 0
        shown = capsys.readouterr()
        assert shown.out.strip().startswith("lct_") and "visas bara nu" in shown.err
        assert _as_admin(monkeypatch, "token", "create", "ssk.kim") == 1
        assert "ingen systemanvändare" in capsys.readouterr().err

        assert _as_admin(monkeypatch, "token", "list") == 0
        listed = capsys.readouterr().out
        assert "system.flöde" in listed and "feed-1" in listed and token not in listed
        with factory() as s:
            token_id = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "token.create")).first()
        assert token_id is not None
        assert _as_admin(monkeypatch, "token", "revoke", str(token_id["token_id"])) == 0
        with pytest.raises(NotPermitted, match="indragen"):
            sign_in_with_token(factory, token)
        assert _as_admin(monkeypatch, "token", "revoke", "9999") == 1
        assert "finns inte" in capsys.readouterr().err

        # every change is in the audit log and the command log, as admin.anna
        with factory() as s:
            anna = s.scalars(select(User.id).where(User.username == "admin.anna")).one()
            actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.user_id == anna)))
            commands = set(s.scalars(select(CommandLog.name).where(CommandLog.user_id == anna)))
        for action in ("user.bootstrap_admin", "user.create", "user.grant", "user.revoke", "user.deactivate",
                       "user.activate", "user.password", "user.unlock", "user.provision_system", "token.create",
                       "token.revoke"):
            assert action in actions, action
        assert {"user.create", "user.grant", "user.revoke", "user.active", "user.password", "user.unlock",
                "token.create", "token.revoke"} <= commands
    finally:
        engine.dispose()


def test_refusals_are_swedish_and_change_nothing(db_url, monkeypatch, cli_user, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    nurse = cli_user(db_url, "ssk.nina", Role.NURSE)
    assert cli(["users", "create", "ssk.ny", "--name", "Ny", "--role", "nurse", *nurse]) == 1
    err = capsys.readouterr().err
    assert "Nekad" in err and "Administratör" in err and "Traceback" not in err

    admin = cli_user(db_url, "admin.test", Role.ADMIN)
    monkeypatch.setattr("sys.stdin", io.StringIO("fel lösenord\n"))
    assert cli(["users", "list", *admin]) == 1
    assert "Nekad" in capsys.readouterr().err

    admin = cli_user(db_url, "admin.test", Role.ADMIN)
    assert cli(["users", "grant", "finns.inte", "nurse", *admin]) == 1
    assert "finns inte" in capsys.readouterr().err
    admin = cli_user(db_url, "admin.test", Role.ADMIN)
    assert cli(["users", "deactivate", "admin.test", *admin]) == 1
    assert "dig själv" in capsys.readouterr().err
    admin = cli_user(db_url, "admin.test", Role.ADMIN)
    assert cli(["users", "token", "create", "system.okänd", *admin]) == 1
    assert "system.flöde" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: an unknown role is named with the ones there are
        cli(["users", "grant", "ssk.nina", "kock", *admin])
    assert "okänd roll 'kock'" in capsys.readouterr().err

    engine, factory = open_database(db_url)
    with factory() as s:
        assert s.scalars(select(User.username).where(User.username == "ssk.ny")).first() is None
    engine.dispose()


def test_proposals_draft_signs_in(db_url, monkeypatch, tmp_path, cli_user, capsys) -> None:  # type: ignore[no-untyped-def]
    """`outcomes proposals draft`: system.utfall with its token, or a person; another system user's token and no
    credentials at all are refused in Swedish."""
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli(["outcomes", "proposals", "draft"]) == 2
    assert "users token create system.utfall" in capsys.readouterr().err

    files = {}
    for name in ("system.utfall", "system.flöde"):
        admin = cli_user(db_url, "admin.test", Role.ADMIN)
        files[name] = tmp_path / f"{name}.token"
        assert cli(["users", "token", "create", name, "--out", str(files[name]), *admin]) == 0
    assert cli(["outcomes", "proposals", "draft", "--token-file", str(files["system.flöde"])]) == 1
    assert "system.utfall" in capsys.readouterr().err
    _cases_calling_for_a_proposal(db_url)  # the token must also work when there is something to draft
    assert cli(["outcomes", "proposals", "draft", "--token-file", str(files["system.utfall"])]) == 0
    assert "1 nya förslag" in capsys.readouterr().out
    assert cli(["outcomes", "proposals", "draft", *cli_user(db_url, "lak.david", Role.PHYSICIAN)]) == 0


def _cases_calling_for_a_proposal(db_url: str) -> None:
    """30 Prio 1 cases of one shipped endpoint, 26 of them left at home: a rule proposal is due."""
    from datetime import timedelta

    from outcomes_helpers import T0, add_case

    from outcomes.closing import record_outcome
    from records.db import open_database, transaction
    from records.identity import provision_and_sign_in
    from triage_rules.loader import latest_version

    engine, factory = open_database(db_url)
    with transaction(factory) as s:
        nurse = provision_and_sign_in(s, "ssk.forslag", Role.NURSE)
        at = T0
        for code in ["treated_left_home"] * 26 + ["transported_ed"] * 4:
            c = add_case(s, nurse, created_at=at, priority="1", endpoint_code="MEDV.1.02",
                         ruleset_version=latest_version(), units=("AMB-001",))
            record_outcome(s, nurse, c.id, code, "AKM_LUND" if code == "transported_ed" else None, at=at)
            at += timedelta(minutes=20)
    engine.dispose()
