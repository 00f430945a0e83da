"""A sweep from spec to Parquet: check the spec and its size, expand it, skip what the
results folder already holds, run the rest, and keep every finished run.

`execute(spec, out=...)` is the whole of `aligned sweep`; `run(spec)` returns the runs
table; `load(DIR)` reads saved results without rerunning anything.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.files import atomic_write, environment, package_version, read_toml
from sim.study.batch import run_batch
from sim.study.design import Design, check_size, expand
from sim.study.executors import make_executor
from sim.study.spec import Spec, load_spec, parse_spec, spec_text
from sim.study.store import FolderLock, Store, check_destination, warn
from sim.study.task import RESULT_COLUMNS, RunRecord, model_fingerprint
from sim.study.workers import default_workers

#: Columns a sweep's runs table has besides the varied parameters and the outcomes.
META_COLUMNS = ("run_id", "point", "policy", "replication", "seed")
SpecSource = str | os.PathLike | dict[str, Any] | Spec


@dataclass
class Results:
    """A sweep's saved results: the runs table, the time series and the metadata."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    meta: dict[str, Any]
    spec: Spec
    out: Path


def load(out: str | os.PathLike) -> Results:
    """Read a results folder (complete or not) without rerunning anything."""
    store = Store(Path(out))
    if not store.exists:
        raise InputError(f"{out}: no sweep results here (expected runs.parquet or sweep.json)")
    store.check()
    meta = store.manifest()
    spec_file = store.out / "spec.toml"
    if not spec_file.is_file():
        raise InputError(f"{spec_file}: missing; the results folder is incomplete")
    data, text = read_toml(spec_file)
    spec = parse_spec(data, str(spec_file), text=text, path=spec_file)
    runs = store.runs()
    return Results(runs, store.timeseries(runs), meta, spec, store.out)


@dataclass
class Outcome:
    """What a sweep did: its tables, counts and timings."""

    spec: Spec
    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    total: int
    ran: int
    skipped: int
    failed: int
    wall_s: float
    model_s: float
    executor: str
    workers: int
    out: Path | None
    complete: bool
    interrupted: bool = False
    cpu_s: float = 0.0
    error: str | None = None

    @property
    def exit_code(self) -> int:
        """0 when every run finished or failed for its own reason and some run gave a
        result; 130 when interrupted; 1 otherwise."""
        if self.interrupted:
            return 130
        ok = int((self.runs["status"] == "ok").sum()) if len(self.runs) else 0
        return 0 if self.complete and (ok or not self.total) else 1

    def as_dict(self) -> dict[str, Any]:
        """The closing summary as plain JSON values (`aligned sweep --json`)."""
        ok = int((self.runs["status"] == "ok").sum()) if len(self.runs) else 0
        failed = (self.runs[self.runs["status"] == "failed"] if len(self.runs)
                  else self.runs.iloc[0:0])
        files = None
        if self.out is not None:
            files = ["runs.parquet", *(["timeseries.parquet"] if self.timeseries is not None
                                       else []), "sweep.json", "spec.toml"]
        return {
            "sweep": self.spec.name, "spec_hash": self.spec.hash, "total": self.total,
            "ran": self.ran, "skipped": self.skipped, "ok": ok, "failed": self.failed,
            "not_run": self.total - len(self.runs), "complete": self.complete,
            "interrupted": self.interrupted, "exit_code": self.exit_code,
            "executor": self.executor, "workers": self.workers,
            "wall_s": round(self.wall_s, 3),
            "model_s_per_run": round(self.model_s / self.ran, 4) if self.ran else None,
            "error": self.error,
            "failed_runs": [{"run_id": int(r.run_id), "error": str(r.error)}
                            for r in failed.itertuples()],
            "out": str(self.out) if self.out is not None else None, "files": files,
        }

    def summary(self) -> str:
        """The closing lines: runs, failures, time, where the results are."""
        ok = int((self.runs["status"] == "ok").sum()) if len(self.runs) else 0
        lines = [f"sweep {self.spec.name}: {self.ran} runs in {_duration(self.wall_s)} on "
                 f"{self.executor} with {self.workers} worker{'s' * (self.workers != 1)}"
                 + (f" ({self.skipped} already done, skipped)" if self.skipped else "")]
        if self.ran:
            per_run = self.model_s / self.ran
            overhead = max(self.wall_s * self.workers - self.model_s, 0.0) / self.ran
            lines.append(f"  model time {per_run:.2f} s/run (CPU {self.cpu_s / self.ran:.2f} "
                         f"s/run); executor overhead {1000 * overhead:.0f} ms/run "
                         "(start-up included)")
        lines.append(f"  {ok} of {self.total} runs ok, {self.failed} failed"
                     + ("" if self.complete else f", {self.total - len(self.runs)} not run"))
        if self.error:
            lines.append(f"  stopped: {self.error}")
        if self.failed:
            failed = self.runs[self.runs["status"] == "failed"].head(3)
            for row in failed.itertuples():
                lines.append(f"  run {row.run_id} failed: {row.error}")
        if self.out is not None:
            files = "runs.parquet" + (", timeseries.parquet" if self.timeseries is not None
                                      else "")
            lines.append(f"  results: {self.out}/ ({files}, sweep.json, spec.toml)")
            if self.complete:
                lines.append(f"  report:  aligned report {self.out}")
            else:
                lines.append("  resume:  aligned sweep "
                             f"{self.spec.path or self.spec.name} --out {self.out} --resume")
        return "\n".join(lines)


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C or SIGTERM; its finished runs are saved."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("sweep interrupted")
        self.outcome = outcome


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- rows --------------------------------------------------------------------------------
def rows(records: list[RunRecord], design: Design, spec: Spec, varied: list[str]
         ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The runs-table rows and time-series rows (as floats) of a batch of records."""
    table, series = [], []
    outcome_columns = spec.scalar_outcomes
    for record in records:
        task = design.tasks[record.run_id]
        row: dict[str, Any] = {"run_id": task.run_id, "point": task.point}
        if spec.policies:
            row["policy"] = task.policy
        row.update({name: task.varied[name] for name in varied})
        row.update({"replication": task.replication, "seed": task.seed})
        if spec.posterior:  # the run's posterior draw, as it ran (a scenario's own values win)
            row.update({f"posterior__{k}": float(task.params[k]) for k in spec.posterior[0]})
        row.update({c: record.outcomes.get(c, math.nan) for c in outcome_columns})
        # whether and when the firm failed, for every run (failed_week: -1 when it did not,
        # a whole number in every engine's table)
        failed = record.outcomes.get("failed")
        row["failed"] = bool(failed) if failed is not None else None
        week = record.outcomes.get("failed_week")
        row["failed_week"] = int(week) if week is not None else (-1 if failed is not None
                                                                   else None)
        row.update({"status": record.status, "error": record.error,
                    "elapsed_s": record.elapsed_s, "cpu_s": record.cpu_s})
        table.append(row)
        if record.timeseries is not None:
            frame = pd.DataFrame({k: (v if k == "week" else v.astype(float))
                                  for k, v in record.timeseries.items()})
            frame.insert(0, "run_id", task.run_id)
            series.append(frame)
    runs = pd.DataFrame.from_records(table)
    runs["seed"] = runs["seed"].astype("int64")
    runs["error"] = runs["error"].astype("string")
    # nullable: a run that raised says nothing of whether the firm failed
    runs["failed"] = runs["failed"].astype("boolean")
    runs["failed_week"] = runs["failed_week"].astype("Int64")
    return runs, (pd.concat(series, ignore_index=True) if series else None)


def empty_runs(spec: Spec, varied: list[str]) -> pd.DataFrame:
    """A runs table with no rows and the sweep's columns."""
    columns = ["run_id", "point", *(["policy"] if spec.policies else []), *varied,
               "replication", "seed",
               *(f"posterior__{k}" for k in (spec.posterior[0] if spec.posterior else {})),
               *spec.scalar_outcomes, "failed", "failed_week",
               *RESULT_COLUMNS]
    return pd.DataFrame(columns=columns)


# --- the sweep ---------------------------------------------------------------------------
def execute(
    spec: SpecSource,
    out: str | os.PathLike | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
    start_method: str | None = None,
    client: Any = None,
    yes: bool = False,
    announce: Callable[[str], None] | None = None,
) -> Outcome:
    """Run a sweep and return its outcome; with `out`, save it there (resumable).

    `executor` is "local" (a process pool) or "dask" (a LocalCluster, or the cluster at
    `scheduler`, or an existing distributed `client`). A spec larger than the limits of
    `sim.study.design` needs `yes=True`; `announce` receives one line of its size.
    """
    import time

    spec = load_spec(spec)
    if executor not in ("local", "dask"):
        raise InputError(f"--executor {executor}: expected local or dask")
    n_workers = default_workers(workers)
    size = check_size(spec, n_workers, yes)
    if out is not None:
        out = check_destination(Path(out))
    if announce is not None:
        announce(f"sweep {spec.name}: {size.describe()}")
    design = expand(spec)
    varied = [c for c in design.varied if c != "policy"]
    lock = FolderLock(out).acquire() if out is not None else None
    exe = None
    try:
        store = Store(out, {"spec_hash": spec.hash}) if out is not None else None
        manifest: dict[str, Any] = {}
        finished: set[int] = set()
        if store is not None:
            manifest, finished = _prepare(store, spec, resume)
        todo = [t for t in design.tasks if t.run_id not in finished]
        collected: list[pd.DataFrame] = []
        collected_series: list[pd.DataFrame] = []

        def keep(records: list[RunRecord]) -> None:
            runs, series = rows(records, design, spec, varied)
            if store is not None:
                store.write_part(runs, series)
            else:
                collected.append(runs)
                if series is not None:
                    collected_series.append(series)

        started, started_at = time.perf_counter(), _now()
        if todo:
            if scheduler is None and client is None:  # a pool or cluster of our own
                n_workers = min(n_workers, len(todo))
            exe = make_executor(executor, n_workers, scheduler, client, start_method)
            n_workers = exe.workers
        stats = run_batch(todo, exe, keep, progress, spec.name)
        wall = time.perf_counter() - started
        complete = (len(finished) + stats.ran == len(design.tasks) and not stats.interrupted
                    and stats.error is None)
        if store is not None:
            metadata = _metadata(spec, manifest, started_at, complete,
                                 exe.name if exe else executor, n_workers, len(design.tasks))
            runs = store.runs()
            metadata.update(runs_ok=int((runs["status"] == "ok").sum()) if len(runs) else 0,
                            runs_failed=int((runs["status"] == "failed").sum())
                            if len(runs) else 0)
            runs, series = store.consolidate(metadata)
        else:
            frames = [f for f in collected if len(f)]
            runs = (pd.concat(frames, ignore_index=True).sort_values("run_id")
                    .reset_index(drop=True) if frames else empty_runs(spec, varied))
            series = (pd.concat(collected_series, ignore_index=True)
                      .sort_values(["run_id", "week"]).reset_index(drop=True)
                      if collected_series else None)
    finally:
        if exe is not None and hasattr(exe, "close"):
            exe.close()
        if lock is not None:
            lock.release()
    outcome = Outcome(spec, runs, series, len(design.tasks), stats.ran, len(finished),
                      stats.failed, wall, stats.model_s, exe.name if exe else executor,
                      n_workers, store.out if store else None, complete=complete,
                      interrupted=stats.interrupted, cpu_s=stats.cpu_s, error=stats.error)
    if stats.interrupted:
        raise SweepInterrupted(outcome)
    return outcome


def run(spec: SpecSource, **options: Any) -> pd.DataFrame:
    """Run a sweep and return its runs table (one row per run); see `execute` for options.

    >>> runs = run("scheme_comparison", out="results/scheme_comparison")  # doctest: +SKIP
    >>> runs.groupby("policy")["last_year__trust_customer_firm"].mean()
    """
    return execute(spec, **options).runs


def _prepare(store: Store, spec: Spec, resume: bool) -> tuple[dict[str, Any], set[int]]:
    """Check the folder against the spec (repairing what is damaged when resuming);
    return its manifest and the runs it already holds in full."""
    if not store.exists:
        atomic_write(store.out / "spec.toml", spec_text(spec).encode())
        manifest = {"name": spec.name, "spec_hash": spec.hash, "started": _now()}
        store.write_manifest(manifest)
        return manifest, set()
    if not resume:
        name = "?"
        try:
            name = store.manifest().get("name", "?")
        except InputError:
            pass
        raise InputError(f"--out {store.out}: already holds results of sweep {name!r}; add "
                         "--resume to finish it, or choose another --out")
    store.repair()
    recorded = _recorded_hashes(store)
    if recorded and recorded != {spec.hash}:
        raise InputError(f"--resume: the results in {store.out} come from a different spec "
                         f"(hash {', '.join(sorted(recorded))}, this spec {spec.hash}); choose "
                         "another --out")
    manifest = store.manifest() if (store.out / "sweep.json").is_file() else {}
    if not manifest:
        manifest = {"name": spec.name, "spec_hash": spec.hash, "started": _now()}
        store.write_manifest(manifest)
    spec_file = store.out / "spec.toml"
    if not spec_file.is_file():
        atomic_write(spec_file, spec_text(spec).encode())
    fingerprint = manifest.get("model")
    if fingerprint and fingerprint != model_fingerprint():
        warn(f"{store.out}: its runs so far were made by another version of the model; the "
             "runs resumed now use this one")
    runs = store.runs()
    finished = set(runs.loc[runs["status"] == "ok", "run_id"].astype(int))
    if spec.timeseries_measures and finished:
        series = store.timeseries(runs)
        have = set() if series is None else set(series["run_id"].astype(int))
        finished &= have  # a run whose time series was lost runs again
    return manifest, finished


def _recorded_hashes(store: Store) -> set[str]:
    """The spec hashes the folder's manifest, files and spec.toml say they come from (a
    spec.toml that cannot be read is set aside, to be written again)."""
    found = {tag.get("spec_hash") for tag in store.tags()}
    path = store.out / "sweep.json"
    if path.is_file():
        found.add(store.manifest().get("spec_hash"))
    spec_file = store.out / "spec.toml"
    if spec_file.is_file():
        try:
            found.add(load_spec(spec_file).hash)
        except InputError as exc:
            warn(f"{exc}; set aside in {store.out / 'damaged'}/, it will be written again")
            store.set_aside(spec_file)
    found.discard(None)
    return found


def _metadata(spec: Spec, manifest: dict[str, Any], started_at: str, complete: bool,
              executor: str, workers: int, total: int) -> dict[str, Any]:
    return {
        "name": spec.name, "title": spec.title, "spec_hash": spec.hash,
        "spec": spec.data, "version": package_version(), "model": model_fingerprint(),
        "environment": environment(),
        "started": manifest.get("started", started_at),
        "sessions": [*manifest.get("sessions", []),
                     {"started": started_at, "finished": _now(), "executor": executor,
                      "workers": workers}],
        "finished": _now(), "complete": complete, "runs_total": total,
    }
