"""Acknowledging a console alert (dispatch.alerts): who acknowledged which alert, raised when, and when they did.

An alert is the console's own (what it raised, when); the acknowledgement is the record that someone took it in —
the audit row `alert.acknowledge` on the case (or without one, for a lost feed) and the command log. Nothing about
the case changes, so it locks no row and tells the consoles under its own topic, `alerts`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from commands.base import CLINICAL_ROLES, Command
from records.actor import Actor
from records.audit import audit, now
from records.cases import CaseNotFound
from records.models import Case
from resources.vocabulary import Role


class AlertAcknowledged(BaseModel):
    case_id: int | None = None
    kind: str
    acknowledged_at: datetime
    by: str


class AcknowledgeAlert(Command):
    """The operator acknowledged an alert: a new Prio 1, a case past its target, a unit's alert not acknowledged or
    declined (all on `case_id`), a lost feed."""

    name: ClassVar[str] = "alert.acknowledge"
    action: ClassVar[str] = "kvittera larm"
    roles: ClassVar[tuple[Role, ...]] = CLINICAL_ROLES
    topic: ClassVar[str] = "alerts"
    result_type: ClassVar[type[BaseModel]] = AlertAcknowledged

    kind: Literal["new_prio1", "target_passed", "feed_lost", "unit_unacknowledged", "unit_declined"]
    alert_key: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=500)  # what the alert said, in Swedish
    raised_at: datetime
    case_id: int | None = None
    feed: str | None = Field(default=None, max_length=64)

    def locks(self) -> list[tuple[type[Any], int]]:
        return []  # reads nothing it decides on: never waits for a case being dispatched

    def handle(self, session: Session, actor: Actor) -> AlertAcknowledged:
        if self.case_id is not None and session.get(Case, self.case_id) is None:
            raise CaseNotFound(f"Ärende {self.case_id} finns inte; larmet kan inte kvitteras på det.")
        at = now()
        audit(session, actor, "alert.acknowledge", self.case_id, kind=self.kind, alert=self.alert_key,
              text=self.text, raised_at=self.raised_at.isoformat(), feed=self.feed)
        return AlertAcknowledged(case_id=self.case_id, kind=self.kind, acknowledged_at=at, by=actor.username)
