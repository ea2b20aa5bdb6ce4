"""Numbers in the texts people read, written the Swedish way: decimal comma, a no-break space between
thousands, the minus sign − ("0,7 km", "1 234,5", "−3,5"). The console formats with QLocale (Swedish);
these are the same rules for the packages below it, which do not import Qt, so a distance in a
recommendation's reason reads as the console's own numbers do (tests/console/test_readable.py holds the two
equal). Machine-readable output (CSV, JSON, logs) keeps Python's own numbers."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

GROUP = "\u00a0"  # QLocale(Swedish).groupSeparator()
MINUS = "\u2212"  # QLocale(Swedish).negativeSign()


def sv_number(x: float, places: int | None = None) -> str:
    """`x` with `places` decimals (half away from zero, as QLocale rounds: 66.25 → "66,3"), or with as few as
    it takes (None: 2 → "2", 0.75 → "0,75")."""
    if not math.isfinite(x):
        return str(x)
    if places is None:
        text = _shortest(x)
    else:  # the exact binary value rounded, as QLocale does (2.675 is 2.67499… → "2,67")
        text = format(Decimal(float(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
    sign, text = (MINUS, text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    grouped = GROUP.join([whole, *groups])
    return sign + grouped + ("," + fraction if fraction else "")


def _shortest(x: float) -> str:
    """The shortest decimal that reads back as `x` (Python's repr), never in exponent form."""
    if float(x).is_integer():
        return str(int(x))
    return format(Decimal(repr(float(x))), "f")
