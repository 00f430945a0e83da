"""Does the firm's past decide where it ends? Hysteresis in one lever, the hallmark of a
tipping point.

Usage:
    python experiments/hysteresis.py [SCENARIO] [--lever meeting_hours] [--values 4 6 8]
        [--low 0] [--high 20] [--weeks 260] [--seeds 0 1 2 3] [--set NAME=VALUE ...]

For each value v of the lever and each seed it runs three ten-year histories of SCENARIO
(default contagious_engagement): `--weeks` at the lever's `--low` end, then `--weeks` at v
("from low"); the same from the `--high` end ("from high"); and v throughout ("fresh").
It prints the mean engagement of the present employees at the end of each. Where the
model has a tipping point the "from low" and "from high" ends differ at the same v: which
state a team is in depends on where it came from. Changing the lever mid-run is what the
visualizer's controls do (`WorkplaceModel.set_params`). The runs go to the batch engine's
process pool (`--workers`, else ALIGNED_WORKERS, else every core; a progress bar on stderr).

    python experiments/hysteresis.py                                   # contagion 6
    python experiments/hysteresis.py --set engagement_contagion=0     # no contagion
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from sim import scenario as scenarios
from sim.errors import InputError
from sim.model import WorkplaceModel
from sim.params import check_values
from sim.study.executors import run_all
from sim.study.workers import default_workers


def end_engagement(params: dict, lever: str, first: float, then: float, weeks: int,
                   seed: int) -> float:
    """Mean engagement after `weeks` at lever = first and `weeks` more at lever = then."""
    model = WorkplaceModel(seed=seed, **{**params, lever: first})
    for _ in range(weeks):
        model.step()
    model.set_params(**{lever: then})
    for _ in range(weeks):
        model.step()
    emp = model.employees
    return float(emp.engagement[emp.active_rows].mean())


def end_engagement_job(job: tuple) -> float:
    """`end_engagement` of one (params, lever, first, then, weeks, seed), in a worker."""
    return end_engagement(*job)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="contagious_engagement")
    parser.add_argument("--lever", default="meeting_hours")
    parser.add_argument("--values", type=float, nargs="+", default=[4.0, 6.0, 8.0])
    parser.add_argument("--low", type=float, default=0.0)
    parser.add_argument("--high", type=float, default=20.0)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: ALIGNED_WORKERS, else every core)")
    args = parser.parse_args(argv)
    try:
        params = dict(scenarios.load(args.scenario).params)
        for item in args.set:
            name, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"--set {item!r}: expected NAME=VALUE")
            params.update(check_values({name: float(value)}, "--set"))
        for v in (args.low, args.high, *args.values):
            check_values({args.lever: v}, "--lever")
        if args.weeks < 1:
            raise InputError(f"--weeks {args.weeks}: expected at least 1")
        default_workers(args.workers)
    except (InputError, ValueError) as exc:
        print(f"hysteresis: {exc}", file=sys.stderr)
        return 2
    print(f"{args.scenario} {' '.join(args.set)}: mean engagement after {args.weeks} weeks at "
          f"{args.lever} = low/high/v, then {args.weeks} at v; seeds {args.seeds}")
    print(f"  {args.lever:>14} {'from low':>22} {'from high':>22} {'fresh':>22}")
    jobs = [(params, args.lever, first, v, args.weeks, s) for v in args.values
            for first in (args.low, args.high, v) for s in args.seeds]
    ends = iter(run_all(end_engagement_job, jobs, args.workers, progress=True,
                        desc="hysteresis"))
    for v in args.values:
        cells = []
        for _ in range(3):  # from low, from high, fresh
            found = [next(ends) for _ in args.seeds]
            cells.append(f"{np.mean(found):.2f} ({min(found):.2f}-{max(found):.2f})")
        print(f"  {v:>14g} " + " ".join(f"{c:>22}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
