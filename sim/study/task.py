"""One run: what a worker is asked to do (a `RunTask`), what it sends back (a `RunRecord`),
and the identity that lets a results folder recognise a run it already has.

A task carries everything the run depends on: the parameters, the seed, the number of
weeks and the scheduled events; plus what to keep of it (outcome statistics and which
time series). `perform` runs it in whatever process it lands in and never raises: an
exception becomes a failed record with its error.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.files import package_version
from sim.study.spec import event_identity, outcome_column
from sim.study.workers import limit_threads

#: Test hook: comma-separated run ids whose run raises on purpose (read by the parent).
FAIL_ENV = "ALIGNED_SWEEP_FAIL_RUNS"
#: Test hook: comma-separated run ids whose run kills its own worker process (as the
#: out-of-memory killer would), every time it is tried.
CRASH_ENV = "ALIGNED_SWEEP_CRASH_RUNS"
RESULT_COLUMNS = ("status", "error", "elapsed_s", "cpu_s")


@dataclass(frozen=True)
class RunTask:
    """One simulation to run and what to keep of it.

    `outcomes` maps a measure to the statistics kept of it (`final`, `last_year`);
    `series` names the measures whose weekly values come back, every `record_every`
    weeks (None: every measure, as recorded). The design fields (`point`, `policy`,
    `replication`, `varied`) only label the run.
    """

    run_id: int
    params: Mapping[str, Any]
    seed: int
    steps: int
    events: tuple[Any, ...] = ()
    outcomes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    series: tuple[str, ...] | None = ()
    record_every: int = 1
    point: int = 0
    policy: str | None = None
    replication: int = 0
    varied: Mapping[str, Any] = field(default_factory=dict)
    fault: str | None = None  # test hook: "raise" or "crash"


@dataclass
class RunRecord:
    """What a run gave back: its status, outcomes, kept time series and timings."""

    run_id: int
    status: str = "ok"
    error: str | None = None
    outcomes: dict[str, float] = field(default_factory=dict)
    timeseries: dict[str, np.ndarray] | None = None
    elapsed_s: float = 0.0
    cpu_s: float = 0.0


def failed(task: RunTask, error: str) -> RunRecord:
    """The record of a run that did not finish."""
    return RunRecord(task.run_id, status="failed", error=error)


def perform(task: RunTask) -> RunRecord:
    """Run one task and keep what it asks for; an exception becomes a failed record."""
    from sim.runner import simulate, summarize

    limit_threads()
    record = RunRecord(task.run_id)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        if task.fault == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if task.fault == "raise":
            raise RuntimeError(f"failure requested by {FAIL_ENV} for run {task.run_id}")
        extra = {"events": task.events} if task.events else {}
        _, frame = simulate(dict(task.params), task.seed, task.steps, **extra)
        summary = summarize(frame, "sweep", task.seed, dict(task.params))
        record.outcomes["failed"] = summary["failed"]  # every run says whether the firm failed
        record.outcomes["failed_week"] = summary["failed_week"]
        for measure, stats in task.outcomes.items():
            for stat in stats:
                record.outcomes[outcome_column(stat, measure)] = summary[stat][measure]
        if task.series is None or task.series:
            every = task.record_every
            kept = frame.iloc[every - 1::every]
            names = list(kept.columns) if task.series is None else task.series
            record.timeseries = {"week": kept.index.to_numpy(),
                                 **{m: kept[m].to_numpy() for m in names}}
    except Exception as exc:
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"
    record.elapsed_s = time.perf_counter() - start
    record.cpu_s = time.process_time() - cpu
    return record


def faults() -> dict[int, str]:
    """The test hooks' faults by run id (from FAIL_ENV and CRASH_ENV)."""
    found = {}
    for env, kind in ((FAIL_ENV, "raise"), (CRASH_ENV, "crash")):
        for text in os.environ.get(env, "").replace(" ", "").split(","):
            if text:
                found[int(text)] = kind
    return found


# --- identity ----------------------------------------------------------------------------
def run_identity(params: Mapping[str, Any], seed: int, events: tuple[Any, ...] = ()) -> int:
    """A run's identity as a 60-bit integer: its full parameter set, its scheduled events
    and its seed (not its length: a run's first weeks do not depend on how long it goes
    on). Two scenarios that resolve to the same parameters and events share their runs."""
    content = {"params": sorted((k, _plain(v)) for k, v in params.items()), "seed": int(seed),
               "events": [event_identity(e) for e in events]}
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


#: Modules that present or organise results and never change a run's numbers.
_NOT_MODEL = {"analysis.py", "bench.py", "calibrate.py", "claims.py", "cli.py", "files.py",
              "lesson.py", "paired.py", "posterior.py", "report.py", "sweep.py"}
_NOT_MODEL_DIRS = {"commands", "study", "validation", "viz"}


def model_fingerprint() -> str:
    """A hash of the package version and the source of every module a run goes through,
    so that cached runs of an older model are recognised as stale."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(package_version().encode())
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in _NOT_MODEL_DIRS or str(relative) in _NOT_MODEL:
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
