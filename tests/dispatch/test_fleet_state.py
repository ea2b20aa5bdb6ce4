from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dispatch.fleet_view import FleetSnapshot, UnitState, load_fleet_state, merge_live, states_from_fleet
from resources.datafile import DataFileError
from resources.fleet import default_fleet
from resources.vocabulary import UnitStatus

ROOT = Path(__file__).resolve().parents[2]


def test_a_fleet_file_may_give_only_live_fields_for_registered_units(tmp_path):
    free_at = "2026-11-25T10:40:00+01:00"
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"units": [
        {"id": "AMB-001", "status": "pa_plats", "expected_free_at": free_at, "case_id": 12},
        {"id": "LST-001", "status": "ledig_ute", "lat": 55.7, "lon": 13.2},
        {"id": "X-1", "type": "LIGGANDE", "home_kommun": "Lund", "lat": 55.71, "lon": 13.19},
    ]}), encoding="utf-8")
    states = load_fleet_state(path)
    by_id = {s.id: s for s in states}
    reg = default_fleet().by_id()
    assert by_id["AMB-001"].type == "AMBULANS" and by_id["AMB-001"].lat == reg["AMB-001"].lat
    assert by_id["AMB-001"].expected_free_at == datetime.fromisoformat(free_at)
    assert by_id["LST-001"].lat == 55.7 and by_id["LST-001"].status is UnitStatus.AVAILABLE_OUT
    assert by_id["X-1"].name == "X-1"
    snap = FleetSnapshot(states)
    assert len(snap) == 3 and list(snap.type_index["LIGGANDE"]) == [1, 2]


def test_bad_fleet_entries_are_named(tmp_path):
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"units": [
        {"id": "NOPE-1", "status": "ledig_ute"},
        {"id": "AMB-001", "status": "flyger"},
    ]}), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_fleet_state(path)
    assert "post 2 (AMB-001), fält 'status'" in str(err.value)
    path.write_text(json.dumps({"units": [{"id": "NOPE-1"}, {"id": "AMB-001", "lat": 59.3, "lon": 18.0}]}),
                    encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_fleet_state(path)
    assert "post 1 (NOPE-1), fält 'type'" in str(err.value)
    assert "post 2 (AMB-001), fält 'lat'/'lon'" in str(err.value)


def test_merge_live_overlays_the_register_and_marks_unreported_units_stale():
    at = datetime(2026, 11, 25, 10, 0).astimezone()
    live = [{"id": "AMB-002", "status": "framkorning", "lat": 55.6, "lon": 13.0, "case_id": 3,
             "expected_free_at": at + timedelta(minutes=40)},
            {"id": "NOT-IN-REGISTER", "status": "ledig_ute"}]
    states = {s.id: s for s in merge_live(default_fleet(), live)}
    assert len(states) == len(default_fleet().units)
    assert states["AMB-002"].status is UnitStatus.EN_ROUTE and not states["AMB-002"].stale
    assert states["AMB-002"].case_id == 3
    assert states["AMB-001"].stale and states["AMB-001"].status is UnitStatus.AVAILABLE_AT_STATION


def test_snapshot_update_changes_only_live_fields():
    snap = FleetSnapshot(states_from_fleet(default_fleet()))
    new = snap.updated([UnitState(id="AMB-001", status=UnitStatus.TRANSPORTING, lat=55.61, lon=13.01)])
    i = snap.index["AMB-001"]
    assert snap.available[i] and not new.available[i] and not new.countable[i]
    assert new.lat[i] == 55.61 and snap.lat[i] != 55.61
    assert new.units[i].type == "AMBULANS" and new.units[i].status is UnitStatus.TRANSPORTING


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = ("import argparse, sys\nfrom dispatch import recommend_cli\np = argparse.ArgumentParser()\n"
            "recommend_cli.register(p.add_subparsers())\na = p.parse_args(sys.argv[1:])\nsys.exit(a.func(a))")
    return subprocess.run([sys.executable, "-c", code, "recommend", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_cli_prints_the_ranked_recommendation_as_json(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({
        "priority": "3", "kommun": "Malmö", "lat": 55.6, "lon": 13.0,
        "care_need": {"capabilities": ["stretcher_transport"], "transport": "lying", "max_minutes": 60},
        "context": {"age": 91, "lives_in_saebo": True}}), encoding="utf-8")
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps({"units": [{"id": "LST-001"}, {"id": "AMB-001"}]}), encoding="utf-8")
    out = run_cli("--case", str(case), "--at", "2026-11-25T10:00")
    assert out.returncode == 0, out.stderr
    part = json.loads(out.stdout)["parts"][0]
    assert part["recommended"]["type_code"] == "LIGGANDE"
    assert any(p["text"] == "Ambulans: tillräcklig men högre nivå" for p in part["passed_over"])
    out = run_cli("--case", str(case), "--fleet", str(fleet), "--at", "2026-11-25T10:00")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["parts"][0]["recommended"]["unit_id"] == "LST-001"


def test_cli_names_what_is_wrong_in_the_case_file(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"priority": "7", "kommun": "Malmö", "lat": 55.6, "lon": 13.0,
                                "care_need": {}}), encoding="utf-8")
    out = run_cli("--case", str(case))
    assert out.returncode == 2 and "fält 'priority'" in out.stderr
    case.write_text(json.dumps({"priority": "2", "kommun": "Atlantis", "lat": 55.6, "lon": 13.0,
                                "care_need": {}}), encoding="utf-8")
    out = run_cli("--case", str(case), "--at", "igår")
    assert out.returncode == 2 and "--at" in out.stderr
    out = run_cli("--case", str(case))
    assert out.returncode == 2 and "okänd kommun 'Atlantis'" in out.stderr
