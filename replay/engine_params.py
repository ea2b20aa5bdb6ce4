"""The replay engine's parameters: params/engine.yaml (fleet and time model), params/v0_triage.yaml (V0's
stand-in for today's triage) and params/calibrated.yaml (what replay/calibrate.py froze), read into one
frozen object. Every entry must name its `source:` or say `assumption: true` (spec, "Conventions")."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from resources.datafile import DataFileError, read_structured

PARAMS_DIR = Path(__file__).with_name("params")
ENGINE_FILE = PARAMS_DIR / "engine.yaml"
V0_FILE = PARAMS_DIR / "v0_triage.yaml"
CALIBRATED_FILE = PARAMS_DIR / "calibrated.yaml"

SEVERITY_KEYS = ("1", "2", "3", "H")
CALIBRATED_NAMES = ("p_no_ambulance_today", "over_triage_scale", "convey_logit_shift")


def read_params(path: Path) -> dict[str, Any]:
    """{key: value} of a parameter file whose every entry is {value, source | assumption: true}."""
    data = read_structured(path)
    if not isinstance(data, dict):
        raise DataFileError(path, ["filen ska vara en mappning av parametrar"])
    problems: list[str] = []
    out: dict[str, Any] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or "value" not in entry:
            problems.append(f"parameter '{key}': saknar 'value'")
            continue
        if not entry.get("source") and entry.get("assumption") is not True:
            problems.append(f"parameter '{key}': anger varken 'source' eller 'assumption: true'")
            continue
        out[key] = entry["value"]
    if problems:
        raise DataFileError(path, problems)
    return out


@dataclass(frozen=True)
class V0Params:
    confusion: dict[str, dict[str, float]]  # true S -> assigned priority ("1", "2", "3") -> probability
    over_triage_scale: float
    p_no_ambulance_today: float
    no_ambulance_weight: dict[str, float]
    ambulance_need: dict[str, str]  # assigned priority -> the rule set's care need name
    referral_need: str
    need_by_class: dict[str, str]  # stream A: true need class -> the rule set's care need name
    stream_b_priority: dict[str, str]
    stream_b_need_by_class: dict[str, str]

    def confusion_row(self, severity: str) -> tuple[float, float, float]:
        """P(assigned 1, 2, 3 | S) with the over-triage scale on the Prio 1 column of rows S2, S3, H."""
        row = self.confusion[severity]
        p1, p2, p3 = (float(row[k]) for k in ("1", "2", "3"))
        total = p1 + p2 + p3
        p1, p2, p3 = p1 / total, p2 / total, p3 / total
        if severity != "1":
            new1 = min(p1 * self.over_triage_scale, 0.99)
            rest = (1.0 - new1) / (p2 + p3) if p2 + p3 > 0 else 0.0
            p1, p2, p3 = new1, p2 * rest, p3 * rest
        return p1, p2, p3


@dataclass(frozen=True)
class EngineParams:
    year: int
    triage_minutes: dict[str, float]
    sigma: float  # lognormal sigma from p90/median
    on_scene: dict[str, float]
    handover: dict[str, float]
    conveying: dict[str, str]  # type -> "model" | "always"
    convey_base: dict[str, float]
    convey_by_need: dict[str, float]
    convey_logit_shift: float
    pap_convey: float
    night_start: int
    night_end: int
    ed_visit: dict[str, float]
    v0: V0Params

    def p_convey(self, severity: str, need: str) -> float:
        fixed = self.convey_by_need.get(need)
        if fixed is not None:
            return fixed
        p = min(max(self.convey_base[severity], 1e-6), 1 - 1e-6)
        z = math.log(p / (1 - p)) + self.convey_logit_shift
        return 1.0 / (1.0 + math.exp(-z))

    def with_calibration(self, values: Mapping[str, float]) -> EngineParams:
        """A copy with calibrated values replaced: convey_logit_shift, over_triage_scale, p_no_ambulance_today."""
        unknown = sorted(set(values) - set(CALIBRATED_NAMES))
        if unknown:
            raise ValueError(f"okända kalibrerade parametrar: {', '.join(unknown)}")
        v0 = replace(self.v0, over_triage_scale=values.get("over_triage_scale", self.v0.over_triage_scale),
                     p_no_ambulance_today=values.get("p_no_ambulance_today", self.v0.p_no_ambulance_today))
        return replace(self, v0=v0, convey_logit_shift=values.get("convey_logit_shift", self.convey_logit_shift))


def load_calibrated(path: Path = CALIBRATED_FILE) -> dict[str, float]:
    """The frozen calibration ({name: value}), empty when none has been written yet."""
    if not path.exists():
        return {}
    data = read_structured(path)
    values = data.get("values", {}) if isinstance(data, dict) else {}
    return {str(k): float(v["value"] if isinstance(v, dict) else v) for k, v in values.items()}


def load_engine_params(engine_file: Path = ENGINE_FILE, v0_file: Path = V0_FILE,
                       calibrated_file: Path | None = CALIBRATED_FILE) -> EngineParams:
    e = read_params(engine_file)
    v = read_params(v0_file)
    ratio = float(e["lognormal_p90_over_median"])
    night = e["night_hours"]
    cn = v["care_need"]
    sb = v["stream_b"]
    params = EngineParams(
        year=int(e["year"]),
        triage_minutes={str(k): float(x) for k, x in e["triage_minutes"].items()},
        sigma=math.log(ratio) / 1.2815515655446004,
        on_scene={str(k): float(x) for k, x in e["on_scene_minutes"].items()},
        handover={str(k): float(x) for k, x in e["handover_minutes"].items()},
        conveying={str(k): str(x) for k, x in e["conveying_types"].items()},
        convey_base={str(k): float(x) for k, x in e["convey_base"].items()},
        convey_by_need={str(k): float(x) for k, x in (e["convey_by_need"] or {}).items()},
        convey_logit_shift=0.0,
        pap_convey=float(e["pap_convey"]),
        night_start=int(night["start"]),
        night_end=int(night["end"]),
        ed_visit={str(k): float(x) for k, x in e["ed_visit"].items()},
        v0=V0Params(
            confusion={str(s): {str(a): float(p) for a, p in row.items()} for s, row in v["confusion"].items()},
            over_triage_scale=float(v["over_triage_scale"]),
            p_no_ambulance_today=float(v["p_no_ambulance_today"]),
            no_ambulance_weight={str(k): float(x) for k, x in v["no_ambulance_weight"].items()},
            ambulance_need={str(k): str(x) for k, x in cn["ambulance"].items()},
            referral_need=str(cn["referral"]),
            need_by_class={str(k): str(x) for k, x in (cn.get("by_need_class") or {}).items()},
            stream_b_priority={str(k): str(x) for k, x in sb["priority"].items()},
            stream_b_need_by_class={str(k): str(x) for k, x in (sb.get("by_need_class") or {}).items()},
        ),
    )
    problems = [f"'{key}' saknar svårighetsgrad {s}" for key, table in
                (("convey_base", params.convey_base), ("confusion", params.v0.confusion),
                 ("no_ambulance_weight", params.v0.no_ambulance_weight)) for s in SEVERITY_KEYS if s not in table]
    if problems:
        raise DataFileError(engine_file, problems)
    if calibrated_file is not None:
        params = params.with_calibration(load_calibrated(calibrated_file))
    return params


@cache
def default_engine_params() -> EngineParams:
    return load_engine_params()
