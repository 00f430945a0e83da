"""The package as researchers use it: its name and version, where it finds its libraries,
files every reader sees alike, provenance, and the command line's machine-readable output.
(The built wheel itself is checked outside the checkout by `make wheel`)."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import scenario, study
from sim.cli import main
from sim.files import DISTRIBUTION, library_folder, package_version, search_path
from sim.runner import run, write_outputs

TINY = ["--set", "n_employees=16", "--set", "n_customers=100", "--set", "spinup_weeks=0"]
ENVIRONMENT = {"python", "numpy", "numpy_simd", "pandas", "mesa", "platform"}


def test_version_names_the_package_and_the_model(capsys):
    """`aligned --version` prints the installed version of aligned-workplace."""
    with pytest.raises(SystemExit) as done:
        main(["--version", "scenarios"])  # through argparse as well as the short way
    assert done.value.code == 0
    through_argparse = capsys.readouterr().out
    assert main(["--version"]) == 0
    line = capsys.readouterr().out
    assert line == through_argparse
    assert re.fullmatch(r"aligned \d+\.\d+\.\d+\S* \(aligned-workplace, model version \d+\)\n",
                        line)
    assert package_version() != "unknown" and DISTRIBUTION == "aligned-workplace"


def test_library_folder_follows_the_environment_variable(tmp_path, monkeypatch):
    """$ALIGNED_SCENARIOS names the folder searched first; without it, the checkout's."""
    monkeypatch.setenv("ALIGNED_SCENARIOS", str(tmp_path))
    assert library_folder("scenarios", "ALIGNED_SCENARIOS") == tmp_path
    monkeypatch.delenv("ALIGNED_SCENARIOS")
    assert library_folder("scenarios", "ALIGNED_SCENARIOS") == scenario.SCENARIO_DIR
    assert search_path(tmp_path, "scenarios")[0] == tmp_path


def test_a_name_is_found_in_the_first_folder_that_has_it(tmp_path):
    """Names resolve in search order (an own folder before the library); listings join."""
    own, library = tmp_path / "own", tmp_path / "library"
    own.mkdir()
    library.mkdir()
    (own / "mine.toml").write_text('name = "mine"\n')
    (own / "shared.toml").write_text('name = "shared"\ntitle = "own"\n')
    (library / "shared.toml").write_text('name = "shared"\ntitle = "library"\n')
    (library / "theirs.toml").write_text('name = "theirs"\n')
    searched = (own, library)
    assert scenario.names_in(searched) == ["mine", "shared", "theirs"]
    assert scenario.find_in("shared", searched) == own / "shared.toml"
    assert scenario.find_in("theirs", searched) == library / "theirs.toml"
    assert scenario.find_in("../own/mine", searched) is None


def test_run_files_show_week_as_a_column_with_provenance(tmp_path):
    """timeseries.parquet has `week` as its first real column (pandas reads it back as the
    index); params.json records Python, NumPy, pandas, Mesa and the platform."""
    out = tmp_path / "run"
    assert main(["run", "baseline", "--steps", "6", "--seed", "3", "--out", str(out),
                 *TINY]) == 0
    table = pq.read_table(out / "timeseries.parquet")
    assert table.column_names[0] == "week"
    assert table.column("week").to_pylist() == [1, 2, 3, 4, 5, 6]
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert frame.index.name == "week" and "week" not in frame.columns
    provenance = json.loads((out / "params.json").read_text())
    assert set(provenance["environment"]) == ENVIRONMENT
    assert provenance["environment"]["numpy"] == np.__version__


def test_run_json_writes_files_only_with_out(tmp_path, monkeypatch, capsys):
    """`aligned run --json` prints the summary and leaves no files unless --out is given."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "baseline", "--steps", "3", "--json", *TINY]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 3
    assert list(tmp_path.iterdir()) == []
    assert main(["run", "baseline", "--steps", "3", "--json", "--out", "here", *TINY]) == 0
    assert sorted(p.name for p in (tmp_path / "here").iterdir()) == [
        "params.json", "summary.json", "timeseries.parquet"]


def test_teams_json_without_out_is_refused(tmp_path, monkeypatch, capsys):
    """--teams writes a file, so --json --teams without --out is one line and exit 2."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "baseline", "--json", "--teams", *TINY]) == 2
    assert "--teams" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_teams_series_adds_up_to_the_firm(tmp_path):
    """teams.parquet has a row per team and week whose headcounts add up to the firm's, and
    whose exits add up to the firm's quits in a firm that neither dismisses nor lays off."""
    out = tmp_path / "run"
    assert main(["run", "baseline", "--steps", "40", "--seed", "5", "--out", str(out),
                 "--teams", "--set", "n_employees=40", "--set", "n_customers=300",
                 "--set", "spinup_weeks=0", "--set", "quit_base=0.01",
                 "--set", "staffing=false"]) == 0
    teams = pd.read_parquet(out / "teams.parquet")
    firm = pd.read_parquet(out / "timeseries.parquet")
    assert list(teams.columns[:2]) == ["week", "team"]
    assert len(teams) == 40 * teams["team"].nunique()
    by_week = teams.groupby("week")
    assert (by_week["headcount"].sum().to_numpy() == firm["headcount"].to_numpy()).all()
    assert firm["quits"].sum() > 0
    assert (by_week["exits"].sum().to_numpy() == firm["quits"].to_numpy()).all()
    assert (teams["quits"] == teams["exits"]).all()
    assert teams["engagement"].between(0, 1).all() and teams["satisfaction"].notna().all()


def test_teams_quits_are_the_quits_of_each_team():
    """A team's quits are counted by the model: they add up to the firm's quits every week,
    never exceed the team's exits, and in the week a firm fails (everyone leaves, nobody
    quits) they are zero while the exits are not."""
    result = run("baseline", seed=2, steps=30, teams=True, n_employees=16, n_customers=100,
                 spinup_weeks=0, price=20.0)
    assert result.summary["failed"], "the firm was meant to fail at this price"
    teams = result.teams
    by_week = teams.groupby("week")["quits"].sum()
    assert (by_week.to_numpy() == result.timeseries.loc[by_week.index, "quits"].to_numpy()).all()
    assert (teams["quits"] <= teams["exits"]).all()
    week = result.summary["failed_week"]
    failing = teams[teams["week"] == week]
    assert failing["exits"].sum() > 0 and (failing["quits"] == 0).all()


def test_a_run_without_teams_removes_an_earlier_runs_teams_file(tmp_path):
    """Replacing a run that kept its teams with one that did not leaves no stale teams file."""
    first = run("baseline", seed=1, steps=4, teams=True, n_employees=16, n_customers=100,
                spinup_weeks=0)
    write_outputs(first, tmp_path)
    assert (tmp_path / "teams.parquet").is_file()
    second = run("baseline", seed=1, steps=4, n_employees=16, n_customers=100,
                 spinup_weeks=0)
    write_outputs(second, tmp_path)
    assert not (tmp_path / "teams.parquet").exists()


def test_scenarios_and_params_as_json(capsys):
    """`aligned scenarios --json` and `aligned params --json` list what the tables list."""
    assert main(["scenarios", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed] == scenario.available()
    baseline = next(s for s in listed if s["name"] == "baseline")
    assert baseline["steps"] == scenario.load("baseline").steps
    assert main(["params", "--json", "--group", "finance"]) == 0
    params = json.loads(capsys.readouterr().out)
    wage = next(p for p in params if p["name"] == "wage")
    assert {p["group"] for p in params} == {"finance"}
    assert wage["type"] == "float" and wage["low"] < wage["default"] < wage["high"]


def test_sweep_json_summary_and_outcome_columns_without_dots(tmp_path, capsys):
    """`aligned sweep --json` prints its closing summary as JSON; outcome columns read
    `last_year__engagement_mean`, and sweep.json records the environment."""
    spec = tmp_path / "small.toml"
    spec.write_text('name = "small"\nsteps = 4\nseed = 3\nreplications = 2\n'
                    '[constants]\nn_employees = 16\nn_customers = 100\nspinup_weeks = 0\n'
                    '[levers]\nmeeting_hours = [2.0, 8.0]\n'
                    '[outcomes]\nengagement_mean = ["last_year", "final"]\n')
    out = tmp_path / "results"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["total"], summary["ok"], summary["failed"]) == (4, 4, 0)
    assert summary["complete"] and summary["exit_code"] == 0 and summary["out"] == str(out)
    runs = pd.read_parquet(out / "runs.parquet")
    assert {"last_year__engagement_mean", "final__engagement_mean"} <= set(runs.columns)
    assert not [c for c in runs.columns if "." in c]
    assert runs["last_year__engagement_mean"].map(math.isfinite).all()
    meta = json.loads((out / "sweep.json").read_text())
    assert set(meta["environment"]) == ENVIRONMENT
    assert study.load(out).meta["environment"] == meta["environment"]


def test_outcome_columns_split_back_into_statistic_and_measure():
    """An outcome column names its statistic and measure; other columns pass through."""
    from sim.study.spec import outcome_column, split_outcome

    assert outcome_column("last_year", "annual_quit_rate") == "last_year__annual_quit_rate"
    assert split_outcome("last_year__annual_quit_rate") == ("last_year", "annual_quit_rate")
    assert split_outcome("manager_reliability") == ("", "manager_reliability")
    assert os.sep not in outcome_column("final", "profit")


def test_validate_shows_progress_on_stderr_only(capsys):
    """`aligned validate` names each validation on a progress bar on stderr; stdout is the
    same as with --quiet, which shows no bar."""
    assert main(["validate", "holmstrom_milgrom1991", "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    assert main(["validate", "holmstrom_milgrom1991"]) == 0
    shown = capsys.readouterr()
    assert "holmstrom_milgrom1991" in shown.err and "validation" in shown.err
    strip_time = re.compile(r", \d+ s$", re.MULTILINE)
    assert strip_time.sub("", shown.out) == strip_time.sub("", quiet.out)
