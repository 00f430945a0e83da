"""Scenario files: a TOML header (name, title, description, steps, seed, extends,
compare_with, charts), an optional [narrative] in the NetLogo Info-tab shape, a [params]
table of overrides and [[claims]]: the outcomes the scenario is expected to show against
another, which the test suite holds the model to.

A scenario that `extends` another starts from that one's parameters (its steps and seed
too, unless it sets its own, and its events), so each file states only where it differs.

Policy timelines are `[[events]]`: parameter changes that apply from a week on (checked
like [params]; the firm's size and structure cannot change during a run):

    [[events]]
    week = 156                          # from the first week of year 4 on
    set = { employee_scheme = "balanced_scorecard" }
    label = "leave the efficiency KPI"  # optional: shown on charts

A claim reads "MEASURE (over a window) is RELATION than in THAN by at least MIN_EFFECT":

    [[claims]]
    measure = "customer_satisfaction"   # a measure of the time series (`sim.measures`)
    relation = "lower"                  # lower | higher
    than = "support_centre_balanced"    # default: compare_with
    over = "last_year"                  # last_year | final | mean (over the whole run)
    effect = "relative"                 # relative (to the other's median) | absolute
    min_effect = 0.05                   # the smallest median paired difference that counts
    seeds = 10                          # paired seeds 0..seeds-1 (at least 10)
    steps = 260                         # weeks each run lasts (default: the scenario's)
    why = "..."                         # optional: what the claim says, in words
    source = "idea:A7"                  # the essay idea (../IDEAS catalogue) or the paper

Every key is checked where it enters: an unknown key, a wrong type or an out-of-range
value is an `InputError` that names the file, the key, the value and what is allowed.
A file must be UTF-8 text (a byte-order mark is skipped). Names (`name`, and the scenarios
`compare_with` and `than` name) are identifiers, never paths, because runs are saved in a
folder named after the scenario. `extends` takes a library name or a path to a .toml file,
read relative to the folder of the file that says it; a chain of files that comes back to
one of its own files is refused.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.files import library_folder, search_path
from sim.params import check_values

#: The scenario folder searched first: $ALIGNED_SCENARIOS, else the checkout's scenarios/,
#: else the library inside the installed package; a name not found there is looked up in
#: the package's library (`folders()`), so a folder of one's own adds to the library.
SCENARIO_DIR = library_folder("scenarios", "ALIGNED_SCENARIOS")

#: The narrative's sections, in NetLogo's Info-tab shape: key and heading, in order. Scenario
#: files, lessons and the visualizer's Story view all read this.
NARRATIVE_SECTIONS = (
    ("what_it_is", "What it is"),
    ("how_it_works", "How it works"),
    ("things_to_notice", "Things to notice"),
    ("things_to_try", "Things to try"),
    ("sources", "Sources"),
)
NARRATIVE_KEYS = tuple(key for key, _ in NARRATIVE_SECTIONS)
HEADER_KEYS = ("name", "title", "description", "steps", "seed", "extends", "compare_with",
               "charts")
TABLE_KEYS = ("params", "narrative", "claims", "events")
EVENT_KEYS = ("week", "set", "label")
DEFAULT_STEPS = 520
DEFAULT_SEED = 1
#: The longest run a file may ask for: 10,000 weeks, about 192 years (a run keeps every week
#: of every measure in memory, a few kB a week; `aligned run --steps N --yes` goes beyond).
MAX_STEPS = 10_000
#: A scenario name: ASCII letters, digits, `_` and `-` (not first), at most 100 characters;
#: never a path, as runs are saved in a folder named after it.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")
NAME_RULE = "letters a-z or A-Z, digits, _ and - (not first), at most 100 characters"
#: How many files an `extends` chain may pass through (deeper is surely a mistake).
MAX_EXTENDS_DEPTH = 32
#: Byte-order marks of encodings that are not UTF-8, longest first.
FOREIGN_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))

CLAIM_KEYS = ("measure", "relation", "than", "over", "effect", "min_effect", "seeds", "steps",
              "why", "source")
RELATIONS = ("lower", "higher")
WINDOWS = ("last_year", "final", "mean")
EFFECTS = ("relative", "absolute")
MIN_CLAIM_SEEDS = 10  # a paired Wilcoxon test at p < 0.01 needs enough pairs to mean anything
MAX_CLAIM_SEEDS = 1000
DEFAULT_CLAIM_EFFECT = 0.05
#: Measures a claim or chart may name beyond the weekly reporters: rates over the window.
DERIVED_MEASURES = ("annual_quit_rate", "annual_churn_rate")


def measure_names() -> tuple[str, ...]:
    """Every measure a claim or a chart may name: the weekly reporters and derived rates."""
    from sim.measures import REPORTERS

    return (*REPORTERS, *DERIVED_MEASURES)


@dataclass(frozen=True)
class Claim:
    """An outcome a scenario states against another, checked over paired seeds."""

    scenario: str
    measure: str
    relation: str
    than: str
    over: str = "last_year"
    effect: str = "relative"
    min_effect: float = DEFAULT_CLAIM_EFFECT
    seeds: int = MIN_CLAIM_SEEDS
    steps: int = DEFAULT_STEPS
    why: str = ""
    source: str = ""  # the idea (idea:A7, of the essays' catalogue) or paper it tests

    @property
    def window_text(self) -> str:
        """The window in words."""
        return {"last_year": "mean over the last year", "final": "in the last week",
                "mean": "mean over the whole run"}[self.over]

    @property
    def effect_text(self) -> str:
        """The minimum effect in words."""
        if self.effect == "relative":
            return f"by at least {self.min_effect:.0%}"
        return f"by at least {self.min_effect:g}"

    def __str__(self) -> str:
        return (f"{self.scenario}: {self.measure} ({self.window_text}, {self.steps} weeks) "
                f"{self.relation} than in {self.than} {self.effect_text}")


@dataclass(frozen=True)
class Event:
    """Parameter changes that apply from a week of the run on (week 1 is the first)."""

    week: int
    set: dict[str, Any]
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The event as its TOML table holds it."""
        return {"week": self.week, "set": dict(self.set), "label": self.label}


@dataclass
class Scenario:
    """A named set of parameter overrides, with how long to run and how to read it."""

    name: str
    title: str = ""
    description: str = ""
    steps: int = DEFAULT_STEPS
    seed: int = DEFAULT_SEED
    params: dict[str, Any] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)
    compare_with: str | None = None
    extends: str | None = None
    own_params: dict[str, Any] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    charts: tuple[str, ...] = ()
    path: Path | None = None
    events: tuple[Event, ...] = ()

    def key_measures(self) -> tuple[str, ...]:
        """The measures that matter for this scenario's idea: its charts, else its claims'."""
        if self.charts:
            return self.charts
        return tuple(dict.fromkeys(c.measure for c in self.claims))


def folders() -> tuple[Path, ...]:
    """The folders scenario names are looked up in, in order."""
    return search_path(SCENARIO_DIR, "scenarios")


def available() -> list[str]:
    """Names of the scenarios in the scenario folders, sorted."""
    return names_in(folders())


def find(name: str) -> Path | None:
    """The file of the scenario called `name` in the first folder that has one, or None."""
    return find_in(name, folders())


def names_in(searched: tuple[Path, ...]) -> list[str]:
    """The names of the TOML files in the folders, sorted, each once."""
    return sorted({p.stem for folder in searched for p in folder.glob("*.toml")})


def find_in(name: str, searched: tuple[Path, ...]) -> Path | None:
    """The file `name`.toml in the first of the folders that has it (a name must be an
    identifier, never a path), or None."""
    if not NAME_PATTERN.fullmatch(name):
        return None
    for folder in searched:
        candidate = folder / f"{name}.toml"
        if candidate.is_file():
            return candidate
    return None


def locate(name_or_path: str | os.PathLike) -> Path:
    """The file of a scenario given by name (in the scenario folders) or by path."""
    return locate_toml(name_or_path, folders(), "scenario")


def locate_toml(name_or_path: str | os.PathLike, searched: tuple[Path, ...], kind: str) -> Path:
    """A TOML file given by path, or by name in the first of the folders `searched` that has
    it; a missing one is an InputError naming the `kind` of file and, for a name, the ones
    available."""
    text = str(name_or_path)
    path = Path(text)
    if is_path(text):
        found = file_kind(path, f"{kind} file {text}")
        if found == "folder":
            raise InputError(f"{kind} file {text} is a folder; expected a {kind} name or a "
                             ".toml file")
        if found is None:
            raise InputError(f"{kind} file {text} does not exist")
        return path
    candidate = find_in(text, searched)
    if candidate is None:
        names = ", ".join(names_in(searched)) or "(none)"
        raise InputError(f"unknown {kind} {text!r}; available: {names}")
    return candidate


def file_kind(path: Path, where: str) -> str | None:
    """"file", "folder" or None (nothing there); a path that cannot be looked at (too long,
    a folder on the way that may not be read) is an InputError saying why."""
    try:
        if path.is_file():
            return "file"
        return "folder" if path.is_dir() else None
    except OSError as exc:
        raise InputError(f"{where}: cannot be reached ({exc.strerror})") from None


def is_path(text: str) -> bool:
    """Whether a scenario given as text is a file path (else a name in the library)."""
    path = Path(text)
    return text.endswith(".toml") or path.parent != Path(".") or path.is_absolute()


def read_toml(path: Path, where: str) -> dict[str, Any]:
    """The parsed TOML of a file that must be UTF-8 text (a byte-order mark is skipped)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where}: cannot be read: {exc.strerror}") from None
    try:
        return tomllib.loads(decode_utf8(raw, where))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML: {exc}") from None


def decode_utf8(raw: bytes, where: str) -> str:
    """A file's bytes as text: UTF-8, with or without a byte-order mark; anything else is an
    InputError saying where the first byte that is not UTF-8 is."""
    for bom, encoding in FOREIGN_BOMS:
        if raw.startswith(bom):
            raise InputError(f"{where}: the file is {encoding} text; expected UTF-8 (save it "
                             "as UTF-8)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{where}: byte 0x{raw[exc.start]:02x} on line {line} is not UTF-8; "
                         "expected a UTF-8 text file (save it as UTF-8)") from None


def _typed(where: str, key: str, value: Any, kind: type, allowed: str) -> Any:
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected {allowed}")
    return value


def load(name_or_path: str | os.PathLike, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read and validate a scenario file (and the ones it extends)."""
    path = locate(name_or_path)
    data = read_toml(path, str(path))
    return from_dict(data, str(path), path, _chain)


def loads(text: str, where: str) -> Scenario:
    """Validate a scenario given as TOML text with no file (an upload): it may extend a
    library scenario by name, but not a file by path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML: {exc}") from None
    return from_dict(data, where)


def from_dict(
    data: dict[str, Any], where: str, path: Path | None = None, _chain: tuple[Path, ...] = ()
) -> Scenario:
    """Validate a scenario given as a mapping (the parsed TOML). `_chain` holds the resolved
    files of the scenarios that extend this one, to refuse cycles."""
    for key in data:
        if key not in HEADER_KEYS + TABLE_KEYS:
            allowed = ", ".join(HEADER_KEYS + TABLE_KEYS)
            raise InputError(f"{where}: unknown key {key!r}; allowed keys: {allowed}")
    name = _typed(where, "name", data.get("name", path.stem if path else ""), str, "a string")
    if not name:
        raise InputError(f"{where}: name is missing; expected a string")
    if not NAME_PATTERN.fullmatch(name):
        origin = "" if "name" in data else " (from the file name; set name in the file)"
        raise InputError(f"{where}: name = {name!r}{origin} is not allowed; expected "
                         f"{NAME_RULE}")
    parent = None
    extends = data.get("extends")
    if extends is not None:
        _typed(where, "extends", extends, str, "a scenario name or a path to a .toml file")
        target = _extended_file(where, extends, path)
        chain = (*_chain, path.resolve()) if path is not None else _chain
        if target.resolve() in chain:
            files = [p.name for p in chain[chain.index(target.resolve()):]]
            raise InputError(f"{where}: extends = {extends!r} makes a cycle: "
                             + " → ".join((*files, target.name)))
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise InputError(f"{where}: extends = {extends!r} is not allowed; a chain of "
                             f"extends may pass through at most {MAX_EXTENDS_DEPTH} files")
        parent = load(target, chain)
    steps = _typed(where, "steps", data.get("steps", parent.steps if parent else DEFAULT_STEPS),
                   int, f"an integer in [1, {MAX_STEPS}]")
    if not 1 <= steps <= MAX_STEPS:
        raise InputError(f"{where}: steps = {steps!r} is not allowed; expected an integer in "
                         f"[1, {MAX_STEPS}] (weeks)")
    seed = _typed(where, "seed", data.get("seed", parent.seed if parent else DEFAULT_SEED), int,
                  "an integer ≥ 0")
    if seed < 0:
        raise InputError(f"{where}: seed = {seed!r} is not allowed; expected an integer ≥ 0")
    params = _typed(where, "params", data.get("params", {}), dict, "a table of parameters")
    narrative = _typed(where, "narrative", data.get("narrative", {}), dict, "a table")
    for key, value in narrative.items():
        if key not in NARRATIVE_KEYS:
            raise InputError(f"{where}: unknown key {key!r} in [narrative]; allowed keys: "
                             + ", ".join(NARRATIVE_KEYS))
        _typed(where, f"narrative.{key}", value, str, "a string")
    compare_with = data.get("compare_with")
    if compare_with is not None:
        _typed(where, "compare_with", compare_with, str, "a scenario name")
        _check_scenario_name(where, "compare_with", compare_with)
    claims = _claims(where, data.get("claims", []), name, compare_with, steps)
    charts = _charts(where, data.get("charts", []))
    own = check_values(params, f"{where} [params]")
    events = _events(where, data.get("events", []))
    return Scenario(
        name=name,
        title=_typed(where, "title", data.get("title", name), str, "a string"),
        description=_typed(where, "description", data.get("description", ""), str, "a string"),
        steps=steps,
        seed=seed,
        params={**(parent.params if parent else {}), **own},
        own_params=own,
        narrative=narrative,
        compare_with=compare_with,
        extends=extends,
        claims=claims,
        charts=charts,
        path=path,
        events=sort_events((*(parent.events if parent else ()), *events)),
    )


def sort_events(events: Any) -> tuple[Event, ...]:
    """Events in the order they apply: by week, in the order given within a week (a later
    one's value wins where two set the same parameter)."""
    return tuple(sorted(events, key=lambda e: e.week))


def check_event(where: str, table: Any, at: str) -> Event:
    """One event table: `week` (an integer ≥ 1), `set` (parameter changes, checked like
    [params]; the firm's size and structure cannot change in a running firm) and an
    optional `label`."""
    from sim.params import SIZE_PARAMS

    _typed(where, at, table, dict, "a table with " + ", ".join(EVENT_KEYS))
    for key in table:
        if key not in EVENT_KEYS:
            raise InputError(f"{where}: unknown key {key!r} in {at}; allowed keys: "
                             + ", ".join(EVENT_KEYS))
    for key in ("week", "set"):
        if key not in table:
            raise InputError(f"{where}: {at}.{key} is missing")
    week = _typed(where, f"{at}.week", table["week"], int, "an integer ≥ 1")
    if week < 1:
        raise InputError(f"{where}: {at}.week = {week!r} is not allowed; expected an "
                         "integer ≥ 1")
    changes = _typed(where, f"{at}.set", table["set"], dict, "a table of parameters")
    if not changes:
        raise InputError(f"{where}: {at}.set is empty; expected at least one parameter")
    for key in changes:
        if key in SIZE_PARAMS:
            raise InputError(f"{where}: {at}.set.{key} is not allowed; the firm's size and "
                             "structure are fixed for a run (allowed: any parameter but "
                             + ", ".join(sorted(SIZE_PARAMS)) + ")")
    checked = check_values(changes, f"{where} {at}.set")
    label = _typed(where, f"{at}.label", table.get("label", ""), str, "a string")
    return Event(week, checked, label)


def _events(where: str, value: Any) -> list[Event]:
    """The [[events]] array."""
    tables = _typed(where, "events", value, list, "an array of tables ([[events]])")
    return [check_event(where, table, f"events[{i}]") for i, table in enumerate(tables)]


def _check_scenario_name(where: str, key: str, value: str) -> None:
    """A scenario named in a file must be in the scenario folders (as `extends` must)."""
    if find(value) is None:
        names = ", ".join(available()) or "(none)"
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected a scenario name "
                         f"({names})")


def _extended_file(where: str, extends: str, path: Path | None) -> Path:
    """The file `extends` names: a library scenario by name, or a .toml file by a path read
    relative to the folder of the file that extends it."""
    if not is_path(extends):
        found = find(extends)
        if found is None:
            names = ", ".join(available()) or "(none)"
            raise InputError(f"{where}: extends = {extends!r} is not allowed; no such scenario; "
                             f"expected a scenario name ({names}) or a path to a .toml file")
        return found
    if not extends.endswith(".toml") or not extends.isprintable():
        raise InputError(f"{where}: extends = {extends!r} is not allowed; expected a scenario "
                         "name or a path to a .toml file")
    if path is None:
        raise InputError(f"{where}: extends = {extends!r} is not allowed here; a file with no "
                         "folder (an upload) may extend a library scenario by name only")
    target = path.parent / extends
    found = file_kind(target, f"{where}: extends = {extends!r}")
    if found != "file":
        raise InputError(f"{where}: extends = {extends!r} is not allowed; {target} "
                         + ("is a folder" if found else "does not exist")
                         + " (a path is read relative to this file's folder)")
    return target


def parent(spec: Scenario) -> Scenario | None:
    """The scenario `spec` extends (read again from its file), or None."""
    if spec.extends is None:
        return None
    return load(_extended_file(str(spec.path or spec.name), spec.extends, spec.path))


def _choice(where: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected one of "
                         + ", ".join(choices))
    return value


def _measure(where: str, key: str, value: Any) -> str:
    names = measure_names()
    if not isinstance(value, str) or value not in names:
        import difflib

        close = difflib.get_close_matches(str(value), names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise InputError(f"{where}: {key} = {value!r} is not allowed; {hint}expected a measure: "
                         + ", ".join(names))
    return value


def _charts(where: str, value: Any) -> tuple[str, ...]:
    """The `charts` key: a list of measure names."""
    charts = _typed(where, "charts", value, list, "a list of measure names")
    return tuple(_measure(where, f"charts[{i}]", m) for i, m in enumerate(charts))


def _claims(where: str, value: Any, name: str, compare_with: str | None,
            steps: int) -> list[Claim]:
    """The [[claims]] array: each table checked key by key, defaults filled in."""
    tables = _typed(where, "claims", value, list, "an array of tables ([[claims]])")
    claims = []
    for i, table in enumerate(tables):
        at = f"claims[{i}]"
        _typed(where, at, table, dict, "a table with " + ", ".join(CLAIM_KEYS))
        for key in table:
            if key not in CLAIM_KEYS:
                raise InputError(f"{where}: unknown key {key!r} in {at}; allowed keys: "
                                 + ", ".join(CLAIM_KEYS))
        for key in ("measure", "relation"):
            if key not in table:
                raise InputError(f"{where}: {at}.{key} is missing")
        than = table.get("than", compare_with)
        if than is None:
            raise InputError(f"{where}: {at}.than is missing; expected a scenario name "
                             "(or set compare_with)")
        _typed(where, f"{at}.than", than, str, "a scenario name")
        if than == name:
            raise InputError(f"{where}: {at}.than = {than!r} is not allowed; a scenario cannot "
                             "be compared with itself")
        _check_scenario_name(where, f"{at}.than", than)
        min_effect = table.get("min_effect", DEFAULT_CLAIM_EFFECT)
        if isinstance(min_effect, bool) or not isinstance(min_effect, int | float) or not (
                0 <= min_effect < math.inf):
            raise InputError(f"{where}: {at}.min_effect = {min_effect!r} is not allowed; "
                             "expected a finite number ≥ 0")
        seeds = _typed(where, f"{at}.seeds", table.get("seeds", MIN_CLAIM_SEEDS), int,
                       f"an integer in [{MIN_CLAIM_SEEDS}, {MAX_CLAIM_SEEDS}]")
        if not MIN_CLAIM_SEEDS <= seeds <= MAX_CLAIM_SEEDS:
            raise InputError(f"{where}: {at}.seeds = {seeds!r} is not allowed; expected an "
                             f"integer in [{MIN_CLAIM_SEEDS}, {MAX_CLAIM_SEEDS}] (a paired "
                             "test at p < 0.01 needs enough pairs)")
        claim_steps = _typed(where, f"{at}.steps", table.get("steps", steps), int,
                             f"an integer in [1, {MAX_STEPS}]")
        if not 1 <= claim_steps <= MAX_STEPS:
            raise InputError(f"{where}: {at}.steps = {claim_steps!r} is not allowed; expected "
                             f"an integer in [1, {MAX_STEPS}] (weeks)")
        claims.append(Claim(
            scenario=name,
            measure=_measure(where, f"{at}.measure", table["measure"]),
            relation=_choice(where, f"{at}.relation", table["relation"], RELATIONS),
            than=than,
            over=_choice(where, f"{at}.over", table.get("over", "last_year"), WINDOWS),
            effect=_choice(where, f"{at}.effect", table.get("effect", "relative"), EFFECTS),
            min_effect=float(min_effect),
            seeds=seeds,
            steps=claim_steps,
            why=_typed(where, f"{at}.why", table.get("why", ""), str, "a string"),
            source=_typed(where, f"{at}.source", table.get("source", ""), str,
                          "a string (idea:A7, or a paper)"),
        ))
    return claims
