"""Which resource type a unit belongs to (the default fleet, or a mapping the caller passes)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from resources.fleet import default_fleet

UNKNOWN_TYPE = "OKÄND"


@cache
def default_unit_types() -> Mapping[str, str]:
    return {u.id: u.type for u in default_fleet().units}


def unit_type(unit_id: str, unit_types: Mapping[str, str] | None = None) -> str:
    types = unit_types if unit_types is not None else default_unit_types()
    return types.get(unit_id, UNKNOWN_TYPE)
