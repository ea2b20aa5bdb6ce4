"""The command layer: one named, plain-Python command per clinical write (docs/commands.md).

Every caller — the console, the CLIs, `feed serve`, tests and benchmarks — changes the clinical record only
through these. Each command runs in one transaction that checks the actor's permission, checks the case's
state (records/case_state.py), writes, audits, logs the command id (a repeated id returns the first result)
and emits one change event.
"""

from commands.admin import (
    CreateServiceToken,
    CreateUser,
    GrantRole,
    RevokeRole,
    RevokeServiceToken,
    SetPassword,
    SetUserActive,
    UnlockUser,
)
from commands.alerts import AcknowledgeAlert, AlertAcknowledged
from commands.base import Command, CommandIdReused, ConcurrentChange, Done
from commands.calls import (
    CallFinished,
    CaseCreated,
    CompleteTriage,
    CreateCase,
    DiscardDraft,
    DraftHandedOver,
    DraftSaved,
    FinishCall,
    HandOverDraft,
    ReopenCase,
    SaveDraft,
    SendToWaitingRoom,
)
from commands.care_plans import (
    RemoveCarePlan,
    RemoveStandingOrder,
    RemoveTreatmentLimitation,
    SetCarePlan,
    SetStandingOrder,
    SetTreatmentLimitation,
)
from commands.closing import ApplyFeedOutcome, CorrectOutcome, RecordFollowUp, RecordOutcome
from commands.dispatching import AssignUnit, ReassignUnit, RecallUnit, SetUnitStatus
from commands.feed_inbox import DeadOutcome, InboxRun, apply_due_outcomes
from commands.limitation_decisions import RecordLimitationDecision
from commands.notes import AddCaseNote, NoteAdded
from commands.pre_alert import SendPreAlert
from commands.red_flags import RecordRedFlag
from commands.reviews import AcceptProposal, ChangeCaseTriage, CommentReview, RejectProposal, SignOffReview
from commands.runner import execute, run
from commands.unit_alerts import AlertReplyApplied, AlertTimedOut, ApplyAlertReply, MarkAlertTimedOut

ALL_COMMANDS: tuple[type[Command], ...] = (
    CreateCase, SaveDraft, DiscardDraft, HandOverDraft, CompleteTriage, SendToWaitingRoom, FinishCall, ReopenCase,
    SendPreAlert,
    RecordRedFlag, RecordLimitationDecision, AcknowledgeAlert, AddCaseNote,
    AssignUnit, RecallUnit, ReassignUnit, SetUnitStatus, ApplyAlertReply, MarkAlertTimedOut,
    RecordOutcome, CorrectOutcome, ApplyFeedOutcome, RecordFollowUp,
    CommentReview, SignOffReview, ChangeCaseTriage, AcceptProposal, RejectProposal,
    CreateUser, GrantRole, RevokeRole, SetUserActive, SetPassword, UnlockUser, CreateServiceToken,
    RevokeServiceToken,
    SetCarePlan, RemoveCarePlan, SetTreatmentLimitation, RemoveTreatmentLimitation, SetStandingOrder,
    RemoveStandingOrder,
)

__all__ = [
    "AcknowledgeAlert", "AlertAcknowledged", "AddCaseNote", "NoteAdded",
    "CreateServiceToken", "CreateUser", "GrantRole", "RevokeRole", "RevokeServiceToken", "SetPassword",
    "SetUserActive", "UnlockUser",
    "ALL_COMMANDS", "AcceptProposal", "CallFinished", "ApplyFeedOutcome", "AssignUnit", "CaseCreated", "ChangeCaseTriage",
    "Command", "CommandIdReused", "ConcurrentChange", "CommentReview", "CompleteTriage", "CorrectOutcome", "CreateCase",
    "DiscardDraft", "Done", "DraftHandedOver", "DraftSaved", "FinishCall", "HandOverDraft", "ReassignUnit",
    "RecallUnit", "RecordFollowUp",
    "RecordLimitationDecision", "RecordOutcome", "RecordRedFlag", "RejectProposal", "ReopenCase", "SaveDraft", "SendPreAlert", "SendToWaitingRoom",
    "SetUnitStatus",
    "SignOffReview", "execute", "run",
    "DeadOutcome", "InboxRun", "apply_due_outcomes",
    "AlertReplyApplied", "AlertTimedOut", "ApplyAlertReply", "MarkAlertTimedOut",
    "RemoveCarePlan", "RemoveStandingOrder", "RemoveTreatmentLimitation", "SetCarePlan", "SetStandingOrder",
    "SetTreatmentLimitation",
]
