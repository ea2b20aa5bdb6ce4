"""Swedish personnummer, samordningsnummer and reservnummer: checked and normalised.

Normal form: YYYYMMDD-NNNN (13 characters). The check digit is Luhn over the
ten digits YYMMDDNNN C. Samordningsnummer add 60 to the day. Reservnummer
(assumption: Region Skåne's form YYYYMMDD-RNNN, a letter first in the serial
part) are accepted without a check digit. Demo data uses only the tax agency's
test series (serial numbers 9800–9899), never real persons.
"""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<serial>\d{4})$")
_RESERV = re.compile(r"^(?P<ymd>\d{8})-?(?P<serial>[A-Z]\d{3})$")


class InvalidPersonnummer(ValueError):
    """The message says what is wrong, in Swedish, for the nurse."""


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def normalise(raw: str, today: date | None = None) -> str:
    """Return YYYYMMDD-NNNN (or YYYYMMDD-RNNN) or raise InvalidPersonnummer naming the problem."""
    text = raw.strip().upper().replace(" ", "")
    if not text:
        raise InvalidPersonnummer("Personnummer saknas.")
    today = today or date.today()
    if m := _RESERV.match(text):
        _birth_date(m["ymd"], raw)
        return f"{m['ymd']}-{m['serial']}"
    m = _PATTERN.match(text)
    if not m:
        raise InvalidPersonnummer(
            f"'{raw}' har fel format: skriv ÅÅÅÅMMDD-NNNN, ÅÅMMDD-NNNN eller ett reservnummer ÅÅÅÅMMDD-RNNN.")
    yymmdd, serial = m["yymmdd"], m["serial"]
    if m["century"]:
        full = m["century"] + yymmdd
    else:
        # Ten digits: the most recent century that is not in the future; '+' means 100 or older.
        year = int(yymmdd[:2])
        base = today.year - (100 if m["sep"] == "+" else 0)
        candidate = (base // 100) * 100 + year
        if candidate > base:
            candidate -= 100
        full = f"{candidate:04d}{yymmdd[2:]}"
    _birth_date(full, raw)
    if not luhn_ok(yymmdd + serial):
        raise InvalidPersonnummer(f"'{raw}': kontrollsiffran stämmer inte.")
    return f"{full}-{serial}"


def _birth_date(yyyymmdd: str, raw: str) -> date:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    if day > 60:  # samordningsnummer
        day -= 60
    try:
        born = date(year, month, day)
    except ValueError as exc:
        raise InvalidPersonnummer(f"'{raw}': datumet {yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]} finns inte.") from exc
    if born > date.today():
        raise InvalidPersonnummer(f"'{raw}': födelsedatumet ligger i framtiden.")
    return born


def age_on(personnummer: str, on: date) -> int:
    """Age in whole years of a normalised personnummer on a date."""
    born = _birth_date(personnummer[:8], personnummer)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def with_check_digit(yymmdd_nnn: str) -> str:
    """The check digit that completes nine digits YYMMDDNNN (for generating test data)."""
    if len(yymmdd_nnn) != 9 or not yymmdd_nnn.isdigit():
        raise ValueError(f"with_check_digit needs exactly nine digits YYMMDDNNN, got {yymmdd_nnn!r}")
    for c in "0123456789":
        if luhn_ok(yymmdd_nnn + c):
            return c
    raise AssertionError("unreachable")
