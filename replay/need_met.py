"""Whether what a call got met the patient's true care need (the modelled N, replay.call_context.true_care_need):
judged on what was sent and done, not on the care-need templates' lists of capabilities.

Comparing the assigned need's capabilities with the true need's (spec §4's first wording) counted template
differences as unmet need: a Prio 1 ambulance sent to a patient who needed advice lacks "phone_advice", and an
ambulance need whose endpoint does not list "ecg" lacks the ECG every ambulance has. Three in five calls came out
"under-resourced", most of them over-resourced. Here the patient's need is unmet when:

- it asks for a unit, or for something within a time limit, and no unit was on scene within the true need's limit
  (only a need without a time limit — advice, a booking — can be met without a unit, and only where one of the
  palette's remote types covers it: whether a need has a time limit never depends on the variant), or
- what came lacks the transport level the true need asks for (a sjukresa or a lying transport to the ED for a
  patient who needed an ambulance), or
- the call was not conveyed to an emergency department (which meets every capability) and what answered lacks a
  capability the true need asks for. Every contact with care can advise, and a clinician on scene can also book.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from resources.care_need import CareNeed
from resources.palette import ResourceType
from resources.vocabulary import Capability

ANY_CONTACT = frozenset({Capability.PHONE_ADVICE})  # what every type that answers a call also gives
ON_SCENE = ANY_CONTACT | {Capability.BOOKING}  # … and a clinician on scene


def need_summary(need: CareNeed) -> tuple[frozenset[Capability], int, float]:
    """Every part's required capabilities, the highest transport rank and the tightest time limit (inf: none)."""
    caps: frozenset[Capability] = frozenset()
    rank, limit = 0, math.inf
    for part in need.parts():
        caps |= part.capabilities
        rank = max(rank, part.transport.rank)
        if part.max_minutes is not None:
            limit = min(limit, float(part.max_minutes))
    return caps, rank, limit


def _covers(types: list[ResourceType], caps: frozenset[Capability], rank: int, *, on_scene: bool = False) -> bool:
    got = frozenset().union(*(t.capabilities for t in types)) | (ON_SCENE if on_scene else ANY_CONTACT)
    return not caps - got and max((t.transport.rank for t in types), default=0) >= rank


def need_unmet(true: CareNeed, served: Iterable[ResourceType], *, conveyed: bool, response_min: float | None,
               remote_types: Iterable[ResourceType]) -> bool:
    """The true need was not met by the types that served the call (its units and a remote type), the conveyance
    and the first unit's time on scene after the call (None: no unit came); `remote_types` are the palette's."""
    caps, rank, limit = need_summary(true)
    types = list(served)
    remote_need = limit == math.inf and any(_covers([t], caps, rank) for t in remote_types)
    if not remote_need and (response_min is None or response_min > limit):
        return True
    if conveyed:  # the ED meets every capability, not the transport there
        return max((t.transport.rank for t in types), default=0) < rank
    return not _covers(types, caps, rank, on_scene=response_min is not None)
