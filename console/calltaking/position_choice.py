"""The call's position: the one in use, one waiting for the nurse's confirmation, and what the case records.

Every way to a position — a hit from the address register, typed coordinates, the caller's phone position (AML),
a click on the map — ends in `offer(candidate)`. A candidate whose position is doubtful (`Position.flag`: outside
Skåne, an accuracy worse than LARMCENTRAL_POSITION_MAX_ACCURACY_M, too old) is never used silently: it waits in
`pending` until the nurse confirms it ("Använd ändå"), and the case then carries the doubt in `position_flag`, so
the dispatcher sees it too.

Decisions (the nurse's expectations):

- Editing the address text by hand after choosing a hit keeps the chosen position: adding "lgh 1102" or "port B"
  is the usual edit and must not throw the point away. While the text still contains the hit's street and
  number (the hit's label up to its first comma) it matches; once it does not, the position row says the text
  no longer matches the position, and the case records that as its flag ("Adressen ändrad efter valet …").
- Changing the kommun by hand to another kommun than the position's drops the position (it would otherwise send
  a unit to the old kommun); the row says so, and the kommun's centre stands in until a new position is chosen.
- Without any chosen position the case gets its kommun's centre, with the source `kommun_centre`, the accuracy
  KOMMUN_CENTRE_ACCURACY_M (15 km: anywhere in a kommun) and the flag KOMMUN_CENTRE_FLAG ("Ersättningsposition:
  kommunens centrum", as the demo's calls without a register): the dispatcher sees the position is rough. Without a kommun there is no position at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resources.geography import Geography
from resources.location.assess import KOMMUN_CENTRE_FLAG
from resources.location.model import KOMMUN_CENTRE_ACCURACY_M, Position, PositionSource

EDITED_FLAG = "Adressen ändrad efter valet ur adressregistret; positionen gäller %s"
FLAG_MAX = 200  # CaseIntake.position_flag


@dataclass(frozen=True)
class Candidate:
    """A position with what the nurse chose, in words ("Storgatan 12, 271 31 Ystad"), and its kommun."""

    position: Position
    label: str
    kommun: str | None

    def payload(self) -> dict[str, Any]:
        return {"position": self.position.model_dump(mode="json"), "label": self.label, "kommun": self.kommun}

    @classmethod
    def from_payload(cls, data: Any) -> Candidate | None:
        """A candidate from a draft; None for anything else (an older draft, a hand-edited file)."""
        if not isinstance(data, dict):
            return None
        try:
            position = Position.model_validate(data.get("position"))
        except ValueError:
            return None
        kommun = data.get("kommun")
        return cls(position, str(data.get("label") or ""), str(kommun) if kommun else None)


def street_part(label: str) -> str:
    """The part of a hit's label the address text must keep to still match: up to the first comma."""
    return " ".join(label.split(",")[0].casefold().split())


def matches_address(text: str, label: str) -> bool:
    """Whether the address field still says what was chosen (extra words such as "lgh 1102" allowed)."""
    part = street_part(label)
    return bool(part) and part in " ".join(text.casefold().split())


class PositionChoice:
    def __init__(self) -> None:
        self.used: Candidate | None = None
        self.pending: Candidate | None = None
        self.note: str | None = None  # why the last position was let go (the kommun changed), shown until the next

    def offer(self, candidate: Candidate) -> bool:
        """Use `candidate`, or keep it waiting for confirmation when its position is doubtful. True if used."""
        if candidate.position.flag:
            self.pending = candidate
            return False
        self._use(candidate)
        return True

    def confirm(self) -> Candidate | None:
        """"Använd ändå": the waiting position is used, its doubt kept as the case's flag."""
        candidate, self.pending = self.pending, None
        if candidate is not None:
            self._use(candidate)
        return candidate

    def decline(self) -> None:
        self.pending = None

    def _use(self, candidate: Candidate) -> None:
        self.used, self.pending, self.note = candidate, None, None

    def kommun_changed(self, kommun: str) -> bool:
        """The nurse set `kommun` by hand: a position in another kommun is let go. True if one was."""
        if self.used is None or self.used.kommun is None or self.used.kommun == kommun:
            return False
        self.note = f"Kommunen ändrades till {kommun} – positionen i {self.used.kommun} ({self.used.label}) släpptes."
        self.used = None
        return True

    def clear(self) -> None:
        self.used = self.pending = None
        self.note = None

    def address_edited(self, address_text: str) -> bool:
        """The used position came from the register and the address text no longer says what was chosen."""
        u = self.used
        return u is not None and u.position.source is PositionSource.ADDRESS and not matches_address(address_text,
                                                                                                      u.label)

    def fields(self, address_text: str, kommun: str | None, geography: Geography) -> dict[str, Any]:
        """lat, lon, position_source, position_accuracy_m and position_flag for CaseIntake."""
        u = self.used
        if u is not None:
            flags = [u.position.flag] if u.position.flag else []
            edited = EDITED_FLAG % u.label
            if self.address_edited(address_text) and edited not in flags:
                flags.append(edited)
            return {"lat": u.position.lat, "lon": u.position.lon, "position_source": u.position.source,
                    "position_accuracy_m": u.position.accuracy_m, "position_flag": _cut("; ".join(flags))}
        if kommun and geography.has_kommun(kommun):
            centre = geography.kommun(kommun)
            return {"lat": centre.lat, "lon": centre.lon, "position_source": PositionSource.KOMMUN_CENTRE,
                    "position_accuracy_m": KOMMUN_CENTRE_ACCURACY_M, "position_flag": KOMMUN_CENTRE_FLAG}
        return {"lat": None, "lon": None, "position_source": None, "position_accuracy_m": None,
                "position_flag": None}

    # --- drafts -------------------------------------------------------------------------------------------------
    def payload(self) -> dict[str, Any] | None:
        if self.used is None and self.pending is None and self.note is None:
            return None
        return {"used": self.used.payload() if self.used else None,
                "pending": self.pending.payload() if self.pending else None, "note": self.note}

    def restore(self, data: Any) -> None:
        self.clear()
        if isinstance(data, dict):
            self.used = Candidate.from_payload(data.get("used"))
            self.pending = Candidate.from_payload(data.get("pending"))
            self.note = str(data["note"]) if data.get("note") else None


def _cut(text: str) -> str | None:
    return (text if len(text) <= FLAG_MAX else text[:FLAG_MAX - 1] + "…") or None


def from_case(lat: float | None, lon: float | None, source: str | None, accuracy_m: float | None,
              flag: str | None, address: str, kommun: str | None, at: datetime | None = None) -> dict[str, Any] | None:
    """The draft form of a stored case's position (a case reopened from a follow-up keeps where it was); None for a
    kommun centre or a case without one (that one is derived again from the kommun)."""
    if lat is None or lon is None or not source or source == PositionSource.KOMMUN_CENTRE.value:
        return None
    try:
        position = Position(lat=lat, lon=lon, source=PositionSource(source), accuracy_m=accuracy_m, at=at,
                            flag=flag)
    except ValueError:
        return None
    return {"used": Candidate(position, address, kommun).payload(), "pending": None, "note": None}
