"""Semantic checks of a rule set: every problem at once, each naming file, complaint and question.

pydantic (triage_rules.schema) checks the shape; this module checks what a reviewer can get
wrong while the shape is fine: targets that do not exist, parts of a tree nobody can reach,
cycles, endpoints without priority or care need, unknown capabilities, vital-sign ranges and
thresholds that make no sense, and endpoint codes that do not match their complaint and level.

Every yes/no and choice question must say what "vet ej" means (`unknown: raise | ask | no_change`).
Warnings (printed by `rules check`, never refusing the file): a question whose text bundles more than
one finding (`bundled_findings`), and a "vet ej" decision that the tree contradicts (`unknown: raise`
whose counted answer leads lower than another answer, `no_change` whose counted answer leads higher).
"""

from __future__ import annotations

import re

from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.schema import (
    NO,
    UNKNOWN,
    YES,
    CareNeedSpec,
    Complaint,
    ContextCheck,
    Endpoint,
    Question,
    QuestionKind,
    RuleSet,
    UnknownPolicy,
    _num,
)
from triage_rules.vital_scores import NUMERIC_VITALS, VitalScoresError, load_vital_scores

REQUIRE_UNKNOWN_DECISION = True
"""Switch: True refuses a yes/no or choice question without `unknown:` (except in LEGACY_VERSIONS);
False only warns (used while the shipped rule set was being given its decisions)."""

RED_FLAG_COMPLAINT = "RÖD"
"""The complaint part of red-flag endpoint codes (e.g. RÖD.1.02)."""

MAX_ROLE_LENGTH = 32
"""Longest care-need part role dispatch accepts (dispatch.case_input.DispatchCase, assignments.part)."""

_CAPABILITIES = {c.value for c in Capability}
_AGE_CHECKS = (ContextCheck.AGE_AT_LEAST, ContextCheck.AGE_BELOW)
_UNKNOWN_FIELDS = {"unknown", "unknown_follow_up", "bundle_reason"}
_KIND_FIELDS = {
    QuestionKind.YES_NO: {"if_yes", "if_no", *_UNKNOWN_FIELDS},
    QuestionKind.CHOICE: {"options", *_UNKNOWN_FIELDS},
    QuestionKind.VITAL: {"unit", "range", "thresholds", "goto", "vital"},
    QuestionKind.CONTEXT: {"if_yes", "if_no", "check", "age"},
}
_ALL_KIND_FIELDS = set().union(*_KIND_FIELDS.values())


def level_code(priority: Priority) -> str:
    """The level part of an endpoint code: 1, 2, 3 or H (hänvisning)."""
    return "H" if priority is Priority.REFERRAL else priority.value


LEGACY_VERSIONS = frozenset({"skane-2026.1"})
"""Versions accepted before the "vet ej" decision existed: they stay loadable for the cases triaged with
them, and a missing decision there is only warned about. Every other file must have the decisions."""


def check_ruleset(rs: RuleSet, source: str, *, require_unknown_decision: bool | None = None) -> list[str]:
    """Every problem in `rs` as a self-contained Swedish line; empty when the rule set is usable."""
    return _Checker(rs, source, require_unknown_decision).run()


def ruleset_warnings(rs: RuleSet, source: str, *, require_unknown_decision: bool | None = None) -> list[str]:
    """What `rules check` warns about without refusing (bundled questions, contradicted "vet ej" decisions)."""
    checker = _Checker(rs, source, require_unknown_decision)
    checker.run()
    return checker.warnings


_PAREN = re.compile(r"\([^)]*\)")
_OR = re.compile(r"\s+eller\s+|(?<=[a-zåäö]{3})/(?=[a-zåäö]{3})", re.IGNORECASE)


def bundled_findings(text: str) -> list[str]:
    """The findings a question's text asks about as one, by a deliberately simple heuristic: text in
    parentheses is dropped (examples explaining one finding); the rest is split at " eller " and at a
    "/" between words (not in units such as mmol/l); when it splits, also at commas ("A, B eller C").
    More than one part = more than one finding. False positives are silenced with `bundle_reason`."""
    t = _PAREN.sub("", text).strip().rstrip("?").strip()
    parts = _OR.split(t)
    if len(parts) > 1:
        parts = [p for part in parts for p in part.split(",")]
    return [p.strip() for p in parts if p.strip()]


class _Checker:
    def __init__(self, rs: RuleSet, source: str, require_unknown_decision: bool | None = None):
        self.rs = rs
        self.source = source
        default = REQUIRE_UNKNOWN_DECISION and rs.version not in LEGACY_VERSIONS
        self.strict = default if require_unknown_decision is None else require_unknown_decision
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{self.source}: {where}: {what}")

    def warn(self, where: str, what: str) -> None:
        self.warnings.append(f"{self.source}: {where}: varning: {what}")

    def run(self) -> list[str]:
        rs = self.rs
        for name, spec in rs.care_needs.items():
            self._care_need(spec, f"vårdbehovsmall '{name}'")
        self._escalation()
        self._combined_vitals()
        self._vital_scores()
        self._red_flags()
        seen_complaints: set[str] = set()
        endpoint_owner: dict[str, str] = {rf.endpoint.code: f"röd flagga {rf.id}" for rf in rs.red_flags}
        for c in rs.complaints:
            if c.code in seen_complaints:
                self.add(f"kontaktorsak {c.code}", "koden finns två gånger")
            seen_complaints.add(c.code)
            for e in c.endpoints:
                if e.code in endpoint_owner:
                    self.add(_where(c, endpoint=e.code), f"ändpunktskoden används redan av {endpoint_owner[e.code]}")
                endpoint_owner[e.code] = f"kontaktorsak {c.code}"
            self._complaint(c)
        return self.problems

    # --- global parts -------------------------------------------------------------------
    def _escalation(self) -> None:
        for key in self.rs.escalation:
            if key not in ("1", "2", "3", Priority.REFERRAL.value):
                self.add("eskalering", f"okänd prioritet '{key}' (tillåtna: 1, 2, 3, hänvisning)")
        referral = self.rs.escalation.get(Priority.REFERRAL.value)
        if referral is not None:  # optional: the need when a nurse overrides to hänvisning
            spec = self._care_need_ref(referral, "eskalering hänvisning")
            if spec is not None and (spec.transport is not TransportNeed.NONE or spec.max_minutes is not None
                                     or spec.additional):
                self.add("eskalering hänvisning", "en hänvisning har ingen transport, ingen tidsgräns och inga "
                                                  "ytterligare enheter")
        for p in (Priority.P1, Priority.P2, Priority.P3):
            ref = self.rs.escalation.get(p.value)
            if ref is None:
                self.add("eskalering", f"saknar vårdbehov för {p.label} (används när prioriteten höjs)")
            else:
                self._care_need_ref(ref, f"eskalering {p.label}")

    def _combined_vitals(self) -> None:
        vital_ids = {q.id for c in self.rs.complaints for q in c.questions if q.kind == QuestionKind.VITAL}
        for i, rule in enumerate(self.rs.combined_vitals, start=1):
            where = f"combined_vitals, regel {i}"
            if rule.min_count < 2:
                self.add(where, f"'min_count' måste vara minst 2 (en enskild vitalparameter höjer redan själv), "
                                f"inte {rule.min_count}")
            if rule.of_priority is None:
                self.add(where, "saknar 'of_priority' (vilken nivå en vitalparameter måste nå för att räknas)")
            elif rule.of_priority is Priority.REFERRAL:
                self.add(where, "'of_priority' kan inte vara hänvisning (vitalparametrar höjer till Prio 1, 2 eller 3)")
            if rule.raise_to is None:
                self.add(where, "saknar 'raise_to' (vilken prioritet kombinationen höjer till)")
            elif rule.raise_to is Priority.REFERRAL:
                self.add(where, "kombinerade vitalparametrar kan bara höja prioriteten; 'raise_to' kan inte vara hänvisning")
            elif (rule.of_priority not in (None, Priority.REFERRAL)
                  and rule.raise_to.urgency <= rule.of_priority.urgency):
                self.add(where, f"'raise_to' ({rule.raise_to.label}) måste vara mer brådskande än 'of_priority' "
                                f"({rule.of_priority.label}), annars höjer regeln ingenting")
            if not rule.reason.strip():
                self.add(where, "saknar motivering ('reason')")
            for qid in rule.vitals:
                if qid not in vital_ids:
                    self.add(where, f"'vitals' nämner '{qid}', som inte är en vitalparameter i någon kontaktorsak")
            if rule.vitals and rule.min_count > len(set(rule.vitals)):
                self.add(where, f"'min_count' {rule.min_count} är fler än de {len(set(rule.vitals))} vitalparametrar "
                                "som räknas ('vitals'); regeln kan aldrig uppfyllas")
            dupes = sorted({q for q in rule.vitals if rule.vitals.count(q) > 1})
            for qid in dupes:
                self.add(where, f"'vitals' nämner '{qid}' två gånger")

    def _vital_scores(self) -> None:
        if self.rs.vital_scores is not None:
            try:
                load_vital_scores(self.rs.vital_scores)
            except VitalScoresError as exc:
                self.add("vital_scores", f"vitalparameterpoängen kan inte användas: {'; '.join(exc.problems)}")
        for code in self.rs.suspected_infection:
            if not self.rs.has_complaint(code):
                self.add("suspected_infection", f"okänd kontaktorsak '{code}'")

    def _red_flags(self) -> None:
        seen: set[str] = set()
        for rf in self.rs.red_flags:
            where = f"röd flagga {rf.id}"
            if rf.id in seen:
                self.add(where, "id:t finns två gånger")
            seen.add(rf.id)
            if "unknown_as" not in rf.model_fields_set:
                self.add(where, "saknar 'unknown_as' (vad 'vet ej' räknas som)")
            self._endpoint(rf.endpoint, RED_FLAG_COMPLAINT, where)
            if rf.endpoint.priority is not None and rf.endpoint.priority is not Priority.P1:
                self.add(f"{where}, ändpunkt {rf.endpoint.code}", "en röd flagga måste ge Prio 1")

    # --- care needs -----------------------------------------------------------------------
    def _care_need_ref(self, ref: str | CareNeedSpec | None, where: str) -> CareNeedSpec | None:
        if ref is None:
            self.add(where, "saknar vårdbehov")
            return None
        if isinstance(ref, str):
            spec = self.rs.care_needs.get(ref)
            if spec is None:
                self.add(where, f"okänd vårdbehovsmall '{ref}'")
            return spec
        self._care_need(ref, where)
        return ref

    def _care_need(self, spec: CareNeedSpec, where: str) -> None:
        for i, part in enumerate([spec, *spec.additional]):
            part_where = where if i == 0 else f"{where}, delbehov '{part.role or i}'"
            unknown = [c for c in part.capabilities if c not in _CAPABILITIES]
            for cap in unknown:
                self.add(part_where, f"okänd förmåga '{cap}' (finns inte i förmågevokabulären)")
            for cap in part.preferred:
                if cap not in _CAPABILITIES:
                    self.add(part_where, f"okänd önskad förmåga '{cap}' i 'preferred' (finns inte i förmågevokabulären)")
                elif cap in part.capabilities:
                    self.add(part_where, f"förmågan '{cap}' står både som krav (capabilities) och som önskad (preferred)")
            if not part.capabilities:
                self.add(part_where, "vårdbehovet anger inga förmågor")
            if i > 0 and not part.role:
                self.add(part_where, "ett ytterligare delbehov måste ha en roll (t.ex. 'IVPA')")
            if len(part.role) > MAX_ROLE_LENGTH:
                self.add(part_where, f"rollen '{part.role}' är längre än {MAX_ROLE_LENGTH} tecken "
                                     "(dirigeringen lagrar högst så många)")

    # --- complaints -----------------------------------------------------------------------
    def _complaint(self, c: Complaint) -> None:
        ids = [q.id for q in c.questions]
        for qid in {q for q in ids if ids.count(q) > 1}:
            self.add(_where(c, qid), "fråge-id:t finns två gånger")
        codes = [e.code for e in c.endpoints]
        for code in {x for x in codes if codes.count(x) > 1}:
            self.add(_where(c, endpoint=code), "ändpunktskoden finns två gånger")
        for rf_id in c.red_flags:
            if self.rs.red_flag(rf_id) is None:
                self.add(_where(c), f"okänd röd flagga '{rf_id}' i listan red_flags")
        if not self._target_ok(c, c.start):
            self.add(_where(c), f"start pekar på okänt mål '{c.start}'")
        for q in c.questions:
            self._question(c, q)
        for e in c.endpoints:
            self._endpoint(e, c.code, _where(c, endpoint=e.code))
        self._graph(c)

    def _target_ok(self, c: Complaint, target: str) -> bool:
        return (
            c.question(target) is not None
            or c.endpoint(target) is not None
            or self.rs.red_flag(target) is not None
        )

    def _question(self, c: Complaint, q: Question) -> None:
        where = _where(c, q.id)
        stray = (q.model_fields_set & _ALL_KIND_FIELDS) - _KIND_FIELDS[q.kind]
        for name in sorted(stray):
            self.add(where, f"fältet '{name}' hör inte till frågetypen {q.kind.value}")
        for label, target in q.targets():
            if label != "vet ej" and not self._target_ok(c, target):
                self.add(where, f"svaret '{label}' pekar på okänt mål '{target}'")
        explicit_unknown = "unknown_as" in q.model_fields_set
        if q.kind in (QuestionKind.YES_NO, QuestionKind.CONTEXT):
            for name in ("if_yes", "if_no"):
                if getattr(q, name) is None:
                    self.add(where, f"saknar '{name}' (vart svaret leder)")
        if q.kind in (QuestionKind.YES_NO, QuestionKind.CHOICE):
            self._unknown_decision(c, q, where, explicit_unknown)
            if q.asks_follow_up:
                explicit_unknown = True  # "vet ej" asks the follow-up; unknown_as is not used
        if q.kind == QuestionKind.YES_NO:
            if not explicit_unknown:
                self.add(where, "saknar 'unknown_as' (vad 'vet ej' räknas som: ja eller nej)")
            elif not q.asks_follow_up and q.unknown_as not in (YES, NO):
                self.add(where, f"'unknown_as' måste vara ja eller nej, inte '{q.unknown_as}'")
        elif q.kind == QuestionKind.CHOICE:
            self._choice(q, where, explicit_unknown)
        elif q.kind == QuestionKind.VITAL:
            self._vital(q, where, explicit_unknown)
        else:
            self._context(q, where, explicit_unknown)
            if q.check is not None and q.check.from_care_plan:
                self._plan_check_keeps_cardiac_arrest(c, q, where)

    def _choice(self, q: Question, where: str, explicit_unknown: bool) -> None:
        values = [o.value for o in q.options]
        if len(values) < 2:
            self.add(where, "ett flerval måste ha minst två svarsalternativ")
        for v in {v for v in values if values.count(v) > 1}:
            self.add(where, f"svarsalternativet '{v}' finns två gånger")
        if UNKNOWN in values:
            self.add(where, f"'{UNKNOWN}' är reserverat för 'vet ej' och får inte vara ett eget alternativ")
        if not explicit_unknown:
            self.add(where, "saknar 'unknown_as' (vilket alternativ 'vet ej' räknas som)")
        elif not q.asks_follow_up and q.unknown_as not in values:
            self.add(where, f"'unknown_as' pekar på okänt alternativ '{q.unknown_as}'")

    # --- "vet ej" ---------------------------------------------------------------------------
    def _unknown_decision(self, c: Complaint, q: Question, where: str, explicit_unknown: bool) -> None:
        """The question's decision on "vet ej" (raise | ask | no_change) and the fields it needs."""
        if q.unknown is None:
            what = ("saknar beslut om 'vet ej' ('unknown: raise | ask | no_change': farligare svaret, "
                    "en följdfråga, eller ingen förändring)")
            (self.add if self.strict else self.warn)(where, what)
        elif q.unknown is UnknownPolicy.ASK:
            if not q.unknown_follow_up:
                self.add(where, "'unknown: ask' kräver 'unknown_follow_up' (frågan som ställs vid 'vet ej')")
            elif c.question(q.unknown_follow_up) is None:
                self.add(where, f"'unknown_follow_up' pekar på '{q.unknown_follow_up}', som inte är en fråga "
                                f"i kontaktorsak {c.code}")
            elif q.unknown_follow_up == q.id:
                self.add(where, "'unknown_follow_up' kan inte vara frågan själv")
            if explicit_unknown:
                self.add(where, "'unknown_as' används inte när 'unknown: ask' (vet ej ställer följdfrågan); ta bort det")
        elif q.unknown_follow_up is not None:
            self.add(where, f"'unknown_follow_up' hör bara till 'unknown: ask', inte '{q.unknown.value}'")
        self._bundled(q, where)
        if q.unknown in (UnknownPolicy.RAISE, UnknownPolicy.NO_CHANGE) and explicit_unknown:
            self._decision_fits_tree(c, q, where)

    def _bundled(self, q: Question, where: str) -> None:
        parts = bundled_findings(q.text)
        if q.bundle_reason.strip() and q.unknown is not UnknownPolicy.RAISE:
            self.warn(where, "'bundle_reason' gäller bara frågor där 'vet ej' höjer för alla delar ('unknown: raise')")
        if len(parts) > 1 and not (q.bundle_reason.strip() and q.unknown is UnknownPolicy.RAISE):
            shown = " | ".join(parts)
            self.warn(where, f"frågan verkar fråga om {len(parts)} fynd på en gång ({shown}); ställ en fråga per fynd, "
                             "eller motivera med 'bundle_reason' (och 'unknown: raise') om alla delar pekar åt samma håll")

    def _decision_fits_tree(self, c: Complaint, q: Question, where: str) -> None:
        """Warn only on a clear contradiction: `raise` whose counted answer can only lead lower than every
        outcome of another answer, `no_change` whose counted answer can only lead higher (by the priorities
        of the endpoints and red flags each answer can reach)."""
        reach = {label: self._reach(c, t, {}) for label, t in q.targets() if label != "vet ej"}
        counted = str(q.unknown_as)
        if counted not in reach or len(reach) < 2 or not reach[counted]:
            return
        mine = reach[counted]
        for other, theirs in reach.items():
            if other == counted or not theirs:
                continue
            if q.unknown is UnknownPolicy.RAISE and max(mine) < min(theirs):
                self.warn(where, f"'unknown: raise' men 'vet ej' räknas som '{counted}', som leder till högst "
                                 f"{_urgency_label(max(mine))}, medan '{other}' alltid leder till minst "
                                 f"{_urgency_label(min(theirs))}")
                return
            if q.unknown is UnknownPolicy.NO_CHANGE and min(mine) > max(theirs):
                self.warn(where, f"'unknown: no_change' men 'vet ej' räknas som '{counted}', som alltid leder till "
                                 f"minst {_urgency_label(min(mine))}, medan '{other}' leder till högst "
                                 f"{_urgency_label(max(theirs))}")
                return

    def _reach(self, c: Complaint, target: str, seen: dict[str, set[int]]) -> set[int]:
        """The urgencies of every endpoint and red flag reachable from `target`."""
        if target in seen:
            return seen[target]
        seen[target] = set()  # guards cycles (reported elsewhere)
        if self.rs.red_flag(target) is not None:
            found = {Priority.P1.urgency}
        elif (e := c.endpoint(target)) is not None:
            found = {e.priority.urgency} if e.priority is not None else set()
        elif (q := c.question(target)) is not None:
            found = set().union(*(self._reach(c, t, seen) for _, t in q.targets()))
        else:
            found = set()
        seen[target] = found
        return found

    def _vital(self, q: Question, where: str, explicit_unknown: bool) -> None:
        if q.vital is not None and q.vital not in NUMERIC_VITALS:
            self.add(where, f"'vital' måste vara en av {', '.join(NUMERIC_VITALS)}, inte '{q.vital}'")
        if not q.unit:
            self.add(where, "vitalparametern saknar enhet ('unit')")
        if q.goto is None:
            self.add(where, "vitalparametern saknar 'goto' (nästa steg)")
        if q.range is None:
            self.add(where, "vitalparametern saknar rimligt intervall ('range: [min, max]')")
            return
        low, high = q.range
        if low >= high:
            self.add(where, f"ogiltigt intervall {_num(low)}–{_num(high)}: min måste vara mindre än max")
            return
        for i, t in enumerate(q.thresholds, start=1):
            tw = f"{where}, gräns {i}"
            bounds = [b for b in (t.below, t.above) if b is not None]
            if len(bounds) != 1:
                self.add(tw, "en gräns ska ha exakt en av 'below' och 'above'")
            for b in bounds:
                if not low <= b <= high:
                    self.add(tw, f"gränsvärdet {_num(b)} ligger utanför rimligt intervall {_num(low)}–{_num(high)} {q.unit}")
            if t.raise_to is None:
                self.add(tw, "saknar 'raise_to' (vilken prioritet gränsen höjer till)")
            elif t.raise_to is Priority.REFERRAL:
                self.add(tw, "en vitalparameter kan bara höja prioriteten; 'raise_to' kan inte vara hänvisning")
        if not explicit_unknown:
            self.add(where, "saknar 'unknown_as' (ett värde, eller null = 'vet ej' höjer inte)")
        elif q.unknown_as is not None:
            if isinstance(q.unknown_as, str):
                self.add(where, f"'unknown_as' för en vitalparameter måste vara ett tal eller null, inte '{q.unknown_as}'")
            elif not low <= q.unknown_as <= high:
                self.add(where, f"'unknown_as' {q.unknown_as} ligger utanför rimligt intervall {low}–{high}")

    def _context(self, q: Question, where: str, explicit_unknown: bool) -> None:
        if q.check is None:
            self.add(where, "en kontextfråga saknar 'check' (vilken patientuppgift som avgör)")
            return
        if q.check in _AGE_CHECKS:
            if q.age is None:
                self.add(where, f"'{q.check.value}' kräver 'age'")
            if not explicit_unknown or q.unknown_as not in (YES, NO):
                self.add(where, "saknar 'unknown_as' ja/nej (vad okänd ålder räknas som)")

    # --- the patient's own plan -------------------------------------------------------------
    def _plan_check_keeps_cardiac_arrest(self, c: Complaint, q: Question, where: str) -> None:
        """A limitation never silently changes a cardiac-arrest path: a plan or limitation check's "ja" must still
        reach every cardiac-arrest endpoint its "nej" reaches (the nurse's answers decide, never the register)."""
        if q.if_yes is None or q.if_no is None:
            return
        lost = self._arrests(c, q.if_no, {}) - self._arrests(c, q.if_yes, {})
        if lost:
            self.add(where, f"'{q.check.value if q.check else ''}' får inte leda bort från en hjärtstoppsväg: "
                            f"'nej' kan nå {', '.join(sorted(lost))} men 'ja' inte (en behandlingsbegränsning ändrar "
                            "aldrig en hjärtstoppsväg av sig själv; låt sjuksköterskans svar avgöra)")

    def _arrests(self, c: Complaint, target: str, seen: dict[str, set[str]]) -> set[str]:
        """The cardiac-arrest endpoints (a care need with cpr_defibrillation) reachable from `target`."""
        if target in seen:
            return seen[target]
        seen[target] = set()  # guards cycles (reported elsewhere)
        rf = self.rs.red_flag(target)
        e = rf.endpoint if rf is not None else c.endpoint(target)
        q = c.question(target)
        if e is not None:
            found = {e.code} if self._is_arrest(e) else set()
        elif q is not None:
            found = set().union(*(self._arrests(c, t, seen) for _, t in q.targets()))
        else:
            found = set()
        seen[target] = found
        return found

    def _is_arrest(self, e: Endpoint) -> bool:
        spec = self.rs.care_need_spec(e.care_need)
        return spec is not None and any(Capability.CPR_DEFIBRILLATION.value in part.capabilities
                                        for part in [spec, *spec.additional])

    def _endpoint(self, e: Endpoint, complaint_code: str, where: str) -> None:
        if e.priority is None:
            self.add(where, "saknar prioritet ('priority': 1, 2, 3 eller hänvisning)")
        m = re.fullmatch(r"([A-ZÅÄÖ]+)\.(1|2|3|H)\.(\d{2})", e.code)
        if not m:
            self.add(where, f"koden '{e.code}' följer inte mönstret KONTAKTORSAK.NIVÅ.KRITERIUM (t.ex. {complaint_code}.1.03)")
        else:
            if m.group(1) != complaint_code:
                self.add(where, f"koden ska börja med '{complaint_code}.'")
            if e.priority is not None and m.group(2) != level_code(e.priority):
                self.add(where, f"nivån i koden ({m.group(2)}) stämmer inte med prioriteten ({e.priority.label})")
        if not e.reason.strip():
            self.add(where, "saknar motivering ('reason')")
        for flag in e.flags:
            if not flag.strip():
                self.add(where, "tom flagga")
        spec = self._care_need_ref(e.care_need, where)
        if e.if_vitals_abnormal is not None:
            abnormal = self._care_need_ref(e.if_vitals_abnormal, f"{where}, if_vitals_abnormal")
            if abnormal is not None and e.priority is Priority.REFERRAL:
                self.add(where, "en hänvisning kan inte ha 'if_vitals_abnormal' (avvikande värden höjer den alltid)")
            elif abnormal is not None and abnormal.max_minutes is None:
                self.add(f"{where}, if_vitals_abnormal", "vårdbehovet vid avvikande vitalparametrar kräver en tidsgräns")
        if spec is None or e.priority is None:
            return
        minutes = e.max_minutes if e.max_minutes is not None else spec.max_minutes
        if e.priority is Priority.REFERRAL:
            if spec.transport is not TransportNeed.NONE or minutes is not None or spec.additional:
                self.add(where, "en hänvisning har ingen transport, ingen tidsgräns och inga ytterligare enheter")
        elif minutes is None:
            self.add(where, f"{e.priority.label} kräver en tidsgräns ('max_minutes')")

    # --- graph ----------------------------------------------------------------------------
    def _graph(self, c: Complaint) -> None:
        reachable: set[str] = set()
        stack = [c.start]
        while stack:
            node = stack.pop()
            if node in reachable:
                continue
            reachable.add(node)
            q = c.question(node)
            if q is not None:
                stack.extend(t for _, t in q.targets())
        for q in c.questions:
            if q.id not in reachable:
                self.add(_where(c, q.id), "frågan går inte att nå från start")
        for e in c.endpoints:
            if e.code not in reachable:
                self.add(_where(c, endpoint=e.code), "ändpunkten går inte att nå från start")
        self._cycles(c)

    def _cycles(self, c: Complaint) -> None:
        white, grey, black = 0, 1, 2
        colour = {q.id: white for q in c.questions}
        reported: set[str] = set()

        def visit(qid: str, trail: list[str]) -> None:
            colour[qid] = grey
            q = c.question(qid)
            assert q is not None
            for _, t in q.targets():
                if t not in colour:
                    continue
                if colour[t] == grey:
                    path = [*trail, qid]
                    cycle = path[path.index(t):]
                    key = min(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.add(_where(c, t), "cykel: " + " → ".join([*cycle, t]))
                elif colour[t] == white:
                    visit(t, [*trail, qid])
            colour[qid] = black

        for q in c.questions:
            if colour[q.id] == white:
                visit(q.id, [])


def _urgency_label(urgency: int) -> str:
    return next((p.label for p in Priority if p.urgency == urgency), "okänd prioritet")


def _where(c: Complaint, question: str | None = None, endpoint: str | None = None) -> str:
    where = f"kontaktorsak {c.code} ({c.name})"
    if question:
        where += f", fråga '{question}'"
    if endpoint:
        where += f", ändpunkt {endpoint}"
    return where
