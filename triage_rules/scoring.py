"""Scoring the vital signs of a call (NEWS2 for adults, qSOFA for the elderly with suspected infection,
age bands for children, glucose for all) against the scoring data file. Only ever raises.

    a = assess(scores, {"rr": 28, "spo2": 88, "sbp": 85}, age=84, infection=True)
    a.news2        # 9
    a.raises       # (ScoreRaise(raise_to=Priority.P1, finding=..., reason=...), ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from resources.numbers import sv_number
from resources.vocabulary import Priority
from triage_rules.vital_scores import VITAL_LABELS, Band, News2, VitalScores, VitalThreshold

NEWS2_MEASURED = ("rr", "spo2", "sbp", "pulse", "avpu", "temp")


@dataclass(frozen=True)
class ScoreRaise:
    raise_to: Priority
    finding: str  # short Swedish finding (for "avvikande vitalparameter" reasons)
    reason: str  # the whole Swedish reason line


@dataclass(frozen=True)
class Assessment:
    news2: int | None = None
    raises: tuple[ScoreRaise, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)  # scores that raised nothing, said in Swedish

    @property
    def reasons(self) -> tuple[str, ...]:
        return (*(r.reason for r in self.raises), *self.notes)


def describe(name: str, value: float | str) -> str:
    label, unit = VITAL_LABELS[name]
    shown = value if isinstance(value, str) else _num(value)
    return f"{label} {shown} {unit}".strip()


def assess(scores: VitalScores, vitals: Mapping[str, float | str], *, age: int | None, infection: bool,
           on_oxygen: bool = False, spo2_scale2: bool = False) -> Assessment:
    """Score `vitals` (names as in VITAL_NAMES). `age` None is scored as an adult; `infection`: the
    complaint suggests infection (the rule set's suspected_infection)."""
    raises: list[ScoreRaise] = []
    notes: list[str] = []
    tag = f"[{scores.version}]"
    news2 = None
    if age is not None and age < scores.paediatric.below_age:
        raises += _paediatric(scores, vitals, age, tag)
    elif age is None or age >= scores.news2.min_age:
        news2 = _news2(scores.news2, vitals, on_oxygen, spo2_scale2, tag, raises, notes)
    if age is not None and age >= scores.qsofa.min_age:
        _qsofa(scores, vitals, age, infection, tag, raises, notes)
    for t in scores.glucose.thresholds:
        if t.vital in vitals and t.matches(vitals[t.vital]):
            raises.append(_raise(t, vitals[t.vital], "Blodsocker", tag))
            break
    return Assessment(news2=news2, raises=tuple(raises), notes=tuple(notes))


def _band_score(bands: list[Band], value: float, on_oxygen: bool) -> int:
    band = next(b for b in bands if b.upto is None or value <= b.upto)
    return band.score if on_oxygen or band.on_air is None else band.on_air


def _news2(n: News2, vitals: Mapping[str, float | str], on_oxygen: bool, scale2: bool, tag: str,
           raises: list[ScoreRaise], notes: list[str]) -> int | None:
    p = n.parameters
    parts: list[tuple[str, int]] = []
    for name, bands in (("rr", p.rr), ("spo2", p.spo2_scale2 if scale2 else p.spo2_scale1), ("sbp", p.sbp),
                        ("pulse", p.pulse), ("temp", p.temp)):
        value = vitals.get(name)
        if isinstance(value, int | float):
            suffix = " (skala 2)" if name == "spo2" and scale2 else ""
            parts.append((describe(name, value) + suffix, _band_score(bands, float(value), on_oxygen)))
    avpu = vitals.get("avpu")
    if isinstance(avpu, str):
        parts.append((describe("avpu", avpu), p.consciousness[avpu]))
    if not parts:
        return None
    if on_oxygen:
        parts.append(("syrgas", p.supplemental_oxygen))
    total = sum(score for _, score in parts)
    measured = sum(1 for name in NEWS2_MEASURED if name in vitals)
    scored = "; ".join(f"{label}: {score}" for label, score in parts if score) or "alla 0 poäng"
    partial = f", {measured} av {len(NEWS2_MEASURED)} parametrar uppmätta" if measured < len(NEWS2_MEASURED) else ""
    head = f"NEWS2 {total} ({scored}{partial})"
    top = max(parts, key=lambda part: part[1])
    for r in n.response:  # the most urgent response that applies
        hit = ((r.total_at_least is not None and total >= r.total_at_least)
               or (r.any_parameter is not None and top[1] >= r.any_parameter))
        if hit:
            finding = f"NEWS2 {total}" if r.total_at_least is not None else f"{top[0]} ger 3 poäng i NEWS2"
            raises.append(ScoreRaise(r.raise_to, finding,
                                     f"{head} → höjer till minst {r.raise_to.label}: {r.reason} {tag}"))
            break
    else:
        notes.append(f"{head}: höjer inte prioriteten {tag}")
    return total


def _qsofa(s: VitalScores, vitals: Mapping[str, float | str], age: int, infection: bool, tag: str,
           raises: list[ScoreRaise], notes: list[str]) -> None:
    q = s.qsofa
    temp = vitals.get("temp")
    fever = isinstance(temp, int | float) and (temp > q.fever_above or temp < q.hypothermia_below)
    if not (infection or fever):
        return
    rr, sbp, avpu = vitals.get("rr"), vitals.get("sbp"), vitals.get("avpu")
    if rr is None and sbp is None and avpu is None:
        return
    met = []
    if isinstance(rr, int | float) and rr >= q.rr_at_least:
        met.append(f"andningsfrekvens {_num(rr)} (minst {_num(q.rr_at_least)})")
    if isinstance(sbp, int | float) and sbp <= q.sbp_at_most:
        met.append(f"systoliskt {_num(sbp)} (högst {_num(q.sbp_at_most)})")
    if isinstance(avpu, str) and avpu in q.altered_mentation:
        met.append(f"påverkat medvetande ({avpu})")
    why = "kontaktorsaken" if infection else f"temperatur {_num(float(temp))} °C"  # type: ignore[arg-type]
    head = (f"qSOFA {len(met)} av 3 vid misstänkt infektion ({why}) hos {age}-åring"
            + (f" ({'; '.join(met)})" if met else ""))
    for r in sorted(q.response, key=lambda r: -r.criteria_at_least):
        if len(met) >= r.criteria_at_least:
            raises.append(ScoreRaise(r.raise_to, f"qSOFA {len(met)}",
                                     f"{head} → höjer till minst {r.raise_to.label}: {r.reason} {tag}"))
            return
    notes.append(f"{head}: höjer inte prioriteten {tag}")


def _paediatric(s: VitalScores, vitals: Mapping[str, float | str], age: int, tag: str) -> list[ScoreRaise]:
    band = s.paediatric.band(age)
    thresholds = [*s.paediatric.all_ages, *(band.thresholds if band else [])]
    out = []
    for name in vitals:
        hits = [t for t in thresholds if t.vital == name and t.matches(vitals[name])]
        if hits:
            top = max(hits, key=lambda t: t.raise_to.urgency)
            who = f"Barn {age} år ({band.label if band else 'okänt åldersband'})"
            out.append(_raise(top, vitals[name], who, tag))
    return out


def _raise(t: VitalThreshold, value: float | str, who: str, tag: str) -> ScoreRaise:
    finding = f"{t.reason} ({describe(t.vital, value)})"
    return ScoreRaise(t.raise_to, finding,
                      f"{who}: {describe(t.vital, value)} → höjer till minst {t.raise_to.label}: {t.reason} {tag}")


def _num(x: float) -> str:
    return sv_number(x)
