"""A spec expanded into its runs: design points, seeds, and one `RunTask` per run; and
the size of a sweep (runs, results on disk, memory), counted before anything is expanded.

Each run's seed comes from one `numpy.random.SeedSequence` of the sweep's seed and is fixed
here, so results are identical on any executor and any number of workers. Samples of the
lhs, sobol and morris designs come from SALib, seeded from the sweep's seed.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.params import PARAMS
from sim.study.spec import DEFAULT_MORRIS_LEVELS, Factor, Spec
from sim.study.task import RunTask, faults


@dataclass
class Design:
    """A spec expanded: one row per design point, one task per run, and the sample."""

    points: pd.DataFrame
    tasks: list[RunTask]
    problem: dict[str, Any] | None = None
    sample: np.ndarray | None = None
    groups: list[str] = field(default_factory=list)

    @property
    def varied(self) -> list[str]:
        """Columns of the points table: policy (if any) then every varied parameter."""
        return [c for c in self.points.columns if c != "point"]


def sample_design(kind: str, problem: dict[str, Any], n: int, seed: int,
                  levels: int | None = None, second_order: bool = False) -> np.ndarray:
    """The sample matrix (rows = points) of an lhs, sobol or morris design, via SALib."""
    if kind == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, n, seed=seed)
    if kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=second_order, seed=seed)
    if kind == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=levels or DEFAULT_MORRIS_LEVELS, seed=seed)
    raise ValueError(f"no sample for design {kind!r}")


def _design_seed(seed: int) -> int:
    """The seed of the design's sampler: its own stream of the sweep's SeedSequence."""
    return int(np.random.SeedSequence(seed, spawn_key=(2**31,)).generate_state(1)[0])


def run_seeds(seed: int, count: int) -> list[int]:
    """`count` model seeds, one per child of the sweep's SeedSequence."""
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(count)]


def _grid_values(factor: Factor) -> tuple[Any, ...]:
    if not factor.is_range:
        return factor.values
    values = np.linspace(factor.low, factor.high, factor.levels)
    if PARAMS[factor.name].type is int:
        return tuple(dict.fromkeys(int(np.rint(v)) for v in values))
    return tuple(float(round(v, 12)) for v in values)


def expand(spec: Spec) -> Design:
    """Every design point and run of the spec, in a fixed order with fixed seeds.

    Points are policies × crossed lists × sample rows (in that nesting); runs are points ×
    replications; run id = point × replications + replication.
    """
    crossed = spec.crossed
    sampled = spec.sampled
    problem = sample = None
    if sampled:
        problem = {"num_vars": len(sampled), "names": [f.name for f in sampled],
                   "bounds": [[f.low, f.high] for f in sampled]}
        sample = sample_design(spec.design, problem, spec.n, _design_seed(spec.seed),
                               spec.levels, spec.second_order)
    policy_names = list(spec.policies) or [None]
    combos = list(itertools.product(*(_grid_values(f) for f in crossed)))
    rows = sample if sample is not None else np.empty((1, 0))
    records = []
    for policy in policy_names:
        for combo in combos:
            for row in rows:
                record = {"policy": policy} if policy is not None else {}
                record.update(zip((f.name for f in crossed), combo, strict=True))
                for f, x in zip(sampled, row, strict=True):
                    is_int = PARAMS[f.name].type is int
                    record[f.name] = int(np.rint(x)) if is_int else float(x)
                records.append(record)
    points = pd.DataFrame(records, index=range(len(records)))  # one row even if nothing varies
    points.insert(0, "point", np.arange(len(points)))
    reps = spec.replications
    seeds = run_seeds(spec.seed, reps if spec.common_random_numbers else len(points) * reps)
    series = tuple(spec.timeseries_measures)
    scalar = {m: tuple(s for s in stats if s != "timeseries")
              for m, stats in spec.outcomes.items()}
    scalar = {m: stats for m, stats in scalar.items() if stats}
    hooks = faults()
    tasks = []
    if spec.posterior:  # replication r over draw r, in place of the baseline's fitted values
        from sim.posterior import baseline_values, with_draw

        baseline = baseline_values()
    for record in points.to_dict("records"):
        point = record.pop("point")
        policy = record.pop("policy", None)
        params = {**spec.base_params, **(spec.policies[policy] if policy else {}),
                  **spec.constants, **spec.held, **record}
        events = spec.policy_events.get(policy, spec.base_events) if policy else spec.base_events
        for rep in range(reps):
            run_id = point * reps + rep
            tasks.append(RunTask(
                run_id=run_id, seed=seeds[rep if spec.common_random_numbers else run_id],
                params={**with_draw(params, spec.posterior[rep], baseline), **spec.constants,
                        **spec.held, **record} if spec.posterior else params,
                steps=spec.steps, events=events, outcomes=scalar, series=series,
                record_every=spec.record_every, point=point, policy=policy, replication=rep,
                varied=record, fault=hooks.get(run_id)))
    groups = (["policy"] if spec.policies else []) + (
        [f.name for f in crossed] if sampled else [])
    return Design(points, tasks, problem, sample, groups)


# --- the size of a sweep -----------------------------------------------------------------
#: Above any of these a sweep is refused unless the user confirms (`--yes`).
MAX_RUNS = 100_000
MAX_DISK_BYTES = 2e9
#: Memory a run needs besides its firm: the interpreter, NumPy, pandas and Mesa.
RUN_BASE_BYTES = 60e6
#: Memory per employee, per customer and per recorded week of a run (the data collector
#: keeps one row a week), fitted to `aligned bench` peaks (docs/performance.md).
BYTES_PER_EMPLOYEE = 12e3
BYTES_PER_CUSTOMER = 0.6e3
BYTES_PER_WEEK = 4e3
#: Bytes per value in the results (uncompressed), and per-run overhead in the runs table.
BYTES_PER_VALUE = 8
BYTES_PER_RUN_ROW = 120


def sample_rows(spec: Spec) -> int:
    """Rows of the design's sample (1 without one), counted without sampling."""
    k = len(spec.sampled)
    if not k:
        return 1
    if spec.design == "lhs":
        return spec.n
    if spec.design == "sobol":
        return spec.n * (2 * k + 2 if spec.second_order else k + 2)
    return spec.n * (k + 1)  # morris


def count_runs(spec: Spec) -> int:
    """How many runs the spec expands to, counted without expanding it."""
    combos = math.prod(_level_count(f) for f in spec.crossed)
    return max(len(spec.policies), 1) * combos * sample_rows(spec) * spec.replications


def _level_count(factor: Factor) -> int:
    """Values a crossed factor takes (a huge integer range is counted by its levels)."""
    if not factor.is_range:
        return len(factor.values)
    if factor.levels > 1_000_000:
        return factor.levels
    return len(_grid_values(factor))


def _largest(spec: Spec, name: str) -> float:
    """The largest value a parameter takes anywhere in the spec."""
    values = [spec.base_params.get(name, PARAMS[name].default)]
    values += [p[name] for p in spec.policies.values() if name in p]
    for table in (spec.constants, spec.held):
        if name in table:
            values.append(table[name])
    for f in spec.factors:
        if f.name == name:
            values.extend(f.values if not f.is_range else (f.high,))
    return float(max(values))


@dataclass(frozen=True)
class Size:
    """How big a sweep is: its runs, its results on disk and the memory it needs."""

    runs: int
    disk_bytes: float
    memory_bytes: float
    workers: int

    @property
    def too_big(self) -> list[str]:
        """What exceeds the limits, in words (empty when the sweep is within them)."""
        over = []
        if self.runs > MAX_RUNS:
            over.append(f"{self.runs:,} runs (limit {MAX_RUNS:,})")
        if self.disk_bytes > MAX_DISK_BYTES:
            over.append(f"{_bytes(self.disk_bytes)} of results (limit "
                        f"{_bytes(MAX_DISK_BYTES)})")
        if self.memory_bytes > memory_limit():
            over.append(f"{_bytes(self.memory_bytes)} of memory (limit "
                        f"{_bytes(memory_limit())}, half of this machine's)")
        return over

    def describe(self) -> str:
        """One line: runs, results and memory."""
        return (f"{self.runs:,} runs, about {_bytes(self.disk_bytes)} of results and "
                f"{_bytes(self.memory_bytes)} of memory on {self.workers} "
                f"worker{'s' * (self.workers != 1)}")


def size(spec: Spec, workers: int) -> Size:
    """Estimate a sweep's size: the results as written (uncompressed, an upper bound) and
    the memory of `workers` runs at once plus the results gathered at the end."""
    runs = count_runs(spec)
    row = BYTES_PER_RUN_ROW + BYTES_PER_VALUE * len(spec.scalar_outcomes)
    weeks = spec.steps // spec.record_every
    series = BYTES_PER_VALUE * (len(spec.timeseries_measures) + 2) * weeks
    disk = float(runs) * (row + series)
    per_run = (RUN_BASE_BYTES + BYTES_PER_EMPLOYEE * _largest(spec, "n_employees")
               + BYTES_PER_CUSTOMER * _largest(spec, "n_customers")
               + BYTES_PER_WEEK * spec.steps)
    memory = min(workers, max(runs, 1)) * per_run + 2 * disk
    return Size(runs, disk, memory, workers)


def memory_limit() -> float:
    """Half of this machine's physical memory (the rest is for everything else)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2
    except (ValueError, OSError, AttributeError):
        return 8e9


def check_size(spec: Spec, workers: int, yes: bool = False) -> Size:
    """The sweep's size; an InputError when it exceeds a limit and `yes` is not given."""
    found = size(spec, workers)
    over = found.too_big
    if over and not yes:
        where = spec.path or spec.name
        raise InputError(f"{where}: the spec expands to {' and '.join(over)}; add --yes "
                         "(yes=True) to run it anyway, or make it smaller")
    return found


def _bytes(value: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} PB"
