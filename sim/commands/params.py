"""`aligned params`: every parameter with its default, range, unit and doc."""

from __future__ import annotations

import argparse

from sim.params import GROUPS, PARAMS


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned params`."""
    p = sub.add_parser("params", help="list every parameter with default, range, unit and doc")
    p.add_argument("--group", choices=GROUPS, help="only this group")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the parameter table, grouped."""
    for group in GROUPS:
        if args.group and group != args.group:
            continue
        print(f"[{group}]")
        for p in PARAMS.values():
            if p.group != group:
                continue
            allowed = (" | ".join(p.choices) if p.choices else
                       "true | false" if p.type is bool else f"{p.low:g} .. {p.high:g}")
            print(f"  {p.name:<28} {p.default!s:<20} {allowed:<22} {p.unit:<18} {p.doc}")
    return 0
