"""A seed's variant runs side by side in forked worker processes, one per core: each run is one call of the
engine's `run_variant` on call lists the workers inherit through fork (nothing but the run's index is sent to a
worker; its VariantResult comes back pickled). The runs are independent — every variant draws its numbers from the
calls (common random numbers) — so a run gives the same result here as in the parent.

Progress comes back over a queue as (run index, calls done). Ctrl+C reaches the whole process group: the workers
ignore it and the parent terminates them, so a stopped comparison does not wait for the runs under way. A worker
that dies (the kernel's out-of-memory killer, a crash) stops the comparison with RunFailed instead of leaving it
waiting for a result that never comes."""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from replay.model import VariantResult


class RunFailed(RuntimeError):
    """A run could not finish in its worker; the message (Swedish) names the run and why."""


@dataclass(frozen=True)
class RunJob:
    """One variant over one call set; `run(progress)` is what the worker calls (it may be a closure: workers are
    forked, never sent it)."""

    label: str
    run: Callable[[Callable[[int, int], None]], VariantResult]


Progress = Callable[[int, int], None]  # (run index, calls done)
Finished = Callable[[int, VariantResult, float], None]  # (run index, its result, seconds)

_FORKED_JOBS: Sequence[RunJob] = ()
_FORKED_QUEUE: Any = None


def run_parallel(jobs: Sequence[RunJob], workers: int, *, progress: Progress, finished: Finished,
                 poll_s: float = 0.2) -> None:
    """Run every job on `workers` forked processes; `progress` and `finished` are called in this process, in the
    order things happen (finished runs in completion order; no progress of a run after it has finished)."""
    global _FORKED_JOBS, _FORKED_QUEUE
    ctx = multiprocessing.get_context("fork")
    _FORKED_JOBS, _FORKED_QUEUE = jobs, ctx.Queue()
    gc.freeze()  # the workers share the parent's objects: its collector then writes to none of their pages
    pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx, initializer=leave_ctrl_c_to_parent)
    ended: set[int] = set()

    def report(index: int, done: int) -> None:
        if index not in ended:  # a last progress message can arrive after the result
            progress(index, done)

    try:
        pending: dict[Future[tuple[VariantResult, float]], int] = {
            pool.submit(_run_forked, i): i for i in range(len(jobs))}
        while pending:
            _drain(report, poll_s)
            done, _ = wait(pending, timeout=0, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                index = pending.pop(future)
                try:
                    result, seconds = future.result()  # a worker's exception is raised here
                except BrokenProcessPool as exc:  # every run not finished is lost with it; which died is unknown
                    lost = ", ".join(jobs[i].label for i in sorted({index, *pending.values()}))
                    raise RunFailed(f"{lost}: en arbetsprocess avslutades oväntat (slut på minne eller en krasch); "
                                    "jämförelsen är inte färdig") from exc
                ended.add(index)
                finished(index, result, seconds)
        pool.shutdown(wait=True)
    except BaseException:  # Ctrl+C or a failed run: the runs under way are stopped, not waited for
        _terminate(pool)
        raise
    finally:
        gc.unfreeze()
        _FORKED_QUEUE.close()
        _FORKED_JOBS, _FORKED_QUEUE = (), None


def _terminate(pool: ProcessPoolExecutor) -> None:
    stop = getattr(pool, "terminate_workers", None)  # Python 3.14
    if stop is not None:
        stop()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


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


def leave_ctrl_c_to_parent() -> None:
    """A forked worker's initializer: Ctrl+C reaches the whole process group, and the parent stops the pool; a
    worker that took it too would print a KeyboardInterrupt traceback over the command's own message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_forked(index: int) -> tuple[VariantResult, float]:
    job = _FORKED_JOBS[index]
    out = _FORKED_QUEUE

    def report(done: int, _total: int) -> None:
        out.put((index, done))

    t0 = time.perf_counter()
    try:
        result = job.run(report)
    except Exception as exc:
        if _travels(exc):
            raise
        # An exception the parent could not unpickle would be lost with the worker's result
        raise RunFailed(f"{job.label}: {type(exc).__name__}: {exc}") from None
    return result, time.perf_counter() - t0


def _travels(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own exception, in our own process
    except Exception:  # noqa: BLE001 - any failure means it cannot be sent
        return False
    return True
