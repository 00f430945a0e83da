"""`aligned calibrate`: fit the baseline's uncertain parameters to published moments (ABC),
writing the posterior that `--posterior N` draws from."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned calibrate`."""
    from sim.calibrate import DEFAULT_FOLDER, Settings

    d = Settings()
    p = sub.add_parser(
        "calibrate", help="fit the baseline's uncertain parameters (ABC) and write the "
        "posterior",
        description="Fit the baseline firm's uncertain parameters to Gallup's bands, the "
        "quit and customer churn rates, Harter's unit-level correlations and the "
        "public-goods decay by adaptive population Monte Carlo ABC, on the local pool or "
        "Dask. Each generation's runs are kept in --folder as they finish: run the same "
        "command again to resume. The posterior (weighted draws with the fit's metadata) "
        "goes to --out. docs/validation.md describes priors, targets and diagnostics.")
    p.add_argument("--particles", type=int, default=d.particles,
                   help="particles a generation (default: %(default)s)")
    p.add_argument("--alpha", type=float, default=d.alpha,
                   help="share of particles kept each generation (default: %(default)s)")
    p.add_argument("--p-acc-min", type=float, default=d.p_acc_min,
                   help="stop when fewer new particles than this beat the last tolerance "
                   "(default: %(default)s)")
    p.add_argument("--generations", type=int, default=d.max_generations,
                   help="at most this many generations (default: %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="the fit's seed (default: "
                   "%(default)s)")
    p.add_argument("--max-runs", type=int, metavar="N",
                   help="stop before a generation that would take the runs past N")
    p.add_argument("--folder", default=str(DEFAULT_FOLDER), metavar="DIR",
                   help="where the runs are kept, and resumed from (default: %(default)s)")
    p.add_argument("--out", metavar="FILE",
                   help="the posterior file (default: ALIGNED_POSTERIOR, else "
                   "scenarios/calibration/posterior.parquet)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: a process pool on this machine (default); dask: a Dask "
                   "LocalCluster, or the cluster given by --scheduler")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of a running Dask "
                   "scheduler (implies --executor dask)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: ALIGNED_WORKERS, else every core)")
    p.add_argument("--check", type=int, metavar="N",
                   help="instead of fitting: run the baseline at N draws of the posterior "
                   "file (--out) and compare each moment's median and 90%% interval with "
                   "its target (a posterior predictive check)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run or resume the fit; write the posterior."""
    from sim import calibrate
    from sim.files import check_out_file
    from sim.study.executors import make_executor
    from sim.study.store import FolderLock

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    if args.max_runs is not None and args.max_runs < 1:
        raise InputError(f"--max-runs {args.max_runs}: expected an integer ≥ 1")
    if args.check is not None:
        return handle_check(args)
    settings = calibrate.Settings(particles=args.particles, alpha=args.alpha,
                                  p_acc_min=args.p_acc_min, max_generations=args.generations,
                                  seed=args.seed)
    settings.check()
    out = Path(args.out) if args.out else calibrate.posterior_file()
    check_out_file(out, "--out")
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr,
                                                                      flush=True))
    with FolderLock(folder):
        executor = make_executor(args.executor, args.workers, args.scheduler)
        try:
            result = calibrate.fit(folder, settings, executor, progress=not args.quiet,
                                   say=say, max_runs=args.max_runs)
        finally:
            close = getattr(executor, "close", None)
            if close is not None:
                close()
    if result.interrupted:
        print(f"aligned: interrupted; the finished runs are kept in {folder}: run the same "
              "command to resume", file=sys.stderr)
        return 130
    if result.posterior is None:
        print(f"aligned calibrate: no generation finished ({folder})", file=sys.stderr)
        return 1
    meta = calibrate.metadata(result, time.perf_counter() - start, executor.name,
                              executor.workers)
    path = calibrate.write_posterior(result, meta, out)
    last = result.generations[-1]
    print(f"{path}: {len(result.posterior)} particles after {len(result.generations)} "
          f"generations, {result.runs} runs; tolerance {last.epsilon:.3f}, acceptance "
          f"{last.p_acc:.2f}, effective sample size {meta['ess']:.0f}")
    return 0


def handle_check(args: argparse.Namespace) -> int:
    """`--check N`: the posterior predictive check, as a table."""
    from sim import calibrate

    if args.check < 1:
        raise InputError(f"--check {args.check}: expected an integer ≥ 1")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    rows = calibrate.predictive_check(args.check, args.workers, progress=not args.quiet,
                                      path=Path(args.out) if args.out else None)
    print(f"{args.check} posterior draws, seeds 100-{99 + args.check}; firms that failed before "
          f"their last year: {rows[0]['failed']} (the moments are those of the others)")
    print(f"{'moment':<28}{'target':>9}{'±':>7}{'median':>9}{'5%':>9}{'95%':>9}  within")
    for r in rows:
        name = r["moment"] + ("" if r["fitted"] else " (held out)")
        print(f"{name:<28}{r['target']:>9.3f}{r['tolerance']:>7.3f}{r['median']:>9.3f}"
              f"{r['p05']:>9.3f}{r['p95']:>9.3f}  {'yes' if r['within'] else 'no'}")
    return 0
