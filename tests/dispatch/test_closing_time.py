"""A type must be in service when its unit arrives, not only now.

Regression: at 16:59 on a weekday the mobile team was recommended although it would arrive after
17:00, when it is no longer in service."""

from __future__ import annotations

from datetime import datetime

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import closing_time, recommend
from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.palette import ResourceType, ServiceWindow, default_palette
from resources.patient_context import PatientContext
from resources.vocabulary import Capability as C
from resources.vocabulary import TransportNeed

FLEET = default_fleet()
SNAPSHOT = FleetSnapshot(states_from_fleet(FLEET))
PALETTE = default_palette()
FEVER = CareNeed(capabilities={C.NURSE_ASSESSMENT, C.POC_TESTS}, transport=TransportNeed.NONE, max_minutes=120)


def _case() -> DispatchCase:
    team = next(u for u in FLEET.of_type("MVT_VC") if u.home_kommun == "Lund").affiliation
    lund = default_geography().kommun("Lund")
    return DispatchCase(priority="2", care_need=FEVER, lat=lund.lat, lon=lund.lon, kommun="Lund",
                        context=PatientContext(age=87, enrolled_mobile_team=team))


def test_mobile_team_is_passed_over_when_it_closes_before_arrival() -> None:
    early = recommend(_case(), SNAPSHOT, datetime(2026, 11, 25, 16, 0, tzinfo=LOCAL_TZ)).parts[0]
    assert early.recommended is not None and early.recommended.type_code == "MVT_VC"
    eta = early.recommended.eta_minutes
    assert 1 < eta < 60

    late = recommend(_case(), SNAPSHOT, datetime(2026, 11, 25, 16, 59, tzinfo=LOCAL_TZ)).parts[0]
    assert late.recommended is not None and late.recommended.type_code != "MVT_VC"
    arrival = PALETTE.type(late.recommended.type_code)
    assert arrival.in_service(datetime(2026, 11, 25, 16, 59, tzinfo=LOCAL_TZ))
    mvt = next(p for p in late.passed_over if p.type_code == "MVT_VC")
    assert mvt.reason.startswith("stänger innan ankomst") and "stänger 17:00" in mvt.reason


def test_closing_time_follows_the_service_windows() -> None:
    wed = datetime(2026, 11, 25, 16, 59, tzinfo=LOCAL_TZ)
    assert closing_time(PALETTE.type("MVT_VC"), wed) == datetime(2026, 11, 25, 17, 0, tzinfo=LOCAL_TZ)
    assert closing_time(PALETTE.type("AMBULANS"), wed) is None  # round the clock
    sat = datetime(2026, 11, 28, 22, 0, tzinfo=LOCAL_TZ)  # weekend, then Sunday night into Monday 08
    evenings_and_weekends = ResourceType.model_validate({**PALETTE.type("LAKARBIL").model_dump(), "service_hours": [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "17:00", "end": "08:00"},
        {"days": ["sat", "sun"], "start": "00:00", "end": "24:00"}, {"days": ["sun"], "start": "17:00", "end": "08:00"}]})
    assert closing_time(evenings_and_weekends, sat) == datetime(2026, 11, 30, 8, 0, tzinfo=LOCAL_TZ)
    assert closing_time(PALETTE.type("LAKARBIL"), sat) is None  # round the clock (palette assumption)
    assert closing_time(PALETTE.type("PAP"), sat) == datetime(2026, 11, 29, 0, 0, tzinfo=LOCAL_TZ)


def test_round_the_clock_is_the_whole_week_of_any_windows() -> None:
    """closing_time's shortcut: a type covered every minute of the week never closes, however its windows split
    the week; one minute short of it and it is not round the clock."""
    assert PALETTE.type("AMBULANS").round_the_clock()
    assert not PALETTE.type("MVT_VC").round_the_clock()
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    halves = PALETTE.type("MVT_VC").model_copy(update={"service_hours": (
        ServiceWindow(days=days, start="12:00", end="00:00"), ServiceWindow(days=days, start="00:00", end="12:00"))})
    assert halves.round_the_clock()
    assert closing_time(halves, datetime(2026, 11, 25, 11, 59, tzinfo=LOCAL_TZ)) is None
    short = halves.model_copy(update={"service_hours": (
        ServiceWindow(days=days, start="12:00", end="23:59"), ServiceWindow(days=days, start="00:00", end="12:00"))})
    assert not short.round_the_clock()
    assert closing_time(short, datetime(2026, 11, 25, 11, 59, tzinfo=LOCAL_TZ)) == datetime(
        2026, 11, 25, 23, 59, tzinfo=LOCAL_TZ)
    assert short.hours_label() != halves.hours_label()
