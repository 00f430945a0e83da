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


def test_extends_cycle_by_path_is_an_error(tmp_path):
    """pa.toml extends ./pb.toml, which extends ./pa.toml: refused with the files named, even
    when the names inside differ from the file names (cycles are found by file)."""
    (tmp_path / "pa.toml").write_text('name = "first"\nextends = "./pb.toml"\n')
    (tmp_path / "pb.toml").write_text('name = "second"\nextends = "./pa.toml"\n')
    with pytest.raises(InputError, match=r"pb\.toml: extends = './pa\.toml' makes a cycle: "
                       r"pa\.toml → pb\.toml → pa\.toml"):
        scenario.load(tmp_path / "pa.toml")


def test_extending_itself_by_path_is_an_error(tmp_path):
    """A file that extends its own path is refused as a cycle."""
    (tmp_path / "self.toml").write_text('name = "other_name"\nextends = "self.toml"\n')
    with pytest.raises(InputError, match=r"extends = 'self\.toml' makes a cycle: "
                       r"self\.toml → self\.toml"):
        scenario.load(tmp_path / "self.toml")


def test_extends_path_is_read_from_the_files_folder(tmp_path, monkeypatch):
    """`extends = "parent.toml"` means the file beside the scenario, whatever the working
    directory."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "parent.toml").write_text('name = "parent"\nsteps = 33\n[params]\nwage = 950\n')
    (folder / "child.toml").write_text('name = "child"\nextends = "parent.toml"\n')
    monkeypatch.chdir(tmp_path)
    spec = scenario.load("mine/child.toml")
    assert (spec.steps, spec.params) == (33, {"wage": 950.0})
    assert scenario.parent(spec).name == "parent"


def test_extends_a_library_name_from_a_file_anywhere(tmp_path):
    """A bare name in `extends` still means the library's scenario."""
    path = _write(tmp_path, 'name = "mine"\nextends = "efficiency_kpi"\n')
    assert scenario.load(path).params == scenario.load("efficiency_kpi").params


@pytest.mark.parametrize(
    ("extends", "message"),
    [
        ("nowhere", r"extends = 'nowhere' is not allowed; no such scenario; expected a "
                    r"scenario name \(.*baseline"),
        ("./missing.toml", r"extends = '\./missing\.toml' is not allowed; .*missing\.toml "
                           r"does not exist \(a path is read relative to this file's folder\)"),
        ("../../../etc/passwd", r"extends = '\.\./\.\./\.\./etc/passwd' is not allowed; "
                                r"expected a scenario name or a path to a \.toml file"),
        ("sub.toml", r"extends = 'sub\.toml' is not allowed; .*sub\.toml is a folder"),
    ],
)
def test_missing_extends_names_the_file_and_the_key(tmp_path, extends, message):
    """An `extends` that names nothing readable is one line with the file and the key."""
    (tmp_path / "sub.toml").mkdir()
    path = _write(tmp_path, f'name = "x"\nextends = "{extends}"\n')
    with pytest.raises(InputError, match=r"s\.toml: " + message):
        scenario.load(path)


def test_long_extends_chain_is_cut_off(tmp_path):
    """A chain of extends through more files than allowed is refused, not a RecursionError."""
    depth = scenario.MAX_EXTENDS_DEPTH + 1
    for i in range(depth):
        nxt = f'extends = "f{i + 1}.toml"\n' if i + 1 < depth else ""
        (tmp_path / f"f{i}.toml").write_text(f'name = "f{i}"\n{nxt}')
    with pytest.raises(InputError, match="at most 32 files"):
        scenario.load(tmp_path / "f0.toml")


@pytest.mark.parametrize("name", ["../../../escaped_run", "a/b", "..", "-flag", "with space",
                                  "x" * 101, "équipe"])
def test_name_must_be_an_identifier(tmp_path, name):
    """A name with a path separator or other characters is refused, naming what is allowed."""
    path = _write(tmp_path, f'name = "{name}"\n')
    with pytest.raises(InputError, match=r"s\.toml: name = .* is not allowed; expected "
                       r"letters a-z or A-Z, digits, _ and -"):
        scenario.load(path)


def test_name_from_the_file_name_must_be_an_identifier_too(tmp_path):
    """A file without `name` takes its file name, which must then be an identifier."""
    path = tmp_path / "my firm.toml"
    path.write_text('title = "x"\n')
    with pytest.raises(InputError, match=r"name = 'my firm' \(from the file name; set name in "
                       r"the file\) is not allowed"):
        scenario.load(path)
    assert scenario.load(_write(tmp_path, 'title = "x"\n')).name == "s"


@pytest.mark.parametrize(
    ("text", "key"),
    [('compare_with = "../scenarios/baseline"\n', "compare_with"),
     ('compare_with = "baseline"\n[[claims]]\nmeasure = "profit"\nrelation = "lower"\n'
      'than = "../scenarios/baseline"\n', r"claims\[0\]\.than")],
)
def test_scenario_names_in_a_file_are_never_paths(tmp_path, text, key):
    """compare_with and than name library scenarios; a path to a library file is refused."""
    path = _write(tmp_path, 'name = "x"\n' + text)
    with pytest.raises(InputError, match=key + r" = '\.\./scenarios/baseline' is not allowed"):
        scenario.load(path)


def test_non_utf8_file_is_one_line_naming_the_file_and_the_byte(tmp_path):
    """A Latin-1 file says where the first byte that is not UTF-8 is."""
    path = tmp_path / "latin.toml"
    path.write_bytes('name = "x"\ntitle = "Caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.toml: byte 0xe9 on line 2 is not UTF-8; "
                       r"expected a UTF-8 text file"):
        scenario.load(path)


def test_utf16_file_is_named_as_such(tmp_path):
    """A UTF-16 file (as some editors save) is recognised by its byte-order mark."""
    path = tmp_path / "wide.toml"
    path.write_text('name = "x"\n', encoding="utf-16")
    with pytest.raises(InputError, match=r"wide\.toml: the file is UTF-16 text; expected UTF-8"):
        scenario.load(path)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    """A UTF-8 file that starts with a byte-order mark loads like one without."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + 'name = "x"\ntitle = "Café"\n'.encode())
    assert scenario.load(path).title == "Café"


def test_a_folder_is_not_a_scenario_file(tmp_path):
    """A folder given as the scenario says it is a folder, not that it does not exist."""
    with pytest.raises(InputError, match=r"is a folder; expected a scenario name or a \.toml "
                       "file"):
        scenario.load(str(tmp_path) + "/")


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_claim_min_effect_must_be_finite(tmp_path, value):
    """min_effect = inf (or nan) could never be reached; it is refused."""
    path = _write(tmp_path, CLAIMING + f'[[claims]]\nmeasure = "profit"\nrelation = "lower"\n'
                  f"min_effect = {value}\n")
    with pytest.raises(InputError, match=rf"min_effect = {value} is not allowed; expected a "
                       "finite number ≥ 0"):
        scenario.load(path)


def test_steps_in_a_file_are_bounded(tmp_path):
    """A file asking for more weeks than MAX_STEPS is refused, naming the limit."""
    path = _write(tmp_path, 'name = "x"\nsteps = 10000000\n')
    with pytest.raises(InputError, match=r"steps = 10000000 is not allowed; expected an integer "
                       r"in \[1, 10000\]"):
        scenario.load(path)


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
         r"claims\[0\]\.min_effect = -1 is not allowed; expected a finite number ≥ 0"),
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
                current = scenario.parent(current)
            assert chain and chain[-1] == "baseline", (name, chain)
        reasons = param_reasons(spec)
        assert all(reasons.get(key) for key in spec.own_params), (name, reasons)
        assert set(spec.narrative) == set(scenario.NARRATIVE_KEYS), name
        assert spec.key_measures(), name
