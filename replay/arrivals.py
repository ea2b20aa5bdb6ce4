"""When calls arrive: Swedish public holidays and the expected calls per hour of the replay year (spec §1.2).

Hours are elapsed hours since 1 January 00:00 Swedish time (8,760 in a common year, whatever daylight saving does),
so a call's `t_min` is real elapsed minutes; each hour's factors are those of its local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from replay.params import ArrivalParams
from resources.clock import LOCAL_TZ


def easter_sunday(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return date(year, month, day)


def _weekday_between(year: int, month: int, first: int, last_month: int, last: int, weekday: int) -> date:
    day = date(year, month, first)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    assert day <= date(year, last_month, last)
    return day


def swedish_holidays(year: int, *, include_eves: bool = True) -> dict[date, str]:
    """Sweden's public holidays (helgdagar) in `year`; with `include_eves` also the de facto holidays midsommar-,
    jul- and nyårsafton."""
    easter = easter_sunday(year)
    midsummer_eve = _weekday_between(year, 6, 19, 6, 25, 4)  # the Friday 19–25 June
    days = {
        date(year, 1, 1): "nyårsdagen",
        date(year, 1, 6): "trettondedag jul",
        easter - timedelta(days=2): "långfredagen",
        easter: "påskdagen",
        easter + timedelta(days=1): "annandag påsk",
        date(year, 5, 1): "första maj",
        easter + timedelta(days=39): "Kristi himmelsfärdsdag",
        easter + timedelta(days=49): "pingstdagen",
        date(year, 6, 6): "Sveriges nationaldag",
        midsummer_eve + timedelta(days=1): "midsommardagen",
        _weekday_between(year, 10, 31, 11, 6, 5): "alla helgons dag",  # the Saturday 31 Oct – 6 Nov
        date(year, 12, 25): "juldagen",
        date(year, 12, 26): "annandag jul",
    }
    if include_eves:
        days |= {midsummer_eve: "midsommarafton", date(year, 12, 24): "julafton", date(year, 12, 31): "nyårsafton"}
    return dict(sorted(days.items()))


def year_start(year: int) -> datetime:
    """1 January 00:00 Swedish time, the zero of every call's `t_min`."""
    return datetime(year, 1, 1, tzinfo=LOCAL_TZ)


def local_hours(year: int) -> list[datetime]:
    """The local start time of every elapsed hour of `year` (8,760 or 8,784)."""
    start = year_start(year).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    n = int((end - start).total_seconds() // 3600)
    return [(start + timedelta(hours=h)).astimezone(LOCAL_TZ) for h in range(n)]


def hour_weights(params: ArrivalParams, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Relative call intensity per elapsed hour for stream A and for stream B (each sums to 1 over the year)."""
    hours = local_hours(year)
    holidays = swedish_holidays(year, include_eves=params.holidays.include_eves) if params.holidays.as_sunday else {}
    dt = params.day_types
    per_day = (dt.weekday / 5, dt.saturday, dt.sunday)  # a week's share of one day of each type
    hod = params.hour_of_day.factors
    winter = set(params.winter.months)
    office = params.stream_b_office
    a = np.empty(len(hours))
    in_office = np.zeros(len(hours), dtype=bool)
    for i, t in enumerate(hours):
        day = t.date()
        kind = 2 if day in holidays or t.weekday() == 6 else 1 if t.weekday() == 5 else 0
        a[i] = per_day[kind] * hod[t.hour] * (params.winter.factor if t.month in winter else 1.0)
        in_office[i] = kind == 0 and office.start_hour <= t.hour < office.end_hour
    a /= a.sum()
    rest = np.where(in_office, 0.0, a)
    b = office.share * in_office / max(1, in_office.sum()) + (1 - office.share) * rest / rest.sum()
    return a, b / b.sum()
