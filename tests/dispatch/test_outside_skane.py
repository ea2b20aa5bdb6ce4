"""Positions in Denmark and in the neighbouring counties are outside Skåne (regression: the bounding
box alone let a unit or a case in Copenhagen through, and the recommendation sent an ambulance across
Öresund; then the box minus an Öresund line still let Laholm, Markaryd, Älmhult and Sölvesborg in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.case_input import load_case
from dispatch.fleet_view import load_fleet_state
from resources.datafile import DataFileError
from resources.fleet import default_fleet
from resources.geography import default_geography, in_skane

DENMARK = {"Köpenhamn": (55.68, 12.57), "Saltholm": (55.64, 12.77), "Kronborg": (56.039, 12.621),
           "Dragør": (55.59, 12.68), "Hornbæk": (56.09, 12.46)}
NEIGHBOURS = {"Laholm": (56.5127, 13.0446), "Markaryd": (56.4596, 13.5920), "Älmhult": (56.5513, 14.1392),
              "Sölvesborg": (56.0507, 14.5872)}
SKANE_COAST = {"Falsterbo": (55.39, 12.82), "Ven": (55.91, 12.69), "Helsingborg": (56.046, 12.694),
               "Domsten": (56.12, 12.61), "Kullen": (56.30, 12.46), "Lernacken": (55.57, 12.91)}


@pytest.mark.parametrize("name", DENMARK)
def test_danish_positions_are_outside(name: str) -> None:
    assert not in_skane(*DENMARK[name])


@pytest.mark.parametrize("name", NEIGHBOURS)
def test_halland_kronoberg_and_blekinge_are_outside(name: str) -> None:
    assert not in_skane(*NEIGHBOURS[name])


@pytest.mark.parametrize("name", SKANE_COAST)
def test_swedish_coast_is_inside(name: str) -> None:
    assert in_skane(*SKANE_COAST[name])


def test_shipped_places_and_default_fleet_are_inside() -> None:
    geo = default_geography()
    for p in (*geo.kommuner, *geo.emergency_departments, *geo.ambulance_stations):
        assert in_skane(p.lat, p.lon)
    assert all(in_skane(u.lat, u.lon) for u in default_fleet().units)


def test_fleet_unit_in_copenhagen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"units": [
        {"id": "AMB-001"},
        {"id": "X-1", "type": "AMBULANS", "name": "Ambulans Köpenhamn", "home_kommun": "Malmö",
         "lat": 55.68, "lon": 12.57}]}), encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_fleet_state(path)
    assert "post 2 (X-1)" in str(exc.value) and "utanför Skåne" in str(exc.value)


def test_case_in_copenhagen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"priority": "1", "lat": 55.68, "lon": 12.57, "kommun": "Malmö", "care_need": {
        "capabilities": ["ambulance_transport"], "transport": "ambulance", "max_minutes": 20}}), encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_case(path)
    assert "utanför Skåne" in str(exc.value)


def test_case_in_laholm_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"priority": "2", "lat": 56.5127, "lon": 13.0446, "kommun": "Båstad", "care_need": {
        "capabilities": ["ambulance_transport"], "transport": "ambulance", "max_minutes": 60}}), encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_case(path)
    assert "utanför Skåne" in str(exc.value)
