"""Properties over random care needs: Prio 1 never gets a resource without the required capabilities."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import recommend
from resources.care_need import CareNeed, CareNeedPart
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography, in_skane
from resources.palette import default_palette
from resources.vocabulary import Capability, Priority, TransportNeed, UnitStatus

PALETTE = default_palette()
GEO = default_geography()
SNAPSHOT = FleetSnapshot(states_from_fleet(default_fleet()))
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=LOCAL_TZ)

parts = st.builds(
    CareNeedPart,
    role=st.sampled_from(["", "IVPA", "Läkarbil"]),
    capabilities=st.frozensets(st.sampled_from(list(Capability)), max_size=4),
    transport=st.sampled_from(list(TransportNeed)),
    max_minutes=st.one_of(st.none(), st.integers(min_value=0, max_value=180)),
)


@st.composite
def cases(draw: st.DrawFn, priority: st.SearchStrategy[Priority]) -> tuple[DispatchCase, datetime]:
    primary = draw(parts)
    extra = draw(st.lists(parts, max_size=2))
    need = CareNeed(**primary.model_dump(), additional=tuple(extra))
    k = draw(st.sampled_from(GEO.kommuner))
    lat, lon = k.lat + draw(st.floats(-0.05, 0.05)), k.lon + draw(st.floats(-0.05, 0.05))
    assume(in_skane(lat, lon))  # near Helsingborg the jitter can land in Öresund / Denmark
    case = DispatchCase(priority=draw(priority), care_need=need, lat=lat, lon=lon, kommun=k.name)
    at = MONDAY + timedelta(minutes=draw(st.integers(0, 7 * 24 * 60 - 1)))
    return case, at


def adequate_type(code: str, part: CareNeedPart, priority: Priority, at: datetime) -> bool:
    t = PALETTE.type(code)
    return not t.missing(part.capabilities) and t.provides(part.transport) and priority in t.priorities \
        and t.in_service(at)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(st.just(Priority.P1)))
def test_prio_1_never_gets_a_resource_without_the_required_capabilities(drawn):
    case, at = drawn
    rec = recommend(case, SNAPSHOT, at)
    assert len(rec.parts) == len(case.care_need.parts())
    for part, need in zip(rec.parts, case.care_need.parts(), strict=True):
        for option in part.ranking():
            assert adequate_type(option.type_code, need, Priority.P1, at), option
        # never silently nothing
        assert part.recommended is not None or part.fallback is not None or "Ingen resurs" in part.message
        assert part.message


@settings(max_examples=100, deadline=None)
@given(cases(st.sampled_from(list(Priority))), st.integers(0, 2**32 - 1))
def test_every_type_is_either_ranked_or_passed_over_with_a_reason_and_parts_share_no_unit(drawn, seed):
    case, at = drawn
    rnd = random.Random(seed)
    # a random fleet state: some units busy with an expected free time, some off duty, some stale
    states = []
    for s in states_from_fleet(default_fleet()):
        roll = rnd.random()
        if roll < 0.2:
            s = s.model_copy(update={"status": UnitStatus.ON_SCENE, "expected_free_at": at + timedelta(minutes=30)})
        elif roll < 0.3:
            s = s.model_copy(update={"status": UnitStatus.OFF_DUTY})
        elif roll < 0.35:
            s = s.model_copy(update={"stale": True})
        states.append(s)
    snap = FleetSnapshot(states)
    rec = recommend(case, snap, at)
    assert rec == recommend(case, snap, at)  # deterministic
    units = [p.recommended.unit_id for p in rec.parts if p.recommended and p.recommended.unit_id]
    assert len(units) == len(set(units))
    for part in rec.parts:
        codes = [p.type_code for p in part.passed_over]
        if part.recommended:
            codes.append(part.recommended.type_code)
        assert sorted(codes) == sorted(t.code for t in PALETTE.types)
        assert all(p.reason for p in part.passed_over)
        if part.recommended and not part.escalated:
            lower = [p for p in part.passed_over if p.level < part.recommended.level]
            assert all(p.reason != "tillräcklig men högre nivå" for p in lower)
            if part.max_minutes is not None:
                assert part.recommended.eta_minutes <= part.max_minutes + 0.05
