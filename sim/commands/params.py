"""`aligned params`: every parameter with its default, range, unit and doc."""

from __future__ import annotations

import argparse
import json

from sim.params import GROUPS, PARAMS, Param


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned params`."""
    p = sub.add_parser("params", help="list every parameter with default, range, unit and doc")
    p.add_argument("--group", choices=GROUPS, help="only this group")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(handler=handle)


def as_dict(p: Param) -> dict:
    """One parameter's declaration as plain JSON values."""
    return {"name": p.name, "type": p.type.__name__, "default": p.default, "low": p.low,
            "high": p.high, "choices": list(p.choices) if p.choices else None, "unit": p.unit,
            "group": p.group, "doc": p.doc}


def handle(args: argparse.Namespace) -> int:
    """Print the parameter table, grouped (or its JSON)."""
    chosen = [p for p in PARAMS.values() if not args.group or p.group == args.group]
    if args.json:
        print(json.dumps([as_dict(p) for p in chosen], indent=2))
        return 0
    for group in GROUPS:
        if args.group and group != args.group:
            continue
        print(f"[{group}]")
        for p in chosen:
            if p.group != group:
                continue
            allowed = (" | ".join(p.choices) if p.choices else
                       "true | false" if p.type is bool else f"{p.low:g} .. {p.high:g}")
            print(f"  {p.name:<28} {p.default!s:<20} {allowed:<22} {p.unit:<18} {p.doc}")
    return 0
