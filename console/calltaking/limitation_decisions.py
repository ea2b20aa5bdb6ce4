"""The call's decisions on the patient's treatment limitations (commands.RecordLimitationDecision), kept with the draft.

A limitation the path concerns (`LimitationNotice.applies`: ej HLR on a cardiac-arrest path …) needs the nurse's
decision before the call is sent. A decision is for one patient's limitation on one endpoint's path: a path that ends
elsewhere and is concerned again asks again, and so does another patient's limitation of the same kind once the
personnummer is corrected (her decision on one patient's ej HLR is none on another's); the case's history keeps all. Each decision is sent with its own id, kept
with the draft, so a retry after a lost reply or a database away is the same decision, once (as the call's red flags
and notes are)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from PySide6.QtCore import QObject, Signal

from commands import CommandIdReused, RecordLimitationDecision
from console.tasks import CommandOp, DbExecutor
from records.actor import Actor
from resources.care_plan import LimitationDecision, LimitationKind
from triage_rules.results import LimitationNotice


class LimitationDecisions(QObject):
    recorded = Signal()  # a decision is on the case
    not_recorded = Signal(object)  # the exception: the decision stays with the draft, sent again next time

    def __init__(self, executor: DbExecutor, actor: Actor, parent: QObject | None = None):
        super().__init__(parent)
        self.executor, self.actor = executor, actor
        self.records: list[dict[str, Any]] = []  # as the draft keeps them
        self._in_flight: set[str] = set()

    def clear(self) -> None:
        self.records, self._in_flight = [], set()

    def restore(self, records: Any) -> None:
        """A draft's decisions; only this user's unsent ones are sent from here (a colleague's were sent by theirs)."""
        self.clear()
        self.records = [dict(r) for r in records or [] if isinstance(r, dict) and r.get("command_id")
                        and (r.get("sent") or r.get("by") == self.actor.username)]

    def command(self, case_id: int, notice: LimitationNotice, endpoint: str | None, decision: LimitationDecision,
                reason: str, command_id: UUID | None = None) -> RecordLimitationDecision:
        """The command for a decision on `notice` (pydantic refuses a followed limitation without reason)."""
        return RecordLimitationDecision(command_id=command_id or uuid4(), case_id=case_id,
                                        kind=LimitationKind(notice.kind), decision=decision, reason=reason,
                                        shown=notice.text[:500], endpoint=endpoint)

    def decided(self, kind: str, endpoint: str | None, patient: str | None) -> dict[str, Any] | None:
        """The latest decision on patient `patient`'s limitation `kind` on `endpoint`'s path, if any."""
        return next((r for r in reversed(self.records) if r["kind"] == kind and r.get("endpoint") == endpoint
                     and r.get("patient") == patient), None)

    def pending(self, notices: tuple[LimitationNotice, ...], endpoint: str | None,
                patient: str | None) -> list[LimitationNotice]:
        """The limitations of `patient` this path concerns that have no decision yet (ej HLR first, as the register
        orders them)."""
        return [n for n in notices if n.applies and self.decided(n.kind, endpoint, patient) is None]

    def add(self, cmd: RecordLimitationDecision, patient: str | None) -> dict[str, Any]:
        """Keep the decision on `patient`'s limitation (the personnummer whose plan the dialog showed)."""
        record = {"command_id": str(cmd.command_id), "kind": cmd.kind.value, "decision": cmd.decision.value,
                  "label": cmd.decision.label(cmd.kind), "reason": cmd.reason, "shown": cmd.shown,
                  "endpoint": cmd.endpoint, "patient": patient, "by": self.actor.username, "sent": False}
        self.records.append(record)
        return record

    def waiting(self) -> bool:
        """Whether one of this user's decisions is not yet on the case."""
        return any(not r.get("sent") and r.get("by") == self.actor.username for r in self.records)

    def flush(self, case_id: int | None) -> None:
        """Send this user's decisions not yet on the case, each with its kept id (a retry repeats it)."""
        if case_id is None or not self.executor.running:
            return  # kept with the draft: sent once the case exists / the database is back
        for r in self.records:
            cid = str(r["command_id"])
            if r.get("sent") or r.get("by") != self.actor.username or cid in self._in_flight:
                continue
            self._in_flight.add(cid)
            cmd = RecordLimitationDecision(command_id=UUID(cid), case_id=case_id, kind=LimitationKind(r["kind"]),
                                           decision=LimitationDecision(r["decision"]), reason=r["reason"],
                                           shown=r["shown"], endpoint=r.get("endpoint"))
            CommandOp(self.executor, self.actor, cmd).success(lambda _done, cid=cid: self._recorded(cid)).failure(
                lambda exc, cid=cid: self._failed(cid, exc)).run()

    def _recorded(self, command_id: str) -> None:
        self._in_flight.discard(command_id)
        for r in self.records:
            if r["command_id"] == command_id:
                r["sent"] = True
        self.recorded.emit()

    def _failed(self, command_id: str, exc: Exception) -> None:
        if isinstance(exc, CommandIdReused):  # already on record (this id ran before): nothing left to send
            self._recorded(command_id)
            return
        self._in_flight.discard(command_id)
        self.not_recorded.emit(exc)
