"""Grid search for the baseline firm's engagement and turnover parameters.

Targets (last five years of a ten-year run, averaged over seeds): Gallup's US bands
2010–12 (30% engaged, 52% not engaged, 18% actively disengaged) and an annual voluntary
quit rate in 10–25% (US quits near 2.3% a month in 2018–19). The loss is the sum of squared
band errors plus a penalty outside the quit band. Writes the table it searched as CSV.

Usage: python experiments/calibrate_baseline.py [--seeds N] [--out FILE]
"""

from __future__ import annotations

import argparse
import itertools
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import pandas as pd

from sim.runner import simulate
from sim.scenario import load

TARGET = {"engaged_share": 0.30, "not_engaged_share": 0.52, "actively_disengaged_share": 0.18}
QUIT_BAND = (0.10, 0.25)
GRID = {
    "engagement_bias": [-1.1, -0.9, -0.7],
    "engagement_disposition_sd": [0.5, 0.7, 0.9],
    "quit_base": [0.006, 0.009],
}


def evaluate(params: dict, seeds: int) -> dict:
    """Band shares and annual quit rate over the last five years, mean over seeds."""
    rows = []
    for seed in range(seeds):
        _, frame = simulate(params, seed, 520)
        window = frame.iloc[-260:]
        row = {k: window[k].mean() for k in TARGET}
        row["annual_quit_rate"] = window["quits"].sum() / 5 / window["headcount"].mean()
        rows.append(row)
    return pd.DataFrame(rows).mean().to_dict()


def loss(result: dict) -> float:
    """Squared band errors plus a penalty for a quit rate outside its band."""
    bands = sum((result[k] - v) ** 2 for k, v in TARGET.items())
    low, high = QUIT_BAND
    quit = result["annual_quit_rate"]
    return bands + max(0.0, low - quit) ** 2 + max(0.0, quit - high) ** 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default="results/calibration.csv")
    args = parser.parse_args()
    base = load("baseline").params
    rows = []
    for values in itertools.product(*GRID.values()):
        params = {**base, **dict(zip(GRID, values, strict=True))}
        result = evaluate(params, args.seeds)
        rows.append({**dict(zip(GRID, values, strict=True)), **result, "loss": loss(result)})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).sort_values("loss")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    table.to_csv(args.out, index=False)
    print(table.head(5).to_string(index=False))


if __name__ == "__main__":
    main()
