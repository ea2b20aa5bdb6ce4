"""Signing in against the region's directory (LDAP / Active Directory) with ldap3.

1. The user's DN: `LARMCENTRAL_LDAP_USER_DN_TEMPLATE` with the name put in as an escaped RDN value, or a search
   under `LARMCENTRAL_LDAP_SEARCH_BASE` with `LARMCENTRAL_LDAP_USER_FILTER` (the name escaped as filter text),
   bound as the service account `LARMCENTRAL_LDAP_BIND_DN` or anonymously. The search must find exactly one.
2. A simple bind as that DN with the password. An empty password is refused before anything is sent: to an
   LDAP server a DN with an empty password is an *unauthenticated* bind, which succeeds without proving anything.
3. Bound as the user: the display name, the `memberOf` groups and the groups under the group base that name the
   user as `member`, `uniqueMember` or `memberUid`. `LARMCENTRAL_LDAP_GROUP_ROLES` maps them (by DN or cn) to
   roles; `records.auth.sign_in_with_password` makes the user's grants follow them at every sign-in.

Every refusal is an `AuthFailed` with a Swedish message; a directory that does not answer within
`LARMCENTRAL_LDAP_TIMEOUT_S` is told as such, never as a traceback.
"""

from __future__ import annotations

import ssl
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ldap3 import BASE, NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from records.auth import WRONG, AuthFailed, Identity
from records.db import transaction
from records.identity import granted_roles, remove_grant
from records.models import User
from resources.settings import Settings, load_settings
from resources.vocabulary import Role

UNREACHABLE = "Katalogtjänsten (LDAP) kan inte nås just nu; inloggningen kan inte prövas. Försök igen om en stund " \
              "eller kontakta IT-supporten."
UNTRUSTED = "Katalogtjänstens certifikat kan inte verifieras (okänd utfärdare eller fel värdnamn); inget lösenord " \
            "skickades. Kontakta IT-supporten (LARMCENTRAL_LDAP_CA_FILE)."
MAX_USERNAME = 256
_DISPLAY_ATTRIBUTES = ("displayName", "cn")
_INVALID_CREDENTIALS = 49


class _Unreachable(Exception):
    pass


def _normal_dn(dn: str) -> str:
    """A DN compared case- and space-insensitively (`CN=Ssk, OU=Groups` equals `cn=ssk,ou=groups`)."""
    try:
        return ",".join(f"{attr.strip().lower()}={value.strip().lower()}" for attr, value, _ in parse_dn(dn, strip=True))
    except LDAPException:
        return dn.strip().lower()


def _cn(dn: str) -> str | None:
    try:
        attr, value, _ = parse_dn(dn, strip=True)[0]
    except (LDAPException, IndexError):
        return None
    return value.strip().lower() if attr.strip().lower() == "cn" else None


@dataclass(frozen=True)
class LdapAuthenticator:
    """`Authenticator` for the directory. Built from the settings (`from_settings`) or directly in a test."""

    urls: tuple[str, ...]
    group_roles: Mapping[str, Role]
    user_dn_template: str = ""
    search_base: str = ""
    user_filter: str = "(uid={username})"
    group_base: str = ""
    bind_dn: str = ""
    bind_password: str = field(default="", repr=False)
    ca_file: Path | None = None
    timeout_s: int = 5
    name: str = "ldap"

    def __post_init__(self) -> None:
        if not self.urls:
            raise AuthFailed("Katalogtjänsten är inte konfigurerad: ange LARMCENTRAL_LDAP_URL.")
        if not self.user_dn_template and not self.search_base:
            raise AuthFailed("Katalogtjänsten är inte konfigurerad: ange LARMCENTRAL_LDAP_USER_DN_TEMPLATE eller "
                             "LARMCENTRAL_LDAP_SEARCH_BASE.")
        if self.bind_dn and not self.bind_password:  # an empty password would be an unauthenticated bind
            raise AuthFailed("Katalogtjänsten är inte konfigurerad: LARMCENTRAL_LDAP_BIND_DN är satt men "
                             "LARMCENTRAL_LDAP_BIND_PASSWORD_FILE ger inget lösenord.")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LdapAuthenticator:
        s = settings or load_settings()
        password = ""
        if s.ldap_bind_password_file is not None:
            try:
                password = s.ldap_bind_password_file.read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise AuthFailed(f"Tjänstekontots lösenordsfil kan inte läsas ({s.ldap_bind_password_file}): "
                                 f"{getattr(exc, 'strerror', None) or 'inte UTF-8'}.") from None
        if s.ldap_ca_file is not None and not s.ldap_ca_file.is_file():
            raise AuthFailed(f"Katalogtjänstens CA-fil finns inte ({s.ldap_ca_file}; LARMCENTRAL_LDAP_CA_FILE).")
        return cls(urls=tuple(s.ldap_url.split()), group_roles=dict(s.ldap_group_roles),
                   user_dn_template=s.ldap_user_dn_template, search_base=s.ldap_search_base,
                   user_filter=s.ldap_user_filter, group_base=s.ldap_group_base, bind_dn=s.ldap_bind_dn,
                   bind_password=password, ca_file=s.ldap_ca_file, timeout_s=s.ldap_timeout_s)

    # --- the Authenticator interface ---------------------------------------------------------------------------
    def authenticate(self, factory: sessionmaker[Session], username: str, password: str) -> Identity:
        name = _username(username)
        if not password:  # an empty password makes a simple bind "unauthenticated": it would succeed for anyone
            raise AuthFailed(WRONG)
        try:
            identity = self._authenticate(name, password)
        except _Unreachable:
            raise AuthFailed(UNREACHABLE) from None
        except LDAPException:  # a socket error, a timeout, a broken answer: the directory cannot be used now
            raise AuthFailed(UNREACHABLE) from None
        _revoke_beyond(factory, name, identity.roles or frozenset())
        if not identity.roles:
            raise AuthFailed(f"{name} har ingen roll i katalogtjänsten: ingen av användarens grupper ger en roll i "
                             f"larmcentralen. Be IT-supporten lägga till användaren i rätt grupp.")
        return identity

    # --- the steps -----------------------------------------------------------------------------------------------
    def _authenticate(self, name: str, password: str) -> Identity:
        conn = self._connect()
        try:
            self._service_bind(conn)
            dn = self._user_dn(conn, name)
            if dn is None or not conn.rebind(user=dn, password=password, authentication=SIMPLE):
                self._check_answered(conn)
                raise AuthFailed(WRONG)
            entry = self._read(conn, dn, "(objectClass=*)", BASE, [*_DISPLAY_ATTRIBUTES, "memberOf", "uid"])
            if not entry:  # bound, yet the user cannot read their own entry: the directory's ACLs are odd
                entry = [{"dn": dn, "attributes": {}}]
            attributes = entry[0].get("attributes") or {}
            groups = set(_values(attributes.get("memberOf")))
            uid = next(iter(_values(attributes.get("uid"))), name)  # memberUid compares case-exactly
            groups |= self._group_search(conn, dn, uid)
        finally:
            conn.unbind()
        display = next((v for a in _DISPLAY_ATTRIBUTES for v in _values(attributes.get(a)) if v.strip()), name)
        return Identity(username=name, display_name=display.strip(), roles=self.roles_for(groups))

    def roles_for(self, groups: Iterable[str]) -> frozenset[Role]:
        """The roles the mapping gives the groups (DNs, or bare names from a `memberUid`-style search)."""
        wanted_dn = {_normal_dn(k): r for k, r in self.group_roles.items() if "=" in k}
        wanted_cn = {k.strip().lower(): r for k, r in self.group_roles.items() if "=" not in k}
        roles: set[Role] = set()
        for group in groups:
            if "=" in group:
                if (role := wanted_dn.get(_normal_dn(group))) is not None:
                    roles.add(role)
                cn = _cn(group)
            else:
                cn = group.strip().lower()
            if cn is not None and (role := wanted_cn.get(cn)) is not None:
                roles.add(role)
        return frozenset(roles)

    def _connect(self) -> Connection:
        """An open connection to the first server that answers, in the order configured (each one gets the
        timeout once; no retry loop)."""
        untrusted = False
        for url in self.urls:
            parts = urlsplit(url)
            host, secure = parts.hostname or "", parts.scheme.lower() == "ldaps"
            tls = _VerifiedTls(self.ca_file) if secure else None
            server = Server(host, port=parts.port or (636 if secure else 389), use_ssl=secure, tls=tls,
                            get_info=NONE, connect_timeout=self.timeout_s)
            # receive_timeout must be a whole number: ldap3 packs it into SO_RCVTIMEO as an integer
            conn = Connection(server, authentication=SIMPLE, read_only=True, auto_referrals=False,
                              raise_exceptions=False, receive_timeout=int(self.timeout_s),
                              return_empty_attributes=True)
            try:
                conn.open()
            except LDAPException as exc:
                if conn.socket is not None:  # ldap3 leaves a socket that could not connect open
                    conn.socket.close()
                untrusted = untrusted or "certificate" in str(exc).lower()  # an SSLCertVerificationError
                continue
            return conn
        if untrusted:
            raise AuthFailed(UNTRUSTED)
        raise _Unreachable()

    def _service_bind(self, conn: Connection) -> None:
        """In search mode: bind as the service account (or stay anonymous)."""
        if self.user_dn_template or not self.bind_dn:
            return
        if not conn.rebind(user=self.bind_dn, password=self.bind_password, authentication=SIMPLE):
            self._check_answered(conn)
            raise AuthFailed("Larmcentralens tjänstekonto kan inte logga in i katalogtjänsten "
                             "(LARMCENTRAL_LDAP_BIND_DN / LARMCENTRAL_LDAP_BIND_PASSWORD_FILE). Kontakta IT-supporten.")

    def _user_dn(self, conn: Connection, name: str) -> str | None:
        if self.user_dn_template:
            return self.user_dn_template.replace("{username}", escape_rdn(name))
        query = self.user_filter.replace("{username}", escape_filter_chars(name))
        found = self._read(conn, self.search_base, query, SUBTREE, ["1.1"], size_limit=2)
        if len(found) != 1:  # nobody, or an ambiguous name: never guess which one
            return None
        return str(found[0]["dn"])

    def _group_search(self, conn: Connection, dn: str, uid: str) -> set[str]:
        base = self.group_base or self.search_base
        if not base:
            return set()
        member = escape_filter_chars(dn)
        query = f"(|(member={member})(uniqueMember={member})(memberUid={escape_filter_chars(uid)}))"
        return {str(e["dn"]) for e in self._read(conn, base, query, SUBTREE, ["1.1"])}

    def _read(self, conn: Connection, base: str, query: str, scope: Any, attributes: list[str],
              size_limit: int = 0) -> list[dict[str, Any]]:
        """Search results (entries only, no referrals). A refused or failed search is an empty answer; a
        directory that stops answering is `_Unreachable`."""
        conn.search(base, query, search_scope=scope, attributes=attributes, size_limit=size_limit,
                    time_limit=max(1, int(self.timeout_s)))
        self._check_answered(conn)
        return [e for e in conn.response or [] if e.get("type") == "searchResEntry"]

    @staticmethod
    def _check_answered(conn: Connection) -> None:
        result = conn.result or {}
        if conn.closed or (result.get("type") is None and result.get("result") is None):
            raise _Unreachable()
        if result.get("result") in (51, 52, 80):  # busy, unavailable, other: the server cannot serve now
            raise _Unreachable()


class _VerifiedTls(Tls):
    """ldaps with Python's own certificate checks: the chain must lead to the CA file (or the system's CAs), the
    certificate must name the host in the URL, TLS 1.2 at least. (ldap3's own host-name check runs after the
    handshake, through the deprecated ssl.match_hostname, and leaves the socket open when it fails.)"""

    def __init__(self, ca_file: Path | None) -> None:
        super().__init__(validate=ssl.CERT_REQUIRED, ca_certs_file=str(ca_file) if ca_file else None)
        self.context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                                  cafile=str(ca_file) if ca_file else None)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2  # check_hostname and CERT_REQUIRED are the default

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        connection.socket = self.context.wrap_socket(connection.socket, server_hostname=connection.server.host,
                                                     do_handshake_on_connect=True)


def _revoke_beyond(factory: sessionmaker[Session], name: str, roles: frozenset[Role]) -> None:
    """A directory user keeps no grant the directory no longer gives, from this moment: committed on its own, so
    it holds even when the sign-in is then refused (a role not given, no role at all), and the user's open
    sessions in that role are refused at their next command. A local or system account is left alone.
    (`sign_in_with_password` adds the new grants.)"""
    with transaction(factory) as session:
        user = session.scalar(select(User).where(User.username == name, User.auth_source == "ldap"))
        if user is not None:
            for role in granted_roles(session, user.id) - roles:
                remove_grant(session, user, role, None)


def _username(username: str) -> str:
    """The name as the directory compares it (case-insensitively: stored in lower case). Control characters and
    over-long names are refused; everything else is escaped where it is used, never interpreted."""
    name = unicodedata.normalize("NFC", username.strip()).lower()
    if not name or len(name) > MAX_USERNAME or any(unicodedata.category(c).startswith("C") for c in name):
        raise AuthFailed(WRONG)
    return name


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]
