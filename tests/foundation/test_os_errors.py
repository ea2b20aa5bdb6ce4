"""The operating system's file errors reach users in Swedish, through every CLI and loader that reports them."""

from __future__ import annotations

from pathlib import Path

import pytest

from resources.datafile import DataFileError, read_structured
from resources.os_errors import os_error_text
from triage_rules.loader import RuleSetError, load_ruleset


def test_common_file_errors_are_swedish(tmp_path: Path) -> None:
    with pytest.raises(OSError) as missing:
        (tmp_path / "saknas.csv").open()
    assert os_error_text(missing.value) == "filen eller katalogen finns inte"
    with pytest.raises(OSError) as directory:
        tmp_path.open()
    assert os_error_text(directory.value) == "det är en katalog, inte en fil"
    assert os_error_text(OSError("something odd")) == "something odd"  # unknown: the system's words, not nothing


@pytest.mark.parametrize("load", [read_structured, load_ruleset])
def test_loaders_name_a_missing_file_in_swedish(tmp_path: Path, load) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((DataFileError, RuleSetError)) as caught:
        load(tmp_path / "saknas.yaml")
    text = str(caught.value)
    assert "finns inte" in text and "No such file" not in text
