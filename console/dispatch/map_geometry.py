"""The map's arithmetic, without Qt: the view that frames a case and its units, the circle of a position's
accuracy, and which case markers are drawn as one because they lie within a few pixels of each other.

Coordinates are (lon, lat) in degrees, as the map's x and y. A kilometre is 1/111.32 of a degree of latitude
and 1/(111.32·cos lat) of a degree of longitude (good to well under 1 % across Skåne)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

KM_PER_DEG_LAT = 111.32
MIN_SPAN_KM = 6.0  # a case alone is shown town-wide: its streets' scale, neighbouring villages at the edge
FIT_PADDING = 0.2  # room beyond the farthest unit, as a share of its distance (its ring and label stay inside)


class ViewRange(NamedTuple):
    x0: float
    x1: float
    y0: float
    y1: float


class Marker(NamedTuple):
    """One case marker: a single case, or cases within a few pixels of each other drawn as one. `ids` in the order
    given (väntrummet's: the most urgent first); the marker stands where the first of them is."""

    lon: float
    lat: float
    ids: tuple[int, ...]


def km_per_deg_lon(lat: float) -> float:
    return KM_PER_DEG_LAT * math.cos(math.radians(lat))


def fit_range(lon: float, lat: float, others: Sequence[tuple[float, float]] = (), *, radius_m: float | None = None,
              min_km: float = MIN_SPAN_KM, padding: float = FIT_PADDING) -> ViewRange:
    """The view centred on (lon, lat) that holds every point of `others` and the circle of `radius_m` around it,
    with `padding`, and is at least `min_km` across both ways (the map's locked aspect widens one of them)."""
    kx, ky = km_per_deg_lon(lat), KM_PER_DEG_LAT
    half_x = max((abs(o[0] - lon) * kx for o in others), default=0.0)
    half_y = max((abs(o[1] - lat) * ky for o in others), default=0.0)
    if radius_m:
        half_x = max(half_x, radius_m / 1000)
        half_y = max(half_y, radius_m / 1000)
    half_x = max(half_x * (1 + padding), min_km / 2)
    half_y = max(half_y * (1 + padding), min_km / 2)
    return ViewRange(lon - half_x / kx, lon + half_x / kx, lat - half_y / ky, lat + half_y / ky)


def circle_radii(lat: float, radius_m: float) -> tuple[float, float]:
    """The half-axes in degrees (lon, lat) of a circle of `radius_m` metres at latitude `lat`."""
    km = radius_m / 1000
    return km / km_per_deg_lon(lat), km / KM_PER_DEG_LAT


def group_markers(points: Sequence[tuple[int, float, float]], pixel: tuple[float, float],
                  within_px: float) -> list[Marker]:
    """Markers for (id, lon, lat) points at a zoom where one pixel is `pixel` (degrees lon, lat): a point within
    `within_px` pixels of an earlier marker joins it, in the order given (tens of open cases: the quadratic walk
    costs well under a millisecond)."""
    px, py = pixel
    if px <= 0 or py <= 0:
        px = py = 1e-9  # no size yet: only identical positions share a marker
    limit = within_px * within_px
    markers: list[tuple[float, float, list[int]]] = []
    for case_id, lon, lat in points:
        for mlon, mlat, ids in markers:
            if ((lon - mlon) / px) ** 2 + ((lat - mlat) / py) ** 2 <= limit:
                ids.append(case_id)
                break
        else:
            markers.append((lon, lat, [case_id]))
    return [Marker(lon, lat, tuple(ids)) for lon, lat, ids in markers]


def next_in_group(ids: Sequence[int], selected: int | None) -> int:
    """The case a click on a marker selects: the first (most urgent); while one of them is selected, the one after
    it (a click again goes round them all)."""
    if selected is not None and selected in ids:
        return ids[(list(ids).index(selected) + 1) % len(ids)]
    return ids[0]
