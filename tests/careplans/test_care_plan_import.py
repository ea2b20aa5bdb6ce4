"""The nightly care-plan export, on SQLite and PostgreSQL: a good file fills the register (items in file order, the
hours parsed, Swedish codes read without case or diacritics), audited with the importing user; a broken file is
refused with every bad line and column named and nothing written; a re-import replaces everything, the
administrator's hand edits counted; warnings for unknown teams and patients."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from care_plan_helpers import (
    ASIH_LUND,
    ASTA,
    GOOD,
    HEADER,
    LUND_NORR,
    OKAND,
    TODAY,
    TOLVAN,
    add_patients,
    audit_rows,
    plan_tables,
    write,
)
from sqlalchemy.orm import Session, sessionmaker

from commands import SetTreatmentLimitation, run
from records.actor import NotPermitted
from records.care_plan_import import CarePlanImportError, import_care_plans
from records.care_plans import LimitationInput, care_plan_for
from records.db import transaction
from records.identity import IMPORT_USER, provision_and_sign_in
from resources.care_plan import LimitationKind, PlanItem, PlanItemKind
from resources.fleet import default_fleet
from resources.vocabulary import Role


def _import(db: sessionmaker[Session], actor, path: Path):  # type: ignore[no-untyped-def]
    with transaction(db, bound=None) as s:
        return import_care_plans(s, actor, path, fleet=default_fleet(), today=TODAY)


def test_a_good_file_fills_the_register_and_is_audited(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_patients(db, TOLVAN, ASTA)
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    result = _import(db, admin, write(tmp_path, GOOD))
    assert (result.plans, result.items, result.limitations, result.orders) == (2, 4, 2, 2)
    assert (result.replaced, result.manual_replaced, result.warnings) == (0, 0, [])

    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    with transaction(db) as s:
        view = care_plan_for(s, nurse, "191212121212", today=TODAY)
    [plan] = view.plans
    assert (plan.team, plan.author, plan.written_on, plan.valid_until, plan.expired) == (
        LUND_NORR, "Maja Exempel", date(2026, 1, 10), date(2026, 6, 30), False)
    assert plan.items == [
        PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="Extra furosemid enligt ordination"),
        PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=time(8), hours_to=time(17)),
        PlanItem(kind=PlanItemKind.PHYSICIAN_CAR, text="Läkarbil nattetid", hours_from=time(17), hours_to=time(8))]
    assert plan.free_text == "Hjärtsvikt. Vid andnöd: extra furosemid, ring teamet."
    assert plan.source == "vardplaner.csv"
    [lim] = view.limitations
    assert (lim.kind, lim.label, lim.decided_by, lim.decided_on, lim.documented_in, lim.note) == (
        LimitationKind.NO_CPR, "Ej HLR", "Sigrid Demoläkare", date(2026, 2, 1), "Journal VC Lund Norr",
        "Beslutat med patienten och dottern")
    [order] = view.standing_orders
    assert (order.team, order.text, order.valid_until, order.expired) == (LUND_NORR, "IV-furosemid 40 mg",
                                                                          date(2026, 6, 30), False)
    [imported] = audit_rows(db, "careplans.import")
    assert imported.user_id == admin.user_id and imported.role == "admin"
    assert {k: imported.detail[k] for k in ("plans", "items", "limitations", "orders", "replaced")} == {
        "plans": 2, "items": 4, "limitations": 2, "orders": 2, "replaced": 0}


def test_the_import_system_user_may_import_and_a_nurse_may_not(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, GOOD)
    with pytest.raises(NotPermitted, match="får inte importera vårdplaner"):
        _import(db, make_actor(db, "ssk.anna", Role.NURSE), path)
    assert plan_tables(db) == {"plans": [], "limitations": [], "orders": []}
    with transaction(db) as s:
        system = provision_and_sign_in(s, IMPORT_USER, Role.ADMIN, console="natt")
    assert _import(db, system, path).plans == 2


BROKEN = f"""{HEADER}
plan;{TOLVAN};{LUND_NORR};;;;Maja Exempel;2026-01-10;2026-06-30;;;
plan;19121212-1213;{LUND_NORR};;;;Maja Exempel;2026-01-10;2026-06-30;;;
plan;{ASTA};{ASIH_LUND};;;;Per Prov;2026-02-10;2026-01-31;;;
plan;{ASTA};{LUND_NORR};;;;Per Prov;10/2 2026;2026-02-30;;;
plan;{TOLVAN};{LUND_NORR};;;;Maja Exempel;2026-01-10;2026-06-30;;;
atgard;{TOLVAN};{LUND_NORR};ej_hlr;Ring;;;;;;;
atgard;{TOLVAN};{LUND_NORR};ring_teamet;Ring teamet;8 till 17;;;;;;
atgard;{OKAND};{LUND_NORR};annat;Något;;;;;;;
begransning;{TOLVAN};;ej_hlr;;;;;;;2026-02-01;Journal
begransning;{TOLVAN};;annan;;;;;;Sigrid Demoläkare;2026-05-01;Journal
begransning;{TOLVAN};;ej_hlr;;;Maja Exempel;;;Sigrid Demoläkare;2026-02-01;Journal
ordination;{TOLVAN};{LUND_NORR};;IV-furosemid 40 mg;;;;2026-06-30;;;
ordination;{TOLVAN};{LUND_NORR};;IV-furosemid 40 mg;;;;2026-07-30;;;
vårdplan;{TOLVAN};{LUND_NORR};;;;;;;;;
ordination;{TOLVAN};{LUND_NORR};;Morfin;;;;2026-06-30;;;;extra
ordination;{TOLVAN};{LUND_NORR}
atgard;{ASTA};{ASIH_LUND};annat;Ett steg i planen på rad 4, som är fel: inte fel en gång till;;;;;;;
"""


def test_every_bad_row_is_named_by_line_and_column_and_nothing_is_written(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    _import(db, admin, write(tmp_path, GOOD))
    before = plan_tables(db)
    with pytest.raises(CarePlanImportError) as refused:
        _import(db, admin, write(tmp_path, BROKEN, "trasig.csv"))
    assert refused.value.problems == [
        "rad 3, fält 'personnummer': '19121212-1213': kontrollsiffran stämmer inte.",
        "rad 4, fält 'giltig_till': planen gäller till 2026-01-31, före dagen den skrevs (2026-02-10)",
        "rad 5, fält 'skriven': '10/2 2026' är inget datum; skriv ÅÅÅÅ-MM-DD",
        "rad 5, fält 'giltig_till': '2026-02-30' finns inte i kalendern",
        f"rad 6: planen från '{LUND_NORR}' för {TOLVAN} finns redan på rad 2",
        "rad 7, fält 'slag': 'ej_hlr' är ingen åtgärd vid försämring "
        "(ring_teamet, lakarbil, behandling_i_hemmet, ej_sjukhus, annat)",
        "rad 8, fält 'tider': '8 till 17' är inga klockslag (skriv t.ex. 08-17 eller 22:00-07:00)",
        f"rad 9: åtgärden hör inte till någon plan: filen har ingen rad av typ 'plan' för {OKAND} och '{LUND_NORR}'",
        "rad 10, fält 'beslutad_av': saknas (krävs för typ 'begransning')",
        "rad 11, fält 'beslutad': 2026-05-01 ligger i framtiden",
        "rad 11, fält 'text': en annan begränsning måste beskrivas i texten",
        "rad 12, fält 'forfattare': ska vara tomt för typ 'begransning' (angivet: 'Maja Exempel')",
        f"rad 14: ordinationen 'IV-furosemid 40 mg' från '{LUND_NORR}' för {TOLVAN} finns redan på rad 13",
        "rad 15, fält 'typ': 'vårdplan' är ingen radtyp (plan, atgard, begransning, ordination)",
        "rad 16: för många fält",
        "rad 17: för få fält (3 av 12)",
    ]
    assert "trasig.csv: importen avbröts, inget ändrades (16 fel)" in str(refused.value)
    assert plan_tables(db) == before
    assert len(audit_rows(db, "careplans.import")) == 1  # the good file's only


def test_a_file_bad_on_every_line_lists_the_first_fifty_and_counts_the_rest(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = "\n".join(f"ordination;{TOLVAN};{LUND_NORR};;Order {i};;;;30/6 2026;;;" for i in range(120))
    with pytest.raises(CarePlanImportError) as refused:
        _import(db, make_actor(db, "admin.eva", Role.ADMIN), write(tmp_path, f"{HEADER}\n{rows}\n"))
    assert len(refused.value.problems) == 120
    message = str(refused.value).splitlines()
    assert message[0].endswith("importen avbröts, inget ändrades (120 fel)")
    assert message[1:3] == ["  - rad 2, fält 'giltig_till': '30/6 2026' är inget datum; skriv ÅÅÅÅ-MM-DD",
                            "  - rad 3, fält 'giltig_till': '30/6 2026' är inget datum; skriv ÅÅÅÅ-MM-DD"]
    assert len(message) == 1 + 50 + 1 and message[-1] == "  … och 70 fel till"


def test_an_empty_export_or_a_missing_column_is_refused(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    _import(db, admin, write(tmp_path, GOOD))
    before = plan_tables(db)
    with pytest.raises(CarePlanImportError, match="filen har inga rader: en tom export skulle ta bort alla"):
        _import(db, admin, write(tmp_path, HEADER + "\n", "tom.csv"))
    with pytest.raises(CarePlanImportError, match="rad 1: kolumner saknas: tider, dokumenterad_i"):
        _import(db, admin, write(tmp_path, HEADER.replace(";tider", "").replace(";dokumenterad_i", "") + "\n",
                                 "gammal.csv"))
    assert plan_tables(db) == before


def test_a_reimport_replaces_everything_and_counts_the_hand_edits_it_replaced(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_patients(db, TOLVAN, ASTA)
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    _import(db, admin, write(tmp_path, GOOD))
    run(db, admin, SetTreatmentLimitation(limitation=LimitationInput(
        personnummer=ASTA, kind=LimitationKind.NO_CPR, decided_by="Sigrid Demoläkare", decided_on=TODAY,
        documented_in="Telefon från ASIH-läkaren")))
    second = f"""{HEADER}
ordination;{ASTA};{ASIH_LUND};;Midazolam 2,5 mg s.c.;;;;2026-04-30;;;
"""
    result = _import(db, admin, write(tmp_path, second, "vardplaner-2.csv"))
    assert (result.plans, result.limitations, result.orders, result.replaced, result.manual_replaced) == (
        0, 0, 1, 7, 1)
    assert plan_tables(db) == {"plans": [], "limitations": [], "orders": [
        (ASTA, ASIH_LUND, "Midazolam 2,5 mg s.c.", date(2026, 4, 30), "vardplaner-2.csv")]}
    assert audit_rows(db, "careplans.import")[-1].detail["manual_replaced"] == 1


def test_unknown_teams_and_patients_are_warned_about_and_the_import_stands(db, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_patients(db, TOLVAN)
    text = f"""{HEADER}
plan;{TOLVAN};VC Lund Norr;;;;Maja Exempel;2026-01-10;2026-06-30;;;
begransning;{ASTA};;ej_hlr;;;;;;Sigrid Demoläkare;2026-02-01;Journal
ordination;{TOLVAN};{LUND_NORR};;IV-furosemid 40 mg;;;;2026-06-30;;;
"""
    result = _import(db, make_actor(db, "admin.eva", Role.ADMIN), write(tmp_path, text))
    assert result.warnings == [
        f"rad 3, fält 'personnummer': {ASTA} finns inte i patientregistret",
        "rad 2, fält 'team': 'VC Lund Norr' finns inte bland flottans enheter och kommer aldrig att matchas"]
    assert (result.plans, result.limitations, result.orders) == (1, 1, 1)
