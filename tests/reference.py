"""Reference time series: the weekly measures of a few (scenario, seed, steps, overrides)
cases, stored in tests/data/reference_timeseries.parquet and compared by
tests/test_reference.py, so that a change meant to make the model faster cannot change
what it computes.

Regenerate deliberately (after a change that is meant to change results, e.g. a new
mechanism or default) with one command, and commit the new file on its own:

    make reference        # or: .venv/bin/python -m tests.reference
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.runner import simulate
from sim.scenario import load

REFERENCE = Path(__file__).parent / "data" / "reference_timeseries.parquet"

#: name: (scenario, seed, steps, overrides). Together they exercise every phase: the
#: default ten-year run, each scheme preset (forced exits, relative evaluation, equity,
#: profit share, budget cuts), customized work, belief turnover, a customer base that
#: outgrows its first arrays, heavy churn and turnover, and uneven teams without ties.
CASES: dict[str, tuple[str, int, int, dict[str, Any]]] = {
    "baseline_default": ("baseline", 1, 520, {}),
    "efficiency_kpi": ("efficiency_kpi", 2, 156, {}),
    "shared_value_customized": ("shared_value", 3, 156,
                                {"customized_work": True, "belief_turnover": 0.01,
                                 "validation_threshold": 0.3}),
    "rank_and_yank": ("rank_and_yank", 4, 156, {}),
    "shareholder_primacy": ("shareholder_primacy", 5, 208, {"hiring_lag_weeks": 0}),
    "growing_customers": ("baseline", 6, 156,
                          {"n_employees": 48, "n_customers": 100, "market_size": 5000,
                           "word_of_mouth": 0.05, "base_inflow": 0.02}),
    "high_turnover_uneven": ("balanced_scorecard", 7, 156,
                             {"n_employees": 50, "team_size": 7, "n_customers": 500,
                              "cross_team_ties": 0, "quit_base": 0.03, "churn_base": 0.06,
                              "hiring_lag_weeks": 1, "engagement_noise": 0.0,
                              "n_shareholders": 1}),
}


def run_case(name: str) -> pd.DataFrame:
    """The weekly time series of one reference case, as `sim.run` produces it."""
    scenario, seed, steps, overrides = CASES[name]
    spec = load(scenario)
    _, frame = simulate({**spec.params, **overrides}, seed, steps)
    return frame


def reference_frames() -> dict[str, pd.DataFrame]:
    """The stored reference, one frame per case (indexed by week)."""
    stored = pd.read_parquet(REFERENCE)
    frames = {}
    for name, group in stored.groupby("case", sort=False):
        frames[str(name)] = group.drop(columns="case")
    return frames


def regenerate() -> Path:
    """Run every case and store the time series as the new reference."""
    parts = []
    for name in CASES:
        frame = run_case(name)
        parts.append(frame.assign(case=name))
        print(f"{name}: {len(frame)} weeks", file=sys.stderr)
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(parts).to_parquet(REFERENCE)
    return REFERENCE


if __name__ == "__main__":
    print(f"wrote {regenerate()}")
