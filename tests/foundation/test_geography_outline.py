"""in_skane() is a point-in-polygon test against a simplified outline of Skåne (data/skane_outline.yaml).

Regression: it was a bounding box minus an Öresund line, so positions in Halland (Laholm),
Kronoberg (Markaryd, Älmhult) and Blekinge (Sölvesborg) passed as Skåne."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resources.datafile import DataFileError
from resources.fleet import default_fleet
from resources.geography import SKANE_BOUNDS, default_geography, in_skane, load_skane_outline, skane_outline

NEIGHBOURS = {  # towns just outside Skåne's land borders
    "Laholm (Halland)": (56.5127, 13.0446),
    "Våxtorp (Halland)": (56.4193, 13.1159),
    "Hishult (Halland)": (56.4283, 13.3122),
    "Knäred (Halland)": (56.5202, 13.3167),
    "Mellbystrand (Halland)": (56.5046, 12.9484),
    "Markaryd (Kronoberg)": (56.4596, 13.5920),
    "Strömsnäsbruk (Kronoberg)": (56.5525, 13.7320),
    "Älmhult (Kronoberg)": (56.5513, 14.1392),
    "Vilshult (Blekinge)": (56.3543, 14.4826),
    "Olofström (Blekinge)": (56.2790, 14.5333),
    "Jämshög (Blekinge)": (56.2413, 14.5320),
    "Sölvesborg (Blekinge)": (56.0507, 14.5872),
    "Halmstad (Halland)": (56.6740, 12.8575),
    "Karlshamn (Blekinge)": (56.1702, 14.8631),
}
DENMARK = {
    "Köpenhamn": (55.6761, 12.5683),
    "Amager/Kastrup": (55.6180, 12.6500),
    "Dragør": (55.5940, 12.6720),
    "Saltholm": (55.6400, 12.7700),
    "Pepparholm": (55.6000, 12.7800),
    "Helsingør": (56.0360, 12.6130),
    "Kronborg": (56.0390, 12.6210),
    "Hornbæk": (56.0900, 12.4600),
    "Gilleleje": (56.1200, 12.3100),
    "Humlebæk": (55.9620, 12.5340),
}
BORDER_TOWNS_IN_SKANE = {  # Skåne towns close to a land border
    "Östra Karup": (56.4239, 12.9432),
    "Hasslöv": (56.4131, 13.0061),
    "Skånes-Fagerhult": (56.3705, 13.4652),
    "Emmaljunga": (56.3998, 13.6492),
    "Vittsjö": (56.3419, 13.6655),
    "Killeberg": (56.4759, 14.0970),
    "Lönsboda": (56.3986, 14.3213),
    "Näsum": (56.1726, 14.4988),
    "Bromölla": (56.0762, 14.4682),
    "Nymölla": (56.0393, 14.4640),
}
COAST_IN_SKANE = {  # on the shore, on a pier or on an island: the outline's buffer keeps them in
    "Falsterbo fyr": (55.3830, 12.8160), "Skanör": (55.4060, 12.8440), "Höllviken": (55.4138, 12.9632),
    "Bunkeflostrand": (55.5534, 12.9156), "Lernacken": (55.5650, 12.9050), "Limhamn": (55.5800, 12.9250),
    "Västra hamnen": (55.6150, 12.9750), "Lomma hamn": (55.6745, 13.0600), "Bjärred pir": (55.7222, 13.0100),
    "Barsebäckshamn": (55.7558, 12.9000), "Landskrona hamn": (55.8690, 12.8150), "Ven, Bäckviken": (55.9050, 12.6700),
    "Ven, norra": (55.9250, 12.7000), "Råå": (55.9950, 12.7400), "Helsingborg hamn": (56.0440, 12.6880),
    "Hittarp": (56.0983, 12.6388), "Domsten": (56.1197, 12.6073), "Viken": (56.1450, 12.5750),
    "Höganäs": (56.2009, 12.5516), "Mölle": (56.2827, 12.4983), "Kullens fyr": (56.3017, 12.4536),
    "Arild": (56.2738, 12.5721), "Torekov": (56.4263, 12.6268), "Hallands Väderö": (56.4500, 12.5500),
    "Båstad hamn": (56.4330, 12.8520), "Åhus": (55.9235, 14.3100), "Yngsjö": (55.8828, 14.2500),
    "Kivik hamn": (55.6846, 14.2300), "Simrishamn hamn": (55.5566, 14.3600), "Brantevik": (55.5152, 14.3460),
    "Skillinge": (55.4757, 14.2799), "Sandhammaren": (55.3850, 14.1950), "Kåseberga": (55.3870, 14.0660),
    "Ystad hamn": (55.4270, 13.8200), "Abbekås": (55.3993, 13.6003), "Beddingestrand": (55.3606, 13.4252),
    "Smygehuk": (55.3371, 13.3590), "Trelleborg hamn": (55.3680, 13.1500), "Skåre": (55.3771, 13.0503),
}


def test_every_kommun_ed_and_station_is_inside() -> None:
    geo = default_geography()
    places = [*geo.kommuner, *geo.emergency_departments, *geo.ambulance_stations]
    outside = [getattr(p, "code", None) or getattr(p, "name", "") for p in places if not in_skane(p.lat, p.lon)]
    assert not outside and len(geo.kommuner) == 33


def test_every_unit_of_the_default_fleet_is_inside() -> None:
    units = default_fleet().units
    assert len(units) > 700
    assert [u.id for u in units if not in_skane(u.lat, u.lon)] == []


@pytest.mark.parametrize("name", NEIGHBOURS)
def test_neighbouring_counties_are_outside(name: str) -> None:
    assert not in_skane(*NEIGHBOURS[name])


@pytest.mark.parametrize("name", DENMARK)
def test_denmark_is_outside(name: str) -> None:
    assert not in_skane(*DENMARK[name])


@pytest.mark.parametrize("name", {**BORDER_TOWNS_IN_SKANE, **COAST_IN_SKANE})
def test_border_towns_coast_and_islands_are_inside(name: str) -> None:
    assert in_skane(*{**BORDER_TOWNS_IN_SKANE, **COAST_IN_SKANE}[name])


def test_outline_is_a_simple_polygon_of_a_few_dozen_vertices_with_its_source() -> None:
    outline = skane_outline()
    assert outline.source.strip()
    vs = outline.vertices
    assert 30 <= len(vs) <= 120
    edges = list(zip(vs, vs[1:] + vs[:1], strict=True))
    for i, a in enumerate(edges):
        for j, b in enumerate(edges):
            if j > i + 1 and not (i == 0 and j == len(edges) - 1):
                assert not _crosses(a, b), f"kanterna {i + 1} och {j + 1} korsar varandra"


def test_a_bad_outline_file_names_the_vertex(tmp_path: Path) -> None:
    path = tmp_path / "outline.yaml"
    path.write_text("source: test\nvertices: [[55.5, 13.0], [56.0, 13.5], [52.5, 13.4]]\n", encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_skane_outline(path)
    assert "hörn 3" in str(exc.value) and "utanför" in str(exc.value)


@settings(max_examples=400, deadline=None)
@given(st.floats(SKANE_BOUNDS[0] - 0.1, SKANE_BOUNDS[1] + 0.1), st.floats(SKANE_BOUNDS[2] - 0.1, SKANE_BOUNDS[3] + 0.1))
def test_the_banded_lookup_agrees_with_plain_ray_casting(lat: float, lon: float) -> None:
    assert in_skane(lat, lon) == _ray_cast(skane_outline().vertices, lat, lon)


def test_the_bounding_box_holds_the_outline() -> None:
    lat_min, lat_max, lon_min, lon_max = SKANE_BOUNDS
    assert all(lat_min <= lat <= lat_max and lon_min <= lon <= lon_max for lat, lon in skane_outline().vertices)
    assert not in_skane(0.0, 0.0) and not in_skane(55.1, 14.9)  # nowhere, Bornholm


def _ray_cast(vs: tuple[tuple[float, float], ...], lat: float, lon: float) -> bool:
    inside = False
    for (lat0, lon0), (lat1, lon1) in zip(vs, vs[1:] + vs[:1], strict=True):
        if (lat0 > lat) != (lat1 > lat) and lon < lon0 + (lat - lat0) * (lon1 - lon0) / (lat1 - lat0):
            inside = not inside
    return inside


def _crosses(a: tuple[tuple[float, float], tuple[float, float]], b: tuple[tuple[float, float], tuple[float, float]]) -> bool:
    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    (p1, p2), (q1, q2) = a, b
    return (orient(p1, p2, q1) * orient(p1, p2, q2) < 0) and (orient(q1, q2, p1) * orient(q1, q2, p2) < 0)
