"""Which resource a proposed care need would get, asked of the real recommendation (dispatch.recommend).

A rule proposal that points an endpoint's care need elsewhere names what the dispatcher would then be
offered. That depends on the hour (service hours), on which patients a type may serve and on transport, so
the proposal does not guess: it runs `dispatch.recommend` for the new care need at every hour of a reference
week, for a plain patient (listed at the local vårdcentral, as nearly everyone is) in a reference kommun, on
the default fleet with every unit free, and groups the hours by first choice: "Mobilt vårdteam (vårdcentral)
vardagar 08–17; Läkarbil (Falck) vardagar 17–08, helger dygnet runt".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, default_snapshot
from dispatch.recommend import recommend
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from resources.week_hours import hours_minutes, week_label
from triage_rules.schema import CareNeedSpec

REFERENCE_KOMMUN = "Lund"
REFERENCE_WEEK = datetime(2026, 11, 23, tzinfo=LOCAL_TZ)  # a Monday, no change of summer time in the week
NO_RESOURCE = "ingen resurs"


class TargetHours(BaseModel):
    """The first choice for the hours of the week it is first choice (type_code None: nothing adequate)."""

    model_config = ConfigDict(frozen=True)

    type_code: str | None
    type_name: str
    level: int | None
    hours: list[int]  # hours of the week, 0 = Monday 00–01
    label: str  # the hours as said, "vardagar 08–17"


def plain_patient(kommun: str) -> PatientContext:
    """A patient listed at the vårdcentral of `kommun` (its mobile team in the default fleet), nothing else."""
    team = next((u.affiliation for u in default_fleet().of_type("MVT_VC") if u.home_kommun == kommun), None)
    return PatientContext(listed_vardcentral=team)


def first_choices(care_need: dict[str, Any], priority: str, *, max_minutes: int | None = None,
                  kommun: str = REFERENCE_KOMMUN, snapshot: FleetSnapshot | None = None) -> list[TargetHours]:
    """The recommendation's first choice for the care need (as written in a rule file) at each hour of the
    reference week, grouped by resource type, lowest level first (nothing adequate last)."""
    place = default_geography().kommun(kommun)
    case = DispatchCase(priority=Priority(priority), care_need=CareNeedSpec.model_validate(care_need).to_care_need(
        max_minutes), lat=place.lat, lon=place.lon, kommun=kommun, context=plain_patient(kommun))
    snap = snapshot or default_snapshot()
    by_type: dict[str | None, tuple[str, int | None, list[int]]] = {}
    for hour in range(7 * 24):
        rec = recommend(case, snap, REFERENCE_WEEK + timedelta(hours=hour)).parts[0].recommended
        key = rec.type_code if rec else None
        entry = by_type.setdefault(key, (rec.type_name if rec else NO_RESOURCE, rec.level if rec else None, []))
        entry[2].append(hour)
    ordered = sorted(by_type.items(), key=lambda kv: (kv[1][1] is None, kv[1][1] or 0))
    return [TargetHours(type_code=code, type_name=name, level=level, hours=hours, label=week_label(hours_minutes(hours)))
            for code, (name, level, hours) in ordered]


def describe_targets(targets: list[dict[str, Any]]) -> str:
    """ "Mobilt vårdteam (vårdcentral) vardagar 08–17; Läkarbil (Falck) vardagar 17–08, helger dygnet runt"."""
    return "; ".join(f"{t['type_name']} {t['label']}" for t in targets)
