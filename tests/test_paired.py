"""Many seeds of a set-up: the batch on the engine, its statistics (bands, paired
differences with their intervals), Cancel, the page's worker policy and `aligned compare`."""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pandas as pd
import pytest

from sim import paired
from sim import scenario as scenarios
from sim.cli import main
from sim.runner import simulate
from sim.study import workers
from sim.viz import charts
from sim.viz.seeds import CANCELLED, DONE, SeedJob
from sim.viz.setup import Setup

TINY = {"n_employees": 16, "n_customers": 160, "market_size": 240, "n_shareholders": 3,
        "spinup_weeks": 0}
TINY_TOML = """name = "{name}"
extends = "{extends}"
steps = {steps}
[params]
n_employees = 16
n_customers = 160
market_size = 240
n_shareholders = 3
spinup_weeks = 0
"""
SWITCH = """[[events]]
week = 6
set = {{ employee_scheme = "balanced_scorecard", manager_scheme = "balanced_scorecard" }}
label = "leave the KPI"
"""


def tiny(name: str, extends: str = "efficiency_kpi", steps: int = 12, events: str = ""
         ) -> scenarios.Scenario:
    """A small firm's scenario, as a file would give it."""
    text = TINY_TOML.format(name=name, extends=extends, steps=steps) + events.format()
    return scenarios.loads(text, name)


def synthetic(a: dict[str, list[float]], b: dict[str, list[float]], weeks: int = 4
              ) -> paired.Results:
    """Results whose every week of seed i holds the value i of each measure."""
    sets = (paired.RunSet("A · baseline", scenarios.load("baseline")),
            paired.RunSet("B · efficiency_kpi", scenarios.load("efficiency_kpi")))
    n = len(next(iter(a.values())))
    plan = paired.Plan(sets, tuple(range(n)), weeks)
    frames = [[pd.DataFrame({m: [v[i]] * weeks for m, v in side.items()},
                            index=pd.RangeIndex(1, weeks + 1, name="week")) for i in range(n)]
              for side in (a, b)]
    return paired.Results(plan, frames, np.zeros((2, n), dtype=bool))


def test_median_interval_is_the_sign_test_interval():
    """With 20 values the 90% interval of the median runs from the 6th to the 15th value
    (coverage 95.9%); with 4 there is none; it always holds the median."""
    values = np.arange(20.0)[::-1]
    assert paired.median_interval(values) == (5.0, 14.0)
    assert all(np.isnan(paired.median_interval([1.0, 2.0, 3.0, 4.0])))
    assert paired.median_interval([3.0, 1.0, 2.0, 5.0, 4.0]) == (1.0, 5.0)
    rng = np.random.default_rng(0)
    for n in (5, 9, 20, 57):
        sample = rng.normal(size=n)
        low, high = paired.median_interval(sample)
        assert low <= np.median(sample) <= high


def test_interval_covers_the_true_median_at_least_as_often_as_promised():
    """Over many samples of 20 from a skewed distribution, the interval holds the true
    median in at least 90% of them."""
    rng = np.random.default_rng(1)
    true_median = np.log(2.0)  # of an exponential with rate 1
    hits = sum(low <= true_median <= high for low, high in
               (paired.median_interval(rng.exponential(size=20)) for _ in range(2000)))
    assert hits / 2000 >= 0.93  # 95.9% expected


def test_paired_rows_read_direction_share_and_robustness_from_the_declaration():
    """B − A per seed: a lower reopen rate is better, more customers are better; a
    difference whose interval holds zero is not robust."""
    n = 10
    results = synthetic(
        {"reopen_rate": [0.5] * n, "customers": [100.0 + i for i in range(n)]},
        {"reopen_rate": [0.4 - 0.01 * i for i in range(n)],
         "customers": [100.0 + i + (1 if i % 2 else -1) for i in range(n)]})
    reopen, customers = paired.paired_rows(results, ["reopen_rate", "customers"])
    assert reopen.better == -1 and reopen.b_better == 1.0
    assert reopen.diff == pytest.approx(-0.145) and reopen.high < 0
    assert reopen.robust and reopen.verdict == "B better"
    assert customers.b_better == 0.5 and customers.low < 0 < customers.high
    assert not customers.robust and customers.verdict == "not robust"


def test_bands_hold_the_middle_half_and_ninety_percent_of_the_seeds():
    """The 50% band is the quartiles, the 90% band the 5th and 95th percentiles."""
    matrix = np.tile(np.arange(101.0)[:, None], (1, 3))
    spread = paired.band(matrix)
    assert np.allclose(spread.median, 50) and np.allclose(spread.narrow, [[25] * 3, [75] * 3])
    assert np.allclose(spread.wide, [[5] * 3, [95] * 3])


def test_batch_gives_the_runs_the_model_gives():
    """Each run of a plan, on the engine's worker processes, is the run `simulate` makes
    with the same parameters, events and seed."""
    a = tiny("tiny_switch", events=SWITCH)
    b = tiny("tiny_kpi")
    plan = paired.Plan((paired.RunSet("A", a), paired.RunSet("B", b)), (3, 4), 10)
    done = []
    results = paired.run(plan, ["customers", "reopen_rate"], workers=1,
                         on_progress=lambda d, t: done.append((d, t)))
    assert done[-1] == (4, 4)
    for k, spec in enumerate((a, b)):
        for i, seed in enumerate(plan.seeds):
            _, frame = simulate(spec.params, seed, 10, events=spec.events)
            shown = results.frames[k][i]
            assert np.array_equal(shown["reopen_rate"], frame["reopen_rate"])
    switched, stayed = results.matrix(0, "reopen_rate"), results.matrix(1, "reopen_rate")
    assert np.array_equal(switched[:, :5], stayed[:, :5])  # same firm before the event
    assert not np.array_equal(switched[:, 6:], stayed[:, 6:])


def test_cancel_ends_a_batch_at_once():
    """Cancel stops a long batch within seconds, keeps nothing, and frees the server's slot
    for the next one."""
    spec = scenarios.load("efficiency_kpi")
    run_set = paired.RunSet("A", spec)
    setup = Setup((run_set,), tuple(range(60)), 520)
    job = SeedJob(setup, ["customers"], workers=1).start()
    time.sleep(1.5)
    asked = time.monotonic()
    job.cancel()
    assert job.wait(10)
    assert time.monotonic() - asked < 5
    assert job.state == CANCELLED and job.results is None
    quick = Setup((paired.RunSet("A", tiny("tiny_kpi")),), (0, 1, 2, 3, 4), 4)
    again = SeedJob(quick, ["customers"], workers=1).start()
    assert again.wait(120) and again.state == DONE


def _pool_workers() -> set[int]:
    """The worker processes of this process's pools: its descendants but the helpers that
    multiprocessing keeps (the forkserver and the resource tracker, its own children)."""
    import psutil

    me = psutil.Process()
    found = set()
    for process in me.children(recursive=True):
        try:
            helper = process.ppid() == me.pid and any(
                name in " ".join(process.cmdline()) for name in ("forkserver", "resource_tracker"))
            if not helper and process.status() != psutil.STATUS_ZOMBIE:
                found.add(process.pid)
        except psutil.NoSuchProcess:
            pass
    return found


def test_cancel_ends_the_batchs_worker_processes():
    """Cancel ends the worker processes of the batch, not only the job: none of them goes
    on with the runs it was sent (sixty ten-year runs, minutes of a core) in the
    background."""
    before = _pool_workers()
    spec = scenarios.load("efficiency_kpi")
    setup = Setup((paired.RunSet("A", spec),), tuple(range(60)), 520)
    job = SeedJob(setup, ["customers"], workers=1).start()
    deadline = time.monotonic() + 60
    while not _pool_workers() - before:
        assert job.active and time.monotonic() < deadline, "no worker started"
        time.sleep(0.05)
    job.cancel()
    assert job.wait(10) and job.state == CANCELLED
    deadline = time.monotonic() + 10
    while (left := _pool_workers() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"worker processes still running after Cancel: {sorted(left)}"


def test_a_page_batch_leaves_a_core_to_the_page(monkeypatch):
    """Every core but one, at least one; ALIGNED_WORKERS decides when it is set."""
    monkeypatch.delenv(workers.WORKERS_ENV, raising=False)
    assert workers.background_workers() == max(workers.available_cores() - 1, 1)
    monkeypatch.setenv(workers.WORKERS_ENV, "3")
    assert workers.background_workers() == 3


def test_a_stop_event_interrupts_the_engine_between_polls():
    """The engine's loop sees a stop event while a run goes on, not only when it ends."""
    from sim.study.batch import run_batch
    from sim.study.executors import LocalExecutor
    from sim.study.task import RunTask

    stop = threading.Event()
    tasks = [RunTask(run_id=i, params={}, seed=i, steps=520) for i in range(4)]
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    start = time.monotonic()
    stats = run_batch(tasks, LocalExecutor(1), lambda batch: None, stop=stop)
    assert stats.interrupted and stats.ran < 4
    assert time.monotonic() - start < 6


def test_compare_command_writes_the_report_for_the_board(tmp_path, capsys, monkeypatch):
    """`aligned compare A.toml B.toml` writes one self-contained page: what was compared,
    bands, the table with intervals, the narratives and the command that makes it again."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "switch.toml").write_text(
        TINY_TOML.format(name="tiny_switch", extends="efficiency_kpi", steps=10)
        + '[narrative]\nwhat_it_is = "A tiny firm leaves the KPI."\n' + SWITCH.format())
    (tmp_path / "kpi.toml").write_text(
        TINY_TOML.format(name="tiny_kpi", extends="efficiency_kpi", steps=10))
    code = main(["compare", "switch.toml", "kpi.toml", "--seeds", "5", "--workers", "1",
                 "--out", "board.html", "--quiet"])
    assert code == 0, capsys.readouterr().err
    page = (tmp_path / "board.html").read_text()
    assert re.search(r"<script[^>]*\bsrc=", page) is None and "plotly.js v" in page
    assert "aligned compare switch.toml kpi.toml --seeds 5 --first-seed 1 --steps 10" in page
    assert "leave the KPI" in page and "employee_scheme = balanced_scorecard" in page
    assert "90% interval" in page and " … " in page
    for spec in charts.CHARTS:
        assert spec.title in page
    assert "A tiny firm leaves the KPI." in page  # the narrative
    assert 'download="switch.toml"' in page


@pytest.mark.parametrize("args, message", [
    (["a", "b", "c"], "3 scenarios: expected A, or A and B"),
    (["baseline", "--seeds", "0"], "--seeds 0: expected an integer ≥ 1"),
    (["baseline", "--steps", "0"], "--steps 0: expected an integer in [1, 10000]"),
    (["no_such_scenario"], "unknown scenario 'no_such_scenario'"),
    (["baseline", "--out", "report.txt"], "expected a file name ending in .html"),
])
def test_compare_command_refuses_bad_input_in_one_line(args, message, capsys, tmp_path,
                                                       monkeypatch):
    """Bad input ends with one line and exit code 2, before any run."""
    monkeypatch.chdir(tmp_path)
    assert main(["compare", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
