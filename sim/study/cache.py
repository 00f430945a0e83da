"""Runs kept for reuse: the weekly time series of whole runs, by the run's identity, in a
results folder (`results/claims/`, `results/lessons/NAME/`).

Claims and lessons ask for (parameters, events, seed, weeks) runs. With a folder, a run
already there (the same identity, at least as many weeks, made by the same model) is read
back instead of run again; the others run on the local pool and are written as they
finish, so a call that is killed, even by SIGKILL, keeps its finished runs for the next.
Without a folder, runs are kept in memory only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.files import package_version
from sim.study.batch import run_batch
from sim.study.executors import ExecutorError, LocalExecutor
from sim.study.store import FolderLock, Store, check_destination, warn
from sim.study.task import RunRecord, RunTask, model_fingerprint, run_identity
from sim.study.workers import default_workers

KIND = "runs"


@dataclass(frozen=True)
class Request:
    """A run wanted: its parameters, seed, length in weeks and scheduled events.

    `same_as` are the parameters that decide what the run is, when they differ from the
    ones it is given (a scenario's overrides, resolved to the full effective set)."""

    params: Mapping[str, Any]
    seed: int
    steps: int
    events: tuple[Any, ...] = ()
    same_as: Mapping[str, Any] | None = None

    @property
    def identity(self) -> int:
        """What the run is, whatever its length (see `sim.study.task.run_identity`)."""
        params = self.params if self.same_as is None else self.same_as
        return run_identity(params, self.seed, self.events)


class RunFailed(RuntimeError):
    """A run that claims or a lesson need raised an error."""


def run_frames(requests: list[Request], folder: str | Path | None = None,
               workers: int | None = None, columns: tuple[str, ...] | None = None,
               progress: bool = False, desc: str = "runs", fresh: bool = False,
               announce: Callable[[str], None] | None = None) -> dict[int, pd.DataFrame]:
    """The weekly time series (the `columns`, or all) of every requested run, by identity,
    each exactly as long as the longest request of that identity."""
    longest: dict[int, Request] = {}
    for request in requests:
        key = request.identity
        if key not in longest or request.steps > longest[key].steps:
            longest[key] = request
    # Longest runs first, so the pool does not end waiting on one long run.
    order = sorted(longest, key=lambda k: (-longest[k].steps, longest[k].seed, k))
    if folder is None:
        tasks = [_task(k, longest[k], columns) for k in order]
        records: dict[int, RunRecord] = {}
        _run(tasks, workers, lambda batch: records.update((r.run_id, r) for r in batch),
             progress, desc)
        return {k: _frame(records[k].timeseries, longest[k].steps, columns) for k in order}
    out = check_destination(Path(folder), "--results")
    with FolderLock(out):
        store = Store(out, {"kind": KIND, "model": model_fingerprint()})
        _open(store, fresh)
        have = _have(store)
        cached = [k for k in order if have.get(k, 0) >= longest[k].steps]
        todo = [_task(k, longest[k], None) for k in order if k not in set(cached)]
        if announce is not None:
            announce(f"{desc}: {len(cached)} of {len(order)} runs reused from {out}/, "
                     f"{len(todo)} to run")

        def keep(batch: list[RunRecord]) -> None:
            store.write_part(*_tables(batch, {t.run_id: t for t in todo}))

        try:
            _run(todo, workers, keep, progress, desc)
        finally:
            if todo and any(store.parts.glob("runs-*.parquet")):
                store.consolidate({"kind": KIND, "model": model_fingerprint(),
                                   "version": package_version()})
        return _read(store, longest, order, columns)


def _task(key: int, request: Request, columns: tuple[str, ...] | None) -> RunTask:
    return RunTask(run_id=key, params=dict(request.params), seed=request.seed,
                   steps=request.steps, events=request.events,
                   series=None if columns is None else tuple(columns))


def _run(tasks: list[RunTask], workers: int | None, keep: Callable[[list[RunRecord]], None],
         progress: bool, desc: str) -> None:
    """Run the tasks; a failed run, an executor error or an interrupt is raised."""
    if not tasks:
        return
    failures: list[RunRecord] = []

    def checked(batch: list[RunRecord]) -> None:
        keep(batch)
        failures.extend(r for r in batch if r.status != "ok")

    executor = LocalExecutor(min(default_workers(workers), len(tasks)))
    stats = run_batch(tasks, executor, checked, progress, desc)
    if stats.interrupted:
        raise KeyboardInterrupt
    if stats.error:
        raise ExecutorError(stats.error)
    if failures:
        raise RunFailed(f"{len(failures)} run(s) failed, e.g. seed "
                        f"{next(t.seed for t in tasks if t.run_id == failures[0].run_id)}: "
                        f"{failures[0].error}")


def _open(store: Store, fresh: bool) -> None:
    """Repair the folder, and empty it when asked or when its runs came from another
    model (they would not be the runs this model makes)."""
    if not store.exists:
        return
    store.repair()
    tags = [t for t in store.tags() if t]
    kinds = {t.get("kind") for t in tags}
    if tags and kinds != {KIND}:
        from sim.errors import InputError

        raise InputError(f"--results {store.out}: holds other results (not cached runs); "
                         "choose another folder")
    if fresh:
        store.clear()
    elif {t.get("model") for t in tags} - {model_fingerprint()}:
        warn(f"{store.out}: its runs were made by another version of the model; running "
             "them again")
        store.clear()


def _tables(records: list[RunRecord], tasks: dict[int, RunTask]
            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The runs rows and time-series rows of a batch of records."""
    runs = pd.DataFrame.from_records([
        {"run_id": r.run_id, "seed": tasks[r.run_id].seed, "steps": tasks[r.run_id].steps,
         "status": r.status, "error": r.error, "elapsed_s": r.elapsed_s, "cpu_s": r.cpu_s}
        for r in records])
    runs["run_id"] = runs["run_id"].astype("int64")
    runs["error"] = runs["error"].astype("string")
    series = []
    for r in records:
        if r.timeseries is not None:
            frame = pd.DataFrame(r.timeseries)
            frame.insert(0, "run_id", r.run_id)
            series.append(frame)
    return runs, (pd.concat(series, ignore_index=True) if series else None)


def _frame(series: dict[str, Any], steps: int, columns: tuple[str, ...] | None
           ) -> pd.DataFrame:
    """A run's time series as the model gives it: indexed by week 1..steps."""
    names = [c for c in series if c != "week"] if columns is None else list(columns)
    frame = pd.DataFrame({c: series[c][:steps] for c in names})
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="week")
    return frame


def _series_paths(store: Store) -> list[str]:
    return [str(p) for p in [store.out / "timeseries.parquet",
                             *sorted(store.parts.glob("timeseries-*.parquet"))] if p.is_file()]


def _have(store: Store) -> dict[int, int]:
    """Weeks of every finished run the folder holds with its time series."""
    import pyarrow.dataset as ds

    runs = store.runs()
    paths = _series_paths(store)
    if not len(runs) or not paths:
        return {}
    present = set(ds.dataset(paths, format="parquet").to_table(columns=["run_id"])
                  .column("run_id").unique().to_pylist())
    ok = runs[(runs["status"] == "ok") & runs["run_id"].isin(present)]
    return dict(zip(ok["run_id"].astype(int), ok["steps"].astype(int), strict=True))


def _read(store: Store, longest: dict[int, Request], order: list[int],
          columns: tuple[str, ...] | None) -> dict[int, pd.DataFrame]:
    """The requested runs' time series from the folder."""
    import pyarrow.dataset as ds

    paths = _series_paths(store)
    wanted = None if columns is None else ["run_id", "week", *columns]
    table = ds.dataset(paths, format="parquet").to_table(
        columns=wanted, filter=ds.field("run_id").isin(order))
    frame = table.to_pandas().drop_duplicates(["run_id", "week"], keep="last")
    frame = frame.sort_values(["run_id", "week"])
    found = {}
    for key, rows in frame.groupby("run_id", sort=False):
        series = {c: rows[c].to_numpy() for c in rows.columns if c != "run_id"}
        found[int(key)] = _frame(series, longest[int(key)].steps, columns)
    missing = [k for k in order if k not in found]
    if missing:
        raise RunFailed(f"{store.out}: {len(missing)} run(s) are recorded without their time "
                        "series; run again with --fresh")
    return found
