"""The batch engine: every study that runs the model many times goes through it.

    spec.py       an experiment spec (TOML, declared in roles), checked where it enters
    design.py     the spec expanded into runs with fixed seeds; the size of a sweep
    task.py       one run: what a worker is given and what it sends back
    workers.py    the worker policy: how many, one BLAS thread each, die with the parent
    executors.py  where runs run: the local process pool or Dask; dead workers noticed
                  and their runs retried
    dask_worker.py  the start-up of a Dask worker (a plugin)
    store.py      a results folder that loses nothing: lock, Parquet parts, repair
    batch.py      the loop: tasks → executor → records kept as they finish
    sweep.py      `aligned sweep`: spec → design → batch → store
    cache.py      runs kept by identity for claims and lessons (resumable)

Sweeps (`sim.sweep`), claims and lessons (`sim.claims.run_many`), the calibration check
(`sim.validation.calibration`), many seeds of a set-up (`sim.paired`: `aligned compare` and
the visualizer's Run seeds) and the scans of experiments/ all run here.
"""

from sim.study.design import Design, count_runs, expand, run_seeds, sample_design, size
from sim.study.executors import (
    DaskExecutor,
    LocalExecutor,
    connect,
    default_start_method,
    run_all,
    start_local_cluster,
)
from sim.study.spec import EXPERIMENT_DIR, Factor, Spec, load_spec, locate, parse_spec, spec_hash
from sim.study.store import METADATA_KEY, FolderLock, Store
from sim.study.sweep import Outcome, Results, SweepInterrupted, execute, load, run
from sim.study.task import CRASH_ENV, FAIL_ENV, RunRecord, RunTask, perform
from sim.study.workers import available_cores, default_workers, init_worker, limit_threads

__all__ = [
    "CRASH_ENV", "EXPERIMENT_DIR", "FAIL_ENV", "METADATA_KEY", "DaskExecutor", "Design",
    "Factor", "FolderLock", "LocalExecutor", "Outcome", "Results", "RunRecord", "RunTask",
    "Spec", "Store", "SweepInterrupted", "available_cores", "connect", "count_runs",
    "default_start_method", "default_workers", "execute", "expand", "init_worker",
    "limit_threads", "load", "load_spec", "locate", "parse_spec", "perform", "run",
    "run_all", "run_seeds", "sample_design", "size", "spec_hash", "start_local_cluster",
]
