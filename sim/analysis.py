"""Analysis of saved sweep results: group means with confidence intervals, phase grids,
Sobol and Morris sensitivity indices (SALib) and time-series bands across seeds.

Analysis reads the runs and time-series tables and never reruns the model; sensitivity
indices re-expand the spec's design (deterministic from its seed) to know each point's
sample row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from sim.study import Design, Spec

CONFIDENCE = 0.95
MAX_GROUPS = 12  # a factor with more values than this is not used to group distributions


def mean_ci(values: Any, level: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of the finite values: (mean, low, high, n)."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    n = len(data)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    mean = float(data.mean())
    if n == 1:
        return (mean, np.nan, np.nan, 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * data.std(ddof=1) / np.sqrt(n))
    return (mean, mean - half, mean + half, n)


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished without error."""
    return runs[runs["status"] == "ok"]


def group_columns(spec: Spec, runs: pd.DataFrame) -> list[str]:
    """What to compare distributions across: the policies, else a lone small factor."""
    if spec.policies:
        return ["policy"]
    crossed = [f.name for f in spec.crossed if f.name in runs]
    if len(crossed) == 1 and runs[crossed[0]].nunique() <= MAX_GROUPS:
        return crossed
    return []


def by_group(runs: pd.DataFrame, by: list[str], outcome: str) -> pd.DataFrame:
    """Per group: runs, mean with its confidence interval, median and quartiles."""
    rows = []
    groups = ok_runs(runs).groupby(by, sort=False) if by else [((), ok_runs(runs))]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        values = frame[outcome].to_numpy(dtype=float)
        mean, low, high, n = mean_ci(values)
        finite = values[np.isfinite(values)]
        q25, median, q75 = (np.percentile(finite, [25, 50, 75]) if len(finite)
                            else (np.nan,) * 3)
        rows.append({**dict(zip(by, key, strict=True)), "n": n, "mean": mean, "ci_low": low,
                     "ci_high": high, "median": median, "q25": q25, "q75": q75})
    return pd.DataFrame(rows)


def grid_means(runs: pd.DataFrame, x: str, y: str, outcome: str) -> pd.DataFrame:
    """Mean outcome on a two-factor grid (rows: y values, columns: x values)."""
    return ok_runs(runs).pivot_table(index=y, columns=x, values=outcome, aggfunc="mean")


def point_means(runs: pd.DataFrame, outcome: str) -> pd.Series:
    """Mean outcome of each design point over its replications (NaN if none finished)."""
    return ok_runs(runs).groupby("point")[outcome].mean()


def sobol_indices(problem: dict[str, Any], y: np.ndarray, second_order: bool = False,
                  seed: int | None = None) -> pd.DataFrame:
    """First-order and total Sobol indices with confidence half-widths, one row per factor."""
    from SALib.analyze import sobol

    result = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=second_order,
                           conf_level=CONFIDENCE, seed=seed)
    return pd.DataFrame({"S1": result["S1"], "S1_conf": result["S1_conf"], "ST": result["ST"],
                         "ST_conf": result["ST_conf"]}, index=pd.Index(problem["names"],
                                                                        name="parameter"))


def morris_indices(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, levels: int,
                   seed: int | None = None) -> pd.DataFrame:
    """Morris elementary-effect statistics (μ, μ*, its confidence, σ), one row per factor."""
    from SALib.analyze import morris

    result = morris.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                            conf_level=CONFIDENCE, num_levels=levels, seed=seed)
    return pd.DataFrame({"mu": result["mu"], "mu_star": result["mu_star"],
                         "mu_star_conf": result["mu_star_conf"], "sigma": result["sigma"]},
                        index=pd.Index(problem["names"], name="parameter"))


def rank_correlations(runs: pd.DataFrame, names: list[str], outcome: str) -> pd.Series:
    """Spearman rank correlation of the outcome with each sampled parameter (for lhs)."""
    frame = ok_runs(runs)
    return pd.Series({name: frame[name].corr(frame[outcome], method="spearman")
                      for name in names}, name=outcome)


def sensitivity(spec: Spec, design: Design, runs: pd.DataFrame,
                outcome: str) -> list[tuple[str, pd.DataFrame | str]]:
    """Indices of one outcome for each group of the design (a policy × crossed values).

    Each design point's outcome is its mean over replications; a group whose points did
    not all finish gets a note instead of indices.
    """
    if design.problem is None or spec.design not in ("sobol", "morris"):
        return []
    means = point_means(runs, outcome)
    points = design.points
    keys = design.groups
    groups = points.groupby(keys, sort=False) if keys else [((), points)]
    found: list[tuple[str, pd.DataFrame | str]] = []
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{k} = {v}" for k, v in zip(keys, key, strict=True)) or "all runs"
        y = means.reindex(frame["point"].sort_values()).to_numpy()
        missing = int(np.isnan(y).sum())
        if missing:
            found.append((label, f"{missing} of {len(y)} design points have no finished run; "
                                 "indices need every point"))
            continue
        seed = spec.seed
        if spec.design == "sobol":
            found.append((label, sobol_indices(design.problem, y, spec.second_order, seed)))
        else:
            found.append((label, morris_indices(design.problem, design.sample, y,
                                                spec.levels or 4, seed)))
    return found


def bands(timeseries: pd.DataFrame, runs: pd.DataFrame, measure: str,
          by: list[str]) -> pd.DataFrame:
    """Median and interquartile range of a measure across runs, per group and week."""
    keys = runs[["run_id", *by]]
    frame = timeseries[["run_id", "week", measure]].merge(keys, on="run_id")
    grouped = frame.groupby([*by, "week"], sort=False)[measure]
    result = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    result.columns = ["q25", "median", "q75"]
    result["n"] = grouped.size()
    return result.reset_index()
