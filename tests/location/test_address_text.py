"""Swedish address text folded and a typed query split up as the address search reads them (issue 17)."""

from __future__ import annotations

import pytest

from resources.location.address_text import alternative_keys, fold, name_key, parse_query


@pytest.mark.parametrize(("text", "folded"), [
    ("Ängelholm", "angelholm"),
    ("Möllevångsgatan", "mollevangsgatan"),
    ("HÖÖR", "hoor"),
    ("Åstorp", "astorp"),
    ("Café Ébène", "cafe ebene"),
    ("Færgevej Øster", "fargevej oster"),
    ("Storgatan", "storgatan"),
])
def test_fold_drops_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(("typed", "name"), [
    ("Angelholmsvagen", "Ängelholmsvägen"),
    ("mollevangsgatan", "Möllevångsgatan"),
    ("STORGATAN", "Storgatan"),
    ("Stora Östergatan", "Storaöstergatan"),  # a space missing
    ("Stora  Öster-gatan", "Stora Östergatan"),  # extra space, a hyphen
    ("St. Östergatan", "Stora Östergatan"),
    ("St Östergatan", "Stora Östergatan"),
    ("st:a Östergatan", "Stora Östergatan"),
    ("S Förstadsgatan", "Södra Förstadsgatan"),
    ("N. Storgatan", "Norra Storgatan"),
    ("V Vallgatan", "Västra Vallgatan"),
    ("Ö. Ringvägen", "Östra Ringvägen"),
    ("L Torggatan", "Lilla Torggatan"),
    ("G:a Kyrkvägen", "Gamla Kyrkvägen"),
    ("S:t Lars väg", "Sankt Lars väg"),
    ("Storg.", "Storgatan"),
    ("Storgat.", "Storgatan"),
    ("Kyrko g.", "Kyrkogatan"),
    ("Kyrko g", "Kyrkogatan"),
    ("Björkv.", "Björkvägen"),
    ("Björk v", "Björkvägen"),
    ("Möllevångspl.", "Möllevångsplatsen"),
    ("Möllevångs pl", "Möllevångsplatsen"),
    ("Smedjegr.", "Smedjegränd"),
])
def test_spelling_variants_and_abbreviations_give_the_name_s_key(typed: str, name: str) -> None:
    assert name_key(typed) == name_key(name)


def test_different_names_keep_different_keys() -> None:
    assert name_key("Storgatan") != name_key("Storgårdsvägen")
    assert name_key("Lindvägen") != name_key("Lindgatan")
    assert name_key("Stora Östergatan") != name_key("Östergatan")
    # A word that merely ends in g or v is no abbreviation without its dot.
    assert name_key("Stortorg") == "stortorg" and name_key("Berg") == "berg"


def test_a_name_is_also_found_by_its_later_words() -> None:
    assert alternative_keys("Stora Östergatan") == ["ostergatan"]
    assert alternative_keys("Södra Förstadsgatan") == ["forstadsgatan"]
    assert alternative_keys("Sankt Lars väg") == ["larsvag"]  # not "väg" alone: that would find every väg
    assert alternative_keys("Storgatan") == []


def test_street_number_letter_and_place() -> None:
    q = parse_query("Storgatan 12 B, Ystad")
    assert (q.streets, q.number, q.letter, q.locality, q.comma) == (("storgatan",), 12, "B", "ystad", True)
    q = parse_query("storgatan 12 b ystad")
    assert (q.streets, q.number, q.letter, q.locality, q.comma) == (("storgatan",), 12, "B", "ystad", False)


def test_number_and_letter_stuck_to_the_street() -> None:
    q = parse_query("Storgatan12b")
    assert (q.streets, q.number, q.letter, q.locality) == (("storgatan",), 12, "B", "")


def test_number_first() -> None:
    q = parse_query("12 Storgatan")
    assert (q.streets, q.number, q.letter) == (("storgatan",), 12, "")
    q = parse_query("12b Storgatan")
    assert (q.streets, q.number, q.letter) == (("storgatan",), 12, "B")


def test_a_finished_shortened_street_is_read_both_ways() -> None:
    q = parse_query("Storg 12b, Ystad")
    assert q.streets == ("storg", "storgatan") and (q.number, q.letter, q.locality) == (12, "B", "ystad")
    assert parse_query("kyrkog 3").streets == ("kyrkog", "kyrkogatan")
    assert parse_query("Björkv 5").streets == ("bjorkv", "bjorkvagen")
    # Still being typed: only as typed; with the dot: only written out; väg is a whole word.
    assert parse_query("storg").streets == ("storg",)
    assert parse_query("Storg. 12").streets == ("storgatan",)
    assert parse_query("Lunds väg 3").streets == ("lundsvag",)


def test_postnummer_and_apartment_are_not_the_place() -> None:
    q = parse_query("Storgatan 12 B, 271 31 Ystad")
    assert (q.number, q.letter, q.locality, q.postnummer) == (12, "B", "ystad", "27131")
    q = parse_query("Storgatan 12 27131 Ystad")
    assert (q.number, q.locality, q.postnummer) == (12, "ystad", "27131")
    q = parse_query("Storgatan 271 39 Ystad")  # no number: a postnummer written with its space
    assert (q.streets, q.number, q.locality, q.postnummer) == (("storgatan",), None, "ystad", "27139")
    q = parse_query("Storgatan 12 lgh 1102")
    assert (q.streets, q.number, q.locality) == (("storgatan",), 12, "")
    q = parse_query("S Förstadsgatan 1, 2 tr, Malmö")
    assert (q.streets, q.number, q.locality) == (("sodraforstadsgatan",), 1, "malmo")


def test_a_street_alone_and_nothing_to_match() -> None:
    q = parse_query("Möllevångsgatan")
    assert (q.streets, q.number, q.letter, q.locality) == (("mollevangsgatan",), None, "", "")
    assert parse_query("").streets == ()
    assert parse_query("12").streets == ()
    assert parse_query(" , ").streets == ()
    assert parse_query("Storgatan 1234567").number is None  # no house number has seven digits


def test_a_farm_s_number_may_have_five_digits() -> None:
    q = parse_query("Gylleinge 10961")
    assert (q.streets, q.number, q.postnummer) == (("gylleinge",), 10961, "")
    q = parse_query("Gylleinge 10961, 241 91 Gylleinge")
    assert (q.number, q.postnummer, q.locality) == (10961, "24191", "gylleinge")
