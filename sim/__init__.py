"""Aligned: an agent-based simulation of workplace ecosystems on Mesa.

`sim.run(scenario, seed=..., steps=..., **params)` runs a scenario and returns its time
series (a pandas DataFrame) and summary; `sim.WorkplaceModel` is the Mesa model.
"""

from sim.model import WorkplaceModel
from sim.runner import RunResult, run

__all__ = ["RunResult", "WorkplaceModel", "run"]
