"""What an independent tester fed the address import, the AML input and the demo command: never a traceback,
never a silently wrong register, never a position that hides the real ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from audit_helpers import run_cli
from test_address_import import GOOD, HEADER, problems_of, write

from dispatch.phone_positions import PhonePositionInbox
from records.address_file import read_address_file
from resources.location.phone_position import PhonePositionError, parse_phone_position


@pytest.mark.parametrize(("cell", "column"), [
    ("²", "adressplatsnummer"),  # str.isdigit() says yes, int() says no
    ("٣", "adressplatsnummer"),  # Arabic-Indic three: int() would read it
    ("１２", "adressplatsnummer"),  # fullwidth
])
def test_a_house_number_in_other_digits_is_a_bad_row_not_a_crash(tmp_path: Path, cell: str, column: str) -> None:
    path = write(tmp_path / "a.csv", [HEADER, f"1286;Ystad;Gata;{cell};;27134;Ystad;6143200;425400"])
    assert any("rad 2" in p and column in p for p in problems_of(path))


def test_postnummer_letters_and_metres_are_ascii_only(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [
        HEADER,
        "1286;Ystad;Gata;1;;2٧١٣٤;Ystad;6143200;425400",  # Arabic-Indic postnummer
        "1286;Ystad;Gata;2;ß;27134;Ystad;6143200;425400",  # "ß".upper() is "SS": not a letter addition
        "1286;Ystad;Gata;3;;27134;Ystad;６１４３２００;425400",  # fullwidth northing
        "1286;Ystad;Gata;4;;27134;Ystad;6_143_200;425400",  # float() reads underscores
    ])
    problems = problems_of(path)
    for line, column in ((2, "postnummer"), (3, "bokstavstillagg"), (4, "n"), (5, "n")):
        assert any(f"rad {line}" in p and f"'{column}'" in p for p in problems), (line, column, problems)


def test_a_column_twice_or_two_names_for_one_column_is_refused(tmp_path: Path) -> None:
    twice = write(tmp_path / "twice.csv", ["kommunkod;kommunkod;adressomrade;adressplatsnummer;postnummer;postort;n;e",
                                           "1286;1290;Gata;1;27134;Ystad;6143200;425400"])
    assert any("finns två gånger" in p for p in problems_of(twice))
    both = write(tmp_path / "both.csv", ["kommunkod;adressomrade;adressplatsnummer;postnummer;postort;n;northing;e",
                                         "1286;Gata;1;27134;Ystad;6143200;1;425400"])
    assert any("betyder samma sak" in p for p in problems_of(both))


@pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\u200f", "\u061c", "\ufeff"])
def test_bidi_controls_in_a_street_or_postort_are_a_bad_row(tmp_path: Path, mark: str) -> None:
    """A right-to-left override shows "Storgatan 12" as another text than the one searched and stored."""
    path = write(tmp_path / "a.csv", [HEADER, f"1286;Ystad;Stor{mark}gatan;12;;27134;Ystad;6143200;425400",
                                      f"1286;Ystad;Storgatan;14;;27134;Ys{mark}tad;6143200;425400"])
    problems = problems_of(path)
    assert any("rad 2" in p and "adressomrade" in p and f"U+{ord(mark):04X}" in p for p in problems), problems
    assert any("rad 3" in p and "postort" in p for p in problems), problems


def test_blank_lines_before_the_header_are_skipped_and_lines_still_counted(tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", ["", "", HEADER, *GOOD])
    assert len(read_address_file(good)) == len(GOOD)
    bad = write(tmp_path / "bad.csv", ["", HEADER, "1286;Ystad;Gata;x;;27134;Ystad;6143200;425400"])
    assert any(p.startswith("rad 3") for p in problems_of(bad))


def test_deeply_nested_json_is_a_bad_message() -> None:
    with pytest.raises(PhonePositionError, match="nästlad"):  # a RecursionError escaped the inbox's poll
        parse_phone_position(b"[" * 3000)
    with pytest.raises(PhonePositionError):
        parse_phone_position(b'{"a":' * 800)


def _position(at: datetime, lat: float) -> bytes:
    return (f'{{"v":1,"phone":"0701-23 45 67","lat":{lat},"lon":13.0,"accuracy_m":10,'
            f'"at":"{at.isoformat()}"}}').encode()


def test_a_position_dated_in_the_future_does_not_hide_the_next_real_one() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0")
    now = datetime.now(UTC)
    inbox.add(parse_phone_position(_position(datetime(9999, 12, 31, tzinfo=UTC), 55.6)), now=now)
    inbox.add(parse_phone_position(_position(now - timedelta(seconds=5), 55.9)), now=now)
    latest = inbox.latest_for("0701234567")
    assert latest is not None and latest.lat == 55.9


def test_demo_command_bounds_and_one_file_for_two_is_refused(db_url: str, tmp_path: Path) -> None:
    for args in (("--seed", "-1"), ("--count", "99999999999")):
        out = run_cli(db_url, tmp_path, "addresses", "demo", *args)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    same = tmp_path / "w.csv"
    out = run_cli(db_url, tmp_path, "addresses", "demo", "--count", "100", "--write-file", str(same),
                  "--places-file", str(same))
    assert out.returncode == 2 and "olika filer" in out.stderr and not same.exists()


def test_aml_send_refuses_a_wait_that_is_not_a_number_of_seconds(db_url: str, tmp_path: Path) -> None:
    for wait in ("nan", "-1", "inf"):
        out = run_cli(db_url, tmp_path, "aml", "send", "--phone", "070-1234567", "--lat", "55.6", "--lon", "13",
                      "--accuracy", "10", "--wait", wait)
        assert out.returncode == 2 and "--wait" in out.stderr and "Traceback" not in out.stderr, out.stderr
