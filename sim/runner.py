"""Run a scenario and keep what it produced: the weekly time series, a summary and the
effective parameters, written atomically so an interrupted write never leaves half a file.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scenario as scenarios
from sim.files import atomic_write, package_version
from sim.measures import SUMMARY_KEYS
from sim.model import WorkplaceModel
from sim.params import check_values

WEEKS_PER_YEAR = 52


@dataclass
class RunResult:
    """What a run produced."""

    scenario: str
    seed: int
    steps: int
    params: dict[str, Any]
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: WorkplaceModel


def simulate(
    params: dict[str, Any], seed: int, steps: int, progress: bool = False
) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Build the model from parameter overrides, run it `steps` weeks, return it and its
    time series (one row per week, indexed by week 1..steps)."""
    model = WorkplaceModel(seed=seed, **params)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, unit="wk", desc="simulating", file=sys.stderr, leave=False)
    for _ in range(steps):
        model.step()
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="week")
    return model, frame


def summarize(frame: pd.DataFrame, scenario: str, seed: int) -> dict[str, Any]:
    """The summary contract: final values and last-year means of every measure, plus the
    annual quit and churn rates of the last year."""
    window = frame.iloc[-WEEKS_PER_YEAR:]
    weeks = len(window)
    final = {k: _plain(v) for k, v in frame.iloc[-1].items()}
    last_year = {k: _plain(v) for k, v in window.mean().items()}
    annualize = WEEKS_PER_YEAR / weeks
    last_year["annual_quit_rate"] = _plain(
        window["quits"].sum() * annualize / max(window["headcount"].mean(), 1.0))
    last_year["annual_churn_rate"] = _plain(
        window["churned"].sum() * annualize / max(window["customers"].mean(), 1.0))
    missing = [k for k in SUMMARY_KEYS if k not in final]
    assert not missing, f"measures missing from the summary: {missing}"
    return {"scenario": scenario, "seed": seed, "steps": len(frame), "final": final,
            "last_year": last_year}


def _plain(value: Any) -> float | int:
    if isinstance(value, np.integer | int):
        return int(value)
    return float(value)


def run(
    scenario: str | os.PathLike = "baseline",
    seed: int | None = None,
    steps: int | None = None,
    progress: bool = False,
    **overrides: Any,
) -> RunResult:
    """Run a scenario (name or path) with optional seed, length and parameter overrides.

    >>> result = run("baseline", seed=1, steps=52, n_customers=500)  # doctest: +SKIP
    >>> result.timeseries["engagement_mean"].iloc[-1], result.summary["last_year"]["profit"]
    """
    spec = scenarios.load(scenario)
    params = {**spec.params, **check_values(overrides, "overrides")}
    seed = spec.seed if seed is None else seed
    steps = spec.steps if steps is None else steps
    model, frame = simulate(params, seed, steps, progress)
    summary = summarize(frame, spec.name, seed)
    effective = dict(model.p)
    return RunResult(spec.name, seed, steps, effective, frame, summary, model)


def provenance(result: RunResult) -> dict[str, Any]:
    """Every effective parameter with the seed, steps, scenario and package version."""
    return {"scenario": result.scenario, "seed": result.seed, "steps": result.steps,
            "version": package_version(), "params": result.params}


def write_outputs(result: RunResult, out_dir: str | os.PathLike) -> Path:
    """Write timeseries.parquet, summary.json and params.json into `out_dir`."""
    out = Path(out_dir)
    import io

    buffer = io.BytesIO()
    result.timeseries.to_parquet(buffer)
    atomic_write(out / "timeseries.parquet", buffer.getvalue())
    atomic_write(out / "summary.json", json.dumps(result.summary, indent=2).encode())
    atomic_write(out / "params.json", json.dumps(provenance(result), indent=2).encode())
    return out
