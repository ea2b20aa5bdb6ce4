"""What the feed thread hands to the record writer (dispatch.feed.persist), in sequence order per feed.

Every update a publisher numbered ends up as exactly one of: a `StatusItem` (stored when it changed
something, else counted as an unchanged repeat), an `OutcomeItem` (stored in the durable outcome inbox),
a rejected message (counted by the channel, never numbered into the record), or part of a `HoleItem`
(numbers never received and not replayable). A `CursorItem` says everything of that epoch up to `seq`
has been handed over, so a restarted or newly leading writer asks for replay from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.feed.messages import OutcomeMessage
from resources.vocabulary import UnitStatus


@dataclass(frozen=True, slots=True)
class StatusItem:
    publisher: str
    epoch: str
    seq: int  # 0 for a snapshot entry of a unit not yet published in this epoch
    unit_id: str
    status: UnitStatus
    lat: float
    lon: float
    case_id: int | None
    ts: float  # publisher's Unix time
    received: float  # larmcentral's Unix time
    flag: str | None = None  # e.g. "illegal_transition"
    raw: bytes | None = None  # the message body as received (None: a snapshot entry)
    # False: updates numbered before this one were still missing when it arrived (a replay was pending), so
    # the unit's last stored row is not its predecessor and cannot tell whether this one changed anything
    ordered: bool = True


@dataclass(frozen=True, slots=True)
class OutcomeItem:
    publisher: str
    epoch: str
    seq: int
    message: OutcomeMessage
    received: float
    raw: bytes | None = None


@dataclass(frozen=True, slots=True)
class HoleItem:
    publisher: str
    epoch: str
    first: int
    last: int
    why: str  # HoleReason value


@dataclass(frozen=True, slots=True)
class CursorItem:
    publisher: str
    epoch: str
    seq: int


RecordItem = StatusItem | OutcomeItem | HoleItem | CursorItem


class HoleReason:
    """Why sequence numbers were never stored (docs/feed-protocol.md, section 5)."""

    REPLAY_UNAVAILABLE = "replay_unavailable"  # the publisher's replay buffer no longer holds them
    NO_REPLAY = "no_replay"  # a version 1 publisher, or it did not answer the replay request in time
    EPOCH_ENDED = "epoch_ended"  # the publisher restarted before the missing numbers could be replayed
    WRITER_BACKLOG = "writer_backlog"  # the database fell so far behind that the writer had to let go
