"""The seeded, deterministic call generator (spec §1–2): a synthetic year of Skåne's calls.

    params = load_params(ruleset=rs)
    calls = generate_calls(params, seed=1)              # ≈192,000 calls of 2021, sorted by time
    calls = generate_calls(params, 1, limit_days=14)    # the first two weeks only

Every random draw comes from a stream of `numpy.random.SeedSequence(seed)` keyed by (stream, purpose), so the same
seed (and parameters, rule set, fleet) gives identical calls, and the draws for one purpose never shift another's.
Per call: arrival (non-homogeneous Poisson per hour), register patient or not, kommun and position, age, caller
type, complaint (stream shares, age limits), true severity S and need class N, then a fact for every red flag,
question and vital sign of the complaint's tree (replay.tree_facts) and what the caller tells.
"""

from __future__ import annotations

import numpy as np

from replay.arrivals import hour_weights
from replay.model import SEVERITIES, CallerType, Stream, SyntheticCall
from replay.params import ReplayParams, check_against_ruleset
from replay.places import Places
from replay.register import GROUPS, PatientRegister, RegisterPatient, Teams, ages, build_register, teams_from_fleet
from replay.tree_facts import complaint_items, draw_facts, draw_told
from resources.fleet import Fleet, default_fleet
from resources.geography import Geography, default_geography
from triage_rules.loader import RULESET_DIR, load_ruleset
from triage_rules.schema import RuleSet

STREAMS: tuple[Stream, ...] = ("A", "B")
PURPOSES = ("arrivals", "context", "place", "age", "complaint", "truth", "facts", "told", "keys")
_REGISTER = len(STREAMS)  # the register's own stream index
CALLERS: tuple[CallerType, ...] = ("public", "home_care_staff", "saebo_staff", "professional")


def rng_for(seed: int, stream: int, purpose: str) -> np.random.Generator:
    """The random stream of one (stream, purpose): SeedSequence(seed) spawned by that key."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, PURPOSES.index(purpose)))))


def annual_calls(params: ReplayParams, stream: Stream, volume_factor: float = 1.0) -> float:
    """Expected calls of `stream` in the replay year: the base year's volume grown to the year, × volume_factor."""
    g = params.volume.growth
    years = params.volume.year.value - g.base_year
    return params.volume.streams[stream].calls_per_year * (1 + g.per_year) ** years * volume_factor


def expected_per_hour(params: ReplayParams, volume_factor: float = 1.0,
                      limit_days: int | None = None) -> dict[Stream, np.ndarray]:
    """The expected calls of each stream in every elapsed hour generated (the Poisson means)."""
    weights = dict(zip(STREAMS, hour_weights(params.arrivals, params.volume.year.value), strict=True))
    hours = len(weights["A"]) if limit_days is None else min(len(weights["A"]), 24 * limit_days)
    return {s: annual_calls(params, s, volume_factor) * weights[s][:hours] for s in STREAMS}


def target_per_week_hour(params: ReplayParams, volume_factor: float = 1.0) -> np.ndarray:
    """Expected calls (both streams) per hour of the week over the year, Monday 00–01 first (168 values), e.g. for
    the report's hour-of-week check."""
    from replay.arrivals import local_hours  # noqa: PLC0415 - only this helper needs the local times

    lam = sum(expected_per_hour(params, volume_factor).values())
    how = np.array([t.weekday() * 24 + t.hour for t in local_hours(params.volume.year.value)])
    return np.bincount(how, weights=np.asarray(lam), minlength=168)


def generate_calls(params: ReplayParams, seed: int, *, volume_factor: float = 1.0, limit_days: int | None = None,
                   ruleset: RuleSet | None = None, fleet: Fleet | None = None,
                   geography: Geography | None = None, unknown_factor: float = 1.0) -> list[SyntheticCall]:
    """The synthetic calls of one seed, sorted by time, numbered from 1. `ruleset` defaults to the newest shipped
    rule set; `fleet` (whose team affiliations the register uses) to the default fleet. `unknown_factor` multiplies
    every caller's P("vet ej") (a sensitivity run, V7): only the told answers change, each from its own uniform."""
    rs = ruleset or load_ruleset(directory=RULESET_DIR)
    check_against_ruleset(params, rs)
    geo = geography or default_geography()
    places = Places(params.spatial, geo)
    teams = teams_from_fleet(fleet or default_fleet(), geo)
    register = build_register(params.patients, rng_for(seed, _REGISTER, "context"), places, teams)
    model = _Model(params, rs, places, teams, register, unknown_factor)
    lam = expected_per_hour(params, volume_factor, limit_days)
    calls: list[SyntheticCall] = []
    for si, stream in enumerate(STREAMS):
        calls.extend(model.stream_calls(seed, si, stream, lam[stream]))
    calls.sort(key=lambda c: (c.t_min, c.stream))
    return [_renumber(c, i) for i, c in enumerate(calls, start=1)]


def _renumber(call: SyntheticCall, call_id: int) -> SyntheticCall:
    fields = {name: getattr(call, name) for name in SyntheticCall.__slots__}
    fields["call_id"] = call_id
    return SyntheticCall(**fields)


class _Model:
    """The per-parameter tables, computed once per generation."""

    def __init__(self, params: ReplayParams, rs: RuleSet, places: Places, teams: Teams, register: PatientRegister,
                 unknown_factor: float = 1.0):
        self.params, self.rs, self.places, self.teams, self.register = params, rs, places, teams, register
        self.unknown_factor = unknown_factor
        self.codes = [c.code for c in rs.complaints]
        self.need_names = list(params.needs.classes)
        self.items = {c: complaint_items(params, rs, c, self.need_names) for c in self.codes}
        self.bands = [(b.min, b.max) for b in params.patients.age_mix.bands]
        base = sum(params.volume.streams[s].calls_per_year for s in STREAMS)
        self.group_share = np.array([register.calls_per_year[g] / base for g in GROUPS])
        if self.group_share.sum() > 1:
            self.group_share /= self.group_share.sum()
        self.residual_age = self._residual_age(base)
        self.complaint_cum = {s: self._complaint_table(s) for s in STREAMS}
        rows = {c.code: c.severity for c in params.complaints.complaints}
        sev = np.array([np.asarray(rows[c], dtype=float) / sum(rows[c]) for c in self.codes])
        self.severity_cum = np.cumsum(sev, axis=1)
        self.need_cum = self._need_table()

    def _residual_age(self, base: float) -> np.ndarray:
        """The non-register calls' age-band mix, so that all calls follow age_mix."""
        target = np.array([b.share for b in self.params.patients.age_mix.bands], dtype=float)
        target = target / target.sum() * base
        for g in GROUPS:
            group = getattr(self.params.patients.registry, g)
            mix = np.asarray(group.age, dtype=float)
            target -= self.register.calls_per_year[g] * mix / mix.sum()
        clipped: np.ndarray = np.clip(target, 0, None)
        return clipped

    def _age_pmf(self) -> np.ndarray:
        pmf = np.zeros(131)
        shares = np.array([b.share for b in self.params.patients.age_mix.bands], dtype=float)
        for (lo, hi), share in zip(self.bands, shares / shares.sum(), strict=True):
            pmf[lo:hi + 1] += share / (hi - lo + 1)
        return pmf

    def _complaint_table(self, stream: Stream) -> np.ndarray:
        """Cumulative P(complaint | age) for ages 0–130: the stream's shares, restricted by age limits and raised
        within them by 1/P(eligible age) so that each complaint keeps about its share overall."""
        rows = {c.code: (c.a if stream == "A" else c.b) for c in self.params.complaints.complaints}
        limits = self.params.complaints.age_limits.limits
        pmf = self._age_pmf()
        age = np.arange(131)
        table = np.zeros((131, len(self.codes)))
        for j, code in enumerate(self.codes):
            lim = limits.get(code)
            if lim is None:
                table[:, j] = rows[code]
                continue
            ok = (age >= lim.min) & (age <= lim.max)
            p_ok = pmf[ok].sum()
            table[:, j] = np.where(ok, rows[code] / p_ok, 0.0) if p_ok > 0 else 0.0
        totals = table.sum(axis=1, keepdims=True)
        table = np.divide(table, totals, out=np.zeros_like(table), where=totals > 0)
        return np.cumsum(table, axis=1)

    def _need_table(self) -> np.ndarray:
        """Cumulative P(N | complaint, S, frail) of shape (complaints, severities, 2, need classes)."""
        needs = self.params.needs
        table = np.zeros((len(self.codes), len(SEVERITIES), 2, len(self.need_names)))
        home = [self.need_names.index(n) for n in needs.frail_home_factor.classes]
        for i, code in enumerate(self.codes):
            for j, s in enumerate(SEVERITIES):
                dist = needs.complaints.get(code, {}).get(s) or needs.default[s]
                row = np.array([dist.get(n, 0.0) for n in self.need_names])
                frail = row.copy()
                if s in ("2", "3"):
                    frail[home] *= needs.frail_home_factor.factor
                table[i, j, 0] = row / row.sum()
                table[i, j, 1] = frail / frail.sum()
        return np.cumsum(table, axis=3)

    def stream_calls(self, seed: int, si: int, stream: Stream, lam: np.ndarray) -> list[SyntheticCall]:
        p = self.params
        # arrivals: a Poisson count per hour, uniform times within it
        rng = rng_for(seed, si, "arrivals")
        counts = rng.poisson(lam)
        n = int(counts.sum())
        if n == 0:
            return []
        t_min = np.round(np.sort(np.repeat(np.arange(len(lam)), counts) + rng.random(n)) * 60.0, 3)
        # context: a register patient (their calls count within the volume) or anyone
        rng = rng_for(seed, si, "context")
        u = rng.random((n, 4))
        group = np.searchsorted(np.cumsum(self.group_share), u[:, 0], side="right")  # len(GROUPS) = nobody
        patients: list[int | None] = [None] * n
        for gi, g in enumerate(GROUPS):
            first, size = self.register.groups[g]
            idx = np.flatnonzero(group == gi)
            if size and len(idx):
                for i, k in zip(idx.tolist(), (first + np.floor(u[idx, 1] * size).astype(int)).tolist(), strict=True):
                    patients[i] = k
        anyone = np.flatnonzero(group == len(GROUPS))
        # place and age of everyone else
        kommun_ix = np.zeros(n, dtype=int)
        lat, lon = np.zeros(n), np.zeros(n)
        rng = rng_for(seed, si, "place")
        kommun_ix[anyone] = self.places.kommuner(rng, len(anyone))
        lat[anyone], lon[anyone] = self.places.positions(rng, kommun_ix[anyone])
        age = np.zeros(n, dtype=int)
        age[anyone] = ages(rng_for(seed, si, "age"), self.bands, self.residual_age, len(anyone))
        kommun = [self.places.names[k] for k in kommun_ix.tolist()]
        reg = self.register.patients
        for i, k in enumerate(patients):
            if k is not None:
                kommun[i], lat[i], lon[i], age[i] = reg[k].kommun, reg[k].lat, reg[k].lon, reg[k].age
        # complaint by age, then the truth: severity S and need class N
        rng = rng_for(seed, si, "complaint")
        complaint = (rng.random(n)[:, None] > self.complaint_cum[stream][np.minimum(age, 130)]).sum(axis=1)
        complaint = np.minimum(complaint, len(self.codes) - 1)
        rng = rng_for(seed, si, "truth")
        ut = rng.random((n, 2))
        sev = np.minimum((ut[:, :1] > self.severity_cum[complaint]).sum(axis=1), len(SEVERITIES) - 1)
        frail = (group < len(GROUPS)).astype(int)
        need = np.minimum((ut[:, 1:] > self.need_cum[complaint, sev, frail]).sum(axis=1), len(self.need_names) - 1)
        # caller type, listing and psychiatric team
        callers = self._callers(stream, group, u[:, 2])
        psych_codes = set(p.patients.psych_team.complaints)
        psych_ok = np.array([self.codes[c] in psych_codes for c in complaint.tolist()]) & (u[:, 3] < p.patients.psych_team.share)
        # facts and told, one group of calls per complaint (rule-set order)
        facts: list[dict[str, float | str]] = [{} for _ in range(n)]
        told: list[dict[str, float | str]] = [{} for _ in range(n)]
        rng_f, rng_t = rng_for(seed, si, "facts"), rng_for(seed, si, "told")
        unknown = p.answers.unknown
        factor = p.answers.call_taker.factors[p.answers.call_taker.used] * self.unknown_factor
        p_q = np.array([min(1.0, unknown.of(c).question * factor) for c in CALLERS])
        p_v = np.array([min(1.0, unknown.of(c).vital * factor) for c in CALLERS])
        caller_ix = np.array([CALLERS.index(c) for c in callers])
        for ci, code in enumerate(self.codes):
            idx = np.flatnonzero(complaint == ci)
            items = self.items[code]
            if not len(idx) or not items:
                continue
            f_cols = draw_facts(items, sev[idx], need[idx], rng_f.random((len(idx), len(items), 2)))
            t_cols = draw_told(items, f_cols, p_q[caller_ix[idx]], p_v[caller_ix[idx]], p.answers.misreport.p,
                               rng_t.random((len(idx), len(items), 3)))
            keys = [it.key for it in items]
            for row, i in enumerate(idx.tolist()):
                facts[i] = {k: col[row] for k, col in zip(keys, f_cols, strict=True)}
                told[i] = {k: col[row] for k, col in zip(keys, t_cols, strict=True)}
        keys_ = rng_for(seed, si, "keys").integers(0, 2**63 - 1, size=n, dtype=np.int64).tolist()
        listing = rng_for(seed, si, "place").random((n, 2))  # after the positions: listing of non-register callers
        out: list[SyntheticCall] = []
        year = p.volume.year.value
        t_list, lat_l, lon_l, age_l = t_min.tolist(), lat.tolist(), lon.tolist(), age.tolist()
        for i in range(n):
            k = patients[i]
            pat: RegisterPatient | None = reg[k] if k is not None else None
            code = self.codes[int(complaint[i])]
            out.append(SyntheticCall(
                call_id=0, stream=stream, t_min=t_list[i], kommun=kommun[i], lat=lat_l[i], lon=lon_l[i],
                age=int(age_l[i]), caller=callers[i], complaint=code, severity=SEVERITIES[int(sev[i])],
                need=self.need_names[int(need[i])], facts=facts[i], told=told[i], rng_key=int(keys_[i]),
                patient_id=pat.patient_id if pat else None, mobile_team=pat.mobile_team if pat else None,
                asih=pat.asih if pat else None, saebo=pat.saebo if pat else False,
                home_care=pat.home_care if pat else False,
                listed_vardcentral=pat.listed_vardcentral if pat else self.teams.listed(
                    kommun[i], bool(listing[i, 0] < p.patients.listing.mobile_team_share), float(listing[i, 1])),
                psych_team=self.teams.psych.get(kommun[i]) if psych_ok[i] else None,
                year=year,
            ))
        return out

    def _callers(self, stream: Stream, group: np.ndarray, u: np.ndarray) -> list[CallerType]:
        if stream == "B":
            return ["professional"] * len(group)
        c = self.params.patients.callers
        by_group = [c.mvt, c.saebo, c.home_care, c.asih, c.none]
        cums = []
        for dist in by_group:
            names = list(dist)
            w = np.array([dist[x] for x in names], dtype=float)
            cums.append((names, np.cumsum(w / w.sum())))
        out: list[CallerType] = []
        for g, x in zip(group.tolist(), u.tolist(), strict=True):
            names, cum = cums[g]
            out.append(names[min(int(np.searchsorted(cum, x, side="right")), len(names) - 1)])
        return out
