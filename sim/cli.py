"""The `aligned` command line: run, scenarios, params (and the commands of sim/commands/).

Each subcommand lives in its own module under `sim.commands` with `add_parser(subparsers)`;
bad input ends in one line naming what was wrong, with exit code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim.errors import InputError

#: Subcommand modules, in the order `aligned --help` lists them.
COMMANDS = ("run", "viz", "scenarios", "lesson", "claims", "params", "measures", "sweep",
            "report", "validate", "bench")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="aligned",
        description="Agent-based simulation of workplace ecosystems: incentives, trust, "
        "engagement and alignment.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"sim.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"aligned: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aligned: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
