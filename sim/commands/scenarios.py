"""`aligned scenarios`: list the scenario library with titles."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned scenarios`."""
    p = sub.add_parser("scenarios", help="list scenarios with their titles")
    p.add_argument("--json", action="store_true", help="print the list as JSON (name, title, "
                   "description, steps, seed, compare_with, extends, file)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print one line per scenario (or the list as JSON)."""
    from sim import scenario

    names = scenario.available()
    specs = [scenario.load(name) for name in names]
    if args.json:
        rows = [{"name": s.name, "title": s.title, "description": s.description,
                 "steps": s.steps, "seed": s.seed, "compare_with": s.compare_with,
                 "extends": s.extends, "file": str(s.path)} for s in specs]
        print(json.dumps(rows, indent=2))
        return 0
    width = max((len(n) for n in names), default=0)
    for name, spec in zip(names, specs, strict=True):
        print(f"{name:<{width}}  {spec.title}")
    return 0
