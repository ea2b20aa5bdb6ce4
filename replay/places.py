"""Where a call comes from (spec §1.3): a kommun by population, a position near its central town or anywhere in a
disc of the kommun's area, never outside Skåne's outline."""

from __future__ import annotations

import math

import numpy as np

from replay.params import SpatialParams
from resources.geography import Geography, in_skane

_KM_PER_DEG_LAT = 111.32
_MAX_ROUNDS = 50  # rejection rounds before a position falls back to the central town


class Places:
    def __init__(self, params: SpatialParams, geo: Geography):
        self.params = params
        self.names = [k.name for k in geo.kommuner]
        pop = np.array([k.population for k in geo.kommuner], dtype=float)
        self.weights = pop / pop.sum()
        self.lat = np.array([k.lat for k in geo.kommuner])
        self.lon = np.array([k.lon for k in geo.kommuner])
        self.disc_km = np.array([math.sqrt(params.areas_km2.values[k.name] / math.pi) for k in geo.kommuner])

    def kommuner(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` kommun indices drawn by population."""
        return rng.choice(len(self.names), size=n, p=self.weights)

    def positions(self, rng: np.random.Generator, kommun: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A position for every kommun index: 70 % within radius_km of the central town, the rest in the disc of
        the kommun's area; drawn again while outside Skåne (deterministic: whole rounds of draws)."""
        n = len(kommun)
        central = rng.random(n) < self.params.central.share
        radius = np.where(central, self.params.central.radius_km, self.disc_km[kommun])
        lat, lon = self.lat[kommun].copy(), self.lon[kommun].copy()
        todo = np.arange(n)
        for _ in range(_MAX_ROUNDS):
            if not len(todo):
                break
            r = radius[todo] * np.sqrt(rng.random(len(todo)))
            angle = rng.random(len(todo)) * 2 * math.pi
            c_lat, c_lon = self.lat[kommun[todo]], self.lon[kommun[todo]]
            cand_lat = np.round(c_lat + r * np.sin(angle) / _KM_PER_DEG_LAT, 5)  # rounded before the test
            cand_lon = np.round(c_lon + r * np.cos(angle) / (_KM_PER_DEG_LAT * np.cos(np.radians(c_lat))), 5)
            ok = np.fromiter((in_skane(a, b) for a, b in zip(cand_lat.tolist(), cand_lon.tolist(), strict=True)),
                             dtype=bool, count=len(todo))
            lat[todo[ok]], lon[todo[ok]] = cand_lat[ok], cand_lon[ok]
            todo = todo[~ok]
        return lat, lon
