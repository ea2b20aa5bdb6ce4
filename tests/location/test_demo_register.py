"""The demo's generated register (issue 17): fictitious, the same for the same seed, the requested size, every
point in Skåne, every kommun with addresses in proportion to its population, rows the import would accept."""

from __future__ import annotations

import inspect
import re
from collections import Counter

import pytest

from resources.geography import default_geography, in_skane
from resources.location.address_text import fold
from resources.location.demo_register import FICTITIOUS_SOURCE, POSTNUMMER_PREFIX, generate_demo_register
from resources.location.model import AddressRow, PlaceRow


@pytest.fixture(scope="module")
def register() -> tuple[list[AddressRow], list[PlaceRow]]:
    return generate_demo_register(count=30_000, seed=9)


def test_the_same_seed_gives_the_same_register(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    assert generate_demo_register(count=30_000, seed=9) == register
    other, _ = generate_demo_register(count=30_000, seed=10)
    assert other != register[0]


@pytest.mark.parametrize("count", [0, 1, 33, 1_000, 12_345])
def test_exactly_the_requested_number_of_addresses(count: int) -> None:
    addresses, _ = generate_demo_register(count=count, seed=1)
    assert len(addresses) == count


def test_sized_like_a_real_register_by_default() -> None:
    assert inspect.signature(generate_demo_register).parameters["count"].default >= 500_000


def test_it_says_it_is_fictitious() -> None:
    assert "Fiktivt" in FICTITIOUS_SOURCE and "inga verkliga adresser" in FICTITIOUS_SOURCE


def test_every_point_lies_in_skane(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, places = register
    assert all(in_skane(a.lat, a.lon) for a in addresses)
    assert all(in_skane(p.lat, p.lon) for p in places)


def test_every_kommun_gets_addresses_in_proportion_to_its_population(
        register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, _ = register
    geography = default_geography()
    counts = Counter(a.kommun for a in addresses)
    assert set(counts) == {k.name for k in geography.kommuner}
    total = sum(k.population for k in geography.kommuner)
    for k in geography.kommuner:
        assert counts[k.name] == pytest.approx(len(addresses) * k.population / total, rel=0.005, abs=2), k.name
    assert Counter(a.kommun for a in generate_demo_register(count=33, seed=2)[0]) == {k.name: 1 for k in
                                                                                     geography.kommuner}


def test_addresses_lie_around_their_kommun_s_centre(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, _ = register
    geography = default_geography()
    for a in addresses[::50]:
        k = geography.kommun(a.kommun)
        assert abs(a.lat - k.lat) < 0.25 and abs(a.lon - k.lon) < 0.4, a


def test_rows_are_what_the_import_accepts(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, places = register
    keys = [(a.kommun, a.postort, a.street, a.number, a.letter) for a in addresses]
    assert len(set(keys)) == len(keys)  # no address twice
    place_keys = [(p.name, p.kind, p.kommun) for p in places]
    assert len(set(place_keys)) == len(place_keys)
    for a in addresses:
        assert re.fullmatch(r"[2-9]\d\d \d\d", a.postnummer), a
        assert a.number is not None and 1 <= a.number <= 99_999 and a.letter in ("", "A", "B", "C"), a
        assert 0 < len(a.street) <= 128 and 0 < len(a.postort) <= 64
    for p in places:
        assert 0 < len(p.name) <= 128 and re.fullmatch(r"[a-zåäö ]{1,32}", p.kind)


def test_postnummer_follow_the_kommun(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, _ = register
    for a in addresses:
        assert int(a.postnummer[:3]) in POSTNUMMER_PREFIX[a.kommun], a
    # Towns in the teens to the fifties, villages 9x (as rural postnummer).
    towns = {p.name for p in register[1] if p.kind == "tätort"}
    assert all(int(a.postnummer[4:]) >= 90 for a in addresses if a.postort not in towns)
    assert all(int(a.postnummer[4:]) < 90 for a in addresses if a.postort in towns)


def test_streets_are_lines_of_numbers_with_some_letters(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, _ = register
    streets: dict[tuple[str, str], list[AddressRow]] = {}
    for a in addresses:
        streets.setdefault((a.street, a.postort), []).append(a)
    assert len(streets) > len(addresses) / 60  # many streets, not a few huge ones
    lettered = sum(1 for a in addresses if a.letter)
    assert 0.02 < lettered / len(addresses) < 0.2
    town_street = next(rows for (name, postort), rows in streets.items()
                       if postort == "Lund" and len(rows) > 10 and all(r.number < 100 for r in rows))
    assert min(r.number for r in town_street if r.number is not None) == 1
    # Farms under a village's name are numbered in the hundreds.
    assert any(a.street == a.postort and a.number is not None and a.number >= 100 for a in addresses)


def test_street_names_need_swedish_letters_and_repeat_across_towns(
        register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    addresses, _ = register
    names = {a.street for a in addresses}
    with_letters = [n for n in names if fold(n) != n.casefold()]
    assert len(with_letters) > len(names) / 5
    towns_with = Counter(name for name, _ in {(a.street, a.postort) for a in addresses})
    assert towns_with["Storgatan"] > 20  # a name the chosen kommun must tell apart


def test_places_the_towns_villages_and_landmarks(register: tuple[list[AddressRow], list[PlaceRow]]) -> None:
    _, places = register
    geography = default_geography()
    towns = {p.kommun: p for p in places if p.kind == "tätort"}
    assert set(towns) == {k.name for k in geography.kommuner}
    for k in geography.kommuner:
        assert (towns[k.name].lat, towns[k.name].lon) == (k.lat, k.lon)
    assert towns["Ystad"].name == "Ystad" and towns["Östra Göinge"].name == "Broby"
    kinds = Counter(p.kind for p in places)
    assert kinds["småort"] >= 33 and kinds["skola"] >= 33 and kinds["station"] == 33 and kinds["badplats"] == 33
    village_names = {p.name for p in places if p.kind == "småort"}
    assert not village_names & {k.name for k in geography.kommuner}
