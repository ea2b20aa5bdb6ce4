"""Triage against the modelled truth (spec §4, as in Torlén 2017): the assigned priority of each call beside its
true severity S. Urgency order 1 > 2 > 3 > H; "hänvisning" is level H. Over-triage = assigned more urgent than S,
under-triage = less urgent; "most adverse" = S1 assigned Prio 3 or hänvisning.

Two errors are kept apart: the information error (the caller's answers vs the true facts: `priority` vs
`oracle_priority`) and the rules' error (the true facts' priority vs S)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from replay.model import SEVERITIES, CallOutcome, Severity

LEVELS: tuple[str, ...] = SEVERITIES  # "1", "2", "3", "H": rows and columns of the confusion matrix
_RANK = {"1": 0, "2": 1, "3": 2, "H": 3}


def level(priority: str) -> str:
    """An assigned priority as a severity level: "hänvisning" (or "H") is H, "1"–"3" themselves."""
    if priority in ("hänvisning", "H"):
        return "H"
    if priority in _RANK:
        return priority
    raise ValueError(f"okänd prioritet {priority!r}")


@dataclass(frozen=True, slots=True)
class TriageFigures:
    n: int
    confusion: dict[tuple[str, str], int]  # (true S, assigned level) → calls
    exact: int
    over: int
    under: int
    s1: int  # calls with true S1
    s1_as_p1: int  # … assigned Prio 1 (sensitivity's numerator)
    assigned_p1: int  # calls assigned Prio 1 (PPV's denominator)
    most_adverse: int  # S1 assigned 3 or H
    oracle_exact: int  # the rules with the true facts vs S
    info_differs: int  # caller's answers gave another priority than the true facts
    info_lower: int  # … a less urgent one

    def share(self, k: int, n: int | None = None) -> float | None:
        d = self.n if n is None else n
        return k / d if d else None

    @property
    def sensitivity_p1(self) -> float | None:
        return self.share(self.s1_as_p1, self.s1)

    @property
    def ppv_p1(self) -> float | None:
        return self.share(self.s1_as_p1, self.assigned_p1)


def triage_figures(outcomes: Iterable[CallOutcome], severity: Mapping[int, Severity]) -> TriageFigures:
    """`severity`: each call's true S by call_id (the call file's)."""
    confusion: Counter[tuple[str, str]] = Counter()
    exact = over = under = oracle_exact = info_differs = info_lower = 0
    for o in outcomes:
        s = severity[o.call_id]
        assigned, oracle = level(o.priority), level(o.oracle_priority)
        confusion[(s, assigned)] += 1
        gap = _RANK[assigned] - _RANK[s]
        exact += gap == 0
        over += gap < 0
        under += gap > 0
        oracle_exact += oracle == s
        info_differs += assigned != oracle
        info_lower += _RANK[assigned] > _RANK[oracle]
    n = sum(confusion.values())
    return TriageFigures(
        n=n, confusion={(s, a): confusion.get((s, a), 0) for s in LEVELS for a in LEVELS},
        exact=exact, over=over, under=under,
        s1=sum(confusion[("1", a)] for a in LEVELS), s1_as_p1=confusion[("1", "1")],
        assigned_p1=sum(confusion[(s, "1")] for s in LEVELS),
        most_adverse=confusion[("1", "3")] + confusion[("1", "H")],
        oracle_exact=oracle_exact, info_differs=info_differs, info_lower=info_lower)
