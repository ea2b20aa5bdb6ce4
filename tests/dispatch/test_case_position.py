"""The recommendation starts from where the patient is, not from the kommun's centre (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.case_input import DispatchCase, case_from_record
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import recommend
from dispatch.travel import StraightLineEstimator
from records.cases import CaseIntake, create_case, get_case
from records.models import Case
from resources.care_need import CareNeed
from resources.datafile import DataFileError
from resources.fleet import default_fleet
from resources.geography import default_geography, distance_km
from resources.location.model import PositionSource
from resources.palette import default_palette
from resources.road_factors import RoadFactors, default_road_factors, load_road_factors
from resources.vocabulary import Capability as C
from resources.vocabulary import Priority, TransportNeed, UnitStatus
from tests.dispatch.test_recommend import WEDNESDAY_10

GEO = default_geography()
FLEET = default_fleet()
AMBULANCE_NEED = CareNeed(capabilities={C.ECG, C.AMBULANCE_TRANSPORT}, transport=TransportNeed.AMBULANCE, max_minutes=30)
# Near Degeberga, in Kristianstad kommun, about 27 km south of the kommun's centre.
FAR_SOUTH_IN_KRISTIANSTAD = (55.79, 14.12)


def _fleet_with_an_ambulance_near(lat: float, lon: float) -> tuple[FleetSnapshot, str]:
    """Every unit free at its station, and one Kristianstad ambulance out on the road 3 km from (lat, lon)."""
    near = next(u for u in FLEET.of_type("AMBULANS") if u.home_kommun == "Kristianstad")
    states = [s.model_copy(update={"status": UnitStatus.AVAILABLE_OUT, "lat": lat + 0.027, "lon": lon})
              if s.id == near.id else s for s in states_from_fleet(FLEET)]
    return FleetSnapshot(states), near.id


def test_a_case_30_km_from_its_kommun_centre_gets_the_unit_nearest_the_case():
    lat, lon = FAR_SOUTH_IN_KRISTIANSTAD
    centre = GEO.kommun("Kristianstad")
    assert distance_km(lat, lon, centre.lat, centre.lon) > 25
    snapshot, near_id = _fleet_with_an_ambulance_near(lat, lon)

    at_case = DispatchCase(priority=Priority.P1, care_need=AMBULANCE_NEED, lat=lat, lon=lon, kommun="Kristianstad")
    at_centre = at_case.model_copy(update={"lat": centre.lat, "lon": centre.lon})
    chosen = recommend(at_case, snapshot, WEDNESDAY_10).parts[0].recommended
    from_centre = recommend(at_centre, snapshot, WEDNESDAY_10).parts[0].recommended

    assert chosen is not None and from_centre is not None
    assert chosen.unit_id == near_id
    assert from_centre.unit_id != near_id  # the old kommun-centre position would have sent another unit
    assert chosen.distance_km == pytest.approx(3.0, abs=0.1)


def test_a_stored_case_keeps_its_position_and_source_and_is_recommended_from_it(sqlite_db, make_actor):
    lat, lon = FAR_SOUTH_IN_KRISTIANSTAD
    actor = make_actor(sqlite_db)
    intake = CaseIntake(address="Fiktiva vägen 3, Degeberga", kommun="Kristianstad", lat=lat, lon=lon,
                        position_source=PositionSource.ADDRESS, position_accuracy_m=15)
    with sqlite_db() as session, session.begin():
        case_id = create_case(session, actor, intake).id
        row = session.get(Case, case_id)
        assert row is not None
        row.priority, row.care_need = Priority.P1.value, AMBULANCE_NEED.model_dump(mode="json")
    with sqlite_db() as session, session.begin():
        view = get_case(session, actor, case_id)
    assert (view.position_source, view.position_accuracy_m, view.position_flag) == ("address", 15, None)
    snapshot, near_id = _fleet_with_an_ambulance_near(lat, lon)
    rec = recommend(case_from_record(view), snapshot, WEDNESDAY_10).parts[0].recommended
    assert rec is not None and rec.unit_id == near_id


def test_the_arrival_estimate_uses_the_road_factor_of_the_case_delregion():
    speed = default_palette().type("AMBULANS").speed
    est = StraightLineEstimator({"Malmö": 1.2, "Nordost": 1.5})
    km = np.array([20.0])
    malmo = est.drive_minutes(km, speed, Priority.P2, "Malmö")[0]
    nordost = est.drive_minutes(km, speed, Priority.P2, "Nordost")[0]
    assert malmo == pytest.approx(20 * 1.2 / speed.kmh * 60 + speed.mobilisation_minutes)
    assert nordost == pytest.approx(20 * 1.5 / speed.kmh * 60 + speed.mobilisation_minutes)
    # No delregion, or one the data does not list: the type's own road factor.
    for unknown in (None, "Gotland"):
        assert est.drive_minutes(km, speed, Priority.P2, unknown)[0] == pytest.approx(
            20 * speed.road_factor / speed.kmh * 60 + speed.mobilisation_minutes)


def test_recommend_takes_the_road_factor_from_the_case_delregion():
    """The same straight-line distance takes longer in sparse Nordost than in Malmö (shipped data)."""
    factors = default_road_factors().delregioner
    assert factors["Nordost"] > factors["Malmö"]
    speed = default_palette().type("AMBULANS").speed
    results = {}
    for kommun in ("Malmö", "Kristianstad"):
        k = GEO.kommun(kommun)
        unit = next(u for u in FLEET.of_type("AMBULANS") if u.home_kommun == kommun)
        states = [s.model_copy(update={"status": UnitStatus.AVAILABLE_OUT, "lat": k.lat + 0.09, "lon": k.lon})
                  if s.id == unit.id else s for s in states_from_fleet(FLEET)]
        case = DispatchCase(priority=Priority.P2, care_need=AMBULANCE_NEED, lat=k.lat, lon=k.lon, kommun=kommun)
        part = recommend(case, FleetSnapshot(states), WEDNESDAY_10, exclude=[
            u.id for u in FLEET.of_type("AMBULANS") if u.id != unit.id]).parts[0].recommended
        assert part is not None and part.unit_id == unit.id
        results[kommun] = part
    for kommun, delregion in (("Malmö", "Malmö"), ("Kristianstad", "Nordost")):
        got = results[kommun]
        assert got.eta_minutes == pytest.approx(
            got.distance_km * factors[delregion] / speed.kmh * 60 + speed.mobilisation_minutes, abs=0.2)


def test_a_road_factor_file_must_name_every_delregion_with_a_sane_factor(tmp_path):
    path = tmp_path / "road_factors.yaml"
    path.write_text("source: test\ndelregioner: {Malmö: 1.2, Sydväst: 0.9}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_road_factors(path)
    message = str(err.value)
    assert "vägfaktor saknas för delregion" in message or "0.9" in message
    assert isinstance(default_road_factors(), RoadFactors)
