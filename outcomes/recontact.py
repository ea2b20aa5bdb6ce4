"""Recontacts (återkontakt): a new call about a patient recently left at home.

The same patient is recognised by personnummer, or — when there is none — by call-back number plus
address, compared by their recontact keys (records.recontact_keys, stored and indexed on the case): the
check is one indexed query whatever the number of cases in the window. A match within the window is linked to the new case, flagged for
RLS review, and handed to triage in the PatientContext so the rules raise the priority.

There is one window, `recontact_window()`: the rule set's `recontact_window_hours`, which the medical
leadership signs with the rest of the rules. Linking and flagging (here), the triage engine's raise
(triage_rules.engine) and the statistics (outcomes.stats, outcomes.report) all use it, so a call is either a
recontact everywhere or nowhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from outcomes.codes import LEFT_AT_HOME_CODES, OutcomeCode
from records.actor import Actor
from records.audit import audit, now
from records.cases import CaseNotFound, add_flags
from records.models import Case, Outcome, Review
from records.personnummer import InvalidPersonnummer, normalise
from records.recontact_keys import address_key, phone_key
from resources.clock import LOCAL_TZ, local_aware
from resources.patient_context import PatientContext
from triage_rules.flags import FLAG_RECONTACT
from triage_rules.loader import RuleSetError, available_versions, load_ruleset

RECONTACT_FLAG = FLAG_RECONTACT  # the triage engine's flag, so the console recognises it
REVIEW_REASON = "recontact"


class RecontactMatch(BaseModel):
    """The earlier case a new call is a recontact of, with what happened last time."""

    model_config = ConfigDict(frozen=True)

    case_id: int
    outcome_code: OutcomeCode
    outcome_label: str
    left_at_home_at: datetime
    hours_since: float
    priority: str | None
    complaint: str | None  # the complaint code, e.g. "FEBER"
    endpoint_code: str | None
    matched_by: str  # personnummer | phone_address
    note: str | None
    complaint_name: str | None = None  # Swedish name from the rule set, e.g. "Feber/infektion hos äldre"

    def summary(self) -> str:
        """What the nurse is shown, in Swedish: the complaint's name (its code when the rule set does not
        know it) and the time in Swedish local time, e.g. "Återkontakt: ärende 12 (Feber/infektion hos
        äldre, Prio 2) för 30 timmar sedan (lämnad hemma 3/3 kl 09:00) – Behandlad på plats, lämnad hemma."."""
        local = local_aware(self.left_at_home_at).astimezone(LOCAL_TZ)
        when = f"{self.hours_since:.0f} timmar sedan (lämnad hemma {local.day}/{local.month} kl {local:%H:%M})"
        what = self.complaint_name or self.complaint or "okänd kontaktorsak"
        prio = f", Prio {self.priority}" if self.priority and self.priority.isdigit() else ""
        return f"Återkontakt: ärende {self.case_id} ({what}{prio}) för {when} – {self.outcome_label}."


def complaint_name(code: str | None, ruleset_version: str | None = None,
                   directory: Path | None = None) -> str | None:
    """The Swedish name of complaint `code` in the case's rule-set version, else in the newest shipped
    version that has it; None when no rule set knows the code (the caller shows the code)."""
    if not code:
        return None
    try:
        versions = available_versions(directory)
    except OSError:
        return None
    order = [v for v in (ruleset_version,) if v in versions] + [v for v in reversed(versions) if v != ruleset_version]
    for version in order:
        try:
            name = _complaint_names(version, directory).get(code)
        except RuleSetError:  # not cached: a file being written now is read again next time
            continue
        if name is not None:
            return name
    return None


@lru_cache(maxsize=64)
def _complaint_names(version: str, directory: Path | None) -> dict[str, str]:
    """Complaint code → Swedish name of one rule-set version. Cached: a version's file is never rewritten
    (a changed rule set is a new version), and parsing it took most of a recontact check's time."""
    return {c.code: c.name for c in load_ruleset(version=version, directory=directory).complaints}


def recontact_window(ruleset_version: str | None = None) -> timedelta:
    """The recontact window: `recontact_window_hours` of rule-set version `ruleset_version` (a case's), or of
    the newest version (what triage uses now) when none is given or the version is not known here."""
    known = ruleset_version is not None and ruleset_version in available_versions()
    rs = load_ruleset(version=ruleset_version) if known else load_ruleset()
    return timedelta(hours=rs.recontact_window_hours)


def find_recontact(session: Session, *, personnummer: str | None = None, callback_phone: str | None = None,
                   address: str | None = None, at: datetime | None = None, window: timedelta | None = None,
                   exclude_case_id: int | None = None, actor: Actor | None = None) -> RecontactMatch | None:
    """The most recent earlier case of this patient whose outcome in force was "left at home" within
    `window` before `at`; None if there is none. Personnummer decides when given; otherwise the
    call-back number and the address must both match (their keys, records.recontact_keys).

    Showing the match to a nurse is a read of the earlier case: pass the `actor` and it is audited
    (`case.read` via "recontact"). Without an actor nothing is audited (tests, batch statistics)."""
    at = at or now()
    window = window or recontact_window()
    pnr = _pnr(personnummer)
    phone, addr = phone_key(callback_phone), address_key(address)
    if pnr is None and not (phone and addr):
        return None
    # One statement: the patient's cases by index (personnummer, or phone and address keys), their outcomes
    # in force by case id; the newest left-at-home one in the window wins.
    stmt = (select(Case, Outcome).join(Outcome, Outcome.case_id == Case.id)
            .where(Outcome.superseded_by.is_(None), Outcome.code.in_([c.value for c in LEFT_AT_HOME_CODES]),
                   Outcome.recorded_at >= at - window, Outcome.recorded_at <= at)
            .order_by(Outcome.recorded_at.desc(), Outcome.id.desc()).limit(1))
    if exclude_case_id is not None:
        stmt = stmt.where(Case.id != exclude_case_id)
    if pnr is not None:
        stmt = stmt.where(Case.personnummer == pnr)
        matched_by = "personnummer"
    else:
        stmt = stmt.where(Case.phone_key == phone, Case.address_key == addr)
        matched_by = "phone_address"
    row = session.execute(stmt).first()
    if row is None:
        return None
    case, outcome = row
    code = OutcomeCode(outcome.code)
    if actor is not None:
        audit(session, actor, "case.read", case.id, via="recontact", matched_by=matched_by,
              for_case_id=exclude_case_id, patient=case.personnummer)
    return RecontactMatch(case_id=case.id, outcome_code=code, outcome_label=code.label,
                          left_at_home_at=outcome.recorded_at,
                          hours_since=round((at - outcome.recorded_at).total_seconds() / 3600, 1),
                          priority=case.priority, complaint=case.complaint, endpoint_code=case.endpoint_code,
                          matched_by=matched_by, note=outcome.note,
                          complaint_name=complaint_name(case.complaint, case.ruleset_version))


def find_recontact_for_case(session: Session, case_id: int, *, at: datetime | None = None,
                            window: timedelta | None = None, actor: Actor | None = None) -> RecontactMatch | None:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    return find_recontact(session, personnummer=case.personnummer, callback_phone=case.callback_phone,
                          address=case.address, at=at or case.created_at,
                          window=window or recontact_window(case.ruleset_version), exclude_case_id=case_id, actor=actor)


def link_recontact(session: Session, actor: Actor, new_case_id: int, earlier: RecontactMatch) -> None:
    """Link the new case to the earlier one, flag it and put it in the RLS review queue. Idempotent."""
    case = session.get(Case, new_case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {new_case_id} finns inte.")
    if case.linked_case_id == earlier.case_id and case.link_reason == "recontact":
        return
    case.linked_case_id, case.link_reason = earlier.case_id, "recontact"
    case.updated_at = now()
    audit(session, actor, "case.link", new_case_id, linked_case_id=earlier.case_id, reason="recontact",
          matched_by=earlier.matched_by)
    add_flags(session, actor, new_case_id, RECONTACT_FLAG)
    session.add(Review(case_id=new_case_id, reason=REVIEW_REASON, detail=earlier.summary(), created_at=now(),
                       status="open"))
    audit(session, actor, "review.create", new_case_id, reason=REVIEW_REASON, earlier_case_id=earlier.case_id)


def check_and_link(session: Session, actor: Actor, case_id: int, *, at: datetime | None = None,
                   window: timedelta | None = None) -> RecontactMatch | None:
    """Find a recontact for the case (from its intake) and link it if there is one."""
    match = find_recontact_for_case(session, case_id, at=at, window=window, actor=actor)
    if match is not None:
        link_recontact(session, actor, case_id, match)
    return match


def with_recontact(context: PatientContext, match: RecontactMatch | None) -> PatientContext:
    """The context triage gets: last_left_at_home / last_case_id set from the match."""
    if match is None:
        return context
    return context.model_copy(update={"last_left_at_home": match.left_at_home_at, "last_case_id": match.case_id})


def recontact_context(session: Session, context: PatientContext, *, callback_phone: str | None = None,
                      address: str | None = None, at: datetime | None = None, window: timedelta | None = None,
                      exclude_case_id: int | None = None,
                      actor: Actor | None = None) -> tuple[PatientContext, RecontactMatch | None]:
    """The patient context enriched with the last left-at-home contact, so triage raises the priority.
    The console passes its `actor`: showing the earlier case is then audited as a read of it."""
    match = find_recontact(session, personnummer=context.personnummer, callback_phone=callback_phone,
                           address=address, at=at, window=window, exclude_case_id=exclude_case_id, actor=actor)
    return with_recontact(context, match), match


def _pnr(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise(raw)
    except InvalidPersonnummer:
        return None
