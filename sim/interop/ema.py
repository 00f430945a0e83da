"""EMA Workbench (Kwakkel 2017) on our experiment specs, and PRIM scenario discovery on a
saved sweep (Bryant & Lempert 2010). Needs the extra `ema`: `pip install
aligned-workplace[ema]`.

A spec already speaks EMA's roles, so `ema_model(spec)` is the same study as an EMA `Model`:
its uncertainties and levers (a range becomes a `RealParameter` or `IntegerParameter`, a
list a `CategoricalParameter`, the named policies one categorical lever `named_policy`), its
constants and held values as `Constant`s, its outcomes as `ScalarOutcome`s named as the
sweep names them (`last_year__profit`) and `ArrayOutcome`s for time series; replications
run on the sweep's own seeds (common random numbers), and each outcome is then the mean over
them. EMA then samples, evaluates and
optimizes as it does any model:

    from ema_workbench import perform_experiments
    experiments, outcomes = perform_experiments(ema_model("sensitivity_sobol"), scenarios=50)

`discover(results, outcome, threshold)` reads a saved sweep (it never reruns the model) and
asks PRIM which ranges of the varied parameters make the outcome fall below (or rise above)
the threshold: e.g. where the firm loses its customers' trust.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.params import PARAMS
from sim.study.design import run_seeds
from sim.study.spec import Factor, Spec, load_spec, outcome_column
from sim.study.sweep import Results, load

#: The lever that picks one of a spec's named policies (EMA keeps `policy` for its own
#: policy's name).
POLICY = "named_policy"


class SpecFunction:
    """The model as EMA calls it: keyword values in, the spec's outcomes out (a picklable
    callable, so EMA's multiprocessing evaluator can ship it to its workers)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def __call__(self, seed: int, named_policy: str | None = None,
                 **values: Any) -> dict[str, Any]:
        """Run one experiment: the spec's base, the policy's parameters, then EMA's values."""
        from sim.runner import simulate, summarize

        spec, policy = self.spec, named_policy
        given = {name: _plain(value) for name, value in values.items()}
        params = {**spec.base_params, **(spec.policies[policy] if policy else {}), **given}
        events = spec.policy_events.get(policy, spec.base_events) if policy else spec.base_events
        _, frame = simulate(params, int(seed), spec.steps, events=events)
        summary = summarize(frame, spec.name, int(seed))
        out: dict[str, Any] = {}
        for measure, stats in spec.outcomes.items():
            for stat in stats:
                if stat != "timeseries":
                    out[outcome_column(stat, measure)] = summary[stat][measure]
        every = spec.record_every
        for measure in spec.timeseries_measures:
            out[measure] = frame[measure].to_numpy()[every - 1::every]
        return out


def _plain(value: Any) -> Any:
    """A NumPy scalar from EMA's samplers as the Python value the declaration checks."""
    return value.item() if isinstance(value, np.generic) else value


def _parameter(factor: Factor) -> Any:
    """One varied parameter as an EMA parameter."""
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if not factor.is_range:
        return CategoricalParameter(factor.name, list(factor.values))
    if PARAMS[factor.name].type is int:
        return IntegerParameter(factor.name, int(factor.low), int(factor.high))
    return RealParameter(factor.name, factor.low, factor.high)


def ema_model(spec: str | os.PathLike | dict[str, Any] | Spec, name: str | None = None) -> Any:
    """The experiment spec as an EMA Workbench model (see the module's doc)."""
    from ema_workbench import (
        ArrayOutcome,
        CategoricalParameter,
        Constant,
        Model,
        ReplicatorModel,
        ScalarOutcome,
    )

    spec = load_spec(spec)
    seeds = run_seeds(spec.seed, spec.replications)
    replicated = spec.replications > 1
    model = (ReplicatorModel if replicated else Model)(name or spec.name,
                                                     function=SpecFunction(spec))
    varied = [f for f in spec.factors if f.is_range or len(f.values) > 1]
    single = {f.name: f.values[0] for f in spec.factors if f not in varied}  # a list of one
    model.uncertainties = [_parameter(f) for f in varied if f.role == "uncertainties"]
    levers = [_parameter(f) for f in varied if f.role == "levers"]
    if spec.policies:
        levers.insert(0, CategoricalParameter(POLICY, list(spec.policies)))
    model.levers = levers
    constants = {**spec.constants, **spec.held, **single}
    model.constants = [Constant(k, v) for k, v in constants.items()] + (
        [] if replicated else [Constant("seed", seeds[0])])
    if replicated:
        model.replications = [{"seed": s} for s in seeds]
    # replicated: each outcome is its mean over the replications (EMA's outcome function)
    mean = {"function": partial(np.mean, axis=0)} if replicated else {}
    model.outcomes = [ScalarOutcome(c, **mean) for c in spec.scalar_outcomes] + [
        ArrayOutcome(m, **mean) for m in spec.timeseries_measures]
    return model


def inputs_of(results: Results) -> list[str]:
    """The columns of a sweep's runs table that its design varied (`policy` first)."""
    names = [f.name for f in results.spec.factors]
    return (["policy"] if results.spec.policies else []) + [
        n for n in names if n in results.runs.columns]


def discover(results: str | os.PathLike | Results, outcome: str, threshold: float,
             below: bool = True, inputs: list[str] | None = None, **options: Any) -> Any:
    """PRIM on a saved sweep: the box of input ranges where `outcome` is below (or, with
    `below=False`, above) `threshold`. Reads the sweep's finished runs; `inputs` defaults
    to what the design varied; `options` go to `ema_workbench.analysis.prim.Prim`
    (`peel_alpha`, `mass_min`, …). Returns EMA's `PrimBox` of the box found: its
    `coverage`, `density` and `mass`, `inspect()`, and `box_limits(box)`."""
    from ema_workbench.analysis import prim

    saved = results if isinstance(results, Results) else load(results)
    runs = saved.runs[saved.runs["status"] == "ok"].reset_index(drop=True)
    if outcome not in runs.columns:
        raise InputError(f"outcome {outcome!r} is not a column of {saved.out}/runs.parquet; "
                         "expected one of " + ", ".join(saved.spec.scalar_outcomes))
    inputs = inputs or inputs_of(saved)
    if not inputs:
        raise InputError(f"{saved.out}: the sweep varied nothing; PRIM needs varied inputs")
    x = runs[inputs].copy()
    for column in x.columns:
        if x[column].dtype == object or isinstance(x[column].dtype, pd.StringDtype):
            x[column] = x[column].astype("category")
    y = (runs[outcome] < threshold) if below else (runs[outcome] > threshold)
    if not y.any():
        side = "below" if below else "above"
        raise InputError(f"no run of {saved.out} has {outcome} {side} {threshold:g}; PRIM "
                         "needs some runs of interest")
    return prim.Prim(x, y.to_numpy(), **options).find_box()


def box_limits(box: Any) -> pd.DataFrame:
    """The inputs a PRIM box restricts, one row each with its `min` and `max` (for a
    categorical input, the set of categories kept in both)."""
    _, limits = box.inspect(style="data")[0]  # one (stats, limits) per box asked for
    found = limits.iloc[:, :2].copy()
    found.columns = ["min", "max"]
    return found
