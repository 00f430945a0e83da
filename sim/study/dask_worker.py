"""What a Dask worker of a cluster this package starts does on start-up (a worker plugin:
it is pickled to the workers, so it lives in a module of its own that imports Dask)."""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin

from sim.study.workers import die_with_parent, limit_threads


class DieWithParent(WorkerPlugin):
    """The worker process dies with the process that started it, with one BLAS thread."""

    name = "aligned-die-with-parent"

    def setup(self, worker: Any) -> None:
        """Set the parent-death signal and the thread limit in the worker process."""
        die_with_parent()
        limit_threads()
