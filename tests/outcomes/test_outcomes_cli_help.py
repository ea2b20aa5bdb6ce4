"""Every domain subcommand's --help prints (regression: a bare '%' in the `outcomes stats` help
text made `main.py outcomes --help` crash with a ValueError from argparse)."""

from __future__ import annotations

import argparse
import importlib

import pytest

DOMAIN_MODULES = ("resources.cli", "records.cli", "triage_rules.cli", "dispatch.cli", "outcomes.cli")


def _parsers(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    out = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                out += _parsers(child, f"{prefix} {name}".strip())
    return out


def _all() -> list[tuple[str, argparse.ArgumentParser]]:
    root = argparse.ArgumentParser(prog="larmcentral")
    sub = root.add_subparsers(dest="command")
    for name in DOMAIN_MODULES:
        importlib.import_module(name).register(sub)
    return _parsers(root)[1:]


PARSERS = _all()


@pytest.mark.parametrize(("name", "parser"), PARSERS, ids=[n for n, _ in PARSERS])
def test_help_formats(name: str, parser: argparse.ArgumentParser) -> None:
    assert parser.format_help().strip()
