"""The test hook (docs/test-hook.md) plays keys where a real keyboard's go: with the address suggestions open, to the
list — so the end-to-end script can take a suggestion with Down and Return — and finds the list by its name."""

from __future__ import annotations

import pytest
from call_position_helpers import start_call, with_register

from console.script_hook import ScriptRunner
from resources.location.model import PositionSource
from resources.vocabulary import Role

pytestmark = pytest.mark.gui


def test_the_test_hook_takes_a_suggestion_with_down_and_return(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    steps = [{"focus": "address"}, {"type": "Lindvägen 12"},
             {"wait": "addressSuggestions", "contains": "Lindvägen 12"},
             {"keys": "Down"}, {"keys": "Return"},
             {"wait": "positionSummary", "contains": "adressregistret"}]
    runner = ScriptRunner(steps, lambda: w, lambda: w.executor.busy)
    runner.start()
    qtbot.waitUntil(lambda: runner.index == len(steps), timeout=10000)
    assert ct.form.address.text().startswith("Lindvägen 12") and ct.form.kommun.currentText() == "Lund"
    assert ct.form.intake().position_source is PositionSource.ADDRESS
