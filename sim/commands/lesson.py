"""`aligned lesson SCENARIO`: write a self-contained HTML handout for a class."""

from __future__ import annotations

import argparse

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
    """Check the input and the destination, build and write the handout."""
    from sim import lesson, scenario
    from sim.files import check_out_file

    if args.seeds < 1:
        raise InputError(f"--seeds {args.seeds}: expected an integer ≥ 1")
    check_batch_options(args)
    name = scenario.load(args.scenario).name
    out = args.out or f"results/lessons/{name}.html"
    check_out_file(out, "--out" if args.out else "output file", "a file name ending in .html")
    if not out.endswith((".html", ".htm")):
        raise InputError(f"--out {out}: expected a file name ending in .html")
    results = args.results or f"results/lessons/{name}"
    try:
        path = lesson.write(args.scenario, out, args.seeds, args.workers,
                            progress=not args.quiet, results=results, fresh=args.fresh,
                            announce=say(args))
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write the handout ({exc.strerror})") from None
    print(f"wrote {path}")
    return 0
