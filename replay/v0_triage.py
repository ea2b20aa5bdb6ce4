"""V0's stand-in for today's triage (SOS Alarm, Medical Index), spec §5-6: the assigned priority is drawn from
a confusion matrix P(assigned | true S); a share of stream-A calls ends without an ambulance (referred to
1177), more often the less severe; everyone else gets an ambulance at the assigned priority. Stream B
(healthcare orders) is dispatched as ordered: an ambulance at Prio 2 or 3 by the true S. Parameters:
params/v0_triage.yaml and calibrated.yaml."""

from __future__ import annotations

from collections.abc import Sequence

from replay.call_triage import CallTriage
from replay.draws import U_V0_NO_AMBULANCE, U_V0_PRIORITY, CallDraws
from replay.engine_params import V0Params
from replay.model import SyntheticCall
from resources.care_need import CareNeed
from resources.vocabulary import Priority
from triage_rules.schema import RuleSet


def no_ambulance_probabilities(calls: Sequence[SyntheticCall], v0: V0Params) -> dict[str, float]:
    """P(no ambulance | S) for stream A, scaled so the stream-A mean is p_no_ambulance_today."""
    a = [c.severity for c in calls if c.stream == "A"]
    if not a:
        return dict.fromkeys(v0.no_ambulance_weight, 0.0)
    mean_w = sum(v0.no_ambulance_weight[s] for s in a) / len(a)
    scale = v0.p_no_ambulance_today / mean_w if mean_w > 0 else 0.0
    return {s: min(1.0, w * scale) for s, w in v0.no_ambulance_weight.items()}


def emulate(calls: Sequence[SyntheticCall], oracle: Sequence[CallTriage], draws: Sequence[CallDraws],
            v0: V0Params, ruleset: RuleSet) -> list[CallTriage]:
    """V0's triage of every call; `oracle` gives the product's oracle priority (kept for the KPIs)."""
    needs: dict[str, CareNeed] = {}

    def need(name: str) -> CareNeed:
        if name not in needs:
            needs[name] = ruleset.care_needs[name].to_care_need()
        return needs[name]

    p_none = no_ambulance_probabilities(calls, v0)
    rows = {s: v0.confusion_row(s) for s in v0.confusion}
    out: list[CallTriage] = []
    for call, orc, d in zip(calls, oracle, draws, strict=True):
        if call.stream == "B":
            prio = Priority(v0.stream_b_priority[call.severity])
            name = v0.stream_b_need_by_class.get(call.need, v0.ambulance_need[prio.value])
        elif d.u[U_V0_NO_AMBULANCE] < p_none[call.severity]:
            prio, name = Priority.REFERRAL, v0.referral_need
        else:
            p1, p2, _ = rows[call.severity]
            u = d.u[U_V0_PRIORITY]
            prio = Priority.P1 if u < p1 else Priority.P2 if u < p1 + p2 else Priority.P3
            name = v0.need_by_class.get(call.need, v0.ambulance_need[prio.value])
        out.append(CallTriage(prio, need(name), f"V0:{name}", orc.oracle_priority))
    return out
