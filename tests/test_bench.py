"""The benchmark runs and reports every figure (timings are measured, never asserted)."""

import json
import math
import subprocess
import sys

import pytest

from sim.bench import TARGETS, PhaseTimer, parse_size, scaling, schedule
from sim.cli import main
from sim.model import WorkplaceModel
from tests.conftest import SMALL


def test_bench_json_smoke():
    """`aligned bench --sizes small --steps 5 --json` prints every field of the report,
    the batch's runs per second included."""
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "bench", "--sizes", "small", "--steps", "5",
         "--repeats", "1", "--mesa-budget", "5", "--batch-runs", "2", "--batch-workers", "1",
         "--json"],
        capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"machine", "load_before", "load_after", "steps", "sizes", "scaling",
            "targets", "batch", "batch_runs_per_s"} <= set(report)
    rate = report["batch_runs_per_s"]
    assert math.isfinite(rate) and rate > 0
    batch = report["batch"]
    assert (batch["spec"], batch["runs"], batch["ok"], batch["workers"], batch["steps"]) == (
        "throughput", 2, 2, 1, 5)
    assert batch["runs_per_s"] == rate and batch["wall_s"] > 0
    assert report["targets"]["batch_runs_per_s"]["target"] == pytest.approx(1000 / 150)
    (row,) = report["sizes"]
    assert row["size"] == "small" and row["steps"] == 5
    assert (row["employees"], row["customers"]) == (48, 480)
    for key in ("run_s", "create_s", "steps_s", "ms_per_step", "agent_steps_per_s",
                "create_share", "peak_rss_mb", "speedup_vs_mesa", "run_cpu_s",
                "agent_steps_per_cpu_s", "speedup_vs_mesa_cpu"):
        assert row[key] > 0, key
    assert row["agents"] > 48 + 480
    assert row["mesa"]["agents"] == row["agents"] and row["mesa"]["steps"] >= 1
    assert row["mesa"]["model"] == "mesa.examples.BoltzmannWealth"
    ratio = report["targets"]["speedup_vs_mesa_small"]  # the ratio is checked at every size
    assert ratio["value"] == row["speedup_vs_mesa"] and ratio["target"] == 20.0
    phases = row["phases"]
    assert {"customers.raise_cases", "serve_cases", "update_trust", "data collection",
            "record"} <= set(phases)
    assert sum(phases.values()) == pytest.approx(1.0, abs=0.01)
    assert all(v >= 0 for v in phases.values())
    prof = row["profile"]  # where the run goes
    assert prof["weeks"] == row["steps"] + row["spinup_steps"]
    assert prof["python_calls_per_week"] > 100 and len(prof["top_own_time"]) >= 5
    assert 0 < prof["random_draws_s"] < prof["profiled_s"] and prof["random_draw_calls"] > 0
    assert {"binomial", "poisson", "random"} <= set(prof["random_draws_by_method"])
    assert prof["agents_made"] > 0 and prof["mesa_bookkeeping_s"] > 0
    for target in report["targets"].values():  # a speed target not met says why
        if not target["met"] and "why" in target:
            assert target["why"]["steps_s"] > 0 and target["why"]["python_calls_per_week"] > 0
    assert "why" in ratio or ratio["met"]


def test_schedule_follows_step():
    """The phase timer finds every call of step(), in order, including data collection."""
    phases = schedule(WorkplaceModel)
    assert phases[:3] == [("record_closed_week",), ("apply_events",),
                          ("management", "run_processes")]
    assert ("serve_cases",) in phases and phases[-1] == ("record",)
    assert len(phases) == len(set(phases)) >= 15


def test_phase_timer_leaves_results_unchanged():
    """An instrumented model produces the same time series as a plain one, and every phase
    is timed once a step."""
    plain = WorkplaceModel(seed=2, **SMALL)
    timed = WorkplaceModel(seed=2, **SMALL)
    timer = PhaseTimer().instrument(timed)
    for _ in range(8):
        plain.step()
        timed.step()
    a = plain.datacollector.get_model_vars_dataframe()
    b = timed.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert set(timer.calls.values()) == {8}
    assert "data collection" in timer.totals


def test_timed_generator_leaves_results_unchanged():
    """A model whose generator is timed draws the same numbers: the same time series as a
    plain one; the draws are counted."""
    from sim.bench import TimedGenerator

    plain = WorkplaceModel(seed=3, **SMALL)
    timed = WorkplaceModel(seed=3, **SMALL)
    timed.rng = draws = TimedGenerator(timed.rng)
    for _ in range(8):
        plain.step()
        timed.step()
    a = plain.datacollector.get_model_vars_dataframe()
    b = timed.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert draws.calls > 8 and draws.seconds > 0
    assert sum(n for n, _ in draws.by_method.values()) == draws.calls


def test_sizes_and_scaling_fit():
    """Sizes parse by name or EMPLOYEESxCUSTOMERS; the fit recovers a known exponent."""
    assert parse_size("default") == ("default", 200, 2000)
    assert parse_size("500x5000") == ("500x5000", 500, 5000)
    fit = scaling([(1000, 0.001), (10000, 0.01), (100000, 0.1)])
    assert fit["exponent"] == pytest.approx(1.0) and fit["exponent_largest"] == pytest.approx(1.0)
    assert scaling([(1000, 0.001)])["exponent"] is None


def test_targets_are_the_issues():
    """The targets are issue #15's: a default ten-year run in 0.25 s, 1,000 runs in 150 s."""
    assert TARGETS["default_run_s"] == 0.25
    assert TARGETS["batch_runs_per_s"] == pytest.approx(1000 / 150)


def test_throughput_spec():
    """experiments/throughput.toml is 1,000 default ten-year runs with distinct seeds."""
    from sim.study.design import expand
    from sim.study.spec import load_spec

    spec = load_spec("throughput")
    assert (spec.scenario, spec.steps, spec.policies, spec.factors) == ("baseline", 520, {}, [])
    tasks = expand(spec).tasks
    assert len(tasks) == 1000 and len({t.seed for t in tasks}) == 1000


@pytest.mark.parametrize("argv", [["bench", "--sizes", "huge"], ["bench", "--sizes", "3x10"],
                                  ["bench", "--steps", "0"], ["bench", "--repeats", "0"],
                                  ["bench", "--batch-runs", "-1"],
                                  ["bench", "--batch-workers", "0"]])
def test_bench_bad_input(argv, capsys):
    """A bad size, step count or repeat count is one line and exit code 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "aligned: error:" in err
