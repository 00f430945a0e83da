"""Benchmark: how fast the model runs, how it scales, and how it compares with plain Mesa.

For each firm size a fresh Python process builds the baseline firm and runs it (so that
peak memory belongs to that size alone), timing model creation and the steps, repeating
and keeping the fastest; one more run times each phase of the step and the data
collection. Mesa's own BoltzmannWealth example runs with the same number of agents in its
own process. A log-log fit of time per step against agent count gives the scaling
exponent. A short batch of default runs through the sweep's own batch path (the spec
`experiments/throughput.toml` with fewer replications) gives runs per second on all
workers; `aligned sweep throughput` is the full measurement (1,000 runs).

The phase timer wraps the methods that `WorkplaceModel.step` calls on one model instance
(found in the source of `step`, so it follows the schedule as it changes); models the
benchmark does not instrument run exactly as before.
"""

from __future__ import annotations

import ast
import cProfile
import gc
import inspect
import json
import math
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError

#: Named firm sizes: (employees, customers). Customers grow toward a market 1.5 times the
#: starting base, as in the default firm; other parameters are the baseline scenario's.
SIZES: dict[str, tuple[int, int]] = {
    "small": (48, 480),
    "default": (200, 2000),
    "medium": (1000, 10000),
    "large": (3000, 30000),
    "xlarge": (10000, 100000),
}
DEFAULT_SIZES = ("default", "medium", "large", "xlarge")
MARKET_PER_CUSTOMER = 1.5
DEFAULT_STEPS = 520
DEFAULT_REPEATS = 3
DEFAULT_MESA_BUDGET = 60.0  # seconds of BoltzmannWealth stepping per size, at most
MIN_MESA_STEPS = 5
#: The batch measurement: this many runs of the throughput spec (`aligned sweep throughput`
#: runs its 1,000), on every core unless told otherwise.
BATCH_SPEC = "throughput"
DEFAULT_BATCH_RUNS = 20

#: The issue's targets, checked against the figures measured.
TARGETS = {
    "default_run_s": 0.25,
    "speedup_vs_mesa": 20.0,
    "batch_runs_per_s": 1000 / 150,  # 1,000 default ten-year runs in 150 s on this machine
    "xlarge_run_s": 60.0,
    "xlarge_peak_mb": 2048.0,
    "scaling_exponent": 1.1,
    "default_create_share": 0.10,
}


# --- sizes -------------------------------------------------------------------------------
def parse_size(text: str) -> tuple[str, int, int]:
    """A size name (see SIZES) or EMPLOYEESxCUSTOMERS, e.g. 500x5000."""
    if text in SIZES:
        return (text, *SIZES[text])
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if match:
        employees, customers = int(match[1]), int(match[2])
        if employees >= 8 and customers >= 10:
            return text, employees, customers
    raise InputError(f"--sizes {text!r}: expected one of {', '.join(SIZES)} or "
                     "EMPLOYEESxCUSTOMERS with at least 8 employees and 10 customers, "
                     "e.g. 500x5000")


def size_params(employees: int, customers: int) -> dict[str, Any]:
    """The baseline scenario's parameters at a given firm size."""
    from sim.scenario import load

    return {**load("baseline").params, "n_employees": employees, "n_customers": customers,
            "market_size": max(MARKET_PER_CUSTOMER * customers, 10)}


# --- phase timing ------------------------------------------------------------------------
def schedule(model_class: type) -> list[tuple[str, ...]]:
    """The calls `step()` makes, in order, as attribute paths from the model, e.g.
    ('customers', 'raise_cases') for `self.customers.raise_cases()`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(model_class.step)))
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            path, target = [], node.func
            while isinstance(target, ast.Attribute):
                path.append(target.attr)
                target = target.value
            if isinstance(target, ast.Name) and target.id == "self":
                calls.append((node.lineno, node.col_offset, tuple(reversed(path))))
    return [path for *_, path in sorted(calls)]


class PhaseTimer:
    """Exclusive wall time of each phase of the step (a phase's time excludes the phases it
    calls, so data collection is counted apart from the rest of recording)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._inner = [0.0]

    def wrap(self, name: str, method: Callable) -> Callable:
        """`method`, timed under `name`."""
        inner, totals, calls, clock = self._inner, self.totals, self.calls, time.perf_counter

        def timed(*args: Any, **kwargs: Any) -> Any:
            inner.append(0.0)
            start = clock()
            try:
                return method(*args, **kwargs)
            finally:
                elapsed = clock() - start
                totals[name] += elapsed - inner.pop()
                calls[name] += 1
                inner[-1] += elapsed

        return timed

    def instrument(self, model: Any) -> PhaseTimer:
        """Time every phase `model.step()` calls, and its DataCollector's collect, on this
        model instance only."""
        for path in schedule(type(model)):
            owner = model
            for attr in path[:-1]:
                owner = getattr(owner, attr)
            setattr(owner, path[-1], self.wrap(".".join(path), getattr(owner, path[-1])))
        collector = model.datacollector
        collector.collect = self.wrap("data collection", collector.collect)
        return self

    def shares(self, total: float) -> dict[str, float]:
        """Each phase's share of `total` seconds, largest first, plus what no phase took."""
        out = {k: v / total for k, v in sorted(self.totals.items(), key=lambda kv: -kv[1])}
        out["other (schedule, loop)"] = max(0.0, 1.0 - sum(out.values()))
        return out


# --- where a run's time goes ----------------------------------------------------------
class TimedGenerator:
    """A NumPy Generator whose draws are timed: every attribute is the generator's own, and
    each call of one of its methods adds its wall time to `seconds` (and to `by_method`).
    The draws are the generator's, so a model given one runs exactly as before."""

    def __init__(self, generator: Any) -> None:
        self._generator = generator
        self.seconds = 0.0
        self.calls = 0
        self.by_method: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._generator, name)
        if not callable(attr):
            return attr
        clock, tally = time.perf_counter, self.by_method[name]

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return attr(*args, **kwargs)
            finally:
                elapsed = clock() - start
                self.seconds += elapsed
                self.calls += 1
                tally[0] += 1
                tally[1] += elapsed

        return timed


def mesa_bookkeeping_s(alive: int, made: int, removed: int, repeats: int = 3) -> float:
    """Mesa's own cost of the agents a run makes and removes, replayed alone: on a Mesa model
    holding `alive` bare agents, make `made` more and remove `removed` of the oldest
    (alternately, as a run does), the fastest of `repeats`."""
    import mesa

    class Bare(mesa.Agent):
        """An agent with nothing of its own."""

    best = math.inf
    for _ in range(repeats):
        model = mesa.Model(rng=0)
        agents = [Bare(model) for _ in range(alive)]
        start, oldest = time.perf_counter(), 0
        for i in range(max(made, removed)):
            if i < made:
                agents.append(Bare(model))
            if i < removed:
                agents[oldest].remove()
                oldest += 1
        best = min(best, time.perf_counter() - start)
        del model, agents
        gc.collect()
    return best


def _where(function: tuple[str, int, str]) -> str:
    """A profiled function as `path:line(name)`, the path from the package (ours or an
    installed one) rather than from the root of the file system."""
    filename, line, name = function
    if filename == "~":  # a built-in (a C function or method)
        return name
    for anchor in ("site-packages/", f"{os.sep}sim{os.sep}"):
        if anchor in filename:
            filename = ("sim/" if anchor.startswith(os.sep) else "") + filename.split(anchor)[-1]
            break
    return f"{filename}:{line}({name})"


def profile_run(params: dict[str, Any], steps: int, seed: int, top: int = 12) -> dict[str, Any]:
    """Where a run's time goes: one run (spin-up and `steps` weeks) under cProfile with its
    random generator timed. Reported: the Python-level calls per week (what makes the fixed
    cost of a week), the functions with the most time of their own, the time inside the
    random generator (wall time, the profiler's overhead excluded: its calls are C
    functions), and Mesa's bookkeeping of the agents made and removed, replayed alone."""
    from sim.model import WorkplaceModel

    model = WorkplaceModel(seed=seed, spin_up=False, **params)
    alive_at_start, first_id = len(model.agents), model.agent_id_counter
    draws = TimedGenerator(model.rng)
    model.rng = draws
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    model.spin_up()
    for _ in range(steps):
        model.step()
    profiler.disable()
    profiled_s = time.perf_counter() - start
    weeks = model.steps
    made = model.agent_id_counter - first_id
    removed = alive_at_start + made - len(model.agents)
    stats = pstats.Stats(profiler)
    own = __file__
    rows = sorted(((f, v) for f, v in stats.stats.items() if f[0] != own),
                  key=lambda fv: -fv[1][2])
    return {
        "weeks": weeks,
        "profiled_s": round(profiled_s, 4),
        "python_calls": stats.total_calls,
        "python_calls_per_week": round(stats.total_calls / weeks),
        "top_own_time": [{"function": _where(f), "calls": v[1], "own_s": round(v[2], 4),
                          "cumulative_s": round(v[3], 4)} for f, v in rows[:top]],
        "random_draws_s": round(draws.seconds, 4),
        "random_draw_calls": draws.calls,
        "random_draws_by_method": {k: {"calls": n, "s": round(t, 4)} for k, (n, t) in
                                   sorted(draws.by_method.items(), key=lambda kv: -kv[1][1])},
        "agents_made": made, "agents_removed": removed,
        "mesa_bookkeeping_s": round(mesa_bookkeeping_s(alive_at_start, made, removed), 4),
    }


# --- one size, in its own process -------------------------------------------------------
def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def measure_firm(employees: int, customers: int, steps: int, repeats: int,
                 seed: int = 1, profile: bool = True) -> dict[str, Any]:
    """Time `repeats` runs of the baseline firm at this size (fastest kept), then one run
    with the phase timer on and, if `profile`, one under the profiler (`profile_run`). A run
    is its spin-up (`spinup_weeks` unrecorded weeks) and its `steps` recorded weeks: both
    are stepping, timed and counted together; building the model is timed apart."""
    from sim.model import WorkplaceModel

    params = size_params(employees, customers)
    WorkplaceModel(seed=seed, spin_up=False, **size_params(48, 480)).step()  # warm caches
    start_rss = peak_rss_mb()
    best: dict[str, float] | None = None
    cpu = {"run_cpu_s": math.inf, "steps_cpu_s": math.inf}
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        model = WorkplaceModel(seed=seed, spin_up=False, **params)
        t1 = time.perf_counter()
        agents = len(model.agents)
        c1 = time.process_time()
        model.spin_up()
        for _ in range(steps):
            model.step()
        stepped = model.steps
        t2, c2 = time.perf_counter(), time.process_time()
        model.datacollector.get_model_vars_dataframe()
        t3, c3 = time.perf_counter(), time.process_time()
        run = {"create_s": t1 - t0, "steps_s": t2 - t1, "frame_s": t3 - t2, "run_s": t3 - t0}
        if best is None or run["run_s"] < best["run_s"]:
            best = run
        cpu = {"run_cpu_s": min(cpu["run_cpu_s"], c3 - c0),
               "steps_cpu_s": min(cpu["steps_cpu_s"], c2 - c1)}
        del model
        gc.collect()  # agents and model refer to each other: free this run before the next
    assert best is not None
    model = WorkplaceModel(seed=seed, spin_up=False, **params)
    timer = PhaseTimer().instrument(model)
    t0 = time.perf_counter()
    model.spin_up()
    for _ in range(steps):
        model.step()
    timed_steps = time.perf_counter() - t0
    shares = timer.shares(timed_steps)
    del model, timer
    gc.collect()
    extra = {"profile": profile_run(params, steps, seed)} if profile else {}
    return {
        "employees": employees, "customers": customers, "agents": agents, "steps": steps,
        "spinup_steps": stepped - steps, "repeats": repeats,
        **{k: round(v, 6) for k, v in {**best, **cpu}.items()},
        "ms_per_step": round(1e3 * best["steps_s"] / stepped, 4),
        "agent_steps_per_s": round(agents * stepped / best["steps_s"]),
        "agent_steps_per_cpu_s": round(agents * stepped / cpu["steps_cpu_s"]),
        "create_share": round(best["create_s"] / best["run_s"], 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_before_model_mb": round(start_rss, 1),
        "phases": {k: round(v, 4) for k, v in shares.items()},
        **extra,
    }


def measure_boltzmann(agents: int, steps: int, budget_s: float, seed: int = 1) -> dict[str, Any]:
    """Mesa's BoltzmannWealth example with `agents` agents on a square grid of about one
    cell per agent (its default density), stepped `steps` times or until `budget_s`
    seconds have passed (at least MIN_MESA_STEPS steps)."""
    from mesa.examples import BoltzmannWealth
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

    side = math.ceil(math.sqrt(agents))
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=seed))
    t1, c1 = time.perf_counter(), time.process_time()
    done = 0
    while done < steps:
        model.step()
        done += 1
        if done >= MIN_MESA_STEPS and time.perf_counter() - t1 > budget_s:
            break
    t2, c2 = time.perf_counter(), time.process_time()
    return {"model": "mesa.examples.BoltzmannWealth", "agents": agents, "grid": [side, side],
            "steps_requested": steps, "steps": done, "create_s": round(t1 - t0, 6),
            "steps_s": round(t2 - t1, 6), "ms_per_step": round(1e3 * (t2 - t1) / done, 4),
            "agent_steps_per_s": round(agents * done / (t2 - t1)),
            "agent_steps_per_cpu_s": round(agents * done / (c2 - c1)),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def measure_batch(runs: int, steps: int, workers: int | None = None) -> dict[str, Any]:
    """`runs` default runs of `steps` weeks (each after its spin-up) through the sweep's batch
    path (`sim.study.sweep.execute` on a local process pool, results kept in memory): the
    throughput spec with `runs` replications. The wall time counts from before the pool
    starts to the last record gathered, as `aligned sweep` reports it."""
    from sim.files import read_toml
    from sim.study.spec import locate, parse_spec
    from sim.study.sweep import execute

    path = locate(BATCH_SPEC)
    data, _ = read_toml(path)
    spec = parse_spec({**data, "replications": runs, "steps": steps}, str(path))
    outcome = execute(spec, workers=workers)
    ok = int((outcome.runs["status"] == "ok").sum()) if len(outcome.runs) else 0
    return {"spec": BATCH_SPEC, "runs": outcome.ran, "ok": ok, "steps": steps,
            "workers": outcome.workers, "wall_s": round(outcome.wall_s, 3),
            "model_s_per_run": round(outcome.model_s / max(outcome.ran, 1), 4),
            "cpu_s_per_run": round(outcome.cpu_s / max(outcome.ran, 1), 4),
            "runs_per_s": round(outcome.ran / outcome.wall_s, 4)}


def _in_subprocess(args: list[str]) -> dict[str, Any]:
    """Run `python -m sim.bench ARGS` in a fresh process (one BLAS thread) and read its JSON."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "sim.bench", *args], capture_output=True,
                          text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


# --- the whole benchmark -----------------------------------------------------------------
@dataclass
class Options:
    """What to benchmark."""

    sizes: list[str]
    steps: int = DEFAULT_STEPS
    repeats: int = DEFAULT_REPEATS
    mesa: bool = True
    mesa_budget: float = DEFAULT_MESA_BUDGET
    seed: int = 1
    batch_runs: int = DEFAULT_BATCH_RUNS
    batch_workers: int | None = None
    profile: bool = True


def machine() -> dict[str, Any]:
    """The machine and software the figures were measured with."""
    import mesa
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "system": platform.platform(),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "mesa": mesa.__version__}


def scaling(points: list[tuple[int, float]]) -> dict[str, Any]:
    """Least-squares slope of log(time per step) against log(agents) over all sizes, and
    between the two largest (the exponent where fixed per-step costs no longer matter)."""
    import numpy as np

    points = sorted(points)
    out: dict[str, Any] = {"points": [{"agents": a, "s_per_step": s} for a, s in points]}
    if len({a for a, _ in points}) < 2:
        out["exponent"] = out["exponent_largest"] = None
        return out
    x = np.log([a for a, _ in points])
    y = np.log([s for _, s in points])
    out["exponent"] = round(float(np.polyfit(x, y, 1)[0]), 3)
    out["exponent_largest"] = round(float((y[-1] - y[-2]) / (x[-1] - x[-2])), 3)
    return out


def breakdown(row: dict[str, Any]) -> dict[str, Any] | None:
    """Where one size's run goes, from its profile: the stepping time (of the fastest timed
    run) split into the time inside the random generator, Mesa's bookkeeping of the agents
    made and removed, and the rest — the Python and NumPy calls of the week, given per
    Python-level call. None without a profile."""
    prof = row.get("profile")
    if not prof:
        return None
    steps_s = row["steps_s"]
    draws, agents = prof["random_draws_s"], prof["mesa_bookkeeping_s"]
    rest = max(0.0, steps_s - draws - agents)
    return {"steps_s": steps_s, "random_draws_s": draws, "random_draw_calls":
            prof["random_draw_calls"], "mesa_bookkeeping_s": agents,
            "agents_made": prof["agents_made"], "rest_s": round(rest, 4),
            "python_calls_per_week": prof["python_calls_per_week"],
            "rest_us_per_python_call": round(1e6 * rest / max(prof["python_calls"], 1), 3),
            "top_own_time": [t["function"] for t in prof["top_own_time"][:5]],
            "profile": f"sizes[{row['size']}].profile"}


def targets(report: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets against what was measured (only those whose size was run). A
    target of speed not met carries the breakdown of the run it concerns (`breakdown`):
    the measured figure with the profile that explains it."""
    by_size = {r["size"]: r for r in report["sizes"]}
    out: dict[str, Any] = {}

    def check(name: str, value: float | None, cpu: float | None = None,
              at_most: bool = True, label: str | None = None,
              row: dict[str, Any] | None = None) -> None:
        if value is None:
            return
        limit = TARGETS[name]
        label = label or name
        met = value <= limit if at_most else value >= limit
        out[label] = {"value": value, "target": limit, "met": met}
        if cpu is not None:  # the same figure from CPU time, less disturbed by other load
            out[label]["value_cpu"] = cpu
        why = breakdown(row) if row is not None and not met else None
        if why:
            out[label]["why"] = why

    if "default" in by_size:
        d = by_size["default"]
        check("default_run_s", round(d["run_s"], 4), round(d["run_cpu_s"], 4), row=d)
        check("default_create_share", d["create_share"])
        check("speedup_vs_mesa", d.get("speedup_vs_mesa"), d.get("speedup_vs_mesa_cpu"),
              at_most=False, row=d)
    for size, r in by_size.items():  # the same ratio at every other size run
        if size != "default" and r.get("speedup_vs_mesa") is not None:
            check("speedup_vs_mesa", r["speedup_vs_mesa"], r["speedup_vs_mesa_cpu"],
                  at_most=False, label=f"speedup_vs_mesa_{size}", row=r)
    if "xlarge" in by_size:
        x = by_size["xlarge"]
        check("xlarge_run_s", round(x["run_s"], 2), round(x["run_cpu_s"], 2), row=x)
        check("xlarge_peak_mb", x["peak_rss_mb"])
    check("scaling_exponent", report["scaling"].get("exponent"))
    check("batch_runs_per_s", report.get("batch_runs_per_s"), at_most=False,
          row=by_size.get("default"))
    return out


def run(options: Options, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Benchmark every size (each in fresh processes) and put the figures together."""
    say = progress or (lambda _: None)
    report: dict[str, Any] = {"machine": machine(), "load_before": list(os.getloadavg()),
                              "steps": options.steps, "repeats": options.repeats,
                              "sizes": []}
    for text in options.sizes:
        name, employees, customers = parse_size(text)
        say(f"{name}: {employees} employees, {customers} customers, {options.steps} steps")
        row = {"size": name, **_in_subprocess(
            ["firm", str(employees), str(customers), str(options.steps), str(options.repeats),
             str(options.seed), str(int(options.profile))])}
        if options.mesa:
            say(f"{name}: BoltzmannWealth with {row['agents']} agents")
            mesa_row = _in_subprocess(["boltzmann", str(row["agents"]), str(options.steps),
                                       str(options.mesa_budget), str(options.seed)])
            row["mesa"] = mesa_row
            row["speedup_vs_mesa"] = round(row["agent_steps_per_s"]
                                           / mesa_row["agent_steps_per_s"], 2)
            row["speedup_vs_mesa_cpu"] = round(row["agent_steps_per_cpu_s"]
                                               / mesa_row["agent_steps_per_cpu_s"], 2)
        report["sizes"].append(row)
    report["scaling"] = scaling([(r["agents"], r["steps_s"] / r["steps"])
                                 for r in report["sizes"]])
    if options.batch_runs > 0:
        say(f"batch: {options.batch_runs} default runs of {options.steps} steps through the "
            "sweep's batch path")
        report["batch"] = measure_batch(options.batch_runs, options.steps,
                                        options.batch_workers)
        report["batch_runs_per_s"] = report["batch"]["runs_per_s"]
    report["load_after"] = list(os.getloadavg())
    report["targets"] = targets(report)
    return report


def format_report(report: dict[str, Any]) -> str:
    """A plain-text summary: one line per size, the scaling fit, the targets, and each
    size's phase shares."""
    m = report["machine"]
    lines = [f"{m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}, "
             f"Mesa {m['mesa']}; load {report['load_before'][0]:.2f} → "
             f"{report['load_after'][0]:.2f}",
             f"{report['steps']} steps, fastest of {report['repeats']} runs per size",
             "",
             f"{'size':<10}{'agents':>9}{'run s':>9}{'cpu s':>8}{'create':>8}{'ms/step':>9}"
             f"{'agent-steps/s':>15}{'peak MB':>9}{'Boltzmann/s':>13}{'ratio':>8}"]
    for r in report["sizes"]:
        mesa = r.get("mesa")
        lines.append(
            f"{r['size']:<10}{r['agents']:>9}{r['run_s']:>9.3f}{r['run_cpu_s']:>8.3f}"
            f"{r['create_share']:>8.1%}{r['ms_per_step']:>9.3f}{r['agent_steps_per_s']:>15,}"
            f"{r['peak_rss_mb']:>9.0f}"
            + (f"{mesa['agent_steps_per_s']:>13,}{r['speedup_vs_mesa']:>7.1f}×" if mesa else ""))
    s = report["scaling"]
    if s.get("exponent") is not None:
        lines += ["", f"time per step ∝ agents^{s['exponent']} (all sizes), "
                  f"^{s['exponent_largest']} (two largest)"]
    batch = report.get("batch")
    if batch:
        lines += ["", f"batch: {batch['runs']} runs ({batch['ok']} ok) of {batch['steps']} "
                  f"steps on {batch['workers']} worker{'s' * (batch['workers'] != 1)} in "
                  f"{batch['wall_s']:.1f} s: {batch['runs_per_s']:.2f} runs/s "
                  f"(model {batch['model_s_per_run']:.2f} s/run)"]
    if report["targets"]:
        lines += ["", "targets:"]
        for name, t in report["targets"].items():
            mark = "met" if t["met"] else "NOT met"
            by_cpu = f"  [CPU time: {t['value_cpu']}]" if "value_cpu" in t else ""
            lines.append(f"  {name:<22}{t['value']:>12}  (target {t['target']:g})  {mark}{by_cpu}")
    for r in report["sizes"]:
        lines += ["", f"phases at {r['size']} (share of step time):"]
        lines += [f"  {k:<34}{v:>7.1%}" for k, v in r["phases"].items()]
        why = breakdown(r)
        if why:
            lines += ["", f"where the run goes at {r['size']} "
                      f"({why['steps_s']:.3f} s of stepping):",
                      f"  inside the random generator  {why['random_draws_s']:>8.3f} s  "
                      f"({why['random_draw_calls']:,} draws)",
                      f"  Mesa's agent bookkeeping     {why['mesa_bookkeeping_s']:>8.3f} s  "
                      f"({why['agents_made']:,} agents made, replayed alone)",
                      f"  the rest                     {why['rest_s']:>8.3f} s  "
                      f"({why['python_calls_per_week']:,} Python-level calls a week; "
                      f"{why['rest_us_per_python_call']:.2f} µs of it a call)",
                      "  most time of their own (under the profiler):"]
            lines += [f"    {t['own_s']:>7.3f} s  {t['calls']:>8,}  {t['function']}"
                      for t in r["profile"]["top_own_time"][:8]]
    return "\n".join(lines)


def _worker(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "firm":
        employees, customers, steps, repeats, seed, profile = map(int, args)
        result = measure_firm(employees, customers, steps, repeats, seed, bool(profile))
    elif kind == "boltzmann":
        agents, steps, budget, seed = int(args[0]), int(args[1]), float(args[2]), int(args[3])
        result = measure_boltzmann(agents, steps, budget, seed)
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    # The benchmark's worker processes: `python -m sim.bench firm|boltzmann ARGS`. The
    # benchmark itself is `aligned bench` (sim/commands/bench.py); this module does not
    # import the command line, so that nothing imports in a circle.
    if len(sys.argv) < 2 or sys.argv[1] not in ("firm", "boltzmann"):
        sys.exit("usage: python -m sim.bench firm|boltzmann ARGS (a worker of `aligned bench`)")
    _worker(sys.argv[1:])
