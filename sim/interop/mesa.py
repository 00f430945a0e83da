"""The model in Mesa's own tools: SolaraViz controls from the parameter declaration, and
`mesa.batch_run`.

    from mesa.visualization import SolaraViz, make_plot_component
    from sim.interop.mesa import solara_model_params
    page = SolaraViz(WorkplaceModel(rng=1), components=[make_plot_component("engagement_mean")],
                     model_params=solara_model_params(groups=["meetings"]))

    results = mesa.batch_run(batch_model, {"meeting_hours": [2, 8], "spinup_weeks": 0},
                             rng=[1, 2], max_steps=52, data_collection_period=1)

As Agents.jl and our style have it, the controls get only ranges and steps: every default
is the declared one (`sim/params.py`), the same the model uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sim.errors import InputError
from sim.model import WorkplaceModel
from sim.params import GROUPS, PARAMS, Param, suggest

#: Slider positions between a float parameter's bounds (its step is a round number near
#: range / STEPS).
STEPS = 100


def solara_model_params(names: Iterable[str] | None = None,
                        groups: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """SolaraViz `model_params` for the declared parameters (all, or those named, or those
    of the given groups): a slider for each number within its declared range, a select for
    each choice, a checkbox for each switch; value = the declared default."""
    chosen = list(PARAMS) if names is None and groups is None else []
    for group in groups or ():
        if group not in GROUPS:
            raise InputError(f"groups: {group!r} is not a parameter group; expected one of "
                             + ", ".join(GROUPS))
        chosen += [p.name for p in PARAMS.values() if p.group == group]
    for name in names or ():
        if name not in PARAMS:
            raise InputError(f"names: unknown parameter {name!r}; {suggest(name)}")
        chosen.append(name)
    return {name: control(PARAMS[name]) for name in dict.fromkeys(chosen)}


def control(p: Param) -> dict[str, Any]:
    """One parameter as a SolaraViz user input."""
    label = f"{p.name} ({p.unit})" if p.unit and p.unit != "1" else p.name
    if p.type is bool:
        return {"type": "Checkbox", "value": p.default, "label": label}
    if p.type is str:
        return {"type": "Select", "value": p.default, "values": list(p.choices or ()),
                "label": label}
    if p.type is int:
        return {"type": "SliderInt", "value": p.default, "min": int(p.low), "max": int(p.high),
                "step": 1, "label": label}
    return {"type": "SliderFloat", "value": p.default, "min": p.low, "max": p.high,
            "step": round_step(p.high - p.low), "label": label}


def round_step(span: float) -> float:
    """A slider step: 1, 2 or 5 times a power of ten, near span / STEPS."""
    raw = span / STEPS
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


class BatchRecord:
    """The model's weekly record as `mesa.batch_run` reads a DataCollector: the values by
    measure (`model_vars`), the Mesa step of each collection (`_collection_steps`), and no
    agent-level records (the populations' state is in arrays, not agent reporters)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self._collection_steps: list[int] = []
        self._agent_records: dict[int, list[Any]] = {}
        self._agenttype_records: dict[int, dict[Any, list[Any]]] = {}
        self.agent_reporters: dict[str, Any] = {}
        self.agenttype_reporters: dict[Any, dict[str, Any]] = {}

    def collect(self, model: WorkplaceModel) -> None:
        """Record the week and the Mesa step it was recorded at."""
        self.recorder.collect(model)
        self._collection_steps.append(model.steps)

    @property
    def model_vars(self) -> dict[str, Any]:
        """Every measure's weekly values, by name."""
        return self.recorder.model_vars

    def get_model_vars_dataframe(self) -> Any:
        """The record as a DataFrame (one row per recorded week)."""
        return self.recorder.get_model_vars_dataframe()


def batch_model(rng: Any = None, **params: Any) -> WorkplaceModel:
    """A WorkplaceModel for `mesa.batch_run`, which calls it as it would the model class:
    `mesa.batch_run(batch_model, parameters, rng=[...], max_steps=...)`. Its record tells
    batch_run which step each week was recorded at. `max_steps` and the `Step` column count
    Mesa's steps, the unrecorded spin-up included: run `spinup_weeks + weeks` steps for
    `weeks` recorded weeks (week = Step − spinup_weeks)."""
    model = WorkplaceModel(rng=rng, **params)
    model.datacollector = BatchRecord(model.datacollector)
    return model
