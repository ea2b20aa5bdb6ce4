"""A real stall between the console and PostgreSQL (a loopback proxy that stops forwarding): the nurse is told in
Swedish within the bound, the window keeps answering meanwhile, what she typed is kept, and once the network is
back the call is saved — as one case, not two."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from records.db import DbBounds, make_engine, migrate, session_factory, transaction
from records.identity import provision_and_sign_in
from records.models import Case
from resources.vocabulary import Role
from tests.commands.tcp_proxy import StallProxy

pytestmark = [pytest.mark.postgres, pytest.mark.gui]
BOUND_S = 2.0


def test_a_stalled_database_is_told_within_the_bound_and_nothing_is_lost_or_doubled(
        qtbot, postgres_url, mini_ruleset, settings, monkeypatch):  # type: ignore[no-untyped-def]
    from console.app import build_main_window

    direct = make_engine(postgres_url)
    migrate(direct)
    direct_db = session_factory(direct)
    with StallProxy(("127.0.0.1", 5432)) as proxy:
        url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        engine = make_engine(url, DbBounds(statement_s=BOUND_S, connect_s=BOUND_S))
        factory = session_factory(engine)
        with transaction(factory) as s:
            nurse = provision_and_sign_in(s, "ssk.stina", Role.NURSE, console="test-konsol")
        window = build_main_window(nurse, factory, ruleset=mini_ruleset, settings=settings, feeds=False)
        qtbot.addWidget(window)
        window.show()
        ct = window.workspaces["calltaking"]
        try:
            ct.new_case()
            qtbot.waitUntil(lambda: ct.case_id is not None and not window.executor.busy, timeout=10000)
            case_id = ct.case_id

            gaps: list[float] = []
            last = [time.monotonic()]

            def tick() -> None:
                now = time.monotonic()
                gaps.append(now - last[0])
                last[0] = now

            timer = QTimer(interval=20)
            timer.timeout.connect(tick)
            timer.start()
            proxy.stall()
            started = time.monotonic()
            qtbot.keyClicks(ct.form.caller, "Greta Gran")
            ct.save_now()
            qtbot.waitUntil(lambda: ct.db_banner.isVisible(), timeout=int((BOUND_S + 4) * 1000))
            told_after = time.monotonic() - started
            timer.stop()
            assert told_after < BOUND_S + 2.0, f"told after {told_after:.1f} s"
            assert "svarade inte inom" in ct.db_banner.text() or "kan inte nås" in ct.db_banner.text()
            assert max(gaps) < 0.5, f"the window froze for {max(gaps):.2f} s"
            assert ct.form.caller.text() == "Greta Gran"

            proxy.resume()
            ct.save_now()
            qtbot.waitUntil(lambda: not ct.db_banner.isVisible() and not window.executor.busy, timeout=15000)
            with direct_db() as s:
                assert s.scalar(select(func.count()).select_from(Case)) == 1
                assert s.get(Case, case_id).caller_name == "Greta Gran"
        finally:
            proxy.resume()
            window.shutdown()
            engine.dispose()
    direct.dispose()
