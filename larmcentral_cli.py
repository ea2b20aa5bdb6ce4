"""The command line: one subcommand per job, each package registering its own.

With no subcommand the console starts (`larmcentral` == `larmcentral console`).

Every command except `console` and `settings` first checks the LARMCENTRAL_* environment
(resources.settings): a bad value stops it with the Swedish message on stderr and exit code 2, before
anything is opened or written. The console checks it itself, so that it can also show a dialog.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from records.db import DatabaseUnavailable, WriteConflict
from resources.settings import SettingsError, load_settings

# Each module has `register(subparsers)`; its parsers set `func(args) -> int`.
# console.cli is imported lazily by its handlers so headless commands never load Qt.
COMMAND_MODULES = (
    "console.cli",
    "resources.cli",
    "records.cli",
    "records.audit_cli",
    "records.case_cli",
    "records.care_plan_cli",  # `careplans`: the patients' own plans (docs/care-plan-import.md)
    "records.address_cli",  # `addresses`: the address register (docs/address-register.md)
    "triage_rules.cli",
    "dispatch.cli",
    "dispatch.aml_cli",  # `aml send`: a phone position to a console (docs/phone-position.md)
    "outcomes.cli",
    "outcomes.acceptance_cli",  # adds `rules evaluate` to triage_rules.cli's `rules`
    "replay.cli",  # `replay run` / `replay compare`: the region replay (docs/region-replay.md)
    "commands.cli",
    "commands.care_plan_cli",  # adds the administrator's edits to records.care_plan_cli's `careplans`
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="larmcentral",
        description="Larmcentral Skåne: operatörskonsol och kommandon för drift, regler och test.",
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command is None:
        args = parser.parse_args(["console", *(argv or sys.argv[1:])])
    try:
        if getattr(args, "check_settings", True):
            load_settings()
        return int(args.func(args) or 0)
    except SettingsError as exc:  # a bad LARMCENTRAL_* value: the message names it, no traceback
        print(f"Felaktig inställning:\n{exc}", file=sys.stderr)
        return 2
    except PermissionError as exc:  # not signed in, wrong password, a role not granted (Swedish messages)
        print(f"Nekad: {exc}", file=sys.stderr)
        return 1
    except DatabaseUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except WriteConflict as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`: not an error of ours
        sys.stderr.close()
        return 0
    finally:
        from records.cli_auth import end_cli_sessions

        end_cli_sessions()
