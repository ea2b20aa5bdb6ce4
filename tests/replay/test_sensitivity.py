"""V7, the sensitivity of the callers' P("vet ej") (spec §5): calls generated with another factor differ only in
what the callers say, so a V7 run pairs with the same seed's V0; the variants file names the factors; a comparison
generates, writes and triages one call set per factor."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest
from generator_data import calls, params, ruleset
from test_cli import Fake

import replay.backend
from larmcentral_cli import main
from replay.comparison import read_comparison
from replay.generator import generate_calls
from replay.model import SyntheticCall
from replay.runner import CallSet, VariantInfo
from replay.variants import _specs, load_variant, variant_codes
from resources.datafile import DataFileError


def _unknown_share(cs: Sequence[SyntheticCall]) -> float:
    told = [v for c in cs for k, v in c.told.items() if not k.startswith("vital:")]
    return sum(v == "vet ej" for v in told) / len(told)


def test_another_factor_changes_only_what_the_callers_say() -> None:
    base = calls(11, 7)
    half = generate_calls(params(), 11, limit_days=7, ruleset=ruleset(), unknown_factor=0.5)
    double = generate_calls(params(), 11, limit_days=7, ruleset=ruleset(), unknown_factor=2.0)
    assert len(base) == len(half) == len(double) > 2000
    for other in (half, double):
        for a, b in zip(base, other, strict=True):
            assert {f: getattr(a, f) for f in SyntheticCall.__slots__ if f != "told"} == \
                   {f: getattr(b, f) for f in SyntheticCall.__slots__ if f != "told"}
        assert sum(a.told != b.told for a, b in zip(base, other, strict=True)) > len(base) // 20
    shares = [_unknown_share(cs) for cs in (half, base, double)]
    assert shares[0] < shares[1] < shares[2]
    assert shares[0] == pytest.approx(shares[1] / 2, rel=0.2) and shares[2] == pytest.approx(2 * shares[1], rel=0.2)


def test_v7_is_v1_with_the_factor_named_in_the_variants_file() -> None:
    assert ["V7-halv", "V7-dubbel"] == [c for c in variant_codes() if c.startswith("V7")]
    v1, half = load_variant("V1"), load_variant("V7-halv")
    assert (half.triage, half.unknown_factor, load_variant("V7-dubbel").unknown_factor) == ("product", 0.5, 2.0)
    assert half.fleet == v1.fleet and v1.unknown_factor == 1.0
    assert [t.code for t in half.palette.types] == [t.code for t in v1.palette.types]
    with pytest.raises(KeyError, match="okänd variant 'V7'"):
        load_variant("V7")


@pytest.mark.parametrize(("factors", "says"), [
    ("{halv: 0}", "ska vara namn"), ("{halv: -1}", "ska vara namn"), ("{halv: ja}", "ska vara namn"),
    ("{}", "ska vara namn"), ("[0.5]", "ska vara namn"), ("{'två ord': 2}", "ska vara namn"),
    ("{a-b: 2}", "ska vara namn"), ("{halv: 11}", "ska vara namn"), ("null", "ska vara namn"),
    ("{a: 0.1234561, b: 0.1234564}", "två faktorer som skrivs lika"),
    ("{halv: 0.5}\n  add_unit: {type: LAKARBIL, at: largest_town}", "kan inte kombineras")])
def test_bad_factors_are_refused_in_swedish(tmp_path: Path, factors: str, says: str) -> None:
    path = tmp_path / "variants.yaml"
    path.write_text(f"V1:\n  source: test\nV7:\n  base: V1\n  unknown_factors: {factors}\n  source: test\n",
                    encoding="utf-8")
    with pytest.raises(DataFileError, match=says):
        _specs(path)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_comparison_makes_one_call_set_per_factor_and_pairs_v7_with_v0(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    fake = Fake()
    backend = dataclasses.replace(fake.backend(), workers=workers)
    factors = {"V7-halv": 0.5}

    def variant(code: str) -> VariantInfo:
        return VariantInfo(code, 1.0, {"AMBULANS": 3}, None, factors.get(code, 1.0))

    monkeypatch.setattr(replay.backend, "product_backend", lambda: dataclasses.replace(backend, variant=variant))
    monkeypatch.setattr(replay.backend, "variant_codes", lambda: ["V0", "V1", "V7-halv"])
    out = tmp_path / "känslighet"
    assert main(["replay", "compare", "--out", str(out), "--variants", "V7-halv,V1,V0", "--seeds", "1",
                 "--days", "2"]) == 0
    assert fake.call_sets == [CallSet(1.0, 1.0), CallSet(1.0, 0.5)]  # once per call set: 'vet ej' × 1, then × 0.5
    assert sorted(p.name for p in fake.files) == ["samtal_s1.txt", "samtal_s1_vetej0.5.txt"]
    if workers == 1:  # the fake notes runs in this process only
        assert [v for v, _, _ in fake.runs] == ["V0", "V1", "V7-halv"]  # V0 first although asked for last
    rows = {(r.variant, r.kpi): r.estimate.mean for r in read_comparison(out).rows}
    assert rows[("V7-halv", "moved_lying")] == rows[("V1", "moved_lying")] == 365 / 2  # paired with V0's calls


