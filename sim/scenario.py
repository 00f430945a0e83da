"""Scenario files: a TOML header (name, title, description, steps, seed, extends), an
optional [narrative] in the NetLogo Info-tab shape, and a [params] table of overrides.

A scenario that `extends` another starts from that one's parameters (its steps and seed
too, unless it sets its own), so each file states only where it differs.

Every key is checked where it enters: an unknown key, a wrong type or an out-of-range
value is an `InputError` that names the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.params import check_values

SCENARIO_DIR = Path(os.environ.get("ALIGNED_SCENARIOS", Path(__file__).parent.parent / "scenarios"))

NARRATIVE_KEYS = ("what_it_is", "how_it_works", "things_to_notice", "things_to_try", "sources")
HEADER_KEYS = ("name", "title", "description", "steps", "seed", "extends", "compare_with")
TABLE_KEYS = ("params", "narrative", "claims")
DEFAULT_STEPS = 520
DEFAULT_SEED = 1


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
    claims: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None


def available() -> list[str]:
    """Names of the scenarios in the scenario folder, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def locate(name_or_path: str | os.PathLike) -> Path:
    """The file of a scenario given by name (in the scenario folder) or by path."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.parent != Path("."):
        if not path.is_file():
            raise InputError(f"scenario file {text} does not exist")
        return path
    candidate = SCENARIO_DIR / f"{text}.toml"
    if not candidate.is_file():
        names = ", ".join(available()) or "(none)"
        raise InputError(f"unknown scenario {text!r}; available: {names}")
    return candidate


def _typed(where: str, key: str, value: Any, kind: type, allowed: str) -> Any:
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InputError(f"{where}: {key} = {value!r} is not allowed; expected {allowed}")
    return value


def load(name_or_path: str | os.PathLike, _chain: tuple[str, ...] = ()) -> Scenario:
    """Read and validate a scenario file (and the ones it extends)."""
    path = locate(name_or_path)
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot be read: {exc.strerror}") from None
    return from_dict(data, where, path, _chain)


def from_dict(
    data: dict[str, Any], where: str, path: Path | None = None, _chain: tuple[str, ...] = ()
) -> Scenario:
    """Validate a scenario given as a mapping (the parsed TOML)."""
    for key in data:
        if key not in HEADER_KEYS + TABLE_KEYS:
            allowed = ", ".join(HEADER_KEYS + TABLE_KEYS)
            raise InputError(f"{where}: unknown key {key!r}; allowed keys: {allowed}")
    name = _typed(where, "name", data.get("name", path.stem if path else ""), str, "a string")
    if not name:
        raise InputError(f"{where}: name is missing; expected a string")
    parent = None
    extends = data.get("extends")
    if extends is not None:
        _typed(where, "extends", extends, str, "a scenario name")
        if extends in (*_chain, name):
            raise InputError(f"{where}: extends = {extends!r} makes a cycle: "
                             + " → ".join((*_chain, name, extends)))
        parent = load(extends, (*_chain, name))
    steps = _typed(where, "steps", data.get("steps", parent.steps if parent else DEFAULT_STEPS),
                   int, "an integer ≥ 1")
    if steps < 1:
        raise InputError(f"{where}: steps = {steps!r} is not allowed; expected an integer ≥ 1")
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
    claims = _typed(where, "claims", data.get("claims", []), list, "an array of tables")
    compare_with = data.get("compare_with")
    if compare_with is not None:
        _typed(where, "compare_with", compare_with, str, "a scenario name")
    own = check_values(params, f"{where} [params]")
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
        path=path,
    )
