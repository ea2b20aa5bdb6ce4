"""Input at the boundary is refused the same way on SQLite and PostgreSQL (issue 11, "Inputs").

Regressions: a personnummer written with full-width or Arabic-Indic digits passed and made a second
register row for the same person; a birth year of 1800 was accepted; a NaN latitude was stored as NULL
on SQLite; on PostgreSQL a 129-character name or a NUL gave "Ett oväntat fel … ärendet finns kvar"
although nothing had been saved.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import DataError

from console.errors import user_message
from outcomes.closing import FeedOutcome, OutcomeError, record_outcome
from records.audit import now
from records.cases import CaseIntake, create_case
from records.models import Case, Outcome, Patient, Review
from records.patients import PatientImportError, import_patients, lookup_context
from records.personnummer import InvalidPersonnummer, normalise, with_check_digit
from records.review_queue import comment_review
from records.text_fields import TextFieldError, check_text
from records.triage_store import CompletedTriage
from resources.vocabulary import Role

TODAY = date(2026, 11, 27)
HEADER = "personnummer;namn;mobilt_vardteam;asih;sabo;hemsjukvard;listad_vardcentral;psykiatriteam\n"
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


# -- personnummer ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "19121212-1212", "19121212-1212".translate(FULL_WIDTH), "19121212-1212".translate(ARABIC_INDIC),
    "191212121212".translate(PERSIAN), "19121212\u20131212", "19121212\u22121212", "121212＋1212",
    "1912 1212\u00a01212",
])
def test_personnummer_in_any_digits_and_dashes_is_the_same_ascii_number(raw: str) -> None:
    assert normalise(raw, today=TODAY) == "19121212-1212"


@pytest.mark.parametrize(("raw", "named"), [
    ("19121212-121²", "'²' (U+00B2"), ("19121212/1212", "'/' (U+002F"), ("19121212-1212\x00", "U+0000"),
    ("19121212-1212Å", "'Å' (U+00C5"),
])
def test_personnummer_with_a_foreign_character_names_it(raw: str, named: str) -> None:
    with pytest.raises(InvalidPersonnummer, match="innehåller") as info:
        normalise(raw, today=TODAY)
    assert named in str(info.value)


@pytest.mark.parametrize("raw", ["18000101-0008", "180001010008", "18000101-R123"])
def test_birth_year_1800_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPersonnummer, match="inte rimligt"):
        normalise(raw, today=TODAY)
    with pytest.raises(ValidationError, match="inte rimligt"):
        CaseIntake(personnummer=raw)


def test_birth_dates_more_than_130_years_ago_or_in_the_future_are_refused() -> None:
    oldest = TODAY.replace(year=TODAY.year - 130)
    ok = f"{oldest:%Y%m%d}-{with_check_digit(f'{oldest:%y%m%d}' + '982')}"
    assert normalise(f"{oldest:%Y%m%d}-982{ok[-1]}", today=TODAY) == f"{oldest:%Y%m%d}-982{ok[-1]}"
    day_before = oldest - timedelta(days=1)
    too_old = f"{day_before:%Y%m%d}-982{with_check_digit(f'{day_before:%y%m%d}982')}"
    with pytest.raises(InvalidPersonnummer, match="inte rimligt"):
        normalise(too_old, today=TODAY)
    tomorrow = TODAY + timedelta(days=1)
    future = f"{tomorrow:%Y%m%d}-982{with_check_digit(f'{tomorrow:%y%m%d}982')}"
    with pytest.raises(InvalidPersonnummer, match="framtiden"):
        normalise(future, today=TODAY)
    with pytest.raises(InvalidPersonnummer, match="framtiden"):
        normalise("21121212-1212")


_DIGIT_FORMS = {d: [chr(c) for c in range(0x110000) if unicodedata.decimal(chr(c), None) == d] for d in range(10)}
_DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]


@st.composite
def personnummer_written_any_way(draw: st.DrawFn) -> tuple[str, str]:
    """(an ASCII personnummer, the same number written with random Unicode digits and dashes)."""
    born = draw(st.dates(min_value=TODAY.replace(year=TODAY.year - 129), max_value=TODAY))
    serial = draw(st.integers(min_value=0, max_value=999))
    nine = f"{born:%y%m%d}{serial:03d}"
    ascii_form = f"{born:%Y%m%d}-{serial:03d}{with_check_digit(nine)}"
    other = "".join(draw(st.sampled_from(_DIGIT_FORMS[int(ch)])) if ch.isdigit() else draw(st.sampled_from(_DASHES))
                    for ch in ascii_form)
    return ascii_form, other


@settings(max_examples=300, deadline=None)
@given(personnummer_written_any_way())
def test_property_any_unicode_digits_normalise_to_the_ascii_number(pair: tuple[str, str]) -> None:
    ascii_form, other = pair
    normal = normalise(other, today=TODAY)
    assert normal == normalise(ascii_form, today=TODAY) == ascii_form
    assert normal.isascii() and normalise(normal, today=TODAY) == normal


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_property_normalise_returns_ascii_or_refuses_in_swedish(raw: str) -> None:
    try:
        normal = normalise(raw, today=TODAY)
    except InvalidPersonnummer as exc:
        assert str(exc)
        return
    assert normal.isascii() and len(normal) == 13 and normalise(normal, today=TODAY) == normal


def test_full_width_and_arabic_indic_personnummer_find_the_same_register_row(db, make_actor,  # type: ignore[no-untyped-def]
                                                                             tmp_path: Path) -> None:
    admin = make_actor(db, "admin", Role.ADMIN)
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    for i, table in enumerate((None, FULL_WIDTH, ARABIC_INDIC)):
        pnr = "19121212-1212".translate(table) if table else "19121212-1212"
        csv = tmp_path / f"export{i}.csv"
        csv.write_text(HEADER + f"{pnr};Tolvan {i};Vårdcentralen Lund Norr;;ja;nej;;\n", encoding="utf-8")
        with db() as s, s.begin():
            assert import_patients(s, admin, csv) == 1
    with db() as s, s.begin():
        rows = s.scalars(select(Patient)).all()
        assert [(p.personnummer, p.name) for p in rows] == [("19121212-1212", "Tolvan 2")]
        ctx = lookup_context(s, nurse, "19121212-1212".translate(ARABIC_INDIC), today=TODAY)
        assert ctx.personnummer == "19121212-1212" and ctx.enrolled_mobile_team == "Vårdcentralen Lund Norr"
        case = create_case(s, nurse, CaseIntake(personnummer="191212121212".translate(FULL_WIDTH)))
    assert case.personnummer == "19121212-1212"


# -- coordinates ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "why"), [
    ("lat", math.nan, "ändligt tal"), ("lat", "NaN", "ändligt tal"), ("lon", math.inf, "ändligt tal"),
    ("lon", "-inf", "ändligt tal"), ("lat", 91.0, "mellan −90 och 90"), ("lon", -180.5, "mellan −180 och 180"),
])
def test_non_finite_or_off_globe_coordinates_are_refused(field: str, value: object, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        CaseIntake(**{"lat": 55.6, "lon": 13.0, field: value})
    message = user_message(info.value)
    label = {"lat": "Latitud", "lon": "Longitud"}[field]
    assert message.startswith(f"Fältet '{label}' måste") and why in message
    assert "Value error" not in message


def test_nan_latitude_is_not_stored_as_null(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    with pytest.raises(ValidationError), db() as s, s.begin():
        create_case(s, nurse, CaseIntake(caller_name="X", lat=float("nan"), lon=13.0))
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


# -- text: length and control characters -----------------------------------------------------------------------

@pytest.mark.parametrize(("field", "label", "limit"), [
    ("caller_name", "Inringarens namn", 128), ("callback_phone", "Telefonnummer för återuppringning", 32),
    ("address", "Adress", 256), ("kommun", "Kommun", 64), ("patient_name", "Patientens namn", 128),
])
def test_over_long_intake_text_is_refused_naming_the_field_and_nothing_is_saved(  # type: ignore[no-untyped-def]
        db, make_actor, field: str, label: str, limit: int) -> None:
    nurse = make_actor(db)
    with db() as s, s.begin():
        create_case(s, nurse, CaseIntake(**{field: "x" * limit}))  # exactly the column's length is fine
    with pytest.raises(ValidationError) as info, db() as s, s.begin():
        create_case(s, nurse, CaseIntake(**{field: "x" * (limit + 1)}))
    assert user_message(info.value) == f"Fältet '{label}' är för långt ({limit + 1} tecken, högst {limit})."
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1


@pytest.mark.parametrize("bad", ["Anna\x00Svensson", "Anna\nSvensson", "Anna\x1bSvensson", "Anna\x7fSvensson",
                                 "Anna\x85Svensson"])
def test_nul_and_control_characters_in_a_name_are_refused_and_nothing_is_saved(  # type: ignore[no-untyped-def]
        db, make_actor, bad: str) -> None:
    nurse = make_actor(db)
    with pytest.raises(ValidationError) as info, db() as s, s.begin():
        create_case(s, nurse, CaseIntake(patient_name=bad))
    message = user_message(info.value)
    assert message.startswith("Fältet 'Patientens namn' innehåller") and "på plats 5" in message
    assert f"U+{ord(bad[4]):04X}" in message
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_lone_surrogate_is_refused_in_swedish() -> None:
    with pytest.raises(ValidationError) as info:
        CaseIntake(patient_name="Anna\ud800Svensson")
    assert user_message(info.value) == ("Ogiltigt värde i fältet 'Patientens namn': innehåller ogiltiga tecken "
                                        "(ingen giltig Unicode-text) (angivet: 'Anna\\ud800Svensson').")


def test_what_the_database_refuses_is_reported_as_nothing_saved(postgres_url, make_actor) -> None:  # type: ignore[no-untyped-def]
    """Should a bounded value ever get past the models, PostgreSQL's refusal is reported truthfully."""
    from records.db import make_engine, migrate, session_factory

    engine = make_engine(postgres_url)
    migrate(engine)
    db = session_factory(engine)
    nurse = make_actor(db)
    for unchecked in (CaseIntake.model_construct(patient_name="x" * 129, caller_name="", callback_phone="",
                                                 address="", kommun=None, lat=None, lon=None, personnummer=None,
                                                 patient_age=None),
                      CaseIntake.model_construct(patient_name="a\x00b", caller_name="", callback_phone="",
                                                 address="", kommun=None, lat=None, lon=None, personnummer=None,
                                                 patient_age=None)):
        with pytest.raises(DataError) as info, db() as s, s.begin():
            create_case(s, nurse, unchecked)
        message = user_message(info.value)
        assert message.startswith("Inget sparades") and "ärendet finns kvar" not in message
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    engine.dispose()


def test_patient_import_refuses_long_names_and_nul_naming_line_and_column(db, make_actor,  # type: ignore[no-untyped-def]
                                                                         tmp_path: Path) -> None:
    admin = make_actor(db, "admin", Role.ADMIN)
    csv = tmp_path / "export.csv"
    csv.write_text(HEADER + "19121212-1212;Ok;;;nej;nej;;\n"
                   f"19400517-9835;{'x' * 129};;;nej;nej;;\n"
                   "19121212-1212;Tolvan;;ASIH\x00Lund;nej;nej;;\n", encoding="utf-8")
    with pytest.raises(PatientImportError) as info, db() as s, s.begin():
        import_patients(s, admin, csv)
    assert "rad 3, fält 'namn': är för långt (129 tecken, högst 128)" in info.value.problems
    assert "rad 4, fält 'asih': innehåller ett otillåtet styrtecken (U+0000, NUL) på plats 5" in info.value.problems
    with db() as s:
        assert s.scalars(select(Patient)).all() == []


def test_notes_comments_and_reasons_refuse_nul_but_keep_line_breaks(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    physician = make_actor(db, "rls.eva", Role.PHYSICIAN)
    with db() as s, s.begin():
        case_id = create_case(s, nurse, CaseIntake(caller_name="X")).id
        s.add(Review(case_id=case_id, reason="consult", detail="", created_at=now(), status="open"))
    with pytest.raises(OutcomeError, match="Fältet 'Anteckning' innehåller ett otillåtet styrtecken"), \
            db() as s, s.begin():
        record_outcome(s, nurse, case_id, "referred", note="rad ett\nrad två\x00")
    with pytest.raises(ValidationError, match="Fältet 'Anteckning'"):
        FeedOutcome(unit_id="AMB-1", case_id=case_id, code="referred", note="\x00")
    with pytest.raises(ValidationError, match="Fältet 'Enhet' är för långt"):
        FeedOutcome(unit_id="A" * 33, case_id=case_id, code="referred")
    with pytest.raises(ValidationError, match="Fältet 'Motivering för överstyrning'"):
        CompletedTriage(ruleset_version="v", complaint="c", endpoint_code="e", priority="2", care_need={},
                        override_priority="1", override_reason="för att\x00")
    with db() as s, s.begin():
        review_id = s.scalar(select(Review.id))
        with pytest.raises(TextFieldError, match="Fältet 'Kommentar' innehåller"):
            comment_review(s, physician, review_id, "ok\x00")
        comment_review(s, physician, review_id, "rad ett\nrad två\tmed tabb")
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 0
        assert s.scalar(select(Review.comment)) == "rad ett\nrad två\tmed tabb"


def test_check_text_allows_line_breaks_only_in_free_text() -> None:
    assert check_text("a\nb\tc\r\n", "Anteckning", None, multiline=True) == "a\nb\tc\r\n"
    with pytest.raises(TextFieldError, match="en otillåten radbrytning"):
        check_text("a\nb", "Adress", 256)
    with pytest.raises(TextFieldError, match="NUL"):
        check_text("a\x00", "Anteckning", None, multiline=True)


def test_user_message_strips_pydantic_english() -> None:
    with pytest.raises(ValidationError) as info:
        CaseIntake(personnummer="19121212-1213")
    assert user_message(info.value) == "'19121212-1213': kontrollsiffran stämmer inte."
    with pytest.raises(ValidationError) as info:
        CaseIntake(lat="norr")
    assert user_message(info.value) == "Ogiltigt värde i fältet 'Latitud': ska vara ett tal (angivet: 'norr')."
    with pytest.raises(ValidationError) as info:
        CaseIntake(patient_age=200)
    assert user_message(info.value) == "Ogiltigt värde i fältet 'Patientens ålder': ska vara högst 130 (angivet: 200)."
