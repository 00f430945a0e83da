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
#: processes, the test suite) and NumPy is one of PyPI's wheels; an NPY_DISABLE_CPU_FEATURES
#: already set is kept. Names that a NumPy version does not know are ignored by it: the
#: older names are for NumPy 1.26-2.3.
NUMPY_LEFT_OUT = ("X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_KNL AVX512_KNM "
                  "AVX512_SKX AVX512_CLX AVX512_CNL")
#: The platform tags of PyPI's NumPy wheels, built for a baseline below AVX-512.
PYPI_WHEEL_TAGS = ("manylinux", "musllinux", "macosx", "win")


def _numpy_is_a_pypi_wheel() -> bool:
    """Whether the NumPy that will be imported is one of PyPI's wheels, read from its
    WHEEL file without importing it. NumPy refuses to start when asked to leave out a target
    its build requires (one compiled for this very CPU can require AVX-512): only PyPI's
    builds are known not to."""
    from importlib.util import find_spec
    from pathlib import Path

    try:
        spec = find_spec("numpy")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    site = Path(next(iter(spec.submodule_search_locations))).parent
    return any(_pypi_wheel(wheel.read_text()) for wheel in site.glob("numpy-*.dist-info/WHEEL"))


def _pypi_wheel(wheel_file: str) -> bool:
    """Whether a WHEEL file's every platform tag is one of PyPI's."""
    tags = [line for line in wheel_file.splitlines() if line.startswith("Tag:")]
    return bool(tags) and all(any(t in line for t in PYPI_WHEEL_TAGS) for line in tags)


if "numpy" not in sys.modules and "NPY_DISABLE_CPU_FEATURES" not in os.environ and (
        _numpy_is_a_pypi_wheel()):
    os.environ["NPY_DISABLE_CPU_FEATURES"] = NUMPY_LEFT_OUT


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
