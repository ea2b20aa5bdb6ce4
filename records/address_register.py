"""The address register: Skåne's belägenhetsadresser and place names, stored whole and replaced whole
(docs/address-register.md).

A re-import deletes the old register and inserts the new one in the caller's single transaction, so a reader
sees the old register or the new one, never a mix, and a failure anywhere leaves the old one as it was. Half a
million rows must go in within seconds: on SQLite one prepared INSERT run by the driver's executemany in batches,
on PostgreSQL COPY (measured at 500 000 addresses: COPY 3.8 s, psycopg's pipelined executemany 12–14 s,
SQLAlchemy's Core insert of dicts 16–22 s; on SQLite the driver's executemany 2.5 s, Core dicts 7 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.bulk import paused_gc
from records.identity import start_import
from records.models import Address, AddressRegister, PlaceName, User
from resources.geography import default_geography
from resources.location.model import AddressRow, PlaceRow
from resources.location.sweref import wgs84_to_sweref_many

IMPORT_ACTION = "addresses.import"
DEMO_ACTION = "addresses.demo"
BATCH = 10_000  # rows per executemany on SQLite (5 000 and 50 000 measured the same)


class RegisterAddress(NamedTuple):
    """One `addresses` row, in the table's column order (the tuples go to the driver as they are)."""

    street: str
    number: int | None
    letter: str
    postnummer: str
    postort: str
    kommunkod: str
    kommun: str
    east: float
    north: float
    lat: float
    lon: float


class RegisterPlace(NamedTuple):
    """One `place_names` row, in the table's column order."""

    name: str
    kind: str
    kommunkod: str
    kommun: str
    lat: float
    lon: float


_ADDRESS_COLUMNS = RegisterAddress._fields
_PLACE_COLUMNS = RegisterPlace._fields


@dataclass(frozen=True)
class RegisterInfo:
    """What is known about the stored register as a whole (`addresses info`, the console's hint)."""

    source: str
    fictitious: bool
    imported_at: datetime
    imported_by: str | None  # the user name; None when the user was removed
    addresses: int
    places: int


@dataclass(frozen=True)
class Register:
    """The whole register as the console indexes it (WGS84)."""

    addresses: list[AddressRow]
    places: list[PlaceRow]
    source: str
    fictitious: bool
    imported_at: datetime


def replace_register(session: Session, actor: Actor, addresses: Sequence[RegisterAddress],
                     places: Sequence[RegisterPlace], *, source: str, fictitious: bool,
                     action: str = IMPORT_ACTION, **detail: Any) -> RegisterInfo:
    """Replace the stored register by `addresses` and `places` in the caller's transaction, audited as `action`
    (an administrator, or the import system user for an import). Nothing is committed here: the caller's
    transaction commits all of it or none."""
    actor = start_import(session, actor, action, "ersätta adressregistret")
    session.execute(delete(Address))
    session.execute(delete(PlaceName))
    session.execute(delete(AddressRegister))
    _insert_many(session, Address.__tablename__, _ADDRESS_COLUMNS, addresses)
    _insert_many(session, PlaceName.__tablename__, _PLACE_COLUMNS, places)
    at = now()
    session.add(AddressRegister(source=source[:256], fictitious=fictitious, imported_at=at,
                                imported_by=actor.user_id, addresses=len(addresses), places=len(places)))
    audit(session, actor, action, None, source=source[:256], fictitious=fictitious, addresses=len(addresses),
          places=len(places), **detail)
    session.flush()
    return RegisterInfo(source=source[:256], fictitious=fictitious, imported_at=at, imported_by=actor.username,
                        addresses=len(addresses), places=len(places))


def _insert_many(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """The rows as they are, through the fastest path each backend has (see the module docstring)."""
    if not rows:
        return
    conn = session.connection()
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        dbapi = conn.dialect.loaded_dbapi
        sql = f"COPY {table} ({names}) FROM STDIN"
        try:
            with conn.connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        except dbapi.Error as exc:  # as SQLAlchemy's own statements raise it (records.db.transaction sorts it)
            raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc
        return
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    for start in range(0, len(rows), BATCH):
        conn.exec_driver_sql(sql, list(rows[start:start + BATCH]))


def register_info(session: Session) -> RegisterInfo | None:
    """The stored register's source, kind, time and size; None when none was ever imported."""
    row = session.execute(select(AddressRegister, User.username).outerjoin(User, User.id == AddressRegister.imported_by)
                          .order_by(AddressRegister.id.desc()).limit(1)).first()
    if row is None:
        return None
    register, username = row
    return RegisterInfo(source=register.source, fictitious=register.fictitious, imported_at=register.imported_at,
                        imported_by=username, addresses=register.addresses, places=register.places)


def load_register(session: Session) -> Register | None:
    """Every address and place name (WGS84), in import order; None when no register was imported.

    The columns are read through the driver's own cursor as plain tuples (500 000 addresses: 1.9 s on SQLite,
    2.9 s on PostgreSQL; through SQLAlchemy's result rows 3.0 and 3.2 s)."""
    info = register_info(session)
    if info is None:
        return None
    cursor = session.connection().connection.cursor()
    try:
        with paused_gc():
            cursor.execute("SELECT street, number, letter, postnummer, postort, kommun, lat, lon FROM addresses "
                           "ORDER BY id")
            addresses = list(map(AddressRow._make, cursor.fetchall()))
            cursor.execute("SELECT name, kind, kommun, lat, lon FROM place_names ORDER BY id")
            places = list(map(PlaceRow._make, cursor.fetchall()))
    finally:
        cursor.close()
    return Register(addresses=addresses, places=places, source=info.source, fictitious=info.fictitious,
                    imported_at=info.imported_at)


class UnknownKommun(ValueError):
    pass


def register_rows(addresses: Sequence[AddressRow], places: Sequence[PlaceRow]) \
        -> tuple[list[RegisterAddress], list[RegisterPlace]]:
    """Rows to store for a register given in WGS84 only (the demo's): each kommun's code from the geography,
    SWEREF 99 TM computed back from the point (to the millimetre, as Lantmäteriet's grid would hold it)."""
    code = {k.name: k.code for k in default_geography().kommuner}
    missing = sorted({a.kommun for a in addresses if a.kommun not in code} | {p.kommun for p in places
                                                                                 if p.kommun not in code})
    if missing:
        raise UnknownKommun(f"okända kommuner i registret: {', '.join(missing[:5])}")
    lat = np.fromiter((a.lat for a in addresses), float, len(addresses))
    lon = np.fromiter((a.lon for a in addresses), float, len(addresses))
    east, north = wgs84_to_sweref_many(lat, lon)
    with paused_gc():
        stored = [RegisterAddress(a.street, a.number, a.letter, a.postnummer.replace(" ", ""), a.postort,
                                  code[a.kommun], a.kommun, e, n, a.lat, a.lon)
                  for a, e, n in zip(addresses, east.round(3).tolist(), north.round(3).tolist(), strict=True)]
    return stored, [RegisterPlace(p.name, p.kind, code[p.kommun], p.kommun, p.lat, p.lon) for p in places]
