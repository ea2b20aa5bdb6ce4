"""The shared vocabulary that triage, dispatch and the console speak.

Codes are English identifiers (stable in files and the database); every value
has a Swedish label for the UI.  Triage produces a `CareNeed` in these terms and
the recommendation matches it against the palette's capabilities, so both sides
must use this module and nothing else (see docs/care-need.md).
"""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """What a resource can do for a patient (the palette's capability vocabulary)."""

    ECG = "ecg"
    IV_MEDICATION = "iv_medication"
    IV_FLUIDS = "iv_fluids"
    TRANSFUSION = "transfusion"
    ULTRASOUND = "ultrasound"
    OXYGEN = "oxygen"
    POC_TESTS = "poc_tests"
    CERTIFICATES = "certificates"
    DEATH_CONFIRMATION = "death_confirmation"
    CPR_DEFIBRILLATION = "cpr_defibrillation"
    LPT_ASSESSMENT = "lpt_assessment"
    PSYCHIATRIC_ASSESSMENT = "psychiatric_assessment"
    PALLIATIVE_CARE = "palliative_care"
    LIFTING_HELP = "lifting_help"
    DOOR_FORCING = "door_forcing"
    STRETCHER_TRANSPORT = "stretcher_transport"
    SEATED_TRANSPORT = "seated_transport"
    AMBULANCE_TRANSPORT = "ambulance_transport"
    PHONE_ADVICE = "phone_advice"
    BOOKING = "booking"
    # Extensions beyond the list, used by the rule set.
    NURSE_ASSESSMENT = "nurse_assessment"
    PHYSICIAN_ASSESSMENT = "physician_assessment"
    ADVANCED_AIRWAY = "advanced_airway"
    INHALATION = "inhalation"
    WOUND_CARE = "wound_care"
    CATHETER_CARE = "catheter_care"
    BLADDER_SCAN = "bladder_scan"
    SAMPLING = "sampling"
    TECHNICAL_RESCUE = "technical_rescue"
    PEDIATRIC_CARE = "pediatric_care"

    @property
    def label(self) -> str:
        return CAPABILITY_LABELS[self]


CAPABILITY_LABELS: dict[Capability, str] = {
    Capability.ECG: "EKG",
    Capability.IV_MEDICATION: "IV-läkemedel",
    Capability.IV_FLUIDS: "IV-vätska",
    Capability.TRANSFUSION: "Blodtransfusion",
    Capability.ULTRASOUND: "Ultraljud",
    Capability.OXYGEN: "Syrgas",
    Capability.POC_TESTS: "Patientnära analys (CRP, urinsticka)",
    Capability.CERTIFICATES: "Intyg (vårdintyg, dödsbevis)",
    Capability.DEATH_CONFIRMATION: "Konstaterande av dödsfall",
    Capability.CPR_DEFIBRILLATION: "HLR/defibrillering",
    Capability.LPT_ASSESSMENT: "LPT-bedömning",
    Capability.PSYCHIATRIC_ASSESSMENT: "Psykiatrisk bedömning",
    Capability.PALLIATIVE_CARE: "Palliativ vård",
    Capability.LIFTING_HELP: "Lyfthjälp",
    Capability.DOOR_FORCING: "Dörrforcering",
    Capability.STRETCHER_TRANSPORT: "Bårtransport",
    Capability.SEATED_TRANSPORT: "Sittande transport",
    Capability.AMBULANCE_TRANSPORT: "Ambulanstransport",
    Capability.PHONE_ADVICE: "Telefonrådgivning",
    Capability.BOOKING: "Bokning",
    Capability.NURSE_ASSESSMENT: "Sjuksköterskebedömning",
    Capability.PHYSICIAN_ASSESSMENT: "Läkarbedömning på plats",
    Capability.ADVANCED_AIRWAY: "Avancerad luftvägshantering",
    Capability.INHALATION: "Inhalation",
    Capability.WOUND_CARE: "Sårvård",
    Capability.CATHETER_CARE: "KAD-byte/kateterskötsel",
    Capability.BLADDER_SCAN: "Bladderscan",
    Capability.SAMPLING: "Provtagning",
    Capability.TECHNICAL_RESCUE: "Teknisk räddning/terräng",
    Capability.PEDIATRIC_CARE: "Vård av barn",
}


class TransportNeed(StrEnum):
    """How the patient must travel, if at all. Ordered from least to most demanding."""

    NONE = "none"
    SEATED = "seated"
    LYING = "lying"
    AMBULANCE = "ambulance"

    @property
    def rank(self) -> int:
        return _TRANSPORT_ORDER.index(self)

    @property
    def label(self) -> str:
        return {
            TransportNeed.NONE: "Ingen transport",
            TransportNeed.SEATED: "Sittande transport",
            TransportNeed.LYING: "Liggande transport",
            TransportNeed.AMBULANCE: "Ambulanstransport",
        }[self]


_TRANSPORT_ORDER = [TransportNeed.NONE, TransportNeed.SEATED, TransportNeed.LYING, TransportNeed.AMBULANCE]


class Priority(StrEnum):
    """Triage priority. `REFERRAL` (hänvisning) is advice or referral without a unit."""

    P1 = "1"
    P2 = "2"
    P3 = "3"
    REFERRAL = "hänvisning"

    @property
    def urgency(self) -> int:
        """Higher is more urgent: hänvisning 0, Prio 3 1, Prio 2 2, Prio 1 3."""
        return _PRIORITY_ORDER.index(self)

    def raised(self, steps: int = 1) -> Priority:
        """This priority raised by `steps` levels, capped at Prio 1."""
        return _PRIORITY_ORDER[min(len(_PRIORITY_ORDER) - 1, self.urgency + steps)]

    @staticmethod
    def most_urgent(*priorities: Priority) -> Priority:
        return max(priorities, key=lambda p: p.urgency)

    @property
    def label(self) -> str:
        return "Hänvisning" if self is Priority.REFERRAL else f"Prio {self.value}"


_PRIORITY_ORDER = [Priority.REFERRAL, Priority.P3, Priority.P2, Priority.P1]


class UnitStatus(StrEnum):
    """A unit's status as dispatchers say it (see docs/feed-protocol.md)."""

    AVAILABLE_AT_STATION = "ledig_station"
    AVAILABLE_OUT = "ledig_ute"
    ALERTED = "larmad"
    EN_ROUTE = "framkorning"
    ON_SCENE = "pa_plats"
    TRANSPORTING = "transport"
    AT_HOSPITAL = "vid_sjukhus"
    OFF_DUTY = "ej_i_tjanst"

    @property
    def is_available(self) -> bool:
        return self in (UnitStatus.AVAILABLE_AT_STATION, UnitStatus.AVAILABLE_OUT)

    @property
    def label(self) -> str:
        return UNIT_STATUS_LABELS[self]


UNIT_STATUS_LABELS: dict[UnitStatus, str] = {
    UnitStatus.AVAILABLE_AT_STATION: "Ledig på station",
    UnitStatus.AVAILABLE_OUT: "Ledig ute",
    UnitStatus.ALERTED: "Larmad",
    UnitStatus.EN_ROUTE: "Framkörning",
    UnitStatus.ON_SCENE: "På plats",
    UnitStatus.TRANSPORTING: "Transport",
    UnitStatus.AT_HOSPITAL: "Vid sjukhus",
    UnitStatus.OFF_DUTY: "Ej i tjänst",
}


class Role(StrEnum):
    NURSE = "nurse"
    DISPATCHER = "dispatcher"
    PHYSICIAN = "physician"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Role.NURSE: "Sjuksköterska",
            Role.DISPATCHER: "Dirigent (undersköterska)",
            Role.PHYSICIAN: "RLS-läkare",
            Role.ADMIN: "Administratör",
        }[self]


# The documented outcome code list (docs/outcomes.md): what happened to the patient. Stable English
# identifiers stored in the database; Swedish labels for the UI (outcomes.codes re-exports these).
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
