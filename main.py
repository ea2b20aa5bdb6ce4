"""Entry point: `python main.py --help` lists the subcommands (see larmcentral_cli)."""

import sys

if __name__ == "__main__":
    try:
        from larmcentral_cli import main

        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl+C while the commands are still being loaded: no traceback
        print("\nAvbrutet.", file=sys.stderr)
        sys.exit(130)
