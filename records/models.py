"""The database schema (SQLAlchemy 2 typed ORM). Change it only together with a migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from records.recontact_keys import address_key, phone_key


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both backends (SQLite would otherwise hand back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    # The role this user last worked as (shown, never trusted): what a user may do is in role_grants.
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    auth_source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")  # local|ldap|system
    password_hash: Mapped[str | None] = mapped_column(String(256))  # argon2id (local accounts only)
    password_changed_at: Mapped[datetime | None]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]


class RoleGrant(Base):
    """A role an administrator granted a user (or the directory group mapping, for LDAP users). A revoked grant
    stays, with who revoked it and when; at most one unrevoked grant per user and role."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: bootstrap or directory
    granted_at: Mapped[datetime]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        Index("uq_role_grant_active", "user_id", "role", unique=True,
              postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),
    )


class UserSession(Base):
    """A signed-in user working as one granted role on one console. Every command checks it is still open,
    its user active and its role still granted (commands.runner)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    console: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # password | ldap | token | system | demo
    token_id: Mapped[int | None] = mapped_column(ForeignKey("service_tokens.id"))  # via == "token": which one
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the secret only the signed-in holder has
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(32))


class ServiceToken(Base):
    """A token a system job (feed serve, imports, proposal drafting) signs in with; stored as its SHA-256 only."""

    __tablename__ = "service_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]


class Patient(Base):
    """The patient context register: what the region knows that changes triage and dispatch."""

    __tablename__ = "patients"

    personnummer: Mapped[str] = mapped_column(String(13), primary_key=True)  # YYYYMMDD-NNNN
    name: Mapped[str | None] = mapped_column(String(128))
    enrolled_mobile_team: Mapped[str | None] = mapped_column(String(128))
    enrolled_asih: Mapped[str | None] = mapped_column(String(128))
    lives_in_saebo: Mapped[bool] = mapped_column(Boolean, default=False)
    home_care: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_vardcentral: Mapped[str | None] = mapped_column(String(128))
    known_psychiatric_team: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(256), default="")


# The patient's own plan (docs/care-plan-import.md; plain data in resources.care_plan). No foreign key to `patients`:
# a plan is shown for the personnummer it names even when the patient file has no row for it yet. The nightly import
# replaces all three tables in one transaction; an administrator edits single rows (commands/care_plans.py).
class CarePlanRow(Base):
    """The current care plan one team wrote for a patient: at most one per patient and team."""

    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    personnummer: Mapped[str] = mapped_column(String(13))
    team: Mapped[str] = mapped_column(String(128))  # the unit affiliation as in the fleet file
    author: Mapped[str] = mapped_column(String(128))
    written_on: Mapped[date]
    valid_until: Mapped[date]
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [resources.care_plan.PlanItem as JSON]
    free_text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(256))  # the import file, or "manuellt (username)"
    updated_at: Mapped[datetime]

    __table_args__ = (Index("uq_care_plan_team", "personnummer", "team", unique=True),)


class TreatmentLimitationRow(Base):
    """A documented treatment limitation (ej HLR, ej IVA …): at most one of each kind per patient."""

    __tablename__ = "treatment_limitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    personnummer: Mapped[str] = mapped_column(String(13))
    kind: Mapped[str] = mapped_column(String(16))  # resources.care_plan.LimitationKind
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_on: Mapped[date]
    documented_in: Mapped[str] = mapped_column(String(256))
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]

    __table_args__ = (Index("uq_treatment_limitation_kind", "personnummer", "kind", unique=True),)


class StandingOrderRow(Base):
    """A treatment a team may give the patient at home (e.g. "IV-furosemid 40 mg"), until `valid_until`."""

    __tablename__ = "standing_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    personnummer: Mapped[str] = mapped_column(String(13))
    team: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(String(500))
    valid_until: Mapped[date]
    source: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]

    __table_args__ = (Index("uq_standing_order", "personnummer", "team", "text", unique=True),)


class Case(Base):
    """An ärende. `status`: draft → waiting (väntrummet) → assigned → closed; or referred/closed directly."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    caller_name: Mapped[str] = mapped_column(String(128), default="")
    callback_phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    address: Mapped[str] = mapped_column(String(256), default="")
    kommun: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # Where the position came from (resources.location.PositionSource), how accurate it is, and why it is doubtful
    # (outside Skåne, worse than the accuracy setting) when it is: shown to the dispatcher, never silently used.
    position_source: Mapped[str | None] = mapped_column(String(16))
    position_accuracy_m: Mapped[float | None]
    position_flag: Mapped[str | None] = mapped_column(String(200))
    patient_name: Mapped[str] = mapped_column(String(128), default="")
    personnummer: Mapped[str | None] = mapped_column(String(13), index=True)
    patient_age: Mapped[int | None]
    complaint: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(16))  # resources.vocabulary.Priority
    care_need: Mapped[dict[str, Any] | None]
    endpoint_code: Mapped[str | None] = mapped_column(String(32), index=True)
    ruleset_version: Mapped[str | None] = mapped_column(String(32))
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    waiting_since: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    link_reason: Mapped[str | None] = mapped_column(String(32))  # recontact | followup_worse
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # Recontact keys (records.recontact_keys), kept by the validators below whenever phone/address is set.
    phone_key: Mapped[str | None] = mapped_column(String(40))
    address_key: Mapped[str | None] = mapped_column(String(512))

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (Index("ix_cases_recontact_keys", "phone_key", "address_key"),)

    answers: Mapped[list[TriageAnswer]] = relationship(back_populates="case", order_by="TriageAnswer.seq")

    @validates("callback_phone")
    def _keep_phone_key(self, _key: str, value: str) -> str:
        self.phone_key = phone_key(value)
        return value

    @validates("address")
    def _keep_address_key(self, _key: str, value: str) -> str:
        self.address_key = address_key(value)
        return value


class TriageAnswer(Base):
    """Every answer as given, in order; a changed answer is a new row (nothing is overwritten)."""

    __tablename__ = "triage_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict[str, Any]]  # {"value": ...}
    answered_at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="answers")


class TriageResult(Base):
    """A completed triage: the endpoint, the path that led there and any override."""

    __tablename__ = "triage_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    ruleset_version: Mapped[str] = mapped_column(String(32))
    complaint: Mapped[str] = mapped_column(String(64))
    endpoint_code: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    care_need: Mapped[dict[str, Any]]
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    path: Mapped[list[Any]] = mapped_column(JSON, default=list)
    override_priority: Mapped[str | None] = mapped_column(String(16))
    override_care_need: Mapped[dict[str, Any] | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Recommendation(Base):
    """The ranked recommendation exactly as it was shown."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recommended_unit_id: Mapped[str | None] = mapped_column(String(32))
    ranking: Mapped[dict[str, Any]]


class Assignment(Base):
    """A unit assigned to a case. At most one active assignment per unit and per (case, part)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    part: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recommended_unit_id: Mapped[str | None] = mapped_column(String(32))
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("uq_active_unit", "unit_id", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active = 1")),
        Index("uq_active_case_part", "case_id", "part", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active = 1")),
    )


class UnitStatusEvent(Base):
    """Unit status and position as received from the feeds (append-only, for audit and replay).

    Feed rows carry (publisher, epoch, seq), unique, so a replayed or redelivered update is stored once;
    rows the console records for units without a feed have no epoch. `flag` marks what the unit reported
    but the transition graph does not allow (kept: it is what the unit said)."""

    __tablename__ = "unit_status_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    case_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    publisher: Mapped[str] = mapped_column(String(32))
    epoch: Mapped[str | None] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(BigInteger)
    flag: Mapped[str | None] = mapped_column(String(32))
    event_time: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (
        Index("uq_status_event_seq", "publisher", "epoch", "seq", unique=True,
              postgresql_where=text("epoch IS NOT NULL"), sqlite_where=text("epoch IS NOT NULL")),
    )


class FeedDeadLetter(Base):
    """A feed event the database refused (or an outcome that could not be applied): kept with why and the raw
    message, so nothing valid waits behind it and nothing is silently lost."""

    __tablename__ = "feed_dead_letters"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(32))
    epoch: Mapped[str | None] = mapped_column(String(80))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # status | outcome
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(index=True)


class FeedHole(Base):
    """Sequence numbers of a publisher's epoch that were never received and could not be replayed."""

    __tablename__ = "feed_holes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(32))
    epoch: Mapped[str] = mapped_column(String(80))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    why: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (Index("uq_feed_hole", "publisher", "epoch", "first_seq", unique=True),)


class FeedCursor(Base):
    """How far each publisher's epoch has been recorded (stored or counted as an unchanged repeat); written
    in the transaction that stores the events, so a restarted or newly leading writer asks for replay from
    exactly here."""

    __tablename__ = "feed_cursors"

    publisher: Mapped[str] = mapped_column(String(32), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(80), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class FeedOutcomeInbox(Base):
    """Outcomes reported on the feeds, stored durably on arrival and applied through the command layer with
    backoff: pending → applied, or dead (with the reason the RLS queue shows)."""

    __tablename__ = "feed_outcome_inbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(32))
    epoch: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | applied | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]

    __table_args__ = (
        Index("uq_feed_outcome", "publisher", "epoch", "seq", unique=True),
        Index("ix_feed_outcome_due", "state", "next_attempt_at"),
    )


class Outcome(Base):
    """A case's structured outcome. Corrections add a row and mark the earlier one superseded."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # feed | manual
    unit_id: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id"))
    # Whether the patient's own care plan was followed (yes | no | not_applicable; null: not asked) and why not;
    # the team responsible for the patient when the outcome was recorded (outcomes.plan_answer.patient_team).
    plan_followed: Mapped[str | None] = mapped_column(String(16))
    plan_reason: Mapped[str | None] = mapped_column(Text)
    patient_team: Mapped[str | None] = mapped_column(String(128))


class LaterFact(Base):
    """Facts learnt after the case closed (admitted, died within 30 days), from imports."""

    __tablename__ = "later_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    fact: Mapped[str] = mapped_column(String(32))
    fact_date: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(256))
    imported_at: Mapped[datetime]


class FollowUp(Base):
    """A telephone follow-up task."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    result: Mapped[str | None] = mapped_column(String(16))  # better | unchanged | worse
    note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class Review(Base):
    """An RLS physician review item (a flagged case or a rule-change proposal)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # override | consult | recontact | deviation | long_wait | outcome_signal | proposal
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | signed_off
    comment: Mapped[str | None] = mapped_column(Text)
    signed_off_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None]


class RuleProposal(Base):
    """A change to a triage endpoint drafted from outcomes, waiting for a physician's decision."""

    __tablename__ = "rule_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_code: Mapped[str] = mapped_column(String(32))
    ruleset_version: Mapped[str] = mapped_column(String(32))
    change: Mapped[dict[str, Any]]
    evidence: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    new_ruleset_version: Mapped[str | None] = mapped_column(String(32))


class RuleSetVersion(Base):
    """A rule-set version accepted by an RLS physician, exactly as its file was written.

    The database is the source of truth for accepted versions; every console writes the missing ones
    into its local rule-set directory (outcomes.rulesets.sync_rulesets), where the loader reads them."""

    __tablename__ = "ruleset_versions"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    base_version: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CaseNote(Base):
    """A nurse's or dispatcher's free-text note on the case (door code, floor, directions, what the caller added),
    with its author and when it was written. Added, never changed (a correction is a new note)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(String(2000))  # records.case_notes.NOTE_MAX_LENGTH
    written_at: Mapped[datetime]  # when the author typed it (a note kept in a draft is sent later)
    recorded_at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16))  # the role the author wrote it as


class UnitAlert(Base):
    """The alert (utlarmning) of one assignment: what the unit's gateway was sent and what it answered
    (docs/alert-protocol.md). Stored in the assignment's own transaction; the sender delivers its latest revision
    (`seq`, a UnitAlertMessage) until the gateway acknowledges it. `state` is the crew's side (sent, acknowledged,
    accepted, declined); `timed_out_seq` the latest revision not acknowledged in time (or refused)."""

    __tablename__ = "unit_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(64), unique=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    publisher: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))  # the priority sent last: it sets the acknowledgement timeout
    state: Mapped[str] = mapped_column(String(16), default="sent")  # sent | acknowledged | accepted | declined
    seq: Mapped[int] = mapped_column(Integer, default=1)  # the latest revision (alert 1, then updates, cancel)
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))  # of what the crew was told last (an update when it moves)
    created_at: Mapped[datetime]
    deadline_at: Mapped[datetime]  # by when the latest revision must be acknowledged
    timed_out_seq: Mapped[int] = mapped_column(Integer, default=0)
    refused_reason: Mapped[str | None] = mapped_column(Text)
    acked_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    next_send_at: Mapped[datetime | None]  # None: nothing to send (the latest revision acknowledged or refused)
    last_sent_at: Mapped[datetime | None]
    sends: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None]  # cancelled and the cancel delivered (or refused): nothing more to do

    __table_args__ = (
        Index("ix_unit_alerts_due", "next_send_at"),
        Index("ix_unit_alerts_open", "publisher", "closed_at"),
    )


class UnitAlertMessage(Base):
    """One revision of an alert (`alert`, `update`, `cancel`) exactly as sent: the outbox row, with its delivery."""

    __tablename__ = "unit_alert_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    alert_ref: Mapped[int] = mapped_column(ForeignKey("unit_alerts.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))  # alert | update | cancel
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    first_sent_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    sends: Mapped[int] = mapped_column(Integer, default=0)
    acked_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_unit_alert_revision", "alert_ref", "seq", unique=True),)


class CallDraft(Base):
    """The console's in-progress call, saved as it is typed so a crash loses nothing."""

    __tablename__ = "call_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    payload: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only: who read or changed what, when, from which console.

    The database refuses UPDATE and DELETE (triggers, migration 0003). `hash` chains each entry to the one
    before it in id order (records.audit_chain); records.audit fills both at commit."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16))
    console: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    case_id: Mapped[int | None] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))  # hex sha256 of the previous entry (GENESIS first)
    hash: Mapped[str] = mapped_column(String(64))  # hex sha256(prev_hash + canonical content)


class CommandLog(Base):
    """One row per clinical command that ran (commands/): the caller's id makes a retry return the first result
    instead of writing again. Written in the command's own transaction, so a row means the command's writes landed."""

    __tablename__ = "command_log"

    command_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(48))
    payload_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16))
    console: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(index=True)
    result: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class ChangeEvent(Base):
    """What a command changed, for every console to pick up (append-only; on PostgreSQL also NOTIFY'd at commit)."""

    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None]
    command: Mapped[str] = mapped_column(String(48))
    command_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AddressRegister(Base):
    """The imported address register as a whole: where it came from, when, and whether it is the demo's fictitious
    one (shown wherever addresses are offered). One row; a re-import replaces it with the addresses."""

    __tablename__ = "address_registers"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(256))
    fictitious: Mapped[bool]
    imported_at: Mapped[datetime]
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    addresses: Mapped[int]
    places: Mapped[int]


class Address(Base):
    """One belägenhetsadress (Lantmäteriet's format, docs/address-register.md), its position converted from
    SWEREF 99 TM (kept as imported: east/north in metres) to WGS84."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    street: Mapped[str] = mapped_column(String(128))
    number: Mapped[int | None]
    letter: Mapped[str] = mapped_column(String(8), default="")
    postnummer: Mapped[str] = mapped_column(String(6))
    postort: Mapped[str] = mapped_column(String(64))
    kommunkod: Mapped[str] = mapped_column(String(4))
    kommun: Mapped[str] = mapped_column(String(64), index=True)
    east: Mapped[float]
    north: Mapped[float]
    lat: Mapped[float]
    lon: Mapped[float]


class PlaceName(Base):
    """A named place with one point: a tätort or småort, or a landmark (a school, a station, a beach)."""

    __tablename__ = "place_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    kommunkod: Mapped[str] = mapped_column(String(4))
    kommun: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float]
    lon: Mapped[float]
