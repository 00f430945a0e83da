"""`aligned scenarios`: list the scenario library with titles."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned scenarios`."""
    p = sub.add_parser("scenarios", help="list scenarios with their titles")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print one line per scenario."""
    from sim import scenario

    names = scenario.available()
    width = max((len(n) for n in names), default=0)
    for name in names:
        spec = scenario.load(name)
        print(f"{name:<{width}}  {spec.title}")
    return 0
