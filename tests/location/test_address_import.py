"""The address register's import (records.address_file, records.address_register): a good file in each accepted
shape, every bad row named by line and column, the register replaced whole in one transaction and kept whole when
the replacement fails, and the import audited with its user."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import records.address_register
from outcomes.system_jobs import system_actor
from records.actor import NotPermitted
from records.address_file import RegisterFileError, read_address_file, read_place_file
from records.address_register import (
    DEMO_ACTION,
    IMPORT_ACTION,
    RegisterAddress,
    RegisterPlace,
    UnknownKommun,
    load_register,
    register_info,
    register_rows,
    replace_register,
)
from records.csv_table import MAX_LISTED
from records.db import transaction
from records.identity import IMPORT_USER
from records.models import Address, AddressRegister, AuditEntry, PlaceName
from resources.location.model import AddressRow, PlaceRow
from resources.location.sweref import sweref_to_wgs84
from resources.vocabulary import Role

HEADER = "kommunkod;kommunnamn;adressomrade;adressplatsnummer;bokstavstillagg;postnummer;postort;n;e"
GOOD = [
    "1281;Lund;Stortorget;1;;222 23;Lund;6176845,2;387270,5",
    "1281;Lund;Stortorget;1;A;222 23;Lund;6176850;387272",
    "1286;Ystad;Stora Östergatan;12;B;27134;Ystad;6143200;425400",
    "1286;;Hamnen;;;27139;Ystad;6142900;425600",  # an address without a number (and no kommunnamn)
    "1290;Kristianstad;Storgatan;7;;291 31;Kristianstad;6209700;447400",
]


def write(path: Path, lines: list[str], *, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path, reader=read_address_file) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(RegisterFileError) as caught:
        reader(path)
    return caught.value.problems


def test_a_good_file_reads_every_address_in_wgs84(tmp_path: Path) -> None:
    rows = read_address_file(write(tmp_path / "a.csv", [HEADER, *GOOD]))
    assert [(r.street, r.number, r.letter, r.postnummer, r.postort, r.kommunkod, r.kommun) for r in rows] == [
        ("Stortorget", 1, "", "22223", "Lund", "1281", "Lund"),
        ("Stortorget", 1, "A", "22223", "Lund", "1281", "Lund"),
        ("Stora Östergatan", 12, "B", "27134", "Ystad", "1286", "Ystad"),
        ("Hamnen", None, "", "27139", "Ystad", "1286", "Ystad"),
        ("Storgatan", 7, "", "29131", "Kristianstad", "1290", "Kristianstad"),
    ]
    assert (rows[0].north, rows[0].east) == (6176845.2, 387270.5)  # decimal comma in a ;-file
    assert (rows[0].lat, rows[0].lon) == sweref_to_wgs84(387270.5, 6176845.2)  # (test_sweref_reference checks it)


def test_any_column_order_comma_separated_a_bom_aliases_and_the_letter_in_the_number(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", ["Postort,Postnummer,Gatunamn,Nummer,Kommunkod,Northing,Easting,Extra",
                                      "Lund,22223,Stortorget,1B,1281,6176845.2,387270.5,ignored",
                                      "",  # a blank line is skipped
                                      "Lund,22223,Stortorget,2,1281,6 176 850,387 272,"], bom=True)
    rows = read_address_file(path)
    assert [(r.street, r.number, r.letter, r.kommun, r.north, r.east) for r in rows] == [
        ("Stortorget", 1, "B", "Lund", 6176845.2, 387270.5), ("Stortorget", 2, "", "Lund", 6176850.0, 387272.0)]


def test_every_bad_row_is_named_by_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", [
        HEADER,
        GOOD[0],
        "1281;Lund;Stortorget;1;;222 23;Lund;6176845;387270",  # 3: the same address as line 2
        "0180;;Drottninggatan;1;;11151;Stockholm;6581000;674000",  # 4: a kommun outside Skåne
        "1299;;Gatan;1;;22222;Lund;6176845;387270",  # 5: no such kommun
        "1280;Lund;Gatan;1;;22222;Lund;6176845;387270",  # 6: the name is another kommun's
        ";;;x;;2222;;abc;387270",  # 7: several at once
        "1281;;Gatan;3;;22222;Lund;387270;6176845",  # 8: N and E swapped
        "1281;;Gatan;4;;22222;Lund;6176845;1330000",  # 9: RT 90
        "1281;;Gatan;5;;22222;Lund;55.7;13.2",  # 10: degrees
        "1281;;Gatan;6;;22222;Lund;6300000;500000",  # 11: in SWEREF 99 TM, but in Småland
        "1281;;Gatan;7",  # 12: too few fields
        "1281;;Gatan;8;;22222;Lund;6176845;387270;x",  # 13: too many
        "1281;;Gatan;;C;22222;Lund;6176845;387270",  # 14: a letter without a number
        "1281;;Gata\x07n;9;;22222;Lund;6176845;387270",  # 15: a control character
        "1281;;Gatan;10;;22222;Lund;nan;387270",  # 16: not a finite number
    ])
    assert problems_of(path) == [
        "rad 3: adressen Stortorget 1, Lund finns redan på rad 2",
        "rad 4, kolumn 'kommunkod': 0180 är en kommun utanför Skåne (län 01); registret gäller Skånes kommuner (12xx)",
        "rad 5, kolumn 'kommunkod': okänd kommunkod 1299",
        "rad 6, kolumn 'kommunnamn': 'Lund' stämmer inte med kommunkod 1280 (Malmö)",
        "rad 7, kolumn 'kommunkod': '' är ingen kommunkod (fyra siffror, t.ex. 1281 för Lund)",
        "rad 7, kolumn 'adressomrade': adressområdet (gatunamnet) saknas",
        "rad 7, kolumn 'adressplatsnummer': 'x' är inget adressplatsnummer (1–99999, eventuellt med bokstav: 12 "
        "eller 12B)",
        "rad 7, kolumn 'postnummer': '2222' är inget postnummer (fem siffror, t.ex. 291 31)",
        "rad 7, kolumn 'postort': postorten saknas",
        "rad 7, kolumn 'n': 'abc' är inget tal (meter i SWEREF 99 TM)",
        "rad 8, kolumn 'n': N 387270 och E 6176845 verkar omkastade (i SWEREF 99 TM är N 6 090 000–7 690 000 och "
        "E 180 000–1 090 000 meter)",
        "rad 9, kolumn 'e': E 1330000 ser ut som RT 90 (Y 1 200 000–1 900 000); registret ska vara i SWEREF 99 TM "
        "(EPSG:3006)",
        "rad 10, kolumn 'n': 55.7 ligger utanför SWEREF 99 TM:s område i Sverige (N 6 090 000–7 690 000 meter) – "
        "grader eller ett annat system?",
        "rad 11, kolumnerna 'n' och 'e': punkten N 6300000, E 500000 (56.84381, 15.00000) ligger utanför Skåne",
        "rad 12: för få fält (4, rubriken har 9)",
        "rad 13: för många fält (10, rubriken har 9; decimalkomma i en kommaseparerad fil?)",
        "rad 14, kolumn 'bokstavstillagg': bokstavstillägget 'C' saknar adressplatsnummer",
        "rad 15, kolumn 'adressomrade': innehåller ett otillåtet tecken (U+0007) på plats 5",
        "rad 16, kolumn 'n': 'nan' är inget tal (meter i SWEREF 99 TM)",
    ]


def test_columns_are_named_as_the_file_writes_them(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", ["Kommunkod;Gatunamn;Nummer;Postnummer;Postort;Northing;Easting",
                                      "1281;Stortorget;1;2222;Lund;6176845;387270"])
    assert problems_of(path) == ["rad 2, kolumn 'Postnummer': '2222' är inget postnummer (fem siffror, t.ex. 291 31)"]


def test_a_file_without_its_columns_or_rows_is_refused_at_line_1(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path / "x.csv", ["kommunkod;gatunamn;nummer;postnummer;postort;x;y"])) == [
        "rad 1: kolumner saknas: n, e (kolumnerna x och y tas inte emot: x är norr i svensk lantmäteritradition "
        "men öst i GIS – döp dem till n och e)"]
    assert problems_of(write(tmp_path / "empty.csv", [""])) == [
        "rad 1: filen är tom (en rubrikrad med kolumnnamnen väntades)"]
    assert problems_of(write(tmp_path / "header.csv", [HEADER])) == ["filen har inga rader efter rubrikraden"]
    (tmp_path / "latin1.csv").write_bytes((HEADER + "\n1281;;Östergatan;1;;22223;Lund;6176845;387270\n")
                                          .encode("latin-1"))
    assert problems_of(tmp_path / "latin1.csv") == ["rad 2: filen är inte UTF-8-kodad (spara den som UTF-8)"]
    assert problems_of(tmp_path / "missing.csv")[0].startswith("filen kan inte läsas")


def test_the_listing_stops_at_fifty_lines_and_counts_the_rest(tmp_path: Path) -> None:
    bad = [f"1281;;Gatan;{i};;2222;Lund;6176845;387270" for i in range(1, 121)]
    path = write(tmp_path / "many.csv", [HEADER, *bad])
    with pytest.raises(RegisterFileError) as caught:
        read_address_file(path)
    assert caught.value.count == 120 and len(caught.value.problems) == MAX_LISTED == 50
    assert [p.split(",")[0] for p in caught.value.problems] == [f"rad {n}" for n in range(2, 52)]
    assert str(caught.value).startswith(f"{path}: importen avbröts, inget ändrades (120 fel)\n  - rad 2,")
    assert str(caught.value).endswith("\n  … och 70 fel till")


def test_place_names_read_and_their_bad_rows_are_named(tmp_path: Path) -> None:
    good = write(tmp_path / "orter.csv", ["namn;typ;kommunkod;n;e",
                                          "Brösarp;Småort;1270;6175500;447600",
                                          "Skånes universitetssjukhus Lund;sjukhus;1281;6177600;387500"])
    assert [(p.name, p.kind, p.kommunkod, p.kommun) for p in read_place_file(good)] == [
        ("Brösarp", "småort", "1270", "Tomelilla"), ("Skånes universitetssjukhus Lund", "sjukhus", "1281", "Lund")]
    bad = write(tmp_path / "orter2.csv", ["namn;typ;kommunkod;n;e",
                                          "Brösarp;småort;1270;6175500;447600",
                                          "Brösarp;småort;1270;6175510;447610",
                                          ";42;1270;6175500;447600"])
    assert problems_of(bad, read_place_file) == [
        "rad 3: småort Brösarp i Tomelilla finns redan på rad 2",
        "rad 4, kolumn 'namn': namnet saknas",
        "rad 4, kolumn 'typ': '42' är ingen typ (ett ord med små bokstäver, högst 32 tecken, t.ex. tätort, småort, "
        "sjukhus)",
    ]


def _rows(tmp_path: Path, lines: list[str]) -> list[RegisterAddress]:
    return read_address_file(write(tmp_path / f"f{len(lines)}.csv", [HEADER, *lines]))


PLACES = [RegisterPlace("Brösarp", "småort", "1270", "Tomelilla", 55.72, 14.10)]


def test_the_import_stores_the_register_and_audits_it_with_its_user(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = make_actor(db, "admin.karta", Role.ADMIN)
    rows = _rows(tmp_path, GOOD)
    with transaction(db) as s:
        assert register_info(s) is None and load_register(s) is None
        info = replace_register(s, admin, rows, PLACES, source="adresser.csv", fictitious=False, file="adresser.csv")
    assert (info.addresses, info.places, info.imported_by) == (5, 1, "admin.karta")
    with transaction(db) as s:
        stored = register_info(s)
        register = load_register(s)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == IMPORT_ACTION)).one()
        kept = s.scalars(select(Address).order_by(Address.id)).all()
    assert stored is not None and (stored.source, stored.fictitious, stored.addresses, stored.places,
                                   stored.imported_by) == ("adresser.csv", False, 5, 1, "admin.karta")
    assert register is not None and register.source == "adresser.csv" and not register.fictitious
    assert register.addresses == [AddressRow(r.street, r.number, r.letter, r.postnummer, r.postort, r.kommun,
                                             r.lat, r.lon) for r in rows]
    assert register.places == [PlaceRow("Brösarp", "småort", "Tomelilla", 55.72, 14.10)]
    assert [(a.kommunkod, a.east, a.north) for a in kept] == [(r.kommunkod, r.east, r.north) for r in rows]
    assert entry.user_id == admin.user_id and entry.role == "admin"
    assert entry.detail == {"source": "adresser.csv", "fictitious": False, "addresses": 5, "places": 1,
                            "file": "adresser.csv"}


def test_only_an_administrator_may_replace_the_register(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    with pytest.raises(NotPermitted), transaction(db) as s:
        replace_register(s, nurse, _rows(tmp_path, GOOD), [], source="x.csv", fictitious=False)
    with transaction(db) as s:
        assert register_info(s) is None and s.scalar(select(func.count()).select_from(Address)) == 0


def test_the_import_system_user_may_import_but_not_store_the_demo_register(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        system = system_actor(s, IMPORT_USER, console="natt")  # as the nightly job signs in: its one role, no admin
    with transaction(db) as s:
        replace_register(s, system, _rows(tmp_path, GOOD), [], source="natt.csv", fictitious=False)
    with pytest.raises(NotPermitted, match="får bara utföra sitt eget jobb"), transaction(db) as s:
        replace_register(s, system, _rows(tmp_path, GOOD[:1]), [], source="demo", fictitious=True,
                         action=DEMO_ACTION)
    with transaction(db) as s:
        info = register_info(s)
    assert info is not None and (info.source, info.imported_by, info.addresses) == ("natt.csv", IMPORT_USER, 5)


def test_a_reimport_replaces_the_whole_register(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = make_actor(db, "admin.karta", Role.ADMIN)
    with transaction(db) as s:
        replace_register(s, admin, _rows(tmp_path, GOOD), PLACES, source="först.csv", fictitious=True)
    with transaction(db) as s:
        replace_register(s, admin, _rows(tmp_path, GOOD[2:4]), [], source="sedan.csv", fictitious=False)
    with transaction(db) as s:
        register = load_register(s)
        assert s.scalar(select(func.count()).select_from(AddressRegister)) == 1
        assert s.scalar(select(func.count()).select_from(PlaceName)) == 0
    assert register is not None and (register.source, register.fictitious) == ("sedan.csv", False)
    assert [(a.street, a.number) for a in register.addresses] == [("Stora Östergatan", 12), ("Hamnen", None)]


def test_a_reimport_failing_mid_insert_leaves_the_old_register_whole(db, make_actor, tmp_path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch) -> None:
    admin = make_actor(db, "admin.karta", Role.ADMIN)
    old = _rows(tmp_path, GOOD)
    with transaction(db) as s:
        replace_register(s, admin, old, PLACES, source="gammal.csv", fictitious=False)
    monkeypatch.setattr(records.address_register, "BATCH", 1000)  # SQLite: two batches land before the bad one
    template = old[0]
    new = [template._replace(number=i) for i in range(1, 2501)]
    new[2100] = new[2100]._replace(street=None)  # NOT NULL, refused by the database itself
    with pytest.raises(IntegrityError), transaction(db, bound=None) as s:
        replace_register(s, admin, new, [], source="ny.csv", fictitious=False)
    with transaction(db) as s:
        register = load_register(s)
        info = register_info(s)
        assert s.scalar(select(func.count()).select_from(Address)) == len(old)
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == IMPORT_ACTION)) == 1
    assert info is not None and (info.source, info.addresses, info.places) == ("gammal.csv", 5, 1)
    assert register is not None and [a.street for a in register.addresses] == [r.street for r in old]


def test_a_register_given_in_wgs84_gets_its_kommunkod_and_sweref_points() -> None:
    addresses = [AddressRow("Storgatan", 3, "", "291 31", "Kristianstad", "Kristianstad", 56.0294, 14.1567)]
    stored, places = register_rows(addresses, [PlaceRow("Åhus", "tätort", "Kristianstad", 55.92, 14.29)])
    (row,) = stored
    assert (row.kommunkod, row.postnummer, row.lat, row.lon) == ("1290", "29131", 56.0294, 14.1567)
    lat, lon = sweref_to_wgs84(row.east, row.north)
    assert math.isclose(lat, 56.0294, abs_tol=1e-7) and math.isclose(lon, 14.1567, abs_tol=1e-7)
    assert places == [RegisterPlace("Åhus", "tätort", "1290", "Kristianstad", 55.92, 14.29)]
    with pytest.raises(UnknownKommun):
        register_rows([addresses[0]._replace(kommun="Växjö")], [])
