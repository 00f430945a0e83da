"""`aligned sweep SPEC`: run an experiment spec on local processes or a Dask cluster."""

from __future__ import annotations

import argparse
import json
import sys

from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned sweep`."""
    p = sub.add_parser(
        "sweep", help="run an experiment (a parameter sweep) and save its results as Parquet",
        description="Run the runs of an experiment spec (a name in experiments/ or a path to a "
        "TOML file) on a local process pool or a Dask cluster, writing finished runs to "
        "Parquet as they complete. `aligned report DIR` analyses the results.")
    p.add_argument("spec", metavar="SPEC", help="experiment name or path to a .toml spec")
    p.add_argument("--out", metavar="DIR",
                   help="results folder (default: results/NAME, NAME from the spec)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: a process pool on this machine (default); dask: a Dask "
                   "LocalCluster, or the cluster given by --scheduler")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies "
                   "--executor dask; the workers need this package installed)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: ALIGNED_WORKERS, else every core)")
    p.add_argument("--resume", action="store_true",
                   help="continue a sweep in DIR: skip its finished runs, rerun failed ones, "
                   "redo the runs of damaged files")
    p.add_argument("--yes", action="store_true",
                   help="run a spec larger than the limits (runs, results, memory) anyway")
    p.add_argument("--start-method", choices=("fork", "forkserver", "spawn"),
                   help="how the local pool starts workers (default: fork when safe)")
    p.add_argument("--quiet", action="store_true", help="no size line and no progress bar")
    p.add_argument("--json", action="store_true",
                   help="print the closing summary as JSON (progress stays on stderr)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the sweep and print the closing summary."""
    from sim import study

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    spec = study.load_spec(args.spec)
    out = args.out or f"results/{spec.name}"
    try:
        outcome = study.execute(
            spec, out=out, executor=args.executor, workers=args.workers,
            scheduler=args.scheduler, resume=args.resume, progress=not args.quiet,
            start_method=args.start_method, yes=args.yes,
            announce=None if args.quiet else lambda line: print(line, file=sys.stderr,
                                                                flush=True))
    except study.SweepInterrupted as stopped:
        if args.json:
            print(json.dumps(stopped.outcome.as_dict(), indent=2))
        else:
            print(stopped.outcome.summary(), file=sys.stderr)
        print("aligned: interrupted", file=sys.stderr)
        return 130
    print(json.dumps(outcome.as_dict(), indent=2) if args.json else outcome.summary())
    return outcome.exit_code
