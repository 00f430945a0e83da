"""Where runs run: a local process pool or a Dask cluster, with one policy for both.

- Workers: `--workers N`, else ALIGNED_WORKERS, else every core this process may use.
- One BLAS/OpenMP thread per worker (threadpoolctl): the pool is the parallelism.
- Workers die with their parent, even when it is killed with SIGKILL (Linux's
  parent-death signal), and leave Ctrl-C to it.
- A worker that dies (killed, out of memory) is noticed: the runs it may have been running
  are retried once, each alone on a fresh pool, and only a run that kills its worker again
  comes back as `Died`; runs that had not started are started again, never failed.
- Progress bars (tqdm) go to stderr.

An executor's `map(fn, items)` yields batches of `(index, result)` as items finish, in
any order; results do not depend on the executor or the number of workers, because every
item carries its own seed. Given a `stop` event, `map` raises `Cancelled` soon after it is
set (from another thread: a page's Cancel button) and stops its workers.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.study import workers as policy
from sim.study.workers import default_workers

#: Modules a forkserver imports once, so that its workers start with them loaded.
PRELOAD = ["sim.study.task", "sim.runner"]
#: The error of a run whose worker process died on it twice.
DIED_ERROR = ("WorkerDied: the worker process died running this run, twice (killed, or out of "
              "memory)")
#: States of an item in the shared table the workers write: queued, running, finished.
QUEUED, RUNNING, FINISHED = 0, 1, 2
#: How often a batch that can be stopped looks at its `stop` event while runs go on.
STOP_POLL_SECONDS = 0.2

Batches = Iterator[list[tuple[int, Any]]]


@dataclass(frozen=True)
class Died:
    """The result of an item whose worker process died running it, twice."""

    error: str


class Cancelled(Exception):
    """The batch was asked to stop (its `stop` event was set); its workers are stopped and
    the items it had not finished have not run."""


class ExecutorError(RuntimeError):
    """The executor itself failed (a pool that cannot start, a cluster that went away);
    the items it had not finished have not run."""


def _tracked(fn: Callable[[Any], Any], index: int, item: Any) -> Any:
    """Run one item, marking it running and then finished in the shared table, so that
    the parent knows which items a worker that died may have been running."""
    state = policy.STATE
    if state is not None:
        state[index] = RUNNING
    result = fn(item)
    if state is not None:
        state[index] = FINISHED
    return result


def default_start_method() -> str:
    """Fork (fast: the package is already imported) unless other Python threads run, which
    could hold locks the child inherits; then a forkserver (about 2 s more to start)."""
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def progress_bar(total: int, desc: str, enabled: bool = True) -> Any:
    """A tqdm bar on stderr (updated at most every 10 s when stderr is not a terminal),
    or None when disabled or there is nothing to count."""
    if not enabled or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc=desc, file=sys.stderr, dynamic_ncols=True,
                smoothing=0.1, mininterval=0.5 if sys.stderr.isatty() else 10.0)


# --- the local pool -----------------------------------------------------------------------
class LocalExecutor:
    """A process pool on this machine that notices dead workers and retries their runs."""

    name = "local"

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        self.workers = default_workers(workers)
        self.start_method = start_method or default_start_method()

    def map(self, fn: Callable[[Any], Any], items: list[Any],
            stop: threading.Event | None = None) -> Batches:
        """Run `fn` on every item; yield `(index, result)` batches as they finish (raise
        `Cancelled` once `stop` is set)."""
        context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            context.set_forkserver_preload(PRELOAD)
        state = context.RawArray("b", max(len(items), 1))
        todo = list(range(len(items)))
        barren = 0  # rounds in a row in which a pool broke before anything finished
        while todo:
            before = self._finished
            suspects, rest = yield from self._round(fn, items, todo, self.workers, context,
                                                    state, stop)
            for index in suspects:  # each alone, so that a death is its own
                again, unstarted = yield from self._round(fn, items, [index], 1, context,
                                                          state, stop)
                if again:
                    self._finished += 1
                    yield [(index, Died(DIED_ERROR))]
                rest.extend(unstarted)
            barren = 0 if self._finished > before else barren + 1
            if barren >= 2:
                raise ExecutorError("the process pool broke twice before running anything")
            todo = sorted(rest)

    _finished = 0

    def _round(self, fn: Callable[[Any], Any], items: list[Any], indices: list[int],
               workers: int, context: Any, state: Any, stop: threading.Event | None = None
               ) -> Iterator[list[tuple[int, Any]]]:
        """One pool over `indices`; returns (items that were running when a worker died,
        items that had not started or whose result was lost) — both empty if none died."""
        if stop is not None and stop.is_set():
            raise Cancelled
        for index in indices:
            state[index] = QUEUED
        parent = os.getpid() if self.start_method == "fork" else None
        pool = ProcessPoolExecutor(min(workers, len(indices)), mp_context=context,
                                   initializer=policy.init_worker, initargs=(parent, state))
        lost: list[int] = []
        pending: dict[Any, int] = {}
        try:
            with warnings.catch_warnings():
                # Forking is chosen only when no other Python thread runs (see
                # default_start_method); CPython also counts BLAS's idle native threads,
                # which re-initialize in the child through their atfork handlers.
                warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                        DeprecationWarning)
                pending = {pool.submit(_tracked, fn, i, items[i]): i for i in indices}
            while pending and not lost:
                done, _ = wait(pending, timeout=None if stop is None else STOP_POLL_SECONDS,
                               return_when=FIRST_COMPLETED)
                if stop is not None and stop.is_set():
                    raise Cancelled  # the pool is stopped on the way out
                batch = []
                for future in done:
                    index = pending.pop(future)
                    try:
                        batch.append((index, future.result()))
                    except BrokenProcessPool:  # a worker died (killed, out of memory)
                        lost.append(index)
                if lost:  # keep what finished before the pool broke
                    for future, index in list(pending.items()):
                        if future.done() and not future.cancelled() and not future.exception():
                            batch.append((index, future.result()))
                            del pending[future]
                if batch:
                    self._finished += len(batch)
                    yield batch
        finally:
            _stop_pool(pool)
        if not lost:
            return [], []
        lost.extend(pending.values())
        suspects = [i for i in lost if state[i] == RUNNING]
        return suspects, [i for i in lost if state[i] != RUNNING]


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: cancel what is queued and end its worker processes.

    The workers are taken before the pool is shut down: `shutdown` forgets them, and a
    worker left alone goes on with the runs it was sent, for minutes after a cancel."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()  # cancels what is queued, then ends the workers it took first
    else:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
    pool.shutdown(wait=True)  # join the pool's threads before anything forks again


# --- Dask --------------------------------------------------------------------------------
#: Dask settings of a cluster this package starts: the nanny's MALLOC_TRIM_THRESHOLD_ made
#: the model's NumPy work about 1.7× slower, so it is left unset; a run whose worker dies
#: is retried once (then KilledWorker); no HTTP routes (no dashboard, no metrics).
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.daemon": False,
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.http.routes": [],
    "distributed.worker.http.routes": [],
}


def start_local_cluster(workers: int, directory: Path | None = None) -> Any:
    """A Dask LocalCluster of single-threaded worker processes on the loopback interface,
    scratch inside the project, and nothing listening but the cluster's own connections.

    Dask's scheduler and workers always start an HTTP server (`dashboard_address=None`
    only turns off the Bokeh pages: the server still listens, on port 8787 by default);
    here it gets no routes and a free loopback port, and is stopped once the cluster is up.
    """
    import dask
    from distributed import Client, LocalCluster

    from sim.study.dask_worker import DieWithParent

    directory = directory or Path(".scratch") / "dask"
    directory.mkdir(parents=True, exist_ok=True)
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            local_directory=str(directory), dashboard_address=None,
            worker_dashboard_address=None, silence_logs=logging.ERROR,
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})
    try:
        cluster.sync(_stop_http, cluster.scheduler)
        with Client(cluster) as client:
            client.run(_stop_worker_http)
            client.register_plugin(DieWithParent())
    except BaseException:
        cluster.close()
        raise
    return cluster


async def _stop_http(server: Any) -> None:
    """Stop a Dask server's HTTP listener (on its own event loop)."""
    server.http_server.stop()
    server.services.pop("dashboard", None)


def _stop_worker_http(dask_worker: Any) -> None:
    dask_worker.http_server.stop()
    dask_worker.services.pop("dashboard", None)


def connect(scheduler: str) -> Any:
    """A Dask client of an existing cluster whose workers can import this package."""
    from distributed import Client

    from sim.files import package_version

    try:
        client = Client(scheduler, timeout="15s")
    except OSError as exc:
        raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        versions = set(client.run(package_version).values())
    except Exception as exc:
        client.close()
        raise InputError(f"--scheduler {scheduler}: the workers cannot run Aligned ({exc}); "
                         "install this package on every worker") from None
    if not versions:
        client.close()
        raise InputError(f"--scheduler {scheduler}: the cluster has no workers")
    if versions != {package_version()}:
        print(f"aligned: warning: workers run aligned {', '.join(sorted(versions))}, "
              f"this process {package_version()}", file=sys.stderr)
    return client


class DaskExecutor:
    """A Dask cluster: a LocalCluster it starts, the cluster at `scheduler`, or `client`'s."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 client: Any = None) -> None:
        from distributed import Client

        self._owned: list[Any] = []
        if client is None and scheduler:
            client = connect(scheduler)
            self._owned.append(client)
        elif client is None:
            cluster = start_local_cluster(default_workers(workers))
            client = Client(cluster)
            self._owned.extend([client, cluster])
        self.client = client
        self.workers = len(client.scheduler_info(n_workers=-1)["workers"]) or default_workers(
            workers)

    def map(self, fn: Callable[[Any], Any], items: list[Any],
            stop: threading.Event | None = None) -> Batches:
        """Run `fn` on every item; yield `(index, result)` batches as they finish (raise
        `Cancelled` at the first batch after `stop` is set)."""
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        tag = uuid.uuid4().hex[:12]
        keys = [f"aligned-{tag}-{i}" for i in range(len(items))]
        futures = self.client.map(fn, items, key=keys, pure=False)
        index = {key: i for i, key in enumerate(keys)}
        try:
            for chunk in as_completed(futures, with_results=False).batches():
                batch = []
                for future in chunk:
                    if future.status == "finished":
                        batch.append((index[future.key], future.result()))
                    else:
                        error = future.exception()
                        if not isinstance(error, KilledWorker):
                            raise ExecutorError(f"the Dask cluster failed: "
                                                f"{type(error).__name__}: {error}")
                        batch.append((index[future.key], Died(DIED_ERROR)))
                    future.release()
                if stop is not None and stop.is_set():
                    raise Cancelled
                yield batch
        finally:
            with contextlib.suppress(Exception):
                self.client.cancel(futures)

    def close(self) -> None:
        """Close the client and cluster this executor started."""
        for thing in self._owned:
            with contextlib.suppress(Exception):
                thing.close()
        self._owned.clear()


def make_executor(executor: str = "local", workers: int | None = None,
                  scheduler: str | None = None, client: Any = None,
                  start_method: str | None = None) -> LocalExecutor | DaskExecutor:
    """The executor the options name ("local" or "dask"; a scheduler or client is Dask)."""
    if executor not in ("local", "dask"):
        raise InputError(f"--executor {executor}: expected local or dask")
    if executor == "dask" or scheduler or client is not None:
        return DaskExecutor(workers, scheduler, client)
    return LocalExecutor(workers, start_method)


# --- many runs of a function ---------------------------------------------------------------
def run_all(fn: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None,
            progress: bool = False, desc: str = "runs") -> list[Any]:
    """`fn` over every item on the local pool, results in the items' order (for studies
    that read the model while it runs: validation, scans). A worker that dies twice on an
    item is an error."""
    items = list(items)
    results: list[Any] = [None] * len(items)
    if not items:
        return results
    executor = LocalExecutor(min(default_workers(workers), len(items)))
    bar = progress_bar(len(items), desc, progress)
    try:
        for batch in executor.map(fn, items):
            for index, result in batch:
                if isinstance(result, Died):
                    raise ExecutorError(f"{desc}: item {index}: {result.error}")
                results[index] = result
            if bar is not None:
                bar.update(len(batch))
    finally:
        if bar is not None:
            bar.close()
    return results
