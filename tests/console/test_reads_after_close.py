"""A read asked for while the console closes (a timer, a change arriving after the database worker stopped) is
dropped quietly — before, each such read raised 'database executor is shut down' from a Qt slot, a traceback on the
console's stderr at every close (seen in the end-to-end test from the case panel); a write still refuses loudly."""

from __future__ import annotations

import pytest

from console.tasks import DbExecutor, DbOp


def test_a_read_after_the_worker_stopped_is_dropped_a_write_is_refused(qtbot, factory) -> None:  # type: ignore[no-untyped-def]
    executor = DbExecutor(factory)
    shown: list[object] = []
    assert DbOp(executor, lambda s: 1).success(shown.append).run() >= 0
    qtbot.waitUntil(lambda: shown == [1], timeout=5000)
    executor.shutdown()
    assert DbOp(executor, lambda s: 2).success(shown.append).run() == -1
    with pytest.raises(RuntimeError, match="shut down"):
        DbOp(executor, lambda s: 3).changes("cases").run()
    assert shown == [1]
