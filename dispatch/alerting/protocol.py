"""The unit alert protocol's messages, version 1 (docs/alert-protocol.md), as strict pydantic models.

Every message is two frames: the type (``alert``, ``update``, ``cancel``, ``ack``, ``accept``, ``decline``,
``heartbeat``) and a UTF-8 JSON body of at most MAX_BODY_BYTES. The schema is closed and strict like the feeds':
no bool as a number, no string as a number, no unknown field. `decode_gateway` checks what a unit gateway sends and
names the reason of a refusal (the document's section 7); the larmcentral's own messages are built with
`alert_body`/`cancel_body` and `encode`.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal, final

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from resources.fleet import Publisher

VERSION = 1
MAX_BODY_BYTES = 16_384
MAX_FRAME_BYTES = 65_536  # the ROUTER's maxmsgsize: a larger frame ends the connection
MIN_TS, MAX_TS = 946_684_800.0, 4_102_444_800.0
MAX_SEQ = 2**31 - 1
MAX_FACTS, MAX_FACT_CHARS = 12, 300
MAX_REASON_CHARS = 500

ALERT, UPDATE, CANCEL = b"alert", b"update", b"cancel"
ACK, ACCEPT, DECLINE, HEARTBEAT = b"ack", b"accept", b"decline", b"heartbeat"
FROM_GATEWAY = (ACK, ACCEPT, DECLINE, HEARTBEAT)

CancelReason = Literal["recalled", "reassigned", "redirected", "case_closed", "declined"]
AlertId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]
UnitId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9ÅÄÖåäö_.-]+$")]
CaseId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Timestamp = Annotated[float, Field(ge=MIN_TS, le=MAX_TS)]
Epoch = Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON_CHARS)]

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class _Message(BaseModel):
    model_config = _STRICT

    v: Literal[1]
    publisher: Publisher
    ts: Timestamp


# --- gateway → larmcentral ---------------------------------------------------------------------------------

@final
class GatewayAck(_Message):
    """The unit's system received an alert, update or cancel (or refused it, with a reason)."""

    alert_id: AlertId
    unit_id: UnitId
    seq: Seq
    of: Literal["alert", "update", "cancel"]
    result: Literal["ok", "refused"]
    reason: Reason | None = None

    @model_validator(mode="after")
    def _reason_with_refusal(self) -> GatewayAck:
        if self.result == "refused" and self.reason is None:
            raise ValueError("reason krävs när result är refused")
        return self


@final
class Accept(_Message):
    alert_id: AlertId
    unit_id: UnitId


@final
class Decline(_Message):
    alert_id: AlertId
    unit_id: UnitId
    reason: Reason


@final
class GatewayHeartbeat(_Message):
    epoch: Epoch


GatewayMessage = GatewayAck | Accept | Decline | GatewayHeartbeat
_ADAPTERS: dict[bytes, TypeAdapter[Any]] = {ACK: TypeAdapter(GatewayAck), ACCEPT: TypeAdapter(Accept),
                                            DECLINE: TypeAdapter(Decline), HEARTBEAT: TypeAdapter(GatewayHeartbeat)}


class Rejected(ValueError):
    """A message from a gateway that is dropped; `reason` is the document's name for why."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def decode_gateway(frames: list[bytes], publisher: str) -> GatewayMessage:
    """One gateway message (the frames after the ROUTER's identity frame) received on `publisher`'s endpoint.
    Raises Rejected with the reason: malformed_frames, unknown_type, too_large, invalid_json, schema,
    wrong_publisher."""
    if len(frames) != 2:
        raise Rejected("malformed_frames", f"{len(frames)} ramar")
    kind, body = frames
    if kind not in _ADAPTERS:
        raise Rejected("unknown_type", kind[:32].decode("ascii", "replace"))
    if len(body) > MAX_BODY_BYTES:
        raise Rejected("too_large", f"{len(body)} byte")
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Rejected("invalid_json", str(exc)[:200]) from None
    try:
        msg = _ADAPTERS[kind].validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0] if exc.errors() else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first["loc"]) or "meddelandet"
        raise Rejected("schema", f"{where}: {first['msg']}") from None
    if msg.publisher != publisher:
        raise Rejected("wrong_publisher", f"{msg.publisher} på {publisher}s ändpunkt")
    return msg  # type: ignore[no-any-return]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} är inget tal")


# --- larmcentral → gateway ---------------------------------------------------------------------------------

def header(publisher: str) -> dict[str, Any]:
    return {"v": VERSION, "publisher": publisher, "ts": round(time.time(), 3)}


def encode(kind: bytes, body: dict[str, Any]) -> list[bytes]:
    """The two frames of a message (JSON without NaN; UTF-8 as is)."""
    return [kind, json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()]


def central_ack(publisher: str, alert_id: str, unit_id: str, of: str, reason: str | None = None) -> list[bytes]:
    """The larmcentral's answer to an accept or decline: recorded (`reason` None) or refused with `reason`."""
    body = header(publisher) | {"alert_id": alert_id, "unit_id": unit_id, "of": of,
                                "result": "ok" if reason is None else "refused"}
    if reason is not None:
        body["reason"] = reason[:MAX_REASON_CHARS]
    return encode(ACK, body)


def heartbeat(publisher: str) -> list[bytes]:
    return encode(HEARTBEAT, header(publisher))


def stamped(body: dict[str, Any]) -> dict[str, Any]:
    """A stored revision as sent now: its `ts` is the moment of sending (each resend its own)."""
    return {**body, "ts": round(time.time(), 3)}
