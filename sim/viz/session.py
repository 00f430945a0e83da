"""What one browser tab watches: a scenario, the user's changes on top of it, and one run,
or two on the same seed in compare mode.

Plain Python with no Solara in it, so that its rules are tested without a browser:
- the controls show the running model's effective parameters (`values()`), so a scheme
  name and its weights never disagree on screen;
- a change is checked against the declaration and applied to the running models at once,
  except the size of the firm and the seed, which wait for Reset (`pending`);
- your changes apply to both runs of a comparison; run B differs from run A only by its
  incentive scheme or by its scenario's own settings;
- the timeline (scheduled parameter changes, `sim.scenario.Event`) starts as the scenario's
  own `[[events]]` and is run A's: run B keeps its own scenario's timeline, or, compared by
  scheme, A's timeline without its changes of scheme (B keeps its scheme throughout); a
  change of the timeline restarts the runs at week 0;
- a page opens scenarios by name only: the library's, the one the server was started with,
  and files the user uploads (never a path on the server);
- a page runs firms up to `PAGE_LIMITS` and for at most `MAX_PAGE_WEEKS`, so that whoever
  reaches the server cannot exhaust it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim import scenario as scenarios
from sim.errors import InputError
from sim.incentives import SCHEME_KEYS, layer
from sim.model import WorkplaceModel
from sim.params import PARAMS, SCHEME_NAMES, SIZE_PARAMS, resolve_params
from sim.scenario import Event

__all__ = ["SIZE_PARAMS", "Comparison", "Run", "Session"]

DEFAULT_SCENARIO = "baseline"
#: The largest firm a page may run, parameter by parameter (the declaration allows more, for
#: `aligned run`). At these sizes a week of two runs takes tens of milliseconds and their
#: state tens of MB, so a classroom of pages fits on one server; a firm of 2,000 people is
#: also about as many as the Firm view can draw.
PAGE_LIMITS = {"n_employees": 2_000, "n_customers": 20_000, "market_size": 30_000}
#: The weeks a page's runs may go on (50 years): Play stops there, Step refuses to go past.
MAX_PAGE_WEEKS = 2_600
#: An uploaded scenario file may be this large (the library's largest is about 6 kB), and a
#: page may hold this many uploads.
MAX_UPLOAD_BYTES = 100_000
MAX_UPLOADS = 20
#: A page's timeline holds at most this many events.
MAX_EVENTS = 50
#: Many seeds on a page: at least enough for a 90% interval of a median, at most this many
#: (a page's batch takes one server-wide slot; see `sim.viz.seeds`).
MIN_PAGE_SEEDS = 5
MAX_PAGE_SEEDS = 100
DEFAULT_PAGE_SEEDS = 20
#: A page's batch runs at most this many weeks in all (seeds × runs × weeks: 100 seeds of ten
#: years for A and B), so its records stay under about 30 MB and its time bounded.
MAX_PAGE_RUN_WEEKS = 104_000


def page_limit_text() -> str:
    """The page limits in words, for the page and its errors."""
    sizes = ", ".join(f"{name} ≤ {limit:,}" for name, limit in PAGE_LIMITS.items())
    return (f"{sizes}; at most {MAX_PAGE_WEEKS:,} weeks ({MAX_PAGE_WEEKS // 52} years) and "
            f"{MAX_EVENTS} events; many seeds: at most {MAX_PAGE_SEEDS} seeds and "
            f"{MAX_PAGE_RUN_WEEKS:,} weeks in all")


def check_page_limits(spec: scenarios.Scenario) -> None:
    """Refuse a scenario whose firm is larger than a page may run, naming the value."""
    for name, limit in PAGE_LIMITS.items():
        value = spec.params.get(name, PARAMS[name].default)
        if value > limit:
            raise InputError(f"{spec.path or spec.name}: {name} = {value!r} is not allowed in "
                             f"the visualizer; expected at most {limit:,} (its page limits: "
                             f"{page_limit_text()})")
PREFERRED_COMPARE_SCHEMES = ("shared_value", "balanced_scorecard")  # the strategist's question


@dataclass(frozen=True)
class Comparison:
    """Run B of compare mode: the same firm under another scheme, or another scenario."""

    kind: Literal["scheme", "scenario"]
    target: str

    def __post_init__(self) -> None:
        if self.kind == "scheme" and self.target not in SCHEME_NAMES:
            raise InputError(f"compare scheme {self.target!r} is not allowed; expected one of "
                             + ", ".join(SCHEME_NAMES))
        if self.kind not in ("scheme", "scenario"):
            raise InputError(f"compare kind {self.kind!r}: expected scheme or scenario")


def without_scheme(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """A timeline without its changes of incentive scheme (names and weights)."""
    kept = []
    for event in events:
        rest = {k: v for k, v in event.set.items() if not is_scheme_key(k)}
        if rest:
            kept.append(Event(event.week, rest, event.label))
    return tuple(kept)


def is_scheme_key(name: str) -> bool:
    """Whether a parameter is part of an incentive scheme (its name or its weights)."""
    return name in SCHEME_KEYS.values() or name.startswith(("emp_w_", "mgr_w_"))


class Run:
    """One model being watched: its label, the parameters and events it was built from, and
    its data."""

    def __init__(self, label: str, params: dict[str, Any], seed: int,
                 events: tuple[Event, ...] = ()) -> None:
        self.label = label
        self.params = dict(params)
        self.seed = seed
        self.events = tuple(events)
        self.model = WorkplaceModel(seed=seed, events=self.events, **params)

    @property
    def week(self) -> int:
        """Weeks simulated so far (after the spin-up)."""
        return self.model.week

    def step(self, weeks: int = 1) -> None:
        """Simulate `weeks` more weeks."""
        for _ in range(weeks):
            self.model.step()

    def apply(self, params: dict[str, Any], touched: frozenset[str] = frozenset()
              ) -> dict[str, Any]:
        """Bring the running model to `params` (size parameters excepted); return what changed.

        Only what the new parameters change (and the parameters `touched`, set by hand) is
        applied, so a value an event has set since the start stays until the user sets it."""
        before = resolve_params(self.params, "control")
        target = resolve_params(params, "control")
        changed = {k: v for k, v in target.items()
                   if k not in SIZE_PARAMS and (before[k] != v or k in touched)
                   and self.model.p[k] != v}
        if changed:
            self.model.set_params(**changed)
        self.params = dict(params)
        return changed

    def series(self, measure: str) -> np.ndarray:
        """The weekly values of one measure so far (week 1 first)."""
        return np.asarray(self.model.datacollector.model_vars[measure], dtype=float)

    def frame(self) -> pd.DataFrame:
        """Every measure so far, one row per week (indexed by week 1..n)."""
        frame = self.model.datacollector.get_model_vars_dataframe()
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="week")
        return frame


class Session:
    """A scenario, the user's changes, the seed, the comparison and the runs built from them.

    Every method that reads or changes the runs holds `lock`, because the player steps the
    runs in its own thread while the page's event handlers change parameters.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.comparison: Comparison | None = None
        self.runs: list[Run] = []
        self.version = 0
        self.uploaded: dict[str, scenarios.Scenario] = {}
        # The scenario the server was started with (a name or a path, given by the server,
        # never by the page): besides the library, the only file a page may open.
        self.opened = scenarios.load(scenario_name)
        check_page_limits(self.opened)
        self._use(self.opened, seed)

    # --- which scenarios a page may open --------------------------------------------------
    def choices(self) -> list[str]:
        """The scenarios this page may open: the library, the one the server was started
        with, and the files uploaded on this page."""
        names = scenarios.available()
        return list(dict.fromkeys([*names, self.opened.name, *self.uploaded]))

    def scenario_named(self, name: str) -> scenarios.Scenario:
        """A scenario this page may open, by name (an upload, the server's own, or the
        library's); anything else, a path above all, is an `InputError`."""
        if name in self.uploaded:
            return self.uploaded[name]
        if name == self.opened.name:
            return self.opened
        if isinstance(name, str) and name in scenarios.available():
            spec = scenarios.load(name)
            check_page_limits(spec)
            return spec
        raise InputError(f"unknown scenario {name!r}; a page opens a scenario by name: "
                         + ", ".join(self.choices()) + ", or a scenario file you upload")

    def upload(self, filename: str, data: bytes) -> str:
        """Check a scenario file the user uploaded (like any scenario file; it may extend a
        library scenario by name, not a file) and switch to it; returns its name."""
        where = f"uploaded file {Path(str(filename)).name}"
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError(f"{where}: {len(data):,} bytes is too large; expected at most "
                             f"{MAX_UPLOAD_BYTES:,}")
        spec = scenarios.loads(scenarios.decode_utf8(data, where), where)
        if spec.name in scenarios.available() or spec.name == self.opened.name:
            raise InputError(f"{where}: name = {spec.name!r} is not allowed; a scenario of "
                             "that name is already here (give yours another name)")
        if spec.name not in self.uploaded and len(self.uploaded) >= MAX_UPLOADS:
            raise InputError(f"{where}: not added; a page may hold {MAX_UPLOADS} uploaded "
                             "scenarios (reload the page to start afresh)")
        check_page_limits(spec)
        self.uploaded[spec.name] = spec
        self._use(spec)
        return spec.name

    # --- what the user chose ---------------------------------------------------------
    def load_scenario(self, name: str, seed: int | None = None) -> None:
        """Switch to a scenario by name: its parameters and seed, no changes of the user's,
        week 0."""
        self._use(self.scenario_named(name), seed)

    def _use(self, spec: scenarios.Scenario, seed: int | None = None) -> None:
        with self.lock:
            self.scenario = spec
            self.overrides: dict[str, Any] = {}
            self.seed = spec.seed if seed is None else self._check_seed(seed)
            self.pending: dict[str, Any] = {}
            self.events: tuple[Event, ...] = tuple(spec.events)
            if self.comparison is not None and self.comparison.kind == "scenario":
                self.comparison = Comparison("scenario", self.default_compare_target())
            self.reset()

    def default_compare_target(self) -> str:
        """The scenario this one is best compared with (its `compare_with`, else baseline)."""
        names = self.choices()
        for candidate in (self.scenario.compare_with, DEFAULT_SCENARIO):
            if candidate and candidate in names and candidate != self.scenario.name:
                return candidate
        others = [n for n in names if n != self.scenario.name]
        return others[0] if others else self.scenario.name

    def default_compare_scheme(self) -> str:
        """The scheme run B gets when comparing schemes: shared value, unless A has it."""
        current = self.runs[0].model.p["employee_scheme"] if self.runs else None
        return next(n for n in (*PREFERRED_COMPARE_SCHEMES, *SCHEME_NAMES) if n != current)

    def set_param(self, name: str, value: Any) -> None:
        """Change one parameter (checked against its declaration); raises `InputError`."""
        if name not in PARAMS:
            raise InputError(f"control: unknown parameter {name!r}")
        value = PARAMS[name].check(value, "control")
        if name in PAGE_LIMITS and value > PAGE_LIMITS[name]:
            raise InputError(f"control: {name} = {value!r} is not allowed here; expected at "
                             f"most {PAGE_LIMITS[name]:,} in the visualizer (`aligned run` "
                             f"takes up to {PARAMS[name].high:,g})")
        with self.lock:
            self.overrides = layer(self.overrides, {name: value})
            if name in SIZE_PARAMS:
                if self.runs and self.runs[0].model.p[name] == value:
                    self.pending.pop(name, None)
                else:
                    self.pending[name] = value
                return
            for run, params in zip(self.runs, self.run_params(), strict=True):
                run.apply(params, frozenset({name}))

    def undo_changes(self) -> None:
        """Back to the scenario's own parameters and timeline (same seed and comparison), at
        week 0."""
        with self.lock:
            self.overrides.clear()
            self.events = tuple(self.scenario.events)
            self.pending.pop("seed", None)
            self.reset()

    # --- the timeline --------------------------------------------------------------------
    def set_events(self, events: Any) -> None:
        """Replace run A's timeline (events, or tables as a scenario file holds them, checked
        as its are) and restart the runs at week 0."""
        from sim.scenario import check_event, sort_events

        checked = [check_event("timeline", e.as_dict() if isinstance(e, Event) else e,
                               f"events[{i}]") for i, e in enumerate(events)]
        if len(checked) > MAX_EVENTS:
            raise InputError(f"timeline: {len(checked)} events is not allowed here; expected "
                             f"at most {MAX_EVENTS}")
        for event in checked:
            if event.week > MAX_PAGE_WEEKS:
                raise InputError(f"timeline: week = {event.week:,} is not allowed here; "
                                 f"expected at most {MAX_PAGE_WEEKS:,} (a page runs "
                                 f"{MAX_PAGE_WEEKS // 52} years)")
        with self.lock:
            self.events = sort_events(checked)
            self.reset()

    def add_event(self, event: Any) -> None:
        """Add an event to the timeline (restarts the runs)."""
        self.set_events([*self.events, event])

    def replace_event(self, index: int, event: Any) -> None:
        """Replace the event at `index` of the timeline (restarts the runs)."""
        events = list(self.events)
        events[self._event_index(index)] = event
        self.set_events(events)

    def remove_event(self, index: int) -> None:
        """Remove the event at `index` of the timeline (restarts the runs)."""
        events = list(self.events)
        del events[self._event_index(index)]
        self.set_events(events)

    def _event_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int) or not (
                0 <= index < len(self.events)):
            raise InputError(f"timeline: event {index!r} does not exist; the timeline has "
                             f"{len(self.events)}")
        return index

    def timeline_changed(self) -> bool:
        """Whether the timeline differs from the scenario's own."""
        return self.events != tuple(self.scenario.events)

    def run_events(self) -> list[tuple[Event, ...]]:
        """The events of each run: A's timeline, then B's (its scenario's own; compared by
        scheme, A's without its changes of scheme)."""
        if self.comparison is None:
            return [self.events]
        if self.comparison.kind == "scheme":
            return [self.events, without_scheme(self.events)]
        return [self.events, tuple(self.scenario_named(self.comparison.target).events)]

    def set_seed(self, seed: int) -> None:
        """Choose the seed of the next Reset."""
        seed = self._check_seed(seed)
        with self.lock:
            if seed == self.seed:
                self.pending.pop("seed", None)
            else:
                self.pending["seed"] = seed

    def set_comparison(self, comparison: Comparison | None) -> None:
        """Turn compare mode on (or off); both runs restart from week 0 on the same seed."""
        if comparison is not None and comparison.kind == "scenario":
            self.scenario_named(comparison.target)
        with self.lock:
            self.comparison = comparison
            self.reset()

    @staticmethod
    def _check_seed(seed: Any) -> int:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError(f"seed = {seed!r} is not allowed; expected an integer ≥ 0")
        return seed

    # --- the runs --------------------------------------------------------------------
    def run_params(self) -> list[dict[str, Any]]:
        """The parameter overrides each run is built from: A, then B in compare mode."""
        first = layer(self.scenario.params, self.overrides)
        if self.comparison is None:
            return [first]
        if self.comparison.kind == "scheme":
            second = {k: v for k, v in first.items() if not is_scheme_key(k)}
            second.update(employee_scheme=self.comparison.target,
                          manager_scheme=self.comparison.target)
        else:
            second = layer(self.scenario_named(self.comparison.target).params, self.overrides)
        return [first, second]

    def labels(self) -> list[str]:
        """Run names for legends and files."""
        if self.comparison is None:
            return [self.scenario.name]
        second = self.comparison.target
        if self.comparison.kind == "scheme":
            second = f"{second} scheme"
        return [f"A · {self.scenario.name}", f"B · {second}"]

    def reset(self) -> None:
        """Rebuild the runs at week 0 with the current parameters and the chosen seed."""
        with self.lock:
            self.seed = self.pending.pop("seed", self.seed)
            self.pending.clear()
            self.runs = [Run(label, params, self.seed, events) for label, params, events in
                         zip(self.labels(), self.run_params(), self.run_events(), strict=True)]
            self.version += 1

    def step(self, weeks: int = 1) -> None:
        """Advance every run by `weeks` weeks (not past `MAX_PAGE_WEEKS`)."""
        with self.lock:
            if self.week + weeks > MAX_PAGE_WEEKS:
                raise InputError(f"week {self.week + weeks:,} is not allowed here; a page runs "
                                 f"at most {MAX_PAGE_WEEKS:,} weeks ({MAX_PAGE_WEEKS // 52} "
                                 "years): Reset to start again")
            for run in self.runs:
                run.step(weeks)

    # --- what the page shows ----------------------------------------------------------
    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.runs[0].week

    @property
    def horizon(self) -> int:
        """The scenario's length in weeks (where Play stops), within the page's limit."""
        return min(self.scenario.steps, MAX_PAGE_WEEKS)

    def values(self) -> dict[str, Any]:
        """Each control's value: what run A uses now, or what waits for Reset."""
        with self.lock:
            return {**self.runs[0].model.p, **{k: v for k, v in self.pending.items()
                                               if k != "seed"}}

    def changes(self) -> dict[str, Any]:
        """The user's changes that differ from the scenario's own values (what the timeline
        has changed since the start is not the user's)."""
        values = resolve_params(self.scenario.params, "scenario")
        mine = resolve_params(layer(self.scenario.params, self.overrides), "control")
        return {k: v for k, v in mine.items() if values[k] != v}

    def pending_reset(self) -> list[str]:
        """Names of the changes that wait for Reset."""
        return sorted(self.pending)
