"""Experiment sweeps: a TOML spec declared in roles, expanded into runs, run on a local
process pool or a Dask cluster, and saved as Parquet that a killed sweep can resume.

A spec names `uncertainties` (conditions outside the firm's control), `levers` (what the
firm chooses), `policies` (named schemes or scenarios to compare), `constants` and
`outcomes`, as EMA Workbench does; a list expands, a scalar is held, and a range
`{low, high}` is sampled by the `design` (grid, lhs, sobol, morris; samplers from SALib).
Every name and range is checked against the one parameter declaration (`sim.params`).

Each run's seed comes from one `numpy.random.SeedSequence` of the sweep's seed and is
fixed when the design is expanded, so results are identical on any executor and any
number of workers. Finished runs are written in Parquet parts as they complete; the
last step consolidates them into `runs.parquet` and `timeseries.parquet`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import math
import os
import signal
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scenario as scenarios
from sim.errors import InputError
from sim.incentives import PRESETS
from sim.measures import REPORTERS, SUMMARY_KEYS
from sim.params import PARAMS, Param, check_values, suggest

EXPERIMENT_DIR = Path(
    os.environ.get("ALIGNED_EXPERIMENTS", Path(__file__).parent.parent / "experiments"))
DESIGNS = ("grid", "lhs", "sobol", "morris")
STATS = ("final", "last_year", "timeseries")
ROLES = ("uncertainties", "levers", "constants")
SPEC_KEYS = ("name", "title", "description", "question", "scenario", "steps", "seed",
             "replications", "record_every", "common_random_numbers", "design", "outcomes",
             "policies", *ROLES)
DESIGN_KEYS = ("kind", "n", "levels", "second_order")
RANGE_KEYS = ("low", "high", "levels")
#: Outcomes only the last-year summary has (rates over the last 52 weeks).
LAST_YEAR_ONLY = ("annual_quit_rate", "annual_churn_rate")
DEFAULT_MORRIS_LEVELS = 4
#: Test hook: comma-separated run ids whose run raises on purpose (checked by the worker).
FAIL_ENV = "ALIGNED_SWEEP_FAIL_RUNS"
#: Parameters a run task always carries besides the parameter overrides.
META_COLUMNS = ("run_id", "point", "policy", "replication", "seed")
RESULT_COLUMNS = ("status", "error", "elapsed_s", "cpu_s")
METADATA_KEY = b"aligned.sweep"
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# --- the spec ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    """A parameter the sweep varies: a list of values, or a range the design samples."""

    name: str
    role: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None

    @property
    def is_range(self) -> bool:
        """True for a `{low, high}` range, False for a list of values."""
        return self.values is None


@dataclass
class Spec:
    """A parsed, validated experiment spec."""

    name: str
    title: str
    description: str
    question: str
    scenario: str
    steps: int
    seed: int
    replications: int
    record_every: int
    common_random_numbers: bool
    design: str
    n: int | None
    levels: int | None
    second_order: bool
    factors: list[Factor]
    constants: dict[str, Any]
    held: dict[str, Any]
    policies: dict[str, dict[str, Any]]
    outcomes: dict[str, tuple[str, ...]]
    base_params: dict[str, Any]
    data: dict[str, Any]
    text: str = ""
    path: Path | None = None
    hash: str = ""

    @property
    def sampled(self) -> list[Factor]:
        """Range factors sampled by lhs, sobol or morris (none in a grid)."""
        if self.design == "grid":
            return []
        return [f for f in self.factors if f.is_range]

    @property
    def crossed(self) -> list[Factor]:
        """Factors whose values are crossed (full factorial) with each other and the sample."""
        return [f for f in self.factors if not f.is_range or self.design == "grid"]

    @property
    def scalar_outcomes(self) -> list[str]:
        """Columns of the runs table that hold outcomes, e.g. `last_year.trust_peer`."""
        return [f"{stat}.{measure}" for measure, stats in self.outcomes.items()
                for stat in stats if stat != "timeseries"]

    @property
    def timeseries_measures(self) -> list[str]:
        """Measures recorded as time series."""
        return [m for m, stats in self.outcomes.items() if "timeseries" in stats]


def locate(name_or_path: str | os.PathLike) -> Path:
    """The file of an experiment given by name (in experiments/) or by path."""
    return scenarios.locate_toml(name_or_path, EXPERIMENT_DIR, "experiment")


def load_spec(source: str | os.PathLike | dict[str, Any] | Spec) -> Spec:
    """Read and validate a spec from a name, a path, a TOML-shaped dict or a Spec."""
    if isinstance(source, Spec):
        return source
    if isinstance(source, dict):
        return parse_spec(source, "spec")
    path = locate(source)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, str(path), text=text, path=path)


def _typed(where: str, key: str, value: Any, kind: type | tuple[type, ...], allowed: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected {allowed}")
    return value


def _positive(where: str, key: str, value: Any, minimum: int = 1) -> int:
    value = _typed(where, key, value, int, f"an integer ≥ {minimum}")
    if value < minimum:
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected an integer "
                         f"≥ {minimum}")
    return value


def parse_spec(data: dict[str, Any], where: str, text: str = "",
               path: Path | None = None) -> Spec:
    """Validate a spec's keys, parameters, ranges, design and outcomes; name what is wrong."""
    for key in data:
        if key not in SPEC_KEYS:
            raise InputError(f"{where}: unknown key {key!r}; allowed keys: "
                             + ", ".join(SPEC_KEYS))
    default_name = path.stem if path else "sweep"
    name = _typed(where, "name", data.get("name", default_name), str, "a string")
    base_name = _typed(where, "scenario", data.get("scenario", "baseline"), str,
                       "a scenario name")
    base = scenarios.load(base_name)
    steps = _positive(where, "steps", data.get("steps", base.steps))
    seed = _positive(where, "seed", data.get("seed", base.seed), minimum=0)
    replications = _positive(where, "replications", data.get("replications", 1))
    crn = _typed(where, "common_random_numbers", data.get("common_random_numbers", True), bool,
                 "true or false")
    design, n, levels, second_order = _parse_design(data.get("design", "grid"), where)

    factors: list[Factor] = []
    constants: dict[str, Any] = {}
    held: dict[str, Any] = {}
    roles_of: dict[str, str] = {}
    for role in ROLES:
        table = _typed(where, role, data.get(role, {}), dict, "a table of parameters")
        for key, value in table.items():
            at = f"{where} [{role}]"
            if key not in PARAMS:
                raise InputError(f"{at}: unknown parameter {key!r}; {suggest(key)}")
            if key in roles_of:
                raise InputError(f"{at}: {key} is also in [{roles_of[key]}]; a parameter "
                                 "takes one role")
            roles_of[key] = role
            if role == "constants":
                if isinstance(value, list | dict):
                    raise InputError(f"{at}: {key} = {value!r} is not allowed; a constant is "
                                     "one value (put lists and ranges in levers or "
                                     "uncertainties)")
                constants[key] = PARAMS[key].check(value, at)
            elif isinstance(value, list):
                factors.append(_list_factor(PARAMS[key], role, value, at))
            elif isinstance(value, dict):
                factors.append(_range_factor(PARAMS[key], role, value, at, design))
            else:
                held[key] = PARAMS[key].check(value, at)

    if design != "grid" and not any(f.is_range for f in factors):
        raise InputError(f"{where}: design = {design!r} samples ranges, but no parameter has "
                         "a range; write one as name = {{ low = …, high = … }}")
    policies = _parse_policies(data.get("policies"), where, set(constants) | set(roles_of))
    outcomes = _parse_outcomes(data.get("outcomes"), where)
    has_series = any("timeseries" in s for s in outcomes.values())
    record_every = _positive(where, "record_every", data.get("record_every", 1))
    if has_series and record_every > steps:
        raise InputError(f"{where}: record_every = {record_every} is not allowed; expected an "
                         f"integer in [1, {steps}] (steps)")
    spec = Spec(
        name=name,
        title=_typed(where, "title", data.get("title", name), str, "a string"),
        description=_typed(where, "description", data.get("description", ""), str, "a string"),
        question=_typed(where, "question", data.get("question", ""), str, "a string"),
        scenario=base.name, steps=steps, seed=seed, replications=replications,
        record_every=record_every, common_random_numbers=crn, design=design, n=n,
        levels=levels, second_order=second_order, factors=factors, constants=constants,
        held=held, policies=policies, outcomes=outcomes, base_params=dict(base.params),
        data=data, text=text, path=path,
    )
    spec.hash = spec_hash(spec)
    return spec


def _parse_design(value: Any, where: str) -> tuple[str, int | None, int | None, bool]:
    table = {"kind": value} if isinstance(value, str) else value
    _typed(where, "design", table, dict, "a design name or a table with kind and n")
    for key in table:
        if key not in DESIGN_KEYS:
            raise InputError(f"{where}: unknown key {key!r} in [design]; allowed keys: "
                             + ", ".join(DESIGN_KEYS))
    kind = table.get("kind")
    if kind not in DESIGNS:
        raise InputError(f"{where}: design = {kind!r} is not allowed; expected one of "
                         + ", ".join(DESIGNS))
    n = levels = None
    second_order = _typed(where, "design.second_order", table.get("second_order", False), bool,
                          "true or false")
    if kind == "grid":
        if "n" in table:
            raise InputError(f"{where}: design.n is not used by a grid (its size is the "
                             "product of the lists); remove it")
        return kind, None, None, False
    if "n" not in table:
        raise InputError(f"{where}: design {kind!r} needs n (sample size), e.g. "
                         f"design = {{ kind = \"{kind}\", n = 64 }}")
    n = _positive(where, "design.n", table["n"], minimum=2)
    if kind == "sobol" and n & (n - 1):
        raise InputError(f"{where}: design.n = {n} is not allowed for sobol; expected a power "
                         f"of 2 (e.g. {1 << n.bit_length() - 1} or {1 << n.bit_length()})")
    if kind == "morris":
        levels = _positive(where, "design.levels", table.get("levels", DEFAULT_MORRIS_LEVELS),
                           minimum=2)
    return kind, n, levels, second_order


def _list_factor(param: Param, role: str, value: list[Any], at: str) -> Factor:
    if not value:
        raise InputError(f"{at}: {param.name} = [] is not allowed; expected at least one value")
    values = tuple(param.check(v, at) for v in value)
    if len(set(values)) != len(values):
        raise InputError(f"{at}: {param.name} = {value!r} repeats a value")
    return Factor(param.name, role, values=values)


def _range_factor(param: Param, role: str, value: dict[str, Any], at: str,
                  design: str) -> Factor:
    if param.type not in (int, float):
        raise InputError(f"{at}: {param.name} is {param.allowed}, so it cannot take a range; "
                         "list its values instead")
    for key in value:
        if key not in RANGE_KEYS:
            raise InputError(f"{at}: unknown key {key!r} in the range of {param.name}; "
                             "allowed keys: " + ", ".join(RANGE_KEYS))
    if "low" not in value or "high" not in value:
        raise InputError(f"{at}: the range of {param.name} needs low and high, "
                         f"e.g. {{ low = {param.low:g}, high = {param.high:g} }}")
    low = param.check(value["low"], f"{at} range low")
    high = param.check(value["high"], f"{at} range high")
    if low >= high:
        raise InputError(f"{at}: the range of {param.name} has low = {low!r} ≥ high = {high!r}; "
                         "expected low < high")
    levels = None
    if design == "grid":
        if "levels" not in value:
            raise InputError(f"{at}: a grid needs levels for the range of {param.name}, e.g. "
                             f"{{ low = {low:g}, high = {high:g}, levels = 5 }}, or a list")
        levels = _positive(at, f"{param.name}.levels", value["levels"], minimum=2)
    elif "levels" in value:
        raise InputError(f"{at}: levels in the range of {param.name} is only used by a grid; "
                         "the design samples the range")
    return Factor(param.name, role, low=float(low), high=float(high), levels=levels)


def _parse_policies(value: Any, where: str, swept: set[str]) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    known = scenarios.available()
    policies: dict[str, dict[str, Any]] = {}
    if isinstance(value, list):
        for name in value:
            _typed(where, "policies", name, str, "scenario or scheme names")
            if name in policies:
                raise InputError(f"{where}: policies lists {name!r} twice")
            if name in known:
                policies[name] = dict(scenarios.load(name).params)
            elif name in PRESETS:
                policies[name] = {"employee_scheme": name, "manager_scheme": name}
            else:
                raise InputError(f"{where}: policy {name!r} is neither a scenario nor a scheme; "
                                 "scenarios: " + ", ".join(known) + "; schemes: "
                                 + ", ".join(PRESETS))
    elif isinstance(value, dict):
        for name, table in value.items():
            at = f"{where} [policies.{name}]"
            _typed(at, name, table, dict, "a table of parameters (and an optional scenario)")
            table = dict(table)
            base = {}
            if "scenario" in table:
                base = dict(scenarios.load(_typed(at, "scenario", table.pop("scenario"), str,
                                                  "a scenario name")).params)
            policies[name] = {**base, **check_values(table, at)}
    else:
        raise InputError(f"{where}: policies = {value!r} is not allowed; expected a list of "
                         "scenario or scheme names, or tables of parameters")
    for name, params in policies.items():
        clash = sorted(set(params) & swept)
        if clash:
            raise InputError(f"{where}: policy {name!r} sets {', '.join(clash)}, which the spec "
                             "also sets; keep each parameter in one place")
    return policies


def _parse_outcomes(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {m: ("last_year",) for m in SUMMARY_KEYS}
    _typed(where, "outcomes", value, dict, "a table of measure = stat or [stats]")
    if not value:
        raise InputError(f"{where}: [outcomes] is empty; name at least one measure")
    outcomes = {}
    for measure, stats in value.items():
        at = f"{where} [outcomes]"
        if measure not in REPORTERS and measure not in LAST_YEAR_ONLY:
            import difflib

            close = difflib.get_close_matches(measure, [*REPORTERS, *LAST_YEAR_ONLY], n=3)
            hint = f"did you mean {' or '.join(close)}?" if close else "measures: " + ", ".join(
                [*REPORTERS, *LAST_YEAR_ONLY])
            raise InputError(f"{at}: unknown measure {measure!r}; {hint}")
        stats = [stats] if isinstance(stats, str) else stats
        if not isinstance(stats, list) or not stats or any(s not in STATS for s in stats):
            raise InputError(f"{at}: {measure} = {value[measure]!r} is not allowed; expected "
                             "one or more of " + ", ".join(STATS))
        if measure in LAST_YEAR_ONLY and stats != ["last_year"]:
            raise InputError(f"{at}: {measure} = {value[measure]!r} is not allowed; expected "
                             "\"last_year\" (it is a rate over the last year)")
        outcomes[measure] = tuple(dict.fromkeys(stats))
    return outcomes


def spec_hash(spec: Spec) -> str:
    """A hash of what determines the runs: the spec and every parameter it resolves to."""
    content = {"spec": spec.data, "base": spec.base_params, "policies": spec.policies}
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- the design ------------------------------------------------------------------------
@dataclass
class Design:
    """A spec expanded: one row per design point, one task per run, and the sample."""

    points: pd.DataFrame
    tasks: list[dict[str, Any]]
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
    fixed = {**spec.base_params}
    tasks = []
    for record in points.to_dict("records"):
        point = record.pop("point")
        policy = record.pop("policy", None)
        params = {**fixed, **(spec.policies[policy] if policy else {}), **spec.constants,
                  **spec.held, **record}
        for rep in range(reps):
            run_id = point * reps + rep
            tasks.append({
                "run_id": run_id, "point": point, "policy": policy, "replication": rep,
                "seed": seeds[rep if spec.common_random_numbers else run_id],
                "varied": record, "params": params, "steps": spec.steps,
                "record_every": spec.record_every, "outcomes": spec.outcomes,
            })
    groups = (["policy"] if spec.policies else []) + (
        [f.name for f in crossed] if sampled else [])
    return Design(points, tasks, problem, sample, groups)


# --- one run (in a worker) ------------------------------------------------------------
_WORKER_READY = False


def limit_threads() -> None:
    """One BLAS/OpenMP thread per worker process: the pool provides the parallelism."""
    global _WORKER_READY
    if _WORKER_READY:
        return
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = "1"
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    _WORKER_READY = True


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task and return its outcomes; an exception becomes a failed result."""
    from sim.runner import simulate, summarize

    limit_threads()
    result = {"run_id": task["run_id"], "status": "ok", "error": None, "outcomes": {},
              "timeseries": None, "elapsed_s": 0.0, "cpu_s": 0.0}
    start, cpu = time.perf_counter(), time.process_time()
    try:
        if task.get("fail"):
            raise RuntimeError(f"failure requested by {FAIL_ENV} for run {task['run_id']}")
        _, frame = simulate(task["params"], task["seed"], task["steps"])
        summary = summarize(frame, "sweep", task["seed"])
        series = []
        for measure, stats in task["outcomes"].items():
            for stat in stats:
                if stat == "timeseries":
                    series.append(measure)
                else:
                    result["outcomes"][f"{stat}.{measure}"] = summary[stat][measure]
        if series:
            every = task["record_every"]
            kept = frame.iloc[every - 1::every]
            result["timeseries"] = {"week": kept.index.to_numpy(),
                                    **{m: kept[m].to_numpy(dtype=float) for m in series}}
    except Exception as exc:
        result["status"] = "failed"
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["elapsed_s"] = time.perf_counter() - start
    result["cpu_s"] = time.process_time() - cpu
    return result


def _failed(task: dict[str, Any], error: BaseException | str) -> dict[str, Any]:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return {"run_id": task["run_id"], "status": "failed", "error": text, "outcomes": {},
            "timeseries": None, "elapsed_s": 0.0, "cpu_s": 0.0}


# --- executors ----------------------------------------------------------------------
Batches = Iterator[list[dict[str, Any]]]


def _die_with_parent(parent: int | None) -> None:
    """Ask Linux to kill this worker when its parent dies, even by SIGKILL, so a killed
    sweep leaves no worker behind (a forkserver's children die with the forkserver, which
    ends with the sweep)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the request took effect


def _init_local_worker(parent: int | None) -> None:
    """Worker start-up: one BLAS thread, die with the parent, leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    limit_threads()


def _local_batches(tasks: list[dict[str, Any]], workers: int, start_method: str,
                   stop: Callable[[], None]) -> Batches:
    """Run tasks on a process pool; yield the results that finished, as they finish."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(["sim.sweep", "sim.runner"])
    parent = os.getpid() if start_method == "fork" else None
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_local_worker,
                               initargs=(parent,))
    try:
        with warnings.catch_warnings():
            # Forking is chosen only when no other Python thread runs (see
            # default_start_method); CPython also counts BLAS's idle native threads, which
            # re-initialize in the child through their atfork handlers.
            warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                    DeprecationWarning)
            pending = {pool.submit(execute_run, task): task for task in tasks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            batch = []
            for future in done:
                task = pending.pop(future)
                try:
                    batch.append(future.result())
                except Exception as exc:  # a worker died (killed, out of memory)
                    batch.append(_failed(task, exc))
            yield batch
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        terminate = getattr(pool, "terminate_workers", None)
        if terminate is not None:
            terminate()
        else:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True)  # join the pool's threads before anything forks again
        stop()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def default_start_method() -> str:
    """Fork (fast: the package is already imported) unless other Python threads run, which
    could hold locks the child inherits; then a forkserver (about 2 s more to start)."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def start_local_cluster(workers: int, directory: Path | None = None) -> Any:
    """A Dask LocalCluster of single-threaded worker processes, scratch inside the project.

    Dask's default pre-spawn environment sets MALLOC_TRIM_THRESHOLD_, which made the
    model's NumPy work about 1.7× slower here; it is left unset.
    """
    import logging

    import dask
    from distributed import LocalCluster

    directory = directory or Path(".scratch") / "dask"
    directory.mkdir(parents=True, exist_ok=True)
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                          "distributed.worker.daemon": False}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            local_directory=str(directory), dashboard_address=None,
                            silence_logs=logging.ERROR)


def connect(scheduler: str) -> Any:
    """A Dask client of an existing cluster whose workers can import this package."""
    from distributed import Client

    from sim.runner import package_version

    try:
        client = Client(scheduler, timeout="15s")
    except OSError as exc:
        raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        versions = set(client.run(package_version).values())
    except Exception as exc:
        client.close()
        raise InputError(f"--scheduler {scheduler}: the workers cannot run Aligned ({exc}); "
                         "install this package on every worker") from None
    if not versions:
        client.close()
        raise InputError(f"--scheduler {scheduler}: the cluster has no workers")
    if versions != {package_version()}:
        print(f"aligned: warning: workers run aligned {', '.join(sorted(versions))}, "
              f"this process {package_version()}", file=sys.stderr)
    return client


def _dask_batches(tasks: list[dict[str, Any]], client: Any, tag: str,
                  stop: Callable[[], None]) -> Batches:
    """Run tasks on a Dask cluster; yield the results that finished, as they finish."""
    from distributed import as_completed

    keys = [f"aligned-{tag}-run-{task['run_id']}" for task in tasks]
    futures = client.map(execute_run, tasks, key=keys, pure=False)
    by_key = dict(zip(keys, tasks, strict=True))
    try:
        for chunk in as_completed(futures, with_results=False).batches():
            batch = []
            for future in chunk:
                if future.status == "finished":
                    batch.append(future.result())
                else:
                    batch.append(_failed(by_key[future.key], future.exception()))
                future.release()
            yield batch
    finally:
        client.cancel(futures)
        stop()


# --- results on disk ------------------------------------------------------------------
def _frame_bytes(frame: pd.DataFrame, metadata: dict[str, Any] | None = None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata is not None:
        extra = {METADATA_KEY: json.dumps(metadata, default=str).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


class Store:
    """A results folder: parts written as runs finish, consolidated at the end."""

    #: Parts written before they are merged into the consolidated files.
    COMPACT_EVERY = 256

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.parts = self.out / "parts"
        self._written = 0
        self._next: int | None = None

    @property
    def exists(self) -> bool:
        """True if the folder holds results of a sweep."""
        return (self.out / "sweep.json").is_file() or (self.out / "runs.parquet").is_file() or (
            self.parts.is_dir() and any(self.parts.glob("runs-*.parquet")))

    def manifest(self) -> dict[str, Any]:
        """The sweep.json of the folder (empty if none)."""
        path = self.out / "sweep.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def write_part(self, runs: pd.DataFrame, series: pd.DataFrame | None) -> None:
        """Write a batch of finished runs (time series first: the runs part commits it);
        every COMPACT_EVERY parts, merge them into the consolidated files."""
        from sim.runner import atomic_write

        if self._next is None:
            numbers = [int(p.stem.split("-")[1]) for p in self.parts.glob("*-*.parquet")]
            self._next = max(numbers, default=0) + 1
        number, self._next = self._next, self._next + 1
        if series is not None and len(series):
            atomic_write(self.parts / f"timeseries-{number:06d}.parquet", _frame_bytes(series))
        atomic_write(self.parts / f"runs-{number:06d}.parquet", _frame_bytes(runs))
        self._written += 1
        if self._written % self.COMPACT_EVERY == 0:
            self.compact()

    def compact(self, metadata: dict[str, Any] | None = None) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame | None]:
        """Merge the consolidated files and the parts into new consolidated files, then
        remove the parts (a crash in between leaves duplicates that reading drops)."""
        from sim.runner import atomic_write

        runs = self.runs()
        series = self.timeseries(runs)
        if series is not None:
            atomic_write(self.out / "timeseries.parquet", _frame_bytes(series, metadata))
        atomic_write(self.out / "runs.parquet", _frame_bytes(runs, metadata))
        for part in self.parts.glob("*.parquet"):
            part.unlink()
        return runs, series

    def _read(self, stem: str) -> list[pd.DataFrame]:
        frames = []
        consolidated = self.out / f"{stem}.parquet"
        if consolidated.is_file():
            frames.append(pd.read_parquet(consolidated))
        for part in sorted(self.parts.glob(f"{stem}-*.parquet")):
            frames.append(pd.read_parquet(part))
        return frames

    def runs(self) -> pd.DataFrame:
        """Every recorded run once (the latest record of a run wins), by run id."""
        frames = [f for f in self._read("runs") if len(f)]
        if not frames:
            return pd.DataFrame(columns=[*META_COLUMNS, *RESULT_COLUMNS])
        runs = pd.concat(frames, ignore_index=True)
        runs = runs.drop_duplicates("run_id", keep="last").sort_values("run_id")
        return runs.reset_index(drop=True)

    def timeseries(self, runs: pd.DataFrame) -> pd.DataFrame | None:
        """The recorded time series of the successful runs, once each."""
        frames = [f for f in self._read("timeseries") if len(f)]
        if not frames:
            return None
        series = pd.concat(frames, ignore_index=True)
        ok = runs.loc[runs["status"] == "ok", "run_id"]
        series = series[series["run_id"].isin(ok)]
        series = series.drop_duplicates(["run_id", "week"], keep="last")
        return series.sort_values(["run_id", "week"]).reset_index(drop=True)

    def consolidate(self, metadata: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Merge everything into runs.parquet and timeseries.parquet with the sweep's
        metadata, write sweep.json and remove the parts."""
        from sim.runner import atomic_write

        runs = self.runs()
        metadata = {**metadata, "runs_ok": int((runs["status"] == "ok").sum()),
                    "runs_failed": int((runs["status"] == "failed").sum())}
        runs, series = self.compact(metadata)
        atomic_write(self.out / "sweep.json", json.dumps(metadata, indent=2,
                                                         default=str).encode())
        with contextlib.suppress(OSError):
            self.parts.rmdir()
        return runs, series


@dataclass
class Results:
    """A sweep's saved results: the runs table, the time series and the metadata."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    meta: dict[str, Any]
    spec: Spec
    out: Path


def load(out: str | os.PathLike) -> Results:
    """Read a results folder (complete or not) without rerunning anything."""
    store = Store(Path(out))
    if not store.exists:
        raise InputError(f"{out}: no sweep results here (expected runs.parquet or sweep.json)")
    meta = store.manifest()
    spec_file = store.out / "spec.toml"
    if not spec_file.is_file():
        raise InputError(f"{spec_file}: missing; the results folder is incomplete")
    spec = parse_spec(tomllib.loads(spec_file.read_text()), str(spec_file),
                      text=spec_file.read_text(), path=spec_file)
    runs = store.runs()
    return Results(runs, store.timeseries(runs), meta, spec, store.out)


# --- the sweep ------------------------------------------------------------------------
@dataclass
class Outcome:
    """What a sweep did: its tables, counts and timings."""

    spec: Spec
    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    total: int
    ran: int
    skipped: int
    failed: int
    wall_s: float
    model_s: float
    executor: str
    workers: int
    out: Path | None
    complete: bool
    interrupted: bool = False
    cpu_s: float = 0.0

    def summary(self) -> str:
        """The closing lines: runs, failures, time, where the results are."""
        ok = int((self.runs["status"] == "ok").sum()) if len(self.runs) else 0
        lines = [f"sweep {self.spec.name}: {self.ran} runs in {_duration(self.wall_s)} on "
                 f"{self.executor} with {self.workers} worker{'s' * (self.workers != 1)}"
                 + (f" ({self.skipped} already done, skipped)" if self.skipped else "")]
        if self.ran:
            per_run = self.model_s / self.ran
            overhead = max(self.wall_s * self.workers - self.model_s, 0.0) / self.ran
            lines.append(f"  model time {per_run:.2f} s/run (CPU {self.cpu_s / self.ran:.2f} "
                         f"s/run); executor overhead {1000 * overhead:.0f} ms/run "
                         "(start-up included)")
        lines.append(f"  {ok} of {self.total} runs ok, {self.failed} failed"
                     + ("" if self.complete else f", {self.total - len(self.runs)} not run"))
        if self.failed:
            failed = self.runs[self.runs["status"] == "failed"].head(3)
            for row in failed.itertuples():
                lines.append(f"  run {row.run_id} failed: {row.error}")
        if self.out is not None:
            files = "runs.parquet" + (", timeseries.parquet" if self.timeseries is not None
                                      else "")
            lines.append(f"  results: {self.out}/ ({files}, sweep.json, spec.toml)")
            if self.complete:
                lines.append(f"  report:  aligned report {self.out}")
            else:
                lines.append("  resume:  aligned sweep "
                             f"{self.spec.path or self.spec.name} --out {self.out} --resume")
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _rows(results: list[dict[str, Any]], by_id: dict[int, dict[str, Any]], spec: Spec,
          varied: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The runs-table rows and time-series rows of a batch of results."""
    records, series = [], []
    outcome_columns = spec.scalar_outcomes
    for result in results:
        task = by_id[result["run_id"]]
        record = {"run_id": task["run_id"], "point": task["point"]}
        if spec.policies:
            record["policy"] = task["policy"]
        record.update({name: task["varied"][name] for name in varied})
        record.update({"replication": task["replication"], "seed": task["seed"]})
        record.update({c: result["outcomes"].get(c, math.nan) for c in outcome_columns})
        record.update({"status": result["status"], "error": result["error"],
                       "elapsed_s": result["elapsed_s"], "cpu_s": result["cpu_s"]})
        records.append(record)
        if result["timeseries"] is not None:
            frame = pd.DataFrame(result["timeseries"])
            frame.insert(0, "run_id", task["run_id"])
            series.append(frame)
    runs = pd.DataFrame.from_records(records)
    runs["seed"] = runs["seed"].astype("int64")
    runs["error"] = runs["error"].astype("string")
    return runs, (pd.concat(series, ignore_index=True) if series else None)


def _empty_runs(spec: Spec, varied: list[str]) -> pd.DataFrame:
    columns = ["run_id", "point", *(["policy"] if spec.policies else []), *varied,
               "replication", "seed", *spec.scalar_outcomes, *RESULT_COLUMNS]
    return pd.DataFrame(columns=columns)


def execute(
    spec: str | os.PathLike | dict[str, Any] | Spec,
    out: str | os.PathLike | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
    start_method: str | None = None,
    client: Any = None,
) -> Outcome:
    """Run a sweep and return its outcome; with `out`, save it there (resumable).

    `executor` is "local" (a process pool) or "dask" (a LocalCluster, or the cluster at
    `scheduler`, or an existing distributed `client`). The local pool forks its workers
    (the fastest start) unless this process runs other threads; then it uses a forkserver.
    """
    spec = load_spec(spec)
    if executor not in ("local", "dask"):
        raise InputError(f"--executor {executor}: expected local or dask")
    if scheduler or client is not None:
        executor = "dask"
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: expected an integer ≥ 1")
    design = expand(spec)
    varied = [c for c in design.varied if c != "policy"]
    store = Store(Path(out)) if out is not None else None
    done = _empty_runs(spec, varied)
    manifest: dict[str, Any] = {}
    if store is not None:
        done, manifest = _prepare(store, spec, resume)
    finished = set(done.loc[done["status"] == "ok", "run_id"].astype(int))
    todo = [t for t in design.tasks if t["run_id"] not in finished]
    failing = {int(i) for i in os.environ.get(FAIL_ENV, "").replace(" ", "").split(",") if i}
    for task in todo:
        task["fail"] = task["run_id"] in failing  # test hook, read here for every executor
    by_id = {t["run_id"]: t for t in design.tasks}
    collected: list[pd.DataFrame] = []
    collected_series: list[pd.DataFrame] = []

    started = time.perf_counter()
    started_at = _now()
    owned: list[Any] = []  # the client and cluster this sweep started, closed at its end

    def stop() -> None:
        for thing in owned:
            with contextlib.suppress(Exception):
                thing.close()

    n_workers = workers or available_cores()
    if todo and executor == "dask":
        from distributed import Client

        if client is None and scheduler:
            client = connect(scheduler)
            owned.append(client)
        elif client is None:
            cluster = start_local_cluster(min(n_workers, len(todo)))
            client = Client(cluster)
            owned.extend([client, cluster])
        n_workers = len(client.scheduler_info(n_workers=-1)["workers"]) or n_workers
        batches = _dask_batches(todo, client, spec.hash, stop)
    elif todo:
        n_workers = min(n_workers, len(todo))
        batches = _local_batches(todo, n_workers, start_method or default_start_method(), stop)
    else:
        batches = iter(())

    bar = None
    failed = ran = 0
    model_s = cpu_s = 0.0
    interrupted = False
    previous_handler = _terminate_as_interrupt()
    try:
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="run", desc=spec.name, file=sys.stderr,
                       dynamic_ncols=True, smoothing=0.1,
                       mininterval=0.5 if sys.stderr.isatty() else 10.0)
        for batch in batches:
            runs, series = _rows(batch, by_id, spec, varied)
            if store is not None:
                store.write_part(runs, series)
            collected.append(runs)
            if series is not None:
                collected_series.append(series)
            ran += len(batch)
            failed += int((runs["status"] == "failed").sum())
            model_s += float(runs["elapsed_s"].sum())
            cpu_s += float(runs["cpu_s"].sum())
            if bar is not None:
                bar.update(len(batch))
                if failed:
                    bar.set_postfix(failed=failed, refresh=False)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        if bar is not None:
            bar.close()
        with contextlib.suppress(Exception):
            batches.close()  # type: ignore[union-attr]
        stop()  # also when the batches never started
    wall = time.perf_counter() - started

    if store is not None:
        complete = ran + len(finished) == len(design.tasks) and not interrupted
        metadata = _metadata(spec, manifest, started_at, complete, executor, n_workers,
                             len(design.tasks))
        runs, series = store.consolidate(metadata)
    else:
        frames = [f for f in collected if len(f)]
        runs = (pd.concat(frames, ignore_index=True).sort_values("run_id").reset_index(drop=True)
                if frames else _empty_runs(spec, varied))
        series = (pd.concat(collected_series, ignore_index=True)
                  .sort_values(["run_id", "week"]).reset_index(drop=True)
                  if collected_series else None)
    outcome = Outcome(spec, runs, series, len(design.tasks), ran, len(finished), failed,
                      wall, model_s, executor, n_workers, store.out if store else None,
                      complete=len(runs) == len(design.tasks) and not interrupted,
                      interrupted=interrupted, cpu_s=cpu_s)
    if interrupted:
        raise SweepInterrupted(outcome)
    return outcome


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C or SIGTERM; its finished runs are saved."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("sweep interrupted")
        self.outcome = outcome


def _terminate_as_interrupt() -> Any:
    """Let SIGTERM stop a sweep the way Ctrl-C does (finished runs are kept)."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return signal.getsignal(signal.SIGTERM)


def _prepare(store: Store, spec: Spec, resume: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Check the folder against the spec; return the runs already recorded there."""
    from sim.runner import atomic_write

    if store.exists:
        manifest = store.manifest()
        if not resume:
            raise InputError(f"--out {store.out}: already holds results of sweep "
                             f"{manifest.get('name', '?')!r}; add --resume to finish it, or "
                             "choose another --out")
        old = manifest.get("spec_hash")
        if old is None:
            spec_file = store.out / "spec.toml"
            if spec_file.is_file():
                old = load_spec(spec_file).hash
        if old != spec.hash:
            raise InputError(f"--resume: the results in {store.out} come from a different spec "
                             f"(hash {old}, this spec {spec.hash}); choose another --out")
        return store.runs(), manifest
    text = spec.text or _to_toml(spec.data)
    atomic_write(store.out / "spec.toml", text.encode())
    manifest = {"name": spec.name, "spec_hash": spec.hash, "started": _now()}
    atomic_write(store.out / "sweep.json", json.dumps(manifest, indent=2).encode())
    return store.runs(), manifest


def _metadata(spec: Spec, manifest: dict[str, Any], started_at: str, complete: bool,
              executor: str, workers: int, total: int) -> dict[str, Any]:
    from sim.runner import package_version

    return {
        "name": spec.name, "title": spec.title, "spec_hash": spec.hash,
        "spec": spec.data, "version": package_version(),
        "started": manifest.get("started", started_at),
        "sessions": [*manifest.get("sessions", []),
                     {"started": started_at, "finished": _now(), "executor": executor,
                      "workers": workers}],
        "finished": _now(), "complete": complete, "runs_total": total,
    }


def _to_toml(data: dict[str, Any]) -> str:
    """A TOML text of a spec given as a dict (for the copy kept with the results)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"\n[{k}]")
            lines.extend(f"{key} = {value(x)}" for key, x in v.items())
    return "\n".join(lines) + "\n"


def run(spec: str | os.PathLike | dict[str, Any] | Spec, **options: Any) -> pd.DataFrame:
    """Run a sweep and return its runs table (one row per run); see `execute` for options.

    >>> runs = run("scheme_comparison", out="results/scheme_comparison")  # doctest: +SKIP
    >>> runs.groupby("policy")["last_year.trust_customer_firm"].mean()
    """
    return execute(spec, **options).runs

