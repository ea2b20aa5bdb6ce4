"""`python -m console.dispatch.sim_child PARENT_PID simulate …`: the demo simulator as the
console's child process, which never outlives the console (dispatch.child_guard)."""

from __future__ import annotations

import sys

from dispatch.child_guard import guard


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[0].isdigit():
        print("användning: python -m console.dispatch.sim_child FÖRÄLDER-PID simulate …", file=sys.stderr)
        return 2
    guard(int(argv[0]))
    from larmcentral_cli import main as cli

    return cli(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
