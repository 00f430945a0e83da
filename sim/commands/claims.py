"""`aligned claims [SCENARIO ...]`: check the claims scenario files state, print a table."""

from __future__ import annotations

import argparse
import sys

from sim.errors import InputError

DEFAULT_RESULTS = "results/claims"


def add_batch_options(p: argparse.ArgumentParser, results: str) -> None:
    """Options of the commands whose runs are kept in a results folder and reused."""
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: ALIGNED_WORKERS, else every core)")
    p.add_argument("--results", metavar="DIR",
                   help=f"folder that keeps the runs, reused by the next call (default: "
                   f"{results})")
    p.add_argument("--resume", action="store_true",
                   help="reuse the finished runs in the results folder (always done; this "
                   "says so)")
    p.add_argument("--fresh", action="store_true",
                   help="discard the runs kept in the results folder and run them all again")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def check_batch_options(args: argparse.Namespace) -> None:
    """Check the shared options where they enter."""
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    if args.resume and args.fresh:
        raise InputError("--resume and --fresh: choose one")


def say(args: argparse.Namespace):
    """Where progress lines go: stderr, unless --quiet."""
    if args.quiet:
        return None
    return lambda line: print(line, file=sys.stderr, flush=True)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned claims`."""
    p = sub.add_parser("claims", help="check the scenarios' stated claims over paired seeds",
                       description="Run every claim stated in the scenario files (or in the "
                       "named scenarios) over its paired seeds and print a Markdown table: "
                       "medians, effect, Wilcoxon p and the verdict (held, not held, or "
                       "inconclusive when the seeds are too few to reach p < 0.01). A claim "
                       "that does not hold is a finding, not an error: the exit code is 1 "
                       "only with --strict. Runs are kept in a results folder and reused.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="only the claims of these scenarios (default: all)")
    p.add_argument("--seeds", type=int, metavar="N",
                   help="seeds per claim instead of each claim's own number")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when a claim does not hold (default: only errors fail)")
    p.add_argument("--posterior", type=int, metavar="N",
                   help="judge each claim over N draws of the calibration's posterior (one "
                   "seed each, paired) instead of its seeds: the verdict across draws, the "
                   "share of draws in which it holds, and the fitted parameters its effect "
                   "follows (supported, depends on X, weaker than claimed, contradicted, or "
                   "inconclusive)")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    add_batch_options(p, DEFAULT_RESULTS)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the claims and print the table."""
    from sim import claims, scenario

    if args.seeds is not None and args.seeds < 1:
        raise InputError(f"--seeds {args.seeds}: expected an integer ≥ 1")
    check_batch_options(args)
    for name in args.scenarios:
        scenario.locate(name)
    stated = claims.library_claims(args.scenarios or None)
    if not stated:
        print("no claims stated")
        return 0
    if args.posterior is not None:
        return handle_posterior(args, stated)
    verdicts = claims.check(stated, args.workers, progress=not args.quiet, seeds=args.seeds,
                            results=args.results or DEFAULT_RESULTS, fresh=args.fresh,
                            announce=say(args))
    failed = [v for v in verdicts if not v.held]
    if args.json:
        import json

        print(json.dumps([v.as_json() for v in verdicts], indent=2, allow_nan=False))
    else:
        print(claims.markdown_table(verdicts))
        open_ = sum(v.status == "inconclusive" for v in verdicts)
        print(f"\n{len(verdicts) - len(failed)} of {len(verdicts)} claims held "
              f"(paired Wilcoxon p < {claims.ALPHA:g} and the stated effect)"
              + (f"; {open_} inconclusive (too few seeds to reach p < {claims.ALPHA:g})"
                 if open_ else ""))
    return 1 if failed and args.strict else 0


def handle_posterior(args: argparse.Namespace, stated: list) -> int:
    """`--posterior N`: every claim over N posterior draws."""
    from sim import posterior

    if args.seeds is not None:
        raise InputError("--seeds and --posterior: choose one (over the posterior, each draw "
                         "runs one seed)")
    if args.fresh:
        raise InputError("--fresh: not with --posterior (runs over draws are kept by their "
                         "parameters, so a new posterior never reuses an old one's runs)")
    verdicts = posterior.check(stated, args.posterior, args.workers, progress=not args.quiet,
                               results=args.results or DEFAULT_RESULTS, announce=say(args))
    if args.json:
        import json

        print(json.dumps([v.as_json() for v in verdicts], indent=2, allow_nan=False))
    else:
        print(posterior.markdown(verdicts))
        counts: dict[str, int] = {}
        for v in verdicts:
            key = "depends on a parameter" if v.label.startswith("depends") else v.label
            counts[key] = counts.get(key, 0) + 1
        print(f"\nover {args.posterior} posterior draws: " + ", ".join(
            f"{n} {label}" for label, n in sorted(counts.items())))
    return 1 if args.strict and any(not v.verdict.held for v in verdicts) else 0
