"""Where the product keeps what it writes on this machine (database file, drafts, accepted rule sets)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """`LARMCENTRAL_DATA_DIR`, else the platform's user data directory; created on first use."""
    path = Path(os.environ.get("LARMCENTRAL_DATA_DIR") or platformdirs.user_data_dir("larmcentral", "RegionSkane"))
    path.mkdir(parents=True, exist_ok=True)
    return path
