"""Estimates over seeds: the mean of a KPI's per-seed values and a 95 % t-interval (seeds are independent
replications of the same year, so the spread between them is the uncertainty; with one seed there is none).

No scipy in the product: the t quantiles come from a table (df ≤ 30) and the Cornish–Fisher expansion above it
(error < 0.001 there)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z975 = 1.959963984540054
# Student's t, 0.975 quantile, df = 1 … 30 (any statistics table)
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604,
         2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555,
         2.0518, 2.0484, 2.0452, 2.0423)


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mean over `n` seeds with its 95 % t-interval; `low`/`high` are None with one seed, `mean` None with none."""

    mean: float | None
    low: float | None
    high: float | None
    n: int


def over_seeds(values: Sequence[float | None]) -> Estimate:
    """Mean and 95 % t-interval of the seeds' values; a seed whose value is undefined (None, e.g. a PPV without
    any Prio 1) is left out and the interval is over the rest."""
    xs = [float(v) for v in values if v is not None and not math.isnan(v)]
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    mean = math.fsum(xs) / n
    if n == 1:
        return Estimate(mean, None, None, 1)
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)
