"""The nurse types an address and the register's matches show under the field; choosing one sets the address, the
kommun and the case's position (issue 17). Real widgets offscreen, a real AddressIndex over a small register, the
case read back from the database."""

from __future__ import annotations

import pytest
from call_position_helpers import PLACES, ROWS, STORGATAN_YSTAD, start_call, with_register
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from records.address_register import register_rows, replace_register
from records.db import transaction
from records.models import Case
from resources.geography import default_geography
from resources.location.assess import KOMMUN_CENTRE_FLAG
from resources.location.model import ADDRESS_ACCURACY_M, KOMMUN_CENTRE_ACCURACY_M, PositionSource
from resources.vocabulary import Role

pytestmark = pytest.mark.gui


def _type(qtbot, ct, text: str):  # type: ignore[no-untyped-def]
    field = ct.form.address
    field.setFocus()
    qtbot.keyClicks(field, text)
    completer = ct.form.location.completer
    qtbot.waitUntil(lambda: completer.popup().isVisible(), timeout=3000)
    return completer


def test_typing_shows_the_register_s_matches_and_enter_takes_one(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    completer = _type(qtbot, ct, "storg 12 ystad")  # a shortened street, lower case: still found
    shown = completer.shown()
    assert shown[0].startswith("Storgatan 12") and "Ystad" in shown[0]
    assert any("Lund" in row for row in shown[1:]) or len(shown) == 1  # the Lund namesake below, if at all
    assert ct.form.address.text() == "storg 12 ystad"  # the list does not change what was typed

    popup = completer.popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # the first Down marks the top hit
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert ct.form.address.text().startswith("Storgatan 12") and "Ystad" in ct.form.address.text()
    assert ct.form.kommun.currentText() == "Ystad"
    intake = ct.form.intake()
    assert (intake.lat, intake.lon) == (STORGATAN_YSTAD.lat, STORGATAN_YSTAD.lon)
    assert intake.position_source is PositionSource.ADDRESS
    assert intake.position_accuracy_m == ADDRESS_ACCURACY_M and intake.position_flag is None
    summary = ct.form.location.panel.summary.text()
    assert "Storgatan 12" in summary and "adressregistret" in summary and "±15 m" in summary


def test_the_chosen_kommun_ranks_its_street_first(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    ct.form.kommun.setCurrentText("Lund")
    completer = _type(qtbot, ct, "Storgatan 12")
    assert "Lund" in completer.shown()[0]
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)  # Enter with none marked takes the top hit
    assert "Lund" in ct.form.address.text() and ct.form.kommun.currentText() == "Lund"
    assert ct.form.intake().position_source is PositionSource.ADDRESS


def test_a_click_on_a_hit_takes_it(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    completer = _type(qtbot, ct, "kyrkog 3")
    popup = completer.popup()
    rect = popup.visualRect(completer.completionModel().index(0, 0))
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ct.form.address.text().startswith("Kyrkogatan 3") and ct.form.kommun.currentText() == "Malmö"


def test_the_case_made_from_the_call_carries_the_chosen_position(qtbot, make_window, actor_for, idle,  # type: ignore[no-untyped-def]
                                                                  factory) -> None:
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    completer = _type(qtbot, ct, "Storgatan 12 Ystad")
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # not unconscious
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # no pain now: a referral closes the case from the call
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()
    idle(w)
    with factory() as s:
        case = s.get(Case, sent.args[0])
        assert (case.lat, case.lon) == (STORGATAN_YSTAD.lat, STORGATAN_YSTAD.lon)
        assert case.kommun == "Ystad" and case.address.startswith("Storgatan 12")
        assert case.position_source == "address" and case.position_accuracy_m == ADDRESS_ACCURACY_M
        assert case.position_flag is None


def test_editing_the_address_after_the_choice_keeps_the_point_but_says_it_no_longer_matches(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle) -> None:
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    completer = _type(qtbot, ct, "Storgatan 12 Ystad")
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    field = ct.form.address
    field.end(False)
    qtbot.keyClicks(field, " lgh 1102")  # the usual addition: still the same address
    completer.popup().hide()
    assert ct.form.intake().position_flag is None
    field.selectAll()
    qtbot.keyClicks(field, "Hamngatan 4")  # another address, typed over the chosen one
    completer.popup().hide()
    intake = ct.form.intake()
    assert (intake.lat, intake.lon) == (STORGATAN_YSTAD.lat, STORGATAN_YSTAD.lon)  # kept, not silently dropped
    assert intake.position_flag is not None and "Adressen ändrad" in intake.position_flag
    assert "Adressen har ändrats" in ct.form.location.panel.summary.text()


def test_changing_the_kommun_by_hand_lets_the_old_kommun_s_position_go(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    completer = _type(qtbot, ct, "Storgatan 12 Ystad")
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    kommun = ct.form.kommun.lineEdit()
    kommun.selectAll()
    qtbot.keyClicks(kommun, "Lund")
    qtbot.keyClick(kommun, Qt.Key.Key_Return)
    intake = ct.form.intake()
    lund = default_geography().kommun("Lund")
    assert intake.kommun == "Lund" and (intake.lat, intake.lon) == (lund.lat, lund.lon)
    assert intake.position_source is PositionSource.KOMMUN_CENTRE and intake.position_flag == KOMMUN_CENTRE_FLAG
    assert "Kommunen ändrades till Lund" in ct.form.location.panel.summary.text()


def test_without_a_register_the_field_takes_free_text_and_the_kommun_centre_stands_in(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle) -> None:
    w = make_window(actor_for(Role.NURSE))  # the test database has no address register
    ct = start_call(qtbot, w, idle)
    hint = ct.form.location.register_hint
    qtbot.waitUntil(lambda: "Inget adressregister" in hint.text(), timeout=10000)
    assert hint.isVisible()
    qtbot.keyClicks(ct.form.address, "Storgatan 1")
    assert not ct.form.location.completer.popup().isVisible()
    ct.form.kommun.setCurrentText("Lund")
    intake = ct.form.intake()
    lund = default_geography().kommun("Lund")
    assert intake.address == "Storgatan 1" and (intake.lat, intake.lon) == (lund.lat, lund.lon)
    assert intake.position_source is PositionSource.KOMMUN_CENTRE
    assert intake.position_accuracy_m == KOMMUN_CENTRE_ACCURACY_M and intake.position_flag == KOMMUN_CENTRE_FLAG
    assert "Kommunens centrum (Lund)" in ct.form.location.panel.summary.text()


def test_the_register_in_the_database_is_indexed_at_start_off_the_gui_thread(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle, factory) -> None:
    admin = actor_for(Role.ADMIN)
    with transaction(factory) as s:
        replace_register(s, admin, *register_rows(ROWS, PLACES), source="testregister", fictitious=True)
    w = make_window(actor_for(Role.NURSE))
    ct = start_call(qtbot, w, idle)
    loader = ct.register_loader
    assert loader is not None and loader.objectName() == "address-register"  # its own thread, not the GUI's
    qtbot.waitUntil(lambda: ct.form.location.index is not None, timeout=10000)
    hint = ct.form.location.register_hint
    assert "Fiktivt demoregister" in hint.text() and hint.isVisible()
    completer = _type(qtbot, ct, "lindv 12")
    assert completer.shown()[0].startswith("Lindvägen 12")
    assert len(ct.map._lat) == len(ROWS)  # the map draws the register's points around a position


def test_a_window_shortcut_works_while_the_suggestions_are_open(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    completer = _type(qtbot, ct, "Storgatan")
    popup = completer.popup()
    qtbot.keyClick(popup, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # where a real Ctrl+T goes: the popup
    assert not popup.isVisible()
    focus = QApplication.focusWidget()
    assert focus is not None and ct.wizard.isAncestorOf(focus)  # Ctrl+T: to the triage, as anywhere else
    assert ct.form.address.text() == "Storgatan"  # nothing chosen on the way

