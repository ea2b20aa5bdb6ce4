"""A racing console for test_races.py: a separate process (multiprocessing, spawn) with its own engine that runs
one command per task, released together with the other racer by a barrier, and reports what it was told."""

from __future__ import annotations

import time
import traceback
from typing import Any

import commands
from records.actor import Actor
from records.db import make_engine, session_factory


def serve(url: str, tasks: Any, results: Any, barrier: Any) -> None:
    """Tasks: (actor as JSON, command class name, command as JSON, delay in s) or None to stop.
    Results: ("ready",), then per task ("ok", result JSON) or ("err", class names along the MRO, message)."""
    engine = make_engine(url)
    factory = session_factory(engine)
    with engine.connect():
        pass
    results.put(("ready",))
    try:
        while (task := tasks.get()) is not None:
            actor_json, cls_name, cmd_json, delay = task
            actor = Actor.model_validate(actor_json)
            cmd = getattr(commands, cls_name).model_validate(cmd_json)
            barrier.wait(timeout=60)
            if delay:
                time.sleep(delay)
            try:
                results.put(("ok", commands.run(factory, actor, cmd).model_dump(mode="json")))
            except Exception as exc:  # noqa: BLE001 - the racer reports whatever it was told
                results.put(("err", [c.__name__ for c in type(exc).__mro__], str(exc),
                             traceback.format_exc(limit=4)))
    finally:
        engine.dispose()
