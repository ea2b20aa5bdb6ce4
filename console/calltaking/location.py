"""Where the patient is, as the nurse gives it during the call: the address field's suggestions, typed coordinates,
the caller's phone position (AML), a click on the map — each judged (resources.location.assess: outside Skåne, an
accuracy worse than LARMCENTRAL_POSITION_MAX_ACCURACY_M, too old) and kept in a PositionChoice (position_choice.py,
which documents what happens when the address or the kommun is edited afterwards).

Accuracy given to a position (a radius in metres):
- a register address: ADDRESS_ACCURACY_M (15 m, resources.location.model: the entrance or the plot's centre);
- a place name or a whole street (no number typed): PLACE_ACCURACY_M by its kind (a hospital or a station is a
  site, a street its length, a tätort a whole town — worse than the setting's bound, so it needs "Använd ändå" and
  the case carries the doubt);
- typed coordinates: unknown (None) — the caller read them off something, we cannot know how good it was;
- a phone position: the accuracy the network sent;
- a map click: five pixels at the zoom of the click (position_map.py).

The kommun of a point (typed, phone, map) is that of the register's nearest address, or without a register the
nearest kommun centre's; a point outside Skåne keeps a kommun already given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QLineEdit

from console.calltaking.address_search import AddressCompleter
from console.calltaking.position_choice import Candidate, PositionChoice
from console.calltaking.position_panel import PositionPanel
from console.local_time import local_text
from console.numbers import number
from dispatch.phone_positions import PhoneMatch, PhonePositionInbox
from resources.geography import Geography, distance_km, in_skane
from resources.location.assess import assess_position
from resources.location.coordinates import CoordinateError, format_position, parse_coordinates
from resources.location.model import ADDRESS_ACCURACY_M, SOURCE_LABELS, AddressHit, Position, PositionSource
from resources.location.phone_position import METHOD_LABELS, PhonePosition

# A place name's point stands for the whole place, a street without a number ("gata") for the whole street (metres;
# assumption, for the region to set).
PLACE_ACCURACY_M = {"gata": 500.0, "sjukhus": 150.0, "vårdcentral": 50.0, "skola": 100.0, "station": 100.0, "hållplats": 30.0,
                    "småort": 500.0, "tätort": 2_000.0}
OTHER_PLACE_ACCURACY_M = 300.0
DEFAULT_AGE_S = 600.0  # LARMCENTRAL_AML_MAX_AGE_S's default
NO_ENDPOINT = "inproc://larmcentral-aml-unbound"  # the inbox kept here is never bound: it only keeps and matches


def hit_accuracy_m(hit: AddressHit) -> float:
    return ADDRESS_ACCURACY_M if hit.kind == "address" else PLACE_ACCURACY_M.get(hit.kind, OTHER_PLACE_ACCURACY_M)


def accuracy_text(accuracy_m: float | None) -> str:
    return "" if accuracy_m is None else f"±{number(round(accuracy_m), 0)} m"


def describe(position: Position, label: str) -> str:
    """"Storgatan 12, 271 31 Ystad (adressregistret, ±15 m)"; without a label of its own (a phone position, a map
    click) the source leads: "Telefonens position (AML), ±35 m, kl. 18:41"."""
    details = [SOURCE_LABELS[position.source]]
    if position.accuracy_m is not None:
        details.append(accuracy_text(position.accuracy_m))
    if position.source is PositionSource.PHONE and position.at is not None:
        details.append(local_text(position.at, "kl. %H:%M"))
    if not label:
        text = ", ".join(details)
        return text[:1].upper() + text[1:]
    return f"{label} ({', '.join(details)})"


class CallLocation(QObject):
    """The position part of the intake form. `changed` when what the case would record changed (draft save,
    recommendation)."""

    changed = Signal()

    def __init__(self, geography: Geography, address: QLineEdit, kommun: QComboBox, phone: QLineEdit, *,
                 max_accuracy_m: float, max_age_s: float | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._geo = geography
        self.address, self.kommun, self.phone = address, kommun, phone
        self.max_accuracy_m, self.max_age_s = max_accuracy_m, max_age_s
        self.choice = PositionChoice()
        self.completer = AddressCompleter(address, self)
        self.completer.chosen.connect(self.choose_hit)
        self.panel = PositionPanel(self)
        self.panel.coordinates_entered.connect(self.enter_coordinates)
        self.panel.use_phone.connect(self.use_phone_position)
        self.panel.confirm.connect(self.confirm)
        self.panel.decline.connect(self.decline)
        self.index: Any = None
        self.map: Any = None  # a PositionMap, when the workspace shows one
        self._on_map: tuple[Any, ...] | None = None  # what the map shows
        # The phone positions received (the AML watch's inbox when the console has one; else one kept here)
        self.phone_inbox: Any = PhonePositionInbox(NO_ENDPOINT)
        self._setting_kommun = False
        self.set_register_state(None, self.tr("Adressregistret laddas…"))
        kommun.currentTextChanged.connect(self._kommun_edited)
        address.textEdited.connect(lambda _t: self.refresh())
        phone.textChanged.connect(lambda _t: self.refresh())  # a phone position shows once its number is typed

    # --- the register -------------------------------------------------------------------------------------------
    @property
    def register_hint(self) -> Any:
        return self.panel.register_hint

    def set_register_state(self, index: Any, hint: str | None) -> None:
        """The index to search (None: none yet or none at all) and what to say about the register under the address
        field (None: nothing — a real register in place)."""
        self.index = self.completer.index = index
        self.panel.show_register_hint(hint)
        choose = self.tr("Skriv adress eller plats och välj i listan (pil ned, Enter).")
        self.address.setToolTip(f"{hint}\n{choose}" if hint and index is not None else hint or choose)
        if index is not None and self.address.hasFocus() and self.address.isEnabled():
            self.completer.update_for(self.address.text())  # typed while the register loaded: its matches now

    # --- the ways to a position ---------------------------------------------------------------------------------
    def choose_hit(self, hit: AddressHit) -> None:
        """A hit taken from the suggestions: the address text, the kommun and the position follow it. The kommun
        follows at once, also when the point waits for confirmation (a town's point is rough, its kommun is not)."""
        self.address.setText(hit.label)
        self.address.home(False)
        self.choice.clear()  # the address the last position stood for is gone from the field
        self._set_kommun(hit.kommun)
        self._offer(Candidate(self._assess(hit.lat, hit.lon, PositionSource.ADDRESS, hit_accuracy_m(hit)),
                              hit.label, hit.kommun))

    def enter_coordinates(self, text: str) -> bool:
        """Coordinates typed in (WGS84 decimal, degrees and minutes, SWEREF 99 TM); a bad one says why in Swedish."""
        try:
            parsed = parse_coordinates(text)
        except CoordinateError as exc:
            self.panel.show_coordinates_error(str(exc))
            return False
        self.panel.show_coordinates_error("")
        self._offer_point(parsed.lat, parsed.lon, PositionSource.COORDINATES, None,
                          format_position(parsed.lat, parsed.lon))
        return True

    def map_clicked(self, lat: float, lon: float, accuracy_m: float) -> None:
        self._offer_point(lat, lon, PositionSource.MAP, accuracy_m, "")

    def receive_phone_position(self, phone_position: PhonePosition) -> None:
        """An AML position from the network (any call's): kept by its number, offered when it is this call's."""
        self.phone_inbox.add(phone_position)  # the watch's own inbox keeps it already: adding again changes nothing
        self.refresh()

    def call_phone_position(self) -> PhoneMatch | None:
        """The phone position to offer for this call (dispatch.phone_positions.PhonePositionInbox.for_call: the
        callback number's latest, else the only fresh one, with a note to check the number with the caller); none
        while no call is in progress (the form is disabled then)."""
        if not self.phone.isEnabled():
            return None
        return self.phone_inbox.for_call(self.phone.text(), max_age_s=self.max_age_s or DEFAULT_AGE_S)

    def use_phone_position(self) -> bool:
        """Ctrl+P / "Använd": the caller's phone position with its accuracy and time."""
        match = self.call_phone_position()
        if match is None:
            return False
        pos = match.position
        self._offer_point(pos.lat, pos.lon, PositionSource.PHONE, pos.accuracy_m, "", at=pos.at, note=match.note)
        return True

    def confirm(self) -> None:
        """"Använd ändå": the doubtful position is used; the case carries its doubt."""
        candidate = self.choice.confirm()
        if candidate is not None:
            self._set_kommun(candidate.kommun)
        self.refresh()
        self.changed.emit()

    def decline(self) -> None:
        self.choice.decline()
        self.refresh()
        self.changed.emit()  # the draft forgets the waiting position too

    # --- judging and keeping ------------------------------------------------------------------------------------
    def _assess(self, lat: float, lon: float, source: PositionSource, accuracy_m: float | None,
                at: datetime | None = None) -> Position:
        return assess_position(lat, lon, source, accuracy_m=accuracy_m, at=at, max_accuracy_m=self.max_accuracy_m,
                               now=datetime.now(UTC), max_age_s=self.max_age_s)

    def _offer_point(self, lat: float, lon: float, source: PositionSource, accuracy_m: float | None, label: str,
                     at: datetime | None = None, note: str | None = None) -> None:
        position = self._assess(lat, lon, source, accuracy_m, at)
        if note:  # a phone position from another number than the callback number: a doubt of its own
            position = position.model_copy(update={"flag": "; ".join(f for f in (note, position.flag) if f)})
        self._offer(Candidate(position, label, self._kommun_at(lat, lon)))

    def _offer(self, candidate: Candidate) -> None:
        if self.choice.offer(candidate):
            self._set_kommun(candidate.kommun)
        self.refresh()
        self.changed.emit()

    def _kommun_at(self, lat: float, lon: float) -> str | None:
        current = self.kommun.currentText().strip()
        if not in_skane(lat, lon) and self._geo.has_kommun(current):
            return current
        if self.index is not None:
            hit = self.index.nearest(lat, lon)
            if hit is not None:
                return str(hit.kommun)
        return min(self._geo.kommuner, key=lambda k: distance_km(lat, lon, k.lat, k.lon)).name

    def _set_kommun(self, name: str | None) -> None:
        if not name or self.kommun.currentText() == name:
            return
        self._setting_kommun = True
        try:
            self.kommun.setCurrentText(name)
        finally:
            self._setting_kommun = False

    def _kommun_edited(self, text: str) -> None:
        self.completer.kommun = text if self._geo.has_kommun(text) else None
        if not self._setting_kommun and self._geo.has_kommun(text):
            self.choice.kommun_changed(text)
        self.refresh()

    # --- what is shown ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._show_summary()
        self.panel.show_pending(self._pending_text())
        self._show_phone()
        self._show_on_map()

    def _pending_text(self) -> str | None:
        pending = self.choice.pending
        if pending is None:
            return None
        flag = pending.position.flag or ""
        source = SOURCE_LABELS[pending.position.source]
        where = f", {pending.label}" if pending.label and pending.label not in flag else ""
        return self.tr("⚠ %s. Källa: %s%s") % (flag, source, where)

    def _show_phone(self) -> None:
        """"Telefonposition ±35 m, kl. 18:41" beside its button; how it was measured, and a note when it came from
        another number than the callback number, in the tooltip (and the note on the line, cut if need be)."""
        match = self.call_phone_position()
        if match is None:
            self.panel.show_phone(None)
            return
        pos = match.position
        what = self.tr("Telefonposition") if match.by_number else self.tr("Telefonposition – annat nummer!")
        text = f"{what}\n{accuracy_text(pos.accuracy_m)}, {local_text(pos.at, 'kl. %H:%M')}"
        how = self.tr("Mätt med: %s") % METHOD_LABELS.get(pos.source, pos.source) if pos.source else ""
        self.panel.show_phone(text, "\n".join(t for t in (text.replace("\n", " "), match.note, how) if t))

    def _show_summary(self) -> None:
        used, kommun = self.choice.used, self.kommun.currentText().strip()
        if used is not None:
            text = describe(used.position, used.label)
            if self.choice.address_edited(self.address.text()):
                self.panel.show_summary(self.tr("⚠ Adressen har ändrats efter valet – positionen gäller %s")
                                        % text, "flagged")
            elif used.position.flag:
                self.panel.show_summary(f"⚠ {used.position.flag}: {text}", "flagged")
            else:
                self.panel.show_summary(text, "ok")
            return
        note = f"{self.choice.note} " if self.choice.note else ""
        if self._geo.has_kommun(kommun):
            self.panel.show_summary(note + self.tr("Kommunens centrum (%s) – osäker: välj adress i listan") % kommun,
                                    "rough")
        else:
            self.panel.show_summary(note + self.tr("ingen – välj adress i listan eller ange kommun"), "rough")

    def _show_on_map(self) -> None:
        """The waiting position (it is what the nurse must judge), else the one in use, else the kommun's centre with
        its wide circle; and the caller's phone position, when one is offered and not the one in use. Only a change
        moves the map: a pan or zoom of the nurse's stays while she types."""
        if self.map is None:
            return
        shown = self.choice.pending or self.choice.used
        if shown is not None:
            p = shown.position
            case: tuple[Any, ...] = (p.lat, p.lon, p.accuracy_m, bool(p.flag))
        else:
            fields = self.fields()
            case = (fields["lat"], fields["lon"], fields["position_accuracy_m"], fields["lat"] is not None)
        match = self.call_phone_position()
        phone = (match.position.lat, match.position.lon, match.position.accuracy_m) if match is not None else None
        if phone is not None and case[:2] == phone[:2]:
            phone = None  # in use: the case's own marker
        wanted = (*case, phone)
        if wanted == self._on_map:
            return
        self._on_map = wanted
        self.map.show_position(*case, phone=phone)

    def attach_map(self, position_map: Any) -> None:
        self.map = position_map
        self._on_map = None
        position_map.clicked.connect(self.map_clicked)
        self._show_on_map()

    # --- the case and the draft ---------------------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        kommun = self.kommun.currentText().strip()
        return self.choice.fields(self.address.text(), kommun, self._geo)

    def payload(self) -> dict[str, Any] | None:
        return self.choice.payload()

    def restore(self, data: Any) -> None:
        self.choice.restore(data)
        self.panel.show_coordinates_error("")
        self.panel.coordinates.clear()
        self.completer.popup().hide()
        self.refresh()
