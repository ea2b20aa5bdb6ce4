"""A patient's access log, and one user's: the audit rows a region hands a patient who asks who read or changed
their data (Patientdatalagen 4 kap. 4 §, HSLF-FS 2016:40), and uses for its regular log review.

A row is about a patient when
- its case_id is one of the patient's cases (cases.personnummer, as the case now stands),
- its detail names the patient (`patient`: reads of one case and register lookups carry it), or
- it is a listing whose `case_ids` include one of the patient's cases (the case list, the follow-up queue,
  the RLS queue, the later-facts import).

Taking out a log is itself audited (`audit.export`, naming the patient or the user) and needs the admin role.
The rows are plain data here; records.access_log_writer writes them as CSV and PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, Text, cast, or_, select
from sqlalchemy.orm import Session

from records.actor import Actor, require_role
from records.audit import audit, now
from records.db import scalars_where_in
from records.identity import user_by_name
from records.models import AuditEntry, Case, User
from records.personnummer import normalise
from resources.clock import LOCAL_TZ
from resources.vocabulary import Role

ACTIONS: dict[str, str] = {
    "case.create": "registrerade ärendet",
    "case.update_intake": "ändrade ärendets uppgifter",
    "case.read": "läste ärendet",
    "case.list": "såg ärendet i ärendelistan",
    "case.flag": "markerade ärendet",
    "case.status": "ändrade ärendets status",
    "case.link": "kopplade ärendet till ett tidigare ärende",
    "case.physician_change": "ändrade triageringen (RLS-läkare)",
    "triage.complete": "triagerade",
    "recommendation.shown": "fick en resursrekommendation visad",
    "patient.lookup": "slog upp patienten i patientregistret",
    "patients.import": "importerade patientregistret",
    "dispatch.assign": "larmade en enhet",
    "dispatch.recall": "återkallade en enhet",
    "assignment.end": "avslutade enheternas uppdrag",
    "unit.status": "ändrade enhetens status",
    "outcome.record": "registrerade utfall",
    "outcome.correct": "rättade utfall",
    "outcome.feed_ignored": "utfall från enhet lämnades utan åtgärd",
    "later_facts.import": "importerade senare fakta (inläggning, dödsfall)",
    "followup.create": "lade upp telefonuppföljning",
    "followup.cancel": "ställde in telefonuppföljning",
    "followup.reschedule": "flyttade telefonuppföljning",
    "followup.list": "såg ärendet i uppföljningslistan",
    "followup.result": "registrerade uppföljningens resultat",
    "review.open": "lade ärendet i RLS-granskningskön",
    "review.create": "lade ärendet i RLS-granskningskön",
    "review.list": "såg ärendet i RLS-granskningskön",
    "review.comment": "kommenterade RLS-granskning",
    "review.sign_off": "signerade RLS-granskning",
    "proposal.draft": "tog fram regeländringsförslag",
    "proposal.accept": "godkände regeländringsförslag",
    "proposal.reject": "avslog regeländringsförslag",
    "ruleset.publish": "publicerade regelverk",
    "command.replay": "upprepade ett kommando (ingen ändring)",
    "draft.hand_over": "lämnade över det pågående samtalet",
    "user.list": "såg en lista över användare",
    "user.sign_in": "loggade in",
    "user.sign_out": "loggade ut",
    "console.lock": "låste konsolen",
    "console.unlock": "låste upp konsolen med sitt lösenord",
    "user.sign_in_failed": "misslyckad inloggning",
    "user.sign_in_refused": "nekad inloggning",
    "user.bootstrap_admin": "skapade den första administratören",
    "user.create": "skapade användare",
    "user.grant": "tilldelade roll",
    "user.revoke": "drog in roll",
    "user.activate": "aktiverade användare",
    "user.deactivate": "avaktiverade användare",
    "user.password": "bytte lösenord",
    "user.unlock": "låste upp konto",
    "user.provision_system": "lade upp systemanvändare",
    "token.create": "skapade tjänstenyckel",
    "token.revoke": "drog in tjänstenyckel",
    "audit.export": "tog ut granskningslogg",
}
_READ_VIA = {
    "triage": "läste ärendets triagering",
    "draft": "öppnade sitt utkast till ärendet",
    "review": "läste ärendet för RLS-granskning",
    "recontact": "såg ärendet som tidigare kontakt (återkontakt)",
}


def action_text(action: str, detail: dict[str, Any]) -> str:
    """The action in Swedish words (the code itself when it has none yet)."""
    if action == "case.read" and detail.get("via") in _READ_VIA:
        return _READ_VIA[str(detail["via"])]
    if action == "audit.export":
        whose = f"patient {detail['patient']}" if detail.get("patient") else f"användare {detail.get('user', '?')}"
        return f"{ACTIONS[action]} för {whose}"
    if action == "draft.hand_over" and detail.get("to"):
        return f"{ACTIONS[action]} till {detail['to']}"
    if action in ("user.create", "user.grant", "user.revoke", "user.activate", "user.deactivate", "user.password",
                  "user.unlock", "token.create", "token.revoke") and detail.get("username"):
        role = f" {Role(detail['role']).label}" if detail.get("role") in Role.__members__.values() else ""
        return f"{ACTIONS[action]}{role}: {detail['username']}"
    return ACTIONS.get(action, action)


class AccessRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    entry_id: int
    at: datetime  # Swedish local time
    username: str
    display_name: str
    role: str  # Swedish label
    console: str
    action: str  # the code
    action_text: str
    cases: list[int]  # the case the row is about, or the listed cases (only the patient's, in a patient log)
    patient: str  # personnummer, when one patient's data was read or changed


class AccessLog(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str  # "patient" | "user"
    subject: str  # the personnummer, or "username (display name)"
    date_from: date | None
    date_to: date | None
    generated_by: str
    generated_at: datetime  # Swedish local time
    rows: list[AccessRow]

    @property
    def period_text(self) -> str:
        if self.date_from is None and self.date_to is None:
            return "hela loggen"
        return f"{self.date_from or 'början'} – {self.date_to or 'i dag'}"


def period_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole Swedish days: from local midnight of `date_from` to local midnight after `date_to` (inclusive)."""
    start = datetime.combine(date_from, time(), LOCAL_TZ) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time(), LOCAL_TZ) if date_to else None
    if start is not None and end is not None and end <= start:
        raise ValueError("Perioden är tom: --to ligger före --from.")
    return start, end


def patient_log(session: Session, actor: Actor, personnummer: str, date_from: date | None = None,
                date_to: date | None = None) -> AccessLog:
    """Every audit row about the patient, oldest first. InvalidPersonnummer (Swedish) for a malformed number."""
    require_role(actor, Role.ADMIN, action="ta ut en patients logg")
    pnr = normalise(personnummer)
    start, end = period_bounds(date_from, date_to)
    cases_of_patient = select(Case.id).where(Case.personnummer == pnr)
    case_ids = set(session.scalars(cases_of_patient))
    stmt = select(AuditEntry).where(or_(AuditEntry.case_id.in_(cases_of_patient),
                                        AuditEntry.detail["patient"].as_string() == pnr,
                                        cast(AuditEntry.detail, Text).like('%"case_ids"%')))
    rows: list[tuple[AuditEntry, list[int]]] = []
    for entry in session.scalars(_in_period(stmt, start, end)):
        detail = entry.detail or {}
        if entry.case_id is not None and entry.case_id in case_ids:
            rows.append((entry, [entry.case_id]))
        elif detail.get("patient") == pnr:
            rows.append((entry, [entry.case_id] if entry.case_id is not None else []))
        else:
            listed = sorted(case_ids.intersection(_ints(detail.get("case_ids"))))
            if listed:
                rows.append((entry, listed))
    log = _log(session, actor, "patient", pnr, date_from, date_to, rows, patients={c: pnr for c in case_ids},
               default_patient=pnr)
    audit(session, actor, "audit.export", None, patient=pnr, date_from=date_from, date_to=date_to,
          rows=len(log.rows))
    return log


def user_log(session: Session, actor: Actor, username: str, date_from: date | None = None,
             date_to: date | None = None) -> AccessLog:
    """Everything one user did (and every sign-in attempt on the account), oldest first. UnknownUser (Swedish)."""
    require_role(actor, Role.ADMIN, action="ta ut en användares logg")
    user = user_by_name(session, username)
    start, end = period_bounds(date_from, date_to)
    entries = list(session.scalars(_in_period(select(AuditEntry).where(AuditEntry.user_id == user.id), start, end)))
    rows = [(e, [e.case_id] if e.case_id is not None else _ints((e.detail or {}).get("case_ids"))) for e in entries]
    one_case = sorted({e.case_id for e in entries if e.case_id is not None})
    patients = {c.id: c.personnummer for c in scalars_where_in(session, Case, Case.id, one_case) if c.personnummer}
    log = _log(session, actor, "user", f"{user.username} ({user.display_name})", date_from, date_to, rows,
               patients=patients, default_patient="")
    audit(session, actor, "audit.export", None, user=user.username, date_from=date_from, date_to=date_to,
          rows=len(log.rows))
    return log


def _in_period(stmt: Select[AuditEntry], start: datetime | None, end: datetime | None) -> Select[AuditEntry]:
    if start is not None:
        stmt = stmt.where(AuditEntry.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.at < end)
    return stmt.order_by(AuditEntry.id)


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _log(session: Session, actor: Actor, kind: str, subject: str, date_from: date | None, date_to: date | None,
         rows: Iterable[tuple[AuditEntry, list[int]]], *, patients: dict[int, str], default_patient: str) -> AccessLog:
    rows = list(rows)
    users = {u.id: u for u in scalars_where_in(session, User, User.id, sorted({e.user_id for e, _ in rows}))}
    out = []
    for entry, cases in rows:
        detail = entry.detail or {}
        user = users.get(entry.user_id)
        patient = detail.get("patient") if isinstance(detail.get("patient"), str) else None
        if patient is None and entry.case_id is not None:
            patient = patients.get(entry.case_id)
        if patient is None and kind == "patient":
            patient = default_patient
        out.append(AccessRow(
            entry_id=entry.id, at=entry.at.astimezone(LOCAL_TZ),
            username=user.username if user else str(entry.user_id),
            display_name=user.display_name if user else "", role=_role_label(entry.role), console=entry.console,
            action=entry.action, action_text=action_text(entry.action, detail), cases=cases, patient=patient or ""))
    return AccessLog(kind=kind, subject=subject, date_from=date_from, date_to=date_to,
                     generated_by=f"{actor.username} ({actor.display_name})" if actor.display_name else actor.username,
                     generated_at=now().astimezone(LOCAL_TZ), rows=out)


def _role_label(role: str) -> str:
    return Role(role).label if role in Role.__members__.values() else role
