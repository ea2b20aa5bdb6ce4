"""The recommendation with the shipped palette and default fleet (docs/recommendation.md)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import recommend
from resources.care_need import CareNeed, CareNeedPart
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.palette import default_palette
from resources.patient_context import PatientContext
from resources.vocabulary import Capability as C
from resources.vocabulary import Priority, TransportNeed, UnitStatus

WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
WEDNESDAY_14 = datetime(2026, 11, 25, 14, 0, tzinfo=LOCAL_TZ)
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 30, tzinfo=LOCAL_TZ)
WEDNESDAY_03 = datetime(2026, 11, 25, 3, 0, tzinfo=LOCAL_TZ)
SATURDAY_22 = datetime(2026, 11, 28, 22, 0, tzinfo=LOCAL_TZ)

PALETTE = default_palette()
GEO = default_geography()
FLEET = default_fleet()
ALL_FREE = FleetSnapshot(states_from_fleet(FLEET))


def case_at(kommun: str, priority: str, need: CareNeed, context: PatientContext | None = None) -> DispatchCase:
    k = GEO.kommun(kommun)
    return DispatchCase(priority=priority, care_need=need, lat=k.lat, lon=k.lon, kommun=kommun,
                        context=context or PatientContext())


def with_states(**changes_by_type: dict) -> FleetSnapshot:
    """The default fleet with every unit of the given types changed (status etc.)."""
    states = [s.model_copy(update=changes_by_type[s.type]) if s.type in changes_by_type else s
              for s in states_from_fleet(FLEET)]
    return FleetSnapshot(states)


FEVER = CareNeed(capabilities={C.NURSE_ASSESSMENT, C.POC_TESTS}, transport=TransportNeed.NONE, max_minutes=120)


def lund_team() -> str:
    team = next(u for u in FLEET.of_type("MVT_VC") if u.home_kommun == "Lund")
    assert team.affiliation
    return team.affiliation


def test_enrolled_frail_patient_with_fever_on_a_weekday_gets_the_mobile_team():
    team = lund_team()
    case = case_at("Lund", "2", FEVER, PatientContext(age=87, enrolled_mobile_team=team, home_care=True))
    part = recommend(case, ALL_FREE, WEDNESDAY_10).parts[0]
    assert part.recommended is not None
    assert part.recommended.type_code == "MVT_VC"
    assert FLEET.by_id()[part.recommended.unit_id].affiliation == team
    assert part.recommended.in_time and not part.escalated
    # higher adequate types are alternatives, each its best unit, by level
    levels = [o.level for o in part.alternatives]
    assert levels == sorted(levels) and part.recommended.level < levels[0]
    assert "Ambulans: tillräcklig men högre nivå" in [p.text for p in part.passed_over]


def test_the_same_patient_at_22_on_a_saturday_gets_what_is_then_in_service():
    case = case_at("Lund", "2", FEVER, PatientContext(age=87, enrolled_mobile_team=lund_team()))
    local = SATURDAY_22
    part = recommend(case, ALL_FREE, local).parts[0]
    assert part.recommended is not None
    rtype = PALETTE.type(part.recommended.type_code)
    assert rtype.code != "MVT_VC" and rtype.in_service(local)
    assert not rtype.missing(FEVER.capabilities)
    mvt = next(p for p in part.passed_over if p.type_code == "MVT_VC")
    assert mvt.text == "Mobilt vårdteam (vårdcentral): utanför tjänstetid (vardagar 08–17)"
    # every lower level was passed over for a reason other than "higher level"
    assert all(p.reason != "tillräcklig men högre nivå" for p in part.passed_over if p.level < rtype.level)


def test_a_patient_not_enrolled_does_not_get_a_mobile_team():
    part = recommend(case_at("Lund", "2", FEVER), ALL_FREE, WEDNESDAY_10).parts[0]
    assert part.recommended.type_code != "MVT_VC"
    assert next(p for p in part.passed_over if p.type_code == "MVT_VC").reason == "patienten är inte inskriven"


def test_listed_vardcentral_counts_like_enrolment():
    case = case_at("Lund", "2", FEVER, PatientContext(listed_vardcentral=lund_team()))
    assert recommend(case, ALL_FREE, WEDNESDAY_10).parts[0].recommended.type_code == "MVT_VC"


def test_a_patient_needing_only_stretcher_transport_gets_liggande_sjuktransport():
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
    part = recommend(case_at("Malmö", "3", need), ALL_FREE, WEDNESDAY_10).parts[0]
    assert part.recommended.type_code == "LIGGANDE"
    assert part.recommended.unit_id.startswith("LST-")
    assert part.recommended.distance_km is not None and part.recommended.eta_minutes <= 60
    assert "AMBULANS" in [o.type_code for o in part.alternatives]


def test_an_expected_death_in_the_evening_gets_lakarbil():
    need = CareNeed(capabilities={C.DEATH_CONFIRMATION, C.CERTIFICATES}, transport=TransportNeed.NONE, max_minutes=180)
    part = recommend(case_at("Helsingborg", "3", need), ALL_FREE, WEDNESDAY_EVENING).parts[0]
    assert part.recommended.type_code == "LAKARBIL"
    reasons = {p.type_code: p.reason for p in part.passed_over}
    assert reasons["MVT_VC"].startswith("utanför tjänstetid")
    assert reasons["ASIH"] == "patienten är inte inskriven i ASIH"


def test_an_expected_death_of_an_asih_patient_gets_their_asih_team():
    need = CareNeed(capabilities={C.DEATH_CONFIRMATION, C.CERTIFICATES}, transport=TransportNeed.NONE, max_minutes=180)
    case = case_at("Helsingborg", "3", need, PatientContext(enrolled_asih="ASIH Helsingborg"))
    part = recommend(case, ALL_FREE, WEDNESDAY_EVENING).parts[0]
    assert part.recommended.type_code == "ASIH"
    assert FLEET.by_id()[part.recommended.unit_id].affiliation == "ASIH Helsingborg"


CARDIAC_ARREST = CareNeed(
    capabilities={C.CPR_DEFIBRILLATION, C.AMBULANCE_TRANSPORT}, transport=TransportNeed.AMBULANCE, max_minutes=10,
    additional=(CareNeedPart(role="IVPA", capabilities={C.CPR_DEFIBRILLATION}, max_minutes=10),))


def test_a_cardiac_arrest_gets_an_ambulance_plus_raddningstjanst():
    rec = recommend(case_at("Malmö", "1", CARDIAC_ARREST), ALL_FREE, SATURDAY_22)
    assert [p.part for p in rec.parts] == ["", "IVPA"]
    assert rec.parts[0].recommended.type_code == "AMBULANS"
    assert rec.parts[1].recommended.type_code == "RTJ"
    assert rec.part("IVPA").message.startswith("IVPA: ")


def test_parts_never_share_a_unit():
    amb = CareNeedPart(capabilities={C.AMBULANCE_TRANSPORT, C.ECG}, transport=TransportNeed.AMBULANCE, max_minutes=30)
    need = CareNeed(**amb.model_dump(), additional=(
        CareNeedPart(role="Ambulans 2", capabilities={C.AMBULANCE_TRANSPORT, C.ECG}, transport=TransportNeed.AMBULANCE,
                     max_minutes=30),
        CareNeedPart(role="Läkarbil", capabilities={C.PHYSICIAN_ASSESSMENT, C.ECG}, max_minutes=30)))
    rec = recommend(case_at("Lund", "1", need), ALL_FREE, SATURDAY_22)
    units = [p.recommended.unit_id for p in rec.parts]
    assert len(set(units)) == 3
    assert [p.recommended.type_code for p in rec.parts] == ["AMBULANS", "AMBULANS", "LAKARBIL"]
    # the second ambulance is the next best, not better than the first
    assert rec.parts[1].recommended.eta_minutes >= rec.parts[0].recommended.eta_minutes


PSYCH = CareNeed(capabilities={C.PSYCHIATRIC_ASSESSMENT}, transport=TransportNeed.SEATED, max_minutes=60)


def test_a_psychiatric_emergency_gets_pap_where_it_is_in_service():
    part = recommend(case_at("Malmö", "2", PSYCH), ALL_FREE, WEDNESDAY_14).parts[0]
    assert part.recommended.type_code == "PAP"


def test_a_psychiatric_emergency_at_night_is_never_silently_nothing():
    part = recommend(case_at("Malmö", "2", PSYCH), ALL_FREE, WEDNESDAY_03).parts[0]
    assert part.recommended is None or part.recommended.type_code != "PAP"
    pap = next(p for p in part.passed_over if p.type_code == "PAP")
    assert pap.reason == "utanför tjänstetid (alla dagar 12–24)"
    assert part.recommended is not None or part.fallback is not None
    assert "Ingen resurs i paletten" in part.message and "RLS" in part.message
    assert part.fallback.missing  # says exactly what the closest resource lacks


def test_a_known_psychiatric_patient_gets_their_team_when_no_transport_is_needed():
    need = CareNeed(capabilities={C.PSYCHIATRIC_ASSESSMENT}, transport=TransportNeed.NONE, max_minutes=120)
    case = case_at("Lund", "3", need, PatientContext(known_psychiatric_team="Psykiatri Lund"))
    assert recommend(case, ALL_FREE, WEDNESDAY_10).parts[0].recommended.type_code == "PSYK_MT"


def test_lowest_type_with_no_free_unit_in_time_gives_the_next_level_with_the_reason():
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
    busy = {"status": UnitStatus.TRANSPORTING, "expected_free_at": WEDNESDAY_10 + timedelta(minutes=90)}
    part = recommend(case_at("Malmö", "3", need), with_states(LIGGANDE=busy), WEDNESDAY_10).parts[0]
    assert part.recommended.type_code == "AMBULANS" and not part.escalated
    liggande = next(p for p in part.passed_over if p.type_code == "LIGGANDE")
    assert liggande.text.startswith("Liggande sjuktransport: ingen ledig inom 60 min")


def test_nothing_adequate_in_time_escalates_explicitly():
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
    late = {"status": UnitStatus.ON_SCENE, "expected_free_at": WEDNESDAY_10 + timedelta(minutes=75)}
    later = {"status": UnitStatus.ON_SCENE, "expected_free_at": WEDNESDAY_10 + timedelta(minutes=120)}
    snap = with_states(LIGGANDE=late, AMBULANS=later)
    part = recommend(case_at("Malmö", "3", need), snap, WEDNESDAY_10).parts[0]
    assert part.escalated and part.recommended is not None
    assert not part.recommended.in_time and part.recommended.eta_minutes > 60
    assert part.recommended.free_in_minutes > 0
    assert part.message.startswith("Ingen tillräcklig resurs är ledig inom 60 min. Eskalerat till")
    # the earliest of the late types; the other is offered as a (late) alternative
    assert all(o.eta_minutes >= part.recommended.eta_minutes for o in part.alternatives)


def test_busy_units_count_from_their_expected_free_time():
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
    target = FLEET.of_type("LIGGANDE")[0]
    states = []
    for s in states_from_fleet(FLEET):
        if s.type == "LIGGANDE":
            if s.id == target.id:
                s = s.model_copy(update={"status": UnitStatus.AT_HOSPITAL, "case_id": 7,
                                         "expected_free_at": WEDNESDAY_10 + timedelta(minutes=12)})
            else:
                s = s.model_copy(update={"status": UnitStatus.OFF_DUTY})
        states.append(s)
    case = DispatchCase(priority="3", care_need=need, lat=target.lat, lon=target.lon, kommun=target.home_kommun)
    rec = recommend(case, FleetSnapshot(states), WEDNESDAY_10).parts[0].recommended
    assert rec.unit_id == target.id and rec.current_case_id == 7
    assert rec.free_in_minutes == pytest.approx(12.0)
    assert rec.eta_minutes == pytest.approx(12.0 + PALETTE.type("LIGGANDE").speed.mobilisation_minutes, abs=0.1)


def test_stale_units_rank_after_fresh_ones():
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=120)
    first = recommend(case_at("Malmö", "3", need), ALL_FREE, WEDNESDAY_10).parts[0].recommended
    states = [s.model_copy(update={"stale": True}) if s.id == first.unit_id else s for s in states_from_fleet(FLEET)]
    second = recommend(case_at("Malmö", "3", need), FleetSnapshot(states), WEDNESDAY_10).parts[0].recommended
    assert second.unit_id != first.unit_id and not second.stale


def test_hospital_team_serves_its_own_delregion_only():
    need = CareNeed(capabilities={C.IV_MEDICATION, C.ULTRASOUND}, transport=TransportNeed.NONE, max_minutes=240)
    part = recommend(case_at("Ystad", "2", need), ALL_FREE, WEDNESDAY_10).parts[0]
    assert part.recommended.type_code == "MT_SJH"
    assert GEO.delregion_of(FLEET.by_id()[part.recommended.unit_id].home_kommun) == "Sydost"


def test_referral_goes_to_a_remote_type_with_no_unit():
    need = CareNeed(capabilities={C.PHONE_ADVICE}, transport=TransportNeed.NONE)
    part = recommend(case_at("Lund", "hänvisning", need), ALL_FREE, SATURDAY_22).parts[0]
    assert part.recommended.type_code == "EGENVARD"
    assert part.recommended.unit_id is None and part.recommended.eta_minutes == 0


def test_coverage_is_flagged_when_the_last_free_ambulance_of_a_delregion_is_taken():
    sydost = [u for u in FLEET.of_type("AMBULANS") if GEO.delregion_of(u.home_kommun) == "Sydost"]
    keep = sydost[0]
    states = [s.model_copy(update={"status": UnitStatus.EN_ROUTE}) if s.id in {u.id for u in sydost[1:]} else s
              for s in states_from_fleet(FLEET)]
    case = DispatchCase(priority="1", care_need=CARDIAC_ARREST, lat=keep.lat, lon=keep.lon, kommun=keep.home_kommun)
    rec = recommend(case, FleetSnapshot(states), WEDNESDAY_10)
    assert rec.parts[0].recommended.unit_id == keep.id
    assert rec.parts[0].coverage_warning and "Sydost" in rec.parts[0].coverage_warning
    assert rec.coverage_warnings == [rec.parts[0].coverage_warning]
    # with everyone free there is no warning
    assert recommend(case, ALL_FREE, WEDNESDAY_10).coverage_warnings == []


def test_excluded_units_are_not_recommended():
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=120)
    first = recommend(case_at("Malmö", "3", need), ALL_FREE, WEDNESDAY_10).parts[0].recommended
    again = recommend(case_at("Malmö", "3", need), ALL_FREE, WEDNESDAY_10, exclude={first.unit_id})
    assert again.parts[0].recommended.unit_id != first.unit_id


def test_ranking_is_deterministic_and_independent_of_fleet_order():
    case = case_at("Eslöv", "1", CARDIAC_ARREST)
    one = recommend(case, ALL_FREE, SATURDAY_22).model_dump_json()
    shuffled = states_from_fleet(FLEET)
    random.Random(4).shuffle(shuffled)
    assert recommend(case, ALL_FREE, SATURDAY_22).model_dump_json() == one
    assert recommend(case, FleetSnapshot(shuffled), SATURDAY_22).model_dump_json() == one


def test_ties_go_to_the_lowest_unit_id():
    base = FLEET.of_type("LIGGANDE")[0]
    twins = [s.model_copy(update={"id": uid}) for uid in ("LST-Z", "LST-A")
             for s in states_from_fleet(FLEET) if s.id == base.id]
    others = [s for s in states_from_fleet(FLEET) if s.type != "LIGGANDE"]
    need = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
    case = DispatchCase(priority="3", care_need=need, lat=55.6, lon=13.0, kommun="Malmö")
    assert recommend(case, FleetSnapshot(others + twins), WEDNESDAY_10).parts[0].recommended.unit_id == "LST-A"


def test_naive_times_are_swedish_local_time():
    case = case_at("Lund", "2", FEVER, PatientContext(enrolled_mobile_team=lund_team()))
    naive = recommend(case, ALL_FREE, datetime(2026, 11, 25, 16, 30))
    utc = recommend(case, ALL_FREE, datetime(2026, 11, 25, 15, 30, tzinfo=UTC))  # 16:30 in Sweden (CET)
    assert naive.parts[0].recommended.type_code == "MVT_VC" == utc.parts[0].recommended.type_code


def test_output_is_json():
    rec = recommend(case_at("Malmö", "1", CARDIAC_ARREST), ALL_FREE, WEDNESDAY_10)
    data = json.loads(rec.model_dump_json())
    assert data["parts"][0]["recommended"]["type_code"] == "AMBULANS"
    assert data["palette_version"] == PALETTE.version


def test_unknown_kommun_is_refused_in_swedish():
    case = DispatchCase(priority="2", care_need=FEVER, lat=55.6, lon=13.0, kommun="Köpenhamn")
    with pytest.raises(ValueError, match="okänd kommun 'Köpenhamn'"):
        recommend(case, ALL_FREE, WEDNESDAY_10)


def test_a_position_outside_skane_is_refused():
    with pytest.raises(ValueError, match="utanför Skåne"):
        DispatchCase(priority="2", care_need=FEVER, lat=59.3, lon=18.0, kommun="Malmö")


def test_priority_filters_types():
    # Prio 1 may not go to types that do not take Prio 1, even if they have the capabilities
    need = CareNeed(capabilities={C.NURSE_ASSESSMENT}, transport=TransportNeed.NONE, max_minutes=60)
    part = recommend(case_at("Lund", Priority.P1, need, PatientContext(enrolled_mobile_team=lund_team())),
                     ALL_FREE, WEDNESDAY_10).parts[0]
    assert "1" in {p.value for p in PALETTE.type(part.recommended.type_code).priorities}
    assert next(p for p in part.passed_over if p.type_code == "MVT_VC").reason == "tar inte Prio 1"
