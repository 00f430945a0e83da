"""`aligned claims [SCENARIO ...]`: check the claims scenario files state, print a table."""

from __future__ import annotations

import argparse
import sys

from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned claims`."""
    p = sub.add_parser("claims", help="check the scenarios' stated claims over paired seeds",
                       description="Run every claim stated in the scenario files (or in the "
                       "named scenarios) over its paired seeds and print a Markdown table: "
                       "medians, effect, Wilcoxon p and whether it held. Exit code 1 if one "
                       "did not hold.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="only the claims of these scenarios (default: all)")
    p.add_argument("--seeds", type=int, metavar="N",
                   help="seeds per claim instead of each claim's own number")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: ALIGNED_WORKERS or 2)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the claims and print the table."""
    from sim import claims, scenario

    if args.seeds is not None and args.seeds < 1:
        raise InputError(f"--seeds {args.seeds}: expected an integer ≥ 1")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    for name in args.scenarios:
        scenario.locate(name)
    stated = claims.library_claims(args.scenarios or None)
    if not stated:
        print("no claims stated")
        return 0
    verdicts = claims.check(stated, args.workers, progress=sys.stderr.isatty(), seeds=args.seeds)
    print(claims.markdown_table(verdicts))
    failed = [v for v in verdicts if not v.held]
    print(f"\n{len(verdicts) - len(failed)} of {len(verdicts)} claims held "
          f"(paired Wilcoxon p < {claims.ALPHA:g} and the stated effect)")
    return 1 if failed else 0
