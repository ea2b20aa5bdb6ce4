"""Ctrl+C during `replay compare`'s shared triage: the terminal sends SIGINT to the whole process group, the forked
triage workers too. They leave the interrupt to the parent (which stops the pool and reports it): without that every
worker printed a KeyboardInterrupt traceback over the command's Swedish message."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, signal
import replay.call_triage as ct
from replay.generator import generate_calls
from replay.params import load_params
ct._CHUNK = 100
rs = ct.replay_ruleset()
calls = generate_calls(load_params(ruleset=rs), 1, limit_days=2, ruleset=rs)[:300]
def progress(done):
    print("progress", done, flush=True)
    if done == len(calls):  # every chunk done: both workers wait for more, where the interrupt printed tracebacks
        os.killpg(0, signal.SIGINT)  # as Ctrl+C in a terminal: every process of the group, the workers too
try:
    ct.product_triage(calls, rs, progress=progress, workers=2)
    print("not interrupted", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_in_the_forked_triage_prints_no_worker_tracebacks() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          start_new_session=True, check=False,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert "interrupted" in done.stdout.splitlines(), (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
