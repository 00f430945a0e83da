"""Run a scenario and keep what it produced: the weekly time series, a summary and the
effective parameters, written atomically so an interrupted write never leaves half a file.

Where results go is checked before the work starts (`check_run_folder`, `check_out_file`),
so a bad destination fails in one line instead of after hours of computing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scenario as scenarios
from sim.errors import InputError
from sim.measures import SUMMARY_KEYS
from sim.model import WorkplaceModel
from sim.params import check_values

WEEKS_PER_YEAR = 52
#: The files of a run's folder. A folder holding summary.json and params.json is an
#: earlier run's, which a new run may replace.
RUN_FILES = ("timeseries.parquet", "summary.json", "params.json")
RUN_MARKERS = ("summary.json", "params.json")


def package_version() -> str:
    """The installed version of the project."""
    try:
        return version("aligned")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class RunResult:
    """What a run produced."""

    scenario: str
    seed: int
    steps: int
    params: dict[str, Any]
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: WorkplaceModel


def simulate(
    params: dict[str, Any], seed: int, steps: int, progress: bool = False
) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Build the model from parameter overrides, run it `steps` weeks, return it and its
    time series (one row per week, indexed by week 1..steps)."""
    model = WorkplaceModel(seed=seed, **params)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, unit="wk", desc="simulating", file=sys.stderr, leave=False)
    try:
        for _ in range(steps):
            model.step()
            if bar is not None:
                bar.update()
    finally:  # an interrupted run clears its progress bar too
        if bar is not None:
            bar.close()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="week")
    return model, frame


def summarize(frame: pd.DataFrame, scenario: str, seed: int) -> dict[str, Any]:
    """The summary contract: final values and last-year means of every measure, plus the
    annual quit and churn rates of the last year."""
    window = frame.iloc[-WEEKS_PER_YEAR:]
    weeks = len(window)
    final = {k: _plain(v) for k, v in frame.iloc[-1].items()}
    last_year = {k: _plain(v) for k, v in window.mean().items()}
    annualize = WEEKS_PER_YEAR / weeks
    last_year["annual_quit_rate"] = _plain(
        window["quits"].sum() * annualize / max(window["headcount"].mean(), 1.0))
    last_year["annual_churn_rate"] = _plain(
        window["churned"].sum() * annualize / max(window["customers"].mean(), 1.0))
    missing = [k for k in SUMMARY_KEYS if k not in final]
    assert not missing, f"measures missing from the summary: {missing}"
    return {"scenario": scenario, "seed": seed, "steps": len(frame), "final": final,
            "last_year": last_year}


def _plain(value: Any) -> float | int:
    if isinstance(value, np.integer | int):
        return int(value)
    return float(value)


def run(
    scenario: str | os.PathLike | scenarios.Scenario = "baseline",
    seed: int | None = None,
    steps: int | None = None,
    progress: bool = False,
    **overrides: Any,
) -> RunResult:
    """Run a scenario (name, path or loaded) with optional seed, length and overrides.

    >>> result = run("baseline", seed=1, steps=52, n_customers=500)  # doctest: +SKIP
    >>> result.timeseries["engagement_mean"].iloc[-1], result.summary["last_year"]["profit"]
    """
    spec = scenario if isinstance(scenario, scenarios.Scenario) else scenarios.load(scenario)
    params = {**spec.params, **check_values(overrides, "overrides")}
    seed = spec.seed if seed is None else seed
    steps = spec.steps if steps is None else steps
    model, frame = simulate(params, seed, steps, progress)
    summary = summarize(frame, spec.name, seed)
    effective = dict(model.p)
    return RunResult(spec.name, seed, steps, effective, frame, summary, model)


def provenance(result: RunResult) -> dict[str, Any]:
    """Every effective parameter with the seed, steps, scenario and package version."""
    return {"scenario": result.scenario, "seed": result.seed, "steps": result.steps,
            "version": package_version(), "params": result.params}


#: The process's file-creation mask, read once (setting it is the only way to read it).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to `path` via a temporary file in the same folder and a rename; the file
    gets the usual permissions (0o666 less the umask), not the temporary file's 0o600."""
    atomic_write_all({path: data})


def atomic_write_all(files: dict[Path, bytes]) -> None:
    """Write several files atomically and together: each goes to a temporary file beside
    it first; the renames that put them in place run with Ctrl-C and SIGTERM held back, so
    an interruption leaves either the old files or all the new ones."""
    temporary: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporary.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_UMASK)
        with signals_held():
            while temporary:
                tmp, path = temporary[0]
                os.replace(tmp, path)
                temporary.pop(0)
    finally:
        for tmp, _ in temporary:
            Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back for the block, then act on one that came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda number, _frame: caught.append(number))
                for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


def write_outputs(result: RunResult, out_dir: str | os.PathLike) -> Path:
    """Write timeseries.parquet, summary.json and params.json into `out_dir`, together."""
    out = Path(out_dir)
    import io

    buffer = io.BytesIO()
    result.timeseries.to_parquet(buffer)
    atomic_write_all({
        out / "timeseries.parquet": buffer.getvalue(),
        out / "summary.json": json.dumps(result.summary, indent=2).encode(),
        out / "params.json": json.dumps(provenance(result), indent=2).encode(),
    })
    return out


# --- destinations, checked before the work ---------------------------------------------
def is_run_folder(folder: Path) -> bool:
    """Whether `folder` holds an earlier run (its summary.json and params.json)."""
    return all((folder / name).is_file() for name in RUN_MARKERS)


def check_run_folder(folder: str | os.PathLike, option: str = "--out") -> bool:
    """Fail with one line unless a run may write into `folder`: a new or empty folder, or an
    earlier run's, in a place where files can be made. Returns whether an earlier run is
    there (its files will be replaced)."""
    path = Path(folder)
    if _exists(path, option) and not path.is_dir():
        raise InputError(f"{option} {folder}: is a file; expected a folder (new, empty or an "
                         "earlier run's)")
    earlier = path.is_dir() and is_run_folder(path)
    if path.is_dir() and not earlier and any(path.iterdir()):
        raise InputError(f"{option} {folder}: the folder holds other files and no earlier run "
                         f"({' and '.join(RUN_MARKERS)}); expected a new or empty folder or an "
                         "earlier run's")
    check_writable(path, option)
    return earlier


def check_out_file(file: str | os.PathLike, option: str = "--out",
                   expected: str = "a file name") -> None:
    """Fail with one line unless a file can be written at `file` (not a folder; in a place
    where files can be made)."""
    path = Path(file)
    if str(file).endswith(os.sep) or (_exists(path, option) and path.is_dir()):
        raise InputError(f"{option} {file}: is a folder; expected {expected}")
    check_writable(path.parent, option)


def check_writable(folder: Path, option: str = "--out") -> None:
    """Fail with one line unless files can be made in `folder`, or in the nearest folder
    that exists above it (where the missing ones would be created)."""
    existing = folder
    while not _exists(existing, option) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {folder}: {existing} is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".aligned-probe-"):
            pass
    except OSError as exc:
        raise InputError(f"{option} {folder}: cannot write in {existing} ({exc.strerror})"
                         ) from None


def _exists(path: Path, option: str) -> bool:
    try:
        return path.exists()
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot be reached ({exc.strerror})") from None
