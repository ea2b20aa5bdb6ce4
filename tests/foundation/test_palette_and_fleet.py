"""The palette, geography and fleet load from data, and broken files say what is wrong and where."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from larmcentral_cli import main as cli
from resources.datafile import DataFileError
from resources.fleet import build_default_fleet, default_fleet, load_fleet, save_fleet
from resources.geography import default_geography
from resources.palette import DEFAULT_PALETTE_FILE, default_palette, load_palette
from resources.vocabulary import Capability, TransportNeed

EXPECTED_TYPES = {"AMBULANS", "SINGLE_RESP", "LIGGANDE", "SJUKRESA", "MVT_VC", "MT_SJH", "ASIH", "LAKARBIL", "PAP",
                  "PSYK_MT", "RTJ", "R1177", "BOKNING_VC", "EGENVARD"}


def test_shipped_palette_has_the_whole_broad_palette_in_level_order() -> None:
    palette = default_palette()
    assert {t.code for t in palette.types} == EXPECTED_TYPES
    levels = [t.level for t in palette.types]
    assert levels == sorted(levels) and len(set(levels)) == len(levels)
    assert palette.types[-1].code == "AMBULANS", "the ambulance is the most intensive resource"
    assert palette.type("LIGGANDE").level < palette.type("AMBULANS").level


def test_service_hours_are_data() -> None:
    palette = default_palette()
    team, doctor_car = palette.type("MVT_VC"), palette.type("LAKARBIL")
    weekday_10, weekday_22, saturday_10 = datetime(2026, 11, 25, 10), datetime(2026, 11, 25, 22), datetime(2026, 11, 28, 10)
    assert team.in_service(weekday_10) and not team.in_service(weekday_22) and not team.in_service(saturday_10)
    # The läkarbil is in service around the clock (palette assumption: it covers, by day too, the patient no
    # vårdcentral team serves); overnight windows are tested in test_service_hours_nights.py.
    assert all(doctor_car.in_service(at) for at in (weekday_10, weekday_22, saturday_10))
    assert not palette.type("PAP").in_service(weekday_10) and palette.type("PAP").in_service(weekday_22)


def test_transport_compatibility_is_by_rank() -> None:
    palette = default_palette()
    assert palette.type("AMBULANS").provides(TransportNeed.LYING)
    assert palette.type("LIGGANDE").provides(TransportNeed.SEATED)
    assert not palette.type("SJUKRESA").provides(TransportNeed.LYING)
    assert Capability.DEATH_CONFIRMATION in palette.type("LAKARBIL").capabilities


def test_default_fleet_has_the_counts_of_the_brief_and_is_deterministic() -> None:
    fleet = default_fleet()
    counts = Counter(u.type for u in fleet.units)
    assert counts["AMBULANS"] == 68 and counts["MVT_VC"] == 81 and counts["MT_SJH"] == 31
    assert counts["ASIH"] == 20 and counts["SJUKRESA"] == 471 and counts["SINGLE_RESP"] == 3
    west = {"Malmö", "Lund", "Helsingborg", "Landskrona", "Ängelholm", "Trelleborg"}
    assert sum(1 for u in fleet.of_type("MT_SJH") if u.home_kommun in west) == 25
    assert len({u.affiliation for u in fleet.of_type("ASIH")}) == 8
    assert build_default_fleet() == fleet
    assert len(default_geography().kommuner) == 33


def test_fleet_round_trips_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "flotta.json"
    save_fleet(default_fleet(), path)
    assert load_fleet(path) == default_fleet()


def _broken_palette(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(DEFAULT_PALETTE_FILE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "palett.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["types"][5].update(capabilities=["ecg", "teleportation"]), ["post 6 (MVT_VC)", "fält 'capabilities'"]),
    (lambda d: d["types"][13].pop("level"), ["post 14 (AMBULANS)", "fält 'level'", "saknas"]),
    (lambda d: d["types"][4]["service_hours"][0].update(start="25:00"), ["post 5 (LIGGANDE)", "fält 'start'"]),
    (lambda d: d["types"][3].pop("speed"), ["post 4 (SJUKRESA)", "speed"]),
    (lambda d: d["types"][1].update(level=0), ["samma nivå 0"]),
    (lambda d: d["types"][2].update(transport="helikopter"), ["post 3 (BOKNING_VC)", "fält 'transport'"]),
    # physician_assessment implies nurse_assessment: the file must list both (refused, not silently added)
    (lambda d: d["types"][11]["capabilities"].remove("nurse_assessment"),
     ["post 12 (LAKARBIL)", "'physician_assessment'", "förutsätter 'nurse_assessment'"]),
    (lambda d: d["types"][10].update(reserved_for=["ecg"]), ["post 11 (PAP)", "'reserved_for'", "ecg"]),
    (lambda d: d["types"][10].update(reserved_for=["telepati"]), ["post 11 (PAP)", "fält 'reserved_for'"]),
])
def test_broken_palette_names_file_entry_and_field(tmp_path: Path, mutate, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = _broken_palette(tmp_path, mutate)
    with pytest.raises(DataFileError) as info:
        load_palette(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_every_type_with_physician_assessment_also_has_nurse_assessment() -> None:
    doctors = [t for t in default_palette().types if Capability.PHYSICIAN_ASSESSMENT in t.capabilities]
    assert {t.code for t in doctors} >= {"LAKARBIL", "MVT_VC", "MT_SJH", "ASIH"}
    assert all(Capability.NURSE_ASSESSMENT in t.capabilities for t in doctors)


def test_pap_is_reserved_for_psychiatric_needs_and_asih_is_limited_by_serves() -> None:
    palette = default_palette()
    pap = palette.type("PAP")
    somatic = frozenset({Capability.NURSE_ASSESSMENT, Capability.AMBULANCE_TRANSPORT})
    assert pap.reserved_for == {Capability.PSYCHIATRIC_ASSESSMENT}
    assert pap.reserved_against(somatic) and not pap.reserved_against(somatic | {Capability.PSYCHIATRIC_ASSESSMENT})
    assert pap.reserved_label() == "endast för vårdbehov med psykiatrisk bedömning"
    # The other specialised types are restricted by whom they serve, not by the need.
    assert [t.code for t in palette.types if t.reserved_for] == ["PAP"]
    assert palette.type("ASIH").serves.value == "enrolled_asih"
    assert palette.type("PSYK_MT").serves.value == "known_psychiatric"


def test_palette_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "palett.yaml"
    path.write_text("version: '1'\ntypes:\n  - code: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"rad \d+"):
        load_palette(path)


def test_broken_fleet_lists_every_problem(tmp_path: Path) -> None:
    units = [u.model_dump() for u in default_fleet().units[:3]]
    units[0]["type"] = "UBÅT"
    units[1]["lat"] = 59.33  # Stockholm
    units[2]["id"] = units[0]["id"]
    units.append({**units[2], "id": "X-1", "home_kommun": "Oslo", "type": "R1177"})
    path = tmp_path / "flotta.yaml"
    path.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_fleet(path)
    problems = info.value.problems
    assert any("AMB-001" in p and "okänd resurstyp 'UBÅT'" in p for p in problems)
    assert any("AMB-002" in p and "utanför Skåne" in p for p in problems)
    assert any("finns två gånger" in p for p in problems)
    assert any("Oslo" in p for p in problems) and any("inga enheter" in p for p in problems)


def test_fleet_schema_error_names_the_unit_and_field(tmp_path: Path) -> None:
    path = tmp_path / "flotta.json"
    path.write_text('{"units": [{"id": "AMB-9", "type": "AMBULANS", "name": "x", "home_kommun": "Lund", '
                    '"lat": "norr", "lon": 13.1, "publisher": "ambulans"}]}', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"post 1 \(AMB-9\), fält 'lat'"):
        load_fleet(path)


def test_cli_checks_a_fleet_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "flotta.json"
    assert cli(["fleet", "--export", str(path)]) == 0
    assert cli(["fleet", "--check", str(path)]) == 0
    path.write_text('{"units": [{"id": "bad id"}]}', encoding="utf-8")
    assert cli(["fleet", "--check", str(path)]) == 1
    assert "fält 'id'" in capsys.readouterr().err
