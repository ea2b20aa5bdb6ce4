"""The documented outcome code list (docs/outcomes.md): what happened to the patient.

Codes are stable English identifiers stored in the database; labels are Swedish for the UI.
Every code belongs to one group used by follow-up, recontacts and statistics.
"""

from __future__ import annotations

from enum import StrEnum

from resources.geography import default_geography


class OutcomeGroup(StrEnum):
    CONVEYED = "conveyed"  # the patient left home for a care facility
    LEFT_AT_HOME = "left_at_home"  # the patient stayed at home (lämnad hemma / kvarlämnad)
    REFERRED = "referred"  # referred to 1177 or booked at a vårdcentral, no unit needed
    OTHER = "other"  # declined, not found, deceased

    @property
    def label(self) -> str:
        return {"conveyed": "Transporterad", "left_at_home": "Lämnad hemma", "referred": "Hänvisad",
                "other": "Övrigt"}[self.value]


class OutcomeCode(StrEnum):
    TRANSPORTED_ED = "transported_ed"
    TO_VARDCENTRAL = "to_vardcentral"
    TO_PSYCH_ED = "to_psych_ed"
    TO_WARD = "to_ward"
    TREATED_LEFT_HOME = "treated_left_home"
    LEFT_HOME_ADVICE = "left_home_advice"
    HANDED_OVER_TEAM = "handed_over_team"
    REFERRED = "referred"
    DECLINED = "declined"
    NOT_FOUND = "not_found"
    DECEASED = "deceased"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def group(self) -> OutcomeGroup:
        return OUTCOME_GROUPS[self]

    @property
    def needs_destination(self) -> bool:
        """True when a destination must be given (which emergency department)."""
        return self is OutcomeCode.TRANSPORTED_ED


OUTCOME_LABELS: dict[OutcomeCode, str] = {
    OutcomeCode.TRANSPORTED_ED: "Transporterad till akutmottagning",
    OutcomeCode.TO_VARDCENTRAL: "Transporterad till vårdcentral",
    OutcomeCode.TO_PSYCH_ED: "Transporterad till psykiatrisk akutmottagning",
    OutcomeCode.TO_WARD: "Transporterad direkt till avdelning",
    OutcomeCode.TREATED_LEFT_HOME: "Behandlad på plats, lämnad hemma",
    OutcomeCode.LEFT_HOME_ADVICE: "Lämnad hemma med råd/egenvård",
    OutcomeCode.HANDED_OVER_TEAM: "Överlämnad till mobilt team/ASIH",
    OutcomeCode.REFERRED: "Hänvisad till 1177/bokad på vårdcentral",
    OutcomeCode.DECLINED: "Patienten avböjde",
    OutcomeCode.NOT_FOUND: "Patienten ej anträffad",
    OutcomeCode.DECEASED: "Avliden",
}

OUTCOME_GROUPS: dict[OutcomeCode, OutcomeGroup] = {
    OutcomeCode.TRANSPORTED_ED: OutcomeGroup.CONVEYED,
    OutcomeCode.TO_VARDCENTRAL: OutcomeGroup.CONVEYED,
    OutcomeCode.TO_PSYCH_ED: OutcomeGroup.CONVEYED,
    OutcomeCode.TO_WARD: OutcomeGroup.CONVEYED,
    OutcomeCode.TREATED_LEFT_HOME: OutcomeGroup.LEFT_AT_HOME,
    OutcomeCode.LEFT_HOME_ADVICE: OutcomeGroup.LEFT_AT_HOME,
    OutcomeCode.HANDED_OVER_TEAM: OutcomeGroup.LEFT_AT_HOME,
    OutcomeCode.REFERRED: OutcomeGroup.REFERRED,
    OutcomeCode.DECLINED: OutcomeGroup.OTHER,
    OutcomeCode.NOT_FOUND: OutcomeGroup.OTHER,
    OutcomeCode.DECEASED: OutcomeGroup.OTHER,
}


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
