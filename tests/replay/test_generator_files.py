"""The call file (byte-identical for a seed, checked on reading) and the parameter files (Swedish errors naming the
file and the field)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from generator_data import params, ruleset

from replay.call_file import CallFileError, make_manifest, read_call_file, write_call_file
from replay.generator import generate_calls
from replay.params import PARAM_FILES, PARAMS_DIR, load_params
from resources.datafile import DataFileError


def _write(path: Path, seed: int) -> Path:
    calls = generate_calls(params(), seed, limit_days=2, ruleset=ruleset())
    return write_call_file(path, make_manifest(params(), ruleset(), seed, calls, limit_days=2), calls)


def test_same_seed_gives_a_byte_identical_call_file_and_another_seed_another(tmp_path: Path) -> None:
    one, two = _write(tmp_path / "a.jsonl.gz", 7), _write(tmp_path / "b.jsonl.gz", 7)
    other = _write(tmp_path / "c.jsonl.gz", 8)
    assert one.read_bytes() == two.read_bytes()
    assert one.read_bytes() != other.read_bytes()
    manifest, calls = read_call_file(one)
    assert manifest.seed == 7 and manifest.call_count == len(calls) and manifest.limit_days == 2
    assert manifest.params_sha256 == params().sha256 and manifest.ruleset_version == ruleset().version
    assert calls == generate_calls(params(), 7, limit_days=2, ruleset=ruleset())


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.readlines()


def _rewrite(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(lines)


def test_a_bad_call_file_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "calls.jsonl.gz", 3)
    good = _lines(path)
    _rewrite(path, [*good[:3], good[3].replace('"stream":"A"', '"stream":"C"').replace('"stream":"B"', '"stream":"C"'),
                    *good[4:]])
    with pytest.raises(CallFileError, match=r"rad 4: fält 'stream' ska vara A eller B"):
        read_call_file(path)
    _rewrite(path, [*good[:5], "{inte json\n", *good[6:]])
    with pytest.raises(CallFileError, match="rad 6: ogiltig JSON"):
        read_call_file(path)
    _rewrite(path, good[:-1])
    with pytest.raises(CallFileError, match="manifestet anger"):
        read_call_file(path)
    path.write_bytes(b"not gzip")
    with pytest.raises(CallFileError, match="gzip"):
        read_call_file(path)


@pytest.fixture
def params_dir(tmp_path: Path) -> Path:
    for name in PARAM_FILES:
        shutil.copy(PARAMS_DIR / f"{name}.yaml", tmp_path / f"{name}.yaml")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_params_load_and_every_block_says_where_it_comes_from(params_dir: Path) -> None:
    loaded = load_params(params_dir, ruleset=ruleset())
    assert loaded.sha256 == params().sha256
    _edit(params_dir / "answers.yaml", "p: 0.05", "p: 0.06")
    assert load_params(params_dir).sha256 != params().sha256


def test_a_bad_value_names_the_file_and_the_field(params_dir: Path) -> None:
    _edit(params_dir / "volume.yaml", "calls_per_year: 155000", "calls_per_year: många")
    with pytest.raises(DataFileError) as exc:
        load_params(params_dir)
    text = str(exc.value)
    assert "volume.yaml" in text and "fält 'calls_per_year'" in text and "ska vara ett heltal" in text


def test_a_block_without_source_or_assumption_is_refused(params_dir: Path) -> None:
    _edit(params_dir / "arrivals.yaml", '  source: "[M15] Saturday 16 % of calls"\n  assumption: true\n', "")
    with pytest.raises(DataFileError) as exc:
        load_params(params_dir)
    assert "arrivals.yaml" in str(exc.value) and "fält 'day_types'" in str(exc.value)
    assert "saknar ursprung" in str(exc.value)


def test_complaint_codes_and_care_need_templates_are_checked_against_the_rule_set(params_dir: Path) -> None:
    _edit(params_dir / "complaints.yaml", "{code: BRÄNN,", "{code: BRAND,")
    with pytest.raises(DataFileError) as exc:
        load_params(params_dir, ruleset=ruleset())
    assert "complaints.yaml" in str(exc.value)
    assert "BRAND finns inte i regelverk" in str(exc.value) and "har kontaktorsaken BRÄNN, som saknas här" in str(exc.value)
    _edit(params_dir / "complaints.yaml", "{code: BRAND,", "{code: BRÄNN,")
    _edit(params_dir / "needs.yaml", "care_need: LYFTHJÄLP", "care_need: LYFT")
    with pytest.raises(DataFileError, match=r"needs.yaml[\s\S]*vårdbehovsmallen LYFT finns inte"):
        load_params(params_dir, ruleset=ruleset())


def test_a_missing_kommun_area_is_named(params_dir: Path) -> None:
    _edit(params_dir / "spatial.yaml", "    Lomma: 56\n", "")
    with pytest.raises(DataFileError, match=r"spatial.yaml[\s\S]*kommunen Lomma saknas"):
        load_params(params_dir)
