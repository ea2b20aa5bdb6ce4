"""Turn exceptions into what the user should read (Swedish), splitting "the environment
failed" (database gone, permission) from "a bug" (qutebrowser's distinction)."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from records.actor import NotPermitted
from records.cases import CaseNotFound
from records.db import DatabaseUnavailable
from records.personnummer import InvalidPersonnummer


def is_database_down(exc: BaseException) -> bool:
    if isinstance(exc, DatabaseUnavailable | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def user_message(exc: BaseException) -> str:
    """One Swedish sentence or two for the status bar or a message box."""
    if is_database_down(exc):
        return ("Databasen kan inte nås just nu. Det du har skrivit finns kvar och sparas lokalt; "
                "försök igen när anslutningen är tillbaka.")
    if isinstance(exc, NotPermitted | InvalidPersonnummer | CaseNotFound):
        return str(exc)
    if isinstance(exc, StaleDataError):
        return "Ärendet har ändrats från en annan konsol. Uppdatera och försök igen."
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"Ogiltigt värde i {where}: {first['msg']}"
    if isinstance(exc, ValueError | LookupError | PermissionError):
        return str(exc)
    return f"Ett oväntat fel inträffade ({type(exc).__name__}). Felet är loggat; ärendet finns kvar."
