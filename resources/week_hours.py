"""Hours of the week said as a person says them: "vardagar 17–08, helger dygnet runt".

A week is 7 × 1440 minutes from Monday 00:00. `week_label` takes which minutes are covered, looks at each
calendar day, writes a day covered from midnight to a in the morning and again from b in the evening as
"b–a" (the night is part of the evening it starts on), and names runs of days with the same hours
("vardagar", "helger", "alla dagar", "mån–ons", "fre").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from resources.clock import WEEKDAY_LABELS, WEEKDAYS, Weekday

DAY = 24 * 60
WEEK = 7 * DAY


def minutes_of(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def week_minutes(windows: Iterable[tuple[Sequence[Weekday], str, str]]) -> list[bool]:
    """The minutes of the week covered by (days, "HH:MM" start, "HH:MM" end) windows; an end at or before the
    start runs past midnight into the next day (Sunday's into Monday)."""
    covered = [False] * WEEK
    for days, start_hhmm, end_hhmm in windows:
        start, end = minutes_of(start_hhmm), minutes_of(end_hhmm)
        length = end - start if end > start else DAY - start + end
        for day in days:
            first = WEEKDAYS.index(day) * DAY + start
            for m in range(first, first + length):
                covered[m % WEEK] = True
    return covered


def hours_minutes(hours: Iterable[int]) -> list[bool]:
    """The minutes of the week covered by whole hours (0 = Monday 00–01, …, 167 = Sunday 23–24)."""
    covered = [False] * WEEK
    for h in hours:
        covered[h * 60:(h + 1) * 60] = [True] * 60
    return covered


def _clock(minute: int, exact: bool) -> str:
    h, m = divmod(minute, 60)
    return f"{h:02d}:{m:02d}" if exact else f"{h:02d}"


def _runs(day: Sequence[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for m, on in enumerate([*day, False]):
        if on and start is None:
            start = m
        elif not on and start is not None:
            runs.append((start, m))
            start = None
    return runs


def _day_text(runs: list[tuple[int, int]]) -> str:
    if runs == [(0, DAY)]:
        return "dygnet runt"
    if len(runs) >= 2 and runs[0][0] == 0 and runs[-1][1] == DAY:  # the night belongs to the evening
        runs = [*runs[1:-1], (runs[-1][0], runs[0][1])]
    exact = any(m % 60 for run in runs for m in run)  # "08:30–12:00", but "08–17"
    return " och ".join(f"{_clock(a, exact)}–{_clock(b, exact)}" for a, b in runs)


def _days_text(first: int, last: int) -> str:
    if (first, last) == (0, 6):
        return "alla dagar"
    if (first, last) == (0, 4):
        return "vardagar"
    if (first, last) == (5, 6):
        return "helger"
    if first == last:
        return WEEKDAY_LABELS[WEEKDAYS[first]]
    return f"{WEEKDAY_LABELS[WEEKDAYS[first]]}–{WEEKDAY_LABELS[WEEKDAYS[last]]}"


def week_label(covered: Sequence[bool]) -> str:
    """E.g. "vardagar 08–17", "alla dagar 07–23", "dygnet runt", "vardagar 17–08, helger dygnet runt"."""
    texts = [_day_text(_runs(covered[d * DAY:(d + 1) * DAY])) for d in range(7)]
    if all(t == "dygnet runt" for t in texts):
        return "dygnet runt"
    parts: list[str] = []
    d = 0
    while d < 7:
        last = d
        while last + 1 < 7 and texts[last + 1] == texts[d]:
            last += 1
        if texts[d]:
            parts.append(f"{_days_text(d, last)} {texts[d]}")
        d = last + 1
    return ", ".join(parts) or "aldrig"
