"""The runner's Backend from the product's call generator (replay.generator, replay.params, replay.call_file) and
replay engine (replay.engine, replay.variants, replay.call_triage). Imported only when a replay runs, so the CLI's
argument checks and `--help` stay fast."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from replay.model import SyntheticCall, VariantResult
from replay.runner import Backend, CallSet, Progress, VariantInfo, units_by_type


class BackendMissing(RuntimeError):
    """The generator or engine is not there (a partial installation); the message says which, in Swedish."""


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise BackendMissing(f"Replayns modul {name} saknas eller kan inte läsas in ({exc}).") from exc


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def variant_codes() -> list[str]:
    codes: list[str] = _module("replay.variants").variant_codes()
    return codes


def product_backend() -> Backend:
    generator, params_mod, variants = _module("replay.generator"), _module("replay.params"), _module("replay.variants")
    engine, call_triage = _module("replay.engine"), _module("replay.call_triage")
    ruleset = call_triage.replay_ruleset()
    params = params_mod.load_params(ruleset=ruleset)
    engine_params = _module("replay.engine_params").default_engine_params()  # a bad file stops it here, not in a run

    def variant(code: str) -> VariantInfo:
        v = variants.load_variant(code)
        return VariantInfo(code, float(v.volume_factor), units_by_type(v.fleet), v, float(v.unknown_factor))

    def generate(seed: int, key: CallSet, days: int | None) -> list[SyntheticCall]:
        calls: list[SyntheticCall] = generator.generate_calls(params, seed, volume_factor=key.volume, limit_days=days,
                                                              ruleset=ruleset, unknown_factor=key.unknown)
        return calls

    def run(calls: Sequence[SyntheticCall], info: VariantInfo, seed: int, triage: Any,
            progress: Progress) -> VariantResult:
        result: VariantResult = engine.run_variant(calls, info.handle, seed=seed, triage=triage, ruleset=ruleset,
                                                   params=engine_params, needs=params.needs, progress=progress)
        return result

    def triage(calls: Sequence[SyntheticCall], progress: Callable[[int], None]) -> Any:
        # Forked workers, one per core: triage is most of a single run's time (two sessions per call).
        return call_triage.product_triage(calls, ruleset, progress=progress, workers=cores())

    call_file = _module("replay.call_file")

    def write_call_file(calls: Sequence[SyntheticCall], path: Path, seed: int, key: CallSet,
                        days: int | None) -> Path:
        manifest = call_file.make_manifest(params, ruleset, seed, list(calls), volume_factor=key.volume,
                                           limit_days=days, unknown_factor=key.unknown)
        written: Path = call_file.write_call_file(path, manifest, list(calls))
        return written

    return Backend(variant_codes=variant_codes, variant=variant, generate=generate, run_variant=run,
                   year=int(params.volume.year.value), params_sha256=str(params.sha256),
                   ruleset_version=str(ruleset.version), triage=triage, write_call_file=write_call_file,
                   call_file_suffix=".jsonl.gz", workers=cores(),
                   target_per_week=lambda factor: [float(x) for x in generator.target_per_week_hour(params, factor)])
