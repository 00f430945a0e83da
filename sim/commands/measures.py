"""`aligned measures`: every measure with its unit, which way is better and its doc."""

from __future__ import annotations

import argparse
import json

from sim.measures import MEASURES_DECLARED

BETTER = {1: "higher", -1: "lower", 0: "—"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned measures`."""
    p = sub.add_parser("measures", help="list every measure with unit, direction and doc",
                       description="Every measure a run records each week (and the rates "
                       "derived over a year), as summary.json, claims, charts and sweeps name "
                       "them.")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the measure table."""
    if args.json:
        rows = [{"name": m.name, "label": m.label, "unit": m.unit, "doc": m.doc,
                 "better": BETTER[m.better], "kind": m.kind,
                 "year": "events per year / mean stock" if m.rate_of else "mean",
                 "when_empty": "last value" if m.empty is None and not m.rate_of else m.empty}
                for m in MEASURES_DECLARED]
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'measure':<30}{'unit':<16}{'better':<8}doc")
    for m in MEASURES_DECLARED:
        print(f"{m.name:<30}{m.unit:<16}{BETTER[m.better]:<8}{m.doc}")
    return 0
