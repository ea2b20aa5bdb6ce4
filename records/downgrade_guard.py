"""What a `db downgrade` would destroy, counted before anything is dropped.

Every migration module declares what its downgrade drops:

    DESTROYS = {"tables": ["ruleset_versions"], "columns": {"audit_log": ["prev_hash", "hash"]}}

(`{"tables": [], "columns": {}}` for one that drops nothing). `plan_downgrade` walks the revisions
between the database's current one and the target, and counts the rows in each table that would go
and the rows with a value in each column that would go. `main.py db downgrade` refuses when any count
is above zero — or a migration on the way declares nothing — unless `--yes-destroy-data` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Connection, Engine, column, func, inspect, or_, select, table

from records.db import alembic_config


class BadTarget(ValueError):
    """The target revision does not exist or is not below the current one. Swedish message."""


@dataclass(frozen=True)
class Loss:
    table: str
    columns: tuple[str, ...]  # empty: the whole table
    rows: int

    def label(self) -> str:
        if not self.columns:
            return f"{self.table}: {self.rows} rader"
        return f"{self.table} (kolumnerna {', '.join(self.columns)}): {self.rows} rader"


@dataclass(frozen=True)
class DowngradePlan:
    current: str | None
    target: str
    steps: tuple[str, ...]  # revisions whose downgrade runs, newest first
    losses: tuple[Loss, ...] = ()
    undeclared: tuple[str, ...] = ()  # revisions without DESTROYS: what they drop is unknown
    # every declared loss, also those with 0 rows
    all_losses: tuple[Loss, ...] = field(default=(), repr=False)

    @property
    def destroys_data(self) -> bool:
        return bool(self.losses or self.undeclared)

    def refusal(self) -> str:
        lines = [f"Nedgraderingen från {self.current} till {self.target} skulle radera data:"]
        lines += [f"  {loss.label()}" for loss in self.losses]
        lines += [f"  migration {rev} anger inte vad dess nedgradering raderar (DESTROYS saknas)"
                  for rev in self.undeclared]
        lines.append("Inget har ändrats. Ta en säkerhetskopia och kör igen med --yes-destroy-data om det är "
                     "avsikten.")
        return "\n".join(lines)

    def report(self) -> str:
        if not self.losses:
            return "Ingen data raderades."
        return "\n".join(f"  {loss.table}{'' if not loss.columns else ' (' + ', '.join(loss.columns) + ')'}: "
                         f"{loss.rows} rader raderades" for loss in self.losses)


def plan_downgrade(engine: Engine, target: str) -> DowngradePlan:
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current is None:
            return DowngradePlan(None, target, ())
        try:
            scripts = list(script.iterate_revisions(current, target))
        except RevisionError as exc:
            raise BadTarget(f"Revisionen {target!r} går inte att nedgradera till från {current}: {exc}") from None
        steps = tuple(s.revision for s in scripts)
        tables: list[str] = []
        columns: dict[str, list[str]] = {}
        undeclared: list[str] = []
        for s in scripts:
            destroys = getattr(s.module, "DESTROYS", None)
            if destroys is None:
                undeclared.append(s.revision)
                continue
            tables += [t for t in destroys.get("tables", []) if t not in tables]
            for t, cols in destroys.get("columns", {}).items():
                columns.setdefault(t, []).extend(c for c in cols if c not in columns.get(t, []))
        all_losses = _count(conn, tables, columns)
    return DowngradePlan(current, target, steps, tuple(loss for loss in all_losses if loss.rows),
                         tuple(undeclared), tuple(all_losses))


def _count(conn: Connection, tables: list[str], columns: dict[str, list[str]]) -> list[Loss]:
    insp = inspect(conn)
    existing = set(insp.get_table_names())
    losses = []
    for name in tables:
        if name in existing:
            losses.append(Loss(name, (), conn.scalar(select(func.count()).select_from(table(name))) or 0))
    for name, cols in columns.items():
        if name in tables or name not in existing:
            continue  # the whole table goes anyway (counted above), or it is not there
        present = {c["name"] for c in insp.get_columns(name)}
        cols = [c for c in cols if c in present]
        if cols:
            t = table(name, *(column(c) for c in cols))
            n = conn.scalar(select(func.count()).select_from(t).where(or_(*(t.c[c].is_not(None) for c in cols))))
            losses.append(Loss(name, tuple(cols), n or 0))
    return losses
