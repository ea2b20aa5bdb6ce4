"""The triage engine: a plain state machine that the console, the CLI and the tests drive alike.

    session = TriageSession(ruleset, "BRÖST", context, now)
    state = session.state()              # provisional priority, next question, reasons, path
    state = session.answer(state.next_question.id, "ja")
    state = session.back()               # undo the last answer
    state = session.change("ont_nu", "nej")  # change an earlier answer; the path is re-evaluated
    result = session.result              # TriageResult once done, else None

The session keeps only the answers; every state is recomputed from the rule set, the answers,
the patient context and `now`, so the same inputs always give the same result.

Rules applied on top of the tree (in this order):
1. A red flag (asked at the start, reached by an answer, or raised by the nurse at any time)
   ends the call at its Prio 1 endpoint with its care need.
2. Vital-sign thresholds can only raise the priority; `combined_vitals` rules raise further when
   several measured vital signs are abnormal together (e.g. two in the Prio 2 band → Prio 1). When the priority ends above the
   endpoint's own, the care need becomes the rule set's escalation need for that priority.
   When a threshold fires at the endpoint's own priority (so the priority does not change) and
   the endpoint's care need has no ambulance transport (it assumes stable vital signs), the care
   need becomes the endpoint's `if_vitals_abnormal` need, else the escalation need.
3. Vital signs taken at any time (set_vital, set_oxygen) are scored with the rule set's
   `vital_scores` data (NEWS2 for adults, qSOFA for the elderly with suspected infection, age bands
   for children, glucose): raise only; a taken vital sign also answers the complaint's own vital question.
4. A recontact within the window after "lämnad hemma" raises one step and adds FLAG_RECONTACT.
5. The nurse may override priority and/or care need with a reason (adds FLAG_OVERRIDE); a priority-only
   override gets the care need that fits the new priority (triage_rules.override_need).

Red flags can be raised at any moment (raise_red_flag; available_red_flags lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.clock import local_aware as _aware
from resources.patient_context import PatientContext
from resources.vocabulary import Priority, TransportNeed
from triage_rules.flags import FLAG_OVERRIDE, FLAG_RECONTACT
from triage_rules.override_need import override_care_need
from triage_rules.plan_checks import evaluate as evaluate_plan_check
from triage_rules.plan_checks import limitation_notices
from triage_rules.results import (
    AnswerOption,
    LimitationNotice,
    Override,
    PathStep,
    QuestionView,
    RedFlagView,
    TriageInputError,
    TriageResult,
    TriageState,
)
from triage_rules.schema import (
    ANSWER_LABELS,
    NO,
    UNKNOWN,
    YES,
    Complaint,
    ContextCheck,
    Endpoint,
    Question,
    QuestionKind,
    RedFlag,
    RuleSet,
    _num,
)
from triage_rules.scoring import Assessment, assess
from triage_rules.vital_scores import AVPU_VALUES, FALLBACK_RANGES, VITAL_LABELS, VITAL_NAMES

_UNKNOWN_ALIASES = {"vet ej", "vet_ej", "vetej", "?", "unknown", "okänt", "okänd"}
_YES_ALIASES = {"ja", "j", "yes", "y", "true"}
_NO_ALIASES = {"nej", "n", "no", "false"}
_DAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


@dataclass
class _Walk:
    steps: list[PathStep] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    raises: list[Priority] = field(default_factory=list)
    vital_hits: list[tuple[str, Priority]] = field(default_factory=list)  # (Swedish finding, raise_to)
    measured_hits: list[tuple[str, str, Priority]] = field(default_factory=list)  # (question id, finding, raise_to)
    combined_at: dict[int, int] = field(default_factory=dict)  # combined_vitals rule index -> index in reasons
    pending: QuestionView | None = None
    endpoint: Endpoint | None = None
    red_flag: RedFlag | None = None
    news2: int | None = None


class TriageSession:
    """One call being triaged against one complaint of one rule set."""

    def __init__(self, ruleset: RuleSet, complaint: str, context: PatientContext | None = None,
                 now: datetime | None = None, recontact_window: timedelta | None = None):
        self.ruleset = ruleset
        self.complaint: Complaint = ruleset.complaint(complaint)
        self.context = context or PatientContext()
        self.now = _aware(now) if now is not None else datetime.now(LOCAL_TZ)
        self.recontact_window = recontact_window or timedelta(hours=ruleset.recontact_window_hours)
        self._answers: dict[str, str | float] = {}
        self._manual_red_flags: list[RedFlag] = []
        self._vitals: dict[str, float | str] = {}
        self._on_oxygen = False
        self._spo2_scale2 = False
        self._override: Override | None = None
        self._walk_cache: _Walk | None = None

    @classmethod
    def replay(cls, ruleset: RuleSet, complaint: str, answers: list[tuple[str, Any]],
               context: PatientContext | None = None, now: datetime | None = None,
               recontact_window: timedelta | None = None) -> TriageSession:
        """A session with `answers` given in order (each must be the question then asked)."""
        session = cls(ruleset, complaint, context, now, recontact_window)
        for qid, value in answers:
            session.answer(qid, value)
        return session

    # --- commands -----------------------------------------------------------------------
    def answer(self, question_id: str, value: Any) -> TriageState:
        """Answer the current question. `value`: ja/nej/True/False, an option value or label,
        a number for a vital sign, or "vet ej" for any question."""
        walk = self._walk()
        if walk.pending is None:
            raise TriageInputError("Triagen är redan klar; ändra ett tidigare svar eller gå tillbaka.")
        if question_id != walk.pending.id:
            if question_id in self._answers:
                raise TriageInputError(
                    f"Frågan '{question_id}' är redan besvarad; använd ändra för att byta svar "
                    f"(aktuell fråga: '{walk.pending.id}')."
                )
            raise TriageInputError(f"Frågan '{question_id}' är inte aktuell; aktuell fråga är '{walk.pending.id}'.")
        self._answers[question_id] = self._normalize(question_id, value)
        self._changed()
        return self.state()

    def change(self, question_id: str, value: Any) -> TriageState:
        """Change an earlier answer on the current path; answers that fall off the path are dropped."""
        on_path = {s.question_id for s in self._walk().steps if not s.automatic}
        if question_id not in on_path or question_id not in self._answers:
            raise TriageInputError(f"Frågan '{question_id}' är inte besvarad på den nuvarande vägen.")
        self._answers[question_id] = self._normalize(question_id, value)
        self._changed()
        return self.state()

    def back(self) -> TriageState:
        """Undo the last answer (or the last red flag the nurse raised by hand). Vital signs stay:
        change them with set_vital (None clears one)."""
        if self._manual_red_flags:
            self._manual_red_flags.pop()
        else:
            answered = [s.question_id for s in self._walk().steps if not s.automatic]
            if answered:
                del self._answers[answered[-1]]
        self._changed()
        return self.state()

    def raise_red_flag(self, flag_id: str) -> TriageState:
        """The nurse hears a red flag at any point in the call (before the first question, mid-tree or
        after an endpoint): the call ends at its Prio 1 endpoint, recorded in the path and reasons.
        With several raised, the one listed first in the rule set decides the endpoint."""
        rf = self.ruleset.red_flag(flag_id.strip().upper()) if isinstance(flag_id, str) else None
        if rf is None:
            known = ", ".join(r.id for r in self.ruleset.red_flags)
            raise TriageInputError(f"Okänd röd flagga '{flag_id}' (kända: {known}).")
        if rf not in self._manual_red_flags:
            self._manual_red_flags.append(rf)
        self._changed()
        return self.state()

    def available_red_flags(self) -> tuple[RedFlagView, ...]:
        """Every red flag the nurse can raise now: the complaint's own first, then the general ones."""
        own = set(self.complaint.red_flags)
        ordered = sorted(self.ruleset.red_flags, key=lambda rf: rf.id not in own)
        raised = {rf.id for rf in self._manual_red_flags}
        return tuple(RedFlagView(id=rf.id, text=rf.text, help=rf.help, complaint=rf.id in own,
                                 raised=rf.id in raised, endpoint=rf.endpoint.code) for rf in ordered)

    def set_vital(self, name: str, value: float | str | None) -> TriageState:
        """Take a vital sign at any time of the call: rr, spo2, pulse, sbp, temp (numbers), avpu
        (A, C, V, P, U) or glucose. None (or "vet ej") clears it. The complaint's own question for the
        same vital sign is answered by it (and a value given there earlier is replaced). Re-evaluates
        priority and care need (NEWS2, qSOFA, children's ranges: they only ever raise)."""
        if name not in VITAL_NAMES:
            raise TriageInputError(f"Okänd vitalparameter '{name}' (kända: {', '.join(VITAL_NAMES)}).")
        if value is None or _is_unknown(value):
            self._vitals.pop(name, None)
        else:
            self._vitals[name] = self._vital_input(name, value)
        for q in self.complaint.questions:
            if q.vital_sign == name:
                self._answers.pop(q.id, None)
        self._changed()
        return self.state()

    def set_oxygen(self, *, supplemental: bool | None = None, spo2_scale2: bool | None = None) -> TriageState:
        """NEWS2's oxygen facts: the patient breathes supplemental oxygen; a saturation target of 88–92 %
        is prescribed (e.g. COPD with CO2 retention), so saturation is scored on NEWS2's scale 2."""
        if supplemental is not None:
            self._on_oxygen = supplemental
        if spo2_scale2 is not None:
            self._spo2_scale2 = spo2_scale2
        self._changed()
        return self.state()

    @property
    def vitals(self) -> dict[str, float | str]:
        """The vital signs set with set_vital (a copy)."""
        return dict(self._vitals)

    @property
    def oxygen(self) -> tuple[bool, bool]:
        """(supplemental oxygen, SpO2 scale 2) as set with set_oxygen."""
        return self._on_oxygen, self._spo2_scale2

    def with_context(self, context: PatientContext) -> TriageSession:
        """The same call (answers, vital signs, raised red flags) with another patient context; answers
        that no longer lie on the path are dropped."""
        other = TriageSession(self.ruleset, self.complaint.code, context, self.now, self.recontact_window)
        other._vitals, other._on_oxygen, other._spo2_scale2 = dict(self._vitals), self._on_oxygen, self._spo2_scale2
        other._manual_red_flags = list(self._manual_red_flags)
        for qid, value in self.answers:
            state = other.state()
            if state.next_question is None or state.next_question.id != qid:
                break
            other._answers[qid] = value
            other._changed()
        return other

    def override(self, priority: Priority | str | None = None, care_need: CareNeed | dict[str, Any] | None = None,
                 reason: str = "") -> TriageResult:
        """Override the finished result's priority and/or care need. Needs a reason; flags for RLS review.
        Any later change of the answers discards the override."""
        base = self._base_result()
        if base is None:
            raise TriageInputError("Överstyrning kräver att triagen är klar.")
        if not reason or not reason.strip():
            raise TriageInputError("En överstyrning måste ha en motivering.")
        if priority is None and care_need is None:
            raise TriageInputError("Ange prioritet och/eller vårdbehov att överstyra till.")
        try:
            new_priority = Priority(priority) if priority is not None else base.priority
            new_need = CareNeed.model_validate(care_need) if care_need is not None else base.care_need
        except ValueError as exc:
            raise TriageInputError(f"Ogiltig överstyrning: {exc}") from exc
        source = ""
        if care_need is None and new_priority != base.priority:
            new_need, source = self.care_need_for_priority(new_priority)
        self._override = Override(
            priority_before=base.priority, priority=new_priority,
            care_need_before=base.care_need, care_need=new_need, reason=reason.strip(), care_need_source=source,
        )
        result = self.result
        assert result is not None
        return result

    def care_need_for_priority(self, priority: Priority | str) -> tuple[CareNeed, str]:
        """The care need a priority-only override to `priority` gets, and where it comes from (Swedish), for
        the console to offer before the nurse confirms (triage_rules.override_need)."""
        base = self._base_result()
        walk = self._walk()
        if base is None or walk.endpoint is None:
            raise TriageInputError("Överstyrning kräver att triagen är klar.")
        return override_care_need(self.ruleset, walk.endpoint, base.care_need, base.priority, Priority(priority))

    # --- queries ------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._walk().endpoint is not None

    @property
    def result(self) -> TriageResult | None:
        base = self._base_result()
        if base is None or self._override is None:
            return base
        o = self._override
        reasons = [*base.reasons, _override_reason(o)]
        flags = list(dict.fromkeys([*base.flags, FLAG_OVERRIDE]))
        return base.model_copy(update={
            "priority": o.priority, "care_need": o.care_need, "override": o,
            "reasons": tuple(reasons), "flags": tuple(flags),
        })

    @property
    def answers(self) -> list[tuple[str, str | float]]:
        """The nurse's answers on the current path, in order (enough to replay the call)."""
        return [(s.question_id, self._answers[s.question_id]) for s in self._walk().steps
                if not s.automatic and s.question_id in self._answers]

    def state(self) -> TriageState:
        walk = self._walk()
        result = self.result
        if result is not None:
            return TriageState(
                complaint=self.complaint.code, provisional_priority=result.priority, next_question=None,
                reasons=result.reasons, path=result.path, done=True, result=result,
                vitals=dict(self._vitals), news2=walk.news2, limitations=result.limitations,
            )
        provisional = Priority.most_urgent(self.complaint.initial_priority, *walk.raises)
        reasons = list(walk.reasons)
        recontact = self._recontact_reason()
        if recontact:
            provisional = provisional.raised(1)
            reasons.append(recontact)
        return TriageState(
            complaint=self.complaint.code, provisional_priority=provisional, next_question=walk.pending,
            reasons=tuple(reasons), path=tuple(walk.steps), done=False, vitals=dict(self._vitals), news2=walk.news2,
            limitations=self.limitation_notices(),
        )

    # --- internals ----------------------------------------------------------------------
    def _changed(self) -> None:
        self._walk_cache = None
        self._override = None
        on_path = {s.question_id for s in self._walk().steps if not s.automatic}
        for qid in [q for q in self._answers if q not in on_path]:
            del self._answers[qid]

    def _walk(self) -> _Walk:
        if self._walk_cache is None:
            self._walk_cache = self._compute_walk()
        return self._walk_cache

    def _compute_walk(self) -> _Walk:
        w = self._manual(self._tree_walk())
        self._apply_scores(w)
        return w

    def _tree_walk(self) -> _Walk:
        w = _Walk()
        c = self.complaint
        for rf_id in c.red_flags:
            rf = self.ruleset.red_flag(rf_id)
            assert rf is not None
            if rf.id not in self._answers:
                w.pending = _red_flag_view(rf)
                return w
            answer = str(self._answers[rf.id])
            counted = rf.unknown_as if answer == UNKNOWN else answer
            w.steps.append(_step(rf.id, "red_flag", rf.text, answer, counted))
            verdict = "Röd flagga" if counted == YES else "Röd flagga utesluten"
            w.reasons.append(f"{verdict}: {rf.text} – {_answer_text(answer, counted)} [{rf.id}]")
            if counted == YES:
                w.endpoint, w.red_flag = rf.endpoint, rf
                return w
        node = c.start
        for _ in range(len(c.questions) + 1):
            rf = self.ruleset.red_flag(node)
            if rf is not None:
                w.reasons.append(f"Svaret leder till röd flagga: {rf.text} [{rf.id}]")
                w.endpoint, w.red_flag = rf.endpoint, rf
                return w
            endpoint = c.endpoint(node)
            if endpoint is not None:
                w.endpoint = endpoint
                return w
            q = c.question(node)
            assert q is not None, f"{c.code}: okänt mål {node} (regelverket borde ha stoppats vid laddning)"
            if q.kind == QuestionKind.CONTEXT:
                if q.id in self._answers:  # asked, because the register did not know (_asks_context)
                    node = self._asked_context_step(q, self._answers[q.id], w)
                    continue
                if self._asks_context(q):
                    w.pending = _question_view(q)
                    return w
                node = self._context_step(q, w)
                continue
            if q.id not in self._answers:
                taken = self._vitals.get(q.vital_sign) if q.vital_sign else None
                if taken is not None:
                    node = self._taken_vital_step(q, float(taken), w)
                    continue
                w.pending = _question_view(q)
                return w
            node = self._answered_step(q, self._answers[q.id], w)
        raise RuntimeError(f"{c.code}: vägen tar aldrig slut (cykel i regelverket)")

    def _manual(self, w: _Walk) -> _Walk:
        """Red flags the nurse raised by hand, wherever the walk stopped (a question, an endpoint)."""
        if not self._manual_red_flags:
            return w
        for rf in self._manual_red_flags:
            w.steps.append(_step(rf.id, "manual_red_flag", rf.text, YES, None))
            w.reasons.append(f"Röd flagga registrerad av sjuksköterskan: {rf.text} [{rf.id}]")
        order = [r.id for r in self.ruleset.red_flags]
        candidates = [*self._manual_red_flags, *([w.red_flag] if w.red_flag else [])]
        first = min(candidates, key=lambda r: order.index(r.id))
        w.pending, w.endpoint, w.red_flag = None, first.endpoint, first
        return w

    def _taken_vital_step(self, q: Question, value: float, w: _Walk) -> str:
        """A vital question answered by a vital sign taken with set_vital (shown as automatic)."""
        target = self._vital_step(q, value, w, f"[{self.complaint.code}/{q.id}]")
        step = w.steps[-1]
        w.steps[-1] = step.model_copy(update={"automatic": True, "answer_label": f"{step.answer_label} (vitalparameter)"})
        assert target is not None
        return target

    def _scored_vitals(self, w: _Walk) -> dict[str, float | str]:
        """The vital signs known on this walk: values answered to the tree's vital questions, then those
        taken with set_vital (which replace them)."""
        known: dict[str, float | str] = {}
        for step in w.steps:
            q = self.complaint.question(step.question_id) if step.kind == "vital" and not step.automatic else None
            value = self._answers.get(q.id) if q is not None else None
            if q is not None and q.vital_sign and isinstance(value, float):
                known[q.vital_sign] = value
        return {**known, **self._vitals}

    def _assess(self, w: _Walk) -> Assessment | None:
        scores = self.ruleset.scores
        if scores is None:
            return None
        return assess(scores, self._scored_vitals(w), age=self.context.age,
                      infection=self.complaint.code in self.ruleset.suspected_infection,
                      on_oxygen=self._on_oxygen, spo2_scale2=self._spo2_scale2 or self._target_saturation(w))

    def _target_saturation(self, w: _Walk) -> bool:
        """Did the caller confirm a prescribed target saturation on this walk (a question marked
        `spo2_scale2_if_yes` answered "ja" — "vet ej" does not count)? Then NEWS2 scores SpO2 on scale 2."""
        for step in w.steps:
            q = self.complaint.question(step.question_id) if step.kind == "yes_no" else None
            if q is not None and q.spo2_scale2_if_yes and step.answer == "ja":
                return True
        return False

    def _apply_scores(self, w: _Walk) -> None:
        """NEWS2 / qSOFA / children's ranges / glucose: raise only. A raise to Prio 1 or 2 also counts as
        an abnormal vital sign for the endpoint's care need (a Prio 3 raise asks only for an assessment)."""
        a = self._assess(w)
        if a is None:
            return
        w.news2 = a.news2
        for r in a.raises:
            w.raises.append(r.raise_to)
            if r.raise_to.urgency >= Priority.P2.urgency:
                w.vital_hits.append((r.finding, r.raise_to))
        w.reasons.extend(a.reasons)

    def _vital_input(self, name: str, value: float | str) -> float | str:
        label = VITAL_LABELS[name][0]
        if name == "avpu":
            text = str(value).strip().upper()
            if text not in AVPU_VALUES:
                raise TriageInputError(f"{label} ska vara A, C, V, P eller U (vaken, nytillkommen förvirring, "
                                       f"reagerar på tilltal, på smärta, reagerar inte), inte '{value}'.")
            return text
        unit = VITAL_LABELS[name][1]
        if isinstance(value, bool):
            raise TriageInputError(f"{label} ska anges som ett tal i {unit}.")
        try:
            number = float(value.replace(",", ".").strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise TriageInputError(f"{label} ska anges som ett tal i {unit}, inte '{value}'.") from None
        scores = self.ruleset.scores
        low, high = scores.ranges[name] if scores is not None else FALLBACK_RANGES[name]
        if not low <= number <= high:
            raise TriageInputError(f"{label} {_num(number)} {unit} ligger utanför rimligt intervall "
                                   f"{_num(low)}–{_num(high)} {unit}. Kontrollera värdet.")
        return number

    def _answered_step(self, q: Question, answer: str | float, w: _Walk) -> str:
        rule = f"[{self.complaint.code}/{q.id}]"
        if answer == UNKNOWN and q.asks_follow_up and q.kind != QuestionKind.VITAL:
            assert q.unknown_follow_up is not None
            w.steps.append(PathStep(question_id=q.id, kind="choice" if q.kind == QuestionKind.CHOICE else "yes_no",
                                    text=q.text, answer=UNKNOWN, answer_label="Vet ej"))
            w.reasons.append(f"{q.text} – Vet ej → följdfråga enligt regelverket [{q.unknown_follow_up}] {rule}")
            return q.unknown_follow_up
        if q.kind == QuestionKind.YES_NO:
            counted = str(q.unknown_as) if answer == UNKNOWN else str(answer)
            w.steps.append(_step(q.id, "yes_no", q.text, str(answer), counted))
            w.reasons.append(f"{q.text} – {_answer_text(str(answer), counted)} {rule}")
            target = q.if_yes if counted == YES else q.if_no
        elif q.kind == QuestionKind.CHOICE:
            counted = str(q.unknown_as) if answer == UNKNOWN else str(answer)
            option = q.option(counted)
            assert option is not None
            label = "Vet ej" if answer == UNKNOWN else option.label
            w.steps.append(PathStep(question_id=q.id, kind="choice", text=q.text, answer=str(answer),
                                    answer_label=label, counted_as=option.value if answer == UNKNOWN else None))
            shown = f"Vet ej (räknas som '{option.label}' enligt regelverket)" if answer == UNKNOWN else option.label
            w.reasons.append(f"{q.text} – {shown} {rule}")
            target = option.goto
        else:
            target = self._vital_step(q, answer, w, rule)
        assert target is not None
        return target

    def _vital_step(self, q: Question, answer: str | float, w: _Walk, rule: str) -> str | None:
        unit = q.unit
        if answer == UNKNOWN:
            value = q.unknown_as if isinstance(q.unknown_as, int | float) else None
            w.steps.append(PathStep(question_id=q.id, kind="vital", text=q.text, answer=UNKNOWN, answer_label="Vet ej",
                                    counted_as=None if value is None else _num(value)))
            if value is None:
                w.reasons.append(f"{q.text} – Vet ej (okänt värde höjer inte prioriteten) {rule}")
                return q.goto
            shown = f"Vet ej (räknas som {_num(value)} {unit} enligt regelverket)"
        else:
            value = float(answer)
            w.steps.append(PathStep(question_id=q.id, kind="vital", text=q.text, answer=_num(value),
                                    answer_label=f"{_num(value)} {unit}".strip()))
            shown = f"{_num(value)} {unit}".strip()
        hits = [t for t in q.thresholds if t.raise_to is not None and t.matches(value)]
        if hits:
            top = max(hits, key=lambda t: t.raise_to.urgency if t.raise_to else -1)
            assert top.raise_to is not None
            w.raises.append(top.raise_to)
            w.vital_hits.append((f"{top.reason or q.text.rstrip('?')} ({shown})", top.raise_to))
            why = f": {top.reason}" if top.reason else ""
            w.reasons.append(f"{q.text} – {shown}, {top.describe(unit)} → höjer till minst {top.raise_to.label}{why} {rule}")
            if answer != UNKNOWN:  # an assumed value ("vet ej" counted as a number) never combines
                w.measured_hits.append((q.id, f"{top.reason or q.text.rstrip('?')} ({shown})", top.raise_to))
                self._combined_vitals(w)
        else:
            w.reasons.append(f"{q.text} – {shown} (inom gränserna) {rule}")
        return q.goto

    def _combined_vitals(self, w: _Walk) -> None:
        """Apply the rule set's combined_vitals rules to the measured abnormal vital signs so far.
        A rule fires once; its reason is rewritten as further vital signs join the combination."""
        for i, rule in enumerate(self.ruleset.combined_vitals):
            assert rule.raise_to is not None and rule.of_priority is not None
            counted = [finding for qid, finding, fired in w.measured_hits if rule.counts(qid, fired)]
            if len(counted) < rule.min_count:
                continue
            text = (f"Kombinerade avvikande vitalparametrar: {len(counted)} vitalparametrar på minst "
                    f"{rule.of_priority.label}-nivå samtidigt ({'; '.join(counted)}); regeln kräver minst "
                    f"{rule.min_count} → höjer till minst {rule.raise_to.label}: {rule.reason} "
                    f"[combined_vitals {i + 1}]")
            finding = f"kombination av {len(counted)} avvikande vitalparametrar"
            if i in w.combined_at:
                w.reasons[w.combined_at[i]] = text
                continue
            w.combined_at[i] = len(w.reasons)
            w.reasons.append(text)
            w.raises.append(rule.raise_to)
            w.vital_hits.append((finding, rule.raise_to))

    def _context_step(self, q: Question, w: _Walk) -> str:
        value, detail = self._evaluate_context(q)
        counted = value if value is not None else str(q.unknown_as)
        answer = value if value is not None else UNKNOWN
        w.steps.append(_step(q.id, "context", q.text, answer, counted, automatic=True))
        shown = ANSWER_LABELS[counted] + (f" ({detail})" if detail else "")
        if value is None:
            shown = f"okänt i patientuppgifterna, räknas som {ANSWER_LABELS[counted]}"
        source = ("Tidpunkt" if q.check == ContextCheck.OFFICE_HOURS
                  else "Patientens plan" if q.check is not None and q.check.from_care_plan else "Patientuppgift")
        w.reasons.append(f"{source}: {q.text} – {shown} [{self.complaint.code}/{q.id}]")
        target = q.if_yes if counted == YES else q.if_no
        assert target is not None
        return target

    def _asks_context(self, q: Question) -> bool:
        """Unknown context is asked, never assumed: when the register was not consulted or has no entry for the
        patient (PatientContext.register_known False), a register question the context cannot answer "ja" to,
        and an age question without an age, are put to the nurse. The time of day is always known."""
        if self.context.register_known or q.check == ContextCheck.OFFICE_HOURS:
            return False
        if q.check is not None and q.check.from_care_plan:
            return False  # the plan register answers; no plan known is "nej", the generic path
        value, _ = self._evaluate_context(q)
        if q.check in (ContextCheck.AGE_AT_LEAST, ContextCheck.AGE_BELOW):
            return value is None
        return value != YES

    def _asked_context_step(self, q: Question, answer: str | float, w: _Walk) -> str:
        # "Vet ej" counts as the question's unknown_as; a register question has none: not known to be enrolled
        # (in ASIH, on SÄBO …) means no team can be counted on, so it counts as "nej" — said in the path.
        unknown_as = str(q.unknown_as) if q.unknown_as is not None else NO
        counted = unknown_as if answer == UNKNOWN else str(answer)
        w.steps.append(_step(q.id, "context", q.text, str(answer), counted))
        w.reasons.append(f"Patientuppgift (frågad, okänd i patientregistret): {q.text} – "
                         f"{_answer_text(str(answer), counted)} [{self.complaint.code}/{q.id}]")
        target = q.if_yes if counted == YES else q.if_no
        assert target is not None
        return target

    def _evaluate_context(self, q: Question) -> tuple[str | None, str]:
        ctx = self.context
        if q.check is not None and q.check.from_care_plan:
            return evaluate_plan_check(q.check, ctx.care_plan, self._local())

        def yes(b: object) -> str:
            return YES if b else NO

        match q.check:
            case ContextCheck.ENROLLED_MOBILE_TEAM:
                return yes(ctx.enrolled_mobile_team), ctx.enrolled_mobile_team or ""
            case ContextCheck.ENROLLED_ASIH:
                return yes(ctx.enrolled_asih), ctx.enrolled_asih or ""
            case ContextCheck.LIVES_IN_SAEBO:
                return yes(ctx.lives_in_saebo), ""
            case ContextCheck.HOME_CARE:
                return yes(ctx.home_care), ""
            case ContextCheck.KNOWN_PSYCHIATRIC:
                return yes(ctx.known_psychiatric_team), ctx.known_psychiatric_team or ""
            case ContextCheck.FRAIL_CARE:
                parts = [label for label, on in (
                    (f"mobilt vårdteam {ctx.enrolled_mobile_team}", ctx.enrolled_mobile_team),
                    (f"ASIH {ctx.enrolled_asih}", ctx.enrolled_asih),
                    ("bor på SÄBO", ctx.lives_in_saebo),
                    ("kommunal hemsjukvård", ctx.home_care),
                ) if on]
                return yes(parts), ", ".join(parts)
            case ContextCheck.OFFICE_HOURS:
                local = self._local()
                hours = self.ruleset.office_hours
                return yes(hours.covers(local)), f"{_DAYS[local.weekday()]} {local:%H:%M}; kontorstid {hours.label()}"
            case ContextCheck.AGE_AT_LEAST | ContextCheck.AGE_BELOW:
                if ctx.age is None:
                    return None, ""
                assert q.age is not None
                hit = ctx.age >= q.age if q.check == ContextCheck.AGE_AT_LEAST else ctx.age < q.age
                return yes(hit), f"{ctx.age} år"
        raise AssertionError(q.check)

    def _local(self) -> datetime:
        return _aware(self.now).astimezone(LOCAL_TZ)

    def _recontact_reason(self) -> str | None:
        last = self.context.last_left_at_home
        if last is None:
            return None
        elapsed = _aware(self.now) - _aware(last)
        if elapsed > self.recontact_window:
            return None
        hours = max(0.0, elapsed.total_seconds() / 3600)
        window = self.recontact_window.total_seconds() / 3600
        return (f"Återkontakt: patienten lämnades hemma för {_num(round(hours, 1))} timmar sedan "
                f"(inom {_num(round(window, 1))} timmar) → prioriteten höjs ett steg")

    def _base_result(self) -> TriageResult | None:
        walk = self._walk()
        endpoint = walk.endpoint
        if endpoint is None:
            return None
        assert endpoint.priority is not None
        rs = self.ruleset
        priority = Priority.most_urgent(endpoint.priority, *walk.raises)
        care_need = rs.endpoint_care_need(endpoint)
        reasons = [*walk.reasons, f"Ändpunkt {endpoint.code} ({endpoint.priority.label}): {endpoint.reason}"]
        flags = list(endpoint.flags)
        recontact = self._recontact_reason()
        if recontact:
            priority = priority.raised(1)
            reasons.append(recontact)
            flags.append(FLAG_RECONTACT)
        if priority.urgency > endpoint.priority.urgency:
            escalated = rs.escalation_care_need(priority)
            assert escalated is not None
            minutes = [m for m in (escalated.max_minutes, care_need.max_minutes) if m is not None]
            care_need = escalated.model_copy(update={"max_minutes": min(minutes) if minutes else None})
            reasons.append(f"Prioriteten höjd från {endpoint.priority.label} till {priority.label}; "
                           f"vårdbehovet följer regelverkets eskalering för {priority.label}")
        elif care_need.transport is not TransportNeed.AMBULANCE:
            hits = [finding for finding, raise_to in walk.vital_hits if raise_to.urgency >= endpoint.priority.urgency]
            if hits:
                care_need, why = self._vitals_abnormal_need(endpoint, priority, care_need)
                reasons.append(f"Avvikande vitalparameter vid {priority.label}: {'; '.join(hits)}. Ändpunktens "
                               f"vårdbehov ({endpoint.code}) förutsätter stabila vitalparametrar och saknar "
                               f"ambulanstransport → vårdbehovet byts till {why}")
        notices = limitation_notices(self.context.care_plan, care_need, priority, endpoint.code)
        reasons.extend(_limitation_reason(n) for n in notices if n.applies)
        return TriageResult(
            ruleset_version=rs.version, complaint=self.complaint.code, complaint_name=self.complaint.name,
            endpoint=endpoint.code, endpoint_priority=endpoint.priority, priority=priority, care_need=care_need,
            flags=tuple(dict.fromkeys(flags)), reasons=tuple(reasons), path=tuple(walk.steps),
            red_flag=walk.red_flag.id if walk.red_flag else None, recontact=bool(recontact),
            triaged_at=self.now, vitals=dict(self._vitals), news2=walk.news2, limitations=notices,
        )

    def limitation_notices(self) -> tuple[LimitationNotice, ...]:
        """The patient's documented treatment limitations (from the care plan in the context), each saying whether
        the call's current path is one it concerns (`applies`: ej HLR on a cardiac-arrest path, ej sjukhusvård when
        the need includes transport, ej IVA at Prio 1 with ambulance). They never change the path: the console
        shows them, the nurse decides and records it (commands.RecordLimitationDecision)."""
        result = self.result
        if result is not None:
            return result.limitations
        return limitation_notices(self.context.care_plan, None, None, None)

    def _vitals_abnormal_need(self, endpoint: Endpoint, priority: Priority, own: CareNeed) -> tuple[CareNeed, str]:
        """The care need (and its Swedish description) when vital signs fire at the endpoint's priority."""
        rs = self.ruleset
        need = rs.vitals_abnormal_care_need(endpoint, priority)
        assert need is not None  # the validator requires every escalation care need
        minutes = [m for m in (need.max_minutes, own.max_minutes) if m is not None]
        need = need.model_copy(update={"max_minutes": min(minutes) if minutes else None})
        if endpoint.if_vitals_abnormal is not None:
            name = endpoint.if_vitals_abnormal if isinstance(endpoint.if_vitals_abnormal, str) else "eget vårdbehov"
            return need, f"ändpunktens vårdbehov vid avvikande vitalparametrar ({name})"
        ref = rs.escalation.get(priority.value)
        name = f" ({ref})" if isinstance(ref, str) else ""
        return need, f"regelverkets eskalering för {priority.label}{name}"

    def _normalize(self, question_id: str, value: Any) -> str | float:
        rf = self.ruleset.red_flag(question_id)
        if rf is not None:
            return _yes_no(value, rf.text)
        q = self.complaint.question(question_id)
        assert q is not None
        if _is_unknown(value):
            return UNKNOWN
        if q.kind in (QuestionKind.YES_NO, QuestionKind.CONTEXT):
            return _yes_no(value, q.text)
        if q.kind == QuestionKind.CHOICE:
            text = str(value).strip().casefold()
            for o in q.options:
                if text in (o.value.casefold(), o.label.casefold()):
                    return o.value
            valid = ", ".join(f"{o.value} ({o.label})" for o in q.options)
            raise TriageInputError(f"Ogiltigt svar '{value}' på '{q.text}'. Giltiga svar: {valid}, vet ej.")
        return _vital_value(q, value)


def _limitation_reason(notice: LimitationNotice) -> str:
    return f"Behandlingsbegränsning i patientens plan: {notice.text}. {notice.why}"


def _is_unknown(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().casefold() in _UNKNOWN_ALIASES)


def _yes_no(value: Any, text: str) -> str:
    if _is_unknown(value):
        return UNKNOWN
    if isinstance(value, bool):
        return YES if value else NO
    v = str(value).strip().casefold()
    if v in _YES_ALIASES:
        return YES
    if v in _NO_ALIASES:
        return NO
    raise TriageInputError(f"Ogiltigt svar '{value}' på '{text}'. Svara ja, nej eller vet ej.")


def _vital_value(q: Question, value: Any) -> float:
    if isinstance(value, bool):
        raise TriageInputError(f"'{q.text}' ska besvaras med ett tal i {q.unit} eller vet ej.")
    try:
        number = float(value.replace(",", ".").strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise TriageInputError(f"'{q.text}' ska besvaras med ett tal i {q.unit} eller vet ej, inte '{value}'.") from None
    assert q.range is not None
    low, high = q.range
    if not low <= number <= high:
        raise TriageInputError(
            f"{_num(number)} {q.unit} ligger utanför rimligt intervall {_num(low)}–{_num(high)} {q.unit} "
            f"för '{q.text}'. Kontrollera värdet eller svara vet ej."
        )
    return number


def _answer_text(answer: str, counted: str) -> str:
    if answer == UNKNOWN:
        return f"Vet ej (räknas som {ANSWER_LABELS[counted]} enligt regelverket)"
    return ANSWER_LABELS.get(answer, answer)


def _step(qid: str, kind: Any, text: str, answer: str, counted: str | None, automatic: bool = False) -> PathStep:
    return PathStep(
        question_id=qid, kind=kind, text=text, answer=answer, answer_label=ANSWER_LABELS.get(answer, answer),
        counted_as=counted if answer == UNKNOWN else None, automatic=automatic,
    )


def _yes_no_options() -> tuple[AnswerOption, ...]:
    return (AnswerOption(value=YES, label="Ja"), AnswerOption(value=NO, label="Nej"),
            AnswerOption(value=UNKNOWN, label="Vet ej"))


def _red_flag_view(rf: RedFlag) -> QuestionView:
    return QuestionView(id=rf.id, kind="yes_no", text=rf.text, help=rf.help, red_flag=True, options=_yes_no_options())


def _question_view(q: Question) -> QuestionView:
    if q.kind in (QuestionKind.YES_NO, QuestionKind.CONTEXT):  # a context question is asked when unknown
        return QuestionView(id=q.id, kind="yes_no", text=q.text, help=q.help, options=_yes_no_options())
    if q.kind == QuestionKind.CHOICE:
        opts = tuple(AnswerOption(value=o.value, label=o.label) for o in q.options)
        return QuestionView(id=q.id, kind="choice", text=q.text, help=q.help,
                            options=(*opts, AnswerOption(value=UNKNOWN, label="Vet ej")))
    low, high = q.range or (None, None)
    return QuestionView(id=q.id, kind="vital", text=q.text, help=q.help, unit=q.unit, min=low, max=high,
                        options=(AnswerOption(value=UNKNOWN, label="Vet ej"),))


def _override_reason(o: Override) -> str:
    parts = []
    if o.priority != o.priority_before:
        parts.append(f"prioritet {o.priority_before.label} → {o.priority.label}")
    if o.care_need != o.care_need_before:
        caps = ", ".join(sorted(c.label for c in o.care_need.capabilities))
        when = f", inom {o.care_need.max_minutes} min" if o.care_need.max_minutes is not None else ""
        source = f" ({o.care_need_source})" if o.care_need_source else ""
        parts.append(f"vårdbehov → {caps}, {o.care_need.transport.label}{when}{source}")
    what = "; ".join(parts) or "oförändrat"
    return f"Överstyrning av sjuksköterskan ({what}). Motivering: {o.reason}"
