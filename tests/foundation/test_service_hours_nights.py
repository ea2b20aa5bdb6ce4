"""Service hours across midnight and the week's turn (regression: the läkarbil had no cover
on the night between Sunday and Monday, 00:00-08:00, because the weekend window ended at
Sunday 24:00 and the overnight weekday window only starts on Monday evening)."""

from __future__ import annotations

from datetime import datetime, timedelta

from resources.palette import default_palette


def test_doctor_car_covers_every_evening_night_and_weekend_hour() -> None:
    car = default_palette().type("LAKARBIL")
    start = datetime(2026, 11, 23, 0, 0)  # a Monday
    for step in range(7 * 24 * 4):
        at = start + timedelta(minutes=15 * step)
        weekday_office = at.weekday() < 5 and 8 <= at.hour < 17
        assert car.in_service(at) == (not weekday_office), f"läkarbil {at:%a %H:%M}"


def test_day_labels_are_swedish() -> None:
    label = default_palette().type("LAKARBIL").hours_label()
    assert "sön 17–08" in label and "sun" not in label
