"""The directory backend (records.ldap_auth) against a real OpenLDAP server: Debian's `slapd`, started by this
module on a free loopback port with a generated slapd.conf (mdb, the memberof overlay) and loaded with `ldapadd`.
Where slapd or ldapadd is not installed or cannot start, every test here is skipped with the reason.

The directory, dc=larm,dc=test:
  ssk.anna     nurse     — `member` of cn=sjukskoterskor (groupOfNames; `memberOf` from the overlay), mapped by DN
  lak.bertil   physician — `memberUid` of cn=rls-lakare (posixGroup) and `uniqueMember` of cn=dirigenter
                           (groupOfUniqueNames), both mapped by cn: two roles
  kansli.cilla           — `member` of cn=kansli only, a group that gives no role
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commands import CreateCase, run
from commands.calls import CaseCreated
from records.actor import NotPermitted
from records.auth import WRONG, AuthFailed, sign_in_with_password
from records.cases import CaseIntake
from records.identity import granted_roles
from records.ldap_auth import UNREACHABLE, LdapAuthenticator
from records.models import User
from resources.settings import load_settings
from resources.vocabulary import Role

BASE = "dc=larm,dc=test"
ROOT_DN, ROOT_PW = f"cn=admin,{BASE}", "rot-hemligt-1"
SERVICE_DN, SERVICE_PW = f"cn=larmcentral,ou=service,{BASE}", "tjänst-hemligt-2"
PASSWORDS = {"ssk.anna": "Anna-lösen-2026", "lak.bertil": "Bertil-lösen-2026", "kansli.cilla": "Cilla-lösen-2026"}
NURSES = f"cn=sjukskoterskor,ou=groups,{BASE}"
GROUP_ROLES = {NURSES.upper().replace(",", ", "): Role.NURSE,  # a DN is matched case- and space-insensitively
               "RLS-lakare": Role.PHYSICIAN, "dirigenter": Role.DISPATCHER}
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")


def _ldif() -> str:
    people = "".join(f"""
dn: uid={uid},ou=people,{BASE}
objectClass: inetOrgPerson
uid: {uid}
cn: {name}
sn: {name.split()[-1]}
displayName: {name}
userPassword: {PASSWORDS[uid]}
""" for uid, name in (("ssk.anna", "Anna Sjöberg"), ("lak.bertil", "Bertil Läkare"), ("kansli.cilla", "Cilla Kansli")))
    return f"""dn: {BASE}
objectClass: dcObject
objectClass: organization
dc: larm
o: Larmcentralen test

dn: ou=people,{BASE}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{BASE}
objectClass: organizationalUnit
ou: groups

dn: ou=service,{BASE}
objectClass: organizationalUnit
ou: service

dn: {SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: larmcentral
userPassword: {SERVICE_PW}
{people}
dn: {NURSES}
objectClass: groupOfNames
cn: sjukskoterskor
member: cn=ingen,{BASE}
member: uid=ssk.anna,ou=people,{BASE}

dn: cn=kansli,ou=groups,{BASE}
objectClass: groupOfNames
cn: kansli
member: uid=kansli.cilla,ou=people,{BASE}

dn: cn=rls-lakare,ou=groups,{BASE}
objectClass: posixGroup
cn: rls-lakare
gidNumber: 5001
memberUid: lak.bertil

dn: cn=dirigenter,ou=groups,{BASE}
objectClass: groupOfUniqueNames
cn: dirigenter
uniqueMember: uid=lak.bertil,ou=people,{BASE}
"""


def _slapd_conf(tmp: Path, tls: bool) -> str:
    includes = "\n".join(f"include /etc/ldap/schema/{s}.schema" for s in SCHEMAS)
    certificates = (f"TLSCACertificateFile {tmp}/ca.pem\nTLSCertificateFile {tmp}/server.pem\n"
                    f"TLSCertificateKeyFile {tmp}/server.key\n") if tls else ""
    return f"""{includes}
{certificates}modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {tmp}/slapd.pid
argsfile {tmp}/slapd.args

database mdb
maxsize 33554432
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PW}
directory {tmp}/db
overlay memberof
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by * read
"""


def _certificates(tmp: Path) -> bool:
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl); False where they cannot be made."""
    openssl = _program("openssl")
    if openssl is None:
        return False
    (tmp / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                    "extendedKeyUsage=serverAuth\n", encoding="utf-8")
    steps = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=Larmcentralen test-CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
    ]
    for step in steps:
        if subprocess.run([openssl, *step], cwd=tmp, capture_output=True, timeout=60).returncode != 0:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _program(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)),
                                      None)


@dataclass
class Slapd:
    url: str
    process: subprocess.Popen[bytes]
    ldaps_url: str | None = None  # with a certificate signed by `ca_file` (None: openssl could not make one)
    ca_file: Path | None = None

    def ldap(self, *args: str, stdin: str) -> None:
        """ldapmodify/ldapadd as the directory's root."""
        done = subprocess.run([*args, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PW], input=stdin.encode(),
                              capture_output=True, timeout=30)
        assert done.returncode == 0, done.stderr.decode(errors="replace")


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    binary, ldapadd = _program("slapd"), _program("ldapadd")
    if binary is None or ldapadd is None:
        pytest.skip("OpenLDAP's slapd and ldap-utils are not installed (apt-get install slapd ldap-utils)")
    if not Path("/etc/ldap/schema/inetorgperson.schema").exists():
        pytest.skip("slapd is installed but its schema files (/etc/ldap/schema) are not")
    tmp = tmp_path_factory.mktemp("slapd")
    (tmp / "db").mkdir()
    tls = _certificates(tmp)
    (tmp / "slapd.conf").write_text(_slapd_conf(tmp, tls), encoding="utf-8")
    url = f"ldap://127.0.0.1:{_free_port()}"
    ldaps_url = f"ldaps://127.0.0.1:{_free_port()}" if tls else None
    log = (tmp / "slapd.log").open("wb")
    # -d none: stay in the foreground (a child of this process, stopped at the end) and log only errors;
    # -h: only the loopback address.
    listen = " ".join(u + "/" for u in (url, ldaps_url) if u)
    process = subprocess.Popen([binary, "-f", str(tmp / "slapd.conf"), "-h", listen, "-d", "none"],
                               stdout=log, stderr=subprocess.STDOUT)
    server = Slapd(url, process, ldaps_url, tmp / "ca.pem" if tls else None)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.skip(f"slapd could not start (exit {process.returncode}): "
                            f"{(tmp / 'slapd.log').read_text(errors='replace')[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip("slapd did not listen within 15 s")
                time.sleep(0.1)
        server.ldap(ldapadd, stdin=_ldif())
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


@pytest.fixture
def by_template(slapd: Slapd) -> LdapAuthenticator:
    """The user's DN from a template; groups from `memberOf` only (no group base)."""
    return LdapAuthenticator(urls=(slapd.url,), group_roles=GROUP_ROLES,
                             user_dn_template=f"uid={{username}},ou=people,{BASE}", timeout_s=3)


@pytest.fixture
def by_search(slapd: Slapd) -> LdapAuthenticator:
    """The user searched for by a service account; groups also by `member`/`uniqueMember`/`memberUid`."""
    return LdapAuthenticator(urls=(slapd.url,), group_roles=GROUP_ROLES, search_base=f"ou=people,{BASE}",
                             user_filter="(&(objectClass=inetOrgPerson)(uid={username}))",
                             group_base=f"ou=groups,{BASE}", bind_dn=SERVICE_DN, bind_password=SERVICE_PW,
                             timeout_s=3)


@pytest.fixture(params=["template", "search"])
def backend(request: pytest.FixtureRequest) -> LdapAuthenticator:
    return request.getfixturevalue(f"by_{request.param}")  # type: ignore[no-any-return]


# --- authentication --------------------------------------------------------------------------------------------

def test_a_nurse_gets_her_role_from_the_directory(backend: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    identity = backend.authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"])
    assert (identity.username, identity.display_name, identity.roles) == ("ssk.anna", "Anna Sjöberg",
                                                                          frozenset({Role.NURSE}))
    assert backend.authenticate(sqlite_db, "  SSK.Anna ", PASSWORDS["ssk.anna"]).username == "ssk.anna"


def test_roles_come_from_every_kind_of_group(by_search: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    identity = by_search.authenticate(sqlite_db, "lak.bertil", PASSWORDS["lak.bertil"])
    assert identity.roles == frozenset({Role.PHYSICIAN, Role.DISPATCHER})  # memberUid and uniqueMember


def test_a_wrong_password_is_refused(backend: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    for password in ("fel-lösen", PASSWORDS["ssk.anna"] + " ", PASSWORDS["lak.bertil"], PASSWORDS["ssk.anna"].upper()):
        with pytest.raises(AuthFailed) as caught:
            backend.authenticate(sqlite_db, "ssk.anna", password)
        assert str(caught.value) == WRONG


def test_an_unknown_user_gets_the_same_words(backend: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    with pytest.raises(AuthFailed) as caught:
        backend.authenticate(sqlite_db, "ingen.alls", PASSWORDS["ssk.anna"])
    assert str(caught.value) == WRONG


@pytest.mark.parametrize("password", ["", None])
def test_an_empty_password_is_never_an_unauthenticated_bind(backend: LdapAuthenticator, slapd: Slapd,
                                                            sqlite_db: sessionmaker[Session],
                                                            password: str | None) -> None:
    """To LDAP, a DN with an empty password is an unauthenticated bind; a naive client counts it a success."""
    with pytest.raises(AuthFailed) as caught:
        backend.authenticate(sqlite_db, "ssk.anna", password or "")
    assert str(caught.value) == WRONG
    with pytest.raises(AuthFailed):
        sign_in_with_password(sqlite_db, "ssk.anna", "", Role.NURSE, backend=backend)
    with sqlite_db() as s:
        assert s.scalar(select(User).where(User.username == "ssk.anna")) is None


@pytest.mark.parametrize("username", [
    "*", "*)(uid=*", "ssk.anna)(|(uid=*", "ssk.*", "*)(objectClass=*))(|(uid=*",
    "ssk.anna,ou=people,dc=larm,dc=test", "cn=admin,dc=larm,dc=test", "ssk.anna\x00", "ssk.anna\\2a", "",
    "x" * 300,
])
def test_ldap_injection_in_the_name_is_refused(backend: LdapAuthenticator, sqlite_db: sessionmaker[Session],
                                               username: str) -> None:
    """The name is escaped where it is used (a filter value, an RDN value), never interpreted; no name other
    than the user's own signs in with the user's password (or the directory root's)."""
    for password in (PASSWORDS["ssk.anna"], ROOT_PW):
        with pytest.raises(AuthFailed) as caught:
            backend.authenticate(sqlite_db, username, password)
        assert str(caught.value) == WRONG


def test_a_user_in_no_mapped_group_is_refused(backend: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    with pytest.raises(AuthFailed, match="kansli.cilla har ingen roll i katalogtjänsten"):
        backend.authenticate(sqlite_db, "kansli.cilla", PASSWORDS["kansli.cilla"])
    with pytest.raises(AuthFailed, match="har ingen roll i katalogtjänsten"):
        replace(backend, group_roles={}).authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"])


def test_a_wrong_service_account_password_is_told(by_search: LdapAuthenticator,
                                                  sqlite_db: sessionmaker[Session]) -> None:
    with pytest.raises(AuthFailed, match="tjänstekonto"):
        replace(by_search, bind_password="fel").authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"])


# --- ldaps ------------------------------------------------------------------------------------------------------

@pytest.fixture
def over_tls(by_template: LdapAuthenticator, slapd: Slapd) -> LdapAuthenticator:
    if slapd.ldaps_url is None:
        pytest.skip("openssl could not make a certificate for the test directory")
    return replace(by_template, urls=(slapd.ldaps_url,), ca_file=slapd.ca_file)


def test_ldaps_with_the_regions_ca(over_tls: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    assert over_tls.authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"]).roles == {Role.NURSE}


def test_ldaps_refuses_a_certificate_it_cannot_trust(over_tls: LdapAuthenticator,
                                                     sqlite_db: sessionmaker[Session]) -> None:
    """No password is sent to a server whose certificate is not signed by a trusted CA or names another host."""
    port = over_tls.urls[0].rsplit(":", 1)[1]
    for untrusted in (replace(over_tls, ca_file=None),  # the system's CAs do not know the test CA
                      replace(over_tls, urls=(f"ldaps://localhost:{port}",))):  # the certificate names 127.0.0.1
        with pytest.raises(AuthFailed, match="certifikat"):
            untrusted.authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"])


# --- an unreachable directory ----------------------------------------------------------------------------------

def _assert_unreachable_quickly(backend: LdapAuthenticator, factory: sessionmaker[Session], within: float) -> None:
    started = time.monotonic()
    with pytest.raises(AuthFailed) as caught:
        backend.authenticate(factory, "ssk.anna", PASSWORDS["ssk.anna"])
    assert str(caught.value) == UNREACHABLE and "kan inte nås" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no traceback shown
    assert time.monotonic() - started < within


def test_a_closed_port_is_told_quickly(by_template: LdapAuthenticator, sqlite_db: sessionmaker[Session]) -> None:
    _assert_unreachable_quickly(replace(by_template, urls=(f"ldap://127.0.0.1:{_free_port()}",)), sqlite_db, 3)


def test_a_hung_slapd_is_told_within_the_timeout(by_template: LdapAuthenticator, slapd: Slapd,
                                                 sqlite_db: sessionmaker[Session]) -> None:
    """The real server stopped (SIGSTOP): the kernel still accepts the connection, nobody answers."""
    slapd.process.send_signal(signal.SIGSTOP)
    try:
        _assert_unreachable_quickly(replace(by_template, timeout_s=1), sqlite_db, 5)
    finally:
        slapd.process.send_signal(signal.SIGCONT)
    assert by_template.authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"]).roles == {Role.NURSE}


def test_the_next_directory_server_is_tried(by_search: LdapAuthenticator, slapd: Slapd,
                                            sqlite_db: sessionmaker[Session]) -> None:
    both = replace(by_search, urls=(f"ldap://127.0.0.1:{_free_port()}", slapd.url))
    assert both.authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"]).roles == {Role.NURSE}


# --- signing in: sessions, commands and grants that follow the directory ----------------------------------------

def test_a_directory_nurse_signs_in_and_works(by_template: LdapAuthenticator, db: sessionmaker[Session]) -> None:
    actor = sign_in_with_password(db, "ssk.anna", PASSWORDS["ssk.anna"], Role.NURSE, console="konsol-1",
                                  backend=by_template)
    assert (actor.username, actor.role, actor.session_id is not None) == ("ssk.anna", Role.NURSE, True)
    done = run(db, actor, CreateCase(intake=CaseIntake(patient_name="Test Testsson")))
    assert isinstance(done, CaseCreated) and done.case_id > 0
    with db() as s:
        user = s.scalar(select(User).where(User.username == "ssk.anna"))
        assert user is not None and (user.auth_source, user.display_name) == ("ldap", "Anna Sjöberg")
        assert user.password_hash is None  # the directory keeps the password, never the database
        assert granted_roles(s, user.id) == {Role.NURSE}
    with pytest.raises(AuthFailed, match="har inte rollen"):  # a role the directory does not give
        sign_in_with_password(db, "ssk.anna", PASSWORDS["ssk.anna"], Role.PHYSICIAN, backend=by_template)


def test_a_role_taken_away_in_the_directory_is_dropped_at_the_next_sign_in(
        by_search: LdapAuthenticator, slapd: Slapd, sqlite_db: sessionmaker[Session]) -> None:
    physician = sign_in_with_password(sqlite_db, "lak.bertil", PASSWORDS["lak.bertil"], Role.PHYSICIAN,
                                      backend=by_search)
    modify = _program("ldapmodify")
    assert modify is not None
    remove = f"dn: cn=rls-lakare,ou=groups,{BASE}\nchangetype: modify\ndelete: memberUid\nmemberUid: lak.bertil\n"
    slapd.ldap(modify, stdin=remove)
    try:
        with pytest.raises(AuthFailed, match="har inte rollen"):
            sign_in_with_password(sqlite_db, "lak.bertil", PASSWORDS["lak.bertil"], Role.PHYSICIAN,
                                  backend=by_search)
        with pytest.raises(NotPermitted, match="dragits in"):  # the refused sign-in dropped it already
            run(sqlite_db, physician, CreateCase(intake=CaseIntake(patient_name="Test")))
        sign_in_with_password(sqlite_db, "lak.bertil", PASSWORDS["lak.bertil"], Role.DISPATCHER, backend=by_search)
        with sqlite_db() as s:
            user = s.scalar(select(User).where(User.username == "lak.bertil"))
            assert user is not None and granted_roles(s, user.id) == {Role.DISPATCHER}
        with pytest.raises(NotPermitted, match="dragits in"):  # the physician's open session: refused at once
            run(sqlite_db, physician, CreateCase(intake=CaseIntake(patient_name="Test")))
    finally:
        slapd.ldap(modify, stdin=remove.replace("delete:", "add:"))


def test_a_user_taken_out_of_every_group_loses_every_grant(by_template: LdapAuthenticator, slapd: Slapd,
                                                           sqlite_db: sessionmaker[Session]) -> None:
    nurse = sign_in_with_password(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"], Role.NURSE, backend=by_template)
    modify = _program("ldapmodify")
    assert modify is not None
    member = f"uid=ssk.anna,ou=people,{BASE}"
    remove = f"dn: {NURSES}\nchangetype: modify\ndelete: member\nmember: {member}\n"
    slapd.ldap(modify, stdin=remove)
    try:
        with pytest.raises(AuthFailed, match="har ingen roll i katalogtjänsten"):
            sign_in_with_password(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"], Role.NURSE, backend=by_template)
        with pytest.raises(NotPermitted, match="dragits in"):
            run(sqlite_db, nurse, CreateCase(intake=CaseIntake(patient_name="Test")))
    finally:
        slapd.ldap(modify, stdin=remove.replace("delete:", "add:"))
    assert by_template.authenticate(sqlite_db, "ssk.anna", PASSWORDS["ssk.anna"]).roles == {Role.NURSE}


# --- configuration -----------------------------------------------------------------------------------------------

def test_the_settings_build_the_backend(slapd: Slapd, sqlite_db: sessionmaker[Session], tmp_path: Path) -> None:
    import json

    from records.auth import authenticator

    secret = tmp_path / "ldap-tjanst.txt"
    secret.write_text(SERVICE_PW + "\n", encoding="utf-8")
    env = {"LARMCENTRAL_AUTH_BACKEND": "ldap", "LARMCENTRAL_LDAP_URL": f"ldap://127.0.0.1:{_free_port()} {slapd.url}",
           "LARMCENTRAL_LDAP_SEARCH_BASE": BASE, "LARMCENTRAL_LDAP_BIND_DN": SERVICE_DN,
           "LARMCENTRAL_LDAP_BIND_PASSWORD_FILE": str(secret), "LARMCENTRAL_LDAP_TIMEOUT_S": "2",
           "LARMCENTRAL_LDAP_GROUP_ROLES": json.dumps({k: r.value for k, r in GROUP_ROLES.items()})}
    backend = LdapAuthenticator.from_settings(load_settings(env))
    assert SERVICE_PW not in repr(backend)
    assert backend.authenticate(sqlite_db, "lak.bertil", PASSWORDS["lak.bertil"]).roles == {Role.PHYSICIAN,
                                                                                            Role.DISPATCHER}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        chosen = authenticator()
        assert isinstance(chosen, LdapAuthenticator) and chosen.name == "ldap"
        secret.write_text("", encoding="utf-8")  # a service DN without a password would bind unauthenticated
        with pytest.raises(AuthFailed, match="inte konfigurerad.*BIND_PASSWORD_FILE"):
            authenticator()
        secret.unlink()
        with pytest.raises(AuthFailed, match="lösenordsfil kan inte läsas"):
            authenticator()
        mp.delenv("LARMCENTRAL_LDAP_BIND_PASSWORD_FILE")
        mp.delenv("LARMCENTRAL_LDAP_SEARCH_BASE")
        with pytest.raises(AuthFailed, match="inte konfigurerad.*SEARCH_BASE"):
            authenticator()
