"""How facts follow the truth (spec §1.6), read off each complaint's tree once per rule set and parameters.

Every node of a complaint's tree gets its reach: the most and least urgent endpoint priority reachable from it and
the care-need templates of those endpoints. A yes/no question whose "ja" branch reaches a more urgent endpoint
than its "nej" branch is answered "ja" with P = p_at_least when the true severity S is at least as urgent as that
branch, p_one_less one level below, else p_else (mirrored when "nej" escalates); equally urgent branches separate
care needs, so the branch reaching the true need N's template gets p_matching. Choice options are weighted
1/(1 + w·|urgency gap|) (or by N when all are equally urgent). Red flags are true with P(S) split over the
complaint's flags; vital signs fall in the normal, Prio 2 or Prio 1 band of the question's own thresholds.

`draw_facts` and `draw_told` turn uniform numbers into answers for a whole group of calls of one complaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from replay.model import SEVERITIES, Answer
from replay.params import ReplayParams
from resources.vocabulary import Priority
from triage_rules.schema import Complaint, Question, QuestionKind, RuleSet

YES, NO, UNKNOWN = "ja", "nej", "vet ej"
SEVERITY_URGENCY = {"1": Priority.P1.urgency, "2": Priority.P2.urgency, "3": Priority.P3.urgency,
                    "H": Priority.REFERRAL.urgency}
ItemKind = Literal["flag", "yes_no", "choice", "vital"]


@dataclass(frozen=True)
class Reach:
    most: int  # most urgent endpoint priority reachable (Priority.urgency)
    least: int
    needs: frozenset[str]  # care-need templates of the reachable endpoints


@dataclass(frozen=True)
class Item:
    """One fact of a complaint: a red flag, a yes/no or choice question, or a vital question."""

    key: str  # the facts/told key: `flag:<id>`, the question id, or `vital:<question id>`
    kind: ItemKind
    p_yes: np.ndarray | None = None  # flag, yes_no: P("ja") per (S index, N index)
    options: tuple[str, ...] = ()
    cum: np.ndarray | None = None  # choice: cumulative option weights per (S index, N index, option)
    intervals: tuple[tuple[tuple[float, float], ...], ...] = ()  # vital: per band (normal, Prio 2, Prio 1)
    band_cum: np.ndarray | None = None  # vital: cumulative band probabilities per S index
    thresholds: tuple[tuple[float | None, float | None, int], ...] = ()  # vital: (below, above, band it marks)
    low: float = 0.0
    high: float = 0.0


def reach_of(ruleset: RuleSet, complaint: Complaint) -> dict[str, Reach]:
    """The reach of every question, endpoint and red-flag target of `complaint`."""
    memo: dict[str, Reach] = {}

    def visit(node: str, seen: frozenset[str]) -> Reach:
        if node in memo:
            return memo[node]
        rf = ruleset.red_flag(node)
        ep = rf.endpoint if rf is not None else complaint.endpoint(node)
        if ep is not None:
            assert ep.priority is not None
            u = ep.priority.urgency
            reach = Reach(u, u, frozenset([ep.care_need]) if isinstance(ep.care_need, str) else frozenset())
        else:
            q = complaint.question(node)
            if q is None or node in seen:  # a cycle or a dangling target: the loader refuses both
                return Reach(0, 0, frozenset())
            parts = [visit(t, seen | {node}) for _, t in q.targets()]
            reach = Reach(max(p.most for p in parts), min(p.least for p in parts),
                          frozenset().union(*(p.needs for p in parts))) if parts else Reach(0, 0, frozenset())
        memo[node] = reach
        return reach

    for q in complaint.questions:
        visit(q.id, frozenset())
    return memo


def _level(params: ReplayParams, s: int, u: int) -> float:
    yn = params.answers.yes_no
    return yn.p_at_least if s >= u else yn.p_one_less if s == u - 1 else yn.p_else


def _yes_no_table(params: ReplayParams, a: Reach, b: Reach, templates: list[list[str]]) -> np.ndarray:
    """P(the first branch `a`) per (S, N) for a question with branches a and b."""
    table = np.empty((len(SEVERITIES), len(templates[0])))
    p_match = params.answers.need_branch.p_matching
    for i, sev in enumerate(SEVERITIES):
        s = SEVERITY_URGENCY[sev]
        for j, template in enumerate(templates[i]):
            if (a.most, a.least) > (b.most, b.least):
                table[i, j] = _level(params, s, a.most if a.most > b.most else a.least)
            elif (b.most, b.least) > (a.most, a.least):
                table[i, j] = 1 - _level(params, s, b.most if b.most > a.most else b.least)
            else:
                in_a, in_b = template in a.needs, template in b.needs
                table[i, j] = p_match if in_a and not in_b else 1 - p_match if in_b and not in_a else 0.5
    return table


def _vital_item(params: ReplayParams, q: Question) -> Item:
    assert q.range is not None
    low, high = q.range
    marks = tuple((t.below, t.above, 2 if t.raise_to is Priority.P1 else 1) for t in q.thresholds
                  if t.raise_to is not None and t.raise_to is not Priority.REFERRAL)
    cuts = sorted({low, high, *(x for b, a, _ in marks for x in (b, a) if x is not None and low < x < high)})
    bands: list[list[tuple[float, float]]] = [[], [], []]
    for x0, x1 in zip(cuts, cuts[1:], strict=False):
        band = _band(marks, (x0 + x1) / 2)
        if bands[band] and bands[band][-1][1] == x0:
            bands[band][-1] = (bands[band][-1][0], x1)
        else:
            bands[band].append((x0, x1))
    probs = np.array([params.answers.vital_bands.bands[s] for s in SEVERITIES], dtype=float)
    for band in (2, 1):  # an empty band's share goes to the next less urgent band
        if not bands[band]:
            probs[:, band - 1] += probs[:, band]
            probs[:, band] = 0.0
    probs /= probs.sum(axis=1, keepdims=True)
    return Item(key=f"vital:{q.id}", kind="vital", intervals=tuple(tuple(b) for b in bands),
                band_cum=np.cumsum(probs, axis=1), thresholds=marks, low=low, high=high)


def _band(marks: tuple[tuple[float | None, float | None, int], ...], v: float) -> int:
    hit = [band for below, above, band in marks if (below is not None and v < below) or (above is not None and v > above)]
    return max(hit, default=0)


def complaint_items(params: ReplayParams, ruleset: RuleSet, code: str, need_names: list[str]) -> list[Item]:
    """The facts a call of complaint `code` has, with their answer probabilities per (S, N)."""
    c = ruleset.complaint(code)
    reach = reach_of(ruleset, c)
    templates = [[params.needs.classes[n].template(s) for n in need_names] for s in SEVERITIES]
    items: list[Item] = []
    p_flag = params.answers.red_flags.p_true
    for rf_id in c.red_flags:
        p = np.array([[p_flag[s] / len(c.red_flags)] * len(need_names) for s in SEVERITIES])
        items.append(Item(key=f"flag:{rf_id}", kind="flag", p_yes=p))
    for q in c.questions:
        if q.kind == QuestionKind.YES_NO:
            assert q.if_yes is not None and q.if_no is not None
            items.append(Item(key=q.id, kind="yes_no",
                              p_yes=_yes_no_table(params, reach_of_target(reach, q.if_yes),
                                                  reach_of_target(reach, q.if_no), templates)))
        elif q.kind == QuestionKind.CHOICE:
            items.append(_choice_item(params, q, reach, templates))
        elif q.kind == QuestionKind.VITAL:
            items.append(_vital_item(params, q))
    return items


def reach_of_target(reach: dict[str, Reach], target: str) -> Reach:
    return reach.get(target, Reach(0, 0, frozenset()))


def _choice_item(params: ReplayParams, q: Question, reach: dict[str, Reach], templates: list[list[str]]) -> Item:
    opts = [reach_of_target(reach, o.goto) for o in q.options]
    same = len({(r.most, r.least) for r in opts}) == 1
    p_match, gap = params.answers.need_branch.p_matching, params.answers.choice.gap_weight
    weights = np.empty((len(SEVERITIES), len(templates[0]), len(opts)))
    for i, sev in enumerate(SEVERITIES):
        s = SEVERITY_URGENCY[sev]
        for j, template in enumerate(templates[i]):
            if same:
                hits = [template in r.needs for r in opts]
                w = [p_match if h else 1 - p_match for h in hits] if any(hits) and not all(hits) else [1.0] * len(opts)
            else:
                w = [1 / (1 + gap * abs(r.most - s)) for r in opts]
            weights[i, j] = np.asarray(w) / sum(w)
    return Item(key=q.id, kind="choice", options=tuple(o.value for o in q.options), cum=np.cumsum(weights, axis=2))


def draw_facts(items: list[Item], s_idx: np.ndarray, n_idx: np.ndarray, u: np.ndarray) -> list[list[Answer]]:
    """The true answers of a group of calls: one column (a list over the calls) per item. `u`: uniforms of shape
    (calls, items, 2)."""
    columns: list[list[Answer]] = []
    for k, item in enumerate(items):
        u0, u1 = u[:, k, 0], u[:, k, 1]
        if item.kind in ("flag", "yes_no"):
            assert item.p_yes is not None
            columns.append(np.where(u0 < item.p_yes[s_idx, n_idx], YES, NO).tolist())
        elif item.kind == "choice":
            assert item.cum is not None
            pick = (u0[:, None] > item.cum[s_idx, n_idx]).sum(axis=1)
            pick = np.minimum(pick, len(item.options) - 1)
            columns.append([item.options[i] for i in pick.tolist()])
        else:
            columns.append(_vital_values(item, s_idx, u0, u1))
    return columns


def _vital_values(item: Item, s_idx: np.ndarray, u0: np.ndarray, u1: np.ndarray) -> list[Answer]:
    assert item.band_cum is not None
    band = (u0[:, None] > item.band_cum[s_idx][:, :2]).sum(axis=1)
    values = np.empty(len(u0))
    for b, intervals in enumerate(item.intervals):
        mask = band == b
        if not mask.any() or not intervals:
            continue
        lengths = np.array([x1 - x0 for x0, x1 in intervals])
        ends = np.cumsum(lengths)
        pos = u1[mask] * ends[-1]
        which = np.minimum(np.searchsorted(ends, pos, side="right"), len(intervals) - 1)
        starts = np.array([x0 for x0, _ in intervals])
        values[mask] = starts[which] + pos - (ends[which] - lengths[which])
    rounded = np.round(values, 1)
    out: list[Answer] = []
    for v, r, b in zip(values.tolist(), rounded.tolist(), band.tolist(), strict=True):
        # keep the band: a value rounded across a threshold (or outside the range) stays unrounded
        out.append(r if item.low <= r <= item.high and _band(item.thresholds, r) == b else v)
    return out


def draw_told(items: list[Item], facts: list[list[Answer]], p_unknown_q: np.ndarray, p_unknown_v: np.ndarray,
              p_misreport: float, u: np.ndarray) -> list[list[Answer]]:
    """What the callers say: "vet ej" with their caller type's P, a misreport with `p_misreport`, else the fact.
    `u`: uniforms of shape (calls, items, 3)."""
    columns: list[list[Answer]] = []
    for k, item in enumerate(items):
        u0, u1, u2 = u[:, k, 0], u[:, k, 1], u[:, k, 2]
        unknown = (u0 < (p_unknown_v if item.kind == "vital" else p_unknown_q)).tolist()
        wrong = (u1 < p_misreport).tolist()
        col: list[Answer] = []
        for i, fact in enumerate(facts[k]):
            if unknown[i]:
                col.append(UNKNOWN)
            elif not wrong[i]:
                col.append(fact)
            elif item.kind in ("flag", "yes_no"):
                col.append(NO if fact == YES else YES)
            elif item.kind == "choice":
                n = len(item.options)
                other = (item.options.index(str(fact)) + 1 + int(u2[i] * (n - 1))) % n if n > 1 else 0
                col.append(item.options[other])
            else:
                col.append(round(item.low + float(u2[i]) * (item.high - item.low), 1))
        columns.append(col)
    return columns
