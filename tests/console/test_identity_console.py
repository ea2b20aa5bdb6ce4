"""The console's side of identity and access, driven offscreen: the sign-in dialog (password first, then a role
among the granted ones only), the lock (Ctrl+L and idle time; only the same user's password opens it), the user
switch at shift change (the draft stays with its author) and the administrator's workspace."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from shiboken6 import isValid
from sqlalchemy import select

from console.app import build_main_window, password_authenticate
from console.shift import ConsoleShell
from console.sign_in import SignInDialog
from records.actor import Actor
from records.auth import WRONG, sign_in_with_password
from records.db import transaction
from records.identity import granted_roles, provision, verify_actor
from records.models import AuditEntry, CallDraft, RoleGrant, ServiceToken, User, UserSession
from records.passwords import hash_password, verify_password
from records.tokens import sign_in_with_token, token_hash
from resources.vocabulary import Role

PASSWORD = "Vinter2026sno"


def add_user(factory, username: str, roles: set[Role], *, active: bool = True, name: str = "") -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        user = provision(s, username, roles, display_name=name or username)
        user.password_hash = hash_password(PASSWORD)
        user.active = active


def sign_in(factory, username: str, role: Role) -> Actor:  # type: ignore[no-untyped-def]
    return sign_in_with_password(factory, username, PASSWORD, role, console="test-konsol")


def user_row(factory, username: str) -> User:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        s.expunge(user)
        return user


def sessions_of(factory, username: str) -> list[UserSession]:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        rows = list(s.scalars(select(UserSession).where(UserSession.user_id == uid).order_by(UserSession.id)))
        s.expunge_all()
        return rows


def audit_actions(factory, username: str) -> list[str]:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.user_id == uid).order_by(AuditEntry.id)))


def click_ok(qtbot, dlg) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)


# --- sign-in -----------------------------------------------------------------------------------------------

def test_sign_in_wrong_password_is_told_in_the_dialog_right_password_opens_a_session(qtbot, factory) -> None:  # type: ignore[no-untyped-def]
    add_user(factory, "ssk.anna", {Role.NURSE}, name="Anna Sjuksköterska")
    dlg = SignInDialog(password_authenticate(factory), "ssk.anna")
    qtbot.addWidget(dlg)
    dlg.show()
    assert not dlg.role.isVisible() and dlg.role.count() == 0  # no role is offered before the password is right

    qtbot.keyClicks(dlg.password, "fel-losenord1")
    click_ok(qtbot, dlg)
    assert dlg.error.text() == WRONG
    assert dlg.actor is None and dlg.isVisible() and dlg.password.text() == ""
    assert user_row(factory, "ssk.anna").failed_logins == 1
    assert "user.sign_in_failed" in audit_actions(factory, "ssk.anna")

    qtbot.keyClicks(dlg.password, PASSWORD)
    click_ok(qtbot, dlg)
    assert dlg.result() == QDialog.DialogCode.Accepted
    actor = dlg.actor
    assert actor is not None and actor.username == "ssk.anna" and actor.role is Role.NURSE
    assert actor.session_id is not None
    with transaction(factory) as s:
        assert verify_actor(s, actor).display_name == "Anna Sjuksköterska"
    assert user_row(factory, "ssk.anna").failed_logins == 0


def test_role_choice_offers_only_the_granted_roles_after_the_password(qtbot, factory) -> None:  # type: ignore[no-untyped-def]
    add_user(factory, "anna.dubbel", {Role.NURSE, Role.PHYSICIAN})
    dlg = SignInDialog(password_authenticate(factory), "anna.dubbel")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.password, PASSWORD)
    click_ok(qtbot, dlg)
    assert dlg.isVisible() and dlg.actor is None
    assert dlg.offered == [Role.NURSE, Role.PHYSICIAN]
    assert [dlg.role.itemData(i) for i in range(dlg.role.count())] == [Role.NURSE, Role.PHYSICIAN]
    assert dlg.role.isVisible() and dlg.password.isReadOnly()
    assert sessions_of(factory, "anna.dubbel") == []  # nothing opened before the role is chosen

    dlg.role.setCurrentIndex(dlg.role.findData(Role.PHYSICIAN))
    click_ok(qtbot, dlg)
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.actor is not None and dlg.actor.role is Role.PHYSICIAN
    [session] = sessions_of(factory, "anna.dubbel")
    assert session.role == Role.PHYSICIAN.value and session.ended_at is None


def test_preferred_role_is_used_only_when_granted(qtbot, factory) -> None:  # type: ignore[no-untyped-def]
    add_user(factory, "bo.dubbel", {Role.NURSE, Role.DISPATCHER})
    dlg = SignInDialog(password_authenticate(factory), "bo.dubbel", Role.DISPATCHER)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.password, PASSWORD)
    click_ok(qtbot, dlg)
    assert dlg.actor is not None and dlg.actor.role is Role.DISPATCHER  # asked for on the command line, held

    dlg = SignInDialog(password_authenticate(factory), "bo.dubbel", Role.ADMIN)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.password, PASSWORD)
    click_ok(qtbot, dlg)
    assert dlg.actor is None and dlg.offered == [Role.NURSE, Role.DISPATCHER]  # admin is not his to choose


def test_deactivated_locked_and_roleless_accounts_are_told_in_swedish(qtbot, factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_LOGIN_MAX_FAILURES", "2")
    add_user(factory, "ssk.slutat", {Role.NURSE}, active=False)
    add_user(factory, "ssk.ny", set())
    add_user(factory, "ssk.glomsk", {Role.NURSE})

    def attempt(user: str, password: str) -> SignInDialog:
        dlg = SignInDialog(password_authenticate(factory), user)
        qtbot.addWidget(dlg)
        qtbot.keyClicks(dlg.password, password)
        click_ok(qtbot, dlg)
        assert dlg.actor is None and dlg.result() != QDialog.DialogCode.Accepted
        return dlg

    assert "avaktiverat" in attempt("ssk.slutat", PASSWORD).error.text()
    assert "ingen roll" in attempt("ssk.ny", PASSWORD).error.text()
    assert attempt("ssk.glomsk", "fel1").error.text() == WRONG
    assert "nu låst" in attempt("ssk.glomsk", "fel2").error.text()
    assert "Kontot är låst" in attempt("ssk.glomsk", PASSWORD).error.text()  # even the right password now
    assert attempt("ingen.alls", PASSWORD).error.text() == WRONG  # an unknown user gets the same words


# --- lock ----------------------------------------------------------------------------------------------------

def _start_call(qtbot, window, idle, patient: str) -> None:  # type: ignore[no-untyped-def]
    ct = window.workspaces["calltaking"]
    ct.new_case()
    ct.form.caller.setText("Hemtjänsten Norr")
    ct.form.patient.setText(patient)
    ct.save_now()
    qtbot.waitUntil(lambda: ct.case_id is not None, timeout=10000)
    idle(window)


def _covered(window) -> bool:  # type: ignore[no-untyped-def]
    """Every sampled point of the window belongs to the lock screen."""
    r = window.rect()
    for fx in (0.02, 0.3, 0.5, 0.8, 0.98):
        for fy in (0.01, 0.3, 0.6, 0.99):
            w = window.childAt(QPoint(int(r.width() * fx), int(r.height() * fy)))
            if w is None or (w is not window.lock_screen and not window.lock_screen.isAncestorOf(w)):
                return False
    return True


def test_ctrl_l_locks_hides_the_patient_and_only_the_users_password_unlocks(qtbot, factory, make_window,
                                                                           idle) -> None:  # type: ignore[no-untyped-def]
    add_user(factory, "ssk.anna", {Role.NURSE}, name="Anna Sjuksköterska")
    w = make_window(sign_in(factory, "ssk.anna", Role.NURSE))
    _start_call(qtbot, w, idle, "Astrid Demo")
    stats_dock = w.docks["statsDock"]
    stats_dock.setFloating(True)
    stats_dock.show()
    title = w.windowTitle()

    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.locked and w.lock_screen.isVisible() and w.lock_screen.geometry() == w.rect()
    assert _covered(w)
    assert w.windowTitle() == "Larmcentral Skåne – låst"
    assert not stats_dock.isVisible()  # a floating pane is a window of its own: hidden
    assert not w.workspaces["calltaking"].isEnabled() and not w.menuBar().isEnabled()
    assert not any(a.isEnabled() for a in w.actions())  # Ctrl+N, F1 … do nothing under the lock
    assert "Ctrl+L" in w.lock_screen.reason.text()
    idle(w)
    with transaction(factory) as s:  # the call in progress was saved for its author before locking
        draft = s.scalar(select(CallDraft).where(CallDraft.user_id == w.actor.user_id))
        assert draft is not None and draft.payload["intake"]["patient"] == "Astrid Demo"

    qtbot.keyClicks(w.lock_screen.password, "fel-losenord1")
    qtbot.keyClick(w.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: WRONG in w.lock_screen.error.text(), timeout=10000)
    assert w.locked and w.lock_screen.isVisible() and _covered(w)
    assert user_row(factory, "ssk.anna").failed_logins == 1  # counted like a failed sign-in

    qtbot.keyClicks(w.lock_screen.password, PASSWORD)
    qtbot.mouseClick(w.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.locked, timeout=10000)
    assert not w.lock_screen.isVisible() and w.windowTitle() == title
    assert stats_dock.isVisible() and w.workspaces["calltaking"].isEnabled()
    assert w.workspaces["calltaking"].form.patient.text() == "Astrid Demo"
    [session] = sessions_of(factory, "ssk.anna")
    assert session.id == w.actor.session_id and session.ended_at is None  # the same session continues
    actions = audit_actions(factory, "ssk.anna")
    assert actions.count("console.lock") == 1 and actions.count("console.unlock") == 1
    assert actions.index("console.lock") < actions.index("user.sign_in_failed") < actions.index("console.unlock")


def test_unlocking_refuses_a_user_deactivated_meanwhile(qtbot, factory, make_window, idle) -> None:  # type: ignore[no-untyped-def]
    add_user(factory, "ssk.anna", {Role.NURSE})
    w = make_window(sign_in(factory, "ssk.anna", Role.NURSE))
    w.lock()
    with transaction(factory) as s:
        s.scalar(select(User).where(User.username == "ssk.anna")).active = False  # type: ignore[union-attr]
    qtbot.keyClicks(w.lock_screen.password, PASSWORD)
    qtbot.keyClick(w.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "avaktiverat" in w.lock_screen.error.text(), timeout=10000)
    assert w.locked


def test_idle_time_locks_the_console_and_input_restarts_the_clock(qtbot, factory, make_window, monkeypatch,
                                                                  idle) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_IDLE_LOCK_MINUTES", "0.005")  # 300 ms
    add_user(factory, "ssk.anna", {Role.NURSE})
    w = make_window(sign_in(factory, "ssk.anna", Role.NURSE))
    assert w.idle_watcher.timer.interval() == 300
    qtbot.waitUntil(lambda: w.locked, timeout=5000)
    assert w.lock_screen.isVisible() and "utan aktivitet" in w.lock_screen.reason.text()
    idle(w)
    assert "console.lock" in audit_actions(factory, "ssk.anna")
    qtbot.keyClicks(w.lock_screen.password, PASSWORD)
    qtbot.keyClick(w.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=10000)

    timer = w.idle_watcher.timer
    timer.setInterval(20_000)
    timer.start()
    QTest.qWait(300)
    before = timer.remainingTime()
    qtbot.keyClick(w, Qt.Key.Key_Shift)
    assert timer.remainingTime() > before  # a key press starts the idle time over
    QTest.qWait(300)
    before = timer.remainingTime()
    qtbot.mouseClick(w.statusBar(), Qt.MouseButton.LeftButton)
    assert timer.remainingTime() > before


# --- user switch ---------------------------------------------------------------------------------------------

def test_switch_user_keeps_the_draft_with_its_author_and_never_shows_it_to_the_next(
        qtbot, factory, mini_ruleset, settings, idle) -> None:  # type: ignore[no-untyped-def]
    add_user(factory, "ssk.anna", {Role.NURSE}, name="Anna")
    add_user(factory, "ssk.bo", {Role.NURSE}, name="Bo")
    shell = ConsoleShell(factory, lambda a: build_main_window(a, factory, ruleset=mini_ruleset, settings=settings,
                                                              feeds=False), password_authenticate(factory))
    first = shell.start(sign_in(factory, "ssk.anna", Role.NURSE))
    windows = [first]
    try:
        first.show()
        _start_call(qtbot, first, idle, "Bengt Testsson")
        anna_case = first.workspaces["calltaking"].case_id

        # Cancelling the switch leaves the console locked for Anna (her session open).
        qtbot.keyClick(first, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert first.locked and shell.dialog is not None and shell.dialog.isVisible()
        assert shell.dialog.username.text() == ""
        shell.dialog.reject()
        assert shell.window is first and first.locked and sessions_of(factory, "ssk.anna")[0].ended_at is None

        dlg = shell.switch_user()  # from the lock screen's "Byt användare…" too
        assert dlg is not None
        qtbot.keyClicks(dlg.username, "ssk.bo")
        qtbot.keyClicks(dlg.password, "fel1")
        click_ok(qtbot, dlg)
        assert dlg.error.text() == WRONG and shell.window is first
        qtbot.keyClicks(dlg.password, PASSWORD)
        click_ok(qtbot, dlg)
        second = shell.window
        assert second is not None and second is not first
        windows.append(second)
        assert second.actor.username == "ssk.bo" and not first.executor.running

        [anna] = sessions_of(factory, "ssk.anna")
        assert anna.ended_at is not None and anna.ended_reason == "switch_user"
        with transaction(factory) as s:
            drafts = list(s.scalars(select(CallDraft)))
            assert [(d.user_id, d.case_id) for d in drafts] == [(first.actor.user_id, anna_case)]
            assert drafts[0].payload["intake"]["patient"] == "Bengt Testsson"
        idle(second)
        ct = second.workspaces["calltaking"]
        assert not ct.active and ct.case_id is None and ct.form.patient.text() == ""
        assert "Bengt" not in second.message_label.text()

        # Anna back at the console: her call is where she left it.
        second.request_switch_user()
        dlg = shell.dialog
        assert dlg is not None
        qtbot.keyClicks(dlg.username, "ssk.anna")
        qtbot.keyClicks(dlg.password, PASSWORD)
        click_ok(qtbot, dlg)
        third = shell.window
        assert third is not None and third.actor.username == "ssk.anna"
        windows.append(third)
        ct = third.workspaces["calltaking"]
        qtbot.waitUntil(lambda: ct.active and ct.form.patient.text() == "Bengt Testsson", timeout=10000)
        assert ct.case_id == anna_case
        assert sessions_of(factory, "ssk.bo")[0].ended_reason == "switch_user"
    finally:
        for w in windows:
            if isValid(w):  # the windows switched away from are deleted by the shell
                w.shutdown()
                w.close()
        assert not isValid(first)


# --- administration ------------------------------------------------------------------------------------------

def test_admin_workspace_creates_grants_revokes_and_deactivates(qtbot, factory, make_window, actor_for, idle,
                                                                qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.ADMIN, "admin.anna"))
    assert list(w.workspaces) == ["admin", "stats", "planning"]
    ws = w.workspaces["admin"]
    idle(w)
    qtmodeltester.check(ws.users_model)
    assert ws.select_user("admin.anna")

    dlg = ws.new_user()
    qtbot.keyClicks(dlg.username, "ssk.cecilia")
    qtbot.keyClicks(dlg.display_name, "Cecilia Exempel")
    dlg.role_boxes[Role.NURSE].setChecked(True)
    qtbot.keyClicks(dlg.password, "kort1")
    qtbot.keyClicks(dlg.again, "kort1")
    click_ok(qtbot, dlg)
    idle(w)
    assert dlg.isVisible() and "för kort" in dlg.error.text()  # refused by the password rules; nothing lost
    dlg.password.setText(PASSWORD)
    dlg.again.setText(PASSWORD + "x")
    click_ok(qtbot, dlg)
    assert dlg.isVisible() and "inte lika" in dlg.error.text()
    dlg.again.setText(PASSWORD)
    click_ok(qtbot, dlg)
    idle(w)
    assert not dlg.isVisible()
    qtbot.waitUntil(lambda: ws.users_model.row_of("ssk.cecilia") >= 0, timeout=10000)
    idle(w)
    assert ws.selected_user() is not None and ws.selected_user().username == "ssk.cecilia"
    qtmodeltester.check(ws.users_model)
    user = user_row(factory, "ssk.cecilia")
    assert user.display_name == "Cecilia Exempel" and user.active and verify_password(user.password_hash, PASSWORD)
    with transaction(factory) as s:
        assert granted_roles(s, user.id) == {Role.NURSE}

    dlg = ws.grant_role()
    assert [dlg.role.itemData(i) for i in range(dlg.role.count())] == [Role.DISPATCHER, Role.PHYSICIAN, Role.ADMIN]
    dlg.role.setCurrentIndex(dlg.role.findData(Role.DISPATCHER))
    click_ok(qtbot, dlg)
    idle(w)
    with transaction(factory) as s:
        assert granted_roles(s, user.id) == {Role.NURSE, Role.DISPATCHER}
    qtbot.waitUntil(lambda: ws.selected_user() is not None and len(ws.selected_user().roles) == 2, timeout=10000)

    dlg = ws.revoke_role()
    assert [dlg.role.itemData(i) for i in range(dlg.role.count())] == [Role.NURSE, Role.DISPATCHER]
    dlg.role.setCurrentIndex(dlg.role.findData(Role.NURSE))
    click_ok(qtbot, dlg)
    idle(w)
    with transaction(factory) as s:
        assert granted_roles(s, user.id) == {Role.DISPATCHER}
        revoked = s.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == "nurse"))
        assert revoked is not None and revoked.revoked_by == w.actor.user_id  # kept on record, with who

    qtbot.waitUntil(lambda: ws.selected_user() is not None and len(ws.selected_user().roles) == 1, timeout=10000)
    asked: list[str] = []
    ws.confirm = lambda text: asked.append(text) or True
    assert ws.active_button.text() == "Avaktivera"
    qtbot.mouseClick(ws.active_button, Qt.MouseButton.LeftButton)
    idle(w)
    assert not user_row(factory, "ssk.cecilia").active and "ssk.cecilia" in asked[0]
    qtbot.waitUntil(lambda: ws.active_button.text() == "Aktivera", timeout=10000)
    assert "avaktiverad" in w.message_label.text()

    # An account locked after wrong passwords is unlocked here; a password is reset.
    with transaction(factory) as s:
        from records.audit import now

        s.scalar(select(User).where(User.username == "ssk.cecilia")).locked_until = now().replace(year=2999)  # type: ignore[union-attr]
    ws.refresh()
    qtbot.waitUntil(lambda: ws.unlock_button.isEnabled(), timeout=10000)
    qtbot.mouseClick(ws.unlock_button, Qt.MouseButton.LeftButton)
    idle(w)
    assert user_row(factory, "ssk.cecilia").locked_until is None
    dlg = ws.reset_password()
    dlg.password.setText("Nytt2026losen")
    dlg.again.setText("Nytt2026losen")
    click_ok(qtbot, dlg)
    idle(w)
    assert not dlg.isVisible() and verify_password(user_row(factory, "ssk.cecilia").password_hash, "Nytt2026losen")

    # Refusals come back in Swedish: nobody deactivates themselves.
    ws.select_user("admin.anna")
    qtbot.mouseClick(ws.active_button, Qt.MouseButton.LeftButton)
    idle(w)
    assert "dig själv" in w.message_label.text() and user_row(factory, "admin.anna").active
    audit = audit_actions(factory, "admin.anna")
    for action in ("user.create", "user.grant", "user.revoke", "user.deactivate", "user.unlock", "user.password"):
        assert action in audit


def test_admin_workspace_creates_shows_once_and_revokes_a_service_token(qtbot, factory, make_window, actor_for,
                                                                        idle) -> None:  # type: ignore[no-untyped-def]
    from outcomes.system_jobs import FEED_USER, provision_system_user

    with transaction(factory) as s:
        provision_system_user(s, FEED_USER)
    w = make_window(actor_for(Role.ADMIN, "admin.anna"))
    ws = w.workspaces["admin"]
    idle(w)
    dlg = ws.new_token()
    assert [dlg.user.itemText(i) for i in range(dlg.user.count())] == [FEED_USER]  # system users only
    qtbot.keyClicks(dlg.label, "flodesservern")
    click_ok(qtbot, dlg)
    idle(w)
    shown = ws.dialog
    assert shown is not None and shown is not dlg and shown.isVisible()
    token = shown.field.text()
    assert token.startswith("lct_") and dlg.token == ""
    qtbot.mouseClick(shown.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == token
    shown.reject()
    assert shown.field.text() == ""
    with transaction(factory) as s:
        row = s.scalar(select(ServiceToken))
        assert row is not None and row.token_hash == token_hash(token) and row.label == "flodesservern"
    assert sign_in_with_token(factory, token).username == FEED_USER
    qtbot.waitUntil(lambda: ws.tokens_model.rowCount() == 1, timeout=10000)

    ws.tokens.selectRow(0)
    ws.confirm = lambda _text: True
    qtbot.mouseClick(ws.revoke_token_button, Qt.MouseButton.LeftButton)
    idle(w)
    with transaction(factory) as s:
        assert s.scalar(select(ServiceToken)).revoked_at is not None  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: ws.tokens_model.data(ws.tokens_model.index(0, 3)) == "Indragen", timeout=10000)


def test_a_nurse_has_no_admin_workspace_and_an_admin_no_clinical_one(make_window, actor_for) -> None:  # type: ignore[no-untyped-def]
    nurse = make_window(actor_for(Role.NURSE))
    assert "admin" not in nurse.workspaces and "adminDock" not in nurse.docks
    assert nurse.findChild(object, "adminWorkspace") is None
    admin = make_window(actor_for(Role.ADMIN))
    assert set(admin.workspaces) == {"admin", "stats", "planning"}


def test_a_revoked_sign_in_stops_reads_and_locks_the_window(qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    """Reads check the sign-in like commands do: once the role is revoked the next read is refused and the
    window locks with the reason, instead of going on showing patient data."""
    from records.db import transaction as tx
    from records.identity import remove_grant, user_by_name
    from resources.vocabulary import Role as R

    nurse = actor_for(R.NURSE, "ssk.revoked")
    w = make_window(nurse)
    idle(w)
    with tx(factory) as s:
        remove_grant(s, user_by_name(s, "ssk.revoked"), R.NURSE, None)
    read: list[object] = []
    w.executor.submit(lambda s: read.append("read"), on_failure=lambda exc: read.append(exc))
    qtbot.waitUntil(lambda: w.locked, timeout=10000)
    assert len(read) == 1 and "dragits in" in str(read[0])  # the read itself never ran
    assert "gäller inte längre" in w.lock_screen.reason.text()
