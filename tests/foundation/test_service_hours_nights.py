"""Service hours across midnight and the week's turn, and their labels as a person says them.

Regression: a läkarbil staffed weekday evenings and nights plus weekends had no cover on the night between
Sunday and Monday, 00:00-08:00, because the weekend window ended at Sunday 24:00 and the overnight weekday
window only starts on Monday evening; its label read "vardagar 17–08; helger 00–24; sön 17–08"."""

from __future__ import annotations

from datetime import datetime, timedelta

from resources.palette import ResourceType, default_palette

EVENINGS_AND_WEEKENDS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "17:00", "end": "08:00"},
                         {"days": ["sat", "sun"], "start": "00:00", "end": "24:00"},
                         {"days": ["sun"], "start": "17:00", "end": "08:00"}]


def with_hours(code: str, windows: list[dict[str, object]]) -> ResourceType:
    t = default_palette().type(code)
    return ResourceType.model_validate({**t.model_dump(), "service_hours": windows})


def test_evening_night_and_weekend_windows_cover_the_week_turn() -> None:
    car = with_hours("LAKARBIL", EVENINGS_AND_WEEKENDS)
    start = datetime(2026, 11, 23, 0, 0)  # a Monday
    for step in range(7 * 24 * 4):
        at = start + timedelta(minutes=15 * step)
        weekday_office = at.weekday() < 5 and 8 <= at.hour < 17
        assert car.in_service(at) == (not weekday_office), f"{at:%a %H:%M}"


def test_the_shipped_doctor_car_is_in_service_every_hour() -> None:
    """Palette assumption: the läkarbil covers, by day too, the patient no vårdcentral team serves."""
    car = default_palette().type("LAKARBIL")
    start = datetime(2026, 11, 23, 0, 0)
    assert all(car.in_service(start + timedelta(minutes=15 * step)) for step in range(7 * 24 * 4))


def test_labels_read_as_a_person_says_them() -> None:
    assert with_hours("LAKARBIL", EVENINGS_AND_WEEKENDS).hours_label() == "vardagar 17–08, helger dygnet runt"
    labels = {t.code: t.hours_label() for t in default_palette().types}
    assert labels["MVT_VC"] == "vardagar 08–17"
    assert labels["PSYK_MT"] == "vardagar 08–21, helger 09–17"
    assert labels["LIGGANDE"] == "alla dagar 07–23"
    assert labels["AMBULANS"] == labels["LAKARBIL"] == "dygnet runt"
    assert not any(x in label for label in labels.values() for x in (";", "00–24", "sun", "mon"))
    friday_and_monday = with_hours("MVT_VC", [{"days": ["mon", "fri"], "start": "08:30", "end": "12:00"}])
    assert friday_and_monday.hours_label() == "mån 08:30–12:00, fre 08:30–12:00"
