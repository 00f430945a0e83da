"""Runs over the calibration's posterior: a scenario run once for each of N posterior draws
(one seed each), reported as medians and 90% intervals; claims judged over the draws.

A draw replaces the values the baseline file sets for the fitted parameters; whatever else
a scenario sets stays (a scenario's own `[params]` override the draws: `death_spiral`'s
control meetings are its own, whatever the draw). Draw i runs with the scenario's seed + i,
so a scenario and the one a claim compares it with meet the same draws with the same seeds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import calibrate
from sim import scenario as scenarios
from sim.errors import InputError

#: Quantiles of an interval: 90%.
LOW, HIGH = 0.05, 0.95


def baseline_values() -> dict[str, Any]:
    """Every parameter as the baseline scenario has it (its values over the defaults): what
    a draw replaces where a scenario has not set its own."""
    from sim.params import defaults

    return {**defaults(), **scenarios.load("baseline").params}


def with_draw(params: dict[str, Any] | scenarios.Scenario, draw: dict[str, float],
              baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parameters (or a scenario's) with a posterior draw in place of the baseline's fitted
    values; a value set differently from the baseline's stays as it is. `baseline` is
    `baseline_values()`, given once by a caller that applies many draws."""
    if isinstance(params, scenarios.Scenario):
        params = params.params
    base = baseline_values() if baseline is None else baseline
    return {**params, **{k: v for k, v in draw.items() if params.get(k, base[k]) == base[k]}}


@dataclass
class PosteriorRun:
    """A scenario over N posterior draws: each draw's parameters and summary, and the
    medians and 90% intervals of every last-year measure."""

    scenario: str
    seeds: list[int]
    draws: list[dict[str, float]]
    summaries: list[dict[str, Any]]

    def interval(self, measure: str, window: str = "last_year") -> dict[str, float]:
        """Median and 90% interval of a measure over the draws (finite values)."""
        values = np.array([s[window][measure] for s in self.summaries], dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            return {"median": 0.0, "p05": 0.0, "p95": 0.0}
        return {"median": float(np.median(values)), "p05": float(np.quantile(values, LOW)),
                "p95": float(np.quantile(values, HIGH))}

    @property
    def summary(self) -> dict[str, Any]:
        """What `aligned run SCENARIO --posterior N --json` prints."""
        measures = self.summaries[0]["last_year"].keys()
        return {"scenario": self.scenario, "posterior": len(self.draws),
                "seeds": self.seeds, "steps": self.summaries[0]["steps"],
                "failed_share": float(np.mean([s["failed"] for s in self.summaries])),
                "last_year": {m: self.interval(m) for m in measures},
                "draws": self.draws}


def requests(spec: scenarios.Scenario, draws: list[dict[str, float]], seed: int, steps: int,
             overrides: dict[str, Any] | None = None) -> list[Any]:
    """One run request per draw (seed + i)."""
    from sim.params import resolve_params
    from sim.study.cache import Request
    from sim.study.spec import events_of

    base = baseline_values()
    out = []
    for i, draw in enumerate(draws):
        params = {**with_draw(spec, draw, base), **(overrides or {})}
        out.append(Request(params, seed + i, steps, events_of(spec),
                           same_as=resolve_params(params, spec.name)))
    return out


def run(scenario: str | os.PathLike | scenarios.Scenario, n: int, seed: int | None = None,
        steps: int | None = None, workers: int | None = None, progress: bool = False,
        results: str | os.PathLike | None = None, **overrides: Any) -> PosteriorRun:
    """Run the scenario over the first n posterior draws."""
    from sim.params import check_values
    from sim.runner import summarize
    from sim.study.cache import run_frames

    spec = scenario if isinstance(scenario, scenarios.Scenario) else scenarios.load(scenario)
    overrides = check_values(overrides, "overrides")
    draws = calibrate.draws(n)
    seed = spec.seed if seed is None else seed
    steps = spec.steps if steps is None else steps
    wanted = requests(spec, draws, seed, steps, overrides)
    frames = run_frames(wanted, results, workers, None, progress, desc="posterior draws")
    summaries = []
    for request in wanted:
        frame = frames[request.identity].iloc[:steps]
        summaries.append(summarize(frame, spec.name, request.seed, dict(request.params)))
    return PosteriorRun(spec.name, [r.seed for r in wanted], draws, summaries)


# --- claims over the posterior -------------------------------------------------------------
#: A claim "depends on" a parameter when the rank correlation of its per-draw effect with the
#: parameter reaches this size and is significant at DEPENDS_P after Holm's correction over
#: the fitted parameters (one test per fitted parameter: without it, at nine parameters one
#: claim in four, 0.23 measured, seemed to depend on something by chance; more at thirteen).
DEPENDS_RHO = 0.5
DEPENDS_P = 0.05


@dataclass
class PosteriorVerdict:
    """A claim over posterior draws: the paired verdict across draws, the share of draws in
    which it holds, and the parameters its effect follows."""

    verdict: Any  # sim.claims.Verdict over the draws (one seed each)
    effects: np.ndarray  # per draw, in the claim's terms (relative or absolute)
    share: float  # draws whose effect points the claimed way and reaches the minimum
    depends: list[tuple[str, float, float]]  # (parameter, Spearman rho, p), strongest first

    @property
    def label(self) -> str:
        """'supported' (the paired test across draws holds), 'depends on X' (it does not,
        and the effect follows a fitted parameter), 'weaker than claimed' (it does not, no
        parameter explains it, and the median change points the claimed way), 'contradicted'
        (the median change is nil or the other way) or 'inconclusive' (too few draws to
        reach the threshold)."""
        v = self.verdict
        if v.status == "inconclusive":
            return "inconclusive"
        if v.held:
            return "supported"
        if self.depends:
            return "depends on " + ", ".join(name for name, _, _ in self.depends[:2])
        return "weaker than claimed" if v.absolute > 0 else "contradicted"

    def as_json(self) -> dict[str, Any]:
        """The verdict over the draws as plain data (`aligned claims --posterior --json`)."""
        return {**self.verdict.as_json(), "draws": len(self.effects),
                "share_of_draws": self.share, "label": self.label,
                "depends_on": [{"param": n, "rho": r, "p": p} for n, r, p in self.depends]}


def _effects(verdict: Any) -> np.ndarray:
    c = verdict.claim
    sign = 1.0 if c.relation == "higher" else -1.0
    diff = sign * (verdict.values - verdict.others)
    if c.effect == "absolute":
        return diff
    scale = np.abs(verdict.others)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0),
                       np.where(diff > 0, np.inf, 0.0))
    return rel


def depends(effects: np.ndarray, draws: list[dict[str, float]]) -> list[tuple[str, float, float]]:
    """Fitted parameters whose posterior draws rank-correlate with the claim's per-draw
    effect (|rho| ≥ DEPENDS_RHO, Holm-corrected p < DEPENDS_P over the fitted parameters),
    strongest first; the p given is the uncorrected one."""
    from scipy.stats import spearmanr

    finite = np.isfinite(effects)
    if finite.sum() < 5 or np.ptp(effects[finite]) == 0:
        return []
    tested = []
    for p in calibrate.PRIORS:
        x = np.array([d[p.name] for d in draws])[finite]
        if np.ptp(x) == 0:
            continue
        rho, pvalue = spearmanr(x, effects[finite])
        if np.isfinite(rho):
            tested.append((p.name, float(rho), float(pvalue)))
    found = []
    for rank, (name, rho, pvalue) in enumerate(sorted(tested, key=lambda t: t[2])):
        if pvalue >= DEPENDS_P / (len(tested) - rank):
            break  # Holm: the first test that fails stops the rest
        if abs(rho) >= DEPENDS_RHO:
            found.append((name, rho, pvalue))
    return sorted(found, key=lambda t: -abs(t[1]))


def check(claims: list[Any], n: int, workers: int | None = None, progress: bool = False,
          results: str | os.PathLike | None = None,
          announce: Callable[[str], None] | None = None) -> list[PosteriorVerdict]:
    """Judge each claim over the first n posterior draws (one seed each, paired)."""
    from sim import claims as claims_mod
    from sim.study.cache import run_frames

    if n < 7:
        raise InputError(f"--posterior {n}: expected at least 7 draws (a one-sided paired "
                         "test over 6 or fewer cannot reach p < 0.01 at all)")
    draws = calibrate.draws(n)
    wanted: dict[tuple[str, int], Any] = {}
    steps: dict[str, int] = {}
    for c in claims:
        for name in (c.scenario, c.than):
            steps[name] = max(steps.get(name, 0), c.steps)
    for name, weeks in steps.items():
        spec = scenarios.load(name)
        for i, request in enumerate(requests(spec, draws, 0, weeks)):
            wanted[(name, i)] = request
    columns = tuple(sorted(claims_mod.columns_for(c.measure for c in claims)))
    frames = run_frames(list(wanted.values()), results, workers, columns, progress,
                        desc="claims over the posterior", announce=announce)
    by_key = {key: frames[req.identity] for key, req in wanted.items()}
    out = []
    for c in claims:
        v = claims_mod.evaluate(c, by_key, seeds=range(n))
        effects = _effects(v)
        share = float(np.mean(effects >= c.min_effect)) if effects.size else 0.0
        out.append(PosteriorVerdict(v, effects, share, depends(effects, draws)))
    return out


def markdown(verdicts: Iterable[PosteriorVerdict]) -> str:
    """The verdicts over the posterior as a Markdown table."""
    lines = ["| claim | source | change over draws (claimed) | p | draws where it holds "
             "| verdict |", "|---|---|---|---|---|---|"]
    for pv in verdicts:
        v, c = pv.verdict, pv.verdict.claim
        lines.append(f"| {c} | {c.source} | {v.effect_text} ({v.needed_text}) "
                     f"| {v.pvalue:.2g} | {pv.share:.0%} of {len(pv.effects)} | {pv.label} |")
    return "\n".join(lines)
