"""Is a position good enough to use without asking? `assess_position` returns the Position the case would record,
with `flag` saying in Swedish why it must not be used silently, or None when nothing is wrong.

Reasons, in this order, joined by "; ":

* "Ersättningsposition: kommunens centrum" — the source is the kommun's centre, which stands in for a position;
* "Positionen ligger utanför Skåne (55,12345° N, 12,00000° E)" — resources.geography.in_skane;
* "Osäker position: ±3 200 m (gräns 100 m)" — an accuracy radius wider than `max_accuracy_m`
  (LARMCENTRAL_POSITION_MAX_ACCURACY_M); a phone position without an accuracy is "Osäker position: noggrannheten
  okänd" (the network always sends one, so its absence means something is wrong). A typed coordinate or a register
  address has no radius of its own to compare: None is not a doubt there;
* "Gammal position: mätt för 14 min sedan (gräns 10 min)" — measured longer ago than `max_age_s`
  (LARMCENTRAL_AML_MAX_AGE_S; only when a limit and a time are given);
* "Positionens tid ligger 3 min fram i tiden" — measured more than FUTURE_TOLERANCE_S after `now`: a clock is
  wrong somewhere, so neither the time nor the age can be trusted.

The flag is what the console shows beside the position and what the case stores (`cases.position_flag`), so it is
written to be read by the nurse and, later, by a reviewer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from resources.geography import in_skane
from resources.location.coordinates import format_position
from resources.location.model import Position, PositionSource
from resources.numbers import sv_number

KOMMUN_CENTRE_FLAG = "Ersättningsposition: kommunens centrum"
FUTURE_TOLERANCE_S = 60.0  # clocks on a phone, the network and the console may differ by this much


def assess_position(lat: float, lon: float, source: PositionSource, *, accuracy_m: float | None = None,
                    at: datetime | None = None, max_accuracy_m: float, now: datetime | None = None,
                    max_age_s: float | None = None) -> Position:
    """The position as the case records it, flagged when it must not be used silently (module docstring).

    `accuracy_m`: radius in metres (None: unknown); `at`: when it was measured (aware; None: now/unknown);
    `max_accuracy_m`: the setting's bound; `now`: the time to judge the age by (default: the clock);
    `max_age_s`: the age beyond which it is old (None: age not judged). Raises ValueError for a naive `at` or
    `now`, or a latitude/longitude out of range (pydantic's ValidationError, a ValueError)."""
    for name, value in (("at", at), ("now", now)):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} saknar tidszon")
    reasons: list[str] = []
    if source is PositionSource.KOMMUN_CENTRE:
        reasons.append(KOMMUN_CENTRE_FLAG)
    if not in_skane(lat, lon):
        reasons.append(f"Positionen ligger utanför Skåne ({format_position(lat, lon)})")
    if accuracy_m is not None and accuracy_m > max_accuracy_m:
        reasons.append(f"Osäker position: ±{_metres(accuracy_m)} m (gräns {_metres(max_accuracy_m)} m)")
    elif accuracy_m is None and source is PositionSource.PHONE:
        reasons.append("Osäker position: noggrannheten okänd")
    if at is not None:
        age_s = ((now or datetime.now(UTC)) - at).total_seconds()
        if age_s < -FUTURE_TOLERANCE_S:
            reasons.append(f"Positionens tid ligger {_duration(-age_s)} fram i tiden")
        elif max_age_s is not None and age_s > max_age_s:
            reasons.append(f"Gammal position: mätt för {_duration(age_s)} sedan (gräns {_duration(max_age_s)})")
    return Position(lat=lat, lon=lon, source=source, accuracy_m=accuracy_m, at=at,
                    flag="; ".join(reasons) or None)


def _metres(value: float) -> str:
    return sv_number(round(value), 0)


def _duration(seconds: float) -> str:
    """"45 s", "14 min", "2 h 5 min": as precise as a nurse needs."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
