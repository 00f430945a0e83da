"""Run a scenario and keep what it produced: the weekly time series, a summary and the
effective parameters with the versions they ran on, written atomically so an interrupted
write never leaves half a file; on request, a weekly series per team (`teams.parquet`).

Where results go is checked before the work starts (`check_run_folder`), so a bad
destination fails in one line instead of after hours of computing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scenario as scenarios
from sim.clock import WEEKS_PER_YEAR
from sim.errors import InputError
from sim.files import atomic_write_all, check_writable, environment, exists, package_version
from sim.measures import DERIVED, SUMMARY_KEYS, window_value
from sim.model import WorkplaceModel
from sim.params import MODEL_VERSION, check_values

#: The files of a run's folder. A folder holding summary.json and params.json is an
#: earlier run's, which a new run may replace.
RUN_FILES = ("timeseries.parquet", "summary.json", "params.json")
RUN_MARKERS = ("summary.json", "params.json")
#: The per-team weekly series of `aligned run --teams` (`run(..., teams=True)`).
TEAMS_FILE = "teams.parquet"


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
    events: tuple[Any, ...] = ()
    #: One row per team and week (`teams=True`): see `TeamSeries`.
    teams: pd.DataFrame | None = None


class TeamSeries:
    """Each team's week, read from the model's arrays after every step, for unit-level
    analyses (Harter, Schmidt & Hayes 2002 correlate such units): `headcount`, mean
    `engagement` and `manager_trust` of its members, its customers' `satisfaction`, `exits`
    (members who left during the week, for any reason) and `quits` (those of them who quit,
    on their own or for an outside offer).
    """

    COLUMNS = ("week", "team", "headcount", "engagement", "manager_trust", "satisfaction",
               "exits", "quits")

    def __init__(self) -> None:
        self.weeks: list[dict[str, np.ndarray]] = []
        self._people: list[Any] = []

    def start(self, model: WorkplaceModel) -> None:
        """Note who holds each place before the first recorded week."""
        self._people = list(model.employees.agents)

    def observe(self, model: WorkplaceModel) -> None:
        """Record the week just stepped; who left is whoever no longer holds their place."""
        m, emp = model, model.employees
        people = list(emp.agents)
        left = np.fromiter((was is not None and was is not now
                            for was, now in zip(self._people, people, strict=True)),
                           dtype=bool, count=len(people))
        self._people = people
        exits = np.bincount(emp.team[left], minlength=emp.n_teams).astype(float)
        quits = emp.team_quits.astype(float)
        self.weeks.append({
            "week": np.full(emp.n_teams, m.week), "team": np.arange(emp.n_teams),
            "headcount": emp.team_heads.astype(np.int64),
            "engagement": np.where(emp.team_heads > 0, emp.team_mean(emp.engagement), np.nan),
            "manager_trust": np.where(emp.team_heads > 0, emp.team_mean(emp.manager_trust),
                                      np.nan),
            "satisfaction": np.asarray(m.team_satisfaction, dtype=float).copy(),
            "exits": exits.astype(np.int64), "quits": quits})

    def frame(self) -> pd.DataFrame:
        """The series as a long table: one row per team and week."""
        if not self.weeks:
            return pd.DataFrame({c: pd.Series(dtype=float) for c in self.COLUMNS})
        return pd.DataFrame({c: np.concatenate([w[c] for w in self.weeks])
                             for c in self.COLUMNS})


def simulate(
    params: dict[str, Any], seed: int, steps: int, progress: bool = False,
    events: Iterable[Any] = (), watchers: Iterable[Any] = (),
) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Build the model from parameter overrides (and scheduled `events`), run it `steps`
    weeks, return it and its time series (one row per week, indexed by week 1..steps).
    Each of `watchers` (e.g. a `TeamSeries`) is started on the built model and observes it
    after every week."""
    model = WorkplaceModel(seed=seed, events=events, **params)
    watchers = tuple(watchers)
    for watcher in watchers:
        watcher.start(model)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, unit="wk", desc="simulating", file=sys.stderr, leave=False)
    try:
        for _ in range(steps):
            model.step()
            for watcher in watchers:
                watcher.observe(model)
            if bar is not None:
                bar.update()
    finally:  # an interrupted run clears its progress bar too
        if bar is not None:
            bar.close()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="week")
    return model, frame


def restaff_weeks(frame: pd.DataFrame, shift_week: int) -> int | None:
    """Weeks after a demand shift until the served share of the gaining function's cases
    (its 4-week moving average) is back to 90% of its mean over the 13 weeks before the
    shift; None without a shift, or if it never gets back within the run."""
    if not shift_week or shift_week > len(frame) or "shift_served_share" not in frame:
        return None
    served = frame["shift_served_share"].to_numpy(dtype=float)
    before = served[max(0, shift_week - 14): shift_week - 1]
    if not before.size:
        return None
    target = 0.9 * float(before.mean())
    smooth = pd.Series(served[shift_week - 1:]).rolling(4, min_periods=1).mean().to_numpy()
    back = np.flatnonzero(smooth >= target)
    return int(back[0]) if back.size else None


def summarize(frame: pd.DataFrame, scenario: str, seed: int,
              params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary contract: whether and when the firm failed, how many weeks a demand shift
    took to restaff (with the run's `params`), final values and last-year means of every
    measure, plus the annual quit and churn rates of the last year."""
    window = frame.iloc[-WEEKS_PER_YEAR:]
    final = {k: _plain(v) for k, v in frame.iloc[-1].items()}
    last_year = {k: _plain(v) for k, v in window.mean().items()}
    for name in DERIVED:
        last_year[name] = window_value(window, name)
    missing = [k for k in SUMMARY_KEYS if k not in final]
    assert not missing, f"measures missing from the summary: {missing}"
    closed = np.flatnonzero(frame["operating"].to_numpy() == 0) if "operating" in frame else []
    failed_week = int(closed[0]) + 1 if len(closed) else None  # weeks count from 1
    shift = (params or {}).get("demand_shift_week", 0)
    return {"scenario": scenario, "seed": seed, "steps": len(frame),
            "failed": failed_week is not None, "failed_week": failed_week,
            "restaff_weeks": restaff_weeks(frame, shift), "final": final,
            "last_year": last_year}


def _plain(value: Any) -> float | int:
    if isinstance(value, np.integer | int):
        return int(value)
    return float(value)


def run(
    scenario: str | os.PathLike | scenarios.Scenario = "baseline",
    seed: int | None = None,
    steps: int | None = None,
    progress: bool = False,
    teams: bool = False,
    **overrides: Any,
) -> RunResult:
    """Run a scenario (name, path or loaded) with optional seed, length and overrides;
    `teams=True` also keeps each team's weekly series (`RunResult.teams`, see `TeamSeries`);
    `sim.run(..., posterior=N)` runs it over posterior draws instead (`sim.posterior.run`).

    >>> result = run("baseline", seed=1, steps=52, n_customers=500)  # doctest: +SKIP
    >>> result.timeseries["engagement_mean"].iloc[-1], result.summary["last_year"]["profit"]
    """
    spec = scenario if isinstance(scenario, scenarios.Scenario) else scenarios.load(scenario)
    params = {**spec.params, **check_values(overrides, "overrides")}
    seed = spec.seed if seed is None else seed
    steps = spec.steps if steps is None else steps
    series = TeamSeries() if teams else None
    model, frame = simulate(params, seed, steps, progress, spec.events,
                            watchers=(series,) if series else ())
    summary = summarize(frame, spec.name, seed, model.initial_params)
    return RunResult(spec.name, seed, steps, dict(model.initial_params), frame, summary,
                     model, spec.events, series.frame() if series else None)


def provenance(result: RunResult) -> dict[str, Any]:
    """Every effective parameter (as the run started) with the seed, steps, scenario,
    package and model versions, the events that changed parameters during the run, and the
    versions of Python, NumPy, pandas, Mesa and the platform it ran on."""
    return {"scenario": result.scenario, "seed": result.seed, "steps": result.steps,
            "version": package_version(), "model_version": MODEL_VERSION,
            "params": result.params,
            "events": [e.as_dict() for e in result.events],
            "environment": environment()}


def json_bytes(data: Any) -> bytes:
    """Strict JSON (no NaN or infinity, which strict parsers reject), indented."""
    return json.dumps(data, indent=2, allow_nan=False).encode()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as Parquet whose every column, `week` included, is a real column that any
    reader sees (pandas still reads a named index back as the index)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    named = frame.index.name
    table = pa.Table.from_pandas(frame, preserve_index=named is not None)
    if named is not None:  # the index first, as a reader of the file expects it
        table = table.select([named, *(c for c in table.column_names if c != named)])
    pq.write_table(table, buffer)
    return buffer.getvalue()


def write_outputs(result: RunResult, out_dir: str | os.PathLike) -> Path:
    """Write timeseries.parquet, summary.json and params.json into `out_dir`, together, and
    teams.parquet for a run that kept its teams' series (an earlier run's is removed)."""
    out = Path(out_dir)
    files = {
        out / "timeseries.parquet": parquet_bytes(result.timeseries),
        out / "summary.json": json_bytes(result.summary),
        out / "params.json": json_bytes(provenance(result)),
    }
    if result.teams is not None:
        files[out / TEAMS_FILE] = parquet_bytes(result.teams)
    atomic_write_all(files)
    if result.teams is None:
        (out / TEAMS_FILE).unlink(missing_ok=True)
    return out


# --- destinations, checked before the work ---------------------------------------------
def is_run_folder(folder: Path) -> bool:
    """Whether `folder` holds an earlier run (its summary.json and params.json)."""
    return all((folder / name).is_file() for name in RUN_MARKERS)


def check_run_folder(folder: str | os.PathLike, option: str = "--out") -> bool:
    """Fail with one line unless a run may write into `folder`: a new or empty folder, or an
    earlier run's, in a place where files can be made. Returns whether an earlier run is
    there (its files will be replaced)."""
    path = Path(folder)
    if exists(path, option) and not path.is_dir():
        raise InputError(f"{option} {folder}: is a file; expected a folder (new, empty or an "
                         "earlier run's)")
    earlier = path.is_dir() and is_run_folder(path)
    if path.is_dir() and not earlier and any(path.iterdir()):
        raise InputError(f"{option} {folder}: the folder holds other files and no earlier run "
                         f"({' and '.join(RUN_MARKERS)}); expected a new or empty folder or an "
                         "earlier run's")
    check_writable(path, option)
    return earlier
