from __future__ import annotations

import numpy as np
import pytest

from dispatch.travel import StraightLineEstimator, haversine_km
from resources.geography import default_geography, distance_km
from resources.palette import default_palette
from resources.vocabulary import Priority


def test_vectorised_distance_matches_the_geography_formula():
    geo = default_geography()
    lats = np.array([k.lat for k in geo.kommuner])
    lons = np.array([k.lon for k in geo.kommuner])
    lund = geo.kommun("Lund")
    got = haversine_km(lats, lons, lund.lat, lund.lon)
    want = [distance_km(k.lat, k.lon, lund.lat, lund.lon) for k in geo.kommuner]
    assert got == pytest.approx(want, abs=1e-9)


def test_drive_time_is_distance_times_road_factor_over_speed_plus_mobilisation():
    speed = default_palette().type("AMBULANS").speed
    est = StraightLineEstimator()
    km = np.array([0.0, 18.0])
    prio2 = est.drive_minutes(km, speed, Priority.P2)
    prio1 = est.drive_minutes(km, speed, Priority.P1)
    assert prio2[0] == prio1[0] == speed.mobilisation_minutes
    assert prio2[1] == pytest.approx(18.0 * speed.road_factor / speed.kmh * 60 + speed.mobilisation_minutes)
    assert prio1[1] == pytest.approx(18.0 * speed.road_factor / speed.prio1_kmh * 60 + speed.mobilisation_minutes)
    assert prio1[1] < prio2[1]
