"""Experiment sweeps: spec validation, design expansion and seeds, identical results on
every executor, failures recorded, a killed sweep resumed, SALib indices on known cases."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import analysis, study, sweep
from sim.cli import main
from tests.conftest import ALIGNED

TINY = 'n_employees = 16\nn_customers = 100\n'
#: Columns that depend on the machine (timings), left out when results are compared.
TIMING = ["elapsed_s", "cpu_s"]


def write_spec(folder: Path, text: str, name: str = "spec") -> Path:
    """Write a spec file and return its path."""
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def tiny_spec(steps: int = 20, replications: int = 2, extra: str = "") -> str:
    """A small two-policy × two-value grid on a tiny firm, with a recorded time series."""
    return f"""
name = "tiny"
steps = {steps}
seed = 11
replications = {replications}
record_every = 5
policies = ["efficiency_kpi", "shared_value"]
{extra}
[constants]
{TINY}
[levers]
manager_reliability = [0.3, 0.9]
meeting_hours = 4

[outcomes]
trust_customer_firm = ["final", "last_year", "timeseries"]
engagement_mean = "last_year"
annual_quit_rate = "last_year"
"""


# --- validation -------------------------------------------------------------------------
BAD_SPECS = [
    ("[levers]\nfoo = [1, 2]", "unknown parameter 'foo'"),
    ("[levers]\nmanager_reliability = { low = 0.2, high = 1.5, levels = 3 }",
     "manager_reliability = 1.5 is not allowed; expected a number in [0, 1]"),
    ("[uncertainties]\nchurn_base = [0.01, 0.9]",
     "churn_base = 0.9 is not allowed; expected a number in [0, 0.2]"),
    ('design = "factorial"\n[levers]\nautonomy = [0.2, 0.8]',
     "design = 'factorial' is not allowed; expected one of grid, lhs, sobol, morris"),
    ('design = { kind = "sobol", n = 100 }\n[levers]\nautonomy = { low = 0.1, high = 0.9 }',
     "design.n = 100 is not allowed for sobol; expected a power of 2"),
    ('design = { kind = "lhs", n = 8 }\n[levers]\nautonomy = [0.2, 0.8]',
     "no parameter has a range"),
    ("[levers]\nautonomy = { low = 0.1, high = 0.9 }", "a grid needs levels"),
    ("[constants]\nautonomy = [0.1, 0.2]", "a constant is one value"),
    ("[levers]\nautonomy = [0.5]\n[constants]\nautonomy = 0.5", "autonomy is also in [levers]"),
    ('policies = ["no_such_scheme"]', "policy 'no_such_scheme' is neither a scenario nor"),
    ('[outcomes]\ntrust_customers = "final"', "unknown measure 'trust_customers'"),
    ('[outcomes]\nprofit = "median"', 'profit = \'median\' is not allowed; expected one or'),
    ("replicates = 3", "unknown key 'replicates'"),
    ("[levers]\nemployee_scheme = { low = 0, high = 1 }", "cannot take a range"),
    ('name = "../../escaped_sweep"',
     "name = '../../escaped_sweep' is not allowed; expected an identifier"),
    ('name = "a b"', "name = 'a b' is not allowed; expected an identifier"),
    ('scenario = "no_such_firm"',
     "scenario = 'no_such_firm' is not allowed; unknown scenario 'no_such_firm'"),
    ('[policies.mine]\nscenario = "no_such_firm"',
     "[policies.mine]: scenario = 'no_such_firm' is not allowed; unknown scenario"),
]


@pytest.mark.parametrize(("text", "message"), BAD_SPECS)
def test_bad_spec_is_one_line_and_exit_2(tmp_path, capsys, text, message):
    """Each kind of bad spec ends with one line naming the problem, exit 2, nothing run."""
    path = write_spec(tmp_path, text)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err, err
    assert len(err.splitlines()) == 1 and str(path) in err
    assert not out.exists()


@pytest.mark.parametrize(("content", "message"), [
    (b'name = "caf\xe9"\nsteps = 5\n', "is not UTF-8 text (byte 0xe9 at offset 11)"),
    (b'\xef\xbb\xbfsteps = 5\n', "starts with a byte-order mark (BOM)"),
    (b'steps = 5\nsteps = 6\n', "not valid TOML"),
])
def test_unreadable_spec_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    """A spec that is not UTF-8, starts with a BOM or is not TOML: one line naming the file."""
    path = tmp_path / "spec.toml"
    path.write_bytes(content)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and str(path) in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_fails_before_any_run(tmp_path, capsys):
    """`sweep --out FILE` ends with one line before anything runs or is written."""
    path = write_spec(tmp_path, tiny_spec(replications=1))
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    assert main(["sweep", str(path), "--out", str(taken), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert f"--out {taken}: is a file" in err and len(err.splitlines()) == 1
    assert taken.read_text() == "keep me"


@pytest.mark.parametrize("text", ["replications = 1000000000", """
[levers]
autonomy = { low = 0.0, high = 1.0, levels = 1000 }
meeting_hours = { low = 0.0, high = 20.0, levels = 1000 }
manager_reliability = { low = 0.0, high = 1.0, levels = 1000 }
case_rate = { low = 0.1, high = 0.5, levels = 1000 }
"""])
def test_oversized_spec_is_refused_without_yes(tmp_path, capsys, text):
    """A spec that expands beyond the limits is refused at once, naming its size."""
    path = write_spec(tmp_path, "steps = 5\n" + text)
    started = time.monotonic()
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    assert time.monotonic() - started < 10  # counted, not expanded
    err = capsys.readouterr().err.strip()
    assert "runs (limit 100,000)" in err and "add --yes" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_yes_runs_a_spec_over_the_limit_and_the_size_is_printed_first(tmp_path, capsys,
                                                                       monkeypatch):
    """Over a (lowered) run limit a sweep needs --yes; its size line comes before the runs."""
    from sim.study import design

    monkeypatch.setattr(design, "MAX_RUNS", 3)
    path = write_spec(tmp_path, tiny_spec(replications=1))
    assert main(["sweep", str(path), "--out", str(tmp_path / "no"), "--quiet"]) == 2
    assert "4 runs (limit 3)" in capsys.readouterr().err
    assert main(["sweep", str(path), "--out", str(tmp_path / "yes"), "--workers", "2",
                 "--yes"]) == 0
    err = capsys.readouterr().err
    assert "sweep tiny: 4 runs, about" in err and "of memory on 2 workers" in err
    assert len(pd.read_parquet(tmp_path / "yes" / "runs.parquet")) == 4


def test_aligned_workers_sets_the_default_and_is_checked(tmp_path, capsys, monkeypatch):
    """ALIGNED_WORKERS is the worker count when --workers is not given; a bad value is one
    line."""
    path = write_spec(tmp_path, tiny_spec(steps=5, replications=1))
    monkeypatch.setenv("ALIGNED_WORKERS", "1")
    assert main(["sweep", str(path), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert "on local with 1 worker\n" in capsys.readouterr().out
    monkeypatch.setenv("ALIGNED_WORKERS", "many")
    assert main(["sweep", str(path), "--out", str(tmp_path / "b"), "--quiet"]) == 2
    assert "ALIGNED_WORKERS=many: expected an integer ≥ 1" in capsys.readouterr().err


def test_unknown_experiment_name_lists_the_shipped_ones(capsys):
    """A spec name that is not in experiments/ names the ones that are."""
    assert main(["sweep", "no_such_experiment"]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment 'no_such_experiment'" in err and "scheme_comparison" in err


@pytest.mark.parametrize("name", ["incentive_phase_diagram", "scheme_comparison",
                                  "sensitivity_sobol"])
def test_shipped_experiments_are_valid(name):
    """The shipped specs parse and expand to the sizes their documentation states."""
    spec = sweep.load_spec(name)
    design = sweep.expand(spec)
    expected = {"scheme_comparison": 200, "incentive_phase_diagram": 6 * 6 * 4,
                "sensitivity_sobol": 64 * (len(spec.sampled) + 2)}
    assert len(design.tasks) == expected[name]
    assert spec.steps == 520


# --- design and seeds ------------------------------------------------------------------
def test_grid_expands_lists_holds_scalars_and_seeds_from_one_seed_sequence(tmp_path):
    """Lists cross, scalars hold, and seed r of every point is child r of SeedSequence(seed)."""
    spec = sweep.load_spec(write_spec(tmp_path, tiny_spec(replications=3)))
    design = sweep.expand(spec)
    assert len(design.tasks) == 2 * 2 * 3
    assert [t.run_id for t in design.tasks] == list(range(12))
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(11).spawn(3)]
    for task in design.tasks:
        assert task.seed == expected[task.replication]
        assert task.params["meeting_hours"] == 4 and task.params["n_employees"] == 16
        assert task.run_id == task.point * 3 + task.replication
    combos = {(t.policy, t.params["manager_reliability"]) for t in design.tasks}
    assert combos == {(p, r) for p in ("efficiency_kpi", "shared_value") for r in (0.3, 0.9)}
    kpi = next(t for t in design.tasks if t.policy == "efficiency_kpi")
    assert kpi.params["employee_scheme"] == "efficiency_kpi"


def test_a_spec_that_varies_nothing_runs_its_replications(tmp_path):
    """With no lists, ranges or policies, the one point runs `replications` times."""
    spec = sweep.load_spec(write_spec(tmp_path, "steps = 5\nreplications = 3\n"))
    design = sweep.expand(spec)
    assert len(design.points) == 1 and len(design.tasks) == 3
    assert len({t.seed for t in design.tasks}) == 3


def test_independent_seeds_give_each_run_its_own_child(tmp_path):
    """With common_random_numbers = false every run has its own child seed."""
    spec = sweep.load_spec(write_spec(tmp_path, tiny_spec(
        replications=2, extra="common_random_numbers = false")))
    seeds = [t.seed for t in sweep.expand(spec).tasks]
    assert seeds == sweep.run_seeds(11, 8) and len(set(seeds)) == 8


@pytest.mark.parametrize(("design", "points"), [
    ('{ kind = "lhs", n = 10 }', 10),
    ('{ kind = "sobol", n = 8 }', 8 * (2 + 2)),
    ('{ kind = "morris", n = 5, levels = 4 }', 5 * (2 + 1)),
])
def test_sampling_designs_stay_in_range_and_repeat(tmp_path, design, points):
    """lhs, sobol and morris give the SALib sample sizes, within the ranges, deterministic."""
    text = f"""
steps = 10
design = {design}
[uncertainties]
case_rate = {{ low = 0.1, high = 0.3 }}
[levers]
hiring_lag_weeks = {{ low = 2, high = 20 }}
"""
    spec = sweep.load_spec(write_spec(tmp_path, text))
    first, second = sweep.expand(spec), sweep.expand(spec)
    assert len(first.points) == points
    pd.testing.assert_frame_equal(first.points, second.points)
    assert first.points["case_rate"].between(0.1, 0.3).all()
    lags = first.points["hiring_lag_weeks"]
    assert lags.between(2, 20).all() and (lags == lags.round()).all()


# --- executors ---------------------------------------------------------------------------
def test_identical_results_on_one_and_two_workers_and_dask(tmp_path):
    """Same spec, same seed: the local pool with 1 or 2 workers and a Dask LocalCluster with
    2 processes give identical runs and time series."""
    path = write_spec(tmp_path, tiny_spec(replications=2))
    one = sweep.execute(path, workers=1)
    two = sweep.execute(path, workers=2)
    dask = sweep.execute(path, executor="dask", workers=2)
    assert (dask.executor, dask.workers) == ("dask", 2)
    assert len(one.runs) == 8 and (one.runs["status"] == "ok").all()
    for other in (two, dask):
        pd.testing.assert_frame_equal(one.runs.drop(columns=TIMING),
                                      other.runs.drop(columns=TIMING))
        pd.testing.assert_frame_equal(one.timeseries, other.timeseries)
    assert set(one.timeseries["week"]) == {5, 10, 15, 20}
    # the seeds differ between replications, so the runs do too
    assert one.runs.groupby("point")["last_year__engagement_mean"].nunique().eq(2).all()


def test_scheduler_address_runs_on_an_existing_cluster(tmp_path, capsys):
    """`--scheduler ADDRESS` sends the runs to a running Dask cluster (here a LocalCluster
    started beforehand) and gives the same results as the local pool."""
    path = write_spec(tmp_path, tiny_spec(replications=1))
    cluster = sweep.start_local_cluster(2, tmp_path / "dask")
    try:
        out = tmp_path / "out"
        assert main(["sweep", str(path), "--out", str(out), "--scheduler",
                     cluster.scheduler_address, "--quiet"]) == 0
        assert "on dask with 2 workers" in capsys.readouterr().out
        assert len(cluster.scheduler_info["workers"]) == 2  # the cluster outlives the sweep
    finally:
        cluster.close()
    remote = pd.read_parquet(out / "runs.parquet")
    local = sweep.run(path, workers=2)
    pd.testing.assert_frame_equal(remote.drop(columns=TIMING), local.drop(columns=TIMING))


def test_failing_run_is_recorded_and_resume_reruns_it(tmp_path, monkeypatch, capsys):
    """A run that raises is recorded with its error and the sweep goes on; --resume reruns
    only that run."""
    path = write_spec(tmp_path, tiny_spec(replications=1))
    out = tmp_path / "out"
    monkeypatch.setenv(sweep.FAIL_ENV, "2")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "3 of 4 runs ok, 1 failed" in text and "run 2 failed: RuntimeError" in text
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.set_index("run_id")["status"].to_dict() == {0: "ok", 1: "ok", 2: "failed",
                                                           3: "ok"}
    failed = runs[runs.run_id == 2].iloc[0]
    assert "failure requested" in failed["error"]
    assert math.isnan(failed["last_year__engagement_mean"])
    series = pd.read_parquet(out / "timeseries.parquet")
    assert 2 not in set(series.run_id) and set(series.run_id) == {0, 1, 3}
    import json

    import pyarrow.parquet as pq

    from sim.runner import package_version

    meta = json.loads(pq.read_schema(out / "runs.parquet").metadata[sweep.METADATA_KEY])
    spec = sweep.load_spec(path)
    assert (meta["spec_hash"], meta["version"]) == (spec.hash, package_version())
    assert meta["spec"]["seed"] == 11 and meta["started"] <= meta["finished"]
    assert (meta["runs_ok"], meta["runs_failed"], meta["complete"]) == (3, 1, True)
    assert json.loads((out / "sweep.json").read_text())["spec_hash"] == spec.hash

    monkeypatch.delenv(sweep.FAIL_ENV)
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    assert "1 runs in" in capsys.readouterr().out
    resumed = pd.read_parquet(out / "runs.parquet")
    assert (resumed["status"] == "ok").all() and resumed.run_id.is_unique
    kept = runs[runs["status"] == "ok"].drop(columns=TIMING).reset_index(drop=True)
    again = resumed[resumed.run_id != 2].drop(columns=TIMING).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, again)


def test_parts_are_compacted_without_losing_or_repeating_runs(tmp_path, monkeypatch):
    """A long sweep merges its parts as it goes; every run and time series is kept once."""
    monkeypatch.setattr(sweep.Store, "COMPACT_EVERY", 3)
    path = write_spec(tmp_path, tiny_spec(replications=2))
    out = tmp_path / "out"
    saved = sweep.execute(path, out=out, workers=1)
    assert not (out / "parts").exists()
    reference = sweep.run(path, workers=2)
    pd.testing.assert_frame_equal(saved.runs.drop(columns=TIMING),
                                  reference.drop(columns=TIMING))
    series = pd.read_parquet(out / "timeseries.parquet")
    assert not series.duplicated(["run_id", "week"]).any() and series.run_id.nunique() == 8


def test_existing_results_need_resume_and_the_same_spec(tmp_path, capsys):
    """A second sweep into a results folder needs --resume, and --resume needs the same spec."""
    path = write_spec(tmp_path, tiny_spec(replications=1))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    assert "add --resume" in capsys.readouterr().err
    other = write_spec(tmp_path, tiny_spec(replications=1).replace("seed = 11", "seed = 12"),
                       "other")
    assert main(["sweep", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "come from a different spec" in capsys.readouterr().err
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    assert "4 already done, skipped" in capsys.readouterr().out


@pytest.fixture(scope="module")
def resumable(tmp_path_factory):
    """A spec long enough to kill part-way, and its uninterrupted results."""
    folder = tmp_path_factory.mktemp("resumable")
    path = write_spec(folder, tiny_spec(steps=60, replications=4))
    return path, sweep.run(path, workers=2)


def _children(pid: int) -> list[int]:
    import psutil

    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def _gone(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_killed_sweep_resumes_with_every_run_once(tmp_path, resumable, stop):
    """A real `aligned sweep` killed part-way keeps its finished runs and leaves no worker
    behind; --resume runs the rest, and the result equals an uninterrupted sweep."""
    path, reference = resumable
    out = tmp_path / "out"
    # the console script: under `python -m` an interrupt can end in SIGINT (tests/conftest.py)
    command = [ALIGNED, "sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    store = sweep.Store(out)
    deadline = time.monotonic() + 90
    while len(list(store.parts.glob("runs-*.parquet"))) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.05)
    workers = _children(process.pid)
    process.send_signal(stop)
    process.communicate(timeout=30)
    assert process.returncode == (-signal.SIGKILL if stop == signal.SIGKILL else 130)
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and all(_gone(pid) for pid in workers)
    done = store.runs()
    assert 2 <= len(done) < len(reference) and done.run_id.is_unique

    result = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=120,
                            check=True)
    assert f"({len(done)} already done, skipped)" in result.stdout
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs.run_id) == list(range(len(reference)))
    pd.testing.assert_frame_equal(runs.drop(columns=TIMING), reference.drop(columns=TIMING))
    series = pd.read_parquet(out / "timeseries.parquet")
    assert not series.duplicated(["run_id", "week"]).any()
    assert series.groupby("run_id").size().eq(12).all() and series.run_id.nunique() == 16
    assert not store.parts.exists()


@pytest.fixture(scope="module")
def long_runs(tmp_path_factory):
    """A spec whose runs last long enough to act on a sweep while it runs, and its
    uninterrupted results."""
    folder = tmp_path_factory.mktemp("long_runs")
    path = write_spec(folder, tiny_spec(steps=300, replications=4))
    return path, sweep.run(path, workers=2)


@pytest.fixture
def reaped():
    """Processes a test starts, killed at its end if still running (a failing test leaves
    none behind; their workers die with them)."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _start_sweep(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    """Start `aligned sweep` with two workers in its own process."""
    command = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(out),
               "--workers", "2", "--quiet", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_parts(process: subprocess.Popen, store: sweep.Store, count: int) -> None:
    deadline = time.monotonic() + 90
    while len(list(store.parts.glob("runs-*.parquet"))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.02)


def _same_runs(out: Path, reference: pd.DataFrame) -> None:
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["run_id"]) == list(range(len(reference)))
    pd.testing.assert_frame_equal(runs.drop(columns=TIMING), reference.drop(columns=TIMING))


def test_second_writer_is_refused_with_the_holders_pid(tmp_path, long_runs, capsys, reaped):
    """While a sweep writes its folder, a second sweep into it, with --resume or without, is
    refused with one line naming the first one's PID; the first finishes every run once."""
    path, reference = long_runs
    out = tmp_path / "out"
    first = _start_sweep(path, out)
    reaped.append(first)
    _wait_for_parts(first, sweep.Store(out), 1)
    for extra in (["--resume"], []):
        assert main(["sweep", str(path), "--out", str(out), "--quiet", *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert f"in use by another aligned process (PID {first.pid})" in err
        assert len(err.splitlines()) == 1
    assert first.poll() is None  # the refused ones did not stop the first
    stdout, _ = first.communicate(timeout=120)
    assert first.returncode == 0 and "16 of 16 runs ok, 0 failed" in stdout
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["complete"] and manifest["runs_ok"] == 16 and len(manifest["sessions"]) == 1
    _same_runs(out, reference)


def test_killed_worker_is_noticed_and_its_run_retried(tmp_path, long_runs, reaped):
    """A pool worker killed mid-sweep (as the out-of-memory killer would) breaks no run: the
    runs it may have held run again on a fresh pool, every run ends ok, nothing is failed."""
    import psutil

    path, reference = long_runs
    out = tmp_path / "out"
    process = _start_sweep(path, out)
    reaped.append(process)
    _wait_for_parts(process, sweep.Store(out), 1)
    parent = psutil.Process(process.pid)
    workers = [c for c in parent.children() if c.cmdline() == parent.cmdline()]
    assert workers, "no pool worker found"
    workers[0].kill()
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "16 of 16 runs ok, 0 failed" in stdout
    assert not workers[0].is_running() or workers[0].status() == psutil.STATUS_ZOMBIE
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["complete"] and (manifest["runs_ok"], manifest["runs_failed"]) == (16, 0)
    _same_runs(out, reference)


def test_run_that_kills_its_worker_twice_is_failed_and_the_rest_run(tmp_path, monkeypatch,
                                                                     capsys):
    """A run whose worker dies each time it is tried is recorded failed after one retry; the
    other runs, queued or in flight, all finish ok, and the sweep is complete."""
    path = write_spec(tmp_path, tiny_spec(steps=20, replications=2))
    out = tmp_path / "out"
    monkeypatch.setenv(sweep.CRASH_ENV, "3")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert "7 of 8 runs ok, 1 failed" in capsys.readouterr().out
    runs = pd.read_parquet(out / "runs.parquet").set_index("run_id")
    assert runs.loc[3, "status"] == "failed" and "WorkerDied" in runs.loc[3, "error"]
    assert (runs.drop(index=3)["status"] == "ok").all()
    assert json.loads((out / "sweep.json").read_text())["complete"]


def test_damaged_part_and_manifest_are_set_aside_and_their_runs_redone(tmp_path, resumable,
                                                                        reaped):
    """After a kill, a truncated Parquet part and a garbage sweep.json are found on --resume,
    set aside with a warning, and the part's runs run again: the result equals an
    uninterrupted sweep."""
    path, reference = resumable
    out = tmp_path / "out"
    process = _start_sweep(path, out)
    reaped.append(process)
    store = sweep.Store(out)
    _wait_for_parts(process, store, 2)
    process.kill()
    process.communicate(timeout=30)
    done = store.runs()
    part = sorted(store.parts.glob("runs-*.parquet"))[0]
    lost = len(pd.read_parquet(part))
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    (out / "sweep.json").write_text("{ not json")
    with pytest.raises(Exception, match="damaged"):
        sweep.load(out)
    result = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(path), "--out",
                             str(out), "--resume", "--quiet"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{part} is damaged" in result.stderr and "sweep.json is damaged" in result.stderr
    assert f"({len(done) - lost} already done, skipped)" in result.stdout
    assert (out / "damaged" / part.name).is_file() and (out / "damaged" / "sweep.json").is_file()
    assert json.loads((out / "sweep.json").read_text())["complete"]
    _same_runs(out, reference)


# --- sensitivity analysis -------------------------------------------------------------
def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function, whose Sobol indices are known in closed form."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_ishigami_match_the_closed_form():
    """The sweep's Sobol sample and analysis recover Ishigami's known indices."""
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sweep.sample_design("sobol", problem, 4096, seed=5)
    indices = analysis.sobol_indices(problem, ishigami(x), seed=5)
    a, b = 7.0, 0.1
    variance = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    s1 = np.array([v1, v2, 0.0]) / variance  # 0.314, 0.442, 0
    st = np.array([v1 + v13, v2, v13]) / variance  # 0.558, 0.442, 0.244
    np.testing.assert_allclose(indices["S1"], s1, atol=0.03)
    np.testing.assert_allclose(indices["ST"], st, atol=0.03)


def test_sensitivity_reads_each_group_in_sample_order(tmp_path):
    """On a sweep design whose outcome is a known linear function (plus seed noise averaged
    over replications), Sobol indices per policy match the analytic shares."""
    text = """
steps = 10
replications = 2
policies = ["efficiency_kpi", "shared_value"]
design = { kind = "sobol", n = 512 }
[levers]
autonomy = { low = 0.0, high = 1.0 }
meeting_hours = { low = 0.0, high = 20.0 }
[outcomes]
profit = "last_year"
"""
    spec = sweep.load_spec(write_spec(tmp_path, text))
    design = sweep.expand(spec)
    rng = np.random.default_rng(0)
    slope = {"efficiency_kpi": (3.0, 0.0), "shared_value": (1.0, 0.1)}
    rows = []
    for task in design.tasks:
        a, m = slope[task.policy]
        value = a * task.varied["autonomy"] + m * task.varied["meeting_hours"]
        rows.append({"run_id": task.run_id, "point": task.point, "policy": task.policy,
                     "status": "ok", "last_year__profit": value + rng.normal(0, 0.01)})
    runs = pd.DataFrame(rows).sample(frac=1, random_state=1)  # finished in any order
    found = dict(analysis.sensitivity(spec, design, runs, "last_year__profit"))
    assert set(found) == {"policy = efficiency_kpi", "policy = shared_value"}
    kpi, shared = found["policy = efficiency_kpi"], found["policy = shared_value"]
    assert kpi.loc["autonomy", "S1"] == pytest.approx(1.0, abs=0.05)
    assert abs(kpi.loc["meeting_hours", "ST"]) < 0.05
    # shared_value: variances 1²/12 and (0.1·20)²/12 → shares 0.2 and 0.8
    assert shared.loc["autonomy", "S1"] == pytest.approx(0.2, abs=0.05)
    assert shared.loc["meeting_hours", "S1"] == pytest.approx(0.8, abs=0.05)


def test_morris_mu_star_of_a_linear_model_is_slope_times_range():
    """Morris μ* of y = 3a − b + 0c equals |slope| × range, with no spread."""
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [5, 6]]}
    x = sweep.sample_design("morris", problem, 20, seed=2, levels=4)
    y = 3 * x[:, 0] - x[:, 1]
    indices = analysis.morris_indices(problem, x, y, levels=4, seed=2)
    np.testing.assert_allclose(indices["mu_star"], [3.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(indices["sigma"], 0.0, atol=1e-9)


def test_mean_ci_covers_the_true_mean_at_its_level():
    """The 95% t-interval covers the true mean in about 95% of normal samples."""
    rng = np.random.default_rng(3)
    trials = 2000
    covered = 0
    for _ in range(trials):
        _, low, high, _ = analysis.mean_ci(rng.normal(1.0, 2.0, size=8))
        covered += low <= 1.0 <= high
    # binomial sd at p = 0.95 over 2000 trials ≈ 0.005: a 3-sd margin
    assert abs(covered / trials - 0.95) < 0.015


def _worker_threads() -> tuple[str | None, list[int]]:
    from threadpoolctl import threadpool_info

    return os.environ.get("OMP_NUM_THREADS"), [p["num_threads"] for p in threadpool_info()]


def test_pool_workers_use_one_blas_thread():
    """The local pool's workers run with one BLAS/OpenMP thread (the pool is the
    parallelism), whatever the start method."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(sweep.default_start_method())
    with ProcessPoolExecutor(1, mp_context=context, initializer=study.init_worker) as pool:
        variable, threads = pool.submit(_worker_threads).result(timeout=60)
    assert variable == "1" and threads and all(n == 1 for n in threads)
