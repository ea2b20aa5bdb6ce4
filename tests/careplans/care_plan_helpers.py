"""Shared data for the care-plan tests: a good export file, the patients it names, the tables it fills."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from records.models import AuditEntry, CarePlanRow, Patient, StandingOrderRow, TreatmentLimitationRow

TODAY = date(2026, 3, 2)
TOLVAN, ASTA, OKAND = "19121212-1212", "19400505-9813", "19520808-9820"  # test-series numbers only
LUND_NORR, ASIH_LUND = "Vårdcentralen Lund Norr", "ASIH Lund"
HEADER = "typ;personnummer;team;slag;text;tider;forfattare;skriven;giltig_till;beslutad_av;beslutad;dokumenterad_i"
GOOD = f"""{HEADER}
plan;{TOLVAN};{LUND_NORR};;Hjärtsvikt. Vid andnöd: extra furosemid, ring teamet.;;Maja Exempel;2026-01-10;2026-06-30;;;
åtgärd;191212121212;{LUND_NORR};Behandling i hemmet;Extra furosemid enligt ordination;;;;;;;
atgard;{TOLVAN};{LUND_NORR};ring_teamet;Ring teamet dagtid;08-17;;;;;;
ATGARD;{TOLVAN};{LUND_NORR};Läkarbil;Läkarbil nattetid;17:00-08:00;;;;;;
begränsning;{TOLVAN};;Ej HLR;Beslutat med patienten och dottern;;;;;Sigrid Demoläkare;2026-02-01;Journal VC Lund Norr
ordination;{TOLVAN};{LUND_NORR};;IV-furosemid 40 mg;;;;2026-06-30;;;
plan;{ASTA};{ASIH_LUND};;;;Per Prov;2025-06-01;2026-02-28;;;
atgard;{ASTA};{ASIH_LUND};ej sjukhus;Vill dö hemma;;;;;;;
begransning;{ASTA};;ej_iva;;;;;;Sigrid Demoläkare;2025-06-01;Journal ASIH Lund
ordination;{ASTA};{ASIH_LUND};;Morfin 5 mg s.c.;;;;2026-01-31;;;
"""


def write(tmp_path: Path, text: str, name: str = "vardplaner.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def add_patients(factory: sessionmaker[Session], *pnrs: str) -> None:
    with factory() as s, s.begin():
        for pnr in pnrs:
            s.add(Patient(personnummer=pnr, name="Test", updated_at=datetime(2026, 1, 1, tzinfo=UTC), source="test"))


def plan_tables(factory: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """The three tables' rows (without ids and times, which a re-import changes)."""
    with factory() as s:
        return {
            "plans": sorted((r.personnummer, r.team, r.author, r.written_on, r.valid_until, repr(r.items), r.free_text,
                             r.source) for r in s.scalars(select(CarePlanRow))),
            "limitations": sorted((r.personnummer, r.kind, r.decided_by, r.decided_on, r.documented_in, r.note,
                                   r.source) for r in s.scalars(select(TreatmentLimitationRow))),
            "orders": sorted((r.personnummer, r.team, r.text, r.valid_until, r.source)
                             for r in s.scalars(select(StandingOrderRow))),
        }


def audit_rows(factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with factory() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        s.expunge_all()
        return rows
