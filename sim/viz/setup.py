"""A page's set-up as a scenario file and as a link, and back.

- **Save as scenario**: run A (or B) as a scenario file that `aligned run FILE` accepts
  unchanged and the page opens again: it `extends` the library scenario the page started
  from, with only the parameters that differ from it and the events of the timeline. Each
  file is checked before it is offered: read back, it gives exactly the parameters and the
  events the page runs.
- **Links**: the page's address carries the scenario, the changed parameters, the seed,
  the comparison and, when it differs from the scenario's, the timeline
  (`?scenario=efficiency_kpi&meeting_hours=4&seed=3`); a link opens the same set-up. Bad
  values in an address are reported, one line each, and ignored. An address never carries
  the access token (`aligned viz --token`): the page drops it from its own address, and a
  link is built from the set-up alone.

A file's `[params]` are laid over the scenario it extends as they are (a plain merge),
while a page lays changes over its scenario as a person does, where naming a scheme drops
the weights set before (`sim.incentives.layer`); each writer checks its own rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import tomli_w

from sim import scenario as scenarios
from sim.errors import InputError
from sim.incentives import PRESETS, layer
from sim.paired import Plan, RunSet
from sim.params import PARAMS, resolve_params
from sim.scenario import Event, Scenario
from sim.viz.session import (
    DEFAULT_PAGE_SEEDS,
    MAX_PAGE_RUN_WEEKS,
    MAX_PAGE_SEEDS,
    MIN_PAGE_SEEDS,
    Comparison,
    Session,
    is_scheme_key,
)

#: Keys of a link besides parameter names (a parameter of an event: `week156.NAME`).
LINK_KEYS = ("scenario", "seed", "compare", "compare_scheme", "events", "seeds")
#: Query keys the page ignores without a word: the server's access token, never repeated.
SILENT_KEYS = ("token",)
EVENT_KEY = re.compile(r"week(\d+)\.([A-Za-z_][A-Za-z0-9_]*)")
NO_EVENTS = "none"  # `events=none`: a timeline emptied of the scenario's events
SAVED_SUFFIX = "_saved"
#: Parameters a scheme preset sets besides its weights (tried first when trimming a file).
_PRESET_POLICIES = frozenset(k for preset in PRESETS.values() for k in preset["policies"])


# --- the fewest parameters -------------------------------------------------------------------
def _trim(start: dict[str, Any], gives: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Drop, one at a time, each key whose absence still `gives` the same parameters
    (weights and the policies a scheme implies first, so the scheme's name stays)."""
    own = dict(start)
    order = sorted(own, key=lambda k: (0 if k.startswith(("emp_w_", "mgr_w_")) else
                                       1 if k in _PRESET_POLICIES else 2, k))
    for key in order:
        trial = {k: v for k, v in own.items() if k != key}
        if gives(trial):
            own = trial
    return own


def file_params(parent: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The fewest `[params]` that, merged over a parent scenario's parameters as a file's
    are, resolve to `desired` (every parameter's value)."""
    base = resolve_params(parent, "scenario")
    start = {k: v for k, v in desired.items() if base[k] != v}

    def gives(own: dict[str, Any]) -> bool:
        return resolve_params({**parent, **own}, "scenario") == desired

    if not gives(start):  # cannot happen: every differing value is stated
        raise AssertionError("a saved scenario would not give the page's parameters")
    return _trim(start, gives)


def page_changes(scenario_params: dict[str, Any], overrides: dict[str, Any]
                 ) -> dict[str, Any]:
    """The fewest of a page's changes (in order) that, set one after another over the
    scenario, give the same parameters: what a link carries."""
    desired = resolve_params(layer(scenario_params, overrides), "control")

    def gives(changes: dict[str, Any]) -> bool:
        values = dict(scenario_params)
        for key, value in changes.items():
            values = layer(values, {key: value})
        return resolve_params(values, "control") == desired

    trimmed = _trim(overrides, gives)
    return {k: v for k, v in overrides.items() if k in trimmed}  # the user's order


# --- scenario files --------------------------------------------------------------------------
def is_library(spec: Scenario) -> bool:
    """Whether a scenario is the library's file of its name (what `extends` can name)."""
    if spec.name not in scenarios.available() or spec.path is None:
        return False
    try:
        return spec.path.resolve() == scenarios.locate(spec.name).resolve()
    except (InputError, OSError):
        return False


def _library_chain(spec: Scenario) -> Iterator[tuple[str | None, Scenario | None]]:
    """The library scenarios a saved file may extend, nearest first (the scenario itself,
    then those it extends), and last None: no `extends`, the declared defaults."""
    current: Scenario | None = spec
    while current is not None:
        if is_library(current):
            yield current.name, current
        current = scenarios.parent(current) if current.extends else None
    yield None, None


def _event_key(event: Event) -> tuple:
    return (event.week, tuple(sorted(event.set.items())), event.label)


def _extend(spec: Scenario, events: tuple[Event, ...]
            ) -> tuple[str | None, dict[str, Any], tuple[Event, ...]]:
    """What a file that runs `events` should extend: the nearest library scenario in
    `spec`'s chain whose own events are all on that timeline (a file can add events to the
    scenario it extends, not remove them); returns its name, parameters and the events the
    file must add."""
    wanted = Counter(_event_key(e) for e in events)
    for name, ancestor in _library_chain(spec):
        inherited = Counter(_event_key(e) for e in (ancestor.events if ancestor else ()))
        if not inherited - wanted:
            left = inherited.copy()
            own = []
            for event in events:
                if left[_event_key(event)] > 0:
                    left[_event_key(event)] -= 1
                else:
                    own.append(event)
            return name, dict(ancestor.params) if ancestor else {}, tuple(own)
    raise AssertionError("unreachable: the declared defaults have no events")


def _value(value: Any) -> str:
    """A TOML value (a string, number or boolean), as tomli_w writes it."""
    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


def _text(value: str) -> str:
    """A string as TOML, multi-line when it has line breaks."""
    if "\n" in value and '"""' not in value and "\\" not in value:
        return '"""\n' + value.strip("\n") + '"""'
    return _value(value)


@dataclass(frozen=True)
class SavedScenario:
    """A scenario file written from the page: its name, file name and text."""

    name: str
    text: str

    @property
    def filename(self) -> str:
        """The name to save it under."""
        return f"{self.name}.toml"

    def scenario(self) -> Scenario:
        """The file read back, as `aligned run` and an upload read it."""
        return scenarios.loads(self.text, f"saved scenario {self.filename}")


def write_scenario(name: str, title: str, description: str, spec: Scenario,
                   desired: dict[str, Any], events: tuple[Event, ...], seed: int, steps: int,
                   compare_with: str | None = None, narrative: dict[str, str] | None = None
                   ) -> SavedScenario:
    """The text of a scenario file that gives `desired` parameters and `events`, extending
    the nearest library scenario of `spec`'s chain that it can; checked by reading it back."""
    extends, parent, own_events = _extend(spec, events)
    params = file_params(parent, desired)
    lines = ["# A set-up saved from the Aligned visualizer. `aligned run FILE` runs it, the",
             "# visualizer opens it (Open scenario file), `aligned compare` compares it.",
             f"name = {_value(name)}", f"title = {_value(title)}"]
    if description:
        lines.append(f"description = {_text(description)}")
    if extends is not None:
        lines.append(f"extends = {_value(extends)}")
    if compare_with:
        lines.append(f"compare_with = {_value(compare_with)}")
    lines += [f"steps = {steps}", f"seed = {seed}"]
    if narrative:
        lines += ["", "[narrative]"]
        lines += [f"{key} = {_text(text)}" for key, text in narrative.items()]
    if params:
        lines += ["", "[params]"]
        lines += [f"{key} = {_value(value)}" for key, value in params.items()]
    for event in own_events:
        changes = ", ".join(f"{k} = {_value(v)}" for k, v in event.set.items())
        lines += ["", "[[events]]", f"week = {event.week}", f"set = {{ {changes} }}"]
        if event.label:
            lines.append(f"label = {_value(event.label)}")
    saved = SavedScenario(name, "\n".join(lines) + "\n")
    back = saved.scenario()
    if (resolve_params(back.params, "saved") != desired
            or [_event_key(e) for e in back.events] != [_event_key(e) for e in events]):
        raise AssertionError(f"the saved scenario {name} does not give the page's set-up")
    return saved


def saved_name(base: str) -> str:
    """The name a scenario's saved set-up takes: `NAME_saved`."""
    name = base if base.endswith(SAVED_SUFFIX) else base + SAVED_SUFFIX
    return name[:100]


def describe_changes(changes: dict[str, Any], events: tuple[Event, ...] | None) -> str:
    """The changes in words: parameters, and the timeline if it was changed."""
    parts = [f"{k} = {plain_value(v)}" for k, v in changes.items()]
    text = ("Changed: " + ", ".join(parts) + ".") if parts else ""
    if events is not None:
        timeline = "; ".join(event_text(e) for e in events) or "none"
        text += (" " if text else "") + f"Timeline: {timeline}."
    return text


def event_text(event: Event) -> str:
    """An event in words: 'week 156: employee_scheme = balanced_scorecard (label)'."""
    changes = ", ".join(f"{k} = {plain_value(v)}" for k, v in event.set.items())
    label = f" ({event.label})" if event.label else ""
    return f"week {event.week}: {changes}{label}"


def plain_value(value: Any) -> str:
    """A parameter's value as a person writes it (and a link carries it): `4`, `0.25`,
    `true`; a number keeps every digit it needs to be read back exactly."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def _next_seed(session: Session) -> int:
    return session.pending.get("seed", session.seed)


def saved_a(session: Session) -> SavedScenario:
    """Run A's set-up as a scenario file (the Save as scenario button)."""
    with session.lock:
        spec, overrides, events = session.scenario, dict(session.overrides), session.events
        comparison, seed, steps = session.comparison, _next_seed(session), session.horizon
        timeline_changed = session.timeline_changed()
    changes = page_changes(spec.params, overrides)
    desired = resolve_params(layer(spec.params, overrides), "control")
    compare_with = spec.compare_with
    if comparison is not None and comparison.kind == "scenario" and (
            comparison.target in scenarios.available()):
        compare_with = comparison.target
    if compare_with not in scenarios.available():
        compare_with = None
    changed = bool(changes) or timeline_changed
    title = f"{spec.title} (saved set-up)" if changed else spec.title
    description = " ".join(f"{spec.description.strip()} Saved from the visualizer: "
                           f"{spec.name}".split())
    notes = describe_changes(changes, events if timeline_changed else None)
    description += f". {notes}" if notes else "."
    return write_scenario(saved_name(spec.name), title, description, spec, desired, events,
                          seed, steps, compare_with, dict(spec.narrative))


def saved_b(session: Session) -> SavedScenario | None:
    """Run B's set-up as a scenario file (None outside compare mode, or '' text for a
    library scenario run as is: see `run_sets`)."""
    with session.lock:
        comparison = session.comparison
        if comparison is None:
            return None
        spec, overrides, seed, steps = (session.scenario, dict(session.overrides),
                                        _next_seed(session), session.horizon)
        events = session.run_events()[1]
        desired = resolve_params(session.run_params()[1], "control")
    if comparison.kind == "scheme":
        scheme = comparison.target
        base = spec
        name = f"{spec.name}_{scheme}_scheme"[:100]
        title = f"{spec.title}, under the {scheme} scheme"
        description = (f"Run B of a comparison: {spec.name} and its changes, with employees "
                       f"and managers on the {scheme} scheme throughout.")
        changes = page_changes(spec.params, overrides)
        notes = describe_changes({k: v for k, v in changes.items() if not is_scheme_key(k)},
                                 None)
        description = description[:-1] + (f"; {notes}" if notes else ".")
    else:
        base = session.scenario_named(comparison.target)
        name = saved_name(base.name)
        if name == saved_name(spec.name):
            name = f"{name}_b"
        title = base.title
        description = " ".join(f"{base.description.strip()} Run B of a comparison: "
                               f"{base.name} with the changes made to run A".split())
        notes = describe_changes(page_changes(base.params, overrides), None)
        description += f". {notes}" if notes else "."
    return write_scenario(name, title, description, base, desired, events, seed, steps,
                          None, dict(base.narrative))


def _unchanged_library(session: Session, which: int) -> Scenario | None:
    """The library scenario a run set runs as is (its own parameters and timeline: the
    seeds and weeks of a batch are given apart), else None."""
    with session.lock:
        comparison = session.comparison
        if which == 0:
            spec = session.scenario
        elif comparison is not None and comparison.kind == "scenario":
            spec = session.scenario_named(comparison.target)
        else:
            return None
        params = resolve_params(session.run_params()[which], "control")
        events = session.run_events()[which]
    same = (is_library(spec) and params == resolve_params(spec.params, "scenario")
            and events == tuple(spec.events))
    return spec if same else None


@dataclass(frozen=True)
class Setup:
    """What a page's many-seed batch runs: run A (and B), each a scenario file or a library
    scenario run as is, the seeds and the weeks."""

    sets: tuple[RunSet, ...]
    seeds: tuple[int, ...]
    steps: int
    files: tuple[SavedScenario | None, ...] = field(default=())

    def plan(self) -> Plan:
        """The plan of the batch."""
        return Plan(self.sets, self.seeds, self.steps)


def run_sets(session: Session, seeds: int) -> Setup:
    """The page's set-up as the batch runs it: each run as the scenario file it saves as (a
    library scenario run as is stays a name), over `seeds` seeds from the page's seed."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not (
            MIN_PAGE_SEEDS <= seeds <= MAX_PAGE_SEEDS):
        raise InputError(f"seeds to run = {seeds!r} is not allowed; expected an integer in "
                         f"[{MIN_PAGE_SEEDS}, {MAX_PAGE_SEEDS}]")
    labels = session.labels()
    sets, files = [], []
    for which, saver in enumerate((saved_a, saved_b)[:len(labels)]):
        library = _unchanged_library(session, which)
        if library is not None:
            sets.append(RunSet(labels[which], library, ""))
            files.append(None)
            continue
        saved = saver(session)
        assert saved is not None
        sets.append(RunSet(labels[which], saved.scenario(), saved.text))
        files.append(saved)
    weeks = seeds * len(sets) * session.horizon
    if weeks > MAX_PAGE_RUN_WEEKS:
        raise InputError(f"seeds to run = {seeds}: {seeds} seeds × {len(sets)} runs × "
                         f"{session.horizon:,} weeks is more than a page runs (at most "
                         f"{MAX_PAGE_RUN_WEEKS:,} weeks in all); choose at most "
                         f"{MAX_PAGE_RUN_WEEKS // (len(sets) * session.horizon)} seeds, or "
                         "run `aligned compare` with the saved scenario")
    first = _next_seed(session)
    return Setup(tuple(sets), tuple(range(first, first + seeds)), session.horizon,
                 tuple(files))


def command(setup: Setup, out: str = "board.html") -> str:
    """The command that runs the same comparison again and writes its report (the files
    of a setup are saved under their names beside it)."""
    names = [f.filename if f is not None else s.scenario.name
             for s, f in zip(setup.sets, setup.files or (None,) * len(setup.sets),
                             strict=True)]
    return (f"aligned compare {' '.join(names)} --seeds {len(setup.seeds)} --first-seed "
            f"{setup.seeds[0]} --steps {setup.steps} --out {out}")


# --- links ------------------------------------------------------------------------------------
def link_query(session: Session, seeds: int = DEFAULT_PAGE_SEEDS) -> str:
    """The query of a link that opens the page's set-up (never the access token)."""
    with session.lock:
        items: list[tuple[str, Any]] = [("scenario", session.scenario.name),
                                        ("seed", _next_seed(session))]
        for key, value in page_changes(session.scenario.params, session.overrides).items():
            items.append((key, plain_value(value)))
        comparison = session.comparison
        if comparison is not None:
            items.append(("compare" if comparison.kind == "scenario" else "compare_scheme",
                          comparison.target))
        if session.timeline_changed():
            if not session.events:
                items.append(("events", NO_EVENTS))
            for week, changes, label in merged_events(session.events):
                items += [(f"week{week}.{k}", plain_value(v)) for k, v in changes.items()]
                if label:
                    items.append((f"week{week}.label", label))
    if seeds != DEFAULT_PAGE_SEEDS:
        items.append(("seeds", seeds))
    return urlencode(items)


def merged_events(events: tuple[Event, ...]) -> list[tuple[int, dict[str, Any], str]]:
    """Events by week, the changes of one week merged (a later one's value wins, as in a
    run) and their labels joined."""
    by_week: dict[int, tuple[dict[str, Any], list[str]]] = {}
    for event in events:
        changes, labels = by_week.setdefault(event.week, ({}, []))
        changes.update(event.set)
        if event.label:
            labels.append(event.label)
    return [(week, changes, "; ".join(labels)) for week, (changes, labels)
            in sorted(by_week.items())]


@dataclass
class Opened:
    """What opening a link did: the lines saying what was ignored, and the seeds asked."""

    errors: list[str] = field(default_factory=list)
    seeds: int = DEFAULT_PAGE_SEEDS


def open_link(session: Session, query: str) -> Opened:
    """Bring the session to the set-up a link's query describes; each bad key or value is
    reported in one line and ignored. Ends at week 0 with the link's seed."""
    opened = Opened()

    def bad(text: str) -> None:
        opened.errors.append(f"address: {text}; ignored")

    values: dict[str, str] = {}
    for key, value in parse_qsl(query or "", keep_blank_values=True):
        if key in SILENT_KEYS:
            continue
        if key in values:
            bad(f"{key} is given twice (the first is used)")
            continue
        values[key] = value
    if "scenario" in values:
        try:
            session.load_scenario(values.pop("scenario"))
        except InputError as exc:
            bad(str(exc))
    if "seed" in values:
        text = values.pop("seed")
        try:
            session.set_seed(int(text) if text.strip().isdigit() else text)
        except InputError:
            bad(f"seed = {text!r} is not allowed; expected an integer ≥ 0")
    if "seeds" in values:
        text = values.pop("seeds")
        number = int(text) if text.strip().isdigit() else None
        if number is None or not MIN_PAGE_SEEDS <= number <= MAX_PAGE_SEEDS:
            bad(f"seeds = {text!r} is not allowed; expected an integer in "
                f"[{MIN_PAGE_SEEDS}, {MAX_PAGE_SEEDS}]")
        else:
            opened.seeds = number
    for key, kind in (("compare", "scenario"), ("compare_scheme", "scheme")):
        if key in values:
            target = values.pop(key)
            try:
                session.set_comparison(Comparison(kind, target))
            except InputError as exc:
                bad(str(exc))
    timeline: dict[int, dict[str, Any]] = {}
    labels: dict[int, str] = {}
    emptied = values.pop("events", None)
    if emptied is not None and emptied != NO_EVENTS:
        bad(f"events = {emptied!r} is not allowed; expected {NO_EVENTS!r}")
        emptied = None
    for key, text in values.items():
        match = EVENT_KEY.fullmatch(key)
        if match:
            week, name = int(match.group(1)), match.group(2)
            if name == "label":
                labels[week] = text
                continue
            try:
                if name not in PARAMS:
                    raise InputError(f"unknown parameter {name!r}")
                timeline.setdefault(week, {})[name] = PARAMS[name].parse(text, key)
            except InputError as exc:
                bad(str(exc))
            continue
        if key not in PARAMS:
            bad(f"unknown key {key!r} (a link carries " + ", ".join(LINK_KEYS)
                + ", parameters and weekN.parameter)")
            continue
        try:
            session.set_param(key, PARAMS[key].parse(text, "address"))
        except InputError as exc:
            bad(str(exc).removeprefix("address: ").removeprefix("control: "))
    if timeline or emptied:
        events = []
        for week, changes in sorted(timeline.items()):
            try:
                events.append(scenarios.check_event(
                    "address", {"week": week, "set": changes, "label": labels.get(week, "")},
                    f"week{week}"))
            except InputError as exc:
                bad(str(exc).removeprefix("address: "))
        try:
            session.set_events(events)
        except InputError as exc:
            bad(str(exc))
    session.reset()
    return opened


__all__ = ["Opened", "SavedScenario", "Setup", "command", "file_params", "link_query",
           "open_link", "page_changes", "plain_value", "run_sets", "saved_a", "saved_b",
           "saved_name"]
