"""The address search as the nurse types (issue 17): ranking (the whole name before its start before a typo, the
place typed, the number, the chosen kommun), Swedish spelling variants and abbreviations, typos, place names, whole
streets, and the nearest address to a point. A small hand-made register for the rules, the generated one for
properties that must hold for any text."""

from __future__ import annotations

import math
import random

import pytest

from resources.location.address_index import AddressIndex
from resources.location.demo_register import generate_demo_register
from resources.location.model import AddressRow, PlaceRow


def _street(name: str, numbers: range | list[int], postnummer: str, postort: str, kommun: str, lat: float,
            lon: float, letters: dict[int, str] | None = None) -> list[AddressRow]:
    """A street running east, 20 m per number; `letters` splits a number into lettered entrances (12: "AB")."""
    rows = []
    for i, n in enumerate(numbers):
        for letter in (letters or {}).get(n, ""):
            rows.append(AddressRow(name, n, letter, postnummer, postort, kommun, lat, lon + i * 0.0003))
        if n not in (letters or {}):
            rows.append(AddressRow(name, n, "", postnummer, postort, kommun, lat, lon + i * 0.0003))
    return rows


ROWS = [
    *_street("Storgatan", range(1, 21), "271 39", "Ystad", "Ystad", 55.4296, 13.8204),
    *_street("Storgatan", range(1, 16), "22222", "Lund", "Lund", 55.7042, 13.1942),  # stored without the space
    *_street("Storgårdsvägen", range(1, 13), "271 41", "Ystad", "Ystad", 55.4350, 13.8300),
    *_street("Stora Östergatan", range(1, 11), "271 34", "Ystad", "Ystad", 55.4289, 13.8251),
    *_street("Östergatan", range(1, 6), "222 21", "Lund", "Lund", 55.7050, 13.2000),
    *_street("Lindvägen", range(1, 16), "224 56", "Lund", "Lund", 55.7112, 13.2103, letters={12: "AB"}),
    *_street("Kyrkogatan", range(1, 6), "211 34", "Malmö", "Malmö", 55.6056, 13.0035),
    *_street("Södra Förstadsgatan", range(1, 41), "211 43", "Malmö", "Malmö", 55.5993, 13.0004),
    *_street("Möllevångsgatan", range(1, 31), "214 20", "Malmö", "Malmö", 55.5910, 13.0080),
    *_street("Ängelholmsvägen", range(1, 9), "263 31", "Höganäs", "Höganäs", 56.2002, 12.5572),
    *_street("Kvarnbacken", [2, 4, 6, 120, 140], "273 36", "Tomelilla", "Tomelilla", 55.5441, 13.9536),
    AddressRow("Ljungarp", 1130, "", "243 92", "Ljungarp", "Höör", 55.9500, 13.5000),
    AddressRow("Ljungarp", 1150, "", "243 92", "Ljungarp", "Höör", 55.9520, 13.5050),
    AddressRow("Hagtorp", None, "", "243 93", "Hagtorp", "Höör", 55.9200, 13.5600),
    AddressRow("Åkarp", 10, "", "232 91", "Åkarp", "Burlöv", 55.6550, 13.1100),
    AddressRow("Åkarp", 20, "", "232 91", "Åkarp", "Burlöv", 55.6560, 13.1120),
    *_street("Åkarpsvägen", range(1, 41), "234 37", "Lomma", "Lomma", 55.6700, 13.0800),
]
PLACES = [
    PlaceRow("Ystad", "tätort", "Ystad", 55.4295, 13.8204),
    PlaceRow("Ängelholm", "tätort", "Ängelholm", 56.2428, 12.8622),
    PlaceRow("Ystad station", "station", "Ystad", 55.4300, 13.8250),
    PlaceRow("Ljungarp", "småort", "Höör", 55.9510, 13.5020),
    PlaceRow("Björkskolan", "skola", "Lund", 55.7100, 13.2000),
]


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex.build(ROWS, PLACES)


def labels(index: AddressIndex, text: str, kommun: str | None = None, limit: int = 8) -> list[str]:
    return [h.label for h in index.search(text, kommun=kommun, limit=limit)]


def top(index: AddressIndex, text: str, kommun: str | None = None) -> str:
    hits = labels(index, text, kommun)
    assert hits, f"no hit for {text!r}"
    return hits[0]


# ---- ranking ---------------------------------------------------------------------------------------------------

def test_an_address_hit_is_labelled_as_on_a_letter_and_sits_on_its_point(index: AddressIndex) -> None:
    hit = index.search("Storgatan 12", kommun="Lund")[0]
    assert hit.label == "Storgatan 12, 222 22 Lund" and hit.kind == "address" and hit.kommun == "Lund"
    row = next(r for r in ROWS if (r.street, r.number, r.kommun) == ("Storgatan", 12, "Lund"))
    assert (hit.lat, hit.lon) == (row.lat, row.lon)
    assert hit.score == 100.0


def test_the_whole_name_before_names_it_only_begins(index: AddressIndex) -> None:
    # Åkarp (two farms) typed whole comes before Åkarpsvägen (40 addresses), which "akarp" only begins.
    assert labels(index, "Akarp")[:2] == ["Åkarp, Åkarp", "Åkarpsvägen, Lomma"]
    assert labels(index, "Åkarp 10")[0] == "Åkarp 10, 232 91 Åkarp"
    # Of names the text begins, the one most of whose name was typed first: Storgatan before Storgårdsvägen.
    hits = labels(index, "Storg")
    assert hits[:3] == ["Storgatan, Ystad", "Storgatan, Lund", "Storgårdsvägen, Ystad"]
    assert labels(index, "Storgatan")[:2] == ["Storgatan, Ystad", "Storgatan, Lund"]  # the longer street first


def test_the_chosen_kommun_first_among_equal_matches(index: AddressIndex) -> None:
    assert top(index, "Storgatan 12", "Lund") == "Storgatan 12, 222 22 Lund"
    assert top(index, "Storgatan 12", "Ystad") == "Storgatan 12, 271 39 Ystad"
    assert labels(index, "Storgatan", "Lund")[:2] == ["Storgatan, Lund", "Storgatan, Ystad"]


def test_the_chosen_kommun_does_not_lift_a_worse_match(index: AddressIndex) -> None:
    # Lund has Storgatan too, but "Storgårdsvägen" typed whole is Ystad's street.
    assert top(index, "Storgårdsvägen 3", "Lund") == "Storgårdsvägen 3, 271 41 Ystad"


def test_the_typed_number_exactly_before_numbers_near_it(index: AddressIndex) -> None:
    hits = labels(index, "Storgatan 12")
    assert hits[:2] == ["Storgatan 12, 271 39 Ystad", "Storgatan 12, 222 22 Lund"]
    # Lund's Storgatan ends at 15: Ystad's 17 is exact and comes first even with Lund chosen; Lund's 15 after.
    hits = labels(index, "Storgatan 17", "Lund")
    assert hits[0] == "Storgatan 17, 271 39 Ystad"
    assert "Storgatan 15, 222 22 Lund" in hits[1:]


def test_a_number_being_typed_offers_the_numbers_it_begins(index: AddressIndex) -> None:
    hits = labels(index, "Storgatan 1", "Ystad")
    assert hits[0] == "Storgatan 1, 271 39 Ystad"
    assert "Storgatan 10, 271 39 Ystad" in hits and "Storgatan 11, 271 39 Ystad" in hits
    assert hits.index("Storgatan 10, 271 39 Ystad") < hits.index("Storgatan 11, 271 39 Ystad")
    # Kvarnbacken has 2, 4, 6, 120, 140: "12" is not there, 120 begins with it, the near ones come last.
    hits = labels(index, "Kvarnbacken 12")
    assert hits[0] == "Kvarnbacken 120, 273 36 Tomelilla"


def test_a_number_not_on_the_street_offers_its_neighbours(index: AddressIndex) -> None:
    hits = labels(index, "Kvarnbacken 5")
    assert set(hits[:2]) == {"Kvarnbacken 4, 273 36 Tomelilla", "Kvarnbacken 6, 273 36 Tomelilla"}


def test_the_letter(index: AddressIndex) -> None:
    assert labels(index, "Lindvägen 12 B")[:2] == ["Lindvägen 12 B, 224 56 Lund", "Lindvägen 12 A, 224 56 Lund"]
    assert labels(index, "Lindvägen 12a")[0] == "Lindvägen 12 A, 224 56 Lund"
    # No letter typed: both entrances, A first.
    assert labels(index, "Lindvägen 12")[:2] == ["Lindvägen 12 A, 224 56 Lund", "Lindvägen 12 B, 224 56 Lund"]


def test_the_place_typed_after_the_street_ranks_its_streets_first(index: AddressIndex) -> None:
    assert top(index, "storg 12 ystad") == "Storgatan 12, 271 39 Ystad"
    assert top(index, "Storgatan 12, Lund") == "Storgatan 12, 222 22 Lund"
    assert top(index, "Storgatan 12, Ystad", kommun="Lund") == "Storgatan 12, 271 39 Ystad"
    assert top(index, "Storgatan 12 lun") == "Storgatan 12, 222 22 Lund"  # the place still being typed
    assert top(index, "Storgatan 12 Lnud") == "Storgatan 12, 222 22 Lund"  # and misspelt
    assert top(index, "storgatan lund") == "Storgatan, Lund"  # no number, no comma


def test_a_hit_s_label_typed_back_finds_that_hit(index: AddressIndex) -> None:
    for hit in index.search("Storgatan 1", limit=30) + index.search("Lindvägen 12"):
        again = index.search(hit.label)[0]
        assert (again.label, again.kind, again.kommun, again.lat, again.lon) == hit[:5]
        assert again.score == 100.0


def test_without_a_number_a_street_is_one_hit_at_its_middle_address(index: AddressIndex) -> None:
    hit = index.search("Möllevångsgatan")[0]
    assert hit.label == "Möllevångsgatan, Malmö" and hit.kind == "gata" and hit.kommun == "Malmö"
    middle = next(r for r in ROWS if (r.street, r.number) == ("Möllevångsgatan", 15))  # 1–30: the 15th
    assert (hit.lat, hit.lon) == (middle.lat, middle.lon)
    # An address area of one address without number is that address.
    hit = index.search("Hagtorp")[0]
    assert hit.label == "Hagtorp, 243 93 Hagtorp" and hit.kind == "address"


# ---- spelling variants and typos -------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "found"), [
    ("Mollevangsgatan 3", "Möllevångsgatan 3, 214 20 Malmö"),
    ("MÖLLEVÅNGSGATAN 3", "Möllevångsgatan 3, 214 20 Malmö"),
    ("möllevångsgatan3", "Möllevångsgatan 3, 214 20 Malmö"),
    ("Mollevangsg. 3", "Möllevångsgatan 3, 214 20 Malmö"),
    ("Möllevångs g 3", "Möllevångsgatan 3, 214 20 Malmö"),
    ("Angelholmsvagen 2", "Ängelholmsvägen 2, 263 31 Höganäs"),
    ("Angelholmsv. 2", "Ängelholmsvägen 2, 263 31 Höganäs"),
    ("Angelholms v 2", "Ängelholmsvägen 2, 263 31 Höganäs"),
    ("Storg. 5", "Storgatan 5, 271 39 Ystad"),
    ("storg 5", "Storgatan 5, 271 39 Ystad"),  # not Storgårdsvägen 5: "storg" finished is read as Storgatan too
    ("Kyrkog 3", "Kyrkogatan 3, 211 34 Malmö"),
    ("Lindv. 3", "Lindvägen 3, 224 56 Lund"),
    ("Stora Ostergatan 3", "Stora Östergatan 3, 271 34 Ystad"),
    ("Storaöstergatan 3", "Stora Östergatan 3, 271 34 Ystad"),
    ("St. Östergatan 3", "Stora Östergatan 3, 271 34 Ystad"),
    ("S Förstadsgatan 2", "Södra Förstadsgatan 2, 211 43 Malmö"),
    ("Förstadsgatan 2", "Södra Förstadsgatan 2, 211 43 Malmö"),  # its later word
    ("3 Kyrkogatan", "Kyrkogatan 3, 211 34 Malmö"),
])
def test_spelling_variants(index: AddressIndex, typed: str, found: str) -> None:
    assert top(index, typed) == found


def test_the_whole_name_before_the_same_word_inside_another(index: AddressIndex) -> None:
    assert labels(index, "Östergatan 3")[:2] == ["Östergatan 3, 222 21 Lund", "Stora Östergatan 3, 271 34 Ystad"]


@pytest.mark.parametrize(("typed", "found"), [
    ("Storgtan 12", "Storgatan 12, 271 39 Ystad"),  # a letter dropped
    ("Sotrgatan 12", "Storgatan 12, 271 39 Ystad"),  # two swapped
    ("Storrgatan 12", "Storgatan 12, 271 39 Ystad"),  # one doubled
    ("Storgaten 12", "Storgatan 12, 271 39 Ystad"),  # one wrong
    ("Kyrkogtan 3", "Kyrkogatan 3, 211 34 Malmö"),
    ("Möllevngsgatan 3", "Möllevångsgatan 3, 214 20 Malmö"),
    ("Lindvgen 3", "Lindvägen 3, 224 56 Lund"),
    ("Södra Förstdsgatan 2", "Södra Förstadsgatan 2, 211 43 Malmö"),
])
def test_a_typo_still_finds_the_street(index: AddressIndex, typed: str, found: str) -> None:
    hit = index.search(typed)[0]
    assert hit.label == found and hit.score < 100.0


def test_a_typo_ranks_below_what_is_typed_right(index: AddressIndex) -> None:
    # "Storgårdsvägen" begins "storg" as typed; Storgatan is only a near spelling of "storgårdsv".
    assert top(index, "Storgårdsv") == "Storgårdsvägen, Ystad"
    assert top(index, "Storgatan 3") == "Storgatan 3, 271 39 Ystad"


def test_while_typing_the_street_stays_in_the_list(index: AddressIndex) -> None:
    text = "Möllevångsgatan 12"
    for end in range(3, len(text) + 1):
        assert any(h.startswith("Möllevångsgatan") for h in labels(index, text[:end])), text[:end]


# ---- places ------------------------------------------------------------------------------------------------------

def test_a_place_name_is_found_with_its_kind(index: AddressIndex) -> None:
    hit = index.search("Ystad")[0]
    assert (hit.label, hit.kind, hit.kommun) == ("Ystad", "tätort", "Ystad")
    assert (hit.lat, hit.lon) == (55.4295, 13.8204)
    assert [(h.label, h.kind) for h in index.search("angelholm")][0] == ("Ängelholm", "tätort")
    assert top(index, "Ystad st") == "Ystad station"
    assert top(index, "bjorkskolan") == "Björkskolan"


def test_a_village_is_its_place_and_its_farms(index: AddressIndex) -> None:
    hits = index.search("Ljungarp")
    assert (hits[0].label, hits[0].kind) == ("Ljungarp", "småort")
    assert any(h.label == "Ljungarp, Ljungarp" and h.kind == "gata" for h in hits)
    assert top(index, "Ljungarp 1130") == "Ljungarp 1130, 243 92 Ljungarp"


# ---- edges -------------------------------------------------------------------------------------------------------

def test_nothing_to_match(index: AddressIndex) -> None:
    assert index.search("") == [] and index.search("   ") == [] and index.search("12") == []
    assert index.search("Xqzvw") == []
    assert index.search("Storgatan", limit=0) == []
    assert len(index.search("Storgatan 0")) > 0  # no house number 0: its neighbours, and no endless loop


def test_the_limit(index: AddressIndex) -> None:
    assert len(index.search("Storgatan 1", limit=3)) == 3
    assert len(index.search("s", limit=50)) <= 50


def test_an_empty_register() -> None:
    empty = AddressIndex.build([])
    assert len(empty) == 0 and empty.search("Storgatan 1") == [] and empty.nearest(55.6, 13.0) is None
    only_places = AddressIndex.build([], PLACES)
    assert only_places.search("Ystad")[0].kind == "tätort" and only_places.nearest(55.6, 13.0) is None


def test_len_counts_addresses(index: AddressIndex) -> None:
    assert len(index) == len(ROWS) and index.place_count == len(PLACES)


# ---- nearest -----------------------------------------------------------------------------------------------------

def test_nearest_gives_the_address_at_a_point_and_its_kommun(index: AddressIndex) -> None:
    row = next(r for r in ROWS if (r.street, r.number, r.kommun) == ("Lindvägen", 7, "Lund"))
    hit = index.nearest(row.lat + 0.00001, row.lon)
    assert hit is not None
    assert hit.label == "Lindvägen 7, 224 56 Lund" and hit.kommun == "Lund" and hit.score < 2.0


def test_nearest_far_from_everything_is_still_the_nearest(index: AddressIndex) -> None:
    hit = index.nearest(57.7, 11.97)  # Göteborg: the register's most northern address is nearest
    assert hit is not None and hit.kommun == "Höganäs" and hit.score > 100_000


@pytest.fixture(scope="module")
def demo() -> tuple[list[AddressRow], AddressIndex]:
    addresses, places = generate_demo_register(count=20_000, seed=5)
    return addresses, AddressIndex.build(addresses, places)


def _metres(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    return math.hypot((a_lat - b_lat) * 111_320.0, (a_lon - b_lon) * 111_320.0 * math.cos(math.radians(a_lat)))


def test_nearest_agrees_with_looking_at_every_address(demo: tuple[list[AddressRow], AddressIndex]) -> None:
    addresses, index = demo
    rng = random.Random(3)
    for _ in range(150):
        lat, lon = rng.uniform(55.3, 56.5), rng.uniform(12.4, 14.6)
        hit = index.nearest(lat, lon)
        assert hit is not None
        best = min(_metres(lat, lon, a.lat, a.lon) for a in addresses)
        assert _metres(lat, lon, hit.lat, hit.lon) == pytest.approx(best, abs=0.01)


# ---- the generated register --------------------------------------------------------------------------------------

def _label(a: AddressRow) -> str:
    code = a.postnummer.replace(" ", "")
    return f"{a.street} {a.number}{' ' + a.letter if a.letter else ''}, {code[:3]} {code[3:]} {a.postort}"


def test_every_address_typed_in_full_is_the_top_hit(demo: tuple[list[AddressRow], AddressIndex]) -> None:
    addresses, index = demo
    for a in random.Random(11).sample(addresses, 200):
        hit = index.search(f"{a.street} {a.number}{a.letter}, {a.postort}")[0]
        assert (hit.label, hit.kommun, hit.lat, hit.lon) == (_label(a), a.kommun, a.lat, a.lon)


def test_a_street_and_number_typed_with_the_kommun_chosen_is_shown(
        demo: tuple[list[AddressRow], AddressIndex]) -> None:
    addresses, index = demo
    for a in random.Random(12).sample(addresses, 200):
        text = f"{a.street.translate(str.maketrans('åäöÅÄÖ', 'aaoAAO'))} {a.number} {a.letter}"
        assert _label(a) in [h.label for h in index.search(text, kommun=a.kommun)], text


def test_the_first_hits_do_not_depend_on_the_limit(demo: tuple[list[AddressRow], AddressIndex]) -> None:
    # The search stops looking once no further name can beat the hits it has: it must not stop early.
    addresses, index = demo
    rng = random.Random(13)
    for a in rng.sample(addresses, 60):
        text = f"{a.street} {a.number}"
        kommun = a.kommun if rng.random() < 0.5 else None
        for end in range(2, len(text) + 1, 3):
            assert index.search(text[:end], kommun=kommun, limit=8) == \
                index.search(text[:end], kommun=kommun, limit=500)[:8], text[:end]
