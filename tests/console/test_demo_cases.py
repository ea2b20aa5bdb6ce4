"""The demo a newcomer sees: scripted calls that reach the palette's different resources through
the real engine and recommendation, with timestamps in the order things happen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from console.demo_cases import seed_demo_cases
from outcomes.recontact import find_recontact_for_case
from records.models import Assignment, Case, Outcome, Review, TriageResult
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.palette import default_palette
from resources.vocabulary import Capability
from triage_rules.loader import load_ruleset

# A Wednesday afternoon in office hours, and a Saturday night (the planned transport is then the
# one done on Friday afternoon).
WEDNESDAY = datetime(2026, 3, 11, 14, 20, tzinfo=LOCAL_TZ).astimezone(UTC)
SATURDAY_NIGHT = datetime(2026, 3, 14, 1, 10, tzinfo=LOCAL_TZ).astimezone(UTC)


def _unit_type(unit_id: str) -> str:
    return next(u.type for u in default_fleet().units if u.id == unit_id)


def test_scripted_calls_show_the_palette_with_consistent_times(factory) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_demo_cases(factory, load_ruleset(), now=WEDNESDAY)
    ids = seeded["cases"]
    with factory() as s:
        def units(key: str) -> list[str]:
            return [_unit_type(a.unit_id) for a in s.scalars(select(Assignment).where(Assignment.case_id == ids[key]))]

        def case(key: str) -> Case:
            return s.get(Case, ids[key])

        assert units("feber-mobilt-team") == ["MVT_VC"]
        assert case("feber-mobilt-team").created_at.astimezone(LOCAL_TZ).weekday() < 5
        assert units("väntat-dödsfall") == ["LAKARBIL"]
        assert case("väntat-dödsfall").created_at.astimezone(LOCAL_TZ).hour >= 18
        assert units("liggande-transport") == ["LIGGANDE"]
        # The patients' own plans (records.demo): "ring teamet" → the enrolled team; "ej HLR" → death confirmation.
        assert case("plan-ring-teamet").endpoint_code == "ANDN.2.06" and units("plan-ring-teamet") == ["MVT_VC"]
        assert case("ej-hlr-väntat-dödsfall").endpoint_code == "DÖD.3.03"
        assert units("ej-hlr-väntat-dödsfall") == ["ASIH"]
        [lifter] = units("fall-lyfthjälp")  # whoever gives lifting help at that hour
        assert Capability.LIFTING_HELP in default_palette().type(lifter).capabilities
        chest = case("bröstsmärta-prio1")
        assert (chest.status, chest.priority, chest.endpoint_code) == ("waiting", "1", "BRÖST.1.01")
        referral = case("råd-1177")
        assert referral.status == "closed" and referral.priority == "hänvisning"
        assert s.scalar(select(Outcome.code).where(Outcome.case_id == referral.id)) == "referred"

        again = case("återkontakt")
        assert again.linked_case_id == ids["buk-lämnad-hemma"]
        match = find_recontact_for_case(s, again.id, at=again.created_at)
        assert match is not None and match.hours_since >= 3  # hours, not "0 timmar sedan"
        reasons = {r.reason for r in s.scalars(select(Review))}
        assert {"override", "recontact"} <= reasons

        for cid in ids.values():  # call → triage → väntrummet → assignment → outcome, none in the future
            c = s.get(Case, cid)
            tr = s.scalar(select(TriageResult).where(TriageResult.case_id == cid))
            times = [c.created_at, tr.completed_at]
            if c.waiting_since is not None:
                times.append(c.waiting_since)
            times += [a.assigned_at for a in s.scalars(select(Assignment).where(Assignment.case_id == cid))]
            times += [o.recorded_at for o in s.scalars(select(Outcome).where(Outcome.case_id == cid))]
            assert times == sorted(times) and times[-1] <= WEDNESDAY, c.id


def test_at_night_the_planned_transport_is_yesterdays(factory) -> None:  # type: ignore[no-untyped-def]
    ids = seed_demo_cases(factory, load_ruleset(), now=SATURDAY_NIGHT)["cases"]
    with factory() as s:
        c = s.get(Case, ids["liggande-transport"])
        assert c.status == "closed"
        local = c.created_at.astimezone(LOCAL_TZ)
        assert local.weekday() < 5 and 9 <= local.hour < 16
        assert SATURDAY_NIGHT - c.created_at < timedelta(days=2)


def test_with_an_address_register_demo_calls_sit_at_register_addresses_and_a_recontact_still_links(factory) -> None:  # type: ignore[no-untyped-def]
    from records.models import Address
    from resources.geography import default_geography

    with factory() as s, s.begin():
        for k in default_geography().kommuner:
            for n in range(1, 8):
                s.add(Address(street=f"Provgatan {k.name}", number=n, letter="", postnummer="20000", postort=k.name,
                              kommunkod="1200", kommun=k.name, east=0.0, north=0.0,
                              lat=k.lat + 0.001 * n, lon=k.lon - 0.002 * n))
    ids = seed_demo_cases(factory, load_ruleset(), now=WEDNESDAY)["cases"]
    with factory() as s:
        cases = [s.get(Case, cid) for cid in ids.values()]
        for c in cases:
            assert c.position_source == "address" and c.position_accuracy_m == 15
            assert c.address.startswith(f"Provgatan {c.kommun} ")
            centre = default_geography().kommun(c.kommun)
            assert (c.lat, c.lon) != (centre.lat, centre.lon)
        again = s.get(Case, ids["återkontakt"])
        assert again.linked_case_id == ids["buk-lämnad-hemma"]
        assert again.address == s.get(Case, ids["buk-lämnad-hemma"]).address


def test_without_a_register_demo_calls_say_they_sit_at_the_kommun_centre(factory) -> None:  # type: ignore[no-untyped-def]
    ids = seed_demo_cases(factory, load_ruleset(), now=WEDNESDAY)["cases"]
    with factory() as s:
        for cid in ids.values():
            c = s.get(Case, cid)
            assert (c.position_source, c.position_accuracy_m) == ("kommun_centre", 15_000)
            assert c.position_flag == "Ersättningsposition: kommunens centrum"
