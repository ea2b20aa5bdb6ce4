"""Numbers as the console writes them: Swedish (decimal comma, no-break space between thousands), with
QLocale whatever the machine's locale ("0,7 km", "66,3 timmar"). The packages below the console write
the same with resources.numbers.sv_number (no Qt there); a test holds the two equal."""

from __future__ import annotations

from PySide6.QtCore import QLocale

SWEDISH = QLocale(QLocale.Language.Swedish, QLocale.Country.Sweden)
_SHORTEST = QLocale.FloatingPointPrecisionOption.FloatingPointShortest


def number(x: float, places: int | None = None) -> str:
    """`x` with `places` decimals, or with as few as it takes (None: 2 → "2", 0.75 → "0,75")."""
    return SWEDISH.toString(float(x), "f", _SHORTEST.value if places is None else places)
