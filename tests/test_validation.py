"""The validation suite: the batched March engine against the single-run primitives, the
equilibrium rule, the team-level turnover count, and `aligned validate` itself."""

import json

import numpy as np
import pytest

from sim.cli import main
from sim.model import WorkplaceModel
from sim.validation import calibration, engine
from sim.validation.engine import MarchCell, at_equilibrium, simulate, simulate_one
from tests.conftest import SMALL


@pytest.mark.parametrize(
    ("cell", "single_runs"),
    [
        (MarchCell(0.5, 0.5), 300),
        (MarchCell(0.9, 0.9, share=0.5), 300),
        (MarchCell(0.3, 0.5, code_acts=True), 200),
        (MarchCell(0.5, 0.5, turnover=0.1, turbulence=0.02, periods=40), 150),
    ],
)
def test_batched_march_agrees_with_the_single_run_primitives(cell, single_runs):
    """Runs stepped together give the same knowledge and time to equilibrium, within four
    standard errors, as runs stepped one by one with sim.learning's primitives (and, for
    the firm's scoring of the code, with the firm's own learning_period)."""
    batched = simulate(np.random.default_rng(11), cell, 2000)
    rng = np.random.default_rng(12)
    single = np.array([simulate_one(rng, cell)[:2] for _ in range(single_runs)])
    knowledge, periods = single[:, 0], single[:, 1]
    se = np.hypot(batched.se, knowledge.std(ddof=1) / np.sqrt(single_runs))
    assert abs(batched.mean - knowledge.mean()) < 4 * se
    if cell.periods is None:
        se_periods = np.hypot(batched.periods.std() / np.sqrt(2000),
                              periods.std(ddof=1) / np.sqrt(single_runs))
        assert abs(batched.periods.mean() - periods.mean()) < 4 * se_periods


def test_equilibrium_means_beliefs_equal_a_code_without_zeros_and_it_is_absorbing():
    """Equilibrium needs every belief equal to the code and no 0 in the code; once there,
    fifty more periods change nothing."""
    rng = np.random.default_rng(3)
    code = np.where(rng.random((4, 30)) < 0.5, -1, 1).astype(np.int8)
    beliefs = np.repeat(code[:, None, :], 50, axis=1).copy()
    assert at_equilibrium(beliefs, code).all()
    other = beliefs.copy()
    other[0, 7, 3] = 0
    zero = code.copy()
    zero[1, 5] = 0
    assert not at_equilibrium(other, code)[0]
    assert not at_equilibrium(np.repeat(zero[:, None, :], 50, axis=1), zero)[1]
    reality = np.where(rng.random((4, 30)) < 0.5, -1, 1).astype(np.int8)
    before = (beliefs.copy(), code.copy())
    cell = MarchCell(0.9, 0.9)
    for _ in range(50):
        engine._period(rng, beliefs, code, reality, cell.rates()[None, :, None],
                       np.float32(0.1), cell)
    assert np.array_equal(beliefs, before[0]) and np.array_equal(code, before[1])


def test_runs_that_hit_the_cap_are_counted():
    """Slow learners stopped after five periods are reported as capped at five periods."""
    result = simulate(np.random.default_rng(0), MarchCell(0.1, 0.1, cap=5), 20)
    assert result.capped.all() and (result.periods == 5).all()


def test_a_code_nobody_feeds_learns_nothing():
    """With complete hoarding (share 0) the code stays at 0 and no run reaches equilibrium."""
    result = simulate(np.random.default_rng(0), MarchCell(0.5, 0.9, share=0.0, cap=30), 10)
    assert (result.knowledge == 0).all() and result.capped.all()


def test_hiring_breadth_zero_hires_clones_of_the_code():
    """At breadth 0 every newcomer's beliefs are the code's; at breadth 1 they are fresh."""
    rng = np.random.default_rng(5)
    code = np.ones((3, 30), dtype=np.int8)
    beliefs = np.full((3, 50, 30), -1, dtype=np.int8)
    engine._replace(rng, beliefs, code, 1.0, 0.0)
    assert (beliefs == 1).all()
    engine._replace(rng, beliefs, code, 1.0, 1.0)
    assert 0.25 < (beliefs == 0).mean() < 0.42


def test_team_leavers_match_the_firms_exits_week_by_week():
    """Leavers read from the arrays (vacated or re-hired positions) equal quits plus
    dismissals every week, including positions re-filled the week they are left."""
    params = {**SMALL, "forced_exit_share": 0.2, "hiring_lag_weeks": 1, "quit_base": 0.02}
    model = WorkplaceModel(seed=2, **params)
    emp = model.employees
    refilled = 0
    for _ in range(120):
        active, tenure = emp.active.copy(), emp.tenure.copy()
        model.step()
        gone = calibration.leavers(active, tenure, emp.active, emp.tenure)
        assert gone.sum() == emp.quits + emp.dismissals
        refilled += int((gone & emp.active).sum())
    assert refilled > 0


def test_team_years_cover_every_team():
    """One seed's window gives engagement, satisfaction and turnover for every team."""
    years = calibration.run_seed({**SMALL, "quit_base": 0.02}, seed=2, steps=60, window=52)
    teams = WorkplaceModel(seed=2, **SMALL).managers.n
    assert years.engagement.shape == years.satisfaction.shape == years.turnover.shape == (teams,)
    assert years.turnover.sum() > 0 and 0 < years.quit_rate < 5


#: Checks the model does not pass as it stands, at CI counts: findings reported in
#: docs/validation.md (none today; until the baseline took market segments and customer
#: flows, churn and the size of the customer link were here). Kept so that a change that
#: breaks a check, or a finding that returns, is noticed and named; the checks themselves
#: state what the literature expects.
NOT_HELD: dict[str, set[str]] = {}


@pytest.mark.slow
def test_validate_json_has_the_documented_shape_and_the_recorded_verdicts(capsys):
    """`aligned validate --json` at CI counts prints, per validation, its tables, its checks
    and the verdict; every check passes but the recorded findings (with any, it exits 1);
    March's table has p1, p2, knowledge and se; the public-goods table has each period's
    contribution share."""
    assert main(["validate", "--json"]) == (1 if NOT_HELD else 0)
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["march1991", "holmstrom_milgrom1991", "public_goods", "calibration"]
    periods = data["public_goods"]["table"]
    assert [r["period"] for r in periods] == list(range(1, 11))
    assert all(0.0 <= r["contribution_share"] <= 1.0 for r in periods)
    table = data["march1991"]["table"]
    assert len(table) == 15
    assert {(r["p1"], r["p2"]) for r in table} == {
        (p1, p2) for p1 in (0.1, 0.3, 0.5, 0.7, 0.9) for p2 in (0.1, 0.5, 0.9)}
    for row in table:
        assert {"p1", "p2", "knowledge", "se"} <= set(row)
        assert 0 < row["se"] < 0.05 and 0.5 < row["knowledge"] <= 1.0
    for name, result in data.items():
        failed = {c["name"] for c in result["checks"] if not c["passed"]}
        assert failed == NOT_HELD.get(name, set()), name
        assert result["passed"] is (not failed), name
        assert result["table"], name


def test_an_impossible_tolerance_fails_the_command(capsys):
    """With every tolerance scaled to 0 the closed-form checks fail and the exit code is 1."""
    assert main(["validate", "holmstrom_milgrom1991", "--tolerance-scale", "0"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  single_task_level" in out and "failed (FAILED:" in out


def test_validate_text_output_passes_for_the_closed_forms(capsys):
    """The text report prints the tables and a PASS line per check."""
    assert main(["validate", "holmstrom_milgrom1991"]) == 0
    out = capsys.readouterr().out
    assert "formula_e" in out and out.count("PASS") == 3 and "0 failed" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "nope"], "unknown validation 'nope'"),
        (["validate", "--runs", "1"], "--runs 1 is not allowed"),
        (["validate", "--tolerance-scale", "-1"], "--tolerance-scale -1.0 is not allowed"),
    ],
)
def test_bad_validate_input_is_one_line_and_exit_2(argv, message, capsys):
    """A bad name or count prints one error line naming it and returns 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_same_seed_same_tables():
    """The validation tables are determined by the seed."""
    from sim.validation import Settings, march

    first = march.validate(Settings(runs=12, seed=3)).as_json()
    again = march.validate(Settings(runs=12, seed=3)).as_json()
    other = march.validate(Settings(runs=12, seed=4)).as_json()
    assert first == again
    assert first["table"] != other["table"]
