"""The one place that speaks to triage_rules' TriageSession and turns its state into what the
wizard shows (WizardState) and what records stores (CompletedTriage)."""

from __future__ import annotations

from typing import Any

from console.calltaking.wizard_state import PathStep, QuestionView, RedFlagChoice, WizardState
from records.pre_alert import PreAlertTriage
from records.triage_store import AnswerRecord, CompletedTriage
from resources.care_need import CareNeed
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from triage_rules.engine import TriageSession
from triage_rules.results import TriageInputError, TriageState, care_need_json
from triage_rules.schema import UNKNOWN, RuleSet

VITAL_ANSWER_PREFIX = "vital:"  # a vital sign taken with the panel, stored beside the tree's answers


class EngineDriver:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self.session: TriageSession | None = None
        self.context = PatientContext()
        # Vital signs and oxygen belong to the call, not to a complaint: kept here, handed to every session
        self._vitals: dict[str, float | str] = {}
        self._oxygen = False

    def complaints(self) -> list[tuple[str, str]]:
        return [(c.code, c.name) for c in self.ruleset.complaints]

    def start(self, complaint: str, context: PatientContext) -> WizardState:
        self.context = context
        self.session = self._new_session(complaint)
        return self.state()

    def _new_session(self, complaint: str) -> TriageSession:
        s = TriageSession(self.ruleset, complaint, self.context)
        for name, value in self._vitals.items():
            s.set_vital(name, value)
        if self._oxygen:
            s.set_oxygen(supplemental=True)
        return s

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
        self.context = context
        if self.session is None:
            return self.state()
        s = self.session
        override = s.result.override if s.result else None
        self.session = s.with_context(context)
        if override is not None and self.session.done:
            self.session.override(override.priority if override.priority != override.priority_before else None,
                                  override.care_need if override.care_need != override.care_need_before else None,
                                  override.reason)
        return self.state()

    # --- red flags at any moment ---------------------------------------------------------------
    def available_red_flags(self) -> list[RedFlagChoice]:
        """The red flags the nurse can raise now, as the engine lists them (the complaint's own first),
        each with what it leads to; those already raised are left out."""
        out = []
        for view in self._session().available_red_flags():
            rf = self.ruleset.red_flag(view.id)
            if not view.raised:
                out.append(RedFlagChoice(id=view.id, text=view.text, detail=rf.endpoint.reason if rf else ""))
        return out

    def raise_red_flag(self, flag_id: str) -> WizardState:
        """The nurse hears a red flag: the engine ends the call at its Prio 1 endpoint."""
        self._session().raise_red_flag(flag_id)
        return self.state()

    def raised_red_flags(self) -> list[str]:
        """The red flags the nurse raised by hand, in the order raised."""
        if self.session is None:
            return []
        return [p.question_id for p in self.session.state().path if p.kind == "manual_red_flag"]

    # --- vital signs at any time -----------------------------------------------------------------
    @property
    def vitals(self) -> dict[str, float | str]:
        return dict(self._vitals)

    @property
    def oxygen(self) -> bool:
        return self._oxygen

    def set_vital(self, name: str, value: float | str | None) -> WizardState:
        """Take (or clear, with None) a vital sign; TriageInputError with a Swedish message naming it if the
        value is not plausible. Before a complaint is chosen the value is checked and kept for the call."""
        s = self.session or self._scratch()
        s.set_vital(name, value)
        taken = s.vitals
        if name in taken:
            self._vitals[name] = taken[name]
        else:
            self._vitals.pop(name, None)
        return self.state()

    def set_oxygen(self, on: bool) -> WizardState:
        self._oxygen = on
        if self.session is not None:
            self.session.set_oxygen(supplemental=on)
        return self.state()

    def restore_vitals(self, vitals: dict[str, Any], oxygen: bool = False) -> list[str]:
        """Take the vital signs of a draft (before its triage is replayed); returns problems, if any."""
        self._vitals, self._oxygen, problems = {}, bool(oxygen), []
        for name, value in (vitals or {}).items():
            try:
                self.set_vital(name, value)
            except TriageInputError as exc:
                problems.append(str(exc))
        return problems

    def clear_vitals(self) -> None:
        self._vitals, self._oxygen = {}, False

    def assessment(self) -> tuple[int | None, list[str]]:
        """NEWS2 of the known vital signs and the scoring's reasons (what the values raised, or did not)."""
        s = self.session or (self._scratch() if self._vitals else None)
        if s is None:
            return None, []
        st = s.state()
        scores = self.ruleset.scores
        tag = f"[{scores.version}]" if scores is not None else None
        effects = [r.removesuffix(tag).strip() for r in st.reasons if tag and r.endswith(tag)]
        return st.news2, effects

    def tree_vitals(self) -> dict[str, float]:
        """Vital signs answered to the tree's own vital questions (not taken with the panel): the panel shows
        them greyed in its empty fields, and NEWS2 counts them."""
        s = self.session
        if s is None:
            return {}
        out: dict[str, float] = {}
        for qid, value in s.answers:
            q = s.complaint.question(qid)
            sign = q.vital_sign if q is not None else None
            if sign and isinstance(value, float):
                out[sign] = value
        return out

    def _scratch(self) -> TriageSession:
        """A session only for the vital signs (no complaint chosen yet): the same checks and scores."""
        return self._new_session(self.ruleset.complaints[0].code)

    def answers(self) -> list[tuple[str, Any]]:
        return list(self.session.answers) if self.session else []

    def override(self, priority: Priority | None, care_need: CareNeed | None, reason: str) -> WizardState:
        self._session().override(priority, care_need, reason)
        return self.state()

    def override_preview(self, priority: Priority) -> tuple[CareNeed, str]:
        """The care need the engine gives a priority-only override to `priority`, and where it comes from."""
        return self._session().care_need_for_priority(priority)

    def overridden(self) -> bool:
        """Whether the engine holds an override (any change of the call drops it)."""
        result = self.session.result if self.session is not None else None
        return result is not None and result.override is not None

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
            answers=[*(AnswerRecord(question_id=q, value=v) for q, v in s.answers),
                     *(AnswerRecord(question_id=VITAL_ANSWER_PREFIX + n, value=v) for n, v in s.vitals.items())],
            override_priority=o.priority if o and o.priority != o.priority_before else None,
            override_care_need=care_need_json(o.care_need) if o and o.care_need != o.care_need_before else None,
            override_reason=o.reason if o else None)

    def pre_alert(self) -> PreAlertTriage:
        """What a förlarm sends while the triage goes on: the preliminary Prio 1 with the rule set's escalation care
        need for it (the endpoint's own need is not known yet) and the reasons so far. ValueError (Swedish) unless
        the preliminary priority is Prio 1."""
        s = self._session()
        st = s.state()
        need = self.ruleset.escalation_care_need(Priority.P1)
        if need is None:
            raise ValueError(f"Regelverk {self.ruleset.version} har inget vårdbehov för {Priority.P1.label}; "
                             "förlarm kan inte skickas.")
        return PreAlertTriage(ruleset_version=self.ruleset.version, complaint=s.complaint.code,
                              priority=st.provisional_priority, care_need=care_need_json(need),
                              reasons=list(st.reasons))

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
        care_need=r.care_need if r else None, flags=r.flags if r else (), limitations=st.limitations)


def _step_question(kind: str, text: str) -> str:
    return f"Röd flagga: {text}" if kind == "manual_red_flag" else text


def _step_answer(kind: str, label: str, automatic: bool) -> str:
    if kind == "manual_red_flag":
        return "registrerad av dig (Backspace tar tillbaka)"
    return label + (" (automatiskt)" if automatic else "")
