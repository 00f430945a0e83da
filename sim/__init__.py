"""Aligned: an agent-based simulation of workplace ecosystems on Mesa.

`sim.run(scenario, seed=..., steps=..., **params)` runs a scenario and returns its time
series (a pandas DataFrame) and summary; `sim.WorkplaceModel` is the Mesa model.

They are imported on first use, so that `aligned` starts in a few milliseconds and handles
Ctrl-C and SIGTERM from the start (its heavy imports happen inside the command).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RunResult", "WorkplaceModel", "run"]


def __getattr__(name: str) -> Any:
    if name == "WorkplaceModel":
        from sim.model import WorkplaceModel

        return WorkplaceModel
    if name in ("RunResult", "run"):
        from sim import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
