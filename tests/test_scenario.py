"""Scenario files: every shipped one loads, and bad ones fail with a clear message."""

import pytest

from sim import scenario
from sim.errors import InputError


def test_every_shipped_scenario_loads_with_title_and_narrative():
    """Each file in scenarios/ validates and has a title and a description."""
    names = scenario.available()
    assert {"baseline", "efficiency_kpi", "balanced_scorecard", "shared_value",
            "shareholder_primacy", "rank_and_yank"} <= set(names)
    for name in names:
        spec = scenario.load(name)
        assert spec.title and spec.description, name


def _write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_unknown_header_key(tmp_path):
    """An unknown top-level key names the file and the allowed keys."""
    path = _write(tmp_path, 'name = "x"\ncolour = "red"\n')
    with pytest.raises(InputError, match=r"s\.toml: unknown key 'colour'; allowed keys"):
        scenario.load(path)


def test_unknown_parameter(tmp_path):
    """An unknown parameter in [params] names the file and the key."""
    path = _write(tmp_path, 'name = "x"\n[params]\nmeetings = 3\n')
    with pytest.raises(InputError, match=r"s\.toml \[params\]: unknown parameter 'meetings'"):
        scenario.load(path)


def test_out_of_range_value(tmp_path):
    """A value out of range names the key, the value and the range."""
    path = _write(tmp_path, 'name = "x"\n[params]\nautonomy = 2.0\n')
    with pytest.raises(InputError, match=r"autonomy = 2\.0 is not allowed; expected a number in"):
        scenario.load(path)


def test_wrong_type(tmp_path):
    """A wrong type for steps is refused."""
    path = _write(tmp_path, 'name = "x"\nsteps = "long"\n')
    with pytest.raises(InputError, match="steps = 'long'"):
        scenario.load(path)


def test_malformed_toml(tmp_path):
    """A file that is not TOML says so with the parser's position."""
    path = _write(tmp_path, 'name = "x\n')
    with pytest.raises(InputError, match="not valid TOML"):
        scenario.load(path)


def test_missing_file_and_unknown_name(tmp_path):
    """A missing path and an unknown name both fail clearly."""
    with pytest.raises(InputError, match="does not exist"):
        scenario.load(tmp_path / "nope.toml")
    with pytest.raises(InputError, match="unknown scenario 'nope'; available: "):
        scenario.load("nope")


def test_extends_inherits_parameters_and_overrides_them(tmp_path, monkeypatch):
    """A scenario that extends another takes its parameters, then its own win."""
    monkeypatch.setattr(scenario, "SCENARIO_DIR", tmp_path)
    (tmp_path / "base.toml").write_text('name = "base"\nsteps = 30\n[params]\nwage = 900\n'
                                        'autonomy = 0.2\n')
    (tmp_path / "child.toml").write_text('name = "child"\nextends = "base"\n[params]\n'
                                         'autonomy = 0.9\n')
    spec = scenario.load("child")
    assert spec.params == {"wage": 900.0, "autonomy": 0.9}
    assert spec.own_params == {"autonomy": 0.9}
    assert spec.steps == 30


def test_extends_cycle_is_an_error(tmp_path, monkeypatch):
    """Two scenarios extending each other are refused with the chain named."""
    monkeypatch.setattr(scenario, "SCENARIO_DIR", tmp_path)
    (tmp_path / "a.toml").write_text('name = "a"\nextends = "b"\n')
    (tmp_path / "b.toml").write_text('name = "b"\nextends = "a"\n')
    with pytest.raises(InputError, match="makes a cycle"):
        scenario.load("a")
