"""Travel-time estimates: how long until a unit can be with the patient.

The default estimator is a documented rule of thumb (docs/recommendation.md): straight-line
(great-circle) distance times the road factor of the case's delregion (resources/data/road_factors.yaml;
the type's own `road_factor` where no delregion is given), divided by the type's speed (the faster
Prio 1 speed for Prio 1), plus the type's mobilisation time. It works on numpy arrays so a whole fleet
is estimated in one go. A real routing engine can replace it by implementing `TravelTimeEstimator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from resources.palette import SpeedProfile
from resources.road_factors import default_road_factors
from resources.vocabulary import Priority

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat: np.ndarray, lon: np.ndarray, to_lat: float, to_lon: float) -> np.ndarray:
    """Great-circle distance in km from every (lat[i], lon[i]) to one point (degrees)."""
    p1 = np.radians(lat)
    p2 = np.radians(to_lat)
    dp = p2 - p1
    dl = np.radians(to_lon - lon)
    a = np.sin(dp * 0.5) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl * 0.5) ** 2
    distance: np.ndarray = (2.0 * EARTH_RADIUS_KM) * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return distance


class TravelTimeEstimator(Protocol):
    """Distance and driving time from many unit positions to one patient.

    `distance_km(lat, lon, to_lat, to_lon)` -> km per unit (straight line or by road, as the
    estimator sees fit; it is what the recommendation shows), and
    `drive_minutes(km, speed, priority, delregion)` -> minutes from alert until the unit is with the
    patient (including mobilisation), per unit; `delregion` is the case's (None when unknown). Both take
    and return numpy float arrays.
    """

    def distance_km(self, lat: np.ndarray, lon: np.ndarray, to_lat: float, to_lon: float) -> np.ndarray: ...

    def drive_minutes(self, km: np.ndarray, speed: SpeedProfile, priority: Priority,
                      delregion: str | None = None) -> np.ndarray: ...


class StraightLineEstimator:
    """km_straight × road_factor / (kmh or prio1_kmh) × 60 + mobilisation_minutes, where road_factor is the
    delregion's (`road_factors`) and the type's own where the delregion is not given or not listed."""

    def __init__(self, road_factors: Mapping[str, float] | None = None):
        self.road_factors = dict(road_factors or {})

    def distance_km(self, lat: np.ndarray, lon: np.ndarray, to_lat: float, to_lon: float) -> np.ndarray:
        return haversine_km(lat, lon, to_lat, to_lon)

    def drive_minutes(self, km: np.ndarray, speed: SpeedProfile, priority: Priority,
                      delregion: str | None = None) -> np.ndarray:
        kmh = speed.prio1_kmh if priority is Priority.P1 else speed.kmh
        road_factor = self.road_factors.get(delregion, speed.road_factor) if delregion else speed.road_factor
        return km * (road_factor * 60.0 / kmh) + speed.mobilisation_minutes


DEFAULT_ESTIMATOR: TravelTimeEstimator = StraightLineEstimator(default_road_factors().delregioner)
