"""Look for a tipping point: a 1-D scan of one lever, ten-year outcomes per seed.

Usage:
    python experiments/tipping_scan.py SCENARIO LEVER V1 V2 ... [--seeds 0 1 2 3 4]
        [--steps 520] [--workers N] [--measures customers profit ...] [--per-seed]
        [--set NAME=VALUE ...]

Runs SCENARIO (a name in scenarios/ or a path) once per lever value and seed on the batch
engine's process pool (`--workers`, else ALIGNED_WORKERS, else every core; a progress bar
on stderr), and prints for each value the mean, standard deviation, minimum and
maximum across seeds of each outcome: the last-year mean (weeks 469-520 of a ten-year run)
of customers, customer satisfaction, trust in managers, engagement, headcount, profit (k$
a week), budget cut and the annual quit rate. `--per-seed` also prints every seed's value.

Below each measure's table it prints the sharpness of the response: the largest change of
the seed mean between two neighbouring lever values as a share of the whole change from the
lowest to the highest value (1.0: all of the change happens in one step; for a straight line
over n equally spaced values, 1/(n-1)), that step against the median standard deviation
across seeds (a step within a few standard deviations is noise, and when the whole change is
small the share means nothing), and the widest seed spread (max - min) at any value. A
tipping point shows as one small step carrying most of a large change, many seed standard
deviations wide, with a wide (bimodal) spread across seeds near it; `--per-seed` shows
whether the seeds split into two groups there.

The scans behind the finding "No tipping point" in scenarios/README.md (seeds 0-4 unless
given; run each as `python experiments/tipping_scan.py ...`, under a minute on two cores):
    tipping_scan.py baseline case_rate 0.3 0.35 0.4 0.42 0.44 0.46 0.48 0.5 0.55 0.6 \
        --seeds 0 1 2 3 4 5 6 7 8 9 --per-seed
    tipping_scan.py baseline case_rate 0.44 0.46 0.48 --seeds $(seq 0 29) --per-seed
    tipping_scan.py baseline n_customers 1000 1500 1750 2000 2250 2500 3000 --set case_rate=0.42
    tipping_scan.py baseline overload_effect 0.5 1 1.25 1.5 1.75 2 2.5 3 --set case_rate=0.42 \
        --seeds 0 1 2 3 4 5 6 7 8 9
    tipping_scan.py baseline cost_cutting 0 1 2 4 6 8 10 --set case_rate=0.45
    tipping_scan.py baseline short_term_share 0 0.25 0.5 0.75 1 --set case_rate=0.45
    tipping_scan.py baseline market_size 2000 2500 3000 3500 4000 5000 6000 8000
    tipping_scan.py baseline meeting_hours 0 4 8 12 16 20 25 30
    tipping_scan.py baseline quit_sensitivity 0 1.5 3 4.5 6 8 10 12
    tipping_scan.py baseline hiring_lag_weeks 0 4 8 13 20 26 39 52
    tipping_scan.py baseline manager_reliability 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9
    tipping_scan.py baseline n_employees 120 140 160 170 180 190 200 240
    tipping_scan.py baseline word_of_mouth 0 0.002 0.004 0.008 0.016 0.03 0.05
    tipping_scan.py trust_spiral case_rate 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5
    tipping_scan.py trust_spiral case_rate 0.34 0.37 0.4 0.43 --seeds 0 1 2 3 4 5 6 7 8 9
    tipping_scan.py trust_spiral cost_cutting 0 0.1 0.2 0.3 0.5 0.75 1 2 4 6 8 10 15 20
    tipping_scan.py trust_spiral pressure_threshold 0 0.01 0.02 0.03 0.04 0.05 0.06 0.08
    tipping_scan.py trust_spiral cut_reliability_loss 0 0.25 0.5 0.75 1
    tipping_scan.py trust_spiral short_term_share 0 0.25 0.5 0.75 0.9 1
    tipping_scan.py trust_spiral market_size 1000 1200 1400 1600 1800 2000 2400 3000
    tipping_scan.py trust_spiral manager_reliability 0.3 0.4 0.5 0.6 0.7 0.8 0.9
    tipping_scan.py trust_spiral price 190 200 210 220 230 240 260 --set market_size=3000
"""

from __future__ import annotations

import argparse
import sys
from itertools import product

import numpy as np

import sim
from sim import scenario as scenarios
from sim.clock import WEEKS_PER_YEAR
from sim.errors import InputError
from sim.measures import MEASURES as DECLARED
from sim.params import check_values
from sim.study.executors import run_all
from sim.study.workers import default_workers

MEASURES = ("customers", "customer_satisfaction", "trust_employee_manager", "engagement_mean",
            "headcount", "profit", "budget_cut", "annual_quit_rate")


def one_run(job: tuple) -> tuple[float, int, dict]:
    """Run one (value, seed) and return its last-year means of the measures."""
    scenario, fixed, lever, value, seed, steps, measures = job
    result = sim.run(scenario, seed=seed, steps=steps, **{**fixed, lever: value})
    last = result.summary["last_year"]
    out = {m: float(last[m]) for m in measures}
    if "profit" in out:
        out["profit"] /= 1000.0
    return value, seed, out


def scan(scenario: str, fixed: dict[str, float], lever: str, values: list[float],
         seeds: list[int], steps: int, workers: int | None,
         measures: tuple[str, ...], progress: bool = True) -> dict[str, np.ndarray]:
    """Outcome arrays of shape (len(values), len(seeds)) per measure."""
    tasks = [(scenario, fixed, lever, v, s, steps, measures)
             for v, s in product(values, seeds)]
    table = {m: np.full((len(values), len(seeds)), np.nan) for m in measures}
    for value, seed, out in run_all(one_run, tasks, workers, progress, desc="scan"):
        i, j = values.index(value), seeds.index(seed)
        for m in measures:
            table[m][i, j] = out[m]
    return table


def report(lever: str, values: list[float], seeds: list[int], table: dict[str, np.ndarray],
           per_seed: bool) -> None:
    for m, data in table.items():
        mean = data.mean(axis=1)
        sd = data.std(axis=1, ddof=1) if data.shape[1] > 1 else np.zeros(len(values))
        print(f"\n{m}")
        head = f"  {lever:>24} {'mean':>10} {'sd':>9} {'min':>10} {'max':>10}"
        print(head + ("   per seed " + " ".join(str(s) for s in seeds) if per_seed else ""))
        for i, v in enumerate(values):
            row = (f"  {v:>24g} {mean[i]:>10.3f} {sd[i]:>9.3f} {data[i].min():>10.3f} "
                   f"{data[i].max():>10.3f}")
            if per_seed:
                row += "   " + " ".join(f"{x:.3f}" for x in data[i])
            print(row)
        steps = np.diff(mean)
        total = mean[-1] - mean[0]
        k = int(np.argmax(np.abs(steps)))
        spread = data.max(axis=1) - data.min(axis=1)
        share = abs(steps[k]) / abs(total) if total else float("inf")
        noise = float(np.median(sd)) if np.median(sd) > 0 else float("nan")
        print(f"  largest step {values[k]:g} -> {values[k + 1]:g}: {steps[k]:+.3f} "
              f"({share:.2f} of the whole change {total:+.3f}; a straight line gives "
              f"{1 / (len(values) - 1):.2f}; {abs(steps[k]) / noise:.1f} x the median seed sd "
              f"{noise:.3f}); widest seed spread {spread.max():.3f} at {lever} = "
              f"{values[int(np.argmax(spread))]:g}")


def checked_inputs(args: argparse.Namespace) -> dict[str, float]:
    """The fixed parameters of `--set`, after checking every input (an InputError names the
    first bad one) so that a scan never fails half-way."""
    scenarios.load(args.scenario)
    fixed = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set {item!r}: expected NAME=VALUE")
        try:
            fixed[name] = float(value)
        except ValueError:
            raise InputError(f"--set {item!r}: {value!r} is not a number") from None
    check_values(fixed, "--set")
    for value in args.values:
        check_values({args.lever: value}, "lever")
    if len(args.values) < 2:
        raise InputError(f"lever {args.lever}: give at least two values to scan")
    known = tuple(DECLARED)
    unknown = [m for m in args.measures if m not in known]
    if unknown:
        raise InputError(f"--measures: unknown measure {unknown[0]!r}; known: {', '.join(known)}")
    if args.steps < WEEKS_PER_YEAR or not args.seeds:
        raise InputError("--steps must be at least 52 (outcomes are last-year means), "
                         "and --seeds not empty")
    default_workers(args.workers)
    return fixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("lever")
    parser.add_argument("values", type=float, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--workers", "--jobs", type=int, default=None,
                        help="worker processes (default: ALIGNED_WORKERS, else every core)")
    parser.add_argument("--measures", nargs="+", default=list(MEASURES))
    parser.add_argument("--per-seed", action="store_true")
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                        help="other parameters held fixed over the scan")
    args = parser.parse_args(argv)
    try:
        fixed = checked_inputs(args)
    except InputError as exc:
        print(f"tipping_scan: {exc}", file=sys.stderr)
        return 2
    print(f"scan: {args.scenario} {fixed or ''}, {args.lever} over {args.values}, seeds "
          f"{args.seeds}, {args.steps} weeks; last-year means (profit in k$/week)")
    table = scan(args.scenario, fixed, args.lever, args.values, args.seeds, args.steps,
                 args.workers, tuple(args.measures))
    report(args.lever, args.values, args.seeds, table, args.per_seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
