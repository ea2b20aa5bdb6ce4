"""A dropped database connection is shown in Swedish and nothing typed is lost."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

import commands.calls as calls_module
from console.calltaking.local_draft import read_local
from resources.vocabulary import Role


def test_draft_kept_locally_while_database_is_down(qtbot, make_window, actor_for, idle, monkeypatch):
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct = w1.workspaces["calltaking"]
    ct.new_case()
    idle(w1)

    def down(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OperationalError("UPDATE call_drafts", {}, Exception("server closed the connection unexpectedly"))

    with monkeypatch.context() as m:
        m.setattr(calls_module, "save_draft", down)
        qtbot.keyClicks(ct.form.caller, "Greta Gran")
        ct.save_now()
        idle(w1)
        assert ct.db_banner.isVisible() and "Databasen kan inte nås" in ct.db_banner.text()
        assert read_local(nurse.username)["intake"]["caller"] == "Greta Gran"
        assert ct.form.caller.text() == "Greta Gran"
        w1.executor.shutdown()  # the console dies while the database is still down
        w1.hide()
    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active, timeout=10000)
    idle(w2)
    assert ct2.form.caller.text() == "Greta Gran" and ct2.case_id == ct.case_id
    qtbot.waitUntil(lambda: read_local(nurse.username) is None, timeout=10000)  # the database has it again
