"""Many seeds of one set-up, or of two compared: what a decision can rest on.

A set-up is run A, and run B to compare it with, each a scenario (its parameters and its
events, as a scenario file holds them). Both run over the same seeds (seed s of A beside
seed s of B, as claims pair them) for the same number of weeks, on the batch engine
(`sim.study`). What comes back is summarized two ways:

- week by week, each run set's median with a 50% and a 90% band across seeds;
- measure by measure, over the last year of the runs: each set's median, the median of the
  paired differences B − A with its 90% interval, and the share of seeds in which B does
  better (the direction is the measure's declaration, `sim.measures.MEASURES[name].better`).
  A difference is robust only when its interval excludes zero.

The interval is the distribution-free one of a median (the order statistics a sign test
gives, as in Conover's *Practical Nonparametric Statistics*): no resampling, no random
numbers, and it holds whatever the shape of the differences. It needs at least
`MIN_INTERVAL_SEEDS` seeds; its coverage is at least `LEVEL` (with 20 seeds, 95.9%).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from sim.clock import WEEKS_PER_YEAR
from sim.measures import MEASURES, columns_for, window_value
from sim.params import resolve_params
from sim.scenario import Scenario
from sim.study.batch import run_batch
from sim.study.executors import LocalExecutor
from sim.study.task import RunRecord, RunTask

#: The level of the interval of a median paired difference, and of the wide band.
LEVEL = 0.90
#: Percentiles drawn around the median: the 90% band and the 50% band.
WIDE_BAND = (5.0, 95.0)
NARROW_BAND = (25.0, 75.0)
#: A 90% interval of a median needs this many seeds (with 4, a sign test cannot reach it).
MIN_INTERVAL_SEEDS = 5
#: Measures the table of paired differences reports, in this order.
TABLE_MEASURES = (
    "trust_customer_firm", "customers", "customer_satisfaction", "time_to_resolve",
    "reopen_rate", "engagement_mean", "engaged_share", "actively_disengaged_share",
    "trust_employee_manager", "annual_quit_rate", "profit", "share_value", "knowledge",
    "behavioural_alignment",
)


@dataclass(frozen=True)
class RunSet:
    """One side of a comparison: its label, the scenario it runs (parameters and events)
    and the text of the scenario file that makes it ('' for a library scenario run as is)."""

    label: str
    scenario: Scenario
    text: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """The parameter overrides of its runs."""
        return dict(self.scenario.params)

    @property
    def events(self) -> tuple[Any, ...]:
        """The scheduled parameter changes of its runs."""
        return tuple(self.scenario.events)


@dataclass(frozen=True)
class Plan:
    """What to run: one or two run sets, the paired seeds, the weeks of every run."""

    sets: tuple[RunSet, ...]
    seeds: tuple[int, ...]
    steps: int

    def __post_init__(self) -> None:
        if not 1 <= len(self.sets) <= 2:
            raise ValueError("a plan has run A, and optionally run B")
        for run_set in self.sets:  # refused here, not in a worker
            resolve_params(run_set.params, run_set.label)

    @property
    def runs(self) -> int:
        """Runs in all."""
        return len(self.sets) * len(self.seeds)

    def tasks(self, columns: Iterable[str]) -> list[RunTask]:
        """One task per run set and seed (run id: set index × seeds + seed position)."""
        series = tuple(sorted(columns))
        return [RunTask(run_id=k * len(self.seeds) + i, params=run_set.params, seed=seed,
                        steps=self.steps, events=run_set.events, series=series)
                for k, run_set in enumerate(self.sets) for i, seed in enumerate(self.seeds)]


class RunFailed(RuntimeError):
    """A run of the plan raised an error (the message names its set and seed)."""


@dataclass
class Results:
    """The weekly records of every run of a plan, by set and seed, and how it went."""

    plan: Plan
    frames: list[list[pd.DataFrame]]  # [set][seed position], indexed by week 1..steps
    failed: np.ndarray  # [set, seed position]: the firm failed during the run
    seconds: float = 0.0
    finished_at: float = field(default_factory=time.time)

    def matrix(self, set_index: int, measure: str) -> np.ndarray:
        """One measure's weekly values, seeds × weeks."""
        return np.vstack([f[measure].to_numpy(dtype=float) for f in self.frames[set_index]])

    def window_values(self, set_index: int, measure: str, weeks: int | None = None
                      ) -> np.ndarray:
        """One measure over the last `weeks` of every run of a set (default: the last
        year, or the whole run if shorter), one value per seed."""
        weeks = min(weeks or WEEKS_PER_YEAR, self.plan.steps)
        return np.array([window_value(f.iloc[-weeks:], measure)
                         for f in self.frames[set_index]])


def run(plan: Plan, columns: Iterable[str], workers: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        stop: threading.Event | None = None, progress: bool = False,
        start_method: str | None = None) -> Results | None:
    """Run every run of the plan on the local pool, keeping the weekly `columns` (and what
    the table needs); `on_progress(done, total)` after each batch of runs. Returns None when
    `stop` was set before the end (the workers are stopped at once); a failed run is a
    `RunFailed`."""
    from sim.study.workers import default_workers

    wanted = set(columns) | columns_for(TABLE_MEASURES)
    tasks = plan.tasks(wanted)
    records: dict[int, RunRecord] = {}

    def keep(batch: list[RunRecord]) -> None:
        records.update((r.run_id, r) for r in batch)
        if on_progress is not None:
            on_progress(len(records), len(tasks))

    start = time.perf_counter()
    executor = LocalExecutor(min(default_workers(workers), len(tasks)), start_method)
    stats = run_batch(tasks, executor, keep, progress, "seeds", stop)
    if stats.interrupted:
        if stop is not None and stop.is_set():
            return None
        raise KeyboardInterrupt
    if stats.error:
        raise RunFailed(stats.error)
    bad = [r for r in records.values() if r.status != "ok"]
    if bad:
        task = tasks[bad[0].run_id]
        label = plan.sets[bad[0].run_id // len(plan.seeds)].label
        raise RunFailed(f"{len(bad)} of {len(tasks)} runs failed, e.g. {label} seed "
                        f"{task.seed}: {bad[0].error}")
    n = len(plan.seeds)
    frames = [[_frame(records[k * n + i]) for i in range(n)] for k in range(len(plan.sets))]
    failed = np.array([[bool(records[k * n + i].outcomes.get("failed", False))
                        for i in range(n)] for k in range(len(plan.sets))])
    return Results(plan, frames, failed, time.perf_counter() - start)


def _frame(record: RunRecord) -> pd.DataFrame:
    series = record.timeseries or {}
    frame = pd.DataFrame({k: v for k, v in series.items() if k != "week"})
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="week")
    return frame


# --- statistics --------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """A run set's spread week by week: the median and the 50% and 90% bands."""

    median: np.ndarray
    narrow: tuple[np.ndarray, np.ndarray]
    wide: tuple[np.ndarray, np.ndarray]


def band(matrix: np.ndarray) -> Band:
    """The band of a seeds × weeks matrix."""
    low, q1, mid, q3, high = np.percentile(
        matrix, [WIDE_BAND[0], NARROW_BAND[0], 50.0, NARROW_BAND[1], WIDE_BAND[1]], axis=0)
    return Band(mid, (q1, q3), (low, high))


def median_interval(values: Any, level: float = LEVEL) -> tuple[float, float]:
    """The distribution-free interval of the median: the k-th smallest and k-th largest
    values, k the largest with P(Binomial(n, 1/2) < k) ≤ (1 − level)/2; (nan, nan) when so
    few values cannot give one."""
    sorted_values = np.sort(np.asarray(values, dtype=float))
    n = sorted_values.size
    if n == 0:
        return (np.nan, np.nan)
    tail = binom.cdf(np.arange(n), n, 0.5)
    k = int(np.count_nonzero(tail <= (1.0 - level) / 2))
    if k == 0:
        return (np.nan, np.nan)
    return (float(sorted_values[k - 1]), float(sorted_values[n - k]))


@dataclass(frozen=True)
class PairedRow:
    """One measure of the table: each set's median, and B − A paired over seeds."""

    measure: str
    a: float
    b: float
    diff: float  # median of the paired differences B − A
    low: float  # its interval (nan: too few seeds)
    high: float
    b_better: float | None  # share of seeds in which B does better (None: no direction)

    @property
    def better(self) -> int:
        """Which way is good for this measure (+1 higher, −1 lower, 0 neither)."""
        return MEASURES[self.measure].better

    @property
    def robust(self) -> bool:
        """The interval of the median difference excludes zero."""
        return bool(np.isfinite(self.low) and (self.low > 0 or self.high < 0))

    @property
    def verdict(self) -> str:
        """'B better', 'A better', 'B higher', 'B lower', or 'not robust'."""
        if not self.robust:
            return "not robust"
        if self.better:
            return "B better" if self.diff * self.better > 0 else "A better"
        return "B higher" if self.diff > 0 else "B lower"

    @property
    def tone(self) -> str:
        """How a table colours the row: 'better' or 'worse' (for B, robust, on a measure with
        a direction), else 'unclear'."""
        if self.robust and self.better:
            return "better" if self.verdict == "B better" else "worse"
        return "unclear"

    @property
    def share_text(self) -> str:
        """The share of seeds in which B does better, as shown ('–' without a direction)."""
        return "–" if self.b_better is None else f"{self.b_better:.0%}"


def single_rows(results: Results, measures: Iterable[str] = TABLE_MEASURES) -> list[tuple]:
    """Without B: each measure's median over seeds and its 90% interval."""
    rows = []
    for measure in measures:
        values = results.window_values(0, measure)
        rows.append((measure, float(np.median(values)), *median_interval(values)))
    return rows


def paired_rows(results: Results, measures: Iterable[str] = TABLE_MEASURES
                ) -> list[PairedRow]:
    """The table of B − A over the last year of the runs, one row per measure."""
    rows = []
    for measure in measures:
        a, b = results.window_values(0, measure), results.window_values(1, measure)
        diff = b - a
        better = MEASURES[measure].better
        share = float(np.mean(diff * better > 0)) if better else None
        rows.append(PairedRow(measure, float(np.median(a)), float(np.median(b)),
                              float(np.median(diff)), *median_interval(diff), share))
    return rows
