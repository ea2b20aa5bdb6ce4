"""The case timeline's words: one audit row of a case in Swedish, for the person reading the case.

`describe(action, detail)` gives (what, detail, kind): `what` is plain Swedish with labels instead of codes (a
priority is "Prio 2", an outcome its label, a status its label); `detail` holds what a nurse need not read first
— reasons, endpoint and flag codes — for a tooltip or the RLS physician; `kind` groups the entry ("ärende",
"triage", "enhet", "utfall", "uppföljning", "granskning", "larm", "anteckning"). None: the row is not an event
of the case (a read, a replayed command) or repeats one the timeline already has (the status change that every
triage, assignment and recall also writes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from records.case_summary import priority_text, status_text
from records.review_queue import REASON_LABELS
from resources.care_plan import LimitationDecision, LimitationKind
from resources.clock import LOCAL_TZ
from resources.geography import default_geography
from resources.vocabulary import OUTCOME_LABELS, UNIT_STATUS_LABELS, OutcomeCode, UnitStatus

Described = tuple[str, str, str]

# Reads are the access log's business, not the case's history.
NOT_EVENTS = frozenset({"case.read", "case.list", "case.search", "followup.list", "review.list", "patient.lookup",
                        "command.replay", "feed_inbox.applied", "feed_inbox.retry"})
# The patient register's own entries (a care plan, a limitation, a standing order) belong to no case.
_REGISTER = frozenset({"patient.care_plan.read", "careplans.import", "care_plan.set", "care_plan.remove",
                       "treatment_limitation.set", "treatment_limitation.remove", "standing_order.set",
                       "standing_order.remove"})
# An alert's revisions queued by a command: the timeline tells each message as sent, from unit_alert_messages.
_ALERT_QUEUED = frozenset({"unit_alert.create", "unit_alert.update", "unit_alert.cancel"})
# Status changes another row of the same step already tells better ("Larmade AMB-011" for assign).
_TOLD_ELSEWHERE = frozenset({"triage", "assign", "recall", "pre_alert", "complete_pre_alert"})
# Rows whose event the timeline takes from its own table, with more in it (the note's text).
_FROM_TABLES = frozenset({"case.note"}) | _ALERT_QUEUED
FIELDS = {"caller_name": "inringarens namn", "callback_phone": "telefon", "address": "adress", "kommun": "kommun",
          "lat": "position", "lon": "position", "patient_name": "patientens namn", "personnummer": "personnummer",
          "patient_age": "ålder"}
_FLAGS = {"deviation": "avvikelse från rekommendationen", "unit_redirected": "enheten togs till ett annat ärende",
          "uppföljning_försämrad": "försämrad vid telefonuppföljning", "recontact": "återkontakt",
          "pre_alert": "förlarm", "unit_declined": "en enhet avböjde uppdraget"}
_FOLLOWUP = {"better": "bättre", "unchanged": "oförändrat", "worse": "sämre"}
_LINKS = {"recontact": "återkontakt", "followup_worse": "uppföljning: sämre"}


def outcome_text(code: Any) -> str:
    try:
        return OUTCOME_LABELS[OutcomeCode(code)]
    except ValueError:
        return "okänt utfall"


def destination_text(code: Any) -> str:
    """An emergency department's name for its code (AKM_MALMO → Akutmottagningen SUS Malmö)."""
    names = {e.code: e.name for e in default_geography().emergency_departments}
    return names.get(str(code), str(code))


def unit_status_text(status: Any) -> str:
    try:
        return UNIT_STATUS_LABELS[UnitStatus(status)]
    except ValueError:
        return "okänd status"


def local_time(iso: Any) -> str:
    try:
        return datetime.fromisoformat(str(iso)).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(iso)


def fields_text(fields: Any) -> str:
    names = [FIELDS.get(str(f), str(f)) for f in (fields or [])]
    return ", ".join(dict.fromkeys(names))


def _part(detail: dict[str, Any]) -> str:
    part = detail.get("part") or ""
    return f" ({part})" if part else ""


def _reason(detail: dict[str, Any], key: str = "reason") -> str:
    reason = detail.get(key)
    return f" – {reason}" if reason else ""


def describe(action: str, detail: dict[str, Any]) -> Described | None:  # noqa: C901, PLR0911, PLR0912 - one table
    if action in NOT_EVENTS or action in _FROM_TABLES or action in _REGISTER:
        return None
    d = detail
    if action == "case.create":
        linked = f" (kopplat till ärende {d['linked_case_id']})" if d.get("linked_case_id") else ""
        return f"Ärendet skapades{linked}", "", "ärende"
    if action == "case.update_intake":
        if "patient_before" in d:
            return (f"Personnummer ändrat: {d.get('patient_before') or '(inget)'} → {d.get('patient') or '(inget)'}",
                    f"Ändrade fält: {fields_text(d.get('fields'))}", "ärende")
        return f"Uppgifterna ändrades: {fields_text(d.get('fields'))}", "", "ärende"
    if action == "case.status":
        if d.get("event") in _TOLD_ELSEWHERE:
            return None
        return _status(d)
    if action == "case.flag":
        flags = [str(f) for f in d.get("flags") or []]
        return ("Markerat: " + ", ".join(_FLAGS.get(f, "övrig markering") for f in flags),
                "Markeringar: " + ", ".join(flags), "ärende")
    if action == "case.link":
        why = _LINKS.get(str(d.get("reason")), "kopplat")
        return f"Kopplat till ärende {d.get('linked_case_id')} ({why})", "", "ärende"
    if action == "case.physician_change":
        old, new = d.get("old") or {}, d.get("new") or {}
        change = (f"{priority_text(old.get('priority')) or '–'} → {priority_text(new.get('priority')) or '–'}"
                  if old.get("priority") != new.get("priority") else "vårdbehovet")
        return f"RLS-läkaren ändrade triageringen: {change}{_reason(d)}", "", "triage"
    if action == "triage.complete":
        text = f"Triagering klar: {priority_text(d.get('priority')) or 'utan prioritet'}"
        if d.get("override_priority"):
            text += f", överstyrd till {priority_text(d['override_priority'])}{_reason(d, 'override_reason')}"
        return text, f"Ändpunkt {d.get('endpoint')}" if d.get("endpoint") else "", "triage"
    if action == "case.pre_alert":
        return (f"Förlarm: till väntrummet som {priority_text(d.get('priority'))} medan triageringen pågår", "",
                "triage")
    if action == "case.pre_alert_completed":
        change = (f"{priority_text(d.get('priority_before'))} → {priority_text(d.get('priority'))}"
                  if d.get("priority_before") != d.get("priority") else priority_text(d.get("priority")))
        return f"Triagering klar efter förlarmet: {change}", "", "triage"
    if action in ("triage.red_flag", "triage.red_flag_withdrawn"):
        head = "Röd flagga" if action == "triage.red_flag" else "Röd flagga borttagen"
        return f"{head}: {d.get('text') or 'okänd flagga'}", f"Flagga {d.get('flag')}", "triage"
    if action == "triage.limitation_decision":
        return _limitation_decision(d)
    if action == "recommendation.shown":
        unit = d.get("recommended_unit_id")
        return f"Resursrekommendation visad: {unit or 'ingen ledig enhet'}", "", "enhet"
    if action == "dispatch.assign":
        return _assign(d)
    if action == "dispatch.recall":
        back = "; ärendet tillbaka i väntrummet" if d.get("back_to_waiting", True) else ""
        verb = "ersattes" if d.get("ended_reason") == "reassigned" else "återkallades"
        return f"{d.get('unit_id')}{_part(d)} {verb}{_reason(d)}{back}", "", "enhet"
    if action == "assignment.end":
        units = ", ".join(str(u) for u in d.get("unit_ids") or [])
        return f"Enheternas uppdrag avslutades: {units}", "", "enhet"
    if action == "unit.status":
        return (f"{d.get('unit_id')}: {unit_status_text(d.get('old'))} → {unit_status_text(d.get('new'))}"
                f"{_reason(d)}", "Ändrad för hand", "enhet")
    if action == "outcome.record":
        dest = f", {destination_text(d['destination'])}" if d.get("destination") else ""
        return f"Utfall: {outcome_text(d.get('code'))}{dest}{_plan_answer(d)}", f"Utfallskod {d.get('code')}", "utfall"
    if action == "outcome.correct":
        old, new = d.get("old") or {}, d.get("new") or {}
        return (f"Utfallet rättades: {outcome_text(old.get('code'))} → {outcome_text(new.get('code'))}"
                f"{_reason(d, 'note')}", f"Utfallskod {old.get('code')} → {new.get('code')}", "utfall")
    if action == "outcome.feed_ignored":
        return (f"Utfall från {d.get('unit_id')} ({outcome_text(d.get('code'))}) lämnades utan åtgärd: "
                f"utfallet som registrerats för hand gäller", "", "utfall")
    if action == "feed_inbox.dead":
        return "Utfall från enhet kunde inte registreras", str(d.get("reason") or ""), "utfall"
    if action == "followup.create":
        return f"Telefonuppföljning planerad till {local_time(d.get('due_at'))}", "", "uppföljning"
    if action == "followup.reschedule":
        return f"Telefonuppföljningen flyttad till {local_time(d.get('due_at'))}", "", "uppföljning"
    if action == "followup.cancel":
        return "Telefonuppföljningen ställdes in", "", "uppföljning"
    if action == "followup.result":
        new = f"; nytt ärende {d['new_case_id']}" if d.get("new_case_id") else ""
        return f"Telefonuppföljning: {_FOLLOWUP.get(str(d.get('result')), 'okänt resultat')}{new}", "", "uppföljning"
    if action in ("review.open", "review.create"):
        return f"Lagt i RLS-granskning: {REASON_LABELS.get(str(d.get('reason')), 'granskning')}", "", "granskning"
    if action == "review.comment":
        return f"RLS-kommentar: {d.get('comment') or ''}", "", "granskning"
    if action == "review.sign_off":
        return "RLS-granskningen signerad", "", "granskning"
    if action.startswith("unit_alert."):
        return _unit_alert(action, d)
    if action == "alert.acknowledge":
        return f"Larm kvitterat: {d.get('text') or 'larm'}", f"Larm {d.get('kind')}", "larm"
    if action == "draft.hand_over":
        return f"Samtalet lämnades över till {d.get('to') or 'en kollega'}", "", "ärende"
    if action == "draft.discard":
        prio = priority_text(d.get("priority"))
        return f"Samtalet avbröts{f' vid {prio}' if prio else ''}{_reason(d)}", "", "ärende"
    return _fallback(action)


_OF = {"alert": "larmet", "update": "uppdateringen", "cancel": "återkallelsen"}
_REPLY_VERBS = {"accept": "accepterade", "decline": "avböjde"}
CANCEL_WORDS = {"recalled": "återkallad", "reassigned": "uppdraget till en annan enhet",
                "redirected": "omdirigerad till ett annat ärende", "case_closed": "ärendet avslutat",
                "declined": "besättningen avböjde"}
ALERT_FIELD_WORDS = {"priority": "prioritet", "address": "adress", "kommun": "kommun", "lat": "position",
                     "lon": "position", "accuracy_m": "position", "care_need": "vårdbehov", "complaint": "besvär",
                     "facts": "fakta", "patient_name": "patientens namn", "patient_age": "ålder",
                     "callback_phone": "telefon", "triage_ref": "triagering", "part": "del"}


def _unit_alert(action: str, d: dict[str, Any]) -> Described | None:
    """What a unit's gateway answered, and what the larmcentral concluded (docs/alert-protocol.md)."""
    unit = d.get("unit_id") or d.get("unit") or "Enheten"
    of = _OF.get(str(d.get("of")), "larmet")
    if action == "unit_alert.ack":
        late = " (efter tidsgränsen)" if d.get("late") else ""
        return f"{unit} kvitterade {of}{late}", f"Revision {d.get('seq')}", "enhet"
    if action == "unit_alert.accept":
        return f"{unit} accepterade uppdraget", "", "enhet"
    if action == "unit_alert.decline":
        return f"{unit} avböjde uppdraget{_reason(d)}", "", "enhet"
    if action == "unit_alert.refused":
        return f"{unit}: enhetssystemet tog inte emot {of}{_reason(d)}", f"Revision {d.get('seq')}", "enhet"
    if action == "unit_alert.reply_refused":
        verb = _REPLY_VERBS.get(str(d.get("kind")), "svarade")
        return (f"{unit} {verb} efter att larmet avslutats – ingen åtgärd", str(d.get("refused") or ""), "enhet")
    if action == "unit_alert.timeout":
        head = of[:1].upper() + of[1:]
        done = "kvitterat" if of == "larmet" else "kvitterad"
        timeout = d.get("timeout_s")
        within = f" inom {sv_seconds(timeout)} s" if isinstance(timeout, int | float) else ""
        return f"{head} till {unit} ej {done}{within}", f"Revision {d.get('seq')}", "enhet"
    return None  # queued revisions: told as sent (alert_message)


def sv_seconds(value: float) -> str:
    return (f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}").replace(".", ",")


def alert_message(kind: str, body: dict[str, Any], previous: dict[str, Any] | None) -> str:
    """One revision sent to a unit, in Swedish: 'Larm till AMB-001 (Prio 1)', 'Uppdatering till AMB-001: adress',
    'Återkallelse till AMB-001 (återkallad)'."""
    unit = body.get("unit_id") or "enheten"
    if kind == "alert":
        return f"Larm till {unit}{_part(body)} ({priority_text(body.get('priority')) or 'utan prioritet'})"
    if kind == "update":
        changed = [ALERT_FIELD_WORDS[k] for k in ALERT_FIELD_WORDS if (previous or {}).get(k) != body.get(k)]
        what = ", ".join(dict.fromkeys(changed)) or "ärendet"
        return f"Uppdatering till {unit}: {what}"
    return f"Återkallelse till {unit} ({CANCEL_WORDS.get(str(body.get('reason')), 'återkallad')})"


def _limitation_decision(d: dict[str, Any]) -> Described:
    """'Behandlingsbegränsning Ej HLR: Beslutet om ej HLR följs: … – <reason>', the limitation as shown in detail."""
    try:
        kind = LimitationKind(str(d.get("kind")))
        decision = LimitationDecision(str(d.get("decision"))).label(kind)
    except ValueError:
        return "Beslut om behandlingsbegränsning", f"Begränsning {d.get('kind')}, beslut {d.get('decision')}", "triage"
    where = f"Ändpunkt {d['endpoint']}" if d.get("endpoint") else ""
    detail = "; ".join(x for x in (str(d.get("shown") or ""), where) if x)
    return f"Behandlingsbegränsning {kind.label}: {decision}{_reason(d)}", detail, "triage"


def _status(d: dict[str, Any]) -> Described:
    event, new = d.get("event"), status_text(str(d.get("new")))
    if event == "send_to_waiting_room":
        prio = priority_text(d.get("priority"))
        return f"Skickat till väntrummet{f' ({prio})' if prio else ''}", "", "ärende"
    if event == "unit_redirected":
        return (f"{d.get('unit_id')} togs till ärende {d.get('to_case_id')}; ärendet tillbaka i väntrummet", "",
                "enhet")
    if event == "close":
        return "Ärendet avslutades", "", "ärende"
    if event == "reopen":
        return f"Ärendet återöppnades{_reason(d)}", "", "ärende"
    return f"Status: {status_text(str(d.get('old')))} → {new}{_reason(d)}", "", "ärende"


def _assign(d: dict[str, Any]) -> Described:
    text = f"Larmade {d.get('unit_id')}{_part(d)}"
    if d.get("deviation"):
        text += f" i stället för rekommenderad {d.get('recommended_unit_id') or 'enhet'}{_reason(d, 'deviation_reason')}"
    if d.get("left_case_id"):
        text += f" (togs från ärende {d['left_case_id']})"
    return text, "", "enhet"


def _fallback(action: str) -> Described:
    """An action this table does not know yet (a newer command): the access log's words, the code as detail."""
    from records.access_log import ACTIONS

    words = ACTIONS.get(action)
    return (words[0].upper() + words[1:] if words else "Övrig händelse"), f"Åtgärd {action}", "ärende"


PLAN_ANSWER_TEXTS = {"yes": "patientens plan följdes", "no": "patientens plan följdes inte",
                     "not_applicable": "patientens plan gällde inte samtalet"}


def _plan_answer(d: dict[str, Any]) -> str:
    """What the outcome recorded about the patient's own plan (outcomes.plan_answer), when it was asked."""
    text = PLAN_ANSWER_TEXTS.get(str(d.get("plan_followed")))
    if text is None:
        return ""
    return f"; {text}" + (f": {d['plan_reason']}" if d.get("plan_reason") else "")
