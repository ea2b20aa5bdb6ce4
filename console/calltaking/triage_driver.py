"""The one place that speaks to triage_rules' TriageSession and turns its state into what the
wizard shows (WizardState) and what records stores (CompletedTriage)."""

from __future__ import annotations

from typing import Any

from console.calltaking.wizard_state import PathStep, QuestionView, RedFlagChoice, WizardState
from records.triage_store import AnswerRecord, CompletedTriage
from resources.care_need import CareNeed
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from triage_rules.engine import TriageSession
from triage_rules.results import TriageState, care_need_json
from triage_rules.schema import UNKNOWN, RuleSet


class EngineDriver:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self.session: TriageSession | None = None

    def complaints(self) -> list[tuple[str, str]]:
        return [(c.code, c.name) for c in self.ruleset.complaints]

    def start(self, complaint: str, context: PatientContext) -> WizardState:
        self.session = TriageSession(self.ruleset, complaint, context)
        return self.state()

    def answer(self, value: Any) -> WizardState:
        s = self._session()
        q = s.state().next_question
        if q is not None:
            s.answer(q.id, value)
        return self.state()

    def back(self) -> WizardState:
        self._session().back()
        return self.state()

    def rewind(self, keep: int) -> WizardState:
        """Go back until `keep` of the shown path steps remain (automatic steps count too)."""
        s = self._session()
        while len(s.state().path) > keep and s.answers:
            s.back()
        return self.state()

    def set_context(self, context: PatientContext) -> WizardState:
        """The same call re-evaluated with new patient context: answers, a raised red flag and an override
        carried over (an override that no longer applies is dropped, as any change of the call drops it)."""
        s = self._session()
        flag, override = self.raised_red_flag(), s.result.override if s.result else None
        self.session = TriageSession.replay(self.ruleset, s.complaint.code, s.answers, context)
        if flag is not None:
            self.session.raise_red_flag(flag)
        if override is not None and self.session.done:
            self.session.override(override.priority if override.priority != override.priority_before else None,
                                  override.care_need if override.care_need != override.care_need_before else None,
                                  override.reason)
        return self.state()

    # --- red flags at any moment ---------------------------------------------------------------
    def available_red_flags(self) -> list[RedFlagChoice]:
        """The red flags the nurse can raise now (every one of the rule set's), in the rule set's order."""
        flags = self.ruleset.red_flags
        return [RedFlagChoice(id=rf.id, text=rf.text, detail=rf.endpoint.reason) for rf in flags]

    def raise_red_flag(self, flag_id: str) -> WizardState:
        """The nurse hears a red flag: the engine ends the call at its Prio 1 endpoint."""
        self._session().raise_red_flag(flag_id)
        return self.state()

    def raised_red_flag(self) -> str | None:
        """The red flag the nurse raised by hand (on the current path), if any."""
        if self.session is None:
            return None
        return next((p.question_id for p in self.session.state().path if p.kind == "manual_red_flag"), None)

    def answers(self) -> list[tuple[str, Any]]:
        return list(self.session.answers) if self.session else []

    def override(self, priority: Priority | None, care_need: CareNeed | None, reason: str) -> WizardState:
        self._session().override(priority, care_need, reason)
        return self.state()

    def state(self) -> WizardState:
        if self.session is None:
            return WizardState()
        return to_wizard_state(self.session.state(), self.session.complaint.name)

    def completed(self) -> CompletedTriage:
        """The finished triage as records stores it (raises if not done)."""
        s = self._session()
        r = s.result
        if r is None:
            raise ValueError("Triageringen är inte klar.")
        o = r.override
        return CompletedTriage(
            ruleset_version=r.ruleset_version, complaint=r.complaint, endpoint_code=r.endpoint,
            priority=o.priority_before if o else r.priority,
            care_need=care_need_json(o.care_need_before if o else r.care_need),
            flags=list(r.flags), reasons=list(r.reasons),
            path=[p.model_dump(mode="json") for p in r.path],
            answers=[AnswerRecord(question_id=q, value=v) for q, v in s.answers],
            override_priority=o.priority if o and o.priority != o.priority_before else None,
            override_care_need=care_need_json(o.care_need) if o and o.care_need != o.care_need_before else None,
            override_reason=o.reason if o else None)

    def _session(self) -> TriageSession:
        if self.session is None:
            raise ValueError("Välj kontaktorsak först.")
        return self.session


def to_wizard_state(st: TriageState, complaint_name: str) -> WizardState:
    q = st.next_question
    view = None
    if q is not None:
        view = QuestionView(
            id=q.id, text=q.text, kind=q.kind, help=q.help,
            options=tuple((o.value, o.label) for o in q.options), unit=q.unit,
            range=(q.min, q.max) if q.min is not None and q.max is not None else None, unknown_value=UNKNOWN)
    path = tuple(PathStep(question_id=p.question_id, question=_step_question(p.kind, p.text),
                          answer=_step_answer(p.kind, p.answer_label, p.automatic),
                          value=None if p.automatic else p.answer) for p in st.path)
    r = st.result
    return WizardState(
        complaint=st.complaint, complaint_name=complaint_name, question=view, priority=st.provisional_priority,
        reasons=st.reasons, path=path, done=st.done, endpoint_code=r.endpoint if r else None,
        care_need=r.care_need if r else None, flags=r.flags if r else ())


def _step_question(kind: str, text: str) -> str:
    return f"Röd flagga: {text}" if kind == "manual_red_flag" else text


def _step_answer(kind: str, label: str, automatic: bool) -> str:
    if kind == "manual_red_flag":
        return "registrerad av dig (Backspace tar tillbaka)"
    return label + (" (automatiskt)" if automatic else "")
