"""The one place that speaks to triage_rules' TriageSession and turns its state into what the
wizard shows (WizardState) and what records stores (CompletedTriage)."""

from __future__ import annotations

from typing import Any

from console.calltaking.wizard_state import PathStep, QuestionView, WizardState
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
        s = self._session()
        answers = s.answers
        self.session = TriageSession.replay(self.ruleset, s.complaint.code, answers, context)
        return self.state()

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
    path = tuple(PathStep(question_id=p.question_id, question=p.text,
                          answer=p.answer_label + (" (automatiskt)" if p.automatic else ""),
                          value=None if p.automatic else p.answer) for p in st.path)
    r = st.result
    return WizardState(
        complaint=st.complaint, complaint_name=complaint_name, question=view, priority=st.provisional_priority,
        reasons=st.reasons, path=path, done=st.done, endpoint_code=r.endpoint if r else None,
        care_need=r.care_need if r else None, flags=r.flags if r else ())
