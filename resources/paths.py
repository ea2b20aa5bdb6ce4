"""Where the product keeps what it writes on this machine (database file, drafts, accepted rule sets)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from resources.os_errors import os_error_text
from resources.settings import SettingsError, directory_problem, env_name, load_settings


def data_dir() -> Path:
    """`LARMCENTRAL_DATA_DIR`, else the platform's user data directory; created on first use.
    Raises SettingsError (Swedish, naming the variable) when the directory cannot be created."""
    configured = load_settings().data_dir
    path = configured or Path(platformdirs.user_data_dir("larmcentral", "RegionSkane"))
    return ensure_directory(path, "data_dir", configured is not None)


def ensure_directory(path: Path, field: str, configured: bool = True) -> Path:
    """Create `path` (and its parents) unless it exists; a SettingsError naming the variable `field` when that
    fails — `configured` says whether the path came from the variable or is the default."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        name = env_name(field)
        why = directory_problem(path) or os_error_text(exc)
        if configured:
            raise SettingsError([f"{name}={str(path)!r} är ogiltigt: {why}; ange en katalog som finns eller kan "
                                 "skapas (inte en fil)."], [name]) from None
        raise SettingsError([f"{name} är inte satt och standardkatalogen {str(path)!r} kan inte skapas: {why}; "
                             f"ange en katalog i {name}."], [name]) from None
    return path
