"""Endpoint and resource-type statistics with Wilson intervals, on a hand-made data set."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from outcomes_helpers import AMB, MVT, T0, add_case

from outcomes.closing import record_outcome
from outcomes.settings import OutcomeSettings
from outcomes.stats import outcome_statistics, wilson
from records.models import LaterFact


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (score interval without correction).
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(low, abs=6e-5) and hi == pytest.approx(high, abs=6e-5)


def by_hand(k: int, n: int) -> tuple[float, float]:
    """Wilson's formula written out: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z = 1.959963984540054
    p = k / n
    centre = p + z ** 2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2))
    return (centre - spread) / (1 + z ** 2 / n), (centre + spread) / (1 + z ** 2 / n)


def build(s, actor) -> None:  # type: ignore[no-untyped-def]
    """Prio 1 endpoint (ambulance): 6 left at home (2 recontacts within 72 h, 1 after), 3 to the ED, 1 declined.
    Prio 3 endpoint (mobile team): 3 advice, 1 advice then admitted, 1 deceased. Version test-2: 2 more cases."""
    at = T0
    for i, code in enumerate(["treated_left_home"] * 6 + ["transported_ed"] * 3 + ["declined"]):
        c = add_case(s, actor, created_at=at, priority="1", endpoint_code="YRSEL.1.01", units=(AMB,))
        record_outcome(s, actor, c.id, code, "AKM_LUND" if code == "transported_ed" else None, at=at)
        if i in (0, 1, 2):
            later = at + timedelta(hours=10 if i < 2 else 80)
            add_case(s, actor, created_at=later, priority=None, ruleset_version=None, linked_case_id=c.id,
                     link_reason="recontact", status="draft")
        at += timedelta(minutes=30)
    for i, code in enumerate(["left_home_advice"] * 4 + ["deceased"]):
        c = add_case(s, actor, created_at=at, priority="3", endpoint_code="YRSEL.3.01", units=(MVT,))
        record_outcome(s, actor, c.id, code, at=at)
        if i == 3:
            s.add(LaterFact(case_id=c.id, fact="inlagd", fact_date=at + timedelta(days=1), source="test",
                            imported_at=at))
        at += timedelta(minutes=30)
    for _ in range(2):
        c = add_case(s, actor, created_at=at, priority="1", endpoint_code="YRSEL.1.01", ruleset_version="test-2",
                     units=(AMB,))
        record_outcome(s, actor, c.id, "transported_ed", "AKM_MALMO", at=at)
        at += timedelta(minutes=30)
    add_case(s, actor, created_at=at, priority="2", endpoint_code="YRSEL.2.01")  # open: not counted
    s.flush()


def test_endpoint_statistics_on_a_hand_made_data_set(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        build(s, actor)
        st = outcome_statistics(s, settings=OutcomeSettings(min_cases=10))
    groups = {(g.endpoint_code, g.ruleset_version): g for g in st.endpoints}
    assert set(groups) == {("YRSEL.1.01", "test-1"), ("YRSEL.3.01", "test-1"), ("YRSEL.1.01", "test-2")}

    p1 = groups[("YRSEL.1.01", "test-1")]
    assert (p1.n, p1.priority, p1.prio1_ambulance) == (10, "1", 10)
    for rate, k in ((p1.conveyed, 3), (p1.left_at_home, 6), (p1.recontact, 2), (p1.over_triage, 6),
                    (p1.under_triage, 0)):
        assert (rate.k, rate.n) == (k, 10)
        assert rate.value == pytest.approx(k / 10)
        assert (rate.low, rate.high) == pytest.approx(by_hand(k, 10), abs=1e-12)
    assert p1.enough_cases
    assert [sig.kind for sig in p1.signals] == ["over_triage"]  # lower bound 0.31 > 0.25

    p3 = groups[("YRSEL.3.01", "test-1")]
    assert (p3.n, p3.left_at_home.k, p3.conveyed.k, p3.under_triage.k, p3.over_triage.k) == (5, 4, 0, 2, 0)
    assert (p3.under_triage.low, p3.under_triage.high) == pytest.approx(by_hand(2, 5), abs=1e-12)
    assert not p3.enough_cases and p3.signals == ()  # 2 of 5 under-triaged, but n < 10: no signal

    v2 = groups[("YRSEL.1.01", "test-2")]
    assert (v2.n, v2.conveyed.k, v2.left_at_home.k) == (2, 2, 0)

    types = {g.resource_type: g for g in st.resource_types}
    assert set(types) == {"AMBULANS", "MVT_VC"}
    assert (types["AMBULANS"].n, types["AMBULANS"].conveyed.k, types["AMBULANS"].left_at_home.k) == (12, 5, 6)
    assert (types["MVT_VC"].n, types["MVT_VC"].under_triage.k) == (5, 2)


def test_signals_appear_only_at_the_minimum_number_of_cases(sqlite_db, make_actor) -> None:
    actor = make_actor(sqlite_db)
    with sqlite_db() as s, s.begin():
        build(s, actor)
        at_five = outcome_statistics(s, settings=OutcomeSettings(min_cases=5))
        at_eleven = outcome_statistics(s, settings=OutcomeSettings(min_cases=11))
    p3 = next(g for g in at_five.endpoints if g.endpoint_code == "YRSEL.3.01")
    assert p3.enough_cases and [sig.kind for sig in p3.signals] == ["under_triage"]
    assert all(not g.signals and not g.enough_cases for g in at_eleven.endpoints)
