"""Entry point: `python main.py --help` lists the subcommands (see larmcentral_cli)."""

import sys

from larmcentral_cli import main

if __name__ == "__main__":
    sys.exit(main())
