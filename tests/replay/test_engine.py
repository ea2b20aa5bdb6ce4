"""The replay engine on two simulated days of generated calls: conservation, determinism, the variants' palettes,
hänvisning, service hours, coverage gaps."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from engine_data import calls, result, triage

from replay.engine import run_variant
from replay.model import VariantResult
from replay.variants import load_variant
from resources.clock import LOCAL_TZ
from resources.geography import DELREGIONER

REFERRAL = {"EGENVARD", "R1177", "BOKNING_VC"}


@pytest.mark.parametrize("code", ["V0", "V1", "V2", "V3"])
def test_one_outcome_per_call_and_no_unit_on_two_jobs(code: str) -> None:
    res = result(code)
    assert [o.call_id for o in res.outcomes] == [c.call_id for c in calls()]
    assert all(o.variant == code for o in res.outcomes)
    by_unit = defaultdict(list)
    for m in res.missions:
        assert m.alerted_min <= m.on_scene_min <= m.free_min, m
        by_unit[m.unit_id].append((m.alerted_min, m.free_min))
    assert res.missions
    for unit, jobs in by_unit.items():
        jobs.sort()
        for (_, free), (alerted, _) in zip(jobs, jobs[1:], strict=False):
            assert alerted >= free, f"{unit}: larmad {alerted} innan ledig {free}"
    missions_of = defaultdict(list)
    for m in res.missions:
        missions_of[m.call_id].append(m.unit_id)
    call_time = {c.call_id: c.t_min for c in calls()}
    for o in res.outcomes:
        assert list(o.units) == missions_of.get(o.call_id, [])
        if o.units:
            assert o.dispatched_min is not None and o.dispatched_min >= call_time[o.call_id]
            assert o.response_min is not None and o.response_min > 0
            assert o.queued_min >= 0


def test_same_input_twice_gives_identical_results() -> None:
    again = run_variant(calls(), load_variant("V2"), seed=5, triage=triage())
    first = result("V2")
    assert again.outcomes == first.outcomes
    assert again.missions == first.missions
    assert again.gaps == first.gaps


def test_hanvisning_ends_the_call_without_a_unit() -> None:
    for code in ("V0", "V1", "V2"):
        res = result(code)
        referred = [o for o in res.outcomes if o.disposition in REFERRAL]
        assert referred, code
        assert all(o.units == () and o.dispatched_min is None and not o.conveyed for o in referred)
        assert {m.call_id for m in res.missions}.isdisjoint({o.call_id for o in referred})


def test_v3_never_uses_liggande_which_v2_does() -> None:
    assert any(m.unit_type == "LIGGANDE" for m in result("V2").missions)
    v3 = result("V3")
    assert not any(m.unit_type == "LIGGANDE" or m.unit_id.startswith("LST") for m in v3.missions)
    assert "LIGGANDE" not in {o.disposition for o in v3.outcomes}


def test_v0_palette_never_offers_mobile_teams() -> None:
    v0 = load_variant("V0")
    assert not v0.palette.has("MVT_VC") and not v0.palette.has("EGENVARD")
    assert len(v0.fleet.of_type("PAP")) == 2 and len(v0.fleet.of_type("LIGGANDE")) == 2
    used = {m.unit_type for m in result("V0").missions} | {m.unit_type for m in result("V1").missions}
    assert used <= {"AMBULANS", "SINGLE_RESP", "LAKARBIL", "PAP", "RTJ", "SJUKRESA", "LIGGANDE"}
    assert {o.disposition for o in result("V0").outcomes} <= {"AMBULANS", "R1177", "LIGGANDE", "PAP"}


def test_mobile_teams_only_in_their_service_hours() -> None:
    start = datetime(calls()[0].year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    mvt = [m for m in result("V2").missions if m.unit_type == "MVT_VC"]
    for m in mvt:
        local = (start + timedelta(minutes=m.alerted_min)).astimezone(LOCAL_TZ)
        assert local.weekday() < 5 and 8 <= local.hour < 17, (m, local)


def test_v1_sends_an_ambulance_where_todays_palette_has_no_adequate_type() -> None:
    v1 = result("V1")
    absent = [o for o in v1.outcomes if o.no_adequate_type and o.priority != "hänvisning"]
    assert all(o.disposition == "AMBULANS" for o in absent)
    assert all(o.disposition == "R1177" for o in v1.outcomes if o.no_adequate_type and o.priority == "hänvisning")


def _gaps_well_formed(res: VariantResult) -> None:
    by_region = defaultdict(list)
    for g in res.gaps:
        assert g.delregion in DELREGIONER and g.start_min < g.end_min
        by_region[g.delregion].append((g.start_min, g.end_min))
    for spans in by_region.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_coverage_gaps_are_disjoint_spans_per_delregion() -> None:
    for code in ("V0", "V2"):
        _gaps_well_formed(result(code))


def test_common_random_numbers_a_call_draws_the_same_in_every_variant() -> None:
    """The same call sent an ambulance in V2 and V3 is conveyed (or left at home) in both, to the same ED."""
    v2 = {o.call_id: o for o in result("V2").outcomes}
    both = [(v2[o.call_id], o) for o in result("V3").outcomes
            if o.disposition == "AMBULANS" and v2[o.call_id].disposition == "AMBULANS"
            and o.priority == v2[o.call_id].priority]
    assert len(both) > 100
    assert all(a.conveyed == b.conveyed for a, b in both)
    assert sum(a.conveyed for a, _ in both) not in (0, len(both))


def test_triage_in_two_processes_gives_the_same_list(monkeypatch: pytest.MonkeyPatch) -> None:
    import replay.call_triage as ct

    monkeypatch.setattr(ct, "_CHUNK", 200)
    sample = calls()[:600]
    assert ct.product_triage(sample, workers=2) == list(triage()[:600])
