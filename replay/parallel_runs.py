"""A seed's variant runs side by side in forked worker processes, one per core: each run is one call of the
engine's `run_variant` on call lists the workers inherit through fork (nothing but the run's index is sent to a
worker; its VariantResult comes back pickled). The runs are independent — every variant draws its numbers from the
calls (common random numbers) — so a run gives the same result here as in the parent.

Progress comes back over a queue as (run index, calls done). Ctrl+C reaches the whole process group: the workers
ignore it and the parent terminates them, so a stopped comparison does not wait for the runs under way."""

from __future__ import annotations

import multiprocessing
import queue
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from replay.model import VariantResult


@dataclass(frozen=True)
class RunJob:
    """One variant over one call set; `run(progress)` is what the worker calls (it may be a closure: workers are
    forked, never sent it)."""

    label: str
    calls: int
    run: Callable[[Callable[[int, int], None]], VariantResult]


# (run index, calls done) from the workers; (index, seconds) when a run has finished is its result's own.
Progress = Callable[[int, int], None]
Finished = Callable[[int, VariantResult, float], None]

_FORKED_JOBS: Sequence[RunJob] = ()
_FORKED_QUEUE: Any = None


def run_parallel(jobs: Sequence[RunJob], workers: int, *, progress: Progress, finished: Finished,
                 poll_s: float = 0.2) -> None:
    """Run every job on `workers` forked processes; `progress` and `finished` are called in this process, in the
    order things happen (finished runs in completion order)."""
    global _FORKED_JOBS, _FORKED_QUEUE
    ctx = multiprocessing.get_context("fork")
    _FORKED_JOBS, _FORKED_QUEUE = jobs, ctx.Queue()
    pool = ctx.Pool(min(workers, len(jobs)), initializer=_leave_ctrl_c)
    try:
        pending = {i: pool.apply_async(_run_forked, (i,)) for i in range(len(jobs))}
        while pending:
            _drain(progress, poll_s)
            for i, result in list(pending.items()):
                if result.ready():
                    del pending[i]
                    outcome, seconds = result.get()  # a worker's exception is raised here
                    finished(i, outcome, seconds)
        pool.close()
    except BaseException:  # Ctrl+C or a failed run: the runs under way are stopped, not waited for
        pool.terminate()
        raise
    finally:
        pool.join()
        _FORKED_JOBS, _FORKED_QUEUE = (), None


def _drain(progress: Progress, timeout: float) -> None:
    try:
        item = _FORKED_QUEUE.get(timeout=timeout)
    except queue.Empty:
        return
    while True:
        progress(*item)
        try:
            item = _FORKED_QUEUE.get_nowait()
        except queue.Empty:
            return


def _leave_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_forked(index: int) -> tuple[VariantResult, float]:
    job = _FORKED_JOBS[index]
    out = _FORKED_QUEUE

    def report(done: int, _total: int) -> None:
        out.put((index, done))

    t0 = time.perf_counter()
    result = job.run(report)
    return result, time.perf_counter() - t0
