"""`aligned lesson SCENARIO`: write a self-contained HTML handout for a class."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands.claims import add_batch_options, check_batch_options, say
from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned lesson`."""
    p = sub.add_parser("lesson", help="write a self-contained HTML handout for a scenario",
                       description="Run a scenario and the one it is compared with over paired "
                       "seeds and write an HTML handout: the narrative, what the scenario "
                       "changes, charts (median and interquartile band), each claim with its "
                       "test and verdict, and things to try. Works offline. Runs are kept in "
                       "a results folder and reused.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario name (`aligned scenarios`)")
    p.add_argument("--out", metavar="FILE.html",
                   help="where to write the handout (default: results/lessons/SCENARIO.html)")
    p.add_argument("--seeds", type=int, default=10, metavar="N",
                   help="paired seeds per scenario (default 10; claims need 10 to be tested "
                   "at p < 0.01)")
    add_batch_options(p, "results/lessons/SCENARIO/")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Build and write the handout."""
    from sim import lesson, scenario

    if args.seeds < 1:
        raise InputError(f"--seeds {args.seeds}: expected an integer ≥ 1")
    check_batch_options(args)
    if args.out and not args.out.endswith((".html", ".htm")):
        raise InputError(f"--out {args.out}: expected a file name ending in .html")
    if args.out and Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: is a folder; expected a file name ending in .html")
    name = scenario.load(args.scenario).name
    results = args.results or f"results/lessons/{name}"
    path = lesson.write(args.scenario, args.out, args.seeds, args.workers,
                        progress=not args.quiet, results=results, fresh=args.fresh,
                        announce=say(args))
    print(f"wrote {path}")
    return 0
