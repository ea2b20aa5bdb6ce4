"""Local time for the whole product: Skåne runs on Swedish time, whatever zone the server has."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Stockholm")

# Days as the data files name them (palette service hours, rule-set office hours), in
# datetime.weekday() order, and how the UI abbreviates them.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS: dict[Weekday, str] = {"mon": "mån", "tue": "tis", "wed": "ons", "thu": "tor", "fri": "fre",
                                      "sat": "lör", "sun": "sön"}


def local_aware(at: datetime) -> datetime:
    """`at` as an aware datetime; a naive one is read as Swedish local time (never the machine's zone)."""
    return at.replace(tzinfo=LOCAL_TZ) if at.tzinfo is None else at
