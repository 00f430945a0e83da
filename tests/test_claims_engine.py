"""The claim checker: windows, derived rates, the paired test and effect, shared runs, and
the same results on one worker or two."""

import json

import numpy as np
import pandas as pd
import pytest

from sim import claims
from sim import scenario as scenarios
from sim.scenario import Claim


def _claim(**kw):
    base = dict(scenario="a", measure="profit", relation="higher", than="b", min_effect=0.1)
    return Claim(**{**base, **kw})


def test_clear_claim_holds_and_its_reverse_does_not():
    """Ten pairs all 20% higher: 'higher by 10%' holds (p = 1/1024); 'lower' does not."""
    others = np.linspace(100, 200, 10)
    values = others * 1.2
    held = claims.verdict(_claim(), tuple(range(10)), values, others)
    assert held.held and held.pvalue == pytest.approx(1 / 1024)
    assert held.relative == pytest.approx(0.2, rel=0.05)
    reverse = claims.verdict(_claim(relation="lower"), tuple(range(10)), values, others)
    assert not reverse.significant and not reverse.held


def test_small_effect_is_not_enough():
    """Consistent but 2% higher does not reach a 10% minimum effect, though significant."""
    others = np.linspace(100, 200, 10)
    result = claims.verdict(_claim(), tuple(range(10)), others * 1.02, others)
    assert result.significant and not result.large_enough and not result.held


def test_absolute_effect_and_identical_runs():
    """An absolute claim reads the difference in the measure's units; identical values give
    p = 1."""
    others = np.zeros(10)
    result = claims.verdict(_claim(effect="absolute", min_effect=0.2), tuple(range(10)),
                            others + 0.3, others)
    assert result.held and result.absolute == pytest.approx(0.3)
    same = claims.verdict(_claim(), tuple(range(10)), others, others)
    assert same.pvalue == 1.0 and not same.held


def test_windows_and_annual_rates():
    """last_year, final and mean read the right rows of the first `steps` weeks; annual
    rates are events per year over the mean stock."""
    weeks = 104
    frame = pd.DataFrame({"profit": np.arange(weeks, dtype=float),
                          "quits": np.ones(weeks), "headcount": np.full(weeks, 100.0)})
    assert claims.measure_value(claims.window(frame, "final", 60), "profit") == 59
    assert claims.measure_value(claims.window(frame, "last_year", 60), "profit") == np.mean(
        np.arange(8, 60))
    assert claims.measure_value(claims.window(frame, "mean"), "profit") == np.mean(
        np.arange(weeks))
    assert claims.measure_value(claims.window(frame, "mean"), "annual_quit_rate") == (
        pytest.approx(0.52))
    with pytest.raises(ValueError, match="needs 200"):
        claims.window(frame, "final", 200)


def test_requests_share_runs_at_the_longest_length():
    """Claims over the same scenarios share (scenario, seed) runs at the longest steps."""
    short = _claim(steps=100, seeds=10)
    long = _claim(measure="customers", steps=300, seeds=12)
    needed = claims.requests([short, long])
    assert len(needed) == 2 * 12
    assert needed[("a", 0)] == 300 and needed[("b", 11)] == 300


SMALL = ('[params]\nn_employees = 16\nteam_size = 8\nn_customers = 120\nmarket_size = 200\n'
         'n_shareholders = 2\n')


@pytest.fixture
def tiny_library(tmp_path, monkeypatch):
    """A baseline small firm, a copy that restates a default, and a firm with meetings."""
    (tmp_path / "baseline.toml").write_text('name = "baseline"\n' + SMALL)
    (tmp_path / "same.toml").write_text('name = "same"\nextends = "baseline"\n'
                                        '[params]\nmeeting_hours = 8.0\n')
    (tmp_path / "loud.toml").write_text('name = "loud"\nextends = "baseline"\n'
                                        '[params]\nmeeting_hours = 20.0\n')
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", tmp_path)
    return tmp_path


def test_two_workers_give_the_same_runs_as_one(tiny_library):
    """Runs in a pool of two equal runs in-process, and identical parameter sets share one
    run (baseline and a file restating a default get the same series)."""
    needed = {("baseline", 0): 20, ("same", 0): 12, ("loud", 0): 20, ("loud", 1): 20}
    one = claims.run_many(needed, workers=1, columns=["profit", "effort_total"])
    two = claims.run_many(needed, workers=2, columns=["profit", "effort_total"])
    for key in needed:
        pd.testing.assert_frame_equal(one[key], two[key])
    assert one[("same", 0)] is one[("baseline", 0)]
    assert not one[("loud", 0)].equals(one[("loud", 1)])
    assert list(one[("loud", 0)].columns) == ["effort_total", "profit"]


def test_claims_command_reports_a_claim_that_does_not_hold_and_fails_only_when_strict(
        tiny_library, tmp_path, capsys):
    """`aligned claims NAME` prints one row per claim with its verdict; a claim that does not
    hold is a finding (exit 0), and an error only with --strict (exit 1)."""
    from sim.cli import main

    claim = '[[claims]]\nmeasure = "effort_total"\nthan = "baseline"\nsteps = 20\n'
    (tiny_library / "loud.toml").write_text(
        'name = "loud"\nextends = "baseline"\n[params]\nmeeting_hours = 20.0\n'
        + claim + 'relation = "lower"\nmin_effect = 0.05\nsource = "idea:A8"\n'
        + claim + 'relation = "higher"\n')
    runs = ["--workers", "1", "--results", str(tmp_path / "runs")]
    assert main(["claims", "loud", *runs]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| loud |")]
    assert len(rows) == 2
    assert rows[0].endswith("| held | idea:A8 |") and rows[1].endswith("| not held |  |")
    assert "1 of 2 claims held" in out
    assert main(["claims", "loud", "--strict", *runs]) == 1
    capsys.readouterr()
    assert main(["claims", "loud", "--json", *runs]) == 0
    verdicts = json.loads(capsys.readouterr().out)
    assert [v["status"] for v in verdicts] == ["held", "not held"]


def test_too_few_seeds_are_inconclusive_not_a_failure():
    """Six paired seeds cannot reach p < 0.01 (the least p is 1/64): the verdict is
    inconclusive, however large the effect; ten can."""
    import numpy as np

    from sim.scenario import Claim

    claim = Claim("a", "profit", "higher", "b")
    six = claims.verdict(claim, tuple(range(6)), np.arange(6) + 100.0, np.zeros(6))
    ten = claims.verdict(claim, tuple(range(10)), np.arange(10) + 100.0, np.zeros(10))
    assert six.status == "inconclusive" and not six.held
    assert ten.status == "held"
