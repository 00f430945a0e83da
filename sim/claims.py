"""Check the claims scenario files state: run both scenarios over paired seeds, compare the
claimed measure over its window, and hold it to a paired Wilcoxon test and a minimum effect.

Runs are shared: every claim over the same scenario and seed reads one run, truncated to the
claim's length (a run's first weeks do not depend on how long it goes on). Seeds run in a
process pool; each run is seeded, so the results are the same on any number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from sim import scenario as scenarios
from sim.scenario import Claim

#: Significance level every claim is held to.
ALPHA = 0.01
WEEKS_PER_YEAR = 52
#: Columns the derived annual rates are computed from.
RATE_COLUMNS = {"annual_quit_rate": ("quits", "headcount"),
                "annual_churn_rate": ("churned", "customers")}

#: A run request: scenario name, seed, weeks.
RunKey = tuple[str, int]


@dataclass(frozen=True)
class Verdict:
    """How a claim fared: the paired values, the effect, the test and whether it held."""

    claim: Claim
    seeds: tuple[int, ...]
    values: np.ndarray  # the claim's scenario, one value per seed
    others: np.ndarray  # the scenario it is compared with, same seeds
    relative: float  # median paired difference in the claimed direction / |median of others|
    absolute: float  # median paired difference in the claimed direction
    pvalue: float  # one-sided paired Wilcoxon signed-rank test

    @property
    def effect(self) -> float:
        """The effect in the claim's own terms (relative or absolute)."""
        return self.relative if self.claim.effect == "relative" else self.absolute

    @property
    def significant(self) -> bool:
        """The seed pairs point the claimed way at p < ALPHA."""
        return self.pvalue < ALPHA

    @property
    def large_enough(self) -> bool:
        """The median paired difference reaches the claimed minimum effect."""
        return self.effect >= self.claim.min_effect

    @property
    def held(self) -> bool:
        """Both the test and the effect size agree with the claim."""
        return self.significant and self.large_enough

    @property
    def effect_text(self) -> str:
        """The median paired change, signed as a change of the measure (a claim of "lower"
        that holds shows a negative change), as a percentage or a difference."""
        sign = 1.0 if self.claim.relation == "higher" else -1.0
        if self.claim.effect == "relative":
            return f"{sign * self.relative:+.1%}"
        return f"{sign * self.absolute:+.3g}"

    @property
    def needed_text(self) -> str:
        """The stated minimum, in the claim's direction."""
        c = self.claim
        amount = f"{c.min_effect:.0%}" if c.effect == "relative" else f"{c.min_effect:g}"
        return f"{c.relation} by ≥ {amount}"

    def describe(self) -> str:
        """One line: the claim, medians, effect, p-value and verdict."""
        c = self.claim
        return (f"{c}: median {np.median(self.values):.4g} vs {np.median(self.others):.4g}, "
                f"change {self.effect_text} (needs {self.needed_text}), Wilcoxon p = "
                f"{self.pvalue:.2g} over {len(self.seeds)} seeds: "
                f"{'held' if self.held else 'NOT held'}")


# --- values ----------------------------------------------------------------------------
def window(frame: pd.DataFrame, over: str, steps: int | None = None) -> pd.DataFrame:
    """The rows of a run's time series a claim reads: its first `steps` weeks, then the
    last week, the last year, or all of them."""
    if steps is not None:
        if len(frame) < steps:
            raise ValueError(f"the run has {len(frame)} weeks; the claim needs {steps}")
        frame = frame.iloc[:steps]
    if over == "final":
        return frame.iloc[-1:]
    if over == "last_year":
        return frame.iloc[-WEEKS_PER_YEAR:]
    return frame


def measure_value(rows: pd.DataFrame, measure: str) -> float:
    """A measure over a window: the mean of the weekly values, or for the derived annual
    rates, events per year over the mean stock (as the run summary computes them)."""
    if measure in RATE_COLUMNS:
        events, stock = RATE_COLUMNS[measure]
        per_year = rows[events].sum() * WEEKS_PER_YEAR / len(rows)
        return float(per_year / max(rows[stock].mean(), 1.0))
    return float(rows[measure].mean())


def claim_value(frame: pd.DataFrame, claim: Claim) -> float:
    """The value a claim compares, from one run."""
    return measure_value(window(frame, claim.over, claim.steps), claim.measure)


def columns_for(measures: Iterable[str]) -> set[str]:
    """Time-series columns needed to compute these measures."""
    needed: set[str] = set()
    for m in measures:
        needed.update(RATE_COLUMNS.get(m, (m,)))
    return needed


# --- runs ------------------------------------------------------------------------------
def claim_seeds(claim: Claim) -> range:
    """The paired seeds a claim is checked over."""
    return range(claim.seeds)


def requests(claims: Iterable[Claim]) -> dict[RunKey, int]:
    """Every (scenario, seed) the claims need, with the longest run any of them needs."""
    needed: dict[RunKey, int] = {}
    for claim in claims:
        for name in (claim.scenario, claim.than):
            for seed in claim_seeds(claim):
                key = (name, seed)
                needed[key] = max(needed.get(key, 0), claim.steps)
    return needed


def default_workers() -> int:
    """Worker processes: ALIGNED_WORKERS if set, else up to two (the project's budget)."""
    env = os.environ.get("ALIGNED_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, min(2, os.cpu_count() or 1))


def _simulate_frame(params: dict[str, Any], seed: int, steps: int,
                    columns: tuple[str, ...] | None) -> pd.DataFrame:
    """One run's time series (only `columns`, if given): the work of a pool worker."""
    from sim.runner import simulate

    _, frame = simulate(params, seed, steps)
    return frame if columns is None else frame[list(columns)]


def run_many(
    needed: dict[RunKey, int],
    workers: int | None = None,
    columns: Iterable[str] | None = None,
    progress: bool = False,
    desc: str = "runs",
) -> dict[RunKey, pd.DataFrame]:
    """Run every requested (scenario, seed) for its weeks, in a process pool of `workers`.

    Scenarios whose effective parameters are identical (say `baseline` and a file that
    restates a default) share one run per seed. Returns each request's time series (only
    `columns` if given, to keep transfers small); it may be longer than requested.
    """
    from sim.incentives import resolve_params

    workers = default_workers() if workers is None else max(1, workers)
    cols = tuple(sorted(columns)) if columns is not None else None
    specs = {name: scenarios.load(name) for name, _ in needed}
    signature = {name: _signature(resolve_params(spec.params, name))
                 for name, spec in specs.items()}
    params = {signature[name]: spec.params for name, spec in specs.items()}
    unique: dict[tuple[Any, int], int] = {}
    for (name, seed), steps in needed.items():
        key = (signature[name], seed)
        unique[key] = max(unique.get(key, 0), steps)
    # Longest runs first, so the pool does not end waiting on one long run.
    order = sorted(unique, key=lambda k: (-unique[k], k[1]))
    jobs = [(key, (params[key[0]], key[1], unique[key], cols)) for key in order]
    bar = _bar(len(jobs), desc) if progress else None
    done: dict[tuple[Any, int], pd.DataFrame] = {}
    if workers == 1 or len(jobs) == 1:
        for key, job in jobs:
            done[key] = _simulate_frame(*job)
            if bar is not None:
                bar.update()
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            futures = {pool.submit(_simulate_frame, *job): key for key, job in jobs}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if bar is not None:
                    bar.update()
    if bar is not None:
        bar.close()
    return {(name, seed): done[(signature[name], seed)] for name, seed in needed}


def _signature(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A hashable identity of a full parameter set."""
    return tuple(sorted(values.items()))


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc=desc, file=sys.stderr, leave=False)


# --- verdicts --------------------------------------------------------------------------
def evaluate(claim: Claim, frames: dict[RunKey, pd.DataFrame],
             seeds: Iterable[int] | None = None) -> Verdict:
    """Compare the claim's scenario with the other over paired seeds (default: the claim's)."""
    seeds = tuple(claim_seeds(claim) if seeds is None else seeds)
    values = np.array([claim_value(frames[(claim.scenario, s)], claim) for s in seeds])
    others = np.array([claim_value(frames[(claim.than, s)], claim) for s in seeds])
    return verdict(claim, seeds, values, others)


def verdict(claim: Claim, seeds: tuple[int, ...], values: np.ndarray,
            others: np.ndarray) -> Verdict:
    """The paired test and effect of a claim on given values."""
    sign = 1.0 if claim.relation == "higher" else -1.0
    diff = sign * (values - others)
    absolute = float(np.median(diff))
    scale = abs(float(np.median(others)))
    relative = absolute / scale if scale > 0 else (np.inf if absolute > 0 else 0.0)
    if np.all(diff == 0):
        pvalue = 1.0
    else:
        pvalue = float(wilcoxon(diff, alternative="greater").pvalue)
    return Verdict(claim, seeds, values, others, float(relative), absolute, pvalue)


def library_claims(names: Iterable[str] | None = None) -> list[Claim]:
    """Every claim stated in the scenario folder (or in the named scenarios)."""
    names = scenarios.available() if names is None else names
    return [claim for name in names for claim in scenarios.load(name).claims]


def check(claims: list[Claim], workers: int | None = None, progress: bool = False,
          seeds: int | None = None) -> list[Verdict]:
    """Run what the claims need and judge each one (optionally over `seeds` seeds instead of
    each claim's own number)."""
    if seeds is not None:
        claims = [_with_seeds(c, seeds) for c in claims]
    columns = columns_for(c.measure for c in claims)
    frames = run_many(requests(claims), workers, columns, progress, desc="claims")
    return [evaluate(c, frames) for c in claims]


def _with_seeds(claim: Claim, seeds: int) -> Claim:
    from dataclasses import replace

    return replace(claim, seeds=seeds)


def markdown_table(verdicts: list[Verdict]) -> str:
    """The verdicts as a Markdown table (for reports and the scenario index)."""
    lines = ["| scenario | measure | than | window, weeks | median | other's median "
             "| change (claimed) | p | held |", "|---|---|---|---|---|---|---|---|---|"]
    for v in verdicts:
        c = v.claim
        lines.append(
            f"| {c.scenario} | {c.measure} | {c.than} | {c.over}, {c.steps} "
            f"| {np.median(v.values):.4g} | {np.median(v.others):.4g} "
            f"| {v.effect_text} ({v.needed_text}) | {v.pvalue:.2g} "
            f"| {'yes' if v.held else 'NO'} |")
    return "\n".join(lines)
