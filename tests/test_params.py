"""The parameter declaration: one source of defaults, ranges and checks."""

from pathlib import Path

import pytest

from sim.errors import InputError
from sim.incentives import PRESETS
from sim.params import MEASURES, PARAMS, Param, check_values, defaults, resolve_params


def test_every_parameter_has_doc_unit_group_and_a_default_in_range():
    """Each declared parameter is documented and its default passes its own check."""
    for p in PARAMS.values():
        assert p.doc, p.name
        assert p.group, p.name
        assert p.check(p.default, "test") == p.default
        if p.type in (int, float):
            assert p.low is not None and p.high is not None, p.name


def test_declaration_rejects_bounds_in_the_wrong_order():
    """A parameter whose low bound exceeds its high bound cannot be declared."""
    with pytest.raises(ValueError, match="low"):
        Param("x", float, 0.5, 1.0, 0.0)


def test_check_names_key_value_and_range():
    """An out-of-range value names the parameter, the value and the allowed range."""
    with pytest.raises(InputError, match=r"meeting_hours = 99 .* \[0, 30\]"):
        check_values({"meeting_hours": 99}, "here")


def test_check_rejects_wrong_types():
    """Strings for numbers, floats for integers and numbers for booleans are refused."""
    with pytest.raises(InputError, match="n_employees"):
        check_values({"n_employees": 10.5}, "here")
    with pytest.raises(InputError, match="customized_work"):
        check_values({"customized_work": 1}, "here")
    with pytest.raises(InputError, match="wage"):
        check_values({"wage": "high"}, "here")


def test_unknown_parameter_suggests_close_names():
    """A misspelt parameter gets the close names suggested."""
    with pytest.raises(InputError, match="did you mean meeting_hours"):
        check_values({"meeting_hour": 3}, "here")


def test_parse_reads_command_line_text():
    """`--set` text is parsed to the declared type."""
    assert PARAMS["n_employees"].parse("120", "x") == 120
    assert PARAMS["customized_work"].parse("true", "x") is True
    assert PARAMS["meeting_hours"].parse("2.5", "x") == 2.5
    with pytest.raises(InputError):
        PARAMS["customized_work"].parse("maybe", "x")


@pytest.mark.parametrize("text", ["1_00", "inf", "-inf", "nan", "1e309", "0x10", "4,5", ""])
def test_parse_takes_plain_finite_numbers_only(text):
    """Underscores, infinities, NaN, overflow and hex are refused on the command line."""
    with pytest.raises(InputError, match=r"meeting_hours = .* is not allowed; expected a number "
                       r"in \[0, 30\], written as a plain number"):
        PARAMS["meeting_hours"].parse(text, "x")


def test_parse_reads_exponents_and_signs():
    """1e1, +3 and .5 are plain numbers."""
    assert PARAMS["meeting_hours"].parse("1e1", "x") == 10.0
    assert PARAMS["n_employees"].parse("+3e2", "x") == 300
    assert PARAMS["meeting_hours"].parse(" .5 ", "x") == 0.5


def test_scheme_expands_into_weights_and_policies():
    """A scheme name sets the weights and its policies; explicit values win."""
    values = resolve_params({"employee_scheme": "rank_and_yank"})
    assert values["emp_w_throughput"] == PRESETS["rank_and_yank"]["weights"]["throughput"]
    assert values["relative_evaluation"] == 1.0
    values = resolve_params({"employee_scheme": "rank_and_yank", "relative_evaluation": 0.5})
    assert values["relative_evaluation"] == 0.5


def test_overridden_weights_make_the_scheme_custom():
    """A scheme whose weights were overridden is reported as custom."""
    values = resolve_params({"employee_scheme": "efficiency_kpi", "emp_w_peer_recognition": 0.4})
    assert values["employee_scheme"] == "custom"
    assert values["manager_scheme"] == defaults()["manager_scheme"]


def test_default_weights_equal_the_default_scheme():
    """The declared weight defaults are exactly the default scheme's weights."""
    scheme = defaults()["employee_scheme"]
    for m in MEASURES:
        assert PARAMS[f"emp_w_{m}"].default == PRESETS[scheme]["weights"][m]


def test_every_parameter_is_named_in_the_model_description():
    """Each declared parameter appears in docs/model.md as `name`, where its mechanism is."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "model.md").read_text("utf-8")
    missing = [name for name in PARAMS if f"`{name}`" not in text]
    assert not missing, "parameters never named (in backticks) in docs/model.md: " + ", ".join(
        missing)


def test_a_retired_parameter_names_its_replacement(tmp_path, capsys):
    """A scenario file or --set naming a retired parameter ends with one line saying what
    replaced it (exit 2)."""
    from sim.cli import main
    from sim.params import RETIRED

    path = tmp_path / "old.toml"
    path.write_text('name = "old"\nextends = "baseline"\n[params]\nrival_help_cost = 0.6\n')
    assert main(["run", str(path), "--steps", "1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "rival_help_cost was retired" in err
    for name in RETIRED:
        assert main(["run", "baseline", "--steps", "1", "--set", f"{name}=0.5"]) == 2
        line = capsys.readouterr().err.strip()
        assert len(line.splitlines()) == 1 and f"{name} was retired in model 2" in line
