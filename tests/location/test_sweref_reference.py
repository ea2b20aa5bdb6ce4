"""SWEREF 99 TM → WGS84 as the address import does it (pyproj), checked against two references that do not use
pyproj: Lantmäteriet's published Gauss–Krüger formulas, implemented here, and Lantmäteriet's published control
points for SWEREF 99 TM."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from records.address_file import read_address_file
from resources.location.sweref import sweref_to_wgs84, wgs84_to_sweref

# GRS 80 and the projection SWEREF 99 TM: central meridian 15° E, scale 0.9996, false easting 500 000 m.
A, F = 6_378_137.0, 1 / 298.257222101
K0, LON0, FALSE_EASTING = 0.9996, math.radians(15.0), 500_000.0
E2 = F * (2 - F)
N = F / (2 - F)
A_HAT = A / (1 + N) * (1 + N**2 / 4 + N**4 / 64)


def gauss_kruger_forward(lat: float, lon: float) -> tuple[float, float]:
    """(north, east) in metres: Lantmäteriet, "Gauss–Krügers projektion", geodetic to grid coordinates."""
    phi = math.radians(lat)
    a_, b_ = E2, (5 * E2**2 - E2**3) / 6
    c_, d_ = (104 * E2**3 - 45 * E2**4) / 120, 1237 * E2**4 / 1260
    s = math.sin(phi)
    conformal = phi - s * math.cos(phi) * (a_ + b_ * s**2 + c_ * s**4 + d_ * s**6)
    dl = math.radians(lon) - LON0
    xi = math.atan(math.tan(conformal) / math.cos(dl))
    eta = math.atanh(math.cos(conformal) * math.sin(dl))
    beta = (N / 2 - 2 * N**2 / 3 + 5 * N**3 / 16 + 41 * N**4 / 180,
            13 * N**2 / 48 - 3 * N**3 / 5 + 557 * N**4 / 1440,
            61 * N**3 / 240 - 103 * N**4 / 140,
            49561 * N**4 / 161280)
    north = K0 * A_HAT * (xi + sum(b * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, b in enumerate(beta, 1)))
    east = K0 * A_HAT * (eta + sum(b * math.cos(2 * j * xi) * math.sinh(2 * j * eta)
                                   for j, b in enumerate(beta, 1))) + FALSE_EASTING
    return north, east


def gauss_kruger_inverse(north: float, east: float) -> tuple[float, float]:
    """(lat, lon) in degrees: the same document, grid to geodetic coordinates."""
    xi = north / (K0 * A_HAT)
    eta = (east - FALSE_EASTING) / (K0 * A_HAT)
    delta = (N / 2 - 2 * N**2 / 3 + 37 * N**3 / 96 - N**4 / 360,
             N**2 / 48 + N**3 / 15 - 437 * N**4 / 1440,
             17 * N**3 / 480 - 37 * N**4 / 840,
             4397 * N**4 / 161280)
    xi_p = xi - sum(d * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, d in enumerate(delta, 1))
    eta_p = eta - sum(d * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, d in enumerate(delta, 1))
    conformal = math.asin(math.sin(xi_p) / math.cosh(eta_p))
    dl = math.atan(math.sinh(eta_p) / math.cos(xi_p))
    a_ = E2 + E2**2 + E2**3 + E2**4
    b_ = -(7 * E2**2 + 17 * E2**3 + 30 * E2**4) / 6
    c_ = (224 * E2**3 + 889 * E2**4) / 120
    d_ = -4279 * E2**4 / 1260
    s = math.sin(conformal)
    phi = conformal + s * math.cos(conformal) * (a_ + b_ * s**2 + c_ * s**4 + d_ * s**6)
    return math.degrees(phi), math.degrees(LON0 + dl)


def metres_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Ground distance for points millimetres apart (a local plane: exact enough at this scale)."""
    dn = math.radians(lat2 - lat1) * 6_378_137.0
    de = math.radians(lon2 - lon1) * 6_378_137.0 * math.cos(math.radians(lat1))
    return math.hypot(dn, de)


# Lantmäteriet, "Kontrollpunkter för SWEREF 99 TM" (2007-11-20): (lat, lon) → (N, E), published to the millimetre.
# The two at 55° N span Skåne's longitudes (its west coast to its east); the third is in Halland.
CONTROL_POINTS = [
    ((55.0, 12.75), (6_097_106.672, 356_083.438)),
    ((55.0, 14.25), (6_095_048.642, 452_024.069)),
    ((57.0, 12.75), (6_319_636.937, 363_331.554)),
]

# Points of a Skåne address file across the region (SWEREF 99 TM metres): Falsterbo, Malmö, Helsingborg, Ystad,
# Simrishamn, Kristianstad, Båstad, Osby, and one in Lund with decimetres.
SKANE_POINTS = [(6_141_200.0, 362_600.0), (6_163_900.0, 374_200.0), (6_213_700.0, 356_400.0),
                (6_143_200.0, 425_400.0), (6_157_000.0, 459_000.0), (6_209_700.0, 447_400.0),
                (6_255_600.0, 367_500.0), (6_248_900.0, 437_900.0), (6_176_845.2, 387_270.5)]


@pytest.mark.parametrize(("wgs", "grid"), CONTROL_POINTS)
def test_the_conversion_meets_lantmateriets_control_points(wgs: tuple[float, float],
                                                           grid: tuple[float, float]) -> None:
    """Tolerance 1 mm: the published values are rounded to the millimetre (±0.5 mm), and both conversions
    are exact to well under 0.1 mm this close to the central meridian."""
    (lat, lon), (north, east) = wgs, grid
    got_east, got_north = wgs84_to_sweref(lat, lon)
    assert abs(got_north - north) < 0.001 and abs(got_east - east) < 0.001
    back_lat, back_lon = sweref_to_wgs84(east, north)
    assert metres_apart(lat, lon, back_lat, back_lon) < 0.001
    formula_north, formula_east = gauss_kruger_forward(lat, lon)  # the formulas themselves, against the document
    assert abs(formula_north - north) < 0.001 and abs(formula_east - east) < 0.001


def test_imported_points_match_lantmateriets_formulas_to_the_millimetre(tmp_path: Path) -> None:
    path = tmp_path / "adresser.csv"
    lines = ["kommunkod;adressomrade;adressplatsnummer;postnummer;postort;n;e"]
    lines += [f"1280;Provgatan;{i};21120;Malmö;{n};{e}" for i, (n, e) in enumerate(SKANE_POINTS, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = read_address_file(path)
    assert len(rows) == len(SKANE_POINTS)
    for row, (north, east) in zip(rows, SKANE_POINTS, strict=True):
        assert (row.north, row.east) == (north, east)  # kept as imported
        lat, lon = gauss_kruger_inverse(north, east)
        assert metres_apart(lat, lon, row.lat, row.lon) < 0.001, row
        back_north, back_east = gauss_kruger_forward(row.lat, row.lon)  # and the imported point projects back
        assert math.hypot(back_north - north, back_east - east) < 0.001, row
