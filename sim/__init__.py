"""Aligned: an agent-based simulation of workplace ecosystems on Mesa.

`sim.run(scenario, seed=..., steps=..., **params)` runs a scenario and returns its time
series (a pandas DataFrame) and summary; `sim.run(scenario, posterior=N)` runs it at N
draws of the calibration's posterior and returns medians and 90% intervals
(`sim.posterior.PosteriorRun`); `sim.WorkplaceModel` is the Mesa model.

They are imported on first use, so that `aligned` starts in a few milliseconds and handles
Ctrl-C and SIGTERM from the start (its heavy imports happen inside the command).
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["RunResult", "WorkplaceModel", "run"]

#: NumPy's SIMD targets left out, so that a run gives the same bits on every x86-64 machine
#: with AVX2. With AVX-512 (NumPy's X86_V4 and later targets) NumPy computes exp, log,
#: power and the other transcendental functions with its own SIMD routines, whose last bits
#: differ from those of the AVX2 machine's; a run's results then drift apart from the
#: reference series and can flip a claim that sits near its threshold. Set in the
#: environment when `sim` is imported before NumPy (the `aligned` command, its worker
#: processes, the test suite); an NPY_DISABLE_CPU_FEATURES already set is kept. Names that a
#: NumPy version does not know are ignored by it: the older names are for NumPy 1.26-2.3.
NUMPY_LEFT_OUT = ("X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_KNL AVX512_KNM "
                  "AVX512_SKX AVX512_CLX AVX512_CNL")
if "numpy" not in sys.modules:
    os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", NUMPY_LEFT_OUT)


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
