"""Experiment specs: a TOML file declared in roles, checked against the one parameter
declaration before anything runs.

A spec names `uncertainties` (conditions outside the firm's control), `levers` (what the
firm chooses), `policies` (named schemes or scenarios to compare), `constants` and
`outcomes`, as EMA Workbench does; a list expands, a scalar is held, and a range
`{low, high}` is sampled by the `design` (grid, lhs, sobol, morris). Every name, value and
range is checked where it enters: a bad spec is an `InputError` of one line naming the
file, the key, the value and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import scenario as scenarios
from sim.errors import InputError
from sim.files import library_folder, read_toml, search_path
from sim.incentives import PRESETS
from sim.measures import DERIVED, REPORTERS, SUMMARY_KEYS
from sim.params import PARAMS, Param, check_values, suggest

#: The experiment folder searched first: $ALIGNED_EXPERIMENTS, else the checkout's
#: experiments/, else the specs inside the installed package (searched after it).
EXPERIMENT_DIR = library_folder("experiments", "ALIGNED_EXPERIMENTS")
DESIGNS = ("grid", "lhs", "sobol", "morris")
STATS = ("final", "last_year", "timeseries")
ROLES = ("uncertainties", "levers", "constants")
SPEC_KEYS = ("name", "title", "description", "question", "scenario", "steps", "seed",
             "replications", "posterior", "record_every", "common_random_numbers", "design",
             "outcomes", "policies", *ROLES)
DESIGN_KEYS = ("kind", "n", "levels", "second_order")
RANGE_KEYS = ("low", "high", "levels")
#: Outcomes only the last-year summary has (rates over the last 52 weeks).
LAST_YEAR_ONLY = DERIVED  # rates over the last year, not weekly measures
DEFAULT_MORRIS_LEVELS = 4
#: Between a statistic and its measure in an outcome column (`last_year__profit`): an
#: identifier, so SQL (DuckDB), polars and R name the column without quoting it.
OUTCOME_SEPARATOR = "__"
#: A spec's name names its results folder: letters, digits, _ and -, nothing path-like.
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
NAME_RULE = ("an identifier: letters, digits, _ and -, starting with a letter or _, at most "
             "64 characters")


@dataclass(frozen=True)
class Factor:
    """A parameter the sweep varies: a list of values, or a range the design samples."""

    name: str
    role: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None

    @property
    def is_range(self) -> bool:
        """True for a `{low, high}` range, False for a list of values."""
        return self.values is None


@dataclass
class Spec:
    """A parsed, validated experiment spec."""

    name: str
    title: str
    description: str
    question: str
    scenario: str
    steps: int
    seed: int
    replications: int
    record_every: int
    common_random_numbers: bool
    design: str
    n: int | None
    levels: int | None
    second_order: bool
    factors: list[Factor]
    constants: dict[str, Any]
    held: dict[str, Any]
    policies: dict[str, dict[str, Any]]
    outcomes: dict[str, tuple[str, ...]]
    base_params: dict[str, Any]
    data: dict[str, Any]
    text: str = ""
    path: Path | None = None
    hash: str = ""
    #: Scheduled changes during a run (the base scenario's), and a policy scenario's own.
    base_events: tuple[Any, ...] = ()
    policy_events: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: `posterior = N`: each point runs over the calibration's first N posterior draws
    #: (replication r takes draw r, in place of the baseline's fitted values).
    posterior: list[dict[str, float]] = field(default_factory=list)

    @property
    def sampled(self) -> list[Factor]:
        """Range factors sampled by lhs, sobol or morris (none in a grid)."""
        if self.design == "grid":
            return []
        return [f for f in self.factors if f.is_range]

    @property
    def crossed(self) -> list[Factor]:
        """Factors whose values are crossed (full factorial) with each other and the sample."""
        return [f for f in self.factors if not f.is_range or self.design == "grid"]

    @property
    def scalar_outcomes(self) -> list[str]:
        """Columns of the runs table that hold outcomes, e.g. `last_year__trust_peer`."""
        return [outcome_column(stat, measure) for measure, stats in self.outcomes.items()
                for stat in stats if stat != "timeseries"]

    @property
    def timeseries_measures(self) -> list[str]:
        """Measures recorded as time series."""
        return [m for m, stats in self.outcomes.items() if "timeseries" in stats]


def outcome_column(stat: str, measure: str) -> str:
    """The runs-table column of a statistic of a measure: `last_year__profit`."""
    return f"{stat}{OUTCOME_SEPARATOR}{measure}"


def split_outcome(column: str) -> tuple[str, str]:
    """The statistic and the measure of an outcome column ("" and the column for another)."""
    stat, separator, measure = column.partition(OUTCOME_SEPARATOR)
    return (stat, measure) if separator and stat in STATS else ("", column)


def locate(name_or_path: str | os.PathLike) -> Path:
    """The file of an experiment given by name (in the experiment folders) or by path."""
    return scenarios.locate_toml(name_or_path, search_path(EXPERIMENT_DIR, "experiments"),
                                 "experiment")


def load_spec(source: str | os.PathLike | dict[str, Any] | Spec) -> Spec:
    """Read and validate a spec from a name, a path, a TOML-shaped dict or a Spec."""
    if isinstance(source, Spec):
        return source
    if isinstance(source, dict):
        return parse_spec(source, "spec")
    path = locate(source)
    data, text = read_toml(path)
    return parse_spec(data, str(path), text=text, path=path)


def _typed(where: str, key: str, value: Any, kind: type | tuple[type, ...], allowed: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected {allowed}")
    return value


def _positive(where: str, key: str, value: Any, minimum: int = 1) -> int:
    value = _typed(where, key, value, int, f"an integer ≥ {minimum}")
    if value < minimum:
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected an integer "
                         f"≥ {minimum}")
    return value


def parse_spec(data: dict[str, Any], where: str, text: str = "",
               path: Path | None = None) -> Spec:
    """Validate a spec's keys, parameters, ranges, design and outcomes; name what is wrong."""
    for key in data:
        if key not in SPEC_KEYS:
            raise InputError(f"{where}: unknown key {key!r}; allowed keys: "
                             + ", ".join(SPEC_KEYS))
    default_name = path.stem if path else "sweep"
    name = _typed(where, "name", data.get("name", default_name), str, "a string")
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(f"{where}: name = {name!r} is not allowed; expected {NAME_RULE}"
                         + ("" if "name" in data else " (the default is the file's name)"))
    base = _scenario(where, "scenario", data.get("scenario", "baseline"))
    steps = _positive(where, "steps", data.get("steps", base.steps))
    seed = _positive(where, "seed", data.get("seed", base.seed), minimum=0)
    replications = _positive(where, "replications", data.get("replications", 1))
    draws: list[dict[str, float]] = []
    if "posterior" in data:
        if "replications" in data:
            raise InputError(f"{where}: posterior and replications: choose one (with "
                             "posterior = N, each point runs once for each of N draws)")
        from sim.calibrate import draws as posterior_draws

        replications = _positive(where, "posterior", data["posterior"])
        draws = posterior_draws(replications)
    crn = _typed(where, "common_random_numbers", data.get("common_random_numbers", True), bool,
                 "true or false")
    design, n, levels, second_order = _parse_design(data.get("design", "grid"), where)

    factors: list[Factor] = []
    constants: dict[str, Any] = {}
    held: dict[str, Any] = {}
    roles_of: dict[str, str] = {}
    for role in ROLES:
        table = _typed(where, role, data.get(role, {}), dict, "a table of parameters")
        for key, value in table.items():
            at = f"{where} [{role}]"
            if key not in PARAMS:
                raise InputError(f"{at}: unknown parameter {key!r}; {suggest(key)}")
            if key in roles_of:
                raise InputError(f"{at}: {key} is also in [{roles_of[key]}]; a parameter "
                                 "takes one role")
            roles_of[key] = role
            if role == "constants":
                if isinstance(value, list | dict):
                    raise InputError(f"{at}: {key} = {value!r} is not allowed; a constant is "
                                     "one value (put lists and ranges in levers or "
                                     "uncertainties)")
                constants[key] = PARAMS[key].check(value, at)
            elif isinstance(value, list):
                factors.append(_list_factor(PARAMS[key], role, value, at))
            elif isinstance(value, dict):
                factors.append(_range_factor(PARAMS[key], role, value, at, design))
            else:
                held[key] = PARAMS[key].check(value, at)

    if design != "grid" and not any(f.is_range for f in factors):
        raise InputError(f"{where}: design = {design!r} samples ranges, but no parameter has "
                         "a range; write one as name = {{ low = …, high = … }}")
    policies, policy_events = _parse_policies(data.get("policies"), where,
                                              set(constants) | set(roles_of))
    outcomes = _parse_outcomes(data.get("outcomes"), where)
    has_series = any("timeseries" in s for s in outcomes.values())
    record_every = _positive(where, "record_every", data.get("record_every", 1))
    if has_series and record_every > steps:
        raise InputError(f"{where}: record_every = {record_every} is not allowed; expected an "
                         f"integer in [1, {steps}] (steps)")
    spec = Spec(
        name=name,
        title=_typed(where, "title", data.get("title", name), str, "a string"),
        description=_typed(where, "description", data.get("description", ""), str, "a string"),
        question=_typed(where, "question", data.get("question", ""), str, "a string"),
        scenario=base.name, steps=steps, seed=seed, replications=replications,
        record_every=record_every, common_random_numbers=crn, design=design, n=n,
        levels=levels, second_order=second_order, factors=factors, constants=constants,
        held=held, policies=policies, outcomes=outcomes, base_params=dict(base.params),
        data=data, text=text, path=path, base_events=events_of(base),
        policy_events=policy_events, posterior=draws,
    )
    spec.hash = spec_hash(spec)
    return spec


def _parse_design(value: Any, where: str) -> tuple[str, int | None, int | None, bool]:
    table = {"kind": value} if isinstance(value, str) else value
    _typed(where, "design", table, dict, "a design name or a table with kind and n")
    for key in table:
        if key not in DESIGN_KEYS:
            raise InputError(f"{where}: unknown key {key!r} in [design]; allowed keys: "
                             + ", ".join(DESIGN_KEYS))
    kind = table.get("kind")
    if kind not in DESIGNS:
        raise InputError(f"{where}: design = {kind!r} is not allowed; expected one of "
                         + ", ".join(DESIGNS))
    n = levels = None
    second_order = _typed(where, "design.second_order", table.get("second_order", False), bool,
                          "true or false")
    if kind == "grid":
        if "n" in table:
            raise InputError(f"{where}: design.n is not used by a grid (its size is the "
                             "product of the lists); remove it")
        return kind, None, None, False
    if "n" not in table:
        raise InputError(f"{where}: design {kind!r} needs n (sample size), e.g. "
                         f"design = {{ kind = \"{kind}\", n = 64 }}")
    n = _positive(where, "design.n", table["n"], minimum=2)
    if kind == "sobol" and n & (n - 1):
        raise InputError(f"{where}: design.n = {n} is not allowed for sobol; expected a power "
                         f"of 2 (e.g. {1 << n.bit_length() - 1} or {1 << n.bit_length()})")
    if kind == "morris":
        levels = _positive(where, "design.levels", table.get("levels", DEFAULT_MORRIS_LEVELS),
                           minimum=2)
    return kind, n, levels, second_order


def _list_factor(param: Param, role: str, value: list[Any], at: str) -> Factor:
    if not value:
        raise InputError(f"{at}: {param.name} = [] is not allowed; expected at least one value")
    values = tuple(param.check(v, at) for v in value)
    if len(set(values)) != len(values):
        raise InputError(f"{at}: {param.name} = {value!r} repeats a value")
    return Factor(param.name, role, values=values)


def _range_factor(param: Param, role: str, value: dict[str, Any], at: str,
                  design: str) -> Factor:
    if param.type not in (int, float):
        raise InputError(f"{at}: {param.name} is {param.allowed}, so it cannot take a range; "
                         "list its values instead")
    for key in value:
        if key not in RANGE_KEYS:
            raise InputError(f"{at}: unknown key {key!r} in the range of {param.name}; "
                             "allowed keys: " + ", ".join(RANGE_KEYS))
    if "low" not in value or "high" not in value:
        raise InputError(f"{at}: the range of {param.name} needs low and high, "
                         f"e.g. {{ low = {param.low:g}, high = {param.high:g} }}")
    low = param.check(value["low"], f"{at} range low")
    high = param.check(value["high"], f"{at} range high")
    if low >= high:
        raise InputError(f"{at}: the range of {param.name} has low = {low!r} ≥ high = {high!r}; "
                         "expected low < high")
    levels = None
    if design == "grid":
        if "levels" not in value:
            raise InputError(f"{at}: a grid needs levels for the range of {param.name}, e.g. "
                             f"{{ low = {low:g}, high = {high:g}, levels = 5 }}, or a list")
        levels = _positive(at, f"{param.name}.levels", value["levels"], minimum=2)
    elif "levels" in value:
        raise InputError(f"{at}: levels in the range of {param.name} is only used by a grid; "
                         "the design samples the range")
    return Factor(param.name, role, low=float(low), high=float(high), levels=levels)


def _scenario(where: str, key: str, value: Any) -> scenarios.Scenario:
    """The scenario a spec names under `key`; an unknown one names the file and the key."""
    _typed(where, key, value, str, "a scenario name")
    try:
        scenarios.locate(value)
    except InputError as exc:
        raise InputError(f"{where}: {key} = {value!r} is not allowed; {exc}") from None
    return scenarios.load(value)


def events_of(scenario: scenarios.Scenario) -> tuple[Any, ...]:
    """A scenario's scheduled changes during a run (none for a scenario without them)."""
    return tuple(getattr(scenario, "events", ()) or ())


def _parse_policies(value: Any, where: str, swept: set[str]
                    ) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[Any, ...]]]:
    """The policies' parameters, and the events of the policies that are scenarios."""
    if value is None:
        return {}, {}
    known = scenarios.available()
    policies: dict[str, dict[str, Any]] = {}
    events: dict[str, tuple[Any, ...]] = {}
    if isinstance(value, list):
        for name in value:
            _typed(where, "policies", name, str, "scenario or scheme names")
            if name in policies:
                raise InputError(f"{where}: policies lists {name!r} twice")
            if name in known:
                scenario = scenarios.load(name)
                policies[name] = dict(scenario.params)
                events[name] = events_of(scenario)
            elif name in PRESETS:
                policies[name] = {"employee_scheme": name, "manager_scheme": name}
            else:
                raise InputError(f"{where}: policy {name!r} is neither a scenario nor a scheme; "
                                 "scenarios: " + ", ".join(known) + "; schemes: "
                                 + ", ".join(PRESETS))
    elif isinstance(value, dict):
        for name, table in value.items():
            at = f"{where} [policies.{name}]"
            _typed(at, name, table, dict, "a table of parameters (and an optional scenario)")
            table = dict(table)
            base = {}
            if "scenario" in table:
                scenario = _scenario(at, "scenario", table.pop("scenario"))
                base = dict(scenario.params)
                events[name] = events_of(scenario)
            policies[name] = {**base, **check_values(table, at)}
    else:
        raise InputError(f"{where}: policies = {value!r} is not allowed; expected a list of "
                         "scenario or scheme names, or tables of parameters")
    for name, params in policies.items():
        clash = sorted(set(params) & swept)
        if clash:
            raise InputError(f"{where}: policy {name!r} sets {', '.join(clash)}, which the spec "
                             "also sets; keep each parameter in one place")
    return policies, {name: found for name, found in events.items() if found}


def _parse_outcomes(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {m: ("last_year",) for m in SUMMARY_KEYS}
    _typed(where, "outcomes", value, dict, "a table of measure = stat or [stats]")
    if not value:
        raise InputError(f"{where}: [outcomes] is empty; name at least one measure")
    outcomes = {}
    for measure, stats in value.items():
        at = f"{where} [outcomes]"
        if measure not in REPORTERS and measure not in LAST_YEAR_ONLY:
            import difflib

            close = difflib.get_close_matches(measure, [*REPORTERS, *LAST_YEAR_ONLY], n=3)
            hint = f"did you mean {' or '.join(close)}?" if close else "measures: " + ", ".join(
                [*REPORTERS, *LAST_YEAR_ONLY])
            raise InputError(f"{at}: unknown measure {measure!r}; {hint}")
        stats = [stats] if isinstance(stats, str) else stats
        if not isinstance(stats, list) or not stats or any(s not in STATS for s in stats):
            raise InputError(f"{at}: {measure} = {value[measure]!r} is not allowed; expected "
                             "one or more of " + ", ".join(STATS))
        if measure in LAST_YEAR_ONLY and stats != ["last_year"]:
            raise InputError(f"{at}: {measure} = {value[measure]!r} is not allowed; expected "
                             "\"last_year\" (it is a rate over the last year)")
        outcomes[measure] = tuple(dict.fromkeys(stats))
    return outcomes


def spec_hash(spec: Spec) -> str:
    """A hash of what determines the runs: the spec and every parameter it resolves to
    (and the scheduled events, when there are any)."""
    content: dict[str, Any] = {"spec": spec.data, "base": spec.base_params,
                               "policies": spec.policies}
    if spec.posterior:
        content["posterior"] = spec.posterior
    if spec.base_events or spec.policy_events:
        content["events"] = {"base": [event_identity(e) for e in spec.base_events],
                             **{name: [event_identity(e) for e in found]
                                for name, found in spec.policy_events.items()}}
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def event_identity(event: Any) -> tuple[Any, ...]:
    """What of a scheduled event decides a run: its week and the values it sets (its
    label only names it)."""
    if isinstance(event, dict):
        week, values = event.get("week"), event.get("set", {})
    else:
        week, values = getattr(event, "week", None), getattr(event, "set", {})
    return (week, tuple(sorted(dict(values).items())))


def spec_text(spec: Spec) -> str:
    """The spec as TOML: its own text when it came from a file, else written by tomli-w."""
    if spec.text:
        return spec.text
    import tomli_w

    return tomli_w.dumps(spec.data)
