from __future__ import annotations

import itertools

import pytest

from dispatch.status import TRANSITIONS, IllegalTransition, check_transition, graph_table, is_legal
from resources.vocabulary import UnitStatus as S

CYCLE = [S.AVAILABLE_AT_STATION, S.ALERTED, S.EN_ROUTE, S.ON_SCENE, S.TRANSPORTING, S.AT_HOSPITAL, S.AVAILABLE_OUT,
         S.ALERTED]


def test_the_normal_cycle_is_legal():
    for old, new in itertools.pairwise(CYCLE):
        check_transition(old, new)


@pytest.mark.parametrize(("old", "new"), [
    (S.ON_SCENE, S.AVAILABLE_OUT),  # left at home
    (S.ALERTED, S.AVAILABLE_AT_STATION),  # alarm cancelled / recalled
    (S.EN_ROUTE, S.AVAILABLE_OUT),  # recalled on the way
    (S.EN_ROUTE, S.ALERTED),  # redirected to another case
    (S.AT_HOSPITAL, S.ALERTED),  # new case straight from hospital
    (S.AVAILABLE_OUT, S.OFF_DUTY),
    (S.AVAILABLE_AT_STATION, S.OFF_DUTY),
    (S.OFF_DUTY, S.AVAILABLE_AT_STATION),
])
def test_legal_shortcuts(old, new):
    check_transition(old, new)


@pytest.mark.parametrize(("old", "new", "why"), [
    (S.TRANSPORTING, S.ALERTED, "transporterar en patient"),
    (S.EN_ROUTE, S.OFF_DUTY, "bara gå ur tjänst när den är ledig"),
    (S.AVAILABLE_AT_STATION, S.ON_SCENE, "måste larmas"),
    (S.OFF_DUTY, S.ALERTED, "inte i tjänst"),
    (S.ALERTED, S.AT_HOSPITAL, "transportera patienten först"),
    (S.AT_HOSPITAL, S.TRANSPORTING, "från Vid sjukhus är bara"),
])
def test_illegal_transitions_are_refused_with_a_swedish_reason(old, new, why):
    with pytest.raises(IllegalTransition, match=why) as err:
        check_transition(old, new)
    assert err.value.old is old and err.value.new is new
    assert str(err.value).startswith(f"Otillåten statusändring {old.label} → {new.label}")


def test_every_free_status_may_go_off_duty_and_only_free_ones():
    for s in S:
        assert is_legal(s, S.OFF_DUTY) == (s.is_available or s is S.OFF_DUTY)


def test_graph_covers_every_status_and_repeats_are_allowed():
    assert set(TRANSITIONS) == set(S)
    assert [row[0] for row in graph_table()] == [s.value for s in S]
    for s in S:
        check_transition(s, s)
    check_transition("framkorning", "pa_plats")  # plain codes as from a feed
