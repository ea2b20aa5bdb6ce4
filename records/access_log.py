"""A patient's access log, and one user's: the audit rows a region hands a patient who asks who read or changed
their data (Patientdatalagen 4 kap. 4 §, HSLF-FS 2016:40), and uses for its regular log review.

A row is about a patient when
- its detail names the patient: `patient` (every row of one case carries the case's personnummer as it was
  when the row was written; register lookups carry the number looked up) or `patient_before` (a change of
  the case's personnummer names both the old and the new patient);
- it names no patient (rows written before rows carried one) and its case was the patient's case when the row
  was written: the `patient_before` of the case's first later change of personnummer, or, when none came
  later, the case's personnummer as it now stands; or
- it is a listing whose `case_ids` include a case that was the patient's when the list was shown (the case
  list, the follow-up queue, the RLS queue, the later-facts import).
So a corrected personnummer does not move the case's earlier history to the other patient.

Taking out a log is itself audited (`audit.export`, naming the patient or the user) and needs the admin role.
The rows are plain data here; records.access_log_writer writes them as CSV and PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
from resources.care_plan import LimitationKind
from resources.clock import LOCAL_TZ
from resources.vocabulary import Role

ACTIONS: dict[str, str] = {
    "case.create": "registrerade ärendet",
    "case.update_intake": "ändrade ärendets uppgifter",
    "case.read": "läste ärendet",
    "case.list": "såg ärendet i ärendelistan",
    "case.search": "sökte efter ärenden",
    "case.flag": "markerade ärendet",
    "case.status": "ändrade ärendets status",
    "case.link": "kopplade ärendet till ett tidigare ärende",
    "case.physician_change": "ändrade triageringen (RLS-läkare)",
    "triage.complete": "triagerade",
    "triage.red_flag": "registrerade en röd flagga under samtalet",
    "case.pre_alert": "skickade förlarm till väntrummet (preliminär Prio 1, triageringen pågick)",
    "case.pre_alert_completed": "slutförde triageringen efter förlarmet (ärendet uppdaterades)",
    "draft.discard": "avbröt samtalet",
    "triage.red_flag_withdrawn": "tog tillbaka en röd flagga under samtalet",
    "triage.limitation_decision": "registrerade sitt beslut om patientens behandlingsbegränsning",
    "case.note": "skrev en anteckning på ärendet",
    "alert.acknowledge": "kvitterade ett larm på konsolen (ny Prio 1 eller passerad måltid)",
    "recommendation.shown": "fick en resursrekommendation visad",
    "patient.lookup": "slog upp patienten i patientregistret",
    "patients.import": "importerade patientregistret",
    "patients.demo": "lade in demopatienter i patientregistret",
    "patient.care_plan.read": "läste patientens vårdplan, behandlingsbegränsningar och ordinationer",
    "careplans.import": "importerade vårdplaner, behandlingsbegränsningar och ordinationer (ersatte de tidigare)",
    "care_plan.set": "lade in eller ändrade patientens vårdplan",
    "care_plan.remove": "tog bort patientens vårdplan",
    "treatment_limitation.set": "lade in eller ändrade en behandlingsbegränsning",
    "treatment_limitation.remove": "tog bort en behandlingsbegränsning",
    "standing_order.set": "lade in eller ändrade en ordination i hemmet",
    "standing_order.remove": "tog bort en ordination i hemmet",
    "addresses.import": "importerade adressregistret (ersatte det tidigare)",
    "addresses.demo": "lade in det fiktiva demoregistret av adresser (ersatte det tidigare)",
    "report.run": "tog fram kvalitetsrapporten",
    "stats.run": "tog fram utfallsstatistiken",
    "dispatch.assign": "larmade en enhet",
    "dispatch.recall": "återkallade en enhet",
    "unit_alert.create": "lade utlarmningen till enheten i kö för sändning",
    "unit_alert.update": "lade en uppdatering till den larmade enheten i kö för sändning",
    "unit_alert.cancel": "lade en återkallelse till den larmade enheten i kö för sändning",
    "unit_alert.ack": "registrerade enhetssystemets kvittens av ett larm",
    "unit_alert.accept": "registrerade att enheten accepterade uppdraget",
    "unit_alert.decline": "registrerade att enheten avböjde uppdraget",
    "unit_alert.refused": "registrerade att enhetssystemet inte tog emot ett larm",
    "unit_alert.reply_refused": "tog inte emot enhetens svar på ett larm som redan var avslutat",
    "unit_alert.timeout": "markerade ett larm som ej kvitterat inom tidsgränsen",
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
    "detail": "läste ärendets sammanställning (uppgifter, svar, anteckningar, enheter)",
    "timeline": "läste ärendets händelseförlopp",
}


def action_text(action: str, detail: dict[str, Any], patient: str | None = None) -> str:
    """The action in Swedish words (the code itself when it has none yet). `patient`: in that patient's log
    (a change of personnummer then never shows the other patient's number)."""
    if action == "case.update_intake" and "patient_before" in detail:
        before, after = detail.get("patient_before"), detail.get("patient")
        if patient is None:
            return f"ändrade ärendets personnummer från {before or '(inget)'} till {after or '(inget)'}"
        if before and before == patient:
            return "ändrade ärendets personnummer: ärendet gäller inte längre patienten"
        return "ändrade ärendets personnummer till patientens" if before else "angav patientens personnummer"
    if action == "case.read" and detail.get("via") in _READ_VIA:
        return _READ_VIA[str(detail["via"])]
    if action == "audit.export":
        whose = f"patient {detail['patient']}" if detail.get("patient") else f"användare {detail.get('user', '?')}"
        return f"{ACTIONS[action]} för {whose}"
    if action == "draft.discard" and detail.get("reason"):
        return f"{ACTIONS[action]} med skälet: {detail['reason']}"
    if action == "draft.hand_over" and detail.get("to"):
        return f"{ACTIONS[action]} till {detail['to']}"
    if action in CARE_PLAN_EDITS:
        return f"{ACTIONS[action]}{_care_plan_what(detail)}"
    if action in ("unit_alert.create", "unit_alert.update") and detail.get("care_plan"):
        return f"{ACTIONS[action]}, med patientens behandlingsbegränsningar och vårdplan"
    if action in ("user.create", "user.grant", "user.revoke", "user.activate", "user.deactivate", "user.password",
                  "user.unlock", "token.create", "token.revoke") and detail.get("username"):
        role = f" {Role(detail['role']).label}" if detail.get("role") in Role.__members__.values() else ""
        return f"{ACTIONS[action]}{role}: {detail['username']}"
    return ACTIONS.get(action, action)


CARE_PLAN_EDITS = frozenset({"care_plan.set", "care_plan.remove", "treatment_limitation.set",
                             "treatment_limitation.remove", "standing_order.set", "standing_order.remove"})


def _care_plan_what(detail: dict[str, Any]) -> str:
    """Which entry an administrator's edit of the patient's plan was about: the team, the limitation, the order."""
    if detail.get("kind") in LimitationKind.__members__.values():
        decided = f", beslutad av {detail['decided_by']} {detail.get('decided_on', '')}".rstrip() \
            if detail.get("decided_by") else ""
        return f": {LimitationKind(detail['kind']).label}{decided}"
    if detail.get("text"):
        return f": {detail['text']} ({detail.get('team', '?')})"
    return f" ({detail['team']})" if detail.get("team") else ""


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
    changes = _identity_changes(session)
    ever = {c for c, seq in changes.items() if any(pnr in (before, after) for _, before, after in seq)}
    now_hers = set(session.scalars(select(Case.id).where(Case.personnummer == pnr)))
    current: dict[int, str | None] = {c: pnr for c in now_hers}
    current |= {c.id: c.personnummer for c in scalars_where_in(session, Case, Case.id, sorted(ever - now_hers))}
    history = _History(changes, current)
    case_ids = now_hers | ever  # every case that is or was the patient's
    stmt = select(AuditEntry).where(or_(AuditEntry.case_id.in_(sorted(case_ids)),
                                        AuditEntry.detail["patient"].as_string() == pnr,
                                        AuditEntry.detail["patient_before"].as_string() == pnr,
                                        cast(AuditEntry.detail, Text).like('%"case_ids"%')))
    rows: list[tuple[AuditEntry, list[int]]] = []
    for entry in session.scalars(_in_period(stmt, start, end)):
        detail = entry.detail or {}
        one_case = [entry.case_id] if entry.case_id is not None else []
        if pnr in (detail.get("patient"), detail.get("patient_before")):
            rows.append((entry, one_case))
        elif _named(detail) is None and entry.case_id is not None and history.patient_at(entry) == pnr:
            rows.append((entry, one_case))
        else:
            listed = sorted(c for c in case_ids.intersection(_ints(detail.get("case_ids")))
                            if history.patient_at(entry, c) == pnr)
            if listed:
                rows.append((entry, listed))
    log = _log(session, actor, "patient", pnr, date_from, date_to, rows, patient_of=lambda _: pnr)
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
    history = _History(_identity_changes(session),
                       {c.id: c.personnummer for c in scalars_where_in(session, Case, Case.id, one_case)})
    log = _log(session, actor, "user", f"{user.username} ({user.display_name})", date_from, date_to, rows,
               patient_of=lambda e: _named(e.detail or {}) or history.patient_at(e) or "")
    audit(session, actor, "audit.export", None, user=user.username, date_from=date_from, date_to=date_to,
          rows=len(log.rows))
    return log


def _in_period(stmt: Select[AuditEntry], start: datetime | None, end: datetime | None) -> Select[AuditEntry]:
    if start is not None:
        stmt = stmt.where(AuditEntry.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.at < end)
    return stmt.order_by(AuditEntry.id)


def _named(detail: dict[str, Any]) -> str | None:
    """The patient the row names (`patient`), or None for a row that names none."""
    patient = detail.get("patient")
    return patient if isinstance(patient, str) and patient else None


def _identity_changes(session: Session) -> dict[int, list[tuple[int, str | None, str | None]]]:
    """Every change of a case's personnummer: case id -> [(audit row id, old, new)], oldest first."""
    stmt = (select(AuditEntry.id, AuditEntry.case_id, AuditEntry.detail)
            .where(AuditEntry.action == "case.update_intake", AuditEntry.case_id.is_not(None),
                   cast(AuditEntry.detail, Text).like('%"patient_before"%'))
            .order_by(AuditEntry.id))
    changes: dict[int, list[tuple[int, str | None, str | None]]] = {}
    for entry_id, case_id, detail in session.execute(stmt):
        if isinstance(detail, dict) and "patient_before" in detail:
            changes.setdefault(case_id, []).append((entry_id, detail.get("patient_before"), detail.get("patient")))
    return changes


class _History:
    """Whose case a case was when a row that names no patient was written (an old row, or a listing): the old
    personnummer of the case's first later change of it, or — with none later — the case's personnummer now.
    A row written before the case had any personnummer belongs to the first patient it was given."""

    def __init__(self, changes: dict[int, list[tuple[int, str | None, str | None]]],
                 current: dict[int, str | None]) -> None:
        self._changes, self._current = changes, current

    def patient_at(self, entry: AuditEntry, case_id: int | None = None) -> str | None:
        case_id = entry.case_id if case_id is None else case_id
        if case_id is None:
            return None
        for change_id, before, _ in self._changes.get(case_id, ()):
            if change_id > entry.id and before:
                return before
        return self._current.get(case_id)


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _log(session: Session, actor: Actor, kind: str, subject: str, date_from: date | None, date_to: date | None,
         rows: Iterable[tuple[AuditEntry, list[int]]], *, patient_of: Callable[[AuditEntry], str]) -> AccessLog:
    rows = list(rows)
    users = {u.id: u for u in scalars_where_in(session, User, User.id, sorted({e.user_id for e, _ in rows}))}
    out = []
    for entry, cases in rows:
        detail = entry.detail or {}
        user = users.get(entry.user_id)
        patient = patient_of(entry)
        out.append(AccessRow(
            entry_id=entry.id, at=entry.at.astimezone(LOCAL_TZ),
            username=user.username if user else str(entry.user_id),
            display_name=user.display_name if user else "", role=_role_label(entry.role), console=entry.console,
            action=entry.action, action_text=action_text(entry.action, detail, subject if kind == "patient" else None),
            cases=cases, patient=patient))
    return AccessLog(kind=kind, subject=subject, date_from=date_from, date_to=date_to,
                     generated_by=f"{actor.username} ({actor.display_name})" if actor.display_name else actor.username,
                     generated_at=now().astimezone(LOCAL_TZ), rows=out)


def _role_label(role: str) -> str:
    return Role(role).label if role in Role.__members__.values() else role
