"""The SQL a piece of code sends, for tests that count what a path asks the database (a uniquely named module:
`from conftest import ...` picks up another directory's conftest when several run in one pytest call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker


def sql_statements(factory: sessionmaker[Session], fn: Callable[[], Any]) -> list[str]:
    """The SQL statements `fn` sends through `factory`'s engine, whitespace collapsed, in order."""
    seen: list[str] = []
    engine = factory.kw["bind"]

    def record(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen
