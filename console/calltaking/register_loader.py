"""The address register, read and indexed once at the console's start, off the GUI thread.

Reading half a million addresses and building their search index takes seconds: it runs on a thread of its own
(not the database worker, whose queue the nurse's first Ctrl+N must not wait behind), in its own transaction, with
its own connection from the pool (on PostgreSQL the second of LARMCENTRAL_DB_POOL_SIZE's two, for those seconds).
The address field takes free text meanwhile and says "Adressregistret laddas…". `loaded` brings the index and what
the map draws; the register's rows themselves are let go once indexed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal
from sqlalchemy.orm import Session, sessionmaker

from console.errors import user_message
from console.numbers import number
from records.address_register import load_register
from records.db import transaction
from resources.location.address_index import AddressIndex


@dataclass(frozen=True)
class RegisterSummary:
    """What the console shows about the register, and its points for the map (numpy arrays, WGS84)."""

    source: str
    fictitious: bool
    count: int
    imported_at: datetime | None
    lat: np.ndarray
    lon: np.ndarray

    def hint(self) -> str | None:
        """The line under the address field: the demo register says it is fictitious; a real one says nothing."""
        if self.fictitious:
            return f"Fiktivt demoregister ({number(self.count, 0)} adresser) – inga verkliga adresser"
        return None


NO_REGISTER = "Inget adressregister importerat – kommunens centrum används som position"


class RegisterLoader(QThread):
    """`loaded(index, summary)` — both None when the database holds no register — or `failed(Swedish reason)`."""

    loaded = Signal(object, object)
    failed = Signal(str)

    def __init__(self, factory: sessionmaker[Session], parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName("address-register")
        self._factory = factory

    def run(self) -> None:
        try:
            with transaction(self._factory, bound=None) as session:  # seconds, not a statement's bound
                register = load_register(session)
            if register is None or not register.addresses:
                self.loaded.emit(None, None)
                return
            index = AddressIndex.build(register.addresses, register.places)
            summary = RegisterSummary(
                source=register.source, fictitious=bool(register.fictitious), count=len(register.addresses),
                imported_at=register.imported_at,
                lat=np.fromiter((a.lat for a in register.addresses), float, len(register.addresses)),
                lon=np.fromiter((a.lon for a in register.addresses), float, len(register.addresses)))
            del register
            self.loaded.emit(index, summary)
        except Exception as exc:  # noqa: BLE001 - told on the GUI thread; the field keeps working without it
            self.failed.emit(user_message(exc))
