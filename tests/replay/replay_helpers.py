"""Hand-made replay records with known answers, for the KPI, report and CLI tests (no generator or engine)."""

from __future__ import annotations

from replay.model import CallOutcome, CoverageGap, Mission, Severity, SyntheticCall, VariantResult


def call(call_id: int, severity: Severity, *, stream: str = "A", t_min: float | None = None) -> SyntheticCall:
    return SyntheticCall(call_id=call_id, stream=stream, t_min=float(call_id * 7) if t_min is None else t_min,  # type: ignore[arg-type]
                         kommun="Lund", lat=55.7, lon=13.19, age=70, caller="public", complaint="BRÖST",
                         severity=severity, need="assessment_transport", facts={}, told={}, rng_key=call_id)


def outcome(call_id: int, variant: str, priority: str, *, oracle: str | None = None, disposition: str = "AMBULANS",
            delregion: str = "Mellersta", response: float | None = None, ed: float = 0.0, **kw: object
            ) -> CallOutcome:
    return CallOutcome(call_id=call_id, variant=variant, priority=priority,
                       oracle_priority=priority if oracle is None else oracle, disposition=disposition,
                       delregion=delregion, response_min=response, ed_visit=ed, **kw)  # type: ignore[arg-type]


def mission(call_id: int, variant: str, priority: str, *, unit: str = "AMB1", unit_type: str = "AMBULANS",
            alerted: float = 0.0, free: float = 60.0) -> Mission:
    return Mission(call_id=call_id, variant=variant, unit_id=unit, unit_type=unit_type, priority=priority,
                   alerted_min=alerted, on_scene_min=alerted + 10, free_min=free, conveyed=True)


# Ten calls, true S beside V1's assigned priority: exact 4 (c1, c2, c5, c9), over 4 (c3, c4, c6, c10),
# under 2 (c7: S1 → 3, the most adverse; c8: S2 → 3).
TEN = [("1", "1"), ("1", "1"), ("2", "1"), ("3", "1"), ("3", "3"), ("H", "2"), ("1", "3"), ("2", "3"),
       ("H", "hänvisning"), ("H", "3")]


def ten_calls() -> list[SyntheticCall]:
    return [call(i, s, stream="A" if i < 8 else "B") for i, (s, _) in enumerate(TEN, start=1)]  # type: ignore[arg-type]


def ten_results(seed: int = 1) -> tuple[VariantResult, VariantResult]:
    """(V0, V1) on the ten calls. V0 sends an ambulance to all but c9 (1177); V1 as TEN, c9 to 1177, c10 to
    LIGGANDE, c5 to MVT_VC (both were ambulances in V0), the others by ambulance."""
    v0 = VariantResult("V0", seed)
    v1 = VariantResult("V1", seed)
    for i, (_, p) in enumerate(TEN, start=1):
        if i == 9:
            v0.outcomes.append(outcome(i, "V0", "hänvisning", disposition="R1177", ed=0.05))
        else:
            v0.outcomes.append(outcome(i, "V0", "1" if i <= 4 else "2", response=5.0 * i, ed=1.0))
            v0.missions.append(mission(i, "V0", "1" if i <= 4 else "2", unit=f"A{i}", alerted=100.0 * i,
                                       free=100.0 * i + 60))
        disp = {9: "R1177", 10: "LIGGANDE", 5: "MVT_VC"}.get(i, "AMBULANS")
        # c3's caller did not know a fact: the true facts would have given Prio 2 (an information error upwards)
        oracle = "2" if i == 3 else None
        v1.outcomes.append(outcome(i, "V1", p, oracle=oracle, disposition=disp, response=4.0 * i,
                                   ed={"R1177": 0.05, "LIGGANDE": 1.0, "MVT_VC": 0.1}.get(disp, 1.0)))
        if disp == "AMBULANS":
            v1.missions.append(mission(i, "V1", p, unit=f"A{i}", alerted=100.0 * i, free=100.0 * i + 30))
    v1.gaps.append(CoverageGap("V1", "Mellersta", 1430.0, 1460.0))  # 10 min on day 0, 20 on day 1
    v1.gaps.append(CoverageGap("V1", "Malmö", 100.0, 105.0))
    return v0, v1
