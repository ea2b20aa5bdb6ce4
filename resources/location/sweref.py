"""SWEREF 99 TM (EPSG:3006, the national grid Lantmäteriet's address data uses) to and from WGS84 (EPSG:4326).

pyproj's transformer is built once: building it costs milliseconds, converting a point microseconds.
`always_xy` keeps the order east, north / lon, lat whatever the CRS definitions say.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from pyproj import Transformer


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


@cache
def _to_sweref() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


def sweref_to_wgs84(east: float, north: float) -> tuple[float, float]:
    """(lat, lon) in degrees for a SWEREF 99 TM point (metres)."""
    lon, lat = _to_wgs84().transform(east, north)
    return float(lat), float(lon)


def wgs84_to_sweref(lat: float, lon: float) -> tuple[float, float]:
    """(east, north) in metres for a WGS84 point."""
    east, north = _to_sweref().transform(lon, lat)
    return float(east), float(north)


def sweref_to_wgs84_many(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) arrays for arrays of SWEREF 99 TM points: one call for a whole import batch."""
    lon, lat = _to_wgs84().transform(east, north)
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


def wgs84_to_sweref_many(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(east, north) arrays in metres for arrays of WGS84 points (writing a register back in Lantmäteriet's grid)."""
    east, north = _to_sweref().transform(lon, lat)
    return np.asarray(east, dtype=float), np.asarray(north, dtype=float)
