"""Calibration as inference: the baseline firm's uncertain parameters fitted to published
moments by approximate Bayesian computation, giving a posterior (weighted draws), not a point.

The method is adaptive population Monte Carlo ABC (APMC; Lenormand, Jabot & Deffuant 2013,
Computational Statistics 28: 2777-2796), chosen because every generation is one fixed-size
batch of independent runs, which is what the project's batch engine does best (the local
pool or Dask, one worker policy):

1. Generation 0: `particles` draws from the prior, each run once (one seed each); the
   tolerance ε₁ is the `alpha`-quantile of their distances, and the `alpha × particles`
   closest are kept, with equal weights.
2. Each later generation: `particles − kept` new draws, each a kept particle (chosen by
   weight) moved by a Gaussian kernel of twice the kept particles' weighted covariance,
   in the prior's coordinates (log for scale parameters), redrawn until inside the prior;
   weight = prior density / the kernel mixture's density there. The share of new draws
   closer than the last tolerance is the acceptance rate p_acc; old and new together, the
   new tolerance is again their `alpha`-quantile and the closest are kept.
3. Stop when p_acc falls below `p_acc_min` (the posterior no longer moves), or after
   `max_generations`.

The distance is Euclidean over the target moments, each scaled by its tolerance (a band's
±5 points, a correlation's ±0.15), so one tolerance's worth of miss counts the same
everywhere. A particle is one ten-year run of the baseline scenario with the particle's
parameters, measured in its last year (what `aligned run` reports); the team-level
correlations are read across that run's teams, with true scores (no survey noise), as
Harter, Schmidt & Hayes's corrected correlations are.

Each generation's runs are appended to `gen_NNN.jsonl` in the fit's folder as they finish,
and the generation as a whole to `gen_NNN.parquet`; a fit that is stopped resumes where it
was (the proposals of a generation are drawn from a seed of their own, so they are the same
again, and finished runs are not redone). The result is written as
`scenarios/calibration/posterior.parquet`: one row per kept particle (parameters, weight,
distance, generation), with the fit's metadata (method, settings, tolerances, acceptance
rates, runs, effective sample size, priors, targets) in the Parquet schema.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.files import atomic_write, package_version

#: Where the posterior lives, inside the scenario library (a checkout's `scenarios/`, or the
#: copy the installed package carries).
POSTERIOR_PATH = Path("calibration") / "posterior.parquet"
METADATA_KEY = b"aligned.calibration"


def posterior_file() -> Path:
    """The posterior file: ALIGNED_POSTERIOR if set, else the first scenario library that
    has one (the checkout's, then the installed package's), else where `aligned calibrate`
    writes it in the checkout."""
    from sim.files import SOURCE_ROOT, search_path

    if os.environ.get("ALIGNED_POSTERIOR"):
        return Path(os.environ["ALIGNED_POSTERIOR"])
    for folder in search_path(SOURCE_ROOT / "scenarios", "scenarios"):
        if (folder / POSTERIOR_PATH).is_file():
            return folder / POSTERIOR_PATH
    return SOURCE_ROOT / "scenarios" / POSTERIOR_PATH
DEFAULT_FOLDER = Path("results") / "calibration"


@dataclass(frozen=True)
class Prior:
    """A parameter fitted: uniform on [low, high], or on [log low, log high] for a scale."""

    name: str
    low: float
    high: float
    log: bool
    why: str

    def to_unit(self, value: np.ndarray) -> np.ndarray:
        """The prior's coordinate: the value, or its logarithm for a scale parameter."""
        return np.log(value) if self.log else np.asarray(value, dtype=float)

    def from_unit(self, x: np.ndarray) -> np.ndarray:
        """A value from the prior's coordinate."""
        return np.exp(x) if self.log else np.asarray(x, dtype=float)

    @property
    def bounds(self) -> tuple[float, float]:
        """The prior's support in its coordinate."""
        lo, hi = (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)
        return lo, hi


#: The uncertain parameters, each with its prior and why it is fitted.
PRIORS: tuple[Prior, ...] = (
    Prior("engagement_bias", -1.6, 0.0, False,
          "baseline of the engagement target; sets the Gallup bands with the spread below "
          "(the grid searches' range, -1.7 to -0.8, widened)"),
    Prior("engagement_disposition_sd", 0.2, 1.4, False,
          "spread of people's dispositions to engage; sets how wide the bands are (the grid "
          "searches' range, 0.5 to 1.2, widened)"),
    Prior("quit_base", 0.002, 0.02, True,
          "weekly quit hazard at a neutral outlook: 0.1-1.0 a year, around JOLTS' 27%"),
    Prior("churn_base", 0.005, 0.2, True,
          "weekly churn hazard at zero satisfaction: no source; wide enough that annual "
          "churn spans 1-60% at the satisfaction the firm reaches"),
    Prior("effort_temperature", 0.08, 0.8, True,
          "softness of the effort choice; no direct source (0.25 reproduces the public-goods "
          "decay, which is among the targets): a decade around it"),
    Prior("cooperation_strength", 0.1, 0.9, False,
          "weight of the cooperation type in helping (Fischbacher, Gächter & Fehr 2001 give "
          "types, not this weight): most of its range"),
    Prior("care_quality_effect", 3.0, 12.0, False,
          "how much care effort raises the chance a case is solved; no source: the range "
          "in which care matters but does not decide every case alone"),
    Prior("segment_difficulty_sd", 0.0, 1.5, False,
          "spread across account teams' segments of case difficulty (Frei 2006, "
          "customer-introduced variability); units differ in their customers"),
    Prior("segment_case_rate_sd", 0.0, 0.8, False,
          "spread across segments of how many cases customers raise (Frei 2006); units "
          "differ in their workload"),
    Prior("segment_strictness_sd", 0.0, 0.6, False,
          "spread across segments of how strictly customers judge an outcome against their "
          "expectation (Frei 2006, subjective preference); units differ in whom they serve"),
    Prior("purpose_effect", 0.0, 3.0, False,
          "how much the team's customers' satisfaction raises engagement; no magnitude "
          "source: from nothing to twice its declared value, and the lever that sets how "
          "strongly engagement and customer satisfaction move together across teams"),
    Prior("quit_sensitivity", 0.5, 6.0, True,
          "how fast quitting grows as the outside option beats the inside one; no direct "
          "source: a decade around the value that gives JOLTS' range"),
    Prior("base_inflow", 0.003, 0.05, True,
          "new customers a week per customer from marketing alone, before the market "
          "saturates; no direct source: wide enough that the firm can replace 13-20% "
          "churn a year, or not"),
)


@dataclass(frozen=True)
class Target:
    """A published moment the fit is held to, with the tolerance that scales its miss."""

    name: str
    value: float
    tolerance: float
    source: str


def _targets() -> tuple[tuple[Target, ...], tuple[Target, ...]]:
    """The fit's targets and held-out results, from the figures `aligned validate` holds the
    baseline to (declared once, in sim.validation)."""
    from sim.validation import calibration as c
    from sim.validation import public_goods

    bands = {"engaged_share": "engaged", "not_engaged_share": "not engaged",
             "actively_disengaged_share": "actively disengaged"}
    quit_low, quit_high = c.QUIT_RANGE
    churn_low, churn_high = c.CHURN_RANGE
    fitted = (
        *(Target(k, v, c.BAND_TOLERANCE, f"Gallup 2013: {v:.0%} {bands[k]} (US 2010-12)")
          for k, v in c.BANDS.items()),
        Target("annual_quit_rate", (quit_low + quit_high) / 2, (quit_high - quit_low) / 2,
               f"BLS JOLTS 2018-19: quits {quit_low:.0%}-{quit_high:.0%} a year (the band's "
               "middle ± half its width)"),
        Target("annual_churn_rate", (churn_low + churn_high) / 2, (churn_high - churn_low) / 2,
               f"Reichheld 1996; Reichheld & Sasser 1990: customers lost {churn_low:.0%}-"
               f"{churn_high:.0%} a year"),
        *(Target(f"r_{_short(k)}", v, c.HSH_TOLERANCE, f"Harter, Schmidt & Hayes 2002: "
                 f"engagement with {k.replace('_', ' ')} across business units, corrected "
                 f"r = {v:+.2f}") for k, v in c.HSH.items()),
        Target("public_goods_gap", 0.0, public_goods.MEAN_GAP, "Fischbacher & Gächter 2010: "
               "mean |model − lab| of contributions over ten periods (the validation's "
               "criterion as the tolerance)"),
    )
    held_out = tuple(Target(f"r_{k}", v, c.HSH_TOLERANCE, "Harter, Schmidt & Hayes 2002: "
                            f"engagement with {k} across business units, corrected r = "
                            f"{v:+.2f} (not fitted)") for k, v in c.HSH_HELD_OUT.items())
    return fitted, held_out


def _short(outcome: str) -> str:
    return {"customer_satisfaction": "satisfaction"}.get(outcome, outcome)


#: The published moments the fit is held to, and those held out and compared afterwards.
TARGETS, HELD_OUT = _targets()

STATS = tuple(t.name for t in TARGETS) + tuple(t.name for t in HELD_OUT)


@dataclass
class Settings:
    """How the fit runs."""

    particles: int = 200
    alpha: float = 0.5
    p_acc_min: float = 0.05
    max_generations: int = 10
    seed: int = 2026
    public_goods_players: int = 200

    def check(self) -> None:
        """Fail with one line on a setting out of its range."""
        if self.particles < 8:
            raise InputError(f"--particles {self.particles}: expected an integer ≥ 8")
        if not 0 < self.alpha < 1:
            raise InputError(f"--alpha {self.alpha}: expected a number in (0, 1)")
        if not 0 <= self.p_acc_min < 1:
            raise InputError(f"--p-acc-min {self.p_acc_min}: expected a number in [0, 1)")
        if self.max_generations < 1:
            raise InputError(f"--generations {self.max_generations}: expected an integer ≥ 1")

    @property
    def kept(self) -> int:
        """Particles kept each generation (alpha × particles)."""
        return max(2, int(self.alpha * self.particles))


# --- one particle ------------------------------------------------------------------------
def correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r, 0 when either side does not vary (a firm of one team, or none)."""
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def summaries(job: tuple[dict[str, float], int, int]) -> dict[str, float]:
    """Run the baseline with a particle's parameters and seed; return its moments."""
    from sim.scenario import load
    from sim.validation import calibration, public_goods

    theta, seed, players = job
    params = {**load("baseline").params, **theta}
    run = calibration.run_seed(params, seed)
    lab = np.array(public_goods.LAB)
    played = public_goods.play(seed, players, params)
    return {
        **{k: float(v) for k, v in run.bands.items()},
        "annual_quit_rate": float(run.quit_rate),
        "annual_churn_rate": float(run.churn_rate),
        "r_satisfaction": correlation(run.engagement, run.satisfaction),
        "r_turnover": correlation(run.engagement, run.turnover),
        "public_goods_gap": float(np.abs(played - lab).mean()),
        "r_productivity": correlation(run.engagement, run.productivity),
    }


#: The miss, in tolerances, of a moment a run cannot give (a firm that failed before the
#: measured year has no quit or churn rate): as far as any real miss is likely to be, so
#: that failed firms rank behind the rest without making every tolerance infinite.
MISSING_MISS = 10.0


def distance(stats: dict[str, float]) -> float:
    """Euclidean distance to the targets, each miss in units of its tolerance (a moment
    the run could not give counts MISSING_MISS tolerances)."""
    misses = [(stats.get(t.name, math.nan) - t.value) / t.tolerance for t in TARGETS]
    misses = [m if math.isfinite(m) else MISSING_MISS for m in misses]
    return float(np.sqrt(np.sum(np.square(misses))))


# --- the population ---------------------------------------------------------------------
def _unit(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([p.to_unit(frame[p.name].to_numpy(float)) for p in PRIORS])


def _inside(x: np.ndarray) -> np.ndarray:
    lo = np.array([p.bounds[0] for p in PRIORS])
    hi = np.array([p.bounds[1] for p in PRIORS])
    return np.all((x >= lo) & (x <= hi), axis=1)


def prior_draws(rng: np.random.Generator, n: int) -> np.ndarray:
    """N draws from the prior, in its coordinates."""
    return np.column_stack([rng.uniform(*p.bounds, size=n) for p in PRIORS])


def kernel_covariance(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Twice the weighted covariance of the kept particles (Beaumont et al. 2009)."""
    cov = np.atleast_2d(np.cov(x, rowvar=False, aweights=w))
    return 2.0 * cov + 1e-12 * np.eye(x.shape[1])


def propose(rng: np.random.Generator, kept: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """N moves of kept particles (chosen by weight) by the Gaussian kernel, each redrawn
    until it lies inside the prior."""
    cov = kernel_covariance(kept, w)
    chol = np.linalg.cholesky(cov)
    out = np.empty((n, kept.shape[1]))
    todo = np.arange(n)
    p = w / w.sum()
    for _ in range(10_000):
        if not todo.size:
            break
        parent = rng.choice(len(kept), size=todo.size, p=p)
        x = kept[parent] + rng.standard_normal((todo.size, kept.shape[1])) @ chol.T
        ok = _inside(x)
        out[todo[ok]] = x[ok]
        todo = todo[~ok]
    else:  # the kernel reaches the prior's inside with a vanishing chance: place at parents
        out[todo] = kept[rng.choice(len(kept), size=todo.size, p=p)]
    return out


def new_weights(x: np.ndarray, kept: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Importance weights of new particles: prior density (constant inside the prior) over
    the density of the kernel mixture that proposed them (on the scale of a prior draw's
    weight, 1), computed in logarithms."""
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    cov = kernel_covariance(kept, w)
    share = np.log(w / w.sum())
    logs = np.column_stack([multivariate_normal.logpdf(x, mean=kept[j], cov=cov,
                                                       allow_singular=True)
                            for j in range(len(kept))]).reshape(len(x), len(kept))
    log_mix = logsumexp(logs + share, axis=1)
    log_volume = sum(math.log(hi - lo) for lo, hi in (p.bounds for p in PRIORS))
    return np.exp(np.clip(-log_volume - log_mix, -700.0, 700.0))


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of weighted draws."""
    if not w.size or not np.all(np.isfinite(w)) or not w.max() > 0:
        return 0.0
    w = w / w.max()
    return float(w.sum() ** 2 / np.square(w).sum())


# --- the fit, on the batch engine ---------------------------------------------------------
@dataclass
class Generation:
    """One generation of the fit: its tolerance, acceptance rate, runs and ESS."""

    index: int
    epsilon: float
    p_acc: float
    runs: int
    ess: float
    seconds: float


@dataclass
class Fit:
    """A fit as it stands: its generations, the kept particles and the runs made."""

    settings: Settings
    generations: list[Generation] = field(default_factory=list)
    posterior: pd.DataFrame | None = None  # the kept particles: parameters, weight, stats
    runs: int = 0
    interrupted: bool = False


def _frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({p.name: p.from_unit(x[:, i]) for i, p in enumerate(PRIORS)})


def _evaluate(folder: Path, gen: int, x: np.ndarray, seeds: np.ndarray, settings: Settings,
              executor: Any, progress: bool, simulate: Callable[[Any], dict[str, float]]
              ) -> tuple[pd.DataFrame, bool]:
    """Run a generation's particles (those not already in its log), appending each to the
    log as it finishes; return all of them with their moments and distances."""
    from sim.study.executors import Died, progress_bar

    log = folder / f"gen_{gen:03d}.jsonl"
    done: dict[int, dict[str, float]] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            try:
                row = json.loads(line)
                done[int(row["index"])] = row["stats"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a stop: its run is redone
    frame = _frame(x)
    todo = [i for i in range(len(x)) if i not in done]
    jobs = [({k: float(frame.at[i, k]) for k in frame.columns}, int(seeds[i]),
             settings.public_goods_players) for i in todo]
    interrupted = False
    if jobs:
        bar = progress_bar(len(jobs), f"generation {gen}", progress)
        try:
            with log.open("a") as out:
                for batch in executor.map(simulate, jobs):
                    for index, result in batch:
                        stats = ({s: math.nan for s in STATS} if isinstance(result, Died)
                                 else result)
                        done[todo[index]] = stats
                        out.write(json.dumps({"index": todo[index], "stats": stats}) + "\n")
                    out.flush()
                    os.fsync(out.fileno())
                    if bar is not None:
                        bar.update(len(batch))
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if bar is not None:
                bar.close()
    if interrupted or len(done) < len(x):
        return frame, True
    for s in STATS:
        frame[s] = [done[i].get(s, math.nan) for i in range(len(x))]
    frame["distance"] = [distance(done[i]) for i in range(len(x))]
    frame["seed"] = seeds
    frame["generation"] = gen
    return frame, False


def _problem() -> dict[str, Any]:
    """What a fit's runs depend on besides its settings: the priors, the targets and the
    baseline's own values, so that a folder of runs is resumed only by the same problem."""
    from sim.scenario import load

    baseline = load("baseline").params
    problem = {"priors": [[p.name, p.low, p.high, p.log] for p in PRIORS],
               "targets": [[t.name, t.value, t.tolerance] for t in TARGETS],
               "baseline": {k: baseline[k] for k in sorted(baseline)}}
    return json.loads(json.dumps(problem))  # as fit.json holds it (tuples become lists)


def fit(folder: Path, settings: Settings, executor: Any, progress: bool = False,
        say: Callable[[str], None] = lambda _: None, max_runs: int | None = None,
        simulate: Callable[[Any], dict[str, float]] = summaries) -> Fit:
    """Run (or resume) the fit in `folder`; the caller holds the folder's lock. `simulate`
    maps a job (parameters, seed, public-goods players) to the moments (default: the
    baseline firm, `summaries`)."""
    settings.check()
    folder.mkdir(parents=True, exist_ok=True)
    state_file = folder / "fit.json"
    problem = _problem()
    if state_file.exists():
        saved = json.loads(state_file.read_text())
        if saved.get("settings") != asdict(settings):
            raise InputError(f"{folder}: holds a fit made with other settings "
                             f"({saved.get('settings')}); use another --folder or the same "
                             "settings")
        if saved.get("problem") != problem:
            changed = [k for k in problem if saved.get("problem", {}).get(k) != problem[k]]
            raise InputError(f"{folder}: holds a fit of another problem (its "
                             f"{', '.join(changed)} differ from this version's); use another "
                             "--folder")
    atomic_write(state_file, json.dumps({"settings": asdict(settings), "problem": problem},
                                        indent=2).encode())
    result = Fit(settings)
    n, k = settings.particles, settings.kept
    population: pd.DataFrame | None = None
    epsilon = math.inf
    for gen in range(settings.max_generations):
        start = time.perf_counter()
        rng = np.random.default_rng([settings.seed, gen])
        saved_gen = folder / f"gen_{gen:03d}.parquet"
        if population is None:
            x = prior_draws(rng, n)
        else:
            kept_x, kept_w = _unit(population), population["weight"].to_numpy(float)
            x = propose(rng, kept_x, kept_w, n - k)
        seeds = settings.seed * 1_000_000 + gen * 10_000 + np.arange(len(x))
        if saved_gen.exists():
            new = pd.read_parquet(saved_gen)
        else:
            if max_runs is not None and result.runs + len(x) > max_runs:
                say(f"stopping before generation {gen}: --max-runs {max_runs} reached")
                break
            new, stopped = _evaluate(folder, gen, x, seeds, settings, executor, progress,
                                     simulate)
            if stopped:
                result.interrupted = True
                return result
            if population is None:
                new["weight"] = 1.0
            else:
                new["weight"] = new_weights(x, kept_x, kept_w)
            buf = new.to_parquet()
            atomic_write(saved_gen, buf)
        result.runs += len(new)
        if population is None:
            pool, p_acc = new, 1.0
        else:
            p_acc = float(np.mean(new["distance"].to_numpy() < epsilon))
            pool = pd.concat([population, new], ignore_index=True)
        order = np.argsort(pool["distance"].to_numpy(), kind="stable")
        population = pool.iloc[order[:k]].reset_index(drop=True)
        epsilon = float(population["distance"].iloc[-1])
        if gen == 0:
            population["weight"] = 1.0
        w = population["weight"].to_numpy(float)
        result.generations.append(Generation(gen, epsilon, p_acc, len(new),
                                             effective_sample_size(w),
                                             time.perf_counter() - start))
        say(f"generation {gen}: ε {epsilon:.3f}, acceptance {p_acc:.2f}, "
            f"ESS {effective_sample_size(w):.0f} of {k}, {len(new)} runs")
        if gen > 0 and p_acc < settings.p_acc_min:
            break
    result.posterior = population
    return result


# --- the posterior as a file ---------------------------------------------------------------
def metadata(result: Fit, seconds: float, executor: str, workers: int) -> dict[str, Any]:
    """What the posterior file says of the fit that made it."""
    w = result.posterior["weight"].to_numpy(float) if result.posterior is not None else []
    return {
        "method": "APMC-ABC (Lenormand, Jabot & Deffuant 2013)",
        "scenario": "baseline", "steps": 520, "measured": "last year (52 weeks)",
        "settings": asdict(result.settings),
        "generations": [asdict(g) for g in result.generations],
        "runs": result.runs, "ess": effective_sample_size(np.asarray(w)),
        "priors": [asdict(p) for p in PRIORS],
        "targets": [asdict(t) for t in TARGETS], "held_out": [asdict(t) for t in HELD_OUT],
        "seconds": round(seconds, 1), "executor": executor, "workers": workers,
        "version": package_version(), "date": time.strftime("%Y-%m-%d"),
    }


def write_posterior(result: Fit, meta: dict[str, Any], path: Path | None = None) -> Path:
    """The kept particles with the fit's metadata, as one Parquet file (atomically)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = result.posterior.copy()
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           METADATA_KEY: json.dumps(meta).encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    path = Path(path or posterior_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())
    return path


def read_posterior(path: Path | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The posterior's particles and the fit's metadata."""
    import pyarrow.parquet as pq

    path = Path(path or posterior_file())
    if not path.is_file():
        raise InputError(f"{path}: no posterior file; make it with `aligned calibrate`")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # a damaged file: one line, not a traceback
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    meta = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    frame = table.to_pandas()
    missing = [p.name for p in PRIORS if p.name not in frame]
    if missing or "weight" not in frame:
        raise InputError(f"{path}: not a posterior of this model (missing columns "
                         f"{missing or ['weight']})")
    return frame, meta


def draws(n: int, path: Path | None = None) -> list[dict[str, float]]:
    """N parameter sets drawn from the posterior by weight (systematic resampling with a
    fixed seed, so draw i is the same every time), in the file's order of particles."""
    if n < 1:
        raise InputError(f"--posterior {n}: expected an integer ≥ 1")
    frame, _ = read_posterior(path)
    w = frame["weight"].to_numpy(float)
    cum = np.cumsum(w / w.sum())
    u = (np.random.default_rng(0).uniform() + np.arange(n)) / n
    picks = np.minimum(np.searchsorted(cum, u), len(frame) - 1)
    order = np.random.default_rng(1).permutation(n)  # draws 0..k-1 spread over the posterior
    names = [p.name for p in PRIORS]
    return [{k: float(frame.iloc[picks[i]][k]) for k in names} for i in order]


# --- the posterior predictive check --------------------------------------------------------
def predictive_check(n: int, workers: int | None = None, progress: bool = False,
                     first_seed: int = 100, path: Path | None = None) -> list[dict[str, Any]]:
    """Run the baseline at the first n posterior draws (seeds first_seed, first_seed + 1, …,
    none of them the fit's) and compare each moment's median and 90% interval over the
    draws whose firm still operates in its last year with its target (each row says how
    many draws that is and how many firms failed); the held-out results alike."""
    from sim.study.executors import run_all

    chosen = draws(n, path)
    jobs = [(d, first_seed + i, Settings().public_goods_players) for i, d in enumerate(chosen)]
    results = run_all(summaries, jobs, workers, progress, desc="predictive check")
    # a firm that failed before its last year has no moments of its own (its bands are the
    # empty firm's): the moments are read over the firms that operate, the failures counted
    operating = [r for r in results if math.isfinite(r["annual_quit_rate"])]
    rows = []
    for target, fitted in [(t, True) for t in TARGETS] + [(t, False) for t in HELD_OUT]:
        values = np.array([r[target.name] for r in operating], dtype=float)
        values = values[np.isfinite(values)]
        median = float(np.median(values)) if values.size else math.nan
        rows.append({
            "moment": target.name, "fitted": fitted, "target": target.value,
            "tolerance": target.tolerance, "median": median,
            "p05": float(np.quantile(values, 0.05)) if values.size else math.nan,
            "p95": float(np.quantile(values, 0.95)) if values.size else math.nan,
            "within": bool(abs(median - target.value) <= target.tolerance),
            "draws": int(values.size), "failed": len(results) - len(operating)})
    return rows
