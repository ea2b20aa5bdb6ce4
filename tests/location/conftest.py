"""The location tests run the command line in-process with tests/foundation's run_cli."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "foundation"))  # audit_helpers: run_cli
