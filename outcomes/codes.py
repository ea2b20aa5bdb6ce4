"""The documented outcome code list (docs/outcomes.md): what happened to the patient.

Codes are stable English identifiers stored in the database; labels are Swedish for the UI.
Every code belongs to one group used by follow-up, recontacts and statistics. The code list itself
(OutcomeCode, OutcomeGroup, their labels) lives in resources.vocabulary, so the settings model can
check the codes named in LARMCENTRAL_OUTCOMES_*; it is re-exported here.
"""

from __future__ import annotations

from resources.geography import default_geography
from resources.vocabulary import OUTCOME_GROUPS as OUTCOME_GROUPS
from resources.vocabulary import OUTCOME_LABELS as OUTCOME_LABELS
from resources.vocabulary import OutcomeCode as OutcomeCode
from resources.vocabulary import OutcomeGroup as OutcomeGroup


def codes_in(group: OutcomeGroup) -> frozenset[OutcomeCode]:
    return frozenset(c for c, g in OUTCOME_GROUPS.items() if g is group)


LEFT_AT_HOME_CODES = codes_in(OutcomeGroup.LEFT_AT_HOME)
CONVEYED_CODES = codes_in(OutcomeGroup.CONVEYED)


def parse_code(raw: str) -> OutcomeCode:
    """An outcome code from its identifier (case-insensitive); Swedish error naming the valid codes."""
    text = (raw or "").strip().lower()
    try:
        return OutcomeCode(text)
    except ValueError:
        valid = ", ".join(c.value for c in OutcomeCode)
        raise ValueError(f"okänd utfallskod {raw!r}; giltiga koder: {valid}") from None


def ed_codes() -> dict[str, str]:
    """Emergency-department codes (resources.geography) and their names: valid destinations."""
    return {e.code: e.name for e in default_geography().emergency_departments}


def check_destination(code: OutcomeCode, destination: str | None) -> str | None:
    """The destination normalised, or ValueError in Swedish naming what was wrong."""
    dest = (destination or "").strip() or None
    if code is OutcomeCode.TRANSPORTED_ED:
        eds = ed_codes()
        if dest is None:
            raise ValueError(f"ange vilken akutmottagning ({', '.join(eds)})")
        if dest.upper() not in eds:
            raise ValueError(f"okänd akutmottagning {dest!r}; giltiga: {', '.join(eds)}")
        return dest.upper()
    return dest
