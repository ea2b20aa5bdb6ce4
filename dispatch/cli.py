"""Subcommands of the dispatch package: recommend, and the unit-status feeds and simulator."""

from __future__ import annotations

import argparse

from dispatch import recommend_cli
from dispatch.feed import cli as feed_cli


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    recommend_cli.register(sub)
    feed_cli.register(sub)
