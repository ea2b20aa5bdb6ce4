"""What the map's hover tip says about a case, cases drawn as one marker, a unit and an akutmottagning (Swedish,
plain text: one tooltip for whatever is under the pointer)."""

from __future__ import annotations

from collections.abc import Sequence

from console.dispatch.case_sections import position_text
from console.fleet_model import UnitRow, status_text
from records.cases import CaseView

GROUP_LINES = 8  # cases named in a grouped marker's tip; the rest are counted
UNIT_LINES = 5  # units named under the pointer (a station may hold several); the rest are counted


def case_line(c: CaseView) -> str:
    parts = [f"Ärende {c.id}"]
    if c.priority:
        parts.append(f"Prio {c.priority}" if c.priority != "hänvisning" else "Hänvisning")
    parts += [p for p in (c.address, c.kommun) if p]
    return " · ".join(parts)


def case_tip(c: CaseView) -> str:
    """The case, and where its position came from: how sure it is, and a doubt first."""
    return f"{case_line(c)}\nPosition: {position_text(c)}"


def group_tip(cases: Sequence[CaseView]) -> str:
    """Cases drawn as one marker: how many, each on a line (the most urgent first), and what a click does."""
    lines = [f"{len(cases)} ärenden på samma plats (klicka för att välja nästa):"]
    lines += [case_line(c) + (" ⚠" if c.position_flag else "") for c in cases[:GROUP_LINES]]
    if len(cases) > GROUP_LINES:
        lines.append(f"… och {len(cases) - GROUP_LINES} till")
    return "\n".join(lines)


def unit_line(u: UnitRow) -> str:
    status = status_text(u)
    if u.stale:
        status = "ingen kontakt" + (f" (senast: {u.status.label})" if u.status is not None else "")
    parts = [f"{u.id} {u.name}", u.type_name, status]
    if u.case_id is not None:
        parts.append(f"ärende {u.case_id}")
    return " · ".join(parts)


def units_tip(units: Sequence[UnitRow]) -> list[str]:
    lines = [unit_line(u) for u in units[:UNIT_LINES]]
    if len(units) > UNIT_LINES:
        lines.append(f"… och {len(units) - UNIT_LINES} enheter till")
    return lines


def ed_line(name: str) -> str:
    return f"Akutmottagning: {name}"
