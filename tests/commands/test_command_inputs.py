"""What a command carries is refused before any database sees it, the same way on both backends: NaN and
infinity, NUL and lone surrogates, absurd nesting and size, over-long triage codes — Swedish, naming where."""

from __future__ import annotations

import pytest
from command_world import intake, triage
from pydantic import ValidationError

from commands import FinishCall, RecallUnit, ReopenCase, SaveDraft


def _deep(n: int) -> dict[str, object]:
    d: dict[str, object] = {}
    cur = d
    for _ in range(n):
        nxt: dict[str, object] = {}
        cur["a"] = nxt
        cur = nxt
    return d


@pytest.mark.parametrize(("make", "why"), [
    (lambda: SaveDraft(case_id=1, intake=intake(), payload={"x": float("nan")}), "NaN"),
    (lambda: SaveDraft(case_id=1, intake=intake(), payload={"x": float("inf")}), "NaN eller oändligt"),
    (lambda: SaveDraft(case_id=1, intake=intake(), payload={"x": "a\x00b"}), "ogiltigt tecken"),
    (lambda: ReopenCase(case_id=1, reason="sämre \ud800"), "ogiltigt tecken"),
    (lambda: RecallUnit(case_id=1, reason="x" * 200_000), "för lång"),
    (lambda: SaveDraft(case_id=1, intake=intake(), payload=_deep(3000)), "för djupt"),
    (lambda: FinishCall(case_id=1, intake=intake(), triage=triage(),
                        recommendation_shown={"parts": [{"eta": float("nan")}]}), "NaN"),
    (lambda: FinishCall(case_id=1, intake=intake(),
                        triage=triage().model_copy(update={"endpoint_code": "X" * 40})), "endpoint_code"),
])
def test_unstorable_command_content_is_refused_in_swedish(make, why: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        make()  # a nested model made with model_copy (unchecked) is checked again when the command is built
    assert why in str(refused.value)
