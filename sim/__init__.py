"""Aligned: an agent-based simulation of workplace ecosystems on Mesa.

`sim.run(scenario, seed=..., steps=..., **params)` runs a scenario and returns its time
series (a pandas DataFrame) and summary; `sim.run(scenario, posterior=N)` runs it at N
draws of the calibration's posterior and returns medians and 90% intervals
(`sim.posterior.PosteriorRun`); `sim.WorkplaceModel` is the Mesa model.

They are imported on first use, so that `aligned` starts in a few milliseconds and handles
Ctrl-C and SIGTERM from the start (its heavy imports happen inside the command).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RunResult", "WorkplaceModel", "run"]


def run(scenario: Any = "baseline", seed: int | None = None, steps: int | None = None,
        progress: bool = False, teams: bool = False, posterior: int | None = None,
        **overrides: Any) -> Any:
    """Run a scenario (`sim.runner.run`), or with `posterior=N` over N posterior draws (one
    seed each, from the scenario's; `sim.posterior.run`)."""
    if posterior is not None:
        if teams:
            from sim.errors import InputError

            raise InputError("teams: not with posterior (which reports intervals over draws)")
        from sim import posterior as posterior_runs

        return posterior_runs.run(scenario, posterior, seed, steps, progress=progress,
                                  **overrides)
    from sim import runner

    return runner.run(scenario, seed, steps, progress, teams, **overrides)


def __getattr__(name: str) -> Any:
    if name == "WorkplaceModel":
        from sim.model import WorkplaceModel

        return WorkplaceModel
    if name == "RunResult":
        from sim import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
