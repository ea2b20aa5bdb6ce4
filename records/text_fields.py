"""Text and coordinates typed at the boundary (console, CLI, CSV imports, feeds), checked before they
reach the database, with Swedish messages naming the field.

Both backends must refuse the same input the same way: SQLite stores a 10 000-character name in a
VARCHAR(128) and a NaN coordinate as NULL, PostgreSQL refuses the first with a DataError and any text
holding NUL. So nothing is left to the database:

- no control characters (U+0000–U+001F, U+007F–U+009F) and no lone surrogates; free-text notes may
  hold line breaks and tabs;
- at most as many characters as the column holds (read from records.models, so the two cannot drift;
  Text columns have no limit);
- coordinates finite and on the globe (latitude −90…90, longitude −180…180).

Use the annotated types in pydantic models (`patient_name: PatientName = ""`) and `check_text` for
plain function arguments. A failure is a `TextFieldError` (a ValueError): its message names the field,
e.g. "Fältet 'Patientens namn' är för långt (129 tecken, högst 128)."
"""

from __future__ import annotations

import math
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy.orm import InstrumentedAttribute

from records.models import Assignment, Case, FollowUp, Outcome, Patient, Review, TriageResult, User
from resources.numbers import sv_number

_LINE_BREAKS_AND_TABS = frozenset("\n\r\t")


class TextFieldError(ValueError):
    """A field's value was refused. `str()` names the field; `reason` says what is wrong without it
    (for messages that name the field already, such as an import's "rad 3, fält 'namn': …")."""

    def __init__(self, label: str, reason: str):
        self.label, self.reason = label, reason
        super().__init__(f"Fältet '{label}' {reason}.")


def column_length(column: InstrumentedAttribute[Any]) -> int | None:
    """The declared length of a String column (None for Text)."""
    return getattr(column.property.columns[0].type, "length", None)


def check_text(value: str, label: str, max_length: int | None, *, multiline: bool = False) -> str:
    """`value` unchanged, or TextFieldError naming `label` (control character, or too long)."""
    for position, ch in enumerate(value, start=1):
        if multiline and ch in _LINE_BREAKS_AND_TABS:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            what = "en otillåten radbrytning" if ch in "\r\n" else "ett otillåtet styrtecken"
            nul = ", NUL" if ch == "\0" else ""
            raise TextFieldError(label, f"innehåller {what} (U+{ord(ch):04X}{nul}) på plats {position}")
        if category == "Cs":
            raise TextFieldError(label, f"innehåller ett ogiltigt tecken (U+{ord(ch):04X}) på plats {position}")
    if max_length is not None and len(value) > max_length:
        raise TextFieldError(label, f"är för långt ({len(value)} tecken, högst {max_length})")
    return value


def check_optional_text(value: str | None, label: str, max_length: int | None, *,
                        multiline: bool = False) -> str | None:
    return None if value is None else check_text(value, label, max_length, multiline=multiline)


def text_rule(label: str, max_length: int | None, *, multiline: bool = False) -> AfterValidator:
    """A pydantic validator for `Annotated[str, text_rule(...)]`."""

    def _check(value: str) -> str:
        return check_text(value, label, max_length, multiline=multiline)

    return AfterValidator(_check)


def column_rule(label: str, column: InstrumentedAttribute[Any], *, multiline: bool = False) -> AfterValidator:
    """`text_rule` with the column's own length."""
    return text_rule(label, column_length(column), multiline=multiline)


def check_coordinate(value: float, label: str, limit: float) -> float:
    if not math.isfinite(value):
        raise TextFieldError(label, f"måste vara ett ändligt tal (angivet: {value})")
    if not -limit <= value <= limit:
        raise TextFieldError(label, f"måste ligga mellan {sv_number(-limit)} och {sv_number(limit)} (angivet: {sv_number(value)})")
    return value


def coordinate_rule(label: str, limit: float) -> AfterValidator:
    def _check(value: float) -> float:
        return check_coordinate(value, label, limit)

    return AfterValidator(_check)


# Swedish field labels, by field name, for messages about fields whose error pydantic words itself
# (e.g. a latitude that is no number): console.errors.user_message names the field with these.
LABELS: dict[str, str] = {
    "caller_name": "Inringarens namn", "callback_phone": "Telefonnummer för återuppringning", "address": "Adress",
    "kommun": "Kommun", "lat": "Latitud", "lon": "Longitud", "patient_name": "Patientens namn",
    "personnummer": "Personnummer", "patient_age": "Patientens ålder", "override_reason": "Motivering för överstyrning",
    "note": "Anteckning", "comment": "Kommentar", "deviation_reason": "Motivering för avvikelse",
    "destination": "Destination", "unit_id": "Enhet", "name": "Namn",
}

# Case intake (records.cases.CaseIntake).
CallerName = Annotated[str, column_rule(LABELS["caller_name"], Case.caller_name)]
CallbackPhone = Annotated[str, column_rule(LABELS["callback_phone"], Case.callback_phone)]
Address = Annotated[str, column_rule(LABELS["address"], Case.address)]
Kommun = Annotated[str, column_rule(LABELS["kommun"], Case.kommun)]
PatientName = Annotated[str, column_rule(LABELS["patient_name"], Case.patient_name)]
Latitude = Annotated[float, coordinate_rule(LABELS["lat"], 90)]
Longitude = Annotated[float, coordinate_rule(LABELS["lon"], 180)]

# Free text (Text columns: no length limit, but no NUL — PostgreSQL refuses it in any text).
OverrideReason = Annotated[str, column_rule(LABELS["override_reason"], TriageResult.override_reason, multiline=True)]
DeviationReason = Annotated[str, column_rule(LABELS["deviation_reason"], Assignment.deviation_reason,
                                             multiline=True)]
OutcomeNote = Annotated[str, column_rule(LABELS["note"], Outcome.note, multiline=True)]
FollowUpNote = Annotated[str, column_rule(LABELS["note"], FollowUp.note, multiline=True)]
ReviewComment = Annotated[str, column_rule(LABELS["comment"], Review.comment, multiline=True)]
OutcomeDestination = Annotated[str, column_rule(LABELS["destination"], Outcome.destination)]
UnitIdText = Annotated[str, column_rule(LABELS["unit_id"], Outcome.unit_id)]

# The patient register's CSV import (records.patients.PatientRow): labelled with the file's column names.
RegisterName = Annotated[str, column_rule("namn", Patient.name)]
RegisterMobileTeam = Annotated[str, column_rule("mobilt_vardteam", Patient.enrolled_mobile_team)]
RegisterAsih = Annotated[str, column_rule("asih", Patient.enrolled_asih)]
RegisterVardcentral = Annotated[str, column_rule("listad_vardcentral", Patient.listed_vardcentral)]
RegisterPsychiatricTeam = Annotated[str, column_rule("psykiatriteam", Patient.known_psychiatric_team)]

# Sign-in (records.users.sign_in).
USERNAME_LENGTH = column_length(User.username)
DISPLAY_NAME_LENGTH = column_length(User.display_name)
