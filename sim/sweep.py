"""Experiment sweeps (`aligned sweep`): the names this module always had, now served by
the batch engine in `sim.study` (spec, design, executors, store, orchestration).

    >>> from sim import sweep
    >>> runs = sweep.run("scheme_comparison", out="results/scheme_comparison")  # doctest: +SKIP
    >>> saved = sweep.load("results/scheme_comparison")  # .runs, .timeseries, .meta, .spec
"""

from sim.study import (
    CRASH_ENV,
    EXPERIMENT_DIR,
    FAIL_ENV,
    METADATA_KEY,
    Design,
    Factor,
    Outcome,
    Results,
    Spec,
    Store,
    SweepInterrupted,
    available_cores,
    connect,
    default_start_method,
    execute,
    expand,
    limit_threads,
    load,
    load_spec,
    locate,
    parse_spec,
    run,
    run_seeds,
    sample_design,
    spec_hash,
    start_local_cluster,
)

__all__ = [
    "CRASH_ENV", "EXPERIMENT_DIR", "FAIL_ENV", "METADATA_KEY", "Design", "Factor", "Outcome",
    "Results", "Spec", "Store", "SweepInterrupted", "available_cores", "connect",
    "default_start_method", "execute", "expand", "limit_threads", "load", "load_spec",
    "locate", "parse_spec", "run", "run_seeds", "sample_design", "spec_hash",
    "start_local_cluster",
]
