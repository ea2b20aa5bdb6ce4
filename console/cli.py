"""Subcommands that open the console. Qt is imported inside the handlers, so headless commands stay light."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("console", help="starta operatörskonsolen (standard)")
    c.add_argument("--demo", action="store_true",
                   help="demoläge: förifylld inloggning, demopatienter och simulerad flotta")
    c.add_argument("--user", default=None, help="användarnamn (förifyller inloggningen)")
    c.add_argument("--role", default=None, choices=["nurse", "dispatcher", "physician", "admin"],
                   help="roll (förifyller inloggningen)")
    c.set_defaults(func=_console, check_settings=False)  # run_console checks them (dialog and stderr)

    s = sub.add_parser("screenshot", help="starta på demodata och spara en PNG per arbetsyta i KATALOG")
    s.add_argument("directory", type=Path, metavar="KATALOG")
    s.set_defaults(func=_screenshot)


def _console(args: argparse.Namespace) -> int:
    from console.app import run_console

    return run_console(demo=args.demo, user=args.user, role=args.role)


def _screenshot(args: argparse.Namespace) -> int:
    from console.screenshot import take_screenshots

    return take_screenshots(args.directory)
