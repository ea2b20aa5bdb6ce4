"""Every `LARMCENTRAL_*` environment variable the product reads, in one pydantic-settings model.

`load_settings()` reads the environment on each call (no cache to reset) and either returns a valid
`Settings` or raises `SettingsError`: Swedish, one line per bad variable, naming the variable, the value
and what is allowed — never pydantic's English. The entry points (larmcentral_cli.main, the console's
start) turn it into a message and exit code 2.

The README's configuration table is generated from the fields (`markdown_table()`; print it with
`python main.py settings` or `python -m resources.settings`), and a test keeps the two equal.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError

from resources.datafile import ConfigurationError
from resources.vocabulary import OutcomeCode, Priority, Role

ENV_PREFIX = "LARMCENTRAL_"

DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_WAIT_TARGETS: dict[Priority, float] = {
    Priority.P1: 10.0, Priority.P2: 30.0, Priority.P3: 120.0, Priority.REFERRAL: 240.0}
DEFAULT_ALERT_ACK_TIMEOUTS: dict[Priority, float] = {
    Priority.P1: 15.0, Priority.P2: 30.0, Priority.P3: 60.0, Priority.REFERRAL: 120.0}
MAX_ALERT_ACK_S = 3600.0
DEFAULT_FOLLOWUP_HOURS: dict[str, float] = {
    OutcomeCode.TREATED_LEFT_HOME.value: 24,
    OutcomeCode.LEFT_HOME_ADVICE.value: 24,
    OutcomeCode.HANDED_OVER_TEAM.value: 48,
    OutcomeCode.DECLINED.value: 24,
}
DEFAULT_NO_FOLLOWUP_CODES = frozenset({OutcomeCode.DECEASED.value, OutcomeCode.NOT_FOUND.value})
DATABASE_BACKENDS = ("sqlite", "postgresql")
MAX_HOURS = 24 * 30  # no interval or window in the outcome loop is longer than 30 days
MAX_WAIT_MINUTES = 24 * 60
_YES, _NO = ("1", "ja", "yes", "true", "on"), ("0", "nej", "no", "false", "off")
_LANG = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


class SettingsError(ConfigurationError):
    """One or more `LARMCENTRAL_*` variables with a bad value. The message has one Swedish line per
    variable (`problems`), naming it, its value and what is allowed; `variables` lists their names."""

    def __init__(self, problems: Sequence[str], variables: Sequence[str] = ()):
        self.problems = list(problems)
        self.variables = list(variables)
        super().__init__("\n".join(self.problems))


def _field(default: Any = None, *, description: str, allowed: str, default_text: str | None = None,
           secret: bool = False, **kwargs: Any) -> Any:
    """A setting: `description` (English, one line) goes into the README's table, `allowed` (Swedish)
    into the error message, `default_text` replaces the default in the table when the value says little."""
    extra: dict[str, Any] = {"allowed": allowed}
    if default_text is not None:
        extra["default_text"] = default_text
    if secret:  # may hold a password: masked in messages, left out of repr()
        extra["secret"] = True
        kwargs["repr"] = False
    if "default_factory" in kwargs:
        return Field(description=description, json_schema_extra=extra, **kwargs)
    return Field(default, description=description, json_schema_extra=extra, **kwargs)


_SECONDS = "sekunder"


def _per_priority(v: Any, defaults: Mapping[Priority, float], maximum: float, unit: str) -> Any:
    """'1=10,2=30' → {Priority: number} over `defaults`: the priorities not named keep their default. `unit` names
    the number in the Swedish message ('minuter', 'sekunder')."""
    if not isinstance(v, str):
        return v
    values: dict[Priority, float] = dict(defaults)
    for part in v.split(","):
        key, sep, value = part.partition("=")
        try:
            priority = Priority(key.strip().lower())
        except ValueError:
            raise ValueError(f"okänd prioritet i {part.strip()!r}") from None
        try:
            number = float(value) if sep else float("nan")
        except ValueError:
            number = float("nan")
        if not 0 < number <= maximum:  # also false for NaN
            raise ValueError(f"ogiltiga {unit} i {part.strip()!r}")
        values[priority] = number
    return values


def _within(v: dict[Priority, float], maximum: float, unit: str) -> dict[Priority, float]:
    for priority, number in v.items():
        if not 0 < number <= maximum:
            raise ValueError(f"ogiltiga {unit} för prioritet {priority.value}")
    return v


class Settings(BaseSettings):
    """What the environment sets; every field has a working default. Field `x` is `LARMCENTRAL_X`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True, env_ignore_empty=True,
                                      enable_decoding=False)  # JSON is decoded by the validators (Swedish errors)

    # --- where things are -------------------------------------------------------------------------------
    db_url: str = _field(
        "", description="the database (`postgresql+psycopg://…` for a centre with many consoles)",
        default_text="SQLite file in the user's data directory", secret=True,
        allowed="en SQLAlchemy-adress till SQLite eller PostgreSQL, t.ex. "
                "postgresql+psycopg://larm@dbhost/larmcentral (tomt: den inbyggda SQLite-filen)")
    data_dir: Path | None = _field(
        description="where the embedded database and the console's local drafts live",
        default_text="the platform's user data directory",
        allowed="en katalog som finns eller kan skapas (inte en fil)")
    ruleset_dir: Path | None = _field(
        description="where this console keeps the rule-set versions accepted by an RLS physician, beside the "
                    "shipped ones (the database holds them and every console copies them here at start; no "
                    "shared directory needed)",
        default_text="`rulesets/` in the data directory",
        allowed="en katalog som finns eller kan skapas (inte en fil)")
    persist_feed: bool | None = _field(
        description="whether this console stores the feeds' status events (one process per centre should; see "
                    "`feed serve` in [the feed protocol](docs/feed-protocol.md))",
        default_text="`1` on SQLite, `0` on PostgreSQL",
        allowed="1 (spara statushändelser) eller 0 (spara inte)")
    feed_receiver: Literal["process", "thread"] = _field(
        "process", description="where a console receives the unit-status feeds: `process` (a child process of its "
                               "own, so a flood of messages never stalls the screen) or `thread` (inside the "
                               "console's process; for diagnosis)",
        allowed="process eller thread")
    feed_retention_days: int = _field(
        30, ge=1, le=3650, description="days the feeds' raw status events, dead letters, holes and finished inbox "
                                       "rows are kept before the record writer prunes them (each unit's latest "
                                       "status, assignments and outcomes are never pruned)",
        allowed="ett heltal från 1 till 3650 (dagar)")
    feed_position_threshold_m: float = _field(
        100.0, gt=0, le=100_000, description="metres a unit must move (with status and case unchanged) before "
                                             "its position is stored again",
        allowed="ett tal större än 0 och högst 100000 (meter)")

    # --- where the patient is (resources.location; docs/phone-position.md) ------------------------------------
    position_max_accuracy_m: float = _field(
        100.0, gt=0, le=100_000,
        description="a position whose accuracy radius is wider than this many metres is flagged as uncertain and "
                    "needs the nurse's confirmation before the case uses it: 100 m is a block in a town or one "
                    "farm in the country (a phone's GNSS or Wi-Fi fix is usually inside it, a cell-based one never)",
        allowed="ett tal större än 0 och högst 100000 (meter)")
    aml_endpoint: str = _field(
        "tcp://127.0.0.1:5590",
        description="where the console receives the callers' phone positions (AML) from the telephony "
                    "integration: the console binds a ZeroMQ PULL socket here ([phone positions]"
                    "(docs/phone-position.md))",
        allowed="en ZeroMQ-adress att binda, tcp://värd:port (t.ex. tcp://127.0.0.1:5590 eller tcp://0.0.0.0:5590) "
                "eller ipc://sökväg")
    aml_max_age_s: float = _field(
        600.0, ge=10, le=86_400,
        description="seconds after which a phone position counts as old: it is flagged, and no longer offered to a "
                    "call whose number it does not match",
        allowed=f"ett tal från 10 till 86400 ({_SECONDS})")

    # --- the console ----------------------------------------------------------------------------------------
    wait_targets: dict[Priority, float] = _field(
        default_factory=lambda: dict(DEFAULT_WAIT_TARGETS),
        description="väntrummet's target minutes per priority (the priorities not named keep their default)",
        default_text="`1=10,2=30,3=120,hänvisning=240`",
        allowed=f"prioritet=minuter med komma emellan, t.ex. 1=10,2=30,3=120 (prioriteter "
                f"{', '.join(p.value for p in Priority)}; minuter större än 0 och högst {MAX_WAIT_MINUTES})")
    lang: str = _field(
        "sv", description="UI language when a translation file is installed in `console/i18n/` (the source "
                          "strings are Swedish, whatever the machine's locale)",
        allowed="en språkkod med små bokstäver, t.ex. sv eller en (eller en_GB)")

    # --- time bounds of database access (records.db) ----------------------------------------------------
    db_connect_timeout_s: float = _field(
        5.0, gt=0, le=120, description="seconds to wait for a connection to the database before telling the user",
        allowed=f"ett tal större än 0 och högst 120 ({_SECONDS})")
    db_statement_timeout_s: float = _field(
        5.0, gt=0, le=600, description="seconds a statement may run (PostgreSQL `statement_timeout`): the bound "
                                       "within which a stalled database gives the user a message",
        allowed=f"ett tal större än 0 och högst 600 ({_SECONDS})")
    db_busy_timeout_s: float = _field(
        5.0, gt=0, le=600, description="seconds SQLite waits for another writer's lock before giving up "
                                       "(busy timeout)",
        allowed=f"ett tal större än 0 och högst 600 ({_SECONDS})")
    db_keepalive_idle_s: int = _field(
        10, ge=1, le=7200, description="seconds of silence on a PostgreSQL connection before TCP keepalive probes "
                                       "start",
        allowed=f"ett heltal från 1 till 7200 ({_SECONDS})")
    db_keepalive_interval_s: int = _field(
        5, ge=1, le=600, description="seconds between TCP keepalive probes on a PostgreSQL connection",
        allowed=f"ett heltal från 1 till 600 ({_SECONDS})")
    db_keepalive_count: int = _field(
        3, ge=1, le=50, description="unanswered TCP keepalive probes after which a PostgreSQL connection counts "
                                    "as dead",
        allowed="ett heltal från 1 till 50")
    db_pool_size: int = _field(
        2, ge=1, le=20, description="PostgreSQL connections one process keeps in its pool, a fixed number (no "
                                    "overflow); a console also holds one for change notifications and one "
                                    "for its shown-audit writer (see "
                                    "[centre setup](docs/centre-setup.md))",
        allowed="ett heltal från 1 till 20")
    db_failover_retry_s: float = _field(
        30.0, ge=0, le=600, description="seconds a console keeps retrying a command (with the same command id) "
                                        "while the database cannot be reached, e.g. during a switch to the "
                                        "standby; 0: tell the user at once",
        allowed=f"ett tal från 0 till 600 ({_SECONDS})")
    safety_poll_s: float = _field(
        60.0, ge=1, le=3600, description="seconds between a console's safety re-reads of väntrummet (changes are "
                                         "pushed at commit; this only catches a missed notification)",
        allowed=f"ett tal från 1 till 3600 ({_SECONDS})")
    alert_sound: bool = _field(
        True, description="whether this console plays the alert sounds (a new Prio 1, a case past its target, a "
                          "lost feed; see [alerts](docs/alerts.md)); `0` mutes them here, the alert still flashes "
                          "and shows until acknowledged",
        default_text="`1`", allowed="1 (ljud på) eller 0 (ljud av)")

    # --- unit alerts (utlarmning; docs/alert-protocol.md) -----------------------------------------------
    alert_ack_timeouts: dict[Priority, float] = _field(
        default_factory=lambda: dict(DEFAULT_ALERT_ACK_TIMEOUTS),
        description="seconds per priority within which a unit's system must acknowledge an alert (or its update "
                    "or recall) before the dispatchers are alerted and the assignment shows \"ej kvitterad\" (the "
                    "priorities not named keep their default)",
        default_text="`1=15,2=30,3=60,hänvisning=120`",
        allowed=f"prioritet=sekunder med komma emellan, t.ex. 1=15,2=30,3=60 (prioriteter "
                f"{', '.join(p.value for p in Priority)}; sekunder större än 0 och högst {MAX_ALERT_ACK_S})")
    alert_resend_first_s: float = _field(
        2.0, gt=0, le=60, description="seconds before an unacknowledged alert message is sent again the first "
                                      "time; the wait doubles after each resend",
        allowed=f"ett tal större än 0 och högst 60 ({_SECONDS})")
    alert_resend_max_s: float = _field(
        30.0, gt=0, le=600, description="the longest wait between two resends of an unacknowledged alert message",
        allowed=f"ett tal större än 0 och högst 600 ({_SECONDS})")

    # --- the outcome loop (outcomes.settings.OutcomeSettings is the view of these) -----------------------
    outcomes_followup_hours: dict[str, float] = _field(
        default_factory=lambda: dict(DEFAULT_FOLLOWUP_HOURS),
        description="follow-up intervals in hours per outcome code, as JSON; the codes named replace their "
                    "default, `null` turns a code's follow-up off",
        default_text="see [outcomes](docs/outcomes.md)",
        allowed=f"ett JSON-objekt utfallskod → timmar, t.ex. {{\"treated_left_home\": 12}} (timmar större än 0 "
                f"och högst {MAX_HOURS}, eller null för ingen uppföljning; koder: "
                f"{', '.join(c.value for c in OutcomeCode)})")
    outcomes_non_ambulance_followup_hours: float = _field(
        24.0, gt=0, le=MAX_HOURS,
        description="follow-up interval in hours for a case answered only by non-ambulance units, whatever its code",
        allowed=f"ett tal större än 0 och högst {MAX_HOURS} (timmar)")
    outcomes_ambulance_types: frozenset[str] = _field(
        default_factory=lambda: frozenset({"AMBULANS"}),
        description="the resource types that count as ambulances, as a JSON list",
        default_text='`["AMBULANS"]`',
        allowed='en JSON-lista med resurstyper ur paletten, t.ex. ["AMBULANS"]')
    outcomes_no_followup_codes: frozenset[str] = _field(
        default_factory=lambda: frozenset(DEFAULT_NO_FOLLOWUP_CODES),
        description="outcome codes that never get a follow-up, as a JSON list",
        default_text='`["deceased", "not_found"]`',
        allowed=f'en JSON-lista med utfallskoder, t.ex. ["deceased", "not_found"] (koder: '
                f'{", ".join(c.value for c in OutcomeCode)})')
    outcomes_min_cases: int = _field(
        30, ge=1, le=1_000_000, description="no signal or rule proposal below this many cases in a group",
        allowed="ett heltal, minst 1")
    outcomes_under_triage_signal_rate: float = _field(
        0.0, ge=0, le=1, description="under-triage signal when the Wilson lower bound of the rate exceeds this",
        allowed="ett tal från 0 till 1 (andel)")
    outcomes_over_triage_signal_rate: float = _field(
        0.25, ge=0, le=1, description="over-triage signal when the Wilson lower bound of the rate exceeds this",
        allowed="ett tal från 0 till 1 (andel)")
    outcomes_proposal_prio1_left_home_lower: float = _field(
        0.5, ge=0, le=1, description="propose lowering a Prio 1 endpoint one step when the Wilson lower "
                                     "bound of its left-at-home rate exceeds this",
        allowed="ett tal från 0 till 1 (andel)")
    outcomes_proposal_redirect_left_home_lower: float = _field(
        0.6, ge=0, le=1, description="propose dropping the ambulance/lying transport from a Prio 2/3 "
                                     "endpoint's care need when the Wilson lower bound of its left-at-home rate "
                                     "exceeds this",
        allowed="ett tal från 0 till 1 (andel)")

    # --- identity and access (records.identity, records.passwords) ----------------------------------------
    auth_backend: Literal["local", "ldap"] = _field(
        "local", description="how people sign in: `local` (accounts with argon2 password hashes in the database) "
                             "or `ldap` (a bind against the region's directory, roles from its groups)",
        allowed="local eller ldap")
    password_min_length: int = _field(
        12, ge=8, le=128, description="the minimum length of a new local password",
        allowed="ett heltal från 8 till 128")
    login_max_failures: int = _field(
        5, ge=1, le=100, description="wrong passwords in a row after which a local account is locked",
        allowed="ett heltal från 1 till 100")
    login_lockout_minutes: float = _field(
        15, gt=0, le=24 * 60, description="how long a locked local account stays locked (an administrator can "
                                          "unlock it earlier)",
        allowed="ett tal större än 0 och högst 1440 (minuter)")
    token_file: Path | None = _field(
        None, description="a file holding the service token a system job (`feed serve`, imports, proposal "
                          "drafting) signs in with; created by an administrator with `users token create`",
        default_text="none", allowed="sökvägen till en fil med en tjänstenyckel")
    idle_lock_minutes: float = _field(
        10, gt=0, le=24 * 60, description="the console locks after this long without keyboard or mouse; "
                                          "unlocking needs the password",
        allowed="ett tal större än 0 och högst 1440 (minuter)")

    # --- the directory backend (records.ldap_auth; read only when LARMCENTRAL_AUTH_BACKEND=ldap) ------------
    ldap_url: str = _field(
        "", description="the directory's address, `ldaps://host` (or `ldap://host:389`); several separated by "
                        "spaces are tried in order",
        default_text="none", allowed="en eller flera adresser ldap://värd[:port] eller ldaps://värd[:port] med "
                                     "mellanslag emellan, t.ex. ldaps://dc1.region.se ldaps://dc2.region.se")
    ldap_user_dn_template: str = _field(
        "", description="a user's DN with `{username}` in place of the name, e.g. "
                        "`uid={username},ou=people,dc=region,dc=se`; when empty the user is searched for under "
                        "`LARMCENTRAL_LDAP_SEARCH_BASE`",
        default_text="none", allowed="ett DN med {username} i ett värde, t.ex. uid={username},ou=people,dc=region,dc=se")
    ldap_search_base: str = _field(
        "", description="where users are searched for with `LARMCENTRAL_LDAP_USER_FILTER` (when no DN template is "
                        "set), and groups when `LARMCENTRAL_LDAP_GROUP_BASE` is not set",
        default_text="none", allowed="ett DN, t.ex. ou=people,dc=region,dc=se")
    ldap_user_filter: str = _field(
        "(uid={username})", description="the filter that finds a user under the search base (Active Directory: "
                                        "`(sAMAccountName={username})`); the name is escaped",
        allowed="ett LDAP-filter inom parentes med {username}, t.ex. (sAMAccountName={username})")
    ldap_group_base: str = _field(
        "", description="where groups with the user as `member`/`uniqueMember`/`memberUid` are searched for, "
                        "besides the user's `memberOf`",
        default_text="the search base (none: `memberOf` only)", allowed="ett DN, t.ex. ou=groups,dc=region,dc=se")
    ldap_group_roles: dict[str, Role] = _field(
        default_factory=dict,
        description="directory groups → roles, as a JSON object keyed by a group's DN or cn, e.g. "
                    '`{"cn=ssk,ou=groups,dc=region,dc=se": "nurse", "RLS-läkare": "physician"}`',
        default_text="`{}` (nobody gets a role)",
        allowed=f'ett JSON-objekt grupp (DN eller cn) → roll, t.ex. {{"cn=ssk,ou=groups,dc=region,dc=se": '
                f'"nurse"}} (roller: {", ".join(r.value for r in Role)})')
    ldap_bind_dn: str = _field(
        "", description="the service account that searches for users (none: an anonymous search)",
        default_text="none", allowed="ett DN, t.ex. cn=larmcentral,ou=service,dc=region,dc=se")
    ldap_bind_password_file: Path | None = _field(
        None, description="a file holding the service account's password (kept out of the environment and of "
                          "every message)",
        default_text="none", allowed="sökvägen till en fil med tjänstekontots lösenord")
    ldap_ca_file: Path | None = _field(
        None, description="the CA certificate(s) (PEM) that sign the directory's `ldaps://` certificate",
        default_text="the system's trusted CAs", allowed="sökvägen till en PEM-fil med CA-certifikat")
    ldap_timeout_s: int = _field(
        5, ge=1, le=120, description="seconds to wait for each directory server to connect and to answer each "
                                     "request before sign-in says it cannot be reached",
        allowed=f"ett heltal från 1 till 120 ({_SECONDS})")

    # --- tests only -------------------------------------------------------------------------------------
    test_script: Path | None = _field(
        None, description="a JSON file of steps (keys, typed text, waits) that a demo console plays once it is "
                          "ready, for the end-to-end test; only with `console --demo` ([test hook](docs/test-hook.md))",
        default_text="none", allowed="sökvägen till en JSON-fil med teststeg (bara med console --demo)")
    test_pg_url: str = _field(
        DEFAULT_TEST_PG_URL, description="the server the PostgreSQL tests use (tests/conftest.py creates and drops "
                                         "a database there per test; never read by the product)",
        secret=True, allowed="en SQLAlchemy-adress till PostgreSQL, t.ex. " + DEFAULT_TEST_PG_URL)

    # --- validators -------------------------------------------------------------------------------------
    @field_validator("db_url", mode="before")
    @classmethod
    def _db_url(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if v and (problem := _database_url_problem(v) or _sqlite_directory_problem(v)):
                raise ValueError(problem)
        return v

    @field_validator("token_file", "ldap_bind_password_file", "ldap_ca_file", "test_script")
    @classmethod
    def _token_file(cls, v: Path | None) -> Path | None:
        if v is not None and v.is_dir():
            raise ValueError("är en katalog, inte en fil")
        return v

    @field_validator("ldap_url", mode="before")
    @classmethod
    def _ldap_url(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = " ".join(v.split())
            for url in v.split():
                if problem := ldap_url_problem(url):
                    raise ValueError(problem)
        return v

    @field_validator("ldap_user_dn_template", mode="before")
    @classmethod
    def _ldap_template(cls, v: Any) -> Any:
        if isinstance(v, str) and (v := v.strip()):
            rest = v.replace("{username}", "", 1)
            if "{username}" in rest or "{" in rest or "}" in rest:
                raise ValueError("{username} ska finnas exakt en gång")
            if problem := dn_problem(v.replace("{username}", "x")):
                raise ValueError(problem)
            if "={username}" not in v.replace(" ", ""):
                raise ValueError("{username} ska vara ett värde, t.ex. uid={username}")
        return v

    @field_validator("ldap_search_base", "ldap_group_base", "ldap_bind_dn", mode="before")
    @classmethod
    def _ldap_dn(cls, v: Any) -> Any:
        if isinstance(v, str) and (v := v.strip()) and (problem := dn_problem(v)):
            raise ValueError(problem)
        return v

    @field_validator("ldap_user_filter", mode="before")
    @classmethod
    def _ldap_filter(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if "{username}" not in v:
                raise ValueError("{username} saknas")
            if problem := filter_problem(v):
                raise ValueError(problem)
        return v

    @field_validator("ldap_group_roles", mode="before")
    @classmethod
    def _ldap_group_roles(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        data = _json(v)
        if not isinstance(data, dict):
            raise ValueError("inte ett JSON-objekt")
        roles: dict[str, Role] = {}
        for group, role in data.items():
            if not group.strip():
                raise ValueError("tomt gruppnamn")
            if "=" in group and (problem := dn_problem(group.strip())):
                raise ValueError(f"gruppen {group!r}: {problem}")
            if role not in Role.__members__.values():
                raise ValueError(f"okänd roll {role!r} för gruppen {group!r}")
            roles[group.strip()] = Role(role)
        return roles

    @field_validator("test_pg_url", mode="before")
    @classmethod
    def _test_pg_url(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if problem := _database_url_problem(v, backends=("postgresql",)):
                raise ValueError(problem)
        return v

    @field_validator("data_dir", "ruleset_dir", mode="before")
    @classmethod
    def _directory(cls, v: Any) -> Any:
        if isinstance(v, str | Path) and str(v).strip():
            path = Path(str(v).strip()).expanduser()
            if problem := directory_problem(path):
                raise ValueError(problem)
            return path
        return v

    @field_validator("persist_feed", "alert_sound", mode="before")
    @classmethod
    def _persist_feed(cls, v: Any) -> Any:
        if isinstance(v, str):
            raw = v.strip().lower()
            if not raw:
                return None
            if raw in _YES:
                return True
            if raw in _NO:
                return False
            raise ValueError("okänt värde")
        return v

    @field_validator("wait_targets", mode="before")
    @classmethod
    def _wait_targets(cls, v: Any) -> Any:
        return _per_priority(v, DEFAULT_WAIT_TARGETS, MAX_WAIT_MINUTES, "minuter")

    @field_validator("wait_targets")
    @classmethod
    def _wait_minutes(cls, v: dict[Priority, float]) -> dict[Priority, float]:
        return _within(v, MAX_WAIT_MINUTES, "minuter")

    @field_validator("alert_ack_timeouts", mode="before")
    @classmethod
    def _alert_ack_timeouts(cls, v: Any) -> Any:
        return _per_priority(v, DEFAULT_ALERT_ACK_TIMEOUTS, MAX_ALERT_ACK_S, "sekunder")

    @field_validator("alert_ack_timeouts")
    @classmethod
    def _alert_ack_seconds(cls, v: dict[Priority, float]) -> dict[Priority, float]:
        return _within(v, MAX_ALERT_ACK_S, "sekunder")

    @field_validator("aml_endpoint", mode="before")
    @classmethod
    def _aml_endpoint(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if problem := endpoint_problem(v):
                raise ValueError(problem)
        return v

    @field_validator("lang", mode="before")
    @classmethod
    def _lang(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if not _LANG.fullmatch(v):
                raise ValueError("ingen språkkod")
        return v

    @field_validator("outcomes_followup_hours", mode="before")
    @classmethod
    def _followup_hours_json(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        data = _json(v)
        if not isinstance(data, dict):
            raise ValueError("inte ett JSON-objekt")
        merged: dict[str, Any] = dict(DEFAULT_FOLLOWUP_HOURS)
        for code, hours in data.items():
            if hours is None:
                _known_code(code)
                merged.pop(code, None)
            else:
                merged[code] = hours
        return merged

    @field_validator("outcomes_followup_hours")
    @classmethod
    def _followup_hours(cls, v: dict[str, float]) -> dict[str, float]:
        for code, hours in v.items():
            _known_code(code)
            if not 0 < hours <= MAX_HOURS:
                raise ValueError(f"ogiltigt antal timmar för {code}")
        return v

    @field_validator("outcomes_ambulance_types", "outcomes_no_followup_codes", mode="before")
    @classmethod
    def _json_list(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        data = _json(v)
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise ValueError("inte en JSON-lista med text")
        return frozenset(data)

    @field_validator("outcomes_ambulance_types")
    @classmethod
    def _ambulance_types(cls, v: frozenset[str]) -> frozenset[str]:
        if not v:
            raise ValueError("listan är tom")
        for code in v:
            if not re.fullmatch(r"[A-ZÅÄÖ0-9_]+", code):
                raise ValueError(f"{code!r} är ingen resurstyp (versaler, siffror och _)")
        return v

    @field_validator("outcomes_no_followup_codes")
    @classmethod
    def _no_followup_codes(cls, v: frozenset[str]) -> frozenset[str]:
        for code in v:
            _known_code(code)
        return v


def _known_code(code: str) -> None:
    if code not in OutcomeCode.__members__.values():
        raise ValueError(f"okänd utfallskod {code!r}")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ogiltig JSON (tecken {exc.pos + 1}: {_JSON_MESSAGES.get(exc.msg, exc.msg)})") from None


_JSON_MESSAGES = {
    "Expecting value": "värde väntades",
    "Expecting property name enclosed in double quotes": "namn inom dubbla citattecken väntades",
    "Expecting ':' delimiter": "':' väntades",
    "Expecting ',' delimiter": "',' väntades",
    "Extra data": "text efter slutet",
    "Unterminated string starting at": "text utan slutcitattecken",
}


@functools.lru_cache(maxsize=32)
def _database_url_problem(url: str, backends: tuple[str, ...] = DATABASE_BACKENDS) -> str | None:
    """Why `url` cannot be used as a database address (Swedish), or None. Cached per string: the answer
    depends only on the text and on which drivers are installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "ingen databasadress"
    if parsed.get_backend_name() not in backends:
        return f"databastypen {parsed.get_backend_name()!r} stöds inte"
    if problem := _multihost_problem(parsed.query):
        return problem
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"drivrutinen {parsed.get_driver_name()!r} finns inte"
    try:
        dialect.import_dbapi()
    except ImportError:
        return f"drivrutinen {parsed.get_driver_name()!r} är inte installerad"
    return None


def _sqlite_directory_problem(url: str) -> str | None:
    """A SQLite file in a directory that is not there: otherwise every command says the database "cannot be reached
    right now, try again", which no retry mends. Not cached: the directory may be made later."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    directory = Path(parsed.database).expanduser().parent
    if not directory.exists():
        return f"katalogen {directory} för SQLite-filen finns inte"
    if not directory.is_dir():
        return f"{directory} för SQLite-filen är inte en katalog"
    return None


def _multihost_problem(query: Mapping[str, Any]) -> str | None:
    """libpq's host lists as SQLAlchemy reads them (docs/centre-setup.md): `host=h1:5432&host=h2:5432` or
    `host=h1,h2&port=5432,5432`; `host=h1:5432,h2:5432` would reach libpq as host names with ports in them."""
    host = query.get("host")
    if isinstance(host, str) and "," in host and ":" in host:
        return ("flera värdar skrivs host=värd1:5432&host=värd2:5432 eller host=värd1,värd2&port=5432,5432, "
                "inte host=värd1:5432,värd2:5432")
    return None


def endpoint_problem(endpoint: str) -> str | None:
    """Why `endpoint` cannot be bound by a ZeroMQ socket (Swedish), or None: tcp://host:port with a port from 1 to
    65535 (a host name, an IPv4 address, [IPv6] or * for every interface), or ipc://path."""
    if endpoint.startswith("ipc://"):
        return None if len(endpoint) > len("ipc://") else "ipc:// saknar sökväg"
    match = re.fullmatch(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.*-]+):(\d{1,5})", endpoint)
    if match is None:
        return "ingen adress på formen tcp://värd:port"
    if not 1 <= int(match.group(2)) <= 65535:
        return f"porten {match.group(2)} ligger utanför 1–65535"
    return None


def ldap_url_problem(url: str) -> str | None:
    """Why `url` is not a directory address (Swedish), or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{url!r} är ingen adress"
    if parts.scheme.lower() not in ("ldap", "ldaps"):
        return f"{url!r} börjar inte med ldap:// eller ldaps://"
    if not parts.hostname or parts.username is not None or parts.path not in ("", "/") or parts.query:
        return f"{url!r} ska bara ha värd och port"
    if port == 0:
        return f"{url!r} har port 0"
    return None


def dn_problem(dn: str) -> str | None:
    """Why `dn` is not a distinguished name (Swedish), or None."""
    from ldap3.core.exceptions import LDAPInvalidDnError
    from ldap3.utils.dn import parse_dn

    try:
        parts = parse_dn(dn, strip=True)
    except LDAPInvalidDnError:
        return "inget giltigt DN"
    if not parts or any(not attr.strip() or not value.strip() for attr, value, _ in parts):
        return "inget giltigt DN"
    return None


def filter_problem(text: str) -> str | None:
    """Why `text` is not one parenthesised LDAP filter (Swedish), or None."""
    depth = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0 or (depth == 0 and i != len(text) - 1):
                return "parenteserna stämmer inte"
    if not text.startswith("(") or depth != 0:
        return "ska stå inom parentes, med lika många ( som )"
    return None


def directory_problem(path: Path) -> str | None:
    """Why `path` cannot be used as a directory the product writes to (Swedish), or None. Nothing is created."""
    if path.exists():
        if not path.is_dir():
            return "det är en fil, ingen katalog"
        if not os.access(path, os.W_OK | os.X_OK):
            return "katalogen är skrivskyddad"
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{str(parent)!r} är en fil, så katalogen kan inte skapas"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"katalogen kan inte skapas ({str(parent)!r} är skrivskyddad)"
    return None


# Variables that no longer exist, and where their value now lives. Set, they stop the program (a value that
# silently does nothing is how two recontact windows came to disagree).
_RECONTACT = ("återkontaktsfönstret är regelverkets recontact_window_hours, som regionens medicinska ledning "
              "fastställer (ett fönster för länkning, flaggning, triage och statistik; docs/outcomes.md)")
RETIRED = {ENV_PREFIX + "OUTCOMES_RECONTACT_WINDOW_HOURS": _RECONTACT,
           ENV_PREFIX + "OUTCOMES_STATS_RECONTACT_HOURS": _RECONTACT}


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from the process environment (or from `environ`, e.g. in a test); raises SettingsError
    naming every bad variable. Validated once per distinct set of `LARMCENTRAL_*` values (validating the model
    costs milliseconds and every command reads it several times); a changed variable is read again."""
    retired = [f"{name} finns inte längre: {why}; ta bort variabeln."
               for name, why in RETIRED.items() if (os.environ if environ is None else environ).get(name)]
    if retired:
        raise SettingsError(retired, [line.split(" ", 1)[0] for line in retired])
    try:
        if environ is None:
            return _settings_for(tuple(sorted((k, v) for k, v in os.environ.items()
                                              if k.upper().startswith(ENV_PREFIX))))
        return Settings.model_validate(_fields_from(environ))
    except ValidationError as exc:
        raise settings_error(exc, os.environ if environ is None else environ) from None
    except PydanticSettingsError as exc:  # the source could not read a value (should not happen: no decoding)
        raise SettingsError([f"en {ENV_PREFIX}*-variabel kan inte läsas: {exc}"]) from None


@functools.lru_cache(maxsize=8)
def _settings_for(_variables: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()  # reads the same environment the key was taken from


def _fields_from(environ: Mapping[str, str]) -> dict[str, str]:
    """Field name → raw value for the `LARMCENTRAL_*` entries of `environ` (names case-insensitive, empty = unset)."""
    fields = {}
    for key, value in environ.items():
        name = key.upper()
        if name.startswith(ENV_PREFIX) and value != "":
            field = name[len(ENV_PREFIX):].lower()
            if field in Settings.model_fields:
                fields[field] = value
    return fields


def settings_error(exc: ValidationError, environ: Mapping[str, str]) -> SettingsError:
    """pydantic's errors as one Swedish line per variable: name, value, what was wrong, what is allowed."""
    raw = {key.upper(): value for key, value in environ.items()}
    lines: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        info = Settings.model_fields.get(field)
        name = env_name(field)
        if info is None or name in lines:
            continue
        extra = _extra(info)
        value = raw.get(name, err.get("input"))
        shown = _PASSWORD.sub(r"\1***@", value) if extra.get("secret") and isinstance(value, str) else value
        reason = ""
        if err["type"] in ("value_error", "assertion_error"):
            reason = str((err.get("ctx") or {}).get("error") or err["msg"]).removeprefix("Value error, ") + "; "
        lines[name] = f"{name}={shown!r} är ogiltigt: {reason}ange {extra['allowed']}."
    return SettingsError(list(lines.values()), list(lines))


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def _default_text(info: FieldInfo) -> str:
    extra = _extra(info)
    if "default_text" in extra:
        return str(extra["default_text"])
    default = info.get_default(call_default_factory=True)
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def markdown_table() -> str:
    """The README's configuration table: one row per variable, in the model's order."""
    rows = ["| variable | default | what it sets |", "|---|---|---|"]
    for field, info in Settings.model_fields.items():
        rows.append(f"| `{env_name(field)}` | {_default_text(info)} | {info.description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
