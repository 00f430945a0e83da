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


# --- claims and charts ----------------------------------------------------------------------
CLAIMING = 'name = "x"\ncompare_with = "baseline"\n'


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ('measure = "profit"\nrelation = "lower"\ncolour = 1\n',
         r"unknown key 'colour' in claims\[0\]; allowed keys: measure"),
        ('relation = "lower"\n', r"claims\[0\]\.measure is missing"),
        ('measure = "profit"\nrelation = "smaller"\n',
         r"claims\[0\]\.relation = 'smaller' is not allowed; expected one of lower, higher"),
        ('measure = "proffit"\nrelation = "lower"\n',
         r"claims\[0\]\.measure = 'proffit' is not allowed; did you mean profit"),
        ('measure = "profit"\nrelation = "lower"\nover = "week"\n',
         r"claims\[0\]\.over = 'week' is not allowed; expected one of last_year, final, mean"),
        ('measure = "profit"\nrelation = "lower"\nseeds = 3\n',
         r"claims\[0\]\.seeds = 3 is not allowed; expected an integer in \[10, 1000\]"),
        ('measure = "profit"\nrelation = "lower"\nmin_effect = -1\n',
         r"claims\[0\]\.min_effect = -1 is not allowed; expected a number ≥ 0"),
        ('measure = "profit"\nrelation = "lower"\nsteps = 0\n',
         r"claims\[0\]\.steps = 0 is not allowed"),
        ('measure = "profit"\nrelation = "lower"\nthan = "nowhere"\n',
         r"claims\[0\]\.than = 'nowhere' is not allowed; expected a scenario name"),
        ('measure = "profit"\nrelation = "lower"\neffect = "huge"\n',
         r"claims\[0\]\.effect = 'huge' is not allowed; expected one of relative, absolute"),
    ],
)
def test_bad_claim_names_file_key_value_and_allowed(tmp_path, claim, message):
    """Each malformed claim is refused with the file, the key, the value and what is allowed."""
    path = _write(tmp_path, CLAIMING + "[[claims]]\n" + claim)
    with pytest.raises(InputError, match=r"s\.toml: " + message):
        scenario.load(path)


def test_claim_needs_something_to_compare_with(tmp_path):
    """A claim without `than` in a scenario without compare_with is refused."""
    path = _write(tmp_path, 'name = "x"\n[[claims]]\nmeasure = "profit"\nrelation = "lower"\n')
    with pytest.raises(InputError, match=r"claims\[0\]\.than is missing"):
        scenario.load(path)


def test_claims_must_be_tables(tmp_path):
    """`claims = [1]` is not an array of tables."""
    path = _write(tmp_path, CLAIMING + "claims = [1]\n")
    with pytest.raises(InputError, match=r"claims\[0\] = 1 is not allowed; expected a table"):
        scenario.load(path)


def test_claim_defaults_come_from_the_scenario(tmp_path):
    """A claim takes compare_with as `than`, the scenario's steps, 10 seeds, last-year mean."""
    path = _write(tmp_path, CLAIMING + 'steps = 104\ncharts = ["profit", "annual_quit_rate"]\n'
                  '[[claims]]\nmeasure = "reopen_rate"\nrelation = "higher"\n')
    spec = scenario.load(path)
    (claim,) = spec.claims
    assert (claim.than, claim.steps, claim.seeds, claim.over, claim.effect) == (
        "baseline", 104, 10, "last_year", "relative")
    assert spec.charts == ("profit", "annual_quit_rate")
    assert "reopen_rate (mean over the last year, 104 weeks) higher than in baseline" in str(claim)


def test_bad_chart_measure(tmp_path):
    """A chart naming an unknown measure is refused."""
    path = _write(tmp_path, 'name = "x"\ncharts = ["trust"]\n')
    with pytest.raises(InputError, match=r"charts\[0\] = 'trust' is not allowed"):
        scenario.load(path)


def test_compare_with_must_exist(tmp_path):
    """compare_with naming no scenario is refused."""
    path = _write(tmp_path, 'name = "x"\ncompare_with = "nowhere"\n')
    with pytest.raises(InputError, match="compare_with = 'nowhere' is not allowed"):
        scenario.load(path)


def test_library_scenarios_follow_the_conventions():
    """Every library file derives from baseline, says why for each parameter it sets, tells
    all five parts of its narrative and names the measures that matter for it."""
    from sim.lesson import param_reasons

    for name in scenario.available():
        spec = scenario.load(name)
        if name != "baseline":
            chain, current = [], spec
            while current.extends:
                chain.append(current.extends)
                current = scenario.load(current.extends)
            assert chain and chain[-1] == "baseline", (name, chain)
        reasons = param_reasons(spec)
        assert all(reasons.get(key) for key in spec.own_params), (name, reasons)
        assert set(spec.narrative) == set(scenario.NARRATIVE_KEYS), name
        assert spec.key_measures(), name
