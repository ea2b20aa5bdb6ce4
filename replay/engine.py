"""The replay engine: one variant's year of calls as a discrete-event simulation on a simulated clock.

    triage = product_triage(calls)                  # once per call file, shared by V1-V6
    result = run_variant(calls, load_variant("V2"), seed=1, triage=triage)

Each call is decided when its triage ends (call start + triage minutes by priority): the product's
`recommend(DispatchCase, FleetSnapshot, at)` ranks the palette for every part of the care need on the
current fleet. A remote type (egenvård, 1177, booking) ends the call with no unit. A free unit is alerted;
when the recommendation waits for a busy unit, or no unit can be counted, the case queues (priority, then call
time), holds the busy unit it waits for (others are not offered it), and is offered again whenever a unit of a
type it could use frees or comes on duty. No pre-emption. An additional part (e.g. IVPA) goes only with a unit
free now. Units go alerted → mobilisation (halved at Prio 1) → drive (StraightLineEstimator) → on scene
(lognormal) → transport to the nearest ED (Prio 1 and nights: one open around the clock) → handover → free,
driving home. Times and conveyance draw from the call's own numbers (replay/draws.py). docs/region-replay.md.

Never writes the clinical record: nothing here imports records or commands (import-linter).
"""

from __future__ import annotations

import heapq
import math
from bisect import insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from dispatch.case_input import DispatchCase
from dispatch.recommend import recommend
from dispatch.recommendation_model import Option, PartRecommendation, ResourceRecommendation
from dispatch.travel import DEFAULT_ESTIMATOR, TravelTimeEstimator
from replay.call_context import patient_context, true_care_need
from replay.call_triage import CallTriage, product_triage, replay_ruleset
from replay.draws import U_CONVEY, U_PAP_CONVEY, CallDraws, call_draws
from replay.engine_params import EngineParams, default_engine_params
from replay.fleet_sim import FleetSim
from replay.model import CallOutcome, CoverageGap, Mission, SyntheticCall, VariantResult
from replay.need_met import need_unmet
from replay.params import NeedParams, load_params
from replay.v0_triage import emulate
from replay.variants import Variant
from resources.care_need import CareNeed, CareNeedPart
from resources.geography import DELREGIONER, Geography, default_geography, distance_km
from resources.palette import Palette, ResourceType
from resources.vocabulary import Capability, Priority, UnitStatus
from triage_rules.schema import RuleSet

_CALL, _SCENE, _HOSPITAL, _FREE, _HOME, _HOUR = 0, 1, 2, 3, 4, 5
_REMOTE_ADVICE = frozenset({"EGENVARD", "R1177"})
_SUPPORT_TYPES = frozenset({"SINGLE_RESP", "RTJ"})
NO_UNIT = "INGEN"  # disposition of a call nothing in the palette could serve (nor any fallback)


@dataclass(slots=True, eq=False)
class _Job:
    """A care-need part waiting for a unit."""

    key: tuple[int, float, int]  # (priority rank, call time, sequence): the queue order
    k: int  # the call's index
    part: int
    case: DispatchCase
    candidates: frozenset[str] | None  # types whose freeing re-offers it (None: any)
    accept_fallback: bool
    since: float
    held: int | None = None  # the busy unit it waits for
    queued: bool = False
    level: int = 1 << 30  # palette level of the type it waits for
    late: bool = True  # its recommendation is escalated (no adequate type in time)

    def __lt__(self, other: _Job) -> bool:
        return self.key < other.key


@dataclass(slots=True)
class _CallState:
    triage: CallTriage
    decided: float = 0.0
    delregion: str = ""
    units: list[str] = field(default_factory=list)
    primary_scene: float | None = None
    dispatched: float | None = None
    primary_alerted: float | None = None
    disposition: str = ""
    late: bool = False
    no_adequate: bool = False
    conveyed: bool = False
    destination: str | None = None
    done: bool = False


def run_variant(calls: Sequence[SyntheticCall], variant: Variant, *, seed: int = 0,
                triage: Sequence[CallTriage] | None = None, params: EngineParams | None = None,
                needs: NeedParams | None = None, ruleset: RuleSet | None = None,
                geography: Geography | None = None, estimator: TravelTimeEstimator = DEFAULT_ESTIMATOR,
                progress: Callable[[int, int], None] | None = None) -> VariantResult:
    """One variant over `calls` (sorted by t_min or not): one CallOutcome per call (in call order), a Mission per
    unit job, the coverage gaps. `triage`: the product triage of these calls (product_triage), computed here when
    not given. `seed` is recorded only (the calls carry their own random keys). `needs`: the generator's need classes
    (params/needs.yaml, loaded when not given), whose CareNeed is the truth the under-resourcing flag compares the
    assigned need with. `progress(done, total)` is called every 1,000 calls."""
    rs = ruleset or replay_ruleset()
    p = params or default_engine_params()
    draws = [call_draws(c.rng_key) for c in calls]
    if triage is None:
        triage = product_triage(calls, rs)
    if len(triage) != len(calls):
        raise ValueError(f"triage har {len(triage)} poster men samtalen är {len(calls)}")
    if variant.triage == "emulator":
        triage = emulate(calls, triage, draws, p.v0, rs)
    engine = _Engine(calls, variant, triage, draws, p, needs or load_params(ruleset=rs).needs, rs,
                     geography or default_geography(), estimator, progress)
    engine.run()
    return VariantResult(variant=variant.code, seed=seed, outcomes=engine.outcomes(),
                         missions=engine.missions,
                         gaps=[CoverageGap(variant.code, DELREGIONER[r], a, b) for r, a, b in engine.fleet.gaps])


def adequate_types(palette: Palette, part: CareNeedPart, priority: Priority, at: datetime) -> frozenset[str]:
    """Types that could meet the part now if one of their units were free: not reserved for other needs, every
    required capability and the transport, the priority, in service (the recommendation's type checks)."""
    return frozenset(t.code for t in palette.types
                     if not t.reserved_against(part.requested) and not t.missing(part.capabilities)
                     and t.provides(part.transport) and priority in t.priorities and t.in_service(at))


def _single(part: CareNeedPart) -> CareNeed:
    return CareNeed(role=part.role, capabilities=part.capabilities, preferred=part.preferred,
                    transport=part.transport, max_minutes=part.max_minutes)


class _Engine:
    def __init__(self, calls: Sequence[SyntheticCall], variant: Variant, triage: Sequence[CallTriage],
                 draws: Sequence[CallDraws], params: EngineParams, needs: NeedParams,
                 ruleset: RuleSet, geo: Geography, estimator: TravelTimeEstimator,
                 progress: Callable[[int, int], None] | None):
        self.calls = calls
        self.variant = variant
        self.p = params
        self.draws = draws
        self.needs = needs
        self.ruleset = ruleset
        self._true_need: dict[tuple[str, str], CareNeed | None] = {}
        self.geo = geo
        self.estimator = estimator
        self.road: dict[str, float] = dict(getattr(estimator, "road_factors", {}))
        self.progress = progress
        year = calls[0].year if calls else params.year
        self.fleet = FleetSim(variant.fleet, variant.palette, geo, year)
        self.palette = variant.palette
        self._unit_type = dict(zip(self.fleet.ids, self.fleet.rtype, strict=True))
        self._remote_types = [t for t in self.palette.types if t.kind == "remote"]
        self.state = [_CallState(t) for t in triage]
        self.missions: list[Mission] = []
        self.queue: list[_Job] = []
        self.held: dict[int, _Job] = {}  # busy unit -> the job waiting for it
        self.events: list[tuple[float, int, int, int, int]] = []  # (t, seq, kind, a, b)
        self._seq = 0
        self._decided = 0
        self.eds = [e for e in geo.emergency_departments]
        self.eds_24_7 = [e for e in self.eds if e.open_24_7]
        self.ambulance_need = {prio: ruleset.care_needs[name].to_care_need()
                               for prio, name in params.v0.ambulance_need.items()}
        self.in_service: dict[str, bool | None] = dict.fromkeys(self.fleet.by_type)
        self.mission_seq = 0
        # mission -> (unit, call, where it frees (lat, lon), median on scene, transport, median handover, conveyed)
        self._jobs: dict[int, tuple[int, int, float, float, float, float, float, bool]] = {}

    # --- events ---------------------------------------------------------------------------------
    def _push(self, t: float, kind: int, a: int, b: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self.events, (t, self._seq, kind, a, b))

    def run(self) -> None:
        for k, (call, st) in enumerate(zip(self.calls, self.state, strict=True)):
            st.decided = call.t_min + self.p.triage_minutes.get(st.triage.priority.value, 6.0)
            self._push(st.decided, _CALL, k)
        self._hour(0.0)
        last = max((c.t_min for c in self.calls), default=0.0)
        self._push(60.0, _HOUR, 0)
        t = 0.0
        while self.events:
            t, _, kind, a, b = heapq.heappop(self.events)
            if kind == _CALL:
                self._decide(a, t)
            elif kind == _FREE:
                self._free(a, b, t)
            elif kind == _SCENE or kind == _HOSPITAL:
                self._phase(kind, a, t)
            elif kind == _HOME:
                self.fleet.at_station(a, b)
            elif kind == _HOUR:
                self._hour(t)
                if t < last + 24 * 60 or self.events:
                    self._push(t + 60.0, _HOUR, 0)
        self.fleet.close_gaps(t)
        for job in list(self.queue):  # waited for a type that never came (e.g. a team that cannot serve them)
            self._unqueue(job)
            self._end(job.k, NO_UNIT)

    # --- deciding -------------------------------------------------------------------------------
    def _recommend(self, case: DispatchCase, t: float, exclude: Sequence[str]) -> ResourceRecommendation:
        snap = self.fleet.current(t)
        return recommend(case, snap, self.fleet.at(t), estimator=self.estimator, exclude=exclude)

    def _exclude(self, job: _Job | None = None) -> list[str]:
        return [self.fleet.ids[i] for i, j in self.held.items() if j is not job]

    def _decide(self, k: int, t: float) -> None:
        call, st = self.calls[k], self.state[k]
        self._decided += 1
        if self.progress is not None and self._decided % 1000 == 0:
            self.progress(self._decided, len(self.calls))
        tri = st.triage
        case = DispatchCase(priority=tri.priority, care_need=tri.care_need, lat=call.lat, lon=call.lon,
                            kommun=call.kommun, context=patient_context(call), case_id=call.call_id)
        st.delregion = self.geo.delregion_of(call.kommun)
        at = self.fleet.at(t)
        rec = self._recommend(case, t, self._exclude())
        primary = rec.parts[0]
        accept_fallback = False
        if primary.recommended is None:
            adequate = adequate_types(self.palette, case.care_need.parts()[0], tri.priority, at)
            if not adequate:
                st.no_adequate = True
                if tri.priority is Priority.REFERRAL and self.variant.referral_fallback:
                    self._end(k, self.variant.referral_fallback)
                    return
                if self.variant.absent_to_ambulance and tri.priority is not Priority.REFERRAL:
                    case = case.model_copy(update={"care_need": self.ambulance_need[tri.priority.value]})
                    rec = self._recommend(case, t, self._exclude())
                    primary = rec.parts[0]
                elif primary.fallback is not None:
                    accept_fallback = True
                else:
                    self._end(k, NO_UNIT)
                    return
        job = _Job((-tri.priority.urgency, call.t_min, k), k, 0, case, None, accept_fallback, t)
        self._place(job, primary, t)
        self._extra_parts(k, case, rec, t)

    def _extra_parts(self, k: int, case: DispatchCase, rec: ResourceRecommendation, t: float) -> None:
        """Additional parts (e.g. IVPA) go with a unit free now, else not at all."""
        for n, part in enumerate(rec.parts[1:], start=1):
            opt = part.recommended
            if opt is None or opt.unit_id is None:
                continue
            i = self.fleet.snap.index[opt.unit_id]
            if self.fleet.available(i) and i not in self.held:
                self._alert(k, n, i, opt, part, case.priority, t, primary=False)

    def _option(self, job: _Job, part: PartRecommendation) -> Option | None:
        if part.recommended is not None:
            return part.recommended
        if job.accept_fallback and part.fallback is not None:
            return part.fallback.option
        return None

    def _place(self, job: _Job, part: PartRecommendation, t: float) -> bool:
        """Serve the job with the recommendation's unit if it is free; else hold the busy unit it waits for and
        queue. True when a unit was alerted (or the call ended remotely)."""
        k = job.k
        st = self.state[k]
        opt = self._option(job, part)
        if opt is not None and opt.unit_id is None:  # remote: the call ends without a unit
            self._end(k, opt.type_code)
            self._unqueue(job)
            return True
        if opt is not None:
            assert opt.unit_id is not None
            i = self.fleet.snap.index[opt.unit_id]
            if self.fleet.available(i):
                self._unqueue(job)
                st.late = st.late or part.escalated
                if part.recommended is None:
                    st.no_adequate = True
                self._alert(k, job.part, i, opt, part, job.case.priority, t, primary=True)
                return True
            self._hold(job, i)
            types = {o.type_code for o in part.alternatives}
            types.add(opt.type_code)
            job.candidates = frozenset(types)
            job.level, job.late = opt.level, part.escalated or part.recommended is None
            st.late = st.late or part.escalated  # the case waits beyond its time limit
        else:
            self._hold(job, None)
            job.level, job.late = 1 << 30, True
            at = self.fleet.at(t)
            job.candidates = adequate_types(self.palette, job.case.care_need.parts()[0], job.case.priority, at) or None
        if not job.queued:
            job.queued = True
            insort(self.queue, job)
        return False

    def _hold(self, job: _Job, i: int | None) -> None:
        if job.held is not None and self.held.get(job.held) is job:
            del self.held[job.held]
        job.held = i
        if i is not None:
            self.held[i] = job

    def _unqueue(self, job: _Job) -> None:
        self._hold(job, None)
        if job.queued:
            job.queued = False
            self.queue.remove(job)

    def _reoffer(self, i: int, t: float) -> None:
        """Unit `i` is free (or on duty): queued jobs that could use its type are offered again, in queue order,
        until one takes it. A job waiting in time for a unit of a lower level than `i`'s is not asked: the
        recommendation (lowest adequate level in time) would not change for it."""
        code = self.fleet.type_code[i]
        level = self.fleet.rtype[i].level
        waiting = self.held.get(i)
        if waiting is not None:
            self._hold(waiting, None)
        for job in list(self.queue):
            if not self.fleet.available(i):
                break
            if job is not waiting and job.candidates is not None and code not in job.candidates:
                continue
            if job is not waiting and job.held is not None and not job.late and level > job.level:
                continue
            rec = self._recommend(job.case, t, self._exclude(job))
            self._place(job, rec.parts[0], t)

    # --- a unit's job ---------------------------------------------------------------------------
    def _alert(self, k: int, n: int, i: int, opt: Option, part: PartRecommendation, priority: Priority,
               t: float, *, primary: bool) -> None:
        call, st, d = self.calls[k], self.state[k], self.draws[k]
        p = self.p
        fleet = self.fleet
        rtype = fleet.rtype[i]
        code = rtype.code
        speed = rtype.speed
        assert speed is not None
        p1 = priority is Priority.P1
        start = fleet.position(i, t)
        km = distance_km(start[0], start[1], call.lat, call.lon)
        drive = float(self.estimator.drive_minutes(np.array([km]), speed, priority, st.delregion)[0]) \
            - speed.mobilisation_minutes
        scene = t + speed.mobilisation_minutes * (0.5 if p1 else 1.0) + drive
        sigma = p.sigma
        conveys = p.conveying.get(code)
        if conveys == "always":
            conveyed = True
        elif conveys == "model" and primary:
            u = d.u[U_PAP_CONVEY] if code == "PAP" else d.u[U_CONVEY]
            chance = p.pap_convey if code == "PAP" else p.p_convey(call.severity, call.need)
            conveyed = u < chance
        else:
            conveyed = False
        if code == "AMBULANS":
            median = p.on_scene["AMBULANS_conveyed" if conveyed else "AMBULANS_left"]
        elif code == "LAKARBIL" and Capability.LPT_ASSESSMENT in part.capabilities:
            median = p.on_scene["LAKARBIL_lpt"]
        elif code in _SUPPORT_TYPES:
            median = p.on_scene[f"{code}_alone"]
        else:
            median = p.on_scene.get(code, p.on_scene["AMBULANS_left"])
        on_scene = median * math.exp(sigma * d.on_scene_z(n))
        if code in _SUPPORT_TYPES and st.primary_scene is not None and not primary:
            median = p.on_scene["support_after_ambulance"]
            on_scene = max(0.0, st.primary_scene - scene) + median * math.exp(sigma * d.on_scene_z(n))
        leave = scene + on_scene
        destination = None
        handover_median = p.handover.get(code, 0.0)
        transport_est = 0.0
        lat, lon = call.lat, call.lon
        free_t = leave
        if conveys:  # the nearest ED, also for the expected free time of a patient not (yet) known to go
            local = fleet.at(leave)
            night = local.hour >= p.night_start or local.hour < p.night_end
            eds = self.eds_24_7 if (p1 or night) else self.eds
            ed = min(eds, key=lambda e: distance_km(lat, lon, e.lat, e.lon))
            ed_km = distance_km(lat, lon, ed.lat, ed.lon)
            transport_est = float(self.estimator.drive_minutes(np.array([ed_km]), speed, Priority.P2,
                                                               st.delregion)[0]) - speed.mobilisation_minutes
            if conveyed:
                destination = ed.code
                free_t = leave + transport_est + handover_median * math.exp(sigma * d.handover_z(n))
                lat, lon = ed.lat, ed.lon
        # Expected free time from medians, conveyance assumed for types that convey (learnt on scene)
        expected = scene + median + (transport_est + handover_median if conveys else 0.0)
        fleet.alert(i, t, call.call_id, expected, (call.lat, call.lon))
        self.mission_seq += 1
        m = self.mission_seq
        self._jobs[m] = (i, k, lat, lon, median, transport_est, handover_median, conveyed)
        if conveys == "model" and not conveyed:
            self._push(scene, _SCENE, m)
        if conveyed:
            self._push(leave + transport_est, _HOSPITAL, m)
        self._push(free_t, _FREE, i, m)
        self.missions.append(Mission(call.call_id, self.variant.code, fleet.ids[i], code, priority.value,
                                     t, scene, free_t, conveyed))
        st.units.append(fleet.ids[i])
        if st.dispatched is None:
            st.dispatched = t
        if primary:
            st.primary_scene = scene
            st.primary_alerted = t
            st.disposition = code
            st.conveyed = conveyed
            st.destination = destination
            st.done = True

    def _phase(self, kind: int, m: int, t: float) -> None:
        """A busy unit reaches the scene or the hospital: its position, and its expected free time from the
        medians of the phases left (never the sampled times)."""
        i, k, lat, lon, on_scene, transport, handover, conveyed = self._jobs[m]
        call = self.calls[k]
        if kind == _SCENE:  # left at home: free after the scene
            self.fleet.busy_update(i, UnitStatus.ON_SCENE, call.lat, call.lon, call.call_id, t + on_scene)
        else:
            self.fleet.busy_update(i, UnitStatus.AT_HOSPITAL, lat, lon, call.call_id, t + handover)

    def _free(self, i: int, m: int, t: float) -> None:
        _, _, lat, lon, *_ = self._jobs.pop(m)
        # back home at the type's own road factor (the unit's delregion is not the case's)
        fleet = self.fleet
        rtype = fleet.rtype[i]
        in_service = rtype.in_service(fleet.at(t))
        speed = rtype.speed
        assert speed is not None
        home = fleet.home[i]
        km = distance_km(lat, lon, home[0], home[1])
        back = km * speed.road_factor * 60.0 / speed.kmh
        arrive = fleet.free(i, t, lat, lon, back, in_service)
        if arrive is not None:
            self._push(arrive, _HOME, i, fleet.generation[i])
        if in_service:
            self._reoffer(i, t)

    def _hour(self, t: float) -> None:
        at = self.fleet.at(t)
        for code, units in self.fleet.by_type.items():
            now = self.fleet.rtype[units[0]].in_service(at)
            if now == self.in_service[code]:
                continue
            self.in_service[code] = now
            for i in units:
                if now:
                    if self.fleet.on_duty(i, t):
                        self._reoffer(i, t)
                else:
                    self.fleet.off_duty(i, t)

    def _end(self, k: int, disposition: str) -> None:
        st = self.state[k]
        st.disposition = disposition
        st.done = True

    # --- output ---------------------------------------------------------------------------------
    def true_need(self, call: SyntheticCall) -> CareNeed | None:
        key = (call.need, call.severity)
        if key not in self._true_need:
            known = call.need in self.needs.classes
            self._true_need[key] = true_care_need(self.ruleset, self.needs, call) if known else None
        return self._true_need.get(key)

    def _served(self, st: _CallState) -> list[ResourceType]:
        types = [self._unit_type[u] for u in st.units]
        if not st.units and self.palette.has(st.disposition):  # a remote type (1177, advice, booking)
            types.append(self.palette.type(st.disposition))
        return types

    def outcomes(self) -> list[CallOutcome]:
        p = self.p
        out = []
        for call, st in zip(self.calls, self.state, strict=True):
            tri = st.triage
            field_unit = bool(st.units) and st.primary_scene is not None
            if st.conveyed:
                ed = p.ed_visit["seated_transport"] if st.disposition == "SJUKRESA" else p.ed_visit["conveyed"]
            elif field_unit:
                ed = p.ed_visit["home_visit"]
            elif st.disposition in _REMOTE_ADVICE:
                ed = p.ed_visit["advice"]
            else:
                ed = p.ed_visit["booking"]
            true_need = self.true_need(call)
            response = None if st.primary_scene is None else st.primary_scene - call.t_min
            out.append(CallOutcome(
                call_id=call.call_id, variant=self.variant.code, priority=tri.priority.value,
                oracle_priority=tri.oracle_priority.value, disposition=st.disposition, delregion=st.delregion,
                units=tuple(st.units), dispatched_min=st.dispatched,
                response_min=response,
                queued_min=0.0 if st.primary_alerted is None else max(0.0, st.primary_alerted - st.decided),
                late=st.late, no_adequate_type=st.no_adequate,
                under_resourced=true_need is not None and need_unmet(
                    true_need, self._served(st), conveyed=st.conveyed, response_min=response,
                    remote_types=self._remote_types),
                conveyed=st.conveyed, destination=st.destination, ed_visit=ed))
        return out

