"""The feed protocol's messages (version 1), as pydantic models; see docs/feed-protocol.md.

Every message on the updates socket is two frames: a topic (``status``, ``outcome`` or
``heartbeat``) and a UTF-8 JSON body. The snapshot socket answers ``snapshot`` requests with a
`SnapshotReply`. Models here are the schema; `decode_update` is the hot path the subscriber uses.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from resources.fleet import Publisher
from resources.vocabulary import UnitStatus

PROTOCOL_VERSION = 1

TOPIC_STATUS = b"status"
TOPIC_OUTCOME = b"outcome"
TOPIC_HEARTBEAT = b"heartbeat"
TOPIC_SNAPSHOT = b"snapshot"

# The outcome codes of docs/outcomes.md (outcomes.codes.OutcomeCode); a test keeps them equal.
FeedOutcomeCode = Literal[
    "transported_ed", "to_vardcentral", "to_psych_ed", "to_ward", "treated_left_home",
    "left_home_advice", "handed_over_team", "referred", "declined", "not_found", "deceased",
]


def _finite(x: float) -> float:
    if not math.isfinite(x):
        raise ValueError("måste vara ett ändligt tal")
    return x


Finite = Annotated[float, AfterValidator(_finite)]
Epoch = Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
UnitId = Annotated[str, Field(min_length=1, max_length=32)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]
    publisher: Publisher
    epoch: Epoch
    seq: int = Field(ge=0, description="Per-publisher sequence number; 1 for the first update of an epoch")
    ts: Finite = Field(gt=0, description="Unix time in seconds (UTC) when the publisher produced the message")


@final
class StatusMessage(_Message):
    """A unit's status and position. Topic ``status``. Consumes one sequence number."""

    unit_id: UnitId
    status: UnitStatus
    lat: Finite
    lon: Finite
    case_id: int | None = None


@final
class OutcomeMessage(_Message):
    """What happened to the patient, reported by the unit. Topic ``outcome``. Consumes one sequence number."""

    unit_id: UnitId
    case_id: int
    code: FeedOutcomeCode
    destination: str | None = Field(default=None, max_length=64,
                                    description="Emergency department code (AKM_...) for transported_ed")
    note: str | None = Field(default=None, max_length=500)


@final
class HeartbeatMessage(_Message):
    """Liveness. Topic ``heartbeat``. Carries the last sequence number used; consumes none."""


class SnapshotRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]
    request_id: str = Field(min_length=1, max_length=64)


class UnitEntry(BaseModel):
    """One unit's last known state in a snapshot; `seq` is the update that set it (0: not yet published)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_id: UnitId
    status: UnitStatus
    lat: Finite
    lon: Finite
    case_id: int | None = None
    seq: int = Field(ge=0)
    ts: Finite = Field(gt=0)


class SnapshotReply(BaseModel):
    """The publisher's whole state at sequence `seq`, plus recently reported outcomes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]
    publisher: Publisher
    epoch: Epoch
    seq: int = Field(ge=0)
    ts: Finite = Field(gt=0)
    request_id: str = Field(min_length=1, max_length=64)
    units: list[UnitEntry]
    outcomes: list[OutcomeMessage] = Field(default_factory=list)


UpdateMessage = StatusMessage | OutcomeMessage | HeartbeatMessage

_STATUS = TypeAdapter(StatusMessage)
_OUTCOME = TypeAdapter(OutcomeMessage)
_HEARTBEAT = TypeAdapter(HeartbeatMessage)
ADAPTERS: dict[bytes, TypeAdapter] = {  # type: ignore[type-arg]
    TOPIC_STATUS: _STATUS, TOPIC_OUTCOME: _OUTCOME, TOPIC_HEARTBEAT: _HEARTBEAT,
}
