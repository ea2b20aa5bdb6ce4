"""Times as the people in the room read them: Swedish local time (resources.clock.LOCAL_TZ),
whatever zone the machine runs in. The database hands back aware UTC datetimes and ISO strings;
a naive datetime here is read as UTC (how the records store them), never as the machine's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from resources.clock import LOCAL_TZ


def local(at: datetime) -> datetime:
    """`at` in Swedish local time."""
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(LOCAL_TZ)


def local_text(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`at` formatted in Swedish local time ("" for None)."""
    return "" if at is None else local(at).strftime(fmt)


def iso_local_text(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO 8601 timestamp (as the review detail carries them) in Swedish local time; a string
    that is not one is shown as it is."""
    if not iso:
        return ""
    try:
        return local_text(datetime.fromisoformat(iso), fmt)
    except ValueError:
        return iso


def local_today() -> date:
    """Today's date in Sweden (the machine may be on UTC: at 00:30 Swedish time it is still yesterday there)."""
    return datetime.now(LOCAL_TZ).date()
