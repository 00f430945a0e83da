"""The worker policy, one for every executor: how many workers (a command: every core; a
batch started from the visualizer: every core but one), one BLAS/OpenMP thread
each, and how a worker process starts (it dies with its parent and leaves Ctrl-C to it).

This module imports nothing heavy: every worker process, and every run, goes through it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

from sim.errors import InputError

WORKERS_ENV = "ALIGNED_WORKERS"
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def default_workers(workers: int | None = None) -> int:
    """Worker processes: `workers` if given, else ALIGNED_WORKERS, else every core."""
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InputError(f"--workers {workers}: expected an integer ≥ 1")
        return workers
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise InputError(f"{WORKERS_ENV}={text}: expected an integer ≥ 1")
        return value
    return available_cores()


def background_workers() -> int:
    """Workers of a batch started from the visualizer, which shares the machine with the
    page it serves (its live run, its redraws): ALIGNED_WORKERS if set, else every core but
    one, at least one."""
    if os.environ.get(WORKERS_ENV, "").strip():
        return default_workers()
    return max(available_cores() - 1, 1)


_THREADS_LIMITED = False


def limit_threads() -> None:
    """One BLAS/OpenMP thread in this (worker) process: the pool provides the parallelism."""
    global _THREADS_LIMITED
    if _THREADS_LIMITED:
        return
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    _THREADS_LIMITED = True


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to kill this worker when its parent dies, even by SIGKILL, so a killed
    batch leaves no worker behind (a forkserver's children die with the forkserver, which
    ends with its parent)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the request took effect


#: This worker's view of the parent's shared table of item states (local pool only).
STATE: Any = None


def init_worker(parent: int | None = None, state: Any = None) -> None:
    """Worker start-up: leave Ctrl-C to the parent, end at once on SIGTERM (a forked worker
    would inherit the parent's handler, which turns it into an interrupt), die with the
    parent, one BLAS thread."""
    global STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    limit_threads()
    STATE = state
