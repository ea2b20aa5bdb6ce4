"""A synthetic call as the product sees it: its local time, the patient context the register gives triage and
dispatch, and the true care need (the product's CareNeed) its need class stands for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from replay.arrivals import year_start
from replay.model import SyntheticCall
from replay.params import NeedParams
from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.patient_context import PatientContext
from triage_rules.schema import RuleSet

_STARTS: dict[int, datetime] = {}


def call_datetime(call: SyntheticCall, minutes: float = 0.0) -> datetime:
    """The call's start (plus `minutes`) as an aware Europe/Stockholm datetime; `t_min` counts real elapsed minutes
    from 1 January 00:00 local time of the call's year."""
    start = _STARTS.get(call.year)
    if start is None:
        start = _STARTS.setdefault(call.year, year_start(call.year).astimezone(UTC))
    return (start + timedelta(minutes=call.t_min + minutes)).astimezone(LOCAL_TZ)


def patient_context(call: SyntheticCall) -> PatientContext:
    """What the patient register says about the caller's patient (always consulted: `register_known`)."""
    return PatientContext(
        age=call.age, enrolled_mobile_team=call.mobile_team, enrolled_asih=call.asih, lives_in_saebo=call.saebo,
        home_care=call.home_care, listed_vardcentral=call.listed_vardcentral,
        known_psychiatric_team=call.psych_team, register_known=True,
    )


def true_care_need(ruleset: RuleSet, needs: NeedParams, call: SyntheticCall) -> CareNeed:
    """The call's true need class as the product's CareNeed: the rule set's template for the class (at the call's
    severity), with the severity's time limit for the ambulance classes."""
    cls = needs.classes[call.need]
    spec = ruleset.care_needs[cls.template(call.severity)]
    limit = needs.severity_minutes.values.get(call.severity) if cls.severity_limits else None
    return spec.to_care_need(limit)
