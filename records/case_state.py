"""The case state machine: which event may move a case from which state to which (docs/case-states.md).

Every status change goes through `records.cases.advance`, which asks `next_status` here first, so no
code path — console, CLI, feed service or a test — can flip an assigned case back to väntrummet by
"sending it again" or reopen a closed case without saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseStatus(StrEnum):
    DRAFT = "draft"  # the call is being taken
    TRIAGED = "triaged"  # triage complete, not yet sent on
    WAITING = "waiting"  # in väntrummet, waiting for a resource
    ASSIGNED = "assigned"  # one or more units assigned
    CLOSED = "closed"  # outcome recorded

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {CaseStatus.DRAFT: "Pågående samtal", CaseStatus.TRIAGED: "Triagerad",
                  CaseStatus.WAITING: "Väntrummet", CaseStatus.ASSIGNED: "Dirigerad",
                  CaseStatus.CLOSED: "Avslutad"}


class CaseEvent(StrEnum):
    TRIAGE = "triage"  # the nurse completes (or redoes) the triage
    SEND_TO_WAITING_ROOM = "send_to_waiting_room"
    ASSIGN = "assign"  # a unit is assigned (also a second unit or part)
    RECALL = "recall"  # the last needed unit is recalled: back to väntrummet, waiting time kept
    UNIT_REDIRECTED = "unit_redirected"  # the unit was taken for another case: back to väntrummet
    CLOSE = "close"  # a structured outcome was recorded (referral, unit outcome, by hand)
    REOPEN = "reopen"  # a closed case needs care again: back to väntrummet, with a reason
    PRE_ALERT = "pre_alert"  # förlarm: a preliminary Prio 1 sent to väntrummet while the triage goes on
    COMPLETE_PRE_ALERT = "complete_pre_alert"  # the pre-alerted call's triage ends: the case is updated in place

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS = {CaseEvent.TRIAGE: "triagera", CaseEvent.SEND_TO_WAITING_ROOM: "skicka till väntrummet",
                 CaseEvent.ASSIGN: "dirigera en enhet", CaseEvent.RECALL: "återkalla enheten",
                 CaseEvent.UNIT_REDIRECTED: "ta enheten till ett annat ärende", CaseEvent.CLOSE: "avsluta",
                 CaseEvent.REOPEN: "återöppna", CaseEvent.PRE_ALERT: "skicka förlarm",
                 CaseEvent.COMPLETE_PRE_ALERT: "slutföra triageringen efter förlarmet"}


@dataclass(frozen=True)
class Rule:
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: the case stays in the state it is in
    needs_reason: bool = False


_OPEN = frozenset({CaseStatus.DRAFT, CaseStatus.TRIAGED, CaseStatus.WAITING, CaseStatus.ASSIGNED})
_CALL = frozenset({CaseStatus.DRAFT, CaseStatus.TRIAGED})

RULES: dict[CaseEvent, Rule] = {
    CaseEvent.TRIAGE: Rule(_CALL, CaseStatus.TRIAGED),
    CaseEvent.SEND_TO_WAITING_ROOM: Rule(_CALL, CaseStatus.WAITING),
    CaseEvent.ASSIGN: Rule(frozenset({CaseStatus.WAITING, CaseStatus.ASSIGNED}), CaseStatus.ASSIGNED),
    CaseEvent.RECALL: Rule(frozenset({CaseStatus.ASSIGNED}), CaseStatus.WAITING, needs_reason=True),
    CaseEvent.UNIT_REDIRECTED: Rule(frozenset({CaseStatus.ASSIGNED}), CaseStatus.WAITING, needs_reason=True),
    CaseEvent.CLOSE: Rule(_OPEN, CaseStatus.CLOSED, needs_reason=True),
    CaseEvent.REOPEN: Rule(frozenset({CaseStatus.CLOSED}), CaseStatus.WAITING, needs_reason=True),
    CaseEvent.PRE_ALERT: Rule(_CALL, CaseStatus.WAITING),
    # A unit may already be on its way: the finished triage updates the case where it is, never pulls it back.
    CaseEvent.COMPLETE_PRE_ALERT: Rule(frozenset({CaseStatus.WAITING, CaseStatus.ASSIGNED}), None),
}

# The mark (in the case's `flags`) of a case sent to väntrummet on a preliminary Prio 1 whose call is still being
# taken; the finished triage takes it away (records/pre_alert.py).
PRE_ALERT_FLAG = "pre_alert"


def call_in_progress(status: CaseStatus | str, flags: list[str] | tuple[str, ...]) -> bool:
    """Whether the case's call is still being taken: not yet sent on, or pre-alerted and not yet finished."""
    st = CaseStatus(status)
    return st in _CALL or (PRE_ALERT_FLAG in flags and st in RULES[CaseEvent.COMPLETE_PRE_ALERT].sources)


class IllegalCaseTransition(ValueError):
    """The case is not in a state where this may happen. The message is Swedish and says why."""

    def __init__(self, case_id: int, status: CaseStatus, event: CaseEvent, message: str):
        self.case_id, self.status, self.event = case_id, status, event
        super().__init__(message)


def next_status(case_id: int, current: CaseStatus | str, event: CaseEvent, reason: str | None = None) -> CaseStatus:
    """The state `event` moves the case to, or IllegalCaseTransition naming the state it is in."""
    status = CaseStatus(current)
    rule = RULES[event]
    if status not in rule.sources:
        allowed = ", ".join(s.label.lower() for s in CaseStatus if s in rule.sources)
        raise IllegalCaseTransition(case_id, status, event,
                                    f"Ärende {case_id} är {status.label.lower()} och kan inte {event.label} "
                                    f"(det går bara när ärendet är {allowed}).")
    if rule.needs_reason and not (reason or "").strip():
        raise IllegalCaseTransition(case_id, status, event,
                                    f"Ärende {case_id}: att {event.label} kräver ett skäl.")
    return rule.target if rule.target is not None else status
