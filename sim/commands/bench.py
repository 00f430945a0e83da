"""`aligned bench`: time the model at several firm sizes, against Mesa's BoltzmannWealth."""

from __future__ import annotations

import argparse
import json
import sys

from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned bench`."""
    from sim.bench import DEFAULT_SIZES, SIZES

    p = sub.add_parser(
        "bench", help="time the model at several sizes, side by side with plain Mesa",
        description="Time a run of the baseline firm at each size (each in a fresh process), "
        "with the share of each phase of the step and of data collection, peak memory, "
        "Mesa's BoltzmannWealth at the same number of agents, the scaling exponent, and "
        "runs per second of a short batch of default runs through the sweep's batch path "
        "(`aligned sweep throughput` runs the full 1,000). "
        f"Sizes: {', '.join(f'{k} ({e}×{c})' for k, (e, c) in SIZES.items())}, or "
        f"EMPLOYEESxCUSTOMERS. Default: {' '.join(DEFAULT_SIZES)}.")
    add_arguments(p)
    p.set_defaults(handler=handle)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `aligned bench`."""
    from sim.bench import (
        DEFAULT_BATCH_RUNS,
        DEFAULT_MESA_BUDGET,
        DEFAULT_REPEATS,
        DEFAULT_SIZES,
        DEFAULT_STEPS,
    )

    p.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), metavar="SIZE",
                   help="firm sizes: names or EMPLOYEESxCUSTOMERS (default: %(default)s)")
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                   help="weeks per run (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                   help="timed runs per size; the fastest counts (default: %(default)s)")
    p.add_argument("--mesa-budget", type=float, default=DEFAULT_MESA_BUDGET, metavar="SECONDS",
                   help="stop BoltzmannWealth after this many seconds of stepping if it has "
                   "not done --steps by then; its rate is measured over the steps it ran "
                   "(default: %(default)s)")
    p.add_argument("--no-mesa", dest="mesa", action="store_false",
                   help="skip the BoltzmannWealth comparison")
    p.add_argument("--batch-runs", type=int, default=DEFAULT_BATCH_RUNS, metavar="RUNS",
                   help="default runs of --steps weeks through the sweep's batch path, for "
                   "batch_runs_per_s; 0 skips it; `aligned sweep throughput` is the full "
                   "measurement of 1,000 runs (default: %(default)s)")
    p.add_argument("--batch-workers", type=int, default=None, metavar="N",
                   help="worker processes of that batch (default: every core)")
    p.add_argument("--no-profile", dest="profile", action="store_false",
                   help="skip the run under the profiler (where the time goes: random draws, "
                   "Mesa's bookkeeping, Python-level calls, the costliest functions)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")


def handle(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures."""
    from sim.bench import Options, format_report, parse_size, run

    if args.steps < 1:
        raise InputError(f"--steps {args.steps}: expected an integer ≥ 1")
    if args.repeats < 1:
        raise InputError(f"--repeats {args.repeats}: expected an integer ≥ 1")
    if args.mesa_budget <= 0:
        raise InputError(f"--mesa-budget {args.mesa_budget}: expected a number of seconds > 0")
    if args.batch_runs < 0:
        raise InputError(f"--batch-runs {args.batch_runs}: expected an integer ≥ 0")
    if args.batch_workers is not None and args.batch_workers < 1:
        raise InputError(f"--batch-workers {args.batch_workers}: expected an integer ≥ 1")
    for text in args.sizes:
        parse_size(text)
    options = Options(sizes=args.sizes, steps=args.steps, repeats=args.repeats,
                      mesa=args.mesa, mesa_budget=args.mesa_budget, seed=args.seed,
                      batch_runs=args.batch_runs, batch_workers=args.batch_workers,
                      profile=args.profile)
    report = run(options, progress=None if args.json else
                 lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
