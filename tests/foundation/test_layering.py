"""Only console/ may import Qt: the domain packages must run headless."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_PACKAGES = ("resources", "records", "triage_rules", "dispatch", "outcomes")
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6")


def qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names
                  if n.split(".")[0] in QT_MODULES]
    return found


def test_no_domain_module_imports_qt() -> None:
    offenders = [hit for pkg in DOMAIN_PACKAGES for f in sorted((ROOT / pkg).rglob("*.py")) for hit in qt_imports(f)]
    assert offenders == []


def test_the_scanner_catches_a_qt_import(tmp_path: Path) -> None:
    bad = ROOT / "resources" / "_tmp_layering_probe.py"
    try:
        bad.write_text("def f():\n    from PySide6.QtCore import QObject\n")
        assert qt_imports(bad) == ["resources/_tmp_layering_probe.py:2 imports PySide6.QtCore"]
    finally:
        bad.unlink()


def test_headless_commands_do_not_load_qt() -> None:
    code = ("import sys, larmcentral_cli; larmcentral_cli.build_parser(); "
            "import resources.fleet, records.db; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
