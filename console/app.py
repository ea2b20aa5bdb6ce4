"""Start the console: database, sign-in, the role's workspaces in the main window; a user switch builds the next
user's window (console.shift.ConsoleShell)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from console.complaint_names import register_ruleset
from console.i18n import install_translators
from console.main_window import ROLE_WORKSPACES, MainWindow
from console.script_hook import ScriptError, ScriptRunner, load_script
from console.shift import ConsoleShell
from console.sign_in import Authenticate, SignInDialog
from console.tasks import DbExecutor
from console.theme import apply_dark_theme
from outcomes.rulesets import sync_rulesets
from records.actor import Actor
from records.auth import sign_in_with_password
from records.db import DatabaseUnavailable, database_url, open_database, transaction
from records.demo import DEMO_PASSWORD, DEMO_USERS, NotADemoDatabase, check_demo_database, seed_demo, seed_demo_users
from records.models import Case
from resources.datafile import ConfigurationError, DataFileError
from resources.fleet import Fleet, default_fleet
from resources.geography import Geography, default_geography
from resources.settings import SettingsError, load_settings
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

if TYPE_CHECKING:
    from console.dispatch.live_feeds import LiveFeeds
    from console.phone_position_watch import PhonePositionWatch

log = logging.getLogger("larmcentral.console")


def make_app(translate: bool = True) -> QApplication:
    """The QApplication (made once); `translate=False` leaves out the translators (LARMCENTRAL_LANG), for
    the message that a setting is bad — the source strings are Swedish anyway."""
    existing = QApplication.instance()
    if existing is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
        if translate:
            install_translators(app)
    else:
        app = existing  # type: ignore[assignment]
    app.setApplicationName("Larmcentral Skåne")
    app.setOrganizationName("Region Skåne")
    apply_dark_theme(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def demo_banner() -> str:
    """What a demo console says at the top right of its window (and its title): never mistaken for a real centre."""
    return f"DEMO – fiktiva användare och patienter, lösenord {DEMO_PASSWORD}"


def db_label(url: str | None = None) -> str:
    return "SQLite (lokal)" if (url or database_url()).startswith("sqlite") else "PostgreSQL"


def build_main_window(actor: Actor, factory: sessionmaker[Session], *, demo: bool = False,
                      ruleset: RuleSet | None = None, settings: QSettings | None = None,
                      fleet: Fleet | None = None, geography: Geography | None = None,
                      feeds: bool = True, label: str | None = None, live_feeds: LiveFeeds | None = None,
                      simulator_process: bool = False, draft_proposals: bool | None = None,
                      phone_positions: PhonePositionWatch | None = None) -> MainWindow:
    """Everything for one signed-in user; `feeds=False` leaves the simulator/feeds off (tests).

    `live_feeds`: ready-made feeds for the dispatch workspace (tests: a stepped simulator).
    `simulator_process`: in demo mode, run the simulator as a child process.
    `draft_proposals`: draft rule proposals every 15 min (default: when feeds run).
    `phone_positions`: the console's AML watch (one per process, outliving the window): its positions reach the
    call-taking workspace, those kept from before this window too."""
    from console.admin.workspace import AdminWorkspace
    from console.calltaking.workspace import CallTakingWorkspace
    from console.followup.pane import FollowUpPane
    from console.planning.workspace import PlanningWorkspace
    from console.review.workspace import ReviewWorkspace
    from console.stats.workspace import StatsWorkspace

    fleet, geography = fleet or default_fleet(), geography or default_geography()
    if ruleset is not None:
        register_ruleset(ruleset)
    executor = DbExecutor(factory, signed_in=actor, listen=True)  # other consoles' changes pushed
    dispatch_ws = None
    try:  # a failure while assembling must not leave the database worker or the feeds running
        wanted = ROLE_WORKSPACES[actor.role]
        made: dict[str, QWidget] = {}
        snapshot_provider = None
        live = feeds and (demo or live_feeds is not None)
        if "dispatch" in wanted or "calltaking" in wanted:
            from console.dispatch.recommendation import live_snapshot
            from console.dispatch.setup import build_dispatch_workspace

            dispatch_ws = build_dispatch_workspace(actor, executor, demo=demo and feeds, fleet=fleet,
                                                   geography=geography, live_feeds=live_feeds if feeds else None,
                                                   simulator_process=simulator_process)
            bridge = dispatch_ws.bridge
            # The call-taking panel reads the dispatch view's incrementally kept snapshot (no rebuild per recompute).
            snapshot_provider = (lambda: bridge.live.current()[0] if bridge.live is not None
                                 else live_snapshot(fleet, bridge.state)) if live else None
        if "calltaking" in wanted:
            if ruleset is None:
                raise DataFileError("triage_rules/rulesets", ["inget regelverk för triage finns installerat"])
            made["calltaking"] = CallTakingWorkspace(actor, executor, ruleset, geography, snapshot_provider)
        if "dispatch" in wanted and dispatch_ws is not None:
            made["dispatch"] = dispatch_ws
        if "review" in wanted:
            made["review"] = ReviewWorkspace(actor, executor)
        if "followup" in wanted:
            made["followup"] = FollowUpPane(actor, executor)
        if "admin" in wanted:
            made["admin"] = AdminWorkspace(actor, executor)
        made["stats"] = StatsWorkspace(actor, executor)
        if "planning" in wanted:
            made["planning"] = PlanningWorkspace()
        workspaces = {key: made[key] for key in wanted if key in made}  # the role's order: its home first
        window = MainWindow(actor, label or db_label(), executor, workspaces, settings=settings,
                            demo_banner=demo_banner() if demo else None)
    except BaseException:
        if dispatch_ws is not None:
            dispatch_ws.shutdown()
        executor.shutdown()
        raise
    executor.signed_out.connect(lambda _why: window.lock("signed_out"))  # nothing more is read under this sign-in
    if dispatch_ws is not None:
        dispatch_ws.bridge.health_changed.connect(window.set_feed_health)
        if feeds:
            dispatch_ws.start()
    if draft_proposals if draft_proposals is not None else live:
        from console.proposal_drafter import ProposalDrafter

        window.drafter = ProposalDrafter(executor, parent=window)
        window.drafter.message.connect(window.show_message)
        window.drafter.start()
    if "calltaking" in workspaces:
        workspaces["calltaking"].restore_unfinished()  # type: ignore[attr-defined]
        workspaces["calltaking"].load_register()  # type: ignore[attr-defined]  # seconds, on a thread of its own
        if phone_positions is not None:
            calltaking = workspaces["calltaking"]
            phone_positions.position_received.connect(calltaking.receive_phone_position)  # type: ignore[attr-defined]
            for kept in reversed(phone_positions.recent()):  # arrived while another user's window was up
                calltaking.receive_phone_position(kept)  # type: ignore[attr-defined]
    if "review" in workspaces:
        workspaces["review"].refresh()  # type: ignore[attr-defined]
    if "followup" in workspaces:
        workspaces["followup"].start()  # type: ignore[attr-defined]
    if "stats" in workspaces:
        workspaces["stats"].refresh()  # type: ignore[attr-defined]
    if "planning" in workspaces:
        workspaces["planning"].open_latest()  # type: ignore[attr-defined]  # reads two small files, runs nothing
    if "admin" in workspaces:
        workspaces["admin"].refresh()  # type: ignore[attr-defined]
    return window


def password_authenticate(factory: sessionmaker[Session]) -> Authenticate:
    """The sign-in dialog's check: the configured backend, then a session in a granted role."""
    return lambda u, p, r, choose: sign_in_with_password(factory, u, p, r, console=None, choose=choose)


def demo_note() -> str:
    users = ", ".join(name for name, _ in DEMO_USERS.values())
    return (f"DEMO – fiktiva användare och patienter. Användare: {users}; lösenord {DEMO_PASSWORD}. "
            "Aldrig i en riktig larmcentral.")


def sign_in_user(factory: sessionmaker[Session], demo: bool, user: str | None, role: str | None) -> Actor | None:
    """The sign-in dialog (user name, password, role among the granted ones). Demo mode signs the demo user of
    the chosen role in directly and says so; a real centre always asks for the password."""
    chosen_role = Role(role) if role else (Role.NURSE if demo else None)
    if demo and user is None:
        username = DEMO_USERS[chosen_role or Role.NURSE][0]
        return sign_in_with_password(factory, username, DEMO_PASSWORD, chosen_role, console=None)
    dlg = SignInDialog(password_authenticate(factory), user, chosen_role, demo_note() if demo else None)
    if dlg.exec() != SignInDialog.DialogCode.Accepted:
        return None
    return dlg.actor


def _cannot_start(why: str) -> int:
    """Tell the user (dialog and stderr) why the console cannot start; nothing has been written."""
    message = f"Konsolen kan inte starta: {why}"
    QMessageBox.critical(None, "Larmcentral Skåne", message)
    print(message, file=sys.stderr)
    return 2


NO_DISPLAY = ("Konsolen kan inte starta: ingen skärm hittades (varken DISPLAY eller WAYLAND_DISPLAY är satt). "
              "Starta den i ett skrivbord, över SSH med X11-vidarebefordran (ssh -X), i en virtuell skärm "
              "(xvfb-run make run), eller sätt QT_QPA_PLATFORM=offscreen för att köra utan skärm.")


def display_problem(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why Qt will find no screen here, in Swedish, or None. (Qt itself would abort with a message about the
    xcb plugin and libxcb-cursor0, which sends people installing libraries instead of finding a display.)"""
    env = os.environ if environ is None else environ
    if (platform or sys.platform) != "linux" or env.get("QT_QPA_PLATFORM"):
        return None
    return None if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") else NO_DISPLAY


def run_console(demo: bool = False, user: str | None = None, role: str | None = None) -> int:
    problem = display_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    log_to_stderr()
    try:
        settings = load_settings()  # every LARMCENTRAL_* value, before anything is opened or written
    except SettingsError as exc:
        make_app(translate=False)  # the dialog needs an application; a bad LARMCENTRAL_LANG must not stop it
        return _cannot_start(f"en inställning är felaktig.\n\n{exc}")
    app = make_app()
    steps = None
    if settings.test_script is not None:  # the test hook (docs/test-hook.md): a demo console only
        if not demo:
            return _cannot_start("LARMCENTRAL_TEST_SCRIPT gäller bara demoläget (console --demo): en konsol mot en "
                                 "riktig databas styrs aldrig av en fil.")
        try:
            steps = load_script(settings.test_script)
        except ScriptError as exc:
            return _cannot_start(str(exc))
    try:
        _, factory = open_database()
        with transaction(factory) as session:  # versions accepted on other consoles (logs what it wrote or skipped)
            sync_rulesets(session)
        ruleset = load_ruleset()
        if demo:
            with transaction(factory) as session:
                check_demo_database(session)  # never known passwords or demo patients in a centre's database
                seed_demo(session)
                seed_demo_users(session)
                has_cases = session.scalar(select(Case.id).limit(1)) is not None
            if not has_cases:
                from console.demo_cases import seed_demo_cases

                seed_demo_cases(factory, ruleset)
        actor = sign_in_user(factory, demo, user, role)
        if actor is None:
            return 1
        from console.phone_position_watch import PhonePositionWatch

        phone_positions = PhonePositionWatch(settings.aml_endpoint, max_age_s=settings.aml_max_age_s, parent=app)
        # The demo's simulator runs as a child process (it does not compete with the GUI for the
        # interpreter lock) that ends with the console, even after a crash (console/dispatch/sim_child.py).
        shell = ConsoleShell(factory, lambda a: build_main_window(a, factory, demo=demo, ruleset=ruleset,
                                                                  simulator_process=demo,
                                                                  phone_positions=phone_positions),
                             password_authenticate(factory), demo_note() if demo else None)
        window = shell.start(actor)
    except DataFileError as exc:
        return _cannot_start(f"en datafil är trasig.\n\n{exc}")
    except ConfigurationError as exc:
        return _cannot_start(f"en inställning är felaktig.\n\n{exc}")
    except OperationalError as exc:
        return _cannot_start(f"databasen kan inte nås ({database_url()}).\n\n{exc.orig}")
    except DatabaseUnavailable as exc:
        return _cannot_start(f"databasen kan inte nås ({database_url()}).\n\n{exc}")
    except NotADemoDatabase as exc:
        return _cannot_start(str(exc))
    from console.dispatch.setup import favour_the_gui_thread, freeze_startup_objects

    freeze_startup_objects()  # keeps the cyclic GC from stalling the GUI while feeds run
    favour_the_gui_thread()
    window.present()
    if phone_positions.start() is not None:  # the console works on without phone positions, and says so
        window.show_message(phone_positions.problem or "")
    log_ready(window)
    shell.switched.connect(log_ready)
    if steps is not None:
        runner = ScriptRunner(steps, lambda: shell.window, lambda: shell.window is not None and shell.window.executor.busy,
                              parent=shell, phone_positions=phone_positions)
        runner.start()
    try:
        return app.exec()
    finally:
        phone_positions.close()


def log_to_stderr() -> None:
    """The console's own log lines (its start, "konsolen redo", the test hook's steps) at INFO on stderr; other
    libraries' from WARNING."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("larmcentral").setLevel(logging.INFO)


def log_ready(window: MainWindow) -> None:
    """The line a supervisor (or the end-to-end test) waits for: the window is up for its signed-in user."""
    log.info("konsolen redo: %s som %s, databas %s", window.actor.username, window.actor.role.value, db_label())
