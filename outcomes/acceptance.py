"""The clinical acceptance evaluation: expert vignettes replayed through the real triage engine and the real
recommendation (`main.py rules evaluate`, docs/triage-rules.md "Measured against experts").

A vignette (tests/clinical/acceptance.yaml) gives the call's time and kommun, the patient's register context,
the facts the caller knows and does not know, measured vital signs, the complaint a nurse would choose, and the
priorities and top resources an expert accepts. An answer script (tests/clinical/answers.yaml) says what the
caller answers to each question, written from the vignette's text alone: facts known are answered, facts
unknown are "vet ej". Measured vital signs are entered as vital signs; a vital-sign question the tree asks is
answered from them ("vet ej" when not measured). A question the script does not answer is an error: the
evaluation never guesses an answer.

This lives in outcomes/ because it runs both triage_rules (the engine) and dispatch (the recommendation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, default_snapshot
from dispatch.recommend import recommend
from resources.clock import LOCAL_TZ
from resources.datafile import load_yaml
from resources.fleet import default_fleet
from resources.geography import default_geography, distance_km
from resources.numbers import sv_number
from resources.os_errors import os_error_text
from resources.palette import default_palette
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from triage_rules.engine import TriageSession
from triage_rules.results import TriageInputError, TriageResult
from triage_rules.schema import UNKNOWN, RuleSet

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VIGNETTES = ROOT / "tests" / "clinical" / "acceptance.yaml"
DEFAULT_ANSWERS = ROOT / "tests" / "clinical" / "answers.yaml"

# A week without a daylight-saving change: the vignette's weekday and local time fall in it.
_MONDAY = datetime(2026, 3, 2, tzinfo=LOCAL_TZ)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Vital-sign question ids (before any "_suffix") → the vignette's vital-sign names.
_VITAL_QUESTIONS = {"af": "rr", "sat": "spo2", "puls": "pulse", "sbt": "sbp", "temp": "temp",
                    "glukos": "glucose", "avpu": "avpu"}
MAX_STEPS = 200

GOAL_OVER_TRIAGE = 0.10
GOAL_RESOURCE = 0.90


class AcceptanceError(Exception):
    """A vignette or answer file that cannot be read (Swedish message naming the file and entry)."""


@dataclass(frozen=True)
class Vignette:
    id: str
    data: dict[str, Any]

    @property
    def complaint(self) -> str:
        return str(self.data["complaint"])

    @property
    def accept_priority(self) -> tuple[Priority, ...]:
        return tuple(Priority(str(p)) for p in self.data["accept_priority"])

    @property
    def accept_resource(self) -> tuple[str, ...]:
        return tuple(str(r) for r in self.data["accept_resource"])

    @property
    def vitals(self) -> dict[str, Any]:
        return {k: v for k, v in (self.data.get("facts", {}).get("vitals") or {}).items() if v is not None}

    def when(self) -> datetime:
        w = self.data["when"]
        hh, mm = (int(x) for x in str(w["time"]).split(":"))
        day = _MONDAY + timedelta(days=_WEEKDAYS.index(str(w["weekday"])))
        return day.replace(hour=hh, minute=mm)

    def context(self, extra: dict[str, Any]) -> PatientContext:
        """The register's context. The vignettes' vårdcentral names are illustrative, so a named team is
        the default fleet's team of that kind in (or nearest to) the patient's kommun."""
        p = self.data["patient"]
        c = p.get("context") or {}
        kommun = str(self.data["kommun"])
        fields: dict[str, Any] = {
            "age": p.get("age"),
            "enrolled_mobile_team": _team("MVT_VC", kommun) if c.get("enrolled_mobile_team") else None,
            "enrolled_asih": _team("ASIH", kommun) if c.get("asih") else None,
            "lives_in_saebo": bool(c.get("saebo")),
            "home_care": bool(c.get("home_care")),  # null (unknown) is not in the register
            "listed_vardcentral": _team("MVT_VC", kommun) if c.get("listed_vc") else None,
            "known_psychiatric_team": _team("PSYK_MT", kommun) if extra.get("known_psychiatric") else None,
        }
        recontact = p.get("recontact")
        if recontact:  # every recontact in the set follows a contact that left the patient at home
            fields["last_left_at_home"] = self.when() - timedelta(hours=float(recontact["hours_ago"]))
        fields.update({k: v for k, v in extra.items() if k != "known_psychiatric"})
        return PatientContext(**fields)


def _team(type_code: str, kommun: str) -> str:
    """The affiliation of the default fleet's `type_code` unit in `kommun` ("… Centrum" first), else the
    nearest one to the kommun."""
    units = [u for u in default_fleet().units if u.type == type_code and u.affiliation]
    in_kommun = sorted((str(u.affiliation) for u in units if u.home_kommun == kommun),
                       key=lambda a: (not a.endswith("Centrum"), a))
    if in_kommun:
        return in_kommun[0]
    k = default_geography().kommun(kommun)
    nearest = min(units, key=lambda u: distance_km(k.lat, k.lon, u.lat, u.lon))
    return str(nearest.affiliation)


@dataclass
class Outcome:
    """One vignette's result."""

    vignette: Vignette
    priority: Priority | None = None
    endpoint: str = ""
    resource: str | None = None
    red_flag: str | None = None
    error: str = ""
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def under(self) -> bool:
        low = min(p.urgency for p in self.vignette.accept_priority)
        return self.priority is not None and self.priority.urgency < low

    @property
    def over(self) -> bool:
        high = max(p.urgency for p in self.vignette.accept_priority)
        return self.priority is not None and self.priority.urgency > high

    @property
    def priority_ok(self) -> bool:
        return self.priority is not None and self.priority in self.vignette.accept_priority

    @property
    def resource_ok(self) -> bool:
        """The top recommendation is accepted and the palette lets that type take the priority given."""
        if self.resource is None or self.priority is None or self.resource not in self.vignette.accept_resource:
            return False
        palette = default_palette()
        return palette.has(self.resource) and self.priority in palette.type(self.resource).priorities

    @property
    def pair_ok(self) -> bool:
        return self.priority_ok and self.resource_ok


def load_vignettes(path: Path = DEFAULT_VIGNETTES) -> list[Vignette]:
    data = _read(path)
    if not isinstance(data, list):
        raise AcceptanceError(f"{path}: ska vara en lista med vinjetter")
    return [Vignette(id=str(v["id"]), data=v) for v in data]


def load_answers(path: Path = DEFAULT_ANSWERS) -> dict[str, dict[str, Any]]:
    data = _read(path)
    if not isinstance(data, dict):
        raise AcceptanceError(f"{path}: ska vara en mappning vinjett-id → svarsmanus")
    return {str(k): v or {} for k, v in data.items()}


def _read(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AcceptanceError(f"{path}: kan inte läsas: {os_error_text(exc)}") from exc
    except yaml.YAMLError as exc:
        raise AcceptanceError(f"{path}: ogiltig YAML: {exc}") from exc


def triage(ruleset: RuleSet, vignette: Vignette, script: dict[str, Any], unanswered: str | None = None) -> TriageResult:
    """Run the call as the nurse would: answers from the script, vital signs from the vignette.

    `unanswered` (None, "vet ej" or "nej") answers a question the script does not; None makes it an error.
    Only for measuring another version whose question ids the scripts do not know (a rough baseline)."""
    context = vignette.context(script.get("context") or {})
    session = TriageSession(ruleset, complaint_code(ruleset, str(script.get("complaint") or vignette.complaint)),
                            context, vignette.when())
    vitals = vignette.vitals
    if script.get("spo2_scale2"):  # a prescribed target saturation of 88–92 % (NEWS2 scale 2)
        session.set_oxygen(spo2_scale2=True)
    for name, value in vitals.items():  # vital signs enter the call whenever known (here: from the start)
        session.set_vital(name, value)
    answers: dict[str, Any] = dict(script.get("answers") or {})
    for flag in script.get("raise_red_flags") or []:
        session.raise_red_flag(str(flag))
    for _ in range(MAX_STEPS):
        if session.done:
            break
        q = session.state().next_question
        assert q is not None
        if q.id in answers:
            value = answers[q.id]
            session.answer(q.id, UNKNOWN if value is None or value == "vet ej" else value)
        elif q.kind == "vital" and _VITAL_QUESTIONS.get(q.id.split("_")[0]) is not None:
            session.answer(q.id, vitals.get(_VITAL_QUESTIONS[q.id.split("_")[0]], UNKNOWN))
        elif unanswered is not None:
            session.answer(q.id, UNKNOWN if unanswered == "vet ej" else unanswered)
        else:
            raise TriageInputError(f"svarsmanuset svarar inte på '{q.id}' ({q.text})")
    result = session.result
    if result is None:
        raise TriageInputError("samtalet nådde ingen ändpunkt")
    return result


def complaint_code(ruleset: RuleSet, code: str) -> str:
    """The rule set's code for a vignette's complaint, which may be spelt without å, ä, ö (OVRIGT = ÖVRIGT)."""
    if ruleset.has_complaint(code):
        return code
    plain = str.maketrans("ÅÄÖ", "AAO")
    matches = [c.code for c in ruleset.complaints if c.code.translate(plain) == code.translate(plain)]
    return matches[0] if len(matches) == 1 else code


def evaluate(ruleset: RuleSet, vignettes: list[Vignette], answers: dict[str, dict[str, Any]],
             snapshot: FleetSnapshot | None = None, unanswered: str | None = None) -> list[Outcome]:
    snapshot = snapshot or default_snapshot()
    geography = default_geography()
    out: list[Outcome] = []
    for v in vignettes:
        o = Outcome(vignette=v)
        out.append(o)
        script = answers.get(v.id)
        if script is None:
            o.error = "svarsmanus saknas"
            continue
        try:
            result = triage(ruleset, v, script, unanswered)
        except (TriageInputError, KeyError, ValueError) as exc:
            o.error = str(exc)
            continue
        o.priority, o.endpoint, o.red_flag, o.reasons = result.priority, result.endpoint, result.red_flag, result.reasons
        kommun = geography.kommun(str(v.data["kommun"]))
        case = DispatchCase(priority=result.priority, care_need=result.care_need, lat=kommun.lat, lon=kommun.lon,
                            kommun=kommun.name, context=v.context(script.get("context") or {}))
        part = recommend(case, snapshot, v.when()).parts[0]
        o.resource = part.recommended.type_code if part.recommended is not None else None
    return out


@dataclass(frozen=True)
class Totals:
    n: int
    errors: int
    under: int
    over: int
    priority_ok: int
    resource_ok: int
    pair_ok: int

    @property
    def goals_met(self) -> bool:
        return (self.errors == 0 and self.under == 0 and self.over <= GOAL_OVER_TRIAGE * self.n
                and self.resource_ok >= GOAL_RESOURCE * self.n)


def totals(outcomes: list[Outcome]) -> Totals:
    return Totals(n=len(outcomes), errors=sum(bool(o.error) for o in outcomes),
                  under=sum(o.under for o in outcomes), over=sum(o.over for o in outcomes),
                  priority_ok=sum(o.priority_ok for o in outcomes), resource_ok=sum(o.resource_ok for o in outcomes),
                  pair_ok=sum(o.pair_ok for o in outcomes))


def _label(p: Priority | None) -> str:
    return "–" if p is None else p.label


def report(outcomes: list[Outcome], ruleset_version: str, verbose: bool = False) -> list[str]:
    """The per-vignette lines and the totals, in Swedish."""
    lines = [f"Utvärdering mot expertvinjetter – regelverk {ruleset_version}, standardflottan, "
             "vinjettens veckodag, tid och kommun", ""]
    for o in outcomes:
        v = o.vignette
        accepted_p = "/".join(p.label.replace("Prio ", "") for p in v.accept_priority)
        accepted_r = "/".join(v.accept_resource)
        if o.error:
            lines.append(f"{v.id} {v.complaint:<8} FEL: {o.error}")
            continue
        verdict = "UNDERTRIAGE" if o.under else "övertriage" if o.over else "ok"
        res = "ok" if o.resource_ok else "FEL"
        lines.append(f"{v.id} {v.complaint:<8} {_label(o.priority):<10} {'(godtas ' + accepted_p + ')':<22} {verdict:<11} "
                     f"resurs {o.resource or 'ingen':<10} {'(godtas ' + accepted_r + ')':<36} {res:<3} {o.endpoint}")
        if verbose:
            lines.extend(f"      {r}" for r in o.reasons)
    t = totals(outcomes)

    def pct(k: int) -> str:
        return f"{sv_number(100 * k / t.n, 1)} %" if t.n else "–"

    lines += [
        "",
        f"Totalt {t.n} vinjetter" + (f", {t.errors} med fel i svarsmanus eller regelverk" if t.errors else ""),
        f"  undertriage:        {t.under} ({pct(t.under)})   mål 0",
        f"  övertriage:         {t.over} ({pct(t.over)})   mål ≤ {round(100 * GOAL_OVER_TRIAGE)} %",
        f"  rätt prioritet:     {t.priority_ok} ({pct(t.priority_ok)})",
        f"  rätt toppresurs:    {t.resource_ok} ({pct(t.resource_ok)})   mål ≥ {round(100 * GOAL_RESOURCE)} %",
        f"  rätt par (prio+resurs): {t.pair_ok} ({pct(t.pair_ok)})",
        "Målen är uppfyllda." if t.goals_met else "Målen är INTE uppfyllda.",
    ]
    return lines
