"""The patient's own plan in the recommendation (docs/recommendation.md, "The patient's plan"): the plan's team first
in its hours when it is adequate, the physician car at night, and a clear statement when the plan is followed, when
it cannot be (out of service) and when the need goes beyond it; an expired plan is never followed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import recommend
from larmcentral_cli import main as cli_main
from resources.care_need import CareNeed, CareNeedPart
from resources.care_plan import CarePlanEntry, CarePlanView, PlanItem, PlanItemKind
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.patient_context import PatientContext
from resources.vocabulary import Capability as C
from resources.vocabulary import TransportNeed, UnitStatus

FLEET = default_fleet()
GEO = default_geography()
ALL_FREE = FleetSnapshot(states_from_fleet(FLEET))
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
WEDNESDAY_18 = datetime(2026, 11, 25, 18, 0, tzinfo=LOCAL_TZ)
WEDNESDAY_22 = datetime(2026, 11, 25, 22, 0, tzinfo=LOCAL_TZ)
SATURDAY_10 = datetime(2026, 11, 28, 10, 0, tzinfo=LOCAL_TZ)
FEVER = CareNeed(capabilities={C.NURSE_ASSESSMENT, C.POC_TESTS}, transport=TransportNeed.NONE, max_minutes=120)
BREATHLESS_P1 = CareNeed(capabilities={C.OXYGEN, C.AMBULANCE_TRANSPORT}, transport=TransportNeed.AMBULANCE,
                         max_minutes=20)
WRITTEN = date(2026, 10, 1)

LUND_TEAMS = sorted({u.affiliation for u in FLEET.of_type("MVT_VC") if u.home_kommun == "Lund" and u.affiliation})
ASIH_LUND = next(u.affiliation for u in FLEET.of_type("ASIH") if u.home_kommun == "Lund")
CALL_DAYTIME = PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=time(8), hours_to=time(17))
CAR_AT_NIGHT = PlanItem(kind=PlanItemKind.PHYSICIAN_CAR, text="Läkarbil nattetid", hours_from=time(17),
                        hours_to=time(8))
NOT_HOSPITAL = PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Vill helst inte till sjukhus")


def plan(team: str, *items: PlanItem, valid_until: date = date(2027, 3, 1)) -> CarePlanEntry:
    return CarePlanEntry(team=team, author="Maja Exempel", written_on=WRITTEN, valid_until=valid_until,
                         expired=False, items=list(items), free_text="", source="test",
                         updated_at=datetime(2026, 10, 1, tzinfo=UTC))


def context(*plans: CarePlanEntry, **register: object) -> PatientContext:
    view = CarePlanView(personnummer="19121212-1212", read_for=date(2026, 11, 25), plans=list(plans))
    return PatientContext(age=84, care_plan=view, **register)  # type: ignore[arg-type]


def case(ctx: PatientContext, need: CareNeed = FEVER, priority: str = "2") -> DispatchCase:
    k = GEO.kommun("Lund")
    return DispatchCase(priority=priority, care_need=need, lat=k.lat, lon=k.lon, kommun="Lund", context=ctx)


def team_of(unit_id: str | None) -> str | None:
    return FLEET.by_id()[unit_id].affiliation if unit_id else None


def test_in_service_hours_the_plans_team_is_first_and_the_recommendation_says_it_follows_the_plan() -> None:
    # Listed at one Lund vårdcentral, the plan written by another: without the plan the listed team is first.
    listed, planned = LUND_TEAMS[0], LUND_TEAMS[1]
    plain = recommend(case(PatientContext(age=84, listed_vardcentral=listed)), ALL_FREE, WEDNESDAY_10).parts[0]
    assert plain.recommended is not None and team_of(plain.recommended.unit_id) == listed
    rec = recommend(case(context(plan(planned, CALL_DAYTIME, NOT_HOSPITAL), listed_vardcentral=listed)),
                    ALL_FREE, WEDNESDAY_10)
    first = rec.parts[0].recommended
    assert first is not None and first.type_code == "MVT_VC" and team_of(first.unit_id) == planned
    assert first.reason == "lägsta tillräckliga nivå; följer patientens plan"
    assert rec.plan is not None and rec.plan.followed is True and rec.plan.part == ""
    assert rec.plan.text == f"Följer patientens plan ({planned}, 2026-10-01): Ring teamet dagtid"
    assert rec.plan.notes == [f"Planen ({planned}): Vill helst inte till sjukhus"]
    assert rec.plan.text in rec.parts[0].message and "Vill helst inte till sjukhus" in rec.parts[0].message


def test_a_plans_team_above_the_lowest_level_is_put_first_and_the_lowest_says_why_it_was_not() -> None:
    """An ASIH patient also listed at a vårdcentral: the vårdcentral team is lower, but the plan says ring ASIH."""
    ctx = context(plan(ASIH_LUND, PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring ASIH dygnet runt")),
                  listed_vardcentral=LUND_TEAMS[0], enrolled_asih=ASIH_LUND)
    part = recommend(case(ctx), ALL_FREE, WEDNESDAY_10).parts[0]
    assert part.recommended is not None and part.recommended.type_code == "ASIH"
    assert part.recommended.reason == "följer patientens plan"
    displaced = next(o for o in part.alternatives if o.type_code == "MVT_VC")
    assert displaced.reason == "lägsta tillräckliga nivå, men patientens plan följs"


def test_a_plan_names_the_team_even_when_the_register_does_not_enrol_the_patient() -> None:
    ctx = context(plan(ASIH_LUND, PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring ASIH")))
    part = recommend(case(ctx), ALL_FREE, WEDNESDAY_22).parts[0]
    assert part.recommended is not None and team_of(part.recommended.unit_id) == ASIH_LUND


def test_out_of_the_plans_hours_the_plan_cannot_be_followed_and_says_why() -> None:
    team = LUND_TEAMS[1]
    rec = recommend(case(context(plan(team, CALL_DAYTIME), enrolled_mobile_team=team)), ALL_FREE, WEDNESDAY_22)
    assert rec.parts[0].recommended is not None and rec.parts[0].recommended.type_code != "MVT_VC"
    assert rec.plan is not None and rec.plan.followed is False
    assert rec.plan.text == f"Kan inte följa planen ({team}, 2026-10-01): teamet är utanför tjänstetid (08–17)"
    assert rec.plan.text in rec.parts[0].message


def test_within_the_plans_hours_but_the_team_is_closed_on_saturdays() -> None:
    team = LUND_TEAMS[1]
    rec = recommend(case(context(plan(team, CALL_DAYTIME), enrolled_mobile_team=team)), ALL_FREE, SATURDAY_10)
    assert rec.plan is not None and rec.plan.followed is False
    assert rec.plan.text == (f"Kan inte följa planen ({team}, 2026-10-01): teamet är utanför tjänstetid "
                             "(vardagar 08–17)")


def test_the_physician_car_at_night_is_put_first_when_adequate() -> None:
    team = LUND_TEAMS[1]
    plain = recommend(case(PatientContext(enrolled_mobile_team=team)), ALL_FREE, WEDNESDAY_18).parts[0]
    assert plain.recommended is not None and plain.recommended.type_code != "LAKARBIL"  # a lower type is open
    rec = recommend(case(context(plan(team, CALL_DAYTIME, CAR_AT_NIGHT), enrolled_mobile_team=team)), ALL_FREE,
                    WEDNESDAY_18)
    part = rec.parts[0]
    assert part.recommended is not None and part.recommended.type_code == "LAKARBIL"
    assert rec.plan is not None and rec.plan.followed is True
    assert rec.plan.text == f"Följer patientens plan ({team}, 2026-10-01): Läkarbil nattetid"
    assert next(o for o in part.alternatives if o.type_code == plain.recommended.type_code).reason == \
        "lägsta tillräckliga nivå, men patientens plan följs"


def test_a_need_beyond_the_plan_gets_what_it_needs_and_says_so() -> None:
    team = LUND_TEAMS[1]
    rec = recommend(case(context(plan(team, CALL_DAYTIME, NOT_HOSPITAL), enrolled_mobile_team=team),
                         BREATHLESS_P1, "1"), ALL_FREE, WEDNESDAY_10)
    part = rec.parts[0]
    assert part.recommended is not None and part.recommended.type_code == "AMBULANS"
    assert rec.plan is not None and rec.plan.followed is False
    assert rec.plan.text.startswith(f"Behovet går utöver planen ({team}, 2026-10-01): kräver Ambulans – teamet: ")
    assert "Vill helst inte till sjukhus" in part.message  # the plan's wish is still shown


def test_a_plan_is_never_followed_with_a_unit_that_is_not_free() -> None:
    team = LUND_TEAMS[1]
    states = [s.model_copy(update={"status": UnitStatus.ON_SCENE, "case_id": 99}) if s.affiliation == team else s
              for s in states_from_fleet(FLEET)]
    rec = recommend(case(context(plan(team, CALL_DAYTIME), enrolled_mobile_team=team)), FleetSnapshot(states),
                    WEDNESDAY_10)
    first = rec.parts[0].recommended
    assert first is not None and team_of(first.unit_id) != team
    assert rec.plan is not None and rec.plan.followed is False
    assert rec.plan.text == f"Kan inte följa planen ({team}, 2026-10-01): teamet – ingen ledig enhet"


def test_the_plan_is_followed_for_the_first_part_it_is_adequate_for() -> None:
    team = LUND_TEAMS[1]
    need = BREATHLESS_P1.model_copy(update={"additional": (CareNeedPart(role="Bedömning",
                                                                        capabilities={C.NURSE_ASSESSMENT},
                                                                        max_minutes=120),)})
    rec = recommend(case(context(plan(team, CALL_DAYTIME), enrolled_mobile_team=team), need), ALL_FREE,
                    WEDNESDAY_10)
    assert rec.parts[0].recommended is not None and rec.parts[0].recommended.type_code == "AMBULANS"
    assert team_of(rec.part("Bedömning").recommended.unit_id) == team  # type: ignore[union-attr]
    assert rec.plan is not None and rec.plan.followed is True and rec.plan.part == "Bedömning"
    assert rec.plan.text.endswith("Ring teamet dagtid – för delen Bedömning")


def test_an_expired_plan_is_ignored() -> None:
    team = LUND_TEAMS[1]
    expired = plan(team, CALL_DAYTIME, valid_until=date(2026, 11, 24))
    with_expired = recommend(case(context(expired, listed_vardcentral=LUND_TEAMS[0])), ALL_FREE, WEDNESDAY_10)
    without = recommend(case(PatientContext(age=84, listed_vardcentral=LUND_TEAMS[0])), ALL_FREE, WEDNESDAY_10)
    assert with_expired.plan is None
    assert with_expired.parts == without.parts


def test_main_py_recommend_prints_the_plans_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    team = LUND_TEAMS[1]
    data = case(context(plan(team, CALL_DAYTIME), enrolled_mobile_team=team)).model_dump(mode="json")
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli_main(["recommend", str(path), "--at", "2026-11-25T22:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["plan"]["followed"] is False
    assert out["plan"]["text"] == f"Kan inte följa planen ({team}, 2026-10-01): teamet är utanför tjänstetid (08–17)"
    assert out["plan"]["text"] in out["parts"][0]["message"]
