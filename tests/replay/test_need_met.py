"""Whether a call met the patient's true care need is judged on what it got (the types that came, conveyance to an
ED, time on scene against the true limit), not on the templates' capability lists: a Prio 1 ambulance for a
patient who needed advice is over-, not under-resourced."""

from __future__ import annotations

import pytest

from replay.call_triage import replay_ruleset
from replay.need_met import need_unmet
from resources.care_need import CareNeed
from resources.palette import default_palette


@pytest.fixture(scope="module")
def need():  # type: ignore[no-untyped-def]
    rs = replay_ruleset()

    def make(template: str, minutes: int | None = None) -> CareNeed:
        return rs.care_needs[template].to_care_need(minutes)
    return make


PALETTE = default_palette()  # V2's: with direct booking
T = PALETTE.type
REMOTE = [t for t in PALETTE.types if t.kind == "remote"]
TODAY = [t for t in REMOTE if t.code != "BOKNING_VC"]  # V0's remote types: 1177's advice


def unmet(need: CareNeed, served: list, *, conveyed: bool, response_min: float | None,  # type: ignore[type-arg]
          remote: list | None = None) -> bool:  # type: ignore[type-arg]
    return need_unmet(need, served, conveyed=conveyed, response_min=response_min,
                      remote_types=REMOTE if remote is None else remote)


def test_advice_or_a_booking_is_met_by_any_contact(need) -> None:  # type: ignore[no-untyped-def]
    assert not unmet(need("EGENVÅRD"), [T("AMBULANS")], conveyed=False, response_min=9.0)
    assert not unmet(need("EGENVÅRD"), [T("R1177")], conveyed=False, response_min=None)
    assert not unmet(need("DIREKTBOKNING"), [T("BOKNING_VC")], conveyed=False, response_min=None)
    assert not unmet(need("EGENVÅRD"), [T("BOKNING_VC")], conveyed=False, response_min=None)  # a booked visit advises
    assert not unmet(need("DIREKTBOKNING"), [T("MVT_VC")], conveyed=False, response_min=50.0)  # came home to her


def test_advice_for_a_booking_is_unmet_where_the_palette_books(need) -> None:  # type: ignore[no-untyped-def]
    assert unmet(need("DIREKTBOKNING"), [T("R1177")], conveyed=False, response_min=None)
    # today's palette cannot book: the need then asks for a unit, and 1177 alone is no unit on scene
    assert unmet(need("DIREKTBOKNING"), [T("R1177")], conveyed=False, response_min=None, remote=TODAY)


def test_a_need_for_a_unit_is_unmet_by_the_phone_or_late(need) -> None:  # type: ignore[no-untyped-def]
    ambulance = need("AMBULANS_P1", 20)
    assert unmet(ambulance, [T("R1177")], conveyed=False, response_min=None)
    assert unmet(ambulance, [T("AMBULANS")], conveyed=True, response_min=25.0)  # after the true limit
    assert not unmet(ambulance, [T("AMBULANS")], conveyed=True, response_min=12.0)
    assert not unmet(ambulance, [T("AMBULANS")], conveyed=False, response_min=20.0)  # the limit itself is in time


def test_what_came_must_be_able_to_do_it_unless_the_ed_took_over(need) -> None:  # type: ignore[no-untyped-def]
    physician = need("MOBILT_TEAM_LÄKARE")
    assert unmet(physician, [T("AMBULANS")], conveyed=False, response_min=15.0)  # left at home, no physician
    assert not unmet(physician, [T("AMBULANS")], conveyed=True, response_min=15.0)  # the ED meets it
    assert not unmet(physician, [T("MT_SJH")], conveyed=False, response_min=40.0)
    lying = need("LIGGANDE_TRANSPORT")
    assert unmet(lying, [T("MVT_VC")], conveyed=False, response_min=30.0)  # no stretcher
    assert not unmet(lying, [T("LIGGANDE")], conveyed=False, response_min=30.0)


def test_more_than_needed_is_never_unmet(need) -> None:  # type: ignore[no-untyped-def]
    """The old comparison of templates counted these as under-resourced (a P1 ambulance lacks 'phone_advice')."""
    assert not unmet(need("AMBULANS_P3", 120), [T("AMBULANS"), T("LAKARBIL")], conveyed=False,
                          response_min=8.0)
    assert not unmet(need("EGENVÅRD"), [T("AMBULANS"), T("SINGLE_RESP")], conveyed=True, response_min=5.0)


def test_a_transport_below_the_need_is_unmet_even_to_the_ed(need) -> None:  # type: ignore[no-untyped-def]
    """Under-triage to a sjukresa or a lying transport that takes the patient to the ED in time."""
    assert unmet(need("AMBULANS_P3", 120), [T("SJUKRESA")], conveyed=True, response_min=30.0)
    assert unmet(need("AMBULANS_P1", 20), [T("LIGGANDE")], conveyed=True, response_min=15.0)
    assert not unmet(need("LIGGANDE_TRANSPORT"), [T("AMBULANS")], conveyed=True, response_min=30.0)


def test_a_need_with_a_time_limit_needs_a_unit_whatever_the_palette(need) -> None:  # type: ignore[no-untyped-def]
    """A booked visit at the vårdcentral covers a home team's capabilities, but not its time limit: the same call is
    judged alike in V1 (no booking) and V2."""
    for palette in (REMOTE, TODAY):
        assert unmet(need("MOBILT_TEAM_LÄKARE", 180), [T("BOKNING_VC")], conveyed=False, response_min=None,
                     remote=palette)
        assert unmet(need("MOBILT_TEAM", 120), [T("MVT_VC")], conveyed=False, response_min=600.0, remote=palette)
        assert not unmet(need("MOBILT_TEAM", 120), [T("MVT_VC")], conveyed=False, response_min=90.0, remote=palette)
