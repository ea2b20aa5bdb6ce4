"""Typed coordinates (resources.location.coordinates): every way a Swedish user writes a position, the SWEREF 99 TM
forms against pyproj's conversion, and each rejection with its Swedish reason."""

from __future__ import annotations

import pytest

from resources.location.coordinates import (
    SWEREF_99_TM,
    WGS84_DECIMAL,
    WGS84_DM,
    WGS84_DMS,
    CoordinateError,
    format_position,
    format_sweref,
    parse_coordinates,
)
from resources.location.sweref import sweref_to_wgs84, wgs84_to_sweref

MALMO = (55.6050, 13.0038)  # Stortorget, Malmö
MALMO_DMS_LON = 13 + 13.7 / 3600

WGS84 = [
    ("55.6050, 13.0038", MALMO, WGS84_DECIMAL),
    ("55,6050 13,0038", MALMO, WGS84_DECIMAL),
    ("55,6050; 13,0038", MALMO, WGS84_DECIMAL),
    ("55,6050;13,0038", MALMO, WGS84_DECIMAL),
    ("55.6050,13.0038", MALMO, WGS84_DECIMAL),
    ("55,6050, 13,0038", MALMO, WGS84_DECIMAL),
    ("  55.6050   13.0038  ", MALMO, WGS84_DECIMAL),
    ("55.6050° N, 13.0038° E", MALMO, WGS84_DECIMAL),
    ("55,60500° N, 13,00380° E", MALMO, WGS84_DECIMAL),
    ("n 55.605 e 13.0038", MALMO, WGS84_DECIMAL),
    ("55.605° 13.0038°", MALMO, WGS84_DECIMAL),
    ("E 13.0038 N 55.6050", MALMO, WGS84_DECIMAL),  # the letters say which is which
    ("13.0038 Ö 55.6050 N", MALMO, WGS84_DECIMAL),  # Ö for öster
    ("-33.8688 151.2093", (-33.8688, 151.2093), WGS84_DECIMAL),  # a sign without letters (flagged later, not here)
    ("33.8688 S 151.2093 E", (-33.8688, 151.2093), WGS84_DECIMAL),
    ("40.4168 N 3.7038 V", (40.4168, -3.7038), WGS84_DECIMAL),
    ("N 55° 36.300' E 13° 0.228'", MALMO, WGS84_DM),
    ("55°36,3'N 13°0,228'E", MALMO, WGS84_DM),
    ("N55 36.300 E13 00.228", MALMO, WGS84_DM),
    ("55º36,3′N 13º0,228′E", MALMO, WGS84_DM),  # the ordinal º and the prime ′ that phones and Word produce
    ("N 55° 36,300′ E 13° 0,228′", MALMO, WGS84_DM),
    ("55 36.3, 13 0.228", MALMO, WGS84_DM),
    ("55 36,3 13 0,228", MALMO, WGS84_DM),
    ("E 13° 0.228' N 55° 36.3'", MALMO, WGS84_DM),
    ("55°36'18\"N 13°0'13.7\"E", (55.605, MALMO_DMS_LON), WGS84_DMS),
    ("55°36′18″N 13°0′13,7″E", (55.605, MALMO_DMS_LON), WGS84_DMS),
    ("55°36'18''N 13°0'13.7''E", (55.605, MALMO_DMS_LON), WGS84_DMS),  # two apostrophes for seconds
    ("N 55 36 18 E 13 0 13.7", (55.605, MALMO_DMS_LON), WGS84_DMS),
    ("55 36 18 13 0 13,7", (55.605, MALMO_DMS_LON), WGS84_DMS),
]


@pytest.mark.parametrize(("text", "expected", "kind"), WGS84, ids=[t for t, *_ in WGS84])
def test_wgs84_as_typed(text: str, expected: tuple[float, float], kind: str) -> None:
    parsed = parse_coordinates(text)
    assert parsed.lat == pytest.approx(expected[0], abs=1e-9)
    assert parsed.lon == pytest.approx(expected[1], abs=1e-9)
    assert parsed.format == kind


SWEREF = ["N 6163000 E 374000", "6163000, 374000", "6163000 374000", "6163000; 374000", "E 374000 N 6163000",
          "374000 6163000", "374000, 6163000", "n 6163000 e 374000", "6163000 N 374000 E", "6163000,0 374000,0"]


@pytest.mark.parametrize("text", SWEREF)
def test_sweref_99_tm_north_first_or_told_apart_by_magnitude(text: str) -> None:
    lat, lon = sweref_to_wgs84(374000, 6163000)
    parsed = parse_coordinates(text)
    assert (parsed.lat, parsed.lon, parsed.format) == (pytest.approx(lat, abs=1e-9), pytest.approx(lon, abs=1e-9),
                                                        SWEREF_99_TM)
    assert parsed.lat == pytest.approx(55.5966, abs=1e-4) and parsed.lon == pytest.approx(13.0004, abs=1e-4)


def test_sweref_far_north_is_read_too() -> None:
    """Kiruna: the grid covers all of Sweden, the Skåne check is the assessment's job, not the parser's."""
    east, north = wgs84_to_sweref(67.8558, 20.2253)
    parsed = parse_coordinates(f"N {north:.0f} E {east:.0f}")
    assert parsed.lat == pytest.approx(67.8558, abs=1e-4) and parsed.lon == pytest.approx(20.2253, abs=1e-4)


@pytest.mark.parametrize(("lat", "lon"), [MALMO, (56.0465, 12.6945), (-33.8688, 151.2093), (40.4168, -3.7038)])
def test_format_position_is_swedish_and_reads_back(lat: float, lon: float) -> None:
    text = format_position(lat, lon)
    parsed = parse_coordinates(text)
    assert (parsed.lat, parsed.lon) == (pytest.approx(lat, abs=5e-6), pytest.approx(lon, abs=5e-6))
    assert "." not in text


def test_format_position_exact_text() -> None:
    assert format_position(*MALMO) == "55,60500° N, 13,00380° E"
    assert format_position(-33.8688, -70.5) == "33,86880° S, 70,50000° W"


def test_format_sweref_is_whole_metres_north_first_and_reads_back() -> None:
    east, north = wgs84_to_sweref(*MALMO)
    assert format_sweref(*MALMO) == f"N {round(north)}, E {round(east)}"
    parsed = parse_coordinates(format_sweref(*MALMO))
    assert parsed.format == SWEREF_99_TM
    assert parsed.lat == pytest.approx(MALMO[0], abs=1e-5) and parsed.lon == pytest.approx(MALMO[1], abs=1e-5)


REJECTED = [
    ("", "Inga koordinater angivna"),
    ("   ", "Inga koordinater angivna"),
    ("N E", "Inga koordinater angivna"),
    ("55.6050", "Bara ett tal hittades (55.6050)"),
    ("55,13", "Bara ett tal hittades (55,13)"),  # a decimal comma or a separator? asked, not guessed
    ("55.6 13.0 14.2", "3 tal går inte att dela i två koordinater"),
    ("55.6, 13.0, 14.2", "För många delar (3)"),
    ("55 61 13 0", "Minuterna (61) i '55 61' ska vara mindre än 60"),
    ("N 55° 60.0' E 13° 0.228'", "Minuterna (60.0) i \"55° 60.0'\" ska vara mindre än 60"),
    ("55°36'60\"N 13°0'13.7\"E", "Sekunderna (60) i"),
    ("55.6 36 13 0", "Grader med decimaler (55.6) kan inte följas av fler tal"),
    ("55 36.3 18 13 0 0", "Minuter med decimaler (36.3) kan inte följas av fler tal"),
    ("95 13", "Latituden 95 ligger utanför −90 … 90 grader"),
    ("N 95 E 13", "Latituden 95 ligger utanför −90 … 90 grader."),
    ("55 190", "Longituden 190 ligger utanför −180 … 180 grader"),
    ("13.0038 55.6050", "13.0038 55.6050 ligger inte i Skåne, men omvänt gör det: står longituden först?"),
    ("13,0038; 55,6050", "ligger inte i Skåne, men omvänt gör det"),
    ("N 55.6 13.0", "Ange väderstreck för båda koordinaterna"),
    ("55.6 N 13.0", "Ange väderstreck för båda koordinaterna"),
    ("N 55.6 13.0 E", "Skriv väderstrecket antingen före varje koordinat"),
    ("N 55.6 N 13.0", "Båda koordinaterna är latituder (N/S)"),
    ("E 55.6 W 13.0", "Båda koordinaterna är longituder (E/W)"),
    ("N -55.6 E 13", "Använd antingen väderstreck"),
    ("55°36.3 13.0", "Gradtecknet ° finns 1 gång"),
    ("55' 13'", "står minuter (') efter gradtalet"),
    ("55 36.3 13.0038", "3 tal går inte att dela"),
    ("N 55 36.3 E 13.0038", "Båda koordinaterna ska skrivas på samma sätt"),
    ("55.6 13.0 x", "Okänt tecken 'x'"),
    ("Nord 55 Öst 13", "Okänt ord 'Nord'"),
    ("lat 55.6 lon 13.0", "Okänt ord 'lat'"),
    ("6163000 13.0", "6163000 är för stort för grader och 13.0 för litet för SWEREF 99 TM-meter"),
    ("6163000 1323000", "1323000 ser ut som en RT90-koordinat"),
    ("X 6163000 Y 1323000", "Okänt tecken 'X'"),
    ("N 6163000 E 1323000", "1323000 ser ut som en RT90-koordinat"),
    ("N 374000 E 6163000", "Norrkoordinaten N 374000 ligger utanför Sverige i SWEREF 99 TM"),
    ("N 6163000 E 50000", "Östkoordinaten E 50000 ligger utanför Sverige"),
    ("S 6163000 E 374000", "SWEREF 99 TM skrivs med N (norr) och E (öster)"),
    ("-6163000 374000", "SWEREF 99 TM-koordinater i Sverige har inget tecken"),
    ("6163000 6163000", "liknar inte SWEREF 99 TM"),
    ("6163000 30 374000 20", "för stora för grader och minuter"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED, ids=[t or "<tom>" for t, _ in REJECTED])
def test_rejected_with_a_swedish_reason(text: str, reason: str) -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_coordinates(text)
    assert reason in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_every_message_shows_how_to_write_it_when_nothing_could_be_read() -> None:
    for text in ("", "55.6050", "1 2 3", "55.6 13.0 x"):
        with pytest.raises(CoordinateError) as caught:
            parse_coordinates(text)
        assert "t.ex. 55,6050 13,0038" in str(caught.value), text
