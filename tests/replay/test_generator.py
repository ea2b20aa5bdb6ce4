"""The call generator's statistics against its parameters: volume, arrival pattern, places, register, complaints
and truth (real rule set, real default fleet and geography; four weeks of one seed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import numpy as np
from generator_data import calls, params, ruleset

from replay.arrivals import easter_sunday, hour_weights, local_hours, swedish_holidays
from replay.call_context import call_datetime, patient_context, true_care_need
from replay.generator import STREAMS, expected_per_hour, generate_calls, target_per_week_hour
from resources.fleet import default_fleet
from resources.geography import default_geography, in_skane


def test_easter_and_the_holidays_of_a_year() -> None:
    assert [easter_sunday(y) for y in (2021, 2024, 2025, 2026)] == [
        date(2021, 4, 4), date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5)]
    days = swedish_holidays(2021)
    assert days[date(2021, 4, 2)] == "långfredagen" and days[date(2021, 5, 13)] == "Kristi himmelsfärdsdag"
    assert days[date(2021, 6, 25)] == "midsommarafton" and days[date(2021, 11, 6)] == "alla helgons dag"
    assert len(days) == 16 and len(swedish_holidays(2021, include_eves=False)) == 13


def test_volume_is_the_poisson_target_of_the_days_generated() -> None:
    sample = calls()
    lam = expected_per_hour(params(), limit_days=28)
    for stream in STREAMS:
        n = sum(1 for c in sample if c.stream == stream)
        mu = float(lam[stream].sum())
        assert abs(n - mu) < 4 * mu ** 0.5, (stream, n, mu)
        year = params().volume.streams[stream].calls_per_year
        assert abs(mu / (year * 28 / 365) - 1) < 0.12  # January: winter factor and two holidays
    full = sum(float(v.sum()) for v in expected_per_hour(params()).values())
    assert abs(full - 192_000) < 1  # 155,000 + 37,000 in 2021
    assert abs(sum(float(v.sum()) for v in expected_per_hour(params().with_year(2026)).values())
               - 192_000 * 1.03 ** 5) < 1


def test_hour_of_day_and_day_type_shares_follow_the_targets() -> None:
    a, _ = hour_weights(params().arrivals, 2021)
    hours = local_hours(2021)
    hod = np.array([t.hour for t in hours])
    factors = np.asarray(params().arrivals.hour_of_day.factors)
    assert abs(a[(hod >= 8) & (hod < 16)].sum() - 0.39) < 0.01  # [M15]
    saturday = np.array([t.weekday() == 5 for t in hours])
    assert abs(a[saturday].sum() - 0.16) < 0.01  # [M15]; a Saturday holiday arrives like a Sunday
    sample = [c for c in calls() if c.stream == "A"]
    local = [call_datetime(c) for c in sample]
    observed = np.bincount([t.hour for t in local], minlength=24) / len(sample)
    assert np.abs(observed - factors / factors.sum()).max() < 0.007
    weekend = sum(1 for t in local if t.weekday() >= 5) / len(sample)
    lam = expected_per_hour(params(), limit_days=28)["A"]
    expected = sum(lam[i] for i, t in enumerate(hours[:len(lam)]) if t.weekday() >= 5) / lam.sum()
    assert abs(weekend - expected) < 0.015
    b = [call_datetime(c) for c in calls() if c.stream == "B"]
    office = sum(1 for t in b if t.weekday() < 5 and 8 <= t.hour < 17 and t.date() not in swedish_holidays(2021))
    assert 0.74 < office / len(b) < 0.86
    assert abs(target_per_week_hour(params()).sum() - 192_000) < 1


def test_every_call_is_well_formed_against_the_rule_set_and_skane() -> None:
    rs = ruleset()
    sample = calls()
    assert [c.call_id for c in sample] == list(range(1, len(sample) + 1))
    assert all(a.t_min <= b.t_min for a, b in zip(sample, sample[1:], strict=False))
    for c in sample:
        assert rs.has_complaint(c.complaint)
        assert in_skane(c.lat, c.lon)
        assert c.need in params().needs.classes
        assert set(c.facts) == set(c.told)
        assert 0 <= c.rng_key < 2 ** 63
        complaint = rs.complaint(c.complaint)
        assert {f"flag:{f}" for f in complaint.red_flags} <= set(c.facts)
    assert len({c.rng_key for c in sample}) == len(sample)
    codes = Counter(c.complaint for c in sample)
    assert set(codes) == {c.code for c in rs.complaints}
    child = [c for c in sample if c.complaint == "BARNF"]
    old = [c for c in sample if c.complaint in ("FEBER", "KONF", "FÖRS", "PALL")]
    assert child and all(c.age <= 12 for c in child) and all(c.age >= 70 for c in old)
    b = [c for c in sample if c.stream == "B"]
    assert 0.43 < sum(c.complaint == "TRANSP" for c in b) / len(b) < 0.51  # 47 % of stream B, none of A
    assert not any(c.complaint == "TRANSP" for c in sample if c.stream == "A")
    a = [c for c in sample if c.stream == "A"]
    assert 0.10 < sum(c.complaint == "BRÖST" for c in a) / len(a) < 0.14  # 12 % of stream A
    assert Counter(c.caller for c in sample if c.stream == "B") == {"professional": sum(c.stream == "B" for c in sample)}


def test_kommun_counts_are_proportional_to_population() -> None:
    geo = default_geography()
    sample = calls()
    counts = Counter(c.kommun for c in sample)
    total = sum(k.population for k in geo.kommuner)
    for k in geo.kommuner:
        expected = len(sample) * k.population / total
        assert abs(counts[k.name] - expected) < 5 * expected ** 0.5 + 5, (k.name, counts[k.name], expected)


def test_the_register_uses_the_fleets_team_names_and_persists_within_a_seed() -> None:
    fleet = default_fleet()
    affiliations = {u.affiliation for u in fleet.units if u.affiliation}
    sample = calls()
    enrolled = [c for c in sample if c.mobile_team]
    assert enrolled and all(c.mobile_team in affiliations and c.listed_vardcentral == c.mobile_team for c in enrolled)
    assert all(c.asih in affiliations for c in sample if c.asih)
    assert all(c.psych_team in affiliations and c.complaint in ("PSYK", "LPT") for c in sample if c.psych_team)
    by_patient: dict[int, set[tuple[str, float, float, int]]] = {}
    for c in sample:
        if c.patient_id is not None:
            by_patient.setdefault(c.patient_id, set()).add((c.kommun, c.lat, c.lon, c.age))
    assert any(len(v) == 1 for v in by_patient.values()) and all(len(v) == 1 for v in by_patient.values())
    repeat = Counter(c.patient_id for c in sample if c.patient_id is not None)
    assert max(repeat.values()) >= 2  # the same patient calls again: the register persists over the year
    public = [c for c in sample if c.patient_id is None]
    with_team = sum(1 for c in public if c.listed_vardcentral in affiliations) / len(public)
    assert 0.42 < with_team < 0.54  # 81/168 [R], less in Perstorp (no mobile team)
    share = sum(1 for c in sample if c.patient_id is not None) / len(sample)
    assert 0.15 < share < 0.23  # 36,300 register calls of 192,000
    ctx = patient_context(enrolled[0])
    assert ctx.enrolled_mobile_team == enrolled[0].mobile_team and ctx.register_known


def test_truth_follows_the_complaint_table_and_maps_to_care_needs() -> None:
    sample = calls()
    rs = ruleset()
    transp = [c for c in sample if c.complaint == "TRANSP"]
    assert Counter(c.severity for c in transp)["3"] / len(transp) > 0.9
    medv = [c for c in sample if c.complaint == "MEDV"]
    assert 0.6 < Counter(c.severity for c in medv)["1"] / len(medv) < 0.8
    for c in sample[:500]:
        need = true_care_need(rs, params().needs, c)
        if c.need == "AMB_ADVANCED":
            assert need.max_minutes == {"1": 20, "2": 60, "3": 120}.get(c.severity, need.max_minutes)
    lying = [c for c in transp if c.need == "LYING_TRANSPORT"]
    assert lying and all(c.facts["vårdbehov"] in ("ja", "nej") for c in lying)
    assert sum(c.facts["vårdbehov"] == "nej" for c in lying) / len(lying) > 0.8  # the branch that reaches N


def test_same_seed_same_calls_and_another_seed_other_calls() -> None:
    a = generate_calls(params(), 5, limit_days=2, ruleset=ruleset())
    b = generate_calls(params(), 5, limit_days=2, ruleset=ruleset())
    c = generate_calls(params(), 6, limit_days=2, ruleset=ruleset())
    assert a == b and a != c
    half = generate_calls(params(), 5, limit_days=2, ruleset=ruleset(), volume_factor=0.5)
    assert len(half) < 0.6 * len(a)


def test_call_time_is_elapsed_minutes_across_daylight_saving() -> None:
    sample = calls()[0]
    # 28 March 2021: 02:00 CET became 03:00 CEST; elapsed hour 2066 of the year is 02:00 UTC+1 = 03:00 local
    spring = replace(sample, t_min=(86 * 24 + 2) * 60.0)
    assert call_datetime(spring).hour == 3 and call_datetime(spring).utcoffset().total_seconds() == 7200
    assert call_datetime(replace(sample, t_min=0.0)).isoformat() == "2021-01-01T00:00:00+01:00"
