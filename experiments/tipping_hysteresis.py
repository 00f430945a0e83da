"""Does the firm's past decide whether it survives? Hysteresis at the death spiral's tipping
point, run with scenario events (`[[events]]`: a parameter change from a week on).

Usage:
    python experiments/tipping_hysteresis.py [SCENARIO] [--lever control_meetings]
        [--values 10 12 14] [--low 0] [--high 25] [--weeks 104] [--steps 520]
        [--seeds N] [--workers N]

For each value v of the lever it runs SCENARIO (default death_spiral) over `--seeds` seeds
(1..N) with three histories: `--weeks` at the lever's `--low` end and then v ("from low"),
`--weeks` at its `--high` end and then v ("from high"), and v throughout ("fresh"); each
history is one event at week `--weeks` + 1. It prints the share of firms still operating
after `--steps` weeks. Where the outcome has a tipping point with memory, the firm that
started under heavy pressure is already in the spiral when the lever eases, and survives
less often than the one that started calm, at the same v for the rest of the run.
The runs go to the batch engine's process pool (`--workers`, else ALIGNED_WORKERS, else
every core).
"""

from __future__ import annotations

import argparse
import sys

from sim import scenario as scenarios
from sim.errors import InputError
from sim.params import check_values
from sim.runner import simulate
from sim.scenario import Event
from sim.study.executors import run_all
from sim.study.workers import default_workers


def survived(job: tuple) -> bool:
    """Whether one history's firm is still operating at the end (in a worker)."""
    scenario, lever, first, then, weeks, steps, seed = job
    events = (Event(weeks + 1, {lever: then}, "the lever moves"),)
    spec = scenarios.load(scenario)
    _, frame = simulate({**spec.params, lever: first}, seed, steps,
                        events=(*spec.events, *events))
    return bool(frame["operating"].iloc[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="death_spiral")
    parser.add_argument("--lever", default="control_meetings")
    parser.add_argument("--values", type=float, nargs="+", default=[10.0, 12.0, 14.0])
    parser.add_argument("--low", type=float, default=0.0)
    parser.add_argument("--high", type=float, default=25.0)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        scenarios.load(args.scenario)
        for v in (args.low, args.high, *args.values):
            check_values({args.lever: v}, "--lever")
        if not 1 <= args.weeks < args.steps or args.seeds < 1:
            raise InputError("--weeks must be at least 1 and less than --steps, --seeds ≥ 1")
        default_workers(args.workers)
    except (InputError, ValueError) as exc:
        print(f"tipping_hysteresis: {exc}", file=sys.stderr)
        return 2
    seeds = range(1, args.seeds + 1)
    histories = {"from low": args.low, "from high": args.high}
    jobs, keys = [], []
    for v in args.values:
        for name, first in (*histories.items(), ("fresh", v)):
            for seed in seeds:
                jobs.append((args.scenario, args.lever, first, v, args.weeks, args.steps, seed))
                keys.append((v, name))
    results = run_all(survived, jobs, args.workers, progress=True, desc="histories")
    print(f"{args.scenario}: share of {args.seeds} firms operating after {args.steps} weeks, "
          f"having spent weeks 1-{args.weeks} at {args.lever} = {args.low:g} (from low), "
          f"{args.high:g} (from high) or v (fresh), and v after")
    print(f"  {args.lever:>18} {'from low':>10} {'from high':>10} {'fresh':>10}")
    for v in args.values:
        shares = {name: sum(r for r, k in zip(results, keys, strict=True) if k == (v, name))
                  / args.seeds for name in ("from low", "from high", "fresh")}
        print(f"  {v:>18g} {shares['from low']:>10.2f} {shares['from high']:>10.2f} "
              f"{shares['fresh']:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
