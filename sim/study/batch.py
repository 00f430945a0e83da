"""The loop every batch of runs goes through: tasks to an executor, records back as they
finish, handed to whoever keeps them (a results folder, or memory), with a progress bar.

Ctrl-C and SIGTERM stop a batch the same way: the records already handed over are kept,
the workers are stopped, and the batch reports itself interrupted; so does a `stop` event
set from another thread (a page's Cancel), within a fraction of a second. A run whose
worker died twice comes back as a failed record; an executor that fails leaves its
unfinished runs not run (never failed).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.study.executors import Cancelled, Died, ExecutorError, progress_bar
from sim.study.task import RunRecord, RunTask, failed, perform


@dataclass
class BatchStats:
    """What a batch did: runs finished and failed, their model and CPU time, and why it
    stopped early, if it did."""

    ran: int = 0
    failed: int = 0
    model_s: float = 0.0
    cpu_s: float = 0.0
    interrupted: bool = False
    error: str | None = None

    def add(self, records: list[RunRecord]) -> None:
        """Count a batch of records."""
        self.ran += len(records)
        self.failed += sum(r.status == "failed" for r in records)
        self.model_s += sum(r.elapsed_s for r in records)
        self.cpu_s += sum(r.cpu_s for r in records)


def run_batch(tasks: list[RunTask], executor: Any, keep: Callable[[list[RunRecord]], None],
              progress: bool = False, desc: str = "runs",
              stop: threading.Event | None = None) -> BatchStats:
    """Run the tasks on the executor and hand each batch of records to `keep` as it
    finishes; returns the counts (interrupted — by Ctrl-C, SIGTERM or `stop` — or stopped
    by an executor error included)."""
    stats = BatchStats()
    if not tasks:
        return stats
    bar = progress_bar(len(tasks), desc, progress)
    previous = _terminate_as_interrupt()
    batches = None
    try:
        batches = executor.map(perform, tasks, stop=stop)
        for batch in batches:
            records = [result if isinstance(result, RunRecord) else
                       failed(tasks[index], result.error if isinstance(result, Died)
                              else repr(result))
                       for index, result in batch]
            keep(records)
            stats.add(records)
            if bar is not None:
                bar.update(len(records))
                if stats.failed:
                    bar.set_postfix(failed=stats.failed, refresh=False)
    except (KeyboardInterrupt, Cancelled):
        stats.interrupted = True
    except ExecutorError as exc:
        stats.error = str(exc)
    finally:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, previous)
        if bar is not None:
            bar.close()
        if batches is not None:
            with contextlib.suppress(Exception):
                batches.close()
    return stats


def _terminate_as_interrupt() -> Any:
    """Let SIGTERM stop a batch the way Ctrl-C does (finished runs are kept)."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return signal.getsignal(signal.SIGTERM)
