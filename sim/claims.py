"""Check the claims scenario files state: run both scenarios over paired seeds, compare the
claimed measure over its window, and hold it to a paired Wilcoxon test and a minimum effect.

Runs are shared: every claim over the same scenario and seed reads one run, truncated to the
claim's length (a run's first weeks do not depend on how long it goes on). Runs go through
the batch engine (`sim.study`): each is seeded, so the results are the same on any number of
workers, and with a results folder they are kept there and reused by the next call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from sim import scenario as scenarios
from sim.clock import WEEKS_PER_YEAR
from sim.measures import columns_for, window_value
from sim.scenario import Claim

__all__ = ["ALPHA", "Verdict", "columns_for", "measure_value", "window"]

#: Significance level every claim is held to.
ALPHA = 0.01

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


#: A measure over a window of weeks, as the run summary computes it (`sim.measures`).
measure_value = window_value


def claim_value(frame: pd.DataFrame, claim: Claim) -> float:
    """The value a claim compares, from one run."""
    return measure_value(window(frame, claim.over, claim.steps), claim.measure)


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


def run_many(
    needed: dict[RunKey, int],
    workers: int | None = None,
    columns: Iterable[str] | None = None,
    progress: bool = False,
    desc: str = "runs",
    results: str | os.PathLike | None = None,
    fresh: bool = False,
    announce: Callable[[str], None] | None = None,
) -> dict[RunKey, pd.DataFrame]:
    """Run every requested (scenario, seed) for its weeks on the local pool of `workers`.

    Scenarios whose effective parameters and events are identical (say `baseline` and a
    file that restates a default) share one run per seed. Returns each request's time
    series (only `columns` if given); it may be longer than requested. With `results`, a
    folder, runs found there are reused and new ones are kept there (`fresh` empties it).
    """
    from sim.params import resolve_params
    from sim.study.cache import Request, run_frames
    from sim.study.spec import events_of

    specs = {name: scenarios.load(name) for name, _ in needed}
    resolved = {name: resolve_params(spec.params, name) for name, spec in specs.items()}
    requests = {(name, seed): Request(specs[name].params, seed, steps, events_of(specs[name]),
                                      same_as=resolved[name])
                for (name, seed), steps in needed.items()}
    cols = tuple(sorted(columns)) if columns is not None else None
    frames = run_frames(list(requests.values()), results, workers, cols, progress, desc,
                        fresh, announce)
    return {key: frames[request.identity] for key, request in requests.items()}


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
          seeds: int | None = None, results: str | os.PathLike | None = None,
          fresh: bool = False, announce: Callable[[str], None] | None = None
          ) -> list[Verdict]:
    """Run what the claims need and judge each one (optionally over `seeds` seeds instead of
    each claim's own number); with `results`, a folder, reuse the runs kept there."""
    if seeds is not None:
        claims = [_with_seeds(c, seeds) for c in claims]
    columns = columns_for(c.measure for c in claims)
    frames = run_many(requests(claims), workers, columns, progress, desc="claims",
                      results=results, fresh=fresh, announce=announce)
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
