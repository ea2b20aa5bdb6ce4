"""The other ways to the case's position in the call: typed coordinates (each format; a bad one says why in
Swedish), the caller's phone position (AML) with its accuracy and Ctrl+P, a click on the map; a doubtful position
waits for "Använd ändå" and the case stores its doubt; a crash keeps the position (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from call_position_helpers import STORGATAN_YSTAD, start_call, with_register
from PySide6.QtCore import QPoint, QPointF, Qt

from console.calltaking.position_map import circle
from records.models import Case
from resources.geography import distance_km
from resources.location.model import PositionSource
from resources.location.phone_position import PhonePosition
from resources.location.sweref import wgs84_to_sweref
from resources.vocabulary import Role

pytestmark = pytest.mark.gui

YSTAD_LAT, YSTAD_LON = 55.42960, 13.82040


def _coordinates(qtbot, ct, text: str) -> None:  # type: ignore[no-untyped-def]
    """Coordinates typed on the map's tab (Ctrl+G shows it, the cursor in the field) and Enter."""
    if ct.side_tabs.currentIndex() != 1:
        qtbot.keyClick(ct.window(), Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    field = ct.form.location.panel.coordinates
    assert field.isVisible()
    field.clear()
    field.setFocus()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _sweref(lat: float, lon: float) -> str:
    east, north = wgs84_to_sweref(lat, lon)
    return f"{round(north)} {round(east)}"


@pytest.mark.parametrize("text", ["55.4296 13.8204", "N 55° 25.776' E 13° 49.224'", _sweref(YSTAD_LAT, YSTAD_LON)])
def test_typed_coordinates_in_each_format_set_the_position(qtbot, make_window, actor_for, idle, text) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    _coordinates(qtbot, ct, text)
    intake = ct.form.intake()
    assert intake.position_source is PositionSource.COORDINATES and intake.position_flag is None
    assert distance_km(intake.lat, intake.lon, YSTAD_LAT, YSTAD_LON) < 0.005
    assert intake.kommun == "Ystad"  # the kommun of the register's nearest address
    assert not ct.form.location.panel.coordinates_msg.isVisible()
    assert "inmatade koordinater" in ct.form.location.panel.summary.text()


def test_a_bad_coordinate_says_why_in_swedish_and_changes_nothing(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    ct.form.kommun.setCurrentText("Lund")
    _coordinates(qtbot, ct, "55.42")
    msg = ct.form.location.panel.coordinates_msg
    assert msg.isVisible() and "Bara ett tal" in msg.text()
    assert ct.form.intake().position_source is PositionSource.KOMMUN_CENTRE
    _coordinates(qtbot, ct, "55.4296 13.8204")
    assert not msg.isVisible()


def test_the_caller_s_phone_position_shows_with_its_accuracy_and_ctrl_p_uses_it(qtbot, make_window, actor_for,  # type: ignore[no-untyped-def]
                                                                                idle) -> None:
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    at = datetime.now(UTC) - timedelta(seconds=20)
    ct.receive_phone_position(PhonePosition(phone="+46701234567", lat=YSTAD_LAT, lon=YSTAD_LON, accuracy_m=35,
                                            at=at, source="GNSS"))
    row, text = ct.form.location.panel.phone_row, ct.form.location.panel.phone_text
    # No callback number yet: the only fresh position is offered, with a word to check the number with the caller
    assert row.isVisible() and "annat nummer" in text.text() and "kontrollera med inringaren" in row.toolTip()
    qtbot.keyClicks(ct.form.phone, "070-123 45 67")  # the same number, written as people do
    assert row.isVisible() and "annat nummer" not in text.text() and "kontrollera" not in row.toolTip()
    assert "±35 m" in text.text() and "kl." in text.text() and "satellit" in row.toolTip()
    assert ct.map.phone == (YSTAD_LAT, YSTAD_LON, 35)  # on the map with its own circle, beside the case's position
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    intake = ct.form.intake()
    assert intake.position_source is PositionSource.PHONE and intake.position_accuracy_m == 35
    assert (intake.lat, intake.lon) == (YSTAD_LAT, YSTAD_LON) and intake.position_flag is None
    assert intake.kommun == "Ystad"
    assert "±35 m" in ct.form.location.panel.summary.text()
    assert ct.map.position == (YSTAD_LAT, YSTAD_LON, 35) and ct.map.phone is None  # now the case's own marker


def test_an_inaccurate_phone_position_waits_for_confirmation_and_the_case_keeps_its_doubt(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle, factory) -> None:
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    ct.form.kommun.setCurrentText("Ystad")
    qtbot.keyClicks(ct.form.phone, "0701234567")
    ct.receive_phone_position(PhonePosition(phone="0701234567", lat=YSTAD_LAT, lon=YSTAD_LON, accuracy_m=1200,
                                            at=datetime.now(UTC)))
    ct.form.location.panel.phone_button.click()
    panel = ct.form.location.panel
    assert panel.pending_row.isVisible() and "±1 200 m" in panel.pending_text.text().replace("\xa0", " ")
    assert ct.form.intake().position_source is PositionSource.KOMMUN_CENTRE  # not used silently
    panel.confirm_button.click()
    assert not panel.pending_row.isVisible()
    intake = ct.form.intake()
    assert intake.position_source is PositionSource.PHONE and intake.position_accuracy_m == 1200
    assert intake.position_flag is not None and "Osäker position" in intake.position_flag
    ct.save_now()
    idle(w)
    with factory() as s:
        case = s.get(Case, ct.case_id)
        assert case.position_source == "phone" and "Osäker position" in case.position_flag


def test_coordinates_outside_skane_are_not_used_until_confirmed(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    ct.form.kommun.setCurrentText("Malmö")
    _coordinates(qtbot, ct, "55.6761 12.5683")  # Copenhagen
    panel = ct.form.location.panel
    assert panel.pending_row.isVisible() and "utanför Skåne" in panel.pending_text.text()
    assert ct.form.intake().position_source is PositionSource.KOMMUN_CENTRE
    panel.decline_button.click()
    assert not panel.pending_row.isVisible()
    assert ct.form.intake().position_source is PositionSource.KOMMUN_CENTRE
    _coordinates(qtbot, ct, "55.6761 12.5683")
    panel.confirm_button.click()
    intake = ct.form.intake()
    assert intake.position_source is PositionSource.COORDINATES and "utanför Skåne" in intake.position_flag
    assert intake.kommun == "Malmö"  # a point outside Skåne keeps the kommun given


def test_a_click_on_the_map_sets_the_position(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    _coordinates(qtbot, ct, "55.4296 13.8204")  # on the map's tab (Ctrl+G); the map zooms to it
    m = ct.map
    assert ct.side_tabs.currentIndex() == 1 and m.isVisible()
    vb = m.getViewBox()
    target = QPointF(13.8230, 55.4310)  # lon, lat: a little north-east of the typed point
    scene = vb.mapViewToScene(target)
    view_pos = m.mapFromScene(scene)
    qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(view_pos.x()), int(view_pos.y())))
    intake = ct.form.intake()
    assert intake.position_source is PositionSource.MAP
    assert distance_km(intake.lat, intake.lon, 55.4310, 13.8230) < 0.05
    assert intake.position_accuracy_m is not None and intake.position_accuracy_m < 100  # zoomed in: no doubt
    assert intake.position_flag is None and intake.kommun == "Ystad"
    assert m.position is not None and m.position[:2] == (intake.lat, intake.lon)


def test_the_accuracy_circle_is_round_on_screen_and_its_radius_in_metres(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    xs, ys = circle(YSTAD_LAT, YSTAD_LON, 500)
    for lon, lat in zip(xs[::9], ys[::9], strict=False):
        assert abs(distance_km(YSTAD_LAT, YSTAD_LON, lat, lon) - 0.5) < 0.002
    w = make_window(actor_for(Role.NURSE))
    ct = start_call(qtbot, w, idle)
    ct.side_tabs.setCurrentIndex(1)
    ct.map.resize(400, 300)
    ct.map.show_position(YSTAD_LAT, YSTAD_LON, 500)
    qtbot.wait(50)
    vb = ct.map.getViewBox()
    centre = vb.mapViewToScene(QPointF(YSTAD_LON, YSTAD_LAT))
    east = vb.mapViewToScene(QPointF(float(xs.max()), YSTAD_LAT))
    north = vb.mapViewToScene(QPointF(YSTAD_LON, float(ys.max())))
    across, up = abs(east.x() - centre.x()), abs(north.y() - centre.y())
    assert across > 20 and abs(across - up) / up < 0.03


def test_a_crash_keeps_the_chosen_position(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct1 = with_register(qtbot, start_call(qtbot, w1, idle))
    ct1.form.location.choose_hit(ct1.form.location.index.search("Storgatan 12 Ystad")[0])
    qtbot.keyClicks(ct1.form.phone, "0701234567")  # an edit: the draft is saved after it
    qtbot.waitUntil(lambda: not ct1._save_timer.isActive() and not w1.executor.busy, timeout=10000)
    w1.executor.shutdown()  # the crash: no close, no discarded draft
    ct1.shutdown()
    w1.hide()

    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active, timeout=10000)
    idle(w2)
    intake = ct2.form.intake()
    assert (intake.lat, intake.lon) == (STORGATAN_YSTAD.lat, STORGATAN_YSTAD.lon)
    assert intake.position_source is PositionSource.ADDRESS and intake.kommun == "Ystad"
    assert "Storgatan 12" in ct2.form.location.panel.summary.text()
