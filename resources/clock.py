"""Local time for the whole product: Skåne runs on Swedish time, whatever zone the server has."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def local_aware(at: datetime) -> datetime:
    """`at` as an aware datetime; a naive one is read as Swedish local time (never the machine's zone)."""
    return at.replace(tzinfo=LOCAL_TZ) if at.tzinfo is None else at
