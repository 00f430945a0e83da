"""Grid search for the baseline firm's engagement and turnover parameters.

Targets (the last year of a ten-year run — what `aligned run` reports — averaged over seeds):
Gallup's US bands 2010–12 (30% engaged, 52% not engaged, 18% actively disengaged) and an
annual voluntary quit rate in 10–25% (US quits near 2.3% a month in 2018–19). The loss is
the sum of squared band errors plus a penalty outside the quit band. Writes the table it
searched as CSV.

Grids: `model2` and `model2_fine` (the searches for model 2, with the spin-up: the recorded
run starts near the firm's steady state; the second around the first's best cell;
`model2_spinup520` the same again after the spin-up grew to ten years and the starting
staff's tenures and skills were drawn to match a long run), `fine` and `coarse` (model 1's
searches, kept to show how they were made). Seeds 0..N-1 are searched; `aligned validate
calibration` checks the result on other seeds (100 up).

`segments_1` … `segments_7`: the staged search that added heterogeneity between account
teams' customer segments and customer flows at the rate firms report. Each step kept the
best region of the one before (every grid names all its keys, so each runs on its own).
These grids are also scored on annual customer churn (13-20%) and on Harter et al.'s
team-level correlations of engagement with customer satisfaction (+.33) and turnover
(-.30), pooled across seeds as `aligned validate calibration` computes them.

Usage: python experiments/calibrate_baseline.py [--grid NAME] [--seeds N] [--out FILE]
       [--workers N]
"""

from __future__ import annotations

import argparse
import itertools
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

from sim.clock import WEEKS_PER_YEAR
from sim.measures import window_value
from sim.runner import simulate
from sim.scenario import load
from sim.study.executors import run_all
from sim.validation import calibration

TARGET = {"engaged_share": 0.30, "not_engaged_share": 0.52, "actively_disengaged_share": 0.18}
QUIT_BAND = (0.10, 0.25)
GRIDS = {
    "model2": {
        "engagement_bias": [-1.7, -1.5, -1.3, -1.1],
        "engagement_disposition_sd": [0.8, 1.0, 1.2],
        "quit_base": [0.005, 0.009],
    },
    "model2_fine": {
        "engagement_bias": [-1.1, -1.0, -0.9, -0.8],
        "engagement_disposition_sd": [0.5, 0.6, 0.7],
        "quit_base": [0.009],
    },
    "model2_spinup520": {
        "engagement_bias": [-1.0, -0.9, -0.8],
        "engagement_disposition_sd": [0.5, 0.6, 0.7],
        "quit_base": [0.009],
    },
    "segments_1": {**(_SEG := {
        "engagement_bias": [-0.8], "engagement_disposition_sd": [0.6], "quit_base": [0.0075],
        "quit_sensitivity": [3.0], "purpose_effect": [1.5], "segment_difficulty_sd": [0.0],
        "segment_case_rate_sd": [0.0], "segment_strictness_sd": [0.0]}),
        "churn_base": [0.015, 0.05], "base_inflow": [0.002, 0.008]},
    "segments_2": {**_SEG, "churn_base": [0.08, 0.12], "base_inflow": [0.012],
                   "segment_difficulty_sd": [0.9], "segment_case_rate_sd": [0.22],
                   "purpose_effect": [1.5, 0.75], "segment_strictness_sd": [0.0, 0.3]},
    "segments_3": {**_SEG, "churn_base": [0.08], "base_inflow": [0.012, 0.016],
                   "segment_difficulty_sd": [0.9, 1.2], "segment_case_rate_sd": [0.22],
                   "purpose_effect": [1.5, 1.2]},
    "segments_4": {**_SEG, "churn_base": [0.08], "base_inflow": [0.016],
                   "segment_difficulty_sd": [0.9], "segment_case_rate_sd": [0.22, 0.4],
                   "purpose_effect": [1.5, 1.2], "segment_strictness_sd": [0.15, 0.3]},
    "segments_5": {**_SEG, "churn_base": [0.08], "base_inflow": [0.016],
                   "segment_difficulty_sd": [0.9], "segment_case_rate_sd": [0.22, 0.4],
                   "segment_strictness_sd": [0.3], "engagement_bias": [-0.8, -0.65],
                   "quit_sensitivity": [3.0, 2.0]},
    "segments_6": {**_SEG, "churn_base": [0.08], "base_inflow": [0.016],
                   "segment_difficulty_sd": [0.9], "segment_case_rate_sd": [0.4],
                   "segment_strictness_sd": [0.3], "engagement_bias": [-0.65, -0.55],
                   "quit_sensitivity": [2.0], "quit_base": [0.006, 0.005]},
    "segments_7": {**_SEG, "churn_base": [0.08], "base_inflow": [0.016],
                   "segment_difficulty_sd": [0.9], "segment_case_rate_sd": [0.4],
                   "segment_strictness_sd": [0.3], "engagement_bias": [-0.7, -0.65, -0.6, -0.55],
                   "quit_sensitivity": [2.0], "quit_base": [0.005]},
    "coarse": {
        "engagement_bias": [-1.1, -0.9, -0.7],
        "engagement_disposition_sd": [0.5, 0.7, 0.9],
        "quit_base": [0.006, 0.009],
    },
    "fine": {
        "engagement_bias": [-1.2, -1.1, -1.0, -0.9],
        "engagement_disposition_sd": [0.7, 0.8, 0.9, 1.0],
        "quit_base": [0.009],
    },
}


def last_year(job: tuple[dict, int]) -> dict:
    """Band shares and the annual quit rate in the last year of a ten-year run."""
    params, seed = job
    _, frame = simulate(params, seed, 520)
    window = frame.iloc[-WEEKS_PER_YEAR:]
    row = {k: window_value(window, k) for k in TARGET}
    row["annual_quit_rate"] = window_value(window, "annual_quit_rate")
    return row


def evaluate(params: dict, seeds: int, workers: int | None = None) -> dict:
    """Band shares and annual quit rate in the last year, mean over seeds."""
    rows = run_all(last_year, [(params, seed) for seed in range(seeds)], workers)
    return pd.DataFrame(rows).mean().to_dict()


def evaluate_teams(params: dict, seeds: int, workers: int | None = None) -> dict:
    """As `evaluate`, with annual churn and the pooled team-level correlations of
    engagement with customer satisfaction, turnover and productivity; firms that failed
    before the measured year are counted, not averaged."""
    runs = run_all(calibration._run_seed, [(params, seed) for seed in range(seeds)], workers)
    ok = [r for r in runs if np.isfinite(r.churn_rate)]
    row: dict = {"firms_alive": len(ok)}
    if not ok:
        return row
    row.update({k: float(np.mean([r.bands[k] for r in ok])) for k in TARGET})
    row["annual_quit_rate"] = float(np.mean([r.quit_rate for r in ok]))
    row["annual_churn_rate"] = float(np.mean([r.churn_rate for r in ok]))
    for outcome in (*calibration.HSH, *calibration.HSH_HELD_OUT):
        field = calibration._field(outcome)
        row[f"r_{outcome}"] = calibration.pooled_correlation(
            [r.engagement for r in ok], [getattr(r, field) for r in ok])[0]
    return row


def loss(result: dict) -> float:
    """Squared band errors plus a penalty for a quit rate outside its band (and, where
    measured, for churn outside its band and for each Harter correlation's distance)."""
    if "engaged_share" not in result:
        return float("inf")
    bands = sum((result[k] - v) ** 2 for k, v in TARGET.items())
    low, high = QUIT_BAND
    quit = result["annual_quit_rate"]
    total = bands + max(0.0, low - quit) ** 2 + max(0.0, quit - high) ** 2
    if "annual_churn_rate" in result:
        low, high = calibration.CHURN_RANGE
        churn = result["annual_churn_rate"]
        total += max(0.0, low - churn) ** 2 + max(0.0, churn - high) ** 2
        total += sum((result[f"r_{k}"] - v) ** 2 for k, v in calibration.HSH.items())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=GRIDS, default="model2")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--out", default="results/calibration.csv")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    base = load("baseline").params
    rows = []
    grid = GRIDS[args.grid]
    for values in itertools.product(*grid.values()):
        params = {**base, **dict(zip(grid, values, strict=True))}
        score = evaluate_teams if args.grid.startswith("segments") else evaluate
        result = score(params, args.seeds, args.workers)
        rows.append({**dict(zip(grid, values, strict=True)), **result, "loss": loss(result)})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).sort_values("loss")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    table.to_csv(args.out, index=False)
    print(table.head(5).to_string(index=False))


if __name__ == "__main__":
    main()
