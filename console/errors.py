"""Turn exceptions into what the user should read (Swedish), splitting "the environment
failed" (database gone, permission) from "a bug" (qutebrowser's distinction)."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from records.actor import NotPermitted
from records.cases import CaseNotFound
from records.db import DatabaseTimeout, DatabaseUnavailable, WriteConflict
from records.personnummer import InvalidPersonnummer
from records.text_fields import LABELS
from resources.datafile import swedish_message


def is_database_down(exc: BaseException) -> bool:
    if isinstance(exc, DatabaseUnavailable | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def user_message(exc: BaseException) -> str:
    """One Swedish sentence or two for the status bar or a message box."""
    if isinstance(exc, WriteConflict):
        return str(exc)
    if isinstance(exc, DatabaseTimeout):
        return f"{exc} Det du har skrivit finns kvar och sparas lokalt."
    if is_database_down(exc):
        return ("Databasen kan inte nås just nu. Det du har skrivit finns kvar och sparas lokalt; "
                "försök igen när anslutningen är tillbaka.")
    if isinstance(exc, NotPermitted | InvalidPersonnummer | CaseNotFound):
        return str(exc)
    if isinstance(exc, StaleDataError):
        return "Ärendet har ändrats från en annan konsol. Uppdatera och försök igen."
    if isinstance(exc, ValidationError):
        return validation_message(exc)
    if isinstance(exc, DataError):
        return ("Inget sparades: databasen godtog inte ett av värdena (för långt, ogiltigt tecken eller fel typ). "
                "Kontrollera uppgifterna och försök igen.")
    if isinstance(exc, IntegrityError):
        return ("Inget sparades: uppgifterna krockar med något som redan finns i databasen, kanske ändrat från "
                "en annan konsol. Uppdatera och försök igen.")
    if isinstance(exc, ValueError | LookupError | PermissionError):
        return str(exc)
    return f"Ett oväntat fel inträffade ({type(exc).__name__}). Felet är loggat; ärendet finns kvar."


def validation_message(exc: ValidationError) -> str:
    """The first error in Swedish. Our own validators' messages name the field already (pydantic's
    'Value error, ' prefix removed); pydantic's own errors get the field's Swedish label."""
    first = exc.errors()[0]
    if first.get("type") in ("value_error", "assertion_error"):
        return swedish_message(first)
    loc = [str(p) for p in first["loc"]]
    field = next((LABELS[p] for p in reversed(loc) if p in LABELS), ".".join(loc))
    return f"Ogiltigt värde i fältet '{field}': {swedish_message(first)}." if loc else \
        f"Ogiltigt värde: {swedish_message(first)}."
