"""The `aligned` command line: outputs, the summary contract, and clear errors."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main
from sim.measures import SUMMARY_KEYS


def test_run_writes_outputs_and_summary_contract(tmp_path, capsys):
    """`aligned run --json` writes the three files and prints the summary contract."""
    out = tmp_path / "run"
    code = main(["run", "baseline", "--steps", "60", "--seed", "4", "--out", str(out),
                 "--set", "n_customers=400", "--set", "n_employees=40", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["scenario"], summary["seed"], summary["steps"]) == ("baseline", 4, 60)
    for key in SUMMARY_KEYS:
        assert key in summary["final"] and key in summary["last_year"], key
    assert {"annual_quit_rate", "annual_churn_rate"} <= set(summary["last_year"])
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert len(frame) == 60 and set(SUMMARY_KEYS) <= set(frame.columns)
    params = json.loads((out / "params.json").read_text())
    assert params["seed"] == 4 and params["params"]["n_employees"] == 40
    assert params["version"]
    assert json.loads((out / "summary.json").read_text()) == summary


def test_run_prints_a_table(tmp_path, capsys):
    """Without --json a table of the main measures is printed."""
    assert main(["run", "baseline", "--steps", "10", "--out", str(tmp_path),
                 "--set", "n_employees=16", "--set", "n_customers=100"]) == 0
    text = capsys.readouterr().out
    assert "engagement_mean" in text and "annual_quit_rate" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope"], "unknown scenario 'nope'"),
        (["run", "baseline", "--set", "foo=1"], "unknown parameter 'foo'"),
        (["run", "baseline", "--set", "autonomy=3"], "autonomy = 3.0 is not allowed"),
        (["run", "baseline", "--set", "autonomy"], "expected name=value"),
        (["run", "baseline", "--steps", "0"], "--steps 0"),
        (["run", "baseline", "--set", "meeting_hours=4", "--set", "meeting_hours=5"],
         "--set 'meeting_hours=5': meeting_hours is already set; give each parameter once"),
        (["run", "baseline", "--set", "n_employees=1_00"], "n_employees = '1_00' is not allowed"),
        (["run", "baseline", "--set", "wage=1e309"], "wage = '1e309' is not allowed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    """Each kind of bad input prints one error line naming it and returns 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_console_script_has_no_traceback(tmp_path):
    """The installed `aligned` command exits 2 with no traceback on a bad scenario file."""
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[params]\nwage = 'lots'\n")
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "wage = 'lots'" in done.stderr


def test_scenarios_and_params_listings(capsys):
    """`aligned scenarios` lists titles; `aligned params` lists every parameter."""
    assert main(["scenarios"]) == 0
    assert "efficiency_kpi" in capsys.readouterr().out
    assert main(["params"]) == 0
    text = capsys.readouterr().out
    assert "meeting_hours" in text and "h/week" in text
