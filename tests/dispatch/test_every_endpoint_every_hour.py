"""Every endpoint of the shipped rule set gets a sensible first choice at every hour of the week.

For each endpoint (red flags, every complaint's endpoints, the escalation care needs and every
`if_vitals_abnormal` need), each of its parts, every hour Monday–Sunday, and a patient context
under which the endpoint is reachable (enrolled/listed at the Lund team for team endpoints,
ASIH Lund for ASIH endpoints, known to Psykiatri Lund, a plain patient, a patient listed nowhere), the
recommendation on the default fleet with every unit free recommends something ("Kontakta RLS" is not
allowed), and its first choice is sensible: in time (not escalated), and, for a need without transport,
not an ambulance (e.g. to confirm a death) while a unit without transport that has what
the need asks for is in service and may serve the patient (a type reserved for the need, PAP for a
psychiatric one, excepted).

Regressions: PSYK.2.03 / LPT.2.02 / LPT.1.01 needed psychiatric assessment plus ambulance
transport, which only PAP (12–24) has; PALL.2.04 had nobody at night; LPT.2.03 and DÖD.3.02/3.04 had
nobody on a weekday 08–17 for a patient not listed at a vårdcentral (läkarbil then out of service)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import closing_time, recommend
from dispatch.recommendation_model import PartRecommendation
from resources.care_need import CareNeed, CareNeedPart
from resources.care_plan import CarePlanView
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.palette import ResourceType, Serves, default_palette
from resources.patient_context import PatientContext
from resources.vocabulary import Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import UNKNOWN

RS = load_ruleset()
FLEET = default_fleet()
PALETTE = default_palette()
SNAPSHOT = FleetSnapshot(states_from_fleet(FLEET))
LUND = default_geography().kommun("Lund")
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=LOCAL_TZ)
HOURS = [MONDAY + timedelta(hours=h) for h in range(7 * 24)]


def _team(kind: str) -> str:
    unit = next(u for u in FLEET.of_type(kind) if u.home_kommun == "Lund")
    assert unit.affiliation
    return unit.affiliation


VC = _team("MVT_VC")
CONTEXTS = {
    # "Plain": no team, but listed at the local vårdcentral as nearly everyone in Sweden is.
    "vanlig": PatientContext(age=45, listed_vardcentral=VC),
    "spädbarn": PatientContext(age=0, listed_vardcentral=VC),
    "inskriven": PatientContext(age=86, enrolled_mobile_team=VC, listed_vardcentral=VC, home_care=True),
    "hemsjukvård": PatientContext(age=88, listed_vardcentral=VC, home_care=True, lives_in_saebo=True),
    "asih": PatientContext(age=70, enrolled_asih=_team("ASIH"), listed_vardcentral=VC),
    "psykiatri": PatientContext(age=30, known_psychiatric_team=_team("PSYK_MT"), listed_vardcentral=VC),
    # Not listed in Skåne (a visitor), or the listing is unknown: no vårdcentral team serves them.
    # Old (80) so that endpoints for an independent elderly patient are reached too (skane-2026.2 sends fever
    # at 75+ to a home assessment); the plain patient above is 45.
    "ej listad": PatientContext(age=80),
    # Enrolled, with the team's own plan ("ring teamet" round the clock): the endpoints
    # only a plan leads to (skane-2026.3: ANDN.2.06, where the recommendation puts the plan's team first).
    "egen plan": PatientContext(age=86, enrolled_mobile_team=VC, listed_vardcentral=VC, home_care=True,
                                care_plan=CarePlanView.model_validate({
                                    "personnummer": "191212121212", "read_for": "2026-11-23",
                                    "plans": [{"team": VC, "author": "Test", "written_on": "2026-11-01",
                                               "valid_until": "2027-11-01", "expired": False,
                                               "items": [{"kind": "call_team", "text": "Ring teamet"}],
                                               "free_text": "", "source": "test",
                                               "updated_at": "2026-11-01T00:00:00+01:00"}]})),
}
OFFICE = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)  # a Wednesday in office hours
EVENING = datetime(2026, 11, 25, 22, 0, tzinfo=LOCAL_TZ)  # outside office hours


def _reached(complaint: str, context: PatientContext, now: datetime) -> set[str]:
    """Endpoint codes reachable by any branching answers (vital signs unknown) under `context` at `now`
    (office-hours checks decide some branches)."""
    found: set[str] = set()
    stack: list[list[tuple[str, Any]]] = [[]]
    while stack:
        answers = stack.pop()
        state = TriageSession.replay(RS, complaint, answers, context=context, now=now).state()
        if state.done:
            assert state.result is not None
            if state.result.red_flag is None:
                found.add(state.result.endpoint)
            continue
        q = state.next_question
        assert q is not None
        values = [UNKNOWN] if q.kind == "vital" else [o.value for o in q.options if o.value != UNKNOWN]
        rule = RS.complaint(complaint).question(q.id)
        if rule is not None and rule.asks_follow_up:  # the follow-up question is reached only by "vet ej"
            values.append(UNKNOWN)
        stack += [[*answers, (q.id, v)] for v in values]
    return found


def _needs(now: datetime) -> dict[tuple[str, str], tuple[Priority, CareNeed, str]]:
    """(label, context name) -> (priority, care need, context name) reachable at `now`."""
    needs: dict[tuple[str, str], tuple[Priority, CareNeed, str]] = {}
    for rf in RS.red_flags:
        assert rf.endpoint.priority is not None
        needs[(rf.endpoint.code, "vanlig")] = (rf.endpoint.priority, RS.endpoint_care_need(rf.endpoint), "vanlig")
    for p in (Priority.P1, Priority.P2, Priority.P3):
        need = RS.escalation_care_need(p)
        assert need is not None
        needs[(f"eskalering {p.label}", "vanlig")] = (p, need, "vanlig")
    for c in RS.complaints:
        for name, ctx in CONTEXTS.items():
            for code in _reached(c.code, ctx, now):
                e = c.endpoint(code)
                assert e is not None and e.priority is not None
                needs[(code, name)] = (e.priority, RS.endpoint_care_need(e), name)
                abnormal = RS.vitals_abnormal_care_need(e, e.priority)
                if e.if_vitals_abnormal is not None and abnormal is not None:
                    needs[(f"{code} if_vitals_abnormal", name)] = (e.priority, abnormal, name)
    return needs


def _serving(ctx: PatientContext) -> tuple[object, ...]:
    """What of the context the recommendation looks at (which teams may serve the patient)."""
    return (tuple(dict.fromkeys(x for x in (ctx.enrolled_mobile_team, ctx.listed_vardcentral) if x)),
            ctx.enrolled_asih, ctx.known_psychiatric_team)


def _may_serve(t: ResourceType, ctx: PatientContext) -> bool:
    return {Serves.ALL: True, Serves.CATCHMENT: True,  # Lund lies in every hospital team's delregion here
            Serves.ENROLLED_OR_LISTED: bool(ctx.enrolled_mobile_team or ctx.listed_vardcentral),
            Serves.ENROLLED_ASIH: bool(ctx.enrolled_asih),
            Serves.KNOWN_PSYCHIATRIC: bool(ctx.known_psychiatric_team)}[t.serves]


def _first_choice_problem(part: PartRecommendation, need: CareNeedPart, priority: Priority, ctx: PatientContext,
                          at: datetime) -> str | None:
    """Why the part's first choice is not what a dispatcher would send, or None."""
    rec = part.recommended
    if rec is None:
        return part.message
    if part.escalated:
        return f"eskalerad: {part.message}"
    chosen = PALETTE.type(rec.type_code)
    if need.transport is TransportNeed.NONE and chosen.transport is TransportNeed.AMBULANCE and not chosen.reserved_for:
        better = [t.code for t in PALETTE.types if t.transport is TransportNeed.NONE and not t.missing(need.capabilities)
                  and priority in t.priorities and t.in_service(at) and not t.reserved_against(need.requested)
                  and _may_serve(t, ctx)]
        if better:
            return f"{rec.type_name} utan transportbehov medan {', '.join(better)} är i tjänst"
    return None


def _service_state(at: datetime) -> tuple[object, ...]:
    """What of the hour the recommendation looks at: which types are in service and, for those closing within
    four hours, how long they have left (the unit must still be in service when it arrives)."""
    state: list[object] = []
    for t in PALETTE.types:
        if not t.in_service(at):
            state.append(None)
            continue
        closes = closing_time(t, at)
        left = None if closes is None else (closes - at).total_seconds() // 60
        state.append(left if left is not None and left < 240 else "open")
    return tuple(state)


def _distinct_hours(hours: list[datetime]) -> list[datetime]:
    """One hour per distinct service state: the others get the same recommendation (on a fleet with every unit
    free), so a week of 168 hours is a few dozen recommendations per need."""
    return list({_service_state(at): at for at in reversed(hours)}.values())


def test_every_endpoint_has_a_sensible_first_choice_every_hour_of_the_week() -> None:
    by_time = {True: _needs(OFFICE), False: _needs(EVENING)}
    reached = {code for needs in by_time.values() for code, _ in needs}
    every = {e.code for c in RS.complaints for e in c.endpoints}
    assert every <= reached, f"endpoints not reached under any test context: {every - reached}"
    failures: list[str] = []
    for office, needs in by_time.items():
        hours = _distinct_hours([at for at in HOURS if RS.office_hours.covers(at) == office])
        # Contexts that let the same teams serve the patient get the same recommendation: computed once.
        unique: dict[tuple[str, str, tuple[object, ...]], tuple[str, list[str]]] = {}
        for (label, _), (priority, need, ctx_name) in needs.items():
            key = (priority.value, need.model_dump_json(), _serving(CONTEXTS[ctx_name]))
            unique.setdefault(key, (ctx_name, []))[1].append(label)
        for (priority, need_json, _), (ctx_name, labels) in sorted(unique.items(), key=lambda kv: kv[0][:2] + kv[1][:1]):
            case = DispatchCase(priority=priority, care_need=CareNeed.model_validate_json(need_json),
                                lat=LUND.lat, lon=LUND.lon, kommun="Lund", context=CONTEXTS[ctx_name])
            for at in hours:
                for part, need_part in zip(recommend(case, SNAPSHOT, at).parts, case.care_need.parts(), strict=True):
                    problem = _first_choice_problem(part, need_part, case.priority, case.context, at)
                    if problem:
                        failures.append(f"{', '.join(sorted(labels))} [{ctx_name}] {at:%a %H:%M} "
                                        f"del '{part.part or 'primär'}': {problem}")
                        break
    assert not failures, f"{len(failures)} utan rimligt förstahandsval:\n" + "\n".join(failures[:60])
