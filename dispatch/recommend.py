"""Lowest adequate resource: rank the whole palette for a triaged case (docs/recommendation.md).

Adequate = the type is not reserved for other needs (palette `reserved_for`, unlocked by the care
need's required or preferred capabilities), has every required capability and a compatible transport, takes the
priority, is in service at that hour and still when its unit arrives, may serve this patient,
and one of its units can be with the patient within the part's max_minutes. Lowest = lowest palette level among adequate types;
within a type, earliest arrival, then lowest unit id. Vectorised over a FleetSnapshot.

The patient's own plan (dispatch/plan_following.py) may put an adequate resource first: the plan's team ("ring
teamet") or the physician car, for the first part it is adequate for; the recommendation says so, or why it cannot.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import numpy as np

from dispatch import plan_following as pf
from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot
from dispatch.recommendation_model import (
    Fallback,
    Option,
    PartRecommendation,
    PassedOver,
    ResourceRecommendation,
)
from dispatch.travel import DEFAULT_ESTIMATOR, TravelTimeEstimator
from resources.care_need import CareNeedPart
from resources.clock import LOCAL_TZ, local_aware
from resources.geography import DELREGIONER
from resources.numbers import sv_number
from resources.palette import ResourceType, Serves
from resources.patient_context import PatientContext
from resources.vocabulary import Capability, Priority

# Types whose departure can leave a delregion without cover (flagged, not prevented).
COVERAGE_TYPES = frozenset({"AMBULANS"})

_STALE_PENALTY = 1e7  # minutes added to rank stale units after fresh ones of the same type
_LATE_PENALTY = 1e9  # minutes added to rank late units after those in time

REASON_LOWEST = "lägsta tillräckliga nivå"
REASON_HIGHER = "tillräcklig men högre nivå"


def recommend(case: DispatchCase, snapshot: FleetSnapshot, at: datetime, *,
              estimator: TravelTimeEstimator = DEFAULT_ESTIMATOR,
              exclude: Collection[str] = ()) -> ResourceRecommendation:
    """The ranked recommendation for every part of the case's care need.

    `at` is the time of the decision (naive = Swedish local time). `exclude` lists unit ids not
    to be used (e.g. already dispatched elsewhere). Parts are served in order and never share
    a recommended unit."""
    geo = snapshot.geography
    case.check_kommun(geo)
    at = local_aware(at)
    local = at.astimezone(LOCAL_TZ)
    delregion = geo.delregion_of(case.kommun)
    ctx = _Context(case, snapshot, local, DELREGIONER.index(delregion), estimator)
    ctx.plan = pf.PlanState(pf.current_plans(case.context, local.date()), local)
    for uid in exclude:
        i = snapshot.index.get(uid)
        if i is not None:
            ctx.usable[i] = False
    excluded = ~ctx.usable & snapshot.countable
    parts: list[PartRecommendation] = []
    chosen: list[int | None] = []
    for part in case.care_need.parts():
        rec, idx = _recommend_part(ctx, part)
        parts.append(rec)
        chosen.append(idx)
        if idx is not None:
            ctx.usable[idx] = False
    warnings: list[str] = []
    taken = np.zeros(len(snapshot), dtype=bool)
    taken[[i for i in chosen if i is not None]] = True
    for k, (rec, idx) in enumerate(zip(parts, chosen, strict=True)):
        if idx is None or rec.recommended is None or rec.recommended.type_code not in COVERAGE_TYPES:
            continue
        warning = _coverage_warning(snapshot, rec.recommended, idx, taken | excluded)
        if warning:
            parts[k] = rec.model_copy(update={"coverage_warning": warning})
            warnings.append(warning)
    plan = ctx.plan.statement(parts)
    if plan is not None:
        k = next((i for i, p in enumerate(parts) if p.part == plan.part), 0)
        said = " ".join(f"{t}." for t in (plan.text, *plan.notes))
        parts[k] = parts[k].model_copy(update={"message": f"{parts[k].message} {said}".strip()})
    return ResourceRecommendation(at=at, priority=case.priority, kommun=case.kommun, delregion=delregion,
                                  lat=case.lat, lon=case.lon, case_id=case.case_id,
                                  palette_version=snapshot.palette.version, parts=parts,
                                  coverage_warnings=warnings, plan=plan)


class _Context:
    """Per-call arrays shared by the parts: distances, waits and which units may still be used."""

    def __init__(self, case: DispatchCase, snapshot: FleetSnapshot, local: datetime, delregion_code: int,
                 estimator: TravelTimeEstimator):
        self.case = case
        self.snap = snapshot
        self.local = local
        self.delregion_code = delregion_code
        self.delregion = DELREGIONER[delregion_code]
        self.estimator = estimator
        self.dist = estimator.distance_km(snapshot.lat, snapshot.lon, case.lat, case.lon)
        # Minutes until a unit is free: 0 when free now, else from its expected free time.
        ahead = (snapshot.free_at - local.timestamp()) / 60.0
        self.wait = np.where(snapshot.available, 0.0, np.maximum(ahead, 0.0))
        self.usable = snapshot.countable.copy()
        self._closing: dict[str, datetime | None] = {}
        self.plan = pf.PlanState([], local)

    def closing(self, t: ResourceType) -> datetime | None:
        """When the type next goes out of service after now (None: not within a week)."""
        if t.code not in self._closing:
            self._closing[t.code] = closing_time(t, self.local)
        return self._closing[t.code]


def _follow_plan(ctx: _Context, part: CareNeedPart, in_time: list[tuple[ResourceType, Option, int | None]],
                 reasons: dict[str, str]) -> tuple[ResourceType, Option, int | None] | None:
    """The adequate, in-time option a wish of the patient's plan names for this part (the first wish that has one),
    or None; a wish that cannot be followed leaves its reason (the first one seen) on `ctx.plan`."""
    state = ctx.plan
    for wish in state.wishes:
        if wish.team is None:  # the physician car: adequate in time, or why not
            hit = next((x for x in in_time if x[0].code == pf.PHYSICIAN_CAR_TYPE), None)
            if hit is None:
                why = reasons.get(pf.PHYSICIAN_CAR_TYPE, "finns inte i paletten")
                state.missed(wish, part.role, pf.miss_kind(why, ctx.case.priority), why)
                continue
        else:
            hit = _team_option(ctx, part, wish)
            if hit is None:
                continue
        state.followed = (wish, part.role)
        return hit
    return None


def _team_option(ctx: _Context, part: CareNeedPart, wish: pf.Wish) -> tuple[ResourceType, Option, int | None] | None:
    """The plan's team's best unit, of the lowest type the team has that is adequate for the part and in time."""
    assert wish.team is not None
    snap = ctx.snap
    mask = ctx.plan.team_mask(snap, wish.team)
    if mask is None:
        ctx.plan.missed(wish, part.role, "unit", f"{wish.team} har ingen enhet i flottan")
        return None
    first_miss: tuple[str, str] | None = None
    for t in snap.palette.types:
        ix = snap.type_index.get(t.code)
        if ix is None or not mask[ix].any():
            continue
        why = (_reserved_reason(t, part) or _capability_reason(t, part)
               or _availability_reason(t, ctx.case.priority, ctx.local))
        if why is None:
            found = _best_unit(ctx, t, part.max_minutes, only=mask)
            if not isinstance(found, str) and found[0].in_time:
                return t, found[0], found[1]
            why = found if isinstance(found, str) else (
                f"ingen ledig inom {part.max_minutes} min (tidigast {found[0].eta_minutes:.0f} min)")
        if first_miss is None:
            first_miss = (pf.miss_kind(why, ctx.case.priority), why)
    kind, why = first_miss or ("unit", "ingen enhet")
    ctx.plan.missed(wish, part.role, kind, why)
    return None


def closing_time(t: ResourceType, local: datetime) -> datetime | None:
    """The first moment after `local` (local time, in service) at which `t` is out of service, or
    None if it stays in service for the coming week. Service only ends at a window's end, so the
    earliest window end after `local` that is not covered by another window is the closing time."""
    if t.round_the_clock():  # most types: asked for every one on every recommendation
        return None
    day0 = local.replace(hour=0, minute=0, second=0, microsecond=0)
    ends: set[datetime] = set()
    for w in t.service_hours:
        start, end = (int(x[:2]) * 60 + int(x[3:]) for x in (w.start, w.end))
        over_midnight = end <= start
        for d in range(-1, 8):
            day = day0 + timedelta(days=d)
            when = (day + timedelta(days=1 if over_midnight else 0, minutes=end)).replace(tzinfo=local.tzinfo)
            if when > local:
                ends.add(when)
    for when in sorted(ends):
        if not t.in_service(when):
            return when
    return None


def _recommend_part(ctx: _Context, part: CareNeedPart) -> tuple[PartRecommendation, int | None]:
    palette = ctx.snap.palette
    priority = ctx.case.priority
    in_time: list[tuple[ResourceType, Option, int | None]] = []
    late: list[tuple[ResourceType, Option, int | None]] = []
    reasons: dict[str, str] = {}
    for t in palette.types:
        reason = (_reserved_reason(t, part) or _capability_reason(t, part)
                  or _availability_reason(t, priority, ctx.local))
        if reason:
            reasons[t.code] = reason
            continue
        found = _best_unit(ctx, t, part.max_minutes)
        if isinstance(found, str):
            reasons[t.code] = found
            continue
        opt, idx = found
        if opt.in_time:
            in_time.append((t, opt, idx))
        else:
            late.append((t, opt, idx))
            reasons[t.code] = f"ingen ledig inom {part.max_minutes} min (tidigast {opt.eta_minutes:.0f} min)"
    prefix = f"{part.role}: " if part.role else ""
    fallback = None
    escalated = False
    followed = _follow_plan(ctx, part, in_time, reasons) if ctx.plan.open else None
    if in_time:
        first, displaced = REASON_LOWEST, None
        if followed is not None:
            if in_time[0][0] is followed[0]:
                first = f"{REASON_LOWEST}; {pf.REASON_PLAN}"
            else:
                first, displaced = pf.REASON_PLAN, in_time[0][0]
            in_time = [followed] + [x for x in in_time if x[0] is not followed[0]]
        rec_t, rec, rec_idx = in_time[0]
        rec = _with_reason(rec, rec_t, part, first)
        alternatives = [_with_reason(o, t, part, pf.REASON_DISPLACED if t is displaced else REASON_HIGHER)
                        for t, o, _ in in_time[1:]]
        message = prefix + _chosen_text(rec)
    elif late:
        escalated = True
        rec_t, rec, rec_idx = min(late, key=lambda x: (x[1].eta_minutes, x[0].level, x[1].unit_id or ""))
        rec = _with_reason(rec, rec_t, part, f"eskalerad: ingen tillräcklig resurs inom {part.max_minutes} min")
        alternatives = [_with_reason(o, t, part, "senare än tidsgränsen") for t, o, _ in late if t is not rec_t]
        message = (f"{prefix}Ingen tillräcklig resurs är ledig inom {part.max_minutes} min. Eskalerat till "
                   f"{rec_t.name}: " + _chosen_text(rec) + " OBS: efter tidsgränsen.")
    else:
        rec_t, rec, rec_idx, alternatives = None, None, None, []
        fallback = _fallback(ctx, part)
        message = f"{prefix}Ingen resurs i paletten kan möta vårdbehovet nu. Kontakta RLS."
        if fallback:
            o = fallback.option
            message += (f" Närmast: {o.unit_name or o.type_name} ({o.type_name}), på plats om ca "
                        f"{o.eta_minutes:.0f} min, saknar {', '.join(fallback.missing)}.")
    if rec is not None and rec.missing_preferred:
        message += f" Saknar önskad förmåga: {_labels(rec.missing_preferred)}."
    for o in alternatives:
        if o.type_code not in reasons:
            reasons[o.type_code] = o.reason
    passed = [PassedOver(type_code=t.code, type_name=t.name, level=t.level,
                         reason=(r := reasons.get(t.code, REASON_HIGHER)), text=f"{t.name}: {r}")
              for t in palette.types if t is not rec_t]
    return PartRecommendation(part=part.role, capabilities=sorted(part.capabilities, key=_CAP_ORDER.index),
                              preferred=sorted(part.preferred, key=_CAP_ORDER.index),
                              transport=part.transport, max_minutes=part.max_minutes, recommended=rec,
                              alternatives=alternatives, passed_over=passed, escalated=escalated,
                              fallback=fallback, message=message), rec_idx


_CAP_ORDER = list(Capability)


def _labels(capabilities: Collection[Capability]) -> str:
    return ", ".join(c.label for c in sorted(capabilities, key=_CAP_ORDER.index))


def _reserved_reason(t: ResourceType, part: CareNeedPart) -> str | None:
    """A specialised type (palette `reserved_for`) for a need that neither requires nor prefers it."""
    return t.reserved_label() if t.reserved_against(part.requested) else None


def _with_reason(o: Option, t: ResourceType, part: CareNeedPart, reason: str) -> Option:
    """The option with its reason, naming the part's preferred capabilities the type has or lacks."""
    missing = sorted(part.preferred - t.capabilities, key=_CAP_ORDER.index)
    has = sorted(part.preferred & t.capabilities, key=_CAP_ORDER.index)
    if has:
        reason += f"; har önskad förmåga: {_labels(has)}"
    if missing:
        reason += f"; saknar önskad förmåga: {_labels(missing)}"
    return o.model_copy(update={"reason": reason, "missing_preferred": missing})


def _capability_reason(t: ResourceType, part: CareNeedPart) -> str | None:
    missing = t.missing(part.capabilities)
    if missing:
        return "saknar förmåga: " + ", ".join(c.label for c in sorted(missing, key=_CAP_ORDER.index))
    if not t.provides(part.transport):
        return f"kan inte ge {part.transport.label.lower()}"
    return None


def _availability_reason(t: ResourceType, priority: Priority, local: datetime) -> str | None:
    if priority not in t.priorities:
        return f"tar inte {priority.label}"
    if not t.in_service(local):
        return f"utanför tjänstetid ({t.hours_label()})"
    return None


def _best_unit(ctx: _Context, t: ResourceType, max_minutes: int | None, only: np.ndarray | None = None
               ) -> tuple[Option, int | None] | str:
    """The type's best unit for this case (or the remote option), or the Swedish reason there is none. `only`: a
    mask over the whole fleet the unit must be in (a plan's team)."""
    if t.kind == "remote":
        return Option(type_code=t.code, type_name=t.name, level=t.level, kind=t.kind, eta_minutes=0.0,
                      reason=""), None
    snap = ctx.snap
    ix = snap.type_index.get(t.code)
    if ix is None:
        return "inga enheter i flottan"
    serves = _serves_mask(snap, ix, t.serves, ctx.case.context, ctx.delregion_code, ctx.plan.teams)
    if isinstance(serves, str):
        return serves
    ok = ctx.usable[ix] if serves is None else ctx.usable[ix] & serves
    if only is not None:
        ok = ok & only[ix]
    if not ok.any():
        return "ingen ledig enhet"
    assert t.speed is not None  # field types have a speed profile (palette validation)
    eta = ctx.wait[ix] + ctx.estimator.drive_minutes(ctx.dist[ix], t.speed, ctx.case.priority, ctx.delregion)
    closes = ctx.closing(t)
    if closes is not None:
        open_minutes = (closes - ctx.local).total_seconds() / 60.0
        before_close = ok & (eta < open_minutes)
        if not before_close.any():
            first = float(np.min(np.where(ok, eta, np.inf)))
            arrival = ctx.local + timedelta(minutes=first)
            return (f"stänger innan ankomst (stänger {closes:%H:%M}, tidigast på plats {arrival:%H:%M})")
        ok = before_close
    key = np.where(ok, eta, np.inf)
    stale = snap.stale[ix]
    if stale.any():
        key = key + stale * _STALE_PENALTY
    if max_minutes is not None:
        key = key + (eta > max_minutes) * _LATE_PENALTY
    j = int(np.argmin(key))
    g = int(ix[j])
    e = float(eta[j])
    u = snap.unit(g)
    return Option(type_code=t.code, type_name=t.name, level=t.level, kind=t.kind, unit_id=u.id, unit_name=u.name,
                  unit_status=u.status, current_case_id=u.case_id, eta_minutes=round(e, 1),
                  distance_km=round(float(ctx.dist[g]), 1), free_in_minutes=round(float(ctx.wait[g]), 1),
                  in_time=max_minutes is None or e <= max_minutes, stale=bool(snap.stale[g]), reason=""), g


def _serves_mask(snap: FleetSnapshot, ix: np.ndarray, serves: Serves, pc: PatientContext,
                 delregion_code: int, plan_teams: Collection[str] = ()) -> np.ndarray | None | str:
    """Which of the type's units may serve this patient (None = all), or why none may. A team whose current plan the
    patient has serves the patient as the team the patient is enrolled in does (`plan_teams`), whatever the register
    says: the team wrote the plan for this patient."""
    if serves is Serves.ALL:
        return None
    if serves is Serves.CATCHMENT:
        mask = snap.delregion[ix] == delregion_code
        return mask if mask.any() else f"inget team i patientens delregion ({DELREGIONER[delregion_code]})"
    if serves is Serves.ENROLLED_OR_LISTED:
        teams = list(dict.fromkeys(x for x in (pc.enrolled_mobile_team, pc.listed_vardcentral) if x))
        why = "patienten är inte inskriven"
    elif serves is Serves.ENROLLED_ASIH:
        teams = [pc.enrolled_asih] if pc.enrolled_asih else []
        why = "patienten är inte inskriven i ASIH"
    else:  # KNOWN_PSYCHIATRIC
        teams = [pc.known_psychiatric_team] if pc.known_psychiatric_team else []
        why = "patienten är inte känd av ett psykiatriskt team"
        plan_teams = ()
    codes = [c for c in (snap.affiliation_code(x) for x in (*teams, *plan_teams)) if c is not None]
    mask = np.isin(snap.affiliation[ix], codes) if codes else np.zeros(len(ix), dtype=bool)
    if mask.any():
        return mask
    return f"patientens team ({' / '.join(teams)}) har ingen enhet av typen" if teams else why


def _fallback(ctx: _Context, part: CareNeedPart) -> Fallback | None:
    """Nothing in the palette meets the need: the type in service with the fewest gaps, for RLS to judge."""
    best: tuple[tuple[int, float, int], Fallback] | None = None
    for t in ctx.snap.palette.types:
        if _reserved_reason(t, part) or _availability_reason(t, ctx.case.priority, ctx.local):
            continue
        found = _best_unit(ctx, t, None)
        if isinstance(found, str):
            continue
        opt, _ = found
        missing = [c.label for c in sorted(t.missing(part.capabilities), key=_CAP_ORDER.index)]
        if not t.provides(part.transport) and part.transport.label not in missing:
            missing.append(part.transport.label)
        opt = opt.model_copy(update={"reason": "saknar: " + ", ".join(missing)})
        key = (len(missing), opt.eta_minutes, t.level)
        if best is None or key < best[0]:
            best = (key, Fallback(option=opt, missing=missing))
    return best[1] if best else None


def _chosen_text(o: Option) -> str:
    if o.unit_id is None:
        return f"{o.type_name} rekommenderas (ingen enhet behöver åka ut)."
    busy = f", ledig om ca {o.free_in_minutes:.0f} min" if o.free_in_minutes > 0 else ""
    stale = " Status osäker (inaktuell rapport)." if o.stale else ""
    dist = f", {sv_number(o.distance_km, 1)} km" if o.distance_km is not None else ""
    return (f"{o.unit_name} ({o.type_name}) rekommenderas: på plats om ca {o.eta_minutes:.0f} min"
            f"{dist}{busy}.{stale}")


def _coverage_warning(snap: FleetSnapshot, opt: Option, idx: int, unavailable: np.ndarray) -> str | None:
    ix = snap.type_index[opt.type_code]
    d = snap.delregion[idx]
    free = snap.available[ix] & ~snap.stale[ix] & (snap.delregion[ix] == d) & ~unavailable[ix]
    if free.any():
        return None
    return (f"Om {opt.unit_name} dirigeras finns ingen ledig {opt.type_name.lower()} kvar i delregion "
            f"{DELREGIONER[int(d)]}.")
