"""The caller's phone position (AML, Advanced Mobile Location) as the telephony integration sends it: one JSON
object per position (docs/phone-position.md), read strictly into a `PhonePosition` — or a Swedish message naming
the field that is wrong.

```json
{"v": 1, "phone": "+46701234567", "lat": 55.6050, "lon": 13.0038, "accuracy_m": 12.5,
 "at": "2026-03-01T10:15:30+01:00", "source": "GNSS"}
```

Strict as the unit feeds are: unknown fields are refused (a newer version is never half-understood), a number is
a JSON number (not "55.6", not true), NaN and infinities are refused, a time has a zone. Whether the position lies
in Skåne, is accurate enough or fresh enough is not this module's question: resources.location.assess flags it, so
a position from across the border is still shown — with its flag — rather than dropped.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

MAX_MESSAGE_BYTES = 4096  # a position is ~200 bytes; anything near this is not one
VERSION = 1
PositionMethod = Literal["GNSS", "WIFI", "CELL", "UNKNOWN"]
METHOD_LABELS: dict[str, str] = {"GNSS": "satellit (GNSS)", "WIFI": "wifi", "CELL": "mobilnät", "UNKNOWN": "okänd"}

_PHONE = r"^\+?[0-9][0-9 ()-]{0,30}$"

# What each field must be, in Swedish, for the message about a bad one.
FIELD_RULES = {
    "v": f"ska vara {VERSION} (protokollets version)",
    "phone": "ska vara den uppringandes nummer: 1–32 tecken, siffror, + först, mellanslag, - och ()",
    "lat": "ska vara ett tal från -90 till 90 (grader, WGS84)",
    "lon": "ska vara ett tal från -180 till 180 (grader, WGS84)",
    "accuracy_m": "ska vara ett tal större än 0 och högst 100000 (meter, osäkerhetsradie)",
    "at": "ska vara en tidpunkt enligt ISO 8601 med tidszon, t.ex. 2026-03-01T10:15:30+01:00",
    "source": "ska vara GNSS, WIFI, CELL eller UNKNOWN, eller utelämnas",
}


class PhonePositionError(ValueError):
    """A message that is not a phone position; Swedish, naming the field when one is to blame (`field`)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PhonePosition(BaseModel):
    """Where the caller's phone says it is: WGS84 degrees, the accuracy radius in metres (the network's, at about
    68 % confidence as AML sends it), when it was measured (aware), how (`source`, None when not said), and the
    number of the phone that sent it as the network gave it (match it with records.recontact_keys.phone_key)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    phone: str = Field(min_length=1, max_length=32, pattern=_PHONE)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(gt=0, le=100_000)
    at: AwareDatetime
    source: PositionMethod | None = None


class _Message(PhonePosition):
    v: Literal[1]


def parse_phone_position(raw: bytes) -> PhonePosition:
    """One message as the integration sent it (UTF-8 JSON, at most MAX_MESSAGE_BYTES); raises PhonePositionError."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise PhonePositionError(f"meddelandet är för stort ({len(raw)} byte, högst {MAX_MESSAGE_BYTES})")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PhonePositionError("meddelandet är inte UTF-8") from None
    except json.JSONDecodeError as exc:
        raise PhonePositionError(f"ogiltig JSON (tecken {exc.pos + 1})") from None
    except RecursionError:  # "[[[[…" nested deeper than the parser goes: well under the size limit
        raise PhonePositionError("ogiltig JSON (för djupt nästlad)") from None
    if not isinstance(data, dict):
        raise PhonePositionError("meddelandet ska vara ett JSON-objekt")
    if "v" in data and (type(data["v"]) is not int or data["v"] != VERSION):  # true == 1 to a Literal
        raise PhonePositionError(f"fältet v {FIELD_RULES['v']} (fick {_shown(data['v'])})", "v")
    values = {**data, "at": _time(data["at"])} if isinstance(data.get("at"), str) else data
    try:  # strict mode takes a datetime only: the JSON text is read first
        message = _Message.model_validate(values, strict=True)
    except ValidationError as exc:
        raise _swedish(exc, data) from None
    return PhonePosition.model_validate(message.model_dump(exclude={"v"}))


def encode_phone_position(position: PhonePosition) -> bytes:
    """The message for `position`, as the integration sends it (what `main.py aml send` and the tests send)."""
    body: dict[str, Any] = {"v": VERSION, **position.model_dump(mode="json", exclude_none=True)}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _time(text: str) -> datetime | str:
    """An ISO 8601 time; what does not read as one is passed on for the model to refuse with the field's rule."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _swedish(exc: ValidationError, data: dict[str, Any]) -> PhonePositionError:
    """The first problem, naming its field and showing the value as it was sent."""
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    if err["type"] == "missing":
        return PhonePositionError(f"fältet {field} saknas", field)
    if err["type"] == "extra_forbidden":
        return PhonePositionError(f"okänt fält {field!r}", field)
    sent = _shown(data.get(field, err.get("input")))
    return PhonePositionError(f"fältet {field} {FIELD_RULES.get(field, 'har fel värde')} (fick {sent})", field)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:80]
