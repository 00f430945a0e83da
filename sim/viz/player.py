"""Play: step a session's runs in a background thread and draw one frame per batch of weeks.

A frame is drawn at most every `MIN_FRAME_SECONDS` and carries as many weeks as the chosen
speed (weeks per second) owes since the last frame, so the model runs at the chosen speed
while the browser redraws at the pace it can. After sending a frame the player waits until
the browser reports it drawn (`wait_drawn`) before it sends the next: the page never falls
behind a queue of redraws, and Pause answers at once. (Drawing every week on a timer froze
the page on a 2-core machine: redraws queued faster than the browser could paint them.)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sim.viz.session import Session

MIN_FRAME_SECONDS = 0.3
MAX_WEEKS_PER_FRAME = 52
DRAW_TIMEOUT_SECONDS = 3.0  # a hidden tab never reports drawing; go on after this
SPEEDS = (1, 2, 5, 10, 20, 52)  # weeks per second offered on the page
DEFAULT_SPEED = 10
STATS_WINDOW = 12  # frames the reported speed is averaged over


@dataclass(frozen=True)
class Frame:
    """What one frame cost: weeks stepped, seconds in the model, drawing and in total."""

    weeks: int
    model_seconds: float
    draw_seconds: float
    seconds: float


class Player:
    """Plays a `Session` until paused or until the horizon; `draw()` sends one frame."""

    def __init__(self, session: Session, draw: Callable[[], None],
                 wait_drawn: Callable[[float], bool] | None = None,
                 on_stop: Callable[[], None] | None = None,
                 alive: Callable[[], bool] | None = None) -> None:
        self.session = session
        self.draw = draw
        self.wait_drawn = wait_drawn
        self.on_stop = on_stop
        self.alive = alive or (lambda: True)
        self.speed: float = DEFAULT_SPEED
        self.frames: deque[Frame] = deque(maxlen=STATS_WINDOW)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def playing(self) -> bool:
        """Whether the play thread is running and has not been asked to stop."""
        return (self._thread is not None and self._thread.is_alive()
                and not self._stop.is_set())

    def play(self, until: int | None = None) -> None:
        """Start playing (no-op if already playing); stop by itself at week `until`."""
        if self.playing:
            return
        self._stop = threading.Event()  # a thread still finishing its last frame keeps its own
        self.frames.clear()
        self.error = None
        self._thread = threading.Thread(target=self._loop, args=(until, self._stop),
                                        name="aligned-play", daemon=True)
        self._thread.start()

    def pause(self, wait: bool = True) -> None:
        """Stop playing after the current frame."""
        self._stop.set()
        thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(DRAW_TIMEOUT_SECONDS + 2.0)

    def _loop(self, until: int | None, stop: threading.Event) -> None:
        owed = 0.0
        last = time.perf_counter() - MIN_FRAME_SECONDS
        try:
            while not stop.is_set() and self.alive():
                start = time.perf_counter()
                owed = min(owed + self.speed * (start - last), MAX_WEEKS_PER_FRAME)
                last = start
                weeks = max(1, int(owed))
                if until is not None:
                    weeks = min(weeks, until - self.session.week)
                    if weeks <= 0:
                        break
                owed -= weeks
                self.session.step(weeks)
                stepped = time.perf_counter()
                self.draw()
                drawn = time.perf_counter()
                if self.wait_drawn is not None:
                    self.wait_drawn(DRAW_TIMEOUT_SECONDS)
                rest = MIN_FRAME_SECONDS - (time.perf_counter() - start)
                if rest > 0:
                    stop.wait(rest)
                self.frames.append(Frame(weeks, stepped - start, drawn - stepped,
                                         time.perf_counter() - start))
        except BaseException as exc:  # shown on the page; the thread must not die silently
            self.error = exc
        finally:
            stop.set()
            if self.on_stop is not None and stop is self._stop:
                self.on_stop()

    def weeks_per_second(self) -> float:
        """Weeks simulated per second of wall time over the last frames."""
        seconds = sum(f.seconds for f in self.frames)
        return sum(f.weeks for f in self.frames) / seconds if seconds else 0.0

    def model_ms_per_week(self) -> float:
        """Milliseconds of model time per simulated week (all runs) over the last frames."""
        weeks = sum(f.weeks for f in self.frames)
        return 1000 * sum(f.model_seconds for f in self.frames) / weeks if weeks else 0.0

    def draw_ms_per_frame(self) -> float:
        """Milliseconds to update the visible charts, per frame, over the last frames."""
        n = len(self.frames)
        return 1000 * sum(f.draw_seconds for f in self.frames) / n if n else 0.0
