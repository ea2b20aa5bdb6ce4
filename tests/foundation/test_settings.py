"""One settings model (resources.settings): every LARMCENTRAL_* variable, a Swedish message naming the
variable, the value and what is allowed for every bad value — from the real command line, exit code 2,
never a traceback — and the README's configuration table generated from the model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import larmcentral_cli
from outcomes.settings import OutcomeSettings, outcome_settings
from resources.paths import data_dir
from resources.settings import ENV_PREFIX, Settings, SettingsError, env_name, load_settings, markdown_table
from resources.vocabulary import Priority, Role

ROOT = Path(__file__).resolve().parents[2]
A_FILE = "<a file>"  # replaced by the path of an existing file
UNDER_A_FILE = "<a file>/under"

# (variable without the prefix, bad value, command): every variable at least once, run as a real process.
BAD = [
    ("DB_URL", "garbage", "db url"),
    ("DB_URL", "mysql://larm@dbhost/larmcentral", "db url"),
    ("DB_URL", "postgresql+nosuchdriver://dbhost/larm", "palette"),
    ("DATA_DIR", A_FILE, "db url"),
    ("DATA_DIR", UNDER_A_FILE, "palette"),
    ("DATA_DIR", UNDER_A_FILE, "settings --check"),  # said "ok" while every command refused it
    ("RULESET_DIR", A_FILE, "db url"),
    ("PERSIST_FEED", "kanske", "db url"),
    ("FEED_RECEIVER", "fork", "db url"),
    ("FEED_RETENTION_DAYS", "0", "db url"),
    ("FEED_POSITION_THRESHOLD_M", "-5", "db url"),
    ("POSITION_MAX_ACCURACY_M", "nära", "db url"),
    ("AML_ENDPOINT", "localhost:5590", "db url"),
    ("AML_MAX_AGE_S", "5", "db url"),
    ("WAIT_TARGETS", "1=tio", "db url"),
    ("WAIT_TARGETS", "4=10", "db url"),
    ("LANG", "svenska!", "db url"),
    ("DB_CONNECT_TIMEOUT_S", "-1", "db url"),
    ("DB_STATEMENT_TIMEOUT_S", "nan", "db url"),
    ("DB_BUSY_TIMEOUT_S", "0", "db url"),
    ("DB_KEEPALIVE_IDLE_S", "1.5", "db url"),
    ("DB_KEEPALIVE_INTERVAL_S", "tio", "db url"),
    ("DB_KEEPALIVE_COUNT", "-3", "db url"),
    ("DB_POOL_SIZE", "0", "db url"),
    ("DB_FAILOVER_RETRY_S", "-1", "db url"),
    ("SAFETY_POLL_S", "snart", "db url"),
    ("ALERT_SOUND", "tyst", "db url"),
    ("AUTH_BACKEND", "kerberos", "db url"),
    ("PASSWORD_MIN_LENGTH", "4", "db url"),
    ("LOGIN_MAX_FAILURES", "0", "db url"),
    ("LOGIN_LOCKOUT_MINUTES", "evigt", "db url"),
    ("IDLE_LOCK_MINUTES", "-1", "db url"),
    ("TOKEN_FILE", "/", "db url"),
    ("LDAP_URL", "http://dc1.region.se", "db url"),
    ("LDAP_USER_DN_TEMPLATE", "uid=anna,ou=people,dc=region,dc=se", "db url"),
    ("LDAP_SEARCH_BASE", "region.se", "db url"),
    ("LDAP_USER_FILTER", "uid={username}", "db url"),
    ("LDAP_GROUP_BASE", "grupper", "db url"),
    ("LDAP_GROUP_ROLES", '{"ssk": "sjuksköterska"}', "db url"),
    ("LDAP_BIND_DN", "larmcentral", "db url"),
    ("LDAP_BIND_PASSWORD_FILE", "/", "db url"),
    ("LDAP_CA_FILE", "/", "db url"),
    ("LDAP_TIMEOUT_S", "0", "db url"),
    ("ALERT_ACK_TIMEOUTS", "1=femton", "db url"),
    ("ALERT_RESEND_FIRST_S", "0", "db url"),
    ("ALERT_RESEND_MAX_S", "aldrig", "db url"),
    ("OUTCOMES_FOLLOWUP_HOURS", "notjson", "db url"),
    ("OUTCOMES_FOLLOWUP_HOURS", '{"dead_on_arrival": 12}', "db url"),
    ("OUTCOMES_NON_AMBULANCE_FOLLOWUP_HOURS", "-24", "db url"),
    ("OUTCOMES_AMBULANCE_TYPES", "AMBULANS", "db url"),
    ("OUTCOMES_NO_FOLLOWUP_CODES", '["dead"]', "db url"),
    ("OUTCOMES_MIN_CASES", "0", "db url"),
    ("OUTCOMES_UNDER_TRIAGE_SIGNAL_RATE", "1.5", "db url"),
    ("OUTCOMES_OVER_TRIAGE_SIGNAL_RATE", "-0.1", "db url"),
    ("OUTCOMES_PROPOSAL_PRIO1_LEFT_HOME_LOWER", "hälften", "db url"),
    ("OUTCOMES_PROPOSAL_REDIRECT_LEFT_HOME_LOWER", "2", "settings --check"),
    ("TEST_SCRIPT", "/", "db url"),
    ("TEST_PG_URL", "sqlite:///larm.sqlite3", "db url"),
]

# More bad values, through the same entry point in this process (faster than a process each).
MORE_BAD = [
    ("DB_URL", "sqlite//saknar-kolon"),
    ("DB_URL", "sqlite:////finns-inte/alls/larm.sqlite3"),  # "cannot be reached, try again" mended nothing
    ("DB_URL", "postgresql+psycopg2://dbhost/larm"),
    ("WAIT_TARGETS", "1=-5"),
    ("WAIT_TARGETS", "1"),
    ("WAIT_TARGETS", "1=10,,2=30"),
    ("WAIT_TARGETS", "1=inf"),
    ("LANG", "../../etc"),
    ("LANG", "SV"),
    ("PERSIST_FEED", "2"),
    ("FEED_RETENTION_DAYS", "tre"),
    ("FEED_RETENTION_DAYS", "2.5"),
    ("FEED_POSITION_THRESHOLD_M", "0"),
    ("FEED_POSITION_THRESHOLD_M", "nan"),
    ("POSITION_MAX_ACCURACY_M", "0"),
    ("POSITION_MAX_ACCURACY_M", "inf"),
    ("AML_ENDPOINT", "tcp://127.0.0.1:70000"),
    ("AML_ENDPOINT", "tcp://127.0.0.1"),
    ("AML_ENDPOINT", "ipc://"),
    ("AML_MAX_AGE_S", "nan"),
    ("AML_MAX_AGE_S", "100000"),
    ("DB_CONNECT_TIMEOUT_S", "abc"),
    ("DB_CONNECT_TIMEOUT_S", "1000"),
    ("DB_STATEMENT_TIMEOUT_S", "inf"),
    ("DB_KEEPALIVE_IDLE_S", "0"),
    ("DB_KEEPALIVE_COUNT", "1000"),
    ("DB_POOL_SIZE", "2.5"),
    ("DB_POOL_SIZE", "21"),
    ("DB_FAILOVER_RETRY_S", "nan"),
    ("DB_FAILOVER_RETRY_S", "601"),
    ("DB_URL", "postgresql+psycopg://larm@/larmcentral?host=db1:5432,db2:5432&target_session_attrs=read-write"),
    ("SAFETY_POLL_S", "0"),
    ("SAFETY_POLL_S", "7200"),
    ("ALERT_SOUND", "2"),
    ("ALERT_ACK_TIMEOUTS", "4=15"),
    ("ALERT_ACK_TIMEOUTS", "1=0"),
    ("ALERT_ACK_TIMEOUTS", "1=nan"),
    ("ALERT_ACK_TIMEOUTS", "1"),
    ("ALERT_RESEND_FIRST_S", "61"),
    ("ALERT_RESEND_MAX_S", "-1"),
    ("OUTCOMES_FOLLOWUP_HOURS", '{"declined": -1}'),
    ("OUTCOMES_FOLLOWUP_HOURS", '{"declined": "ett dygn"}'),
    ("OUTCOMES_FOLLOWUP_HOURS", "[24, 48]"),
    ("OUTCOMES_FOLLOWUP_HOURS", '{"treated_left_home": 12'),
    ("OUTCOMES_AMBULANCE_TYPES", "[]"),
    ("OUTCOMES_AMBULANCE_TYPES", '["ambulans bil"]'),
    ("OUTCOMES_NO_FOLLOWUP_CODES", '"deceased"'),
    ("OUTCOMES_NON_AMBULANCE_FOLLOWUP_HOURS", "-1"),
    ("OUTCOMES_NON_AMBULANCE_FOLLOWUP_HOURS", "100000"),
    ("OUTCOMES_MIN_CASES", "tre"),
    ("OUTCOMES_MIN_CASES", "2.5"),
    ("TEST_PG_URL", "garbage"),
    ("LDAP_URL", "ldaps://"),
    ("LDAP_URL", "ldap://dc1.region.se:99999"),
    ("LDAP_URL", "ldaps://dc1.region.se/dc=region,dc=se"),
    ("LDAP_URL", "ldaps://dc1.region.se ldapi://"),
    ("LDAP_USER_DN_TEMPLATE", "{username}@region.se"),
    ("LDAP_USER_DN_TEMPLATE", "uid={username},cn={username},dc=se"),
    ("LDAP_USER_DN_TEMPLATE", "uid={user},dc=se"),
    ("LDAP_USER_FILTER", "(uid={username}))"),
    ("LDAP_USER_FILTER", "(uid=anna)"),
    ("LDAP_GROUP_ROLES", "[]"),
    ("LDAP_GROUP_ROLES", '{"": "nurse"}'),
    ("LDAP_GROUP_ROLES", '{"cn=ssk,,dc=se": "nurse"}'),
    ("LDAP_TIMEOUT_S", "2.5"),
    ("LDAP_TIMEOUT_S", "1000"),
]

GOOD = [
    ("DB_URL", "postgresql+psycopg://larm@dbhost/larmcentral", "db_url",
     "postgresql+psycopg://larm@dbhost/larmcentral"),
    ("DB_URL", "  sqlite:////tmp/larm.sqlite3 ", "db_url", "sqlite:////tmp/larm.sqlite3"),
    ("DB_URL", "", "db_url", ""),
    ("PERSIST_FEED", "ja", "persist_feed", True),
    ("FEED_RECEIVER", "thread", "feed_receiver", "thread"),
    ("PERSIST_FEED", " 0 ", "persist_feed", False),
    ("FEED_RETENTION_DAYS", "90", "feed_retention_days", 90),
    ("FEED_POSITION_THRESHOLD_M", "25.5", "feed_position_threshold_m", 25.5),
    ("POSITION_MAX_ACCURACY_M", "1000", "position_max_accuracy_m", 1000),
    ("AML_ENDPOINT", " tcp://0.0.0.0:5591 ", "aml_endpoint", "tcp://0.0.0.0:5591"),
    ("AML_ENDPOINT", "ipc:///run/larmcentral/aml", "aml_endpoint", "ipc:///run/larmcentral/aml"),
    ("AML_ENDPOINT", "tcp://[::1]:5590", "aml_endpoint", "tcp://[::1]:5590"),
    ("AML_MAX_AGE_S", "300", "aml_max_age_s", 300),
    ("WAIT_TARGETS", "1=8,hänvisning=300", "wait_targets",
     {Priority.P1: 8, Priority.P2: 30, Priority.P3: 120, Priority.REFERRAL: 300}),
    ("WAIT_TARGETS", " 2 = 20 , Hänvisning=200", "wait_targets",
     {Priority.P1: 10, Priority.P2: 20, Priority.P3: 120, Priority.REFERRAL: 200}),
    ("LANG", "en", "lang", "en"),
    ("LANG", "en_GB", "lang", "en_GB"),
    ("DB_CONNECT_TIMEOUT_S", "2.5", "db_connect_timeout_s", 2.5),
    ("DB_STATEMENT_TIMEOUT_S", "30", "db_statement_timeout_s", 30),
    ("DB_BUSY_TIMEOUT_S", "0.2", "db_busy_timeout_s", 0.2),
    ("DB_KEEPALIVE_IDLE_S", "60", "db_keepalive_idle_s", 60),
    ("DB_KEEPALIVE_INTERVAL_S", "1", "db_keepalive_interval_s", 1),
    ("DB_KEEPALIVE_COUNT", "5", "db_keepalive_count", 5),
    ("DB_POOL_SIZE", "1", "db_pool_size", 1),
    ("DB_FAILOVER_RETRY_S", "0", "db_failover_retry_s", 0),
    ("DB_URL", "postgresql+psycopg://larm@/larmcentral?host=db1:5432&host=db2:5432&target_session_attrs=read-write",
     "db_url", "postgresql+psycopg://larm@/larmcentral?host=db1:5432&host=db2:5432&target_session_attrs=read-write"),
    ("DB_URL", "postgresql+psycopg://larm@/larmcentral?host=db1,db2&port=5432,5432", "db_url",
     "postgresql+psycopg://larm@/larmcentral?host=db1,db2&port=5432,5432"),
    ("SAFETY_POLL_S", "600", "safety_poll_s", 600.0),
    ("ALERT_SOUND", "0", "alert_sound", False),
    ("ALERT_SOUND", " ja ", "alert_sound", True),
    ("ALERT_ACK_TIMEOUTS", "1=0.5,hänvisning=300", "alert_ack_timeouts",
     {Priority.P1: 0.5, Priority.P2: 30, Priority.P3: 60, Priority.REFERRAL: 300}),
    ("ALERT_RESEND_FIRST_S", "0.2", "alert_resend_first_s", 0.2),
    ("ALERT_RESEND_MAX_S", "5", "alert_resend_max_s", 5),
    ("AUTH_BACKEND", "ldap", "auth_backend", "ldap"),
    ("PASSWORD_MIN_LENGTH", "16", "password_min_length", 16),
    ("LOGIN_MAX_FAILURES", "3", "login_max_failures", 3),
    ("LOGIN_LOCKOUT_MINUTES", "30", "login_lockout_minutes", 30),
    ("IDLE_LOCK_MINUTES", "5", "idle_lock_minutes", 5),
    ("TOKEN_FILE", "/etc/larmcentral/feed.token", "token_file", Path("/etc/larmcentral/feed.token")),
    ("LDAP_URL", " ldaps://dc1.region.se  ldap://dc2.region.se:389 ", "ldap_url",
     "ldaps://dc1.region.se ldap://dc2.region.se:389"),
    ("LDAP_USER_DN_TEMPLATE", "uid={username},ou=people,dc=region,dc=se", "ldap_user_dn_template",
     "uid={username},ou=people,dc=region,dc=se"),
    ("LDAP_SEARCH_BASE", "OU=Användare, DC=region, DC=se", "ldap_search_base", "OU=Användare, DC=region, DC=se"),
    ("LDAP_USER_FILTER", "(&(objectClass=user)(sAMAccountName={username}))", "ldap_user_filter",
     "(&(objectClass=user)(sAMAccountName={username}))"),
    ("LDAP_GROUP_BASE", "ou=groups,dc=region,dc=se", "ldap_group_base", "ou=groups,dc=region,dc=se"),
    ("LDAP_GROUP_ROLES", '{"CN=Larm-SSK,OU=Grupper,DC=region,DC=se": "nurse", "RLS-läkare": "physician"}',
     "ldap_group_roles", {"CN=Larm-SSK,OU=Grupper,DC=region,DC=se": Role.NURSE, "RLS-läkare": Role.PHYSICIAN}),
    ("LDAP_BIND_DN", "cn=larmcentral,ou=service,dc=region,dc=se", "ldap_bind_dn",
     "cn=larmcentral,ou=service,dc=region,dc=se"),
    ("LDAP_BIND_PASSWORD_FILE", "/etc/larmcentral/ldap.secret", "ldap_bind_password_file",
     Path("/etc/larmcentral/ldap.secret")),
    ("LDAP_CA_FILE", "/etc/larmcentral/ldap-ca.pem", "ldap_ca_file", Path("/etc/larmcentral/ldap-ca.pem")),
    ("LDAP_TIMEOUT_S", "10", "ldap_timeout_s", 10),
    ("OUTCOMES_FOLLOWUP_HOURS", '{"treated_left_home": 12, "declined": null}', "outcomes_followup_hours",
     {"treated_left_home": 12, "left_home_advice": 24, "handed_over_team": 48}),
    ("OUTCOMES_NON_AMBULANCE_FOLLOWUP_HOURS", "12", "outcomes_non_ambulance_followup_hours", 12),
    ("OUTCOMES_AMBULANCE_TYPES", '["AMBULANS", "IVA_AMB"]', "outcomes_ambulance_types",
     frozenset({"AMBULANS", "IVA_AMB"})),
    ("OUTCOMES_NO_FOLLOWUP_CODES", "[]", "outcomes_no_followup_codes", frozenset()),
    ("OUTCOMES_MIN_CASES", "50", "outcomes_min_cases", 50),
    ("OUTCOMES_UNDER_TRIAGE_SIGNAL_RATE", "0.05", "outcomes_under_triage_signal_rate", 0.05),
    ("OUTCOMES_OVER_TRIAGE_SIGNAL_RATE", "0", "outcomes_over_triage_signal_rate", 0),
    ("OUTCOMES_PROPOSAL_PRIO1_LEFT_HOME_LOWER", "1", "outcomes_proposal_prio1_left_home_lower", 1),
    ("OUTCOMES_PROPOSAL_REDIRECT_LEFT_HOME_LOWER", "0.7", "outcomes_proposal_redirect_left_home_lower", 0.7),
    ("TEST_SCRIPT", "/tmp/larmcentral/steg.json", "test_script", Path("/tmp/larmcentral/steg.json")),
    ("TEST_PG_URL", "postgresql+psycopg://u:p@pg:5433/postgres", "test_pg_url",
     "postgresql+psycopg://u:p@pg:5433/postgres"),
]


def _value(raw: str, tmp_path: Path) -> str:
    if A_FILE in raw:
        a_file = tmp_path / "en-fil.txt"
        a_file.write_text("inte en katalog\n", encoding="utf-8")
        return raw.replace(A_FILE, str(a_file))
    return raw


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ENV_PREFIX)}
    env["LARMCENTRAL_DATA_DIR"] = str(tmp_path / "data")
    return env


def assert_swedish_message(text: str, variable: str, value: str) -> None:
    assert "Traceback" not in text, text
    assert variable in text, text
    assert value in text, text
    line = next(line for line in text.splitlines() if variable in line)
    assert "är ogiltigt" in line and "ange " in line, text  # the variable, the value, what is allowed
    for english in ("Input should", "validation error", "Value error", "error parsing", "Field required"):
        assert english not in text, text


def test_every_variable_has_a_bad_value_and_a_good_one() -> None:
    fields = {env_name(f) for f in Settings.model_fields}
    assert {ENV_PREFIX + v for v, *_ in BAD} == fields
    assert {ENV_PREFIX + v for v, *_ in GOOD} | {"LARMCENTRAL_DATA_DIR", "LARMCENTRAL_RULESET_DIR"} == fields


@pytest.mark.parametrize(("variable", "raw", "command"), BAD, ids=[f"{v}={r}" for v, r, _ in BAD])
def test_a_bad_value_stops_the_command_line_with_a_swedish_message(
        variable: str, raw: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """In-process, through the command line's own entry point (a process per value took ~3 s each, minutes
    over the list); `test_a_bad_value_stops_the_real_process` runs a few as real processes."""
    name, value = ENV_PREFIX + variable, _value(raw, tmp_path)
    for key in [k for k in os.environ if k.upper().startswith(ENV_PREFIX)]:
        monkeypatch.delenv(key)
    for key, val in (_clean_env(tmp_path) | {name: value}).items():
        if key.upper().startswith(ENV_PREFIX):
            monkeypatch.setenv(key, val)
    assert larmcentral_cli.main(command.split()) == 2
    out = capsys.readouterr()
    assert_swedish_message(out.err, name, value)
    assert out.out == ""
    assert not (tmp_path / "data" / "larmcentral.sqlite3").exists()  # nothing opened, nothing written


REAL_PROCESS_SAMPLE = [b for b in BAD if b[2] != "db url"][:3] + [b for b in BAD if b[2] == "db url"][:1]


@pytest.mark.parametrize(("variable", "raw", "command"), REAL_PROCESS_SAMPLE,
                         ids=[f"{v}={r}" for v, r, _ in REAL_PROCESS_SAMPLE])
def test_a_bad_value_stops_the_real_process(variable: str, raw: str, command: str, tmp_path: Path) -> None:
    """main.py as a process: exit code 2, the Swedish message on stderr, nothing on stdout, nothing written."""
    name, value = ENV_PREFIX + variable, _value(raw, tmp_path)
    env = _clean_env(tmp_path) | {name: value}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), *command.split()], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert_swedish_message(done.stderr, name, value)
    assert done.stdout == ""
    assert not (tmp_path / "data" / "larmcentral.sqlite3").exists()


@pytest.mark.parametrize(("variable", "raw"), MORE_BAD, ids=[f"{v}={r}" for v, r in MORE_BAD])
def test_more_bad_values(variable: str, raw: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    name = ENV_PREFIX + variable
    with pytest.raises(SettingsError) as caught:
        load_settings({name: raw})
    assert caught.value.variables == [name] and str(caught.value).count("\n") == 0
    monkeypatch.setenv(name, raw)
    assert larmcentral_cli.main(["db", "url"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert_swedish_message(out.err, name, raw)


def test_the_message_for_a_bad_value_is_exact() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"LARMCENTRAL_OUTCOMES_NON_AMBULANCE_FOLLOWUP_HOURS": "abc"})
    assert str(caught.value) == ("LARMCENTRAL_OUTCOMES_NON_AMBULANCE_FOLLOWUP_HOURS='abc' är ogiltigt: ange ett tal "
                                 "större än 0 och högst 720 (timmar).")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("name", ["LARMCENTRAL_OUTCOMES_RECONTACT_WINDOW_HOURS",
                                  "LARMCENTRAL_OUTCOMES_STATS_RECONTACT_HOURS"])
def test_a_retired_recontact_window_variable_points_at_the_rule_set(name: str, tmp_path: Path) -> None:
    """The recontact window is the rule set's `recontact_window_hours` (one window, signed by the medical
    leadership): a variable that would silently do nothing stops the program and says where the window is."""
    with pytest.raises(SettingsError) as caught:
        load_settings({name: "96"})
    assert str(caught.value).startswith(f"{name} finns inte längre: ") and "recontact_window_hours" in str(caught.value)
    assert f"`{name}`" not in markdown_table()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "db", "url"], cwd=ROOT, capture_output=True,
                          env=_clean_env(tmp_path) | {name: "96"}, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "") and name in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "larmcentral.sqlite3").exists()


def test_every_bad_variable_gets_its_own_line(tmp_path: Path) -> None:
    env = {"LARMCENTRAL_DB_URL": "garbage", "LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS": "notjson",
           "LARMCENTRAL_DB_KEEPALIVE_COUNT": "noll", "LARMCENTRAL_LANG": "sv"}
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variables == ["LARMCENTRAL_DB_URL", "LARMCENTRAL_DB_KEEPALIVE_COUNT",
                                      "LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS"]
    assert [line.split("=")[0] for line in caught.value.problems] == caught.value.variables


def test_a_password_in_a_bad_database_url_is_not_shown() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"LARMCENTRAL_DB_URL": "mysql://larm:hemligt@dbhost/larmcentral"})
    assert "hemligt" not in str(caught.value) and "mysql://larm:***@dbhost/larmcentral" in str(caught.value)
    assert "hemligt" not in repr(load_settings({"LARMCENTRAL_DB_URL": "postgresql+psycopg://larm:hemligt@h/db"}))


@pytest.mark.parametrize(("variable", "raw", "field", "expected"), GOOD, ids=[f"{v}={r}" for v, r, *_ in GOOD])
def test_good_values_are_accepted(variable: str, raw: str, field: str, expected: object,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert getattr(load_settings({ENV_PREFIX + variable: raw}), field) == expected
    monkeypatch.setenv(ENV_PREFIX + variable, raw)  # the process environment (pydantic-settings) reads the same
    assert getattr(load_settings(), field) == expected


def test_directories_that_can_be_created_are_accepted_and_created_on_use(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = tmp_path / "ny" / "data"
    monkeypatch.setenv("LARMCENTRAL_DATA_DIR", str(wanted))
    monkeypatch.setenv("LARMCENTRAL_RULESET_DIR", str(tmp_path / "regler"))
    settings = load_settings()
    assert settings.data_dir == wanted and settings.ruleset_dir == tmp_path / "regler"
    assert not wanted.exists()  # checking creates nothing
    assert data_dir() == wanted and wanted.is_dir()


def test_a_good_environment_runs_the_command(tmp_path: Path) -> None:
    env = _clean_env(tmp_path) | {"LARMCENTRAL_DB_URL": "postgresql+psycopg://larm@dbhost/larmcentral",
                                  "LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS": '{"declined": 12}',
                                  "LARMCENTRAL_WAIT_TARGETS": "1=8"}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "db", "url"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (
        0, "postgresql+psycopg://larm@dbhost/larmcentral", "")


def test_outcome_settings_are_a_view_of_the_one_model(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome_fields = {f.removeprefix("outcomes_") for f in Settings.model_fields if f.startswith("outcomes_")}
    assert set(OutcomeSettings.model_fields) == outcome_fields
    assert outcome_settings() == OutcomeSettings()  # the defaults agree
    monkeypatch.setenv("LARMCENTRAL_OUTCOMES_MIN_CASES", "48")
    monkeypatch.setenv("LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS", '{"declined": null}')
    settings = outcome_settings()
    assert settings.min_cases == 48 and "declined" not in settings.followup_hours
    assert settings.followup_hours["handed_over_team"] == 48  # the codes not named keep their default
    monkeypatch.setenv("LARMCENTRAL_OUTCOMES_MIN_CASES", "abc")
    with pytest.raises(SettingsError, match="LARMCENTRAL_OUTCOMES_MIN_CASES='abc'"):
        outcome_settings()


def test_every_field_is_documented() -> None:
    for field, info in Settings.model_fields.items():
        assert info.description and "\n" not in info.description, field
        assert isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("allowed"), field


def _readme_configuration() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1]
    return section.split("\n## ", 1)[0]


def test_the_readme_table_is_the_generated_one() -> None:
    """Regenerate with `python main.py settings` and paste it over the table in README.md."""
    section = _readme_configuration()
    assert markdown_table() in section
    documented = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert documented == {env_name(f) for f in Settings.model_fields}


def test_the_settings_command_prints_the_table_even_when_a_value_is_bad(tmp_path: Path) -> None:
    env = _clean_env(tmp_path) | {"LARMCENTRAL_DB_URL": "garbage"}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "settings"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, markdown_table())
    module = subprocess.run([sys.executable, "-m", "resources.settings"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert (module.returncode, module.stdout) == (0, markdown_table())
