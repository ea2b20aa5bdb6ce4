"""The feed protocol's messages (versions 1 and 2), as pydantic models; see docs/feed-protocol.md.

Every message on the updates socket is two frames: a topic (``status``, ``outcome`` or
``heartbeat``) and a UTF-8 JSON body. The snapshot socket answers ``snapshot`` requests with a
`SnapshotReply` and (version 2) ``replay`` requests with a `ReplayReply`. The schema is closed and
strict — no bool as a number, no string as a number, no unknown field — and every number has the range
of the database column it ends up in. `ADAPTERS` is the hot path the subscriber uses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, final

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from records.text_fields import LABELS, text_rule
from resources.fleet import Publisher
from resources.vocabulary import UnitStatus

PROTOCOL_VERSION = 2  # what this side speaks; version 1 peers are understood (no replay)

TOPIC_STATUS = b"status"
TOPIC_OUTCOME = b"outcome"
TOPIC_HEARTBEAT = b"heartbeat"
TOPIC_SNAPSHOT = b"snapshot"
TOPIC_REPLAY = b"replay"

# Limits (documented in docs/feed-protocol.md section 3; a test keeps them equal).
MAX_ID = 2**63 - 1  # seq and case_id: the 64-bit database columns
MIN_TS = 946_684_800.0  # 2000-01-01T00:00:00Z
MAX_TS = 4_102_444_800.0  # 2100-01-01T00:00:00Z
MAX_UPDATE_BYTES = 8_192  # one status/outcome/heartbeat body
MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024  # one snapshot or replay reply
MAX_SNAPSHOT_UNITS = 20_000
MAX_SNAPSHOT_OUTCOMES = 5_000
MAX_REPLAY_UPDATES = 2_000  # per replay reply; the subscriber asks again for the rest

# The outcome codes of docs/outcomes.md (outcomes.codes.OutcomeCode); a test keeps them equal.
FeedOutcomeCode = Literal[
    "transported_ed", "to_vardcentral", "to_psych_ed", "to_ward", "treated_left_home",
    "left_home_advice", "handed_over_team", "referred", "declined", "not_found", "deceased",
]

Version = Annotated[int, Field(ge=1, le=2)]
Epoch = Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Seq = Annotated[int, Field(ge=0, le=MAX_ID)]
CaseId = Annotated[int, Field(ge=1, le=MAX_ID)]
Timestamp = Annotated[float, Field(ge=MIN_TS, le=MAX_TS)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0)]
Lon = Annotated[float, Field(ge=-180.0, le=180.0)]
UnitId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9ÅÄÖåäö_.-]+$")]
RequestId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class _Message(BaseModel):
    model_config = _STRICT

    v: Version
    publisher: Publisher
    epoch: Epoch
    seq: Seq = Field(description="Per-publisher sequence number; 1 for the first update of an epoch")
    ts: Timestamp = Field(description="Unix time in seconds (UTC) when the publisher produced the message")


@final
class StatusMessage(_Message):
    """A unit's status and position. Topic ``status``. Consumes one sequence number."""

    unit_id: UnitId
    status: UnitStatus
    lat: Lat
    lon: Lon
    case_id: CaseId | None = None


@final
class OutcomeMessage(_Message):
    """What happened to the patient, reported by the unit. Topic ``outcome``. Consumes one sequence number."""

    unit_id: UnitId
    case_id: CaseId
    code: FeedOutcomeCode
    destination: str | None = Field(default=None, max_length=64, pattern=r"^[A-Z0-9_]+$",
                                    description="Emergency department code (AKM_...) for transported_ed")
    # the clinical record's own rule for a note, checked at the wire: refused later, the case would wait
    note: Annotated[str, text_rule(LABELS["note"], None, multiline=True)] | None = Field(default=None, max_length=500)


@final
class HeartbeatMessage(_Message):
    """Liveness. Topic ``heartbeat``. Carries the last sequence number used; consumes none."""


class ReplayRange(BaseModel):
    model_config = _STRICT

    epoch: Epoch
    first: Seq = Field(alias="from")
    last: Seq = Field(alias="to")


class SnapshotRequest(BaseModel):
    """Version 1: ``{"v": 1, "request_id": …}`` asks for a snapshot. Version 2 adds an optional ``replay``
    range: then the answer is a `ReplayReply` with the updates of that range instead."""

    model_config = _STRICT

    v: Version
    request_id: RequestId
    replay: ReplayRange | None = None


class UnitEntry(BaseModel):
    """One unit's last known state in a snapshot; `seq` is the update that set it (0: not yet published)."""

    model_config = _STRICT

    unit_id: UnitId
    status: UnitStatus
    lat: Lat
    lon: Lon
    case_id: CaseId | None = None
    seq: Seq
    ts: Timestamp


class SnapshotReply(BaseModel):
    """The publisher's whole state at sequence `seq`, plus recently reported outcomes."""

    model_config = _STRICT

    v: Version
    publisher: Publisher
    epoch: Epoch
    seq: Seq
    ts: Timestamp
    request_id: RequestId
    # UnitEntry and OutcomeMessage objects, checked one by one (channel): a bad entry costs only itself.
    units: list[Any] = Field(max_length=MAX_SNAPSHOT_UNITS)
    outcomes: list[Any] = Field(default_factory=list, max_length=MAX_SNAPSHOT_OUTCOMES)


class ReplayReply(BaseModel):
    """Version 2. The updates of the asked range the publisher still holds, oldest first (at most
    MAX_REPLAY_UPDATES; ask again from the next number for the rest). `oldest` is the lowest sequence
    number it still holds for `epoch` (seq + 1 when it holds none); `epoch` is its current epoch — when
    that is not the asked one, nothing of the asked epoch can be replayed."""

    model_config = _STRICT

    v: Literal[2]
    publisher: Publisher
    epoch: Epoch
    seq: Seq
    ts: Timestamp
    request_id: RequestId
    oldest: Seq
    # {"topic": "status" | "outcome", "message": {...}} each; checked one by one (channel), so one bad
    # update costs only itself, never the page.
    updates: list[Any] = Field(max_length=MAX_REPLAY_UPDATES)


UpdateMessage = StatusMessage | OutcomeMessage | HeartbeatMessage

_STATUS = TypeAdapter(StatusMessage)
_OUTCOME = TypeAdapter(OutcomeMessage)
_HEARTBEAT = TypeAdapter(HeartbeatMessage)
UNIT_ENTRY = TypeAdapter(UnitEntry)
ADAPTERS: dict[bytes, TypeAdapter] = {  # type: ignore[type-arg]
    TOPIC_STATUS: _STATUS, TOPIC_OUTCOME: _OUTCOME, TOPIC_HEARTBEAT: _HEARTBEAT,
}
