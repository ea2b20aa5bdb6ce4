"""The status bar names a database that cannot be reached or does not answer in time, and says so no longer once a
job has reached it again: the red "EJ NÅBAR" was cleared by the very failure's end of the queue (the executor's
idle), and the message stayed after the database was back."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from records.db import DatabaseTimeout
from resources.vocabulary import Role


def _down(_session):  # type: ignore[no-untyped-def]
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_unreachable_is_shown_until_the_database_answers_again(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.DISPATCHER))
    idle(w)
    w.executor.submit(_down)
    idle(w)
    assert "EJ NÅBAR" in w.db_label.text() and "Databasen kan inte nås" in w.message_label.text()
    w.executor.submit(lambda s: s.connection().exec_driver_sql("SELECT 1").scalar())
    idle(w)
    assert "EJ NÅBAR" not in w.db_label.text() and not w.db_label.styleSheet()
    assert "Databasen" not in w.message_label.text()


def test_a_timeout_is_cleared_by_the_next_answer_and_other_messages_stay(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.DISPATCHER))
    idle(w)

    def slow(_session):  # type: ignore[no-untyped-def]
        raise DatabaseTimeout(5.0)

    w.executor.submit(slow)
    idle(w)
    assert "svarade inte" in w.message_label.text()
    w.executor.submit(lambda s: 1)
    idle(w)
    assert "svarade inte" not in w.message_label.text()
    w.show_message("Enheten är redan larmad.")  # not the database's: a later answer does not take it away
    w.executor.submit(lambda s: 1)
    idle(w)
    assert w.message_label.text() == "Enheten är redan larmad."
