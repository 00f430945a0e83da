"""Many seeds from a page: the page's set-up run over many seeds in the background.

A `SeedJob` runs a `sim.viz.setup.Setup` on the batch engine (`sim.paired.run`, which goes
through `sim.study`) in a thread of its own, so the page and its live run stay responsive;
it reports its progress after each finished run and stops at once on Cancel (its worker
processes are ended). A batch uses the workers of the project's policy for a batch started
from the visualizer (`sim.study.workers.background_workers`: every core but one), and a
server runs one page's batch at a time (`SLOT`): a page whose batch waits says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from sim import paired
from sim.errors import InputError
from sim.study.workers import background_workers
from sim.viz.setup import Setup

#: One batch at a time on this server: each uses every core but one.
SLOT = threading.Lock()
WAIT_POLL_SECONDS = 0.2
WAITING, RUNNING, DONE, CANCELLED, FAILED = "waiting", "running", "done", "cancelled", "failed"


class SeedJob:
    """One batch of many seeds: its set-up, state, progress and, at the end, its results."""

    def __init__(self, setup: Setup, columns: Iterable[str],
                 on_change: Callable[[SeedJob], None] | None = None,
                 alive: Callable[[], bool] | None = None, workers: int | None = None) -> None:
        self.setup = setup
        self.columns = tuple(columns)
        self.on_change = on_change
        self.alive = alive or (lambda: True)
        self.workers = workers
        self.state = WAITING
        self.done = 0
        self.total = setup.plan().runs
        self.results: paired.Results | None = None
        self.error = ""
        self.started = time.monotonic()
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="aligned-seeds", daemon=True)

    @property
    def active(self) -> bool:
        """Waiting for the server's slot or running."""
        return self.state in (WAITING, RUNNING)

    def start(self) -> SeedJob:
        """Start in the background."""
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop as soon as possible (the workers are ended; nothing is kept)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended; False on timeout."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def text(self) -> str:
        """The state in words, for the progress line."""
        elapsed = f"{self.seconds if not self.active else time.monotonic() - self.started:.0f} s"
        seeds = len(self.setup.seeds)
        return {
            WAITING: "waiting for another page's seeds to finish",
            RUNNING: f"{self.done} of {self.total} runs · {elapsed}",
            DONE: f"{seeds} seeds ({self.total} runs) in {elapsed}",
            CANCELLED: f"cancelled after {self.done} of {self.total} runs",
            FAILED: f"failed: {self.error}",
        }[self.state]

    def _tell(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self._tell()

    def _work(self) -> None:
        try:
            while not SLOT.acquire(timeout=WAIT_POLL_SECONDS):
                if self._stop.is_set() or not self.alive():
                    self.state = CANCELLED
                    return
            try:
                if self._stop.is_set() or not self.alive():
                    self.state = CANCELLED
                    return
                self.state = RUNNING
                self.started = time.monotonic()
                self._tell()
                workers = self.workers or background_workers()
                self.results = paired.run(self.setup.plan(), self.columns, workers,
                                          self._progress, self._stop)
            finally:
                SLOT.release()
            self.state = DONE if self.results is not None else CANCELLED
        except InputError as exc:
            self.state, self.error = FAILED, str(exc)
        except Exception as exc:  # shown on the page; the thread must not die silently
            self.state, self.error = FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            self.seconds = time.monotonic() - self.started
            self._tell()
