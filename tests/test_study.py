"""The batch engine outside sweeps: claims and lessons keep their runs and resume after
kill -9 without redoing them, the Dask cluster listens on nothing but its own connections,
and the package imports without a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import claims
from sim import scenario as scenarios
from sim.study import Store, start_local_cluster

#: A small firm whose runs last long enough to kill a batch part-way.
LIBRARY = {
    "baseline.toml": 'name = "baseline"\nsteps = 200\n[params]\nn_employees = 16\n'
                     'team_size = 8\nn_customers = 120\nmarket_size = 200\nn_shareholders = 2\n',
    "loud.toml": 'name = "loud"\ntitle = "Meetings all day"\nextends = "baseline"\n'
                 'compare_with = "baseline"\n[params]\nmeeting_hours = 20.0\n'
                 '[[claims]]\nmeasure = "effort_total"\nrelation = "lower"\n'
                 'min_effect = 0.01\n',
}


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A scenario folder with a baseline and a scenario that states one claim against it."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, text in LIBRARY.items():
        (folder / name).write_text(text)
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", folder)
    monkeypatch.setenv("ALIGNED_SCENARIOS", str(folder))
    return folder


def _kill_part_way(command: list[str], results: Path) -> pd.DataFrame:
    """Start an `aligned` command, SIGKILL it once two batches of runs are kept, and
    return the runs it kept."""
    process = subprocess.Popen([sys.executable, "-m", "sim.cli", *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    store = Store(results)
    deadline = time.monotonic() + 90
    try:
        while len(list(store.parts.glob("runs-*.parquet"))) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.02)
    finally:
        process.kill()
        process.communicate(timeout=30)
    return store.runs()


@pytest.mark.parametrize("command", [
    ["claims", "loud", "--workers", "2"],
    ["lesson", "loud", "--workers", "2", "--seeds", "10"],
])
def test_killed_claims_and_lessons_resume_without_redoing_finished_runs(library, tmp_path,
                                                                        command):
    """`aligned claims` and `aligned lesson` killed with SIGKILL keep the runs they finished;
    the next call reuses exactly those (their records are untouched) and runs the rest, and
    its output equals a call that was never interrupted."""
    results = tmp_path / "runs"
    extra = ["--out", str(tmp_path / "a.html")] if command[0] == "lesson" else []
    kept = _kill_part_way([*command, *extra, "--results", str(results)], results)
    total = 20  # two scenarios × ten seeds
    assert 2 <= len(kept) < total and (kept["status"] == "ok").all()
    again = subprocess.run([sys.executable, "-m", "sim.cli", *command, *extra, "--results",
                            str(results)], capture_output=True, text=True, timeout=180)
    assert again.returncode in (0, 1), again.stderr
    assert f"{len(kept)} of {total} runs reused from {results}/, {total - len(kept)} to run" \
        in again.stderr
    runs = Store(results).runs().set_index("run_id")
    assert len(runs) == total
    before = kept.set_index("run_id")
    pd.testing.assert_series_equal(runs.loc[before.index, "elapsed_s"], before["elapsed_s"])

    fresh = tmp_path / "fresh"
    extra_fresh = ["--out", str(tmp_path / "b.html")] if command[0] == "lesson" else []
    clean = subprocess.run([sys.executable, "-m", "sim.cli", *command, *extra_fresh,
                            "--results", str(fresh)], capture_output=True, text=True,
                           timeout=180)
    assert clean.returncode == again.returncode
    if command[0] == "claims":
        assert clean.stdout == again.stdout and "| loud | effort_total |" in again.stdout
    else:
        first, second = ((tmp_path / n).read_text(encoding="utf-8") for n in ("a.html",
                                                                               "b.html"))
        assert _without_dates(first) == _without_dates(second)


def _without_dates(text: str) -> str:
    import re

    return re.sub(r"\d{4}-\d{2}-\d{2}[T ][\d:]+\S*", "", text)


def test_cached_runs_equal_fresh_runs_and_a_second_call_runs_nothing(library, tmp_path):
    """Runs read back from the results folder equal the runs made in memory, and a second
    call with the same requests runs nothing."""
    needed = {("baseline", 0): 30, ("loud", 0): 30, ("loud", 1): 20}
    lines: list[str] = []
    memory = claims.run_many(needed, workers=2, columns=["profit", "headcount"])
    first = claims.run_many(needed, workers=2, columns=["profit", "headcount"],
                            results=tmp_path / "runs", announce=lines.append)
    second = claims.run_many(needed, workers=2, columns=["profit", "headcount"],
                             results=tmp_path / "runs", announce=lines.append)
    for key in needed:
        pd.testing.assert_frame_equal(memory[key], first[key])
        pd.testing.assert_frame_equal(memory[key], second[key])
    assert lines == ["runs: 0 of 3 runs reused from " f"{tmp_path / 'runs'}/, 3 to run",
                     "runs: 3 of 3 runs reused from " f"{tmp_path / 'runs'}/, 0 to run"]


def test_dask_cluster_listens_on_nothing_but_its_connections(tmp_path):
    """The LocalCluster a sweep starts serves no dashboard or other HTTP: the only listening
    sockets of this process and its workers are the scheduler's, the nannies' and the
    workers' own connections, and none is on Dask's dashboard port 8787."""
    import psutil

    cluster = start_local_cluster(2, tmp_path / "dask")
    try:
        ours = [psutil.Process(), *psutil.Process().children(recursive=True)]
        listening = {(c.laddr.ip, c.laddr.port) for p in ours
                     for c in p.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN}
        expected = {cluster.scheduler_address, *cluster.scheduler_info["workers"],
                    *(n.address for n in cluster.workers.values())}
        expected = {(a.split("//")[1].rsplit(":", 1)[0], int(a.rsplit(":", 1)[1]))
                    for a in expected}
        assert listening == expected
        assert all(port != 8787 for _, port in listening)
        assert "dashboard" not in cluster.scheduler.services
    finally:
        cluster.close()


def _import_graph() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports (at the top or inside
    a function; not under TYPE_CHECKING), plus the command modules `sim.cli` loads by name."""
    root = Path(__file__).parent.parent / "sim"
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                  and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                subs = {f"{node.module}.{a.name}" for a in node.names}
                found.update(subs & set(modules) or {node.module})
        graph[name] = {m for m in found if m in modules and m != name}
    from sim.cli import COMMANDS

    graph["sim.cli"] |= {f"sim.commands.{c}" for c in COMMANDS}
    return graph


def test_the_package_imports_without_a_cycle():
    """No module of `sim` imports, directly or through others, a module that imports it
    (the command line once did: sim.cli → sim.commands.bench → sim.bench → sim.cli)."""
    graph = _import_graph()
    assert "sim.bench" in graph["sim.commands.bench"]  # lazy imports count

    def reach(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo.extend(graph.get(module, ()))
        return seen

    cycles = sorted(m for m in graph if m in reach(m))
    assert not cycles, cycles


def test_sweep_and_claims_carry_a_scenarios_events(library, tmp_path):
    """A scenario's events reach the runs of a sweep built on it and of its claims: the
    sweep's run equals `sim.run` of the scenario with the same seed, and a scenario that
    differs from another only by an event does not share its runs."""
    import sim
    from sim import study

    (library / "late.toml").write_text(
        'name = "late"\nextends = "baseline"\n[[events]]\nweek = 10\n'
        'set = { meeting_hours = 20.0 }\nlabel = "meetings pile up"\n')
    spec = study.load_spec({"scenario": "late", "steps": 30, "seed": 5,
                            "outcomes": {"effort_total": "final"}})
    assert [e.week for e in spec.base_events] == [10]
    outcome = study.execute(spec, workers=1)
    task = study.expand(spec).tasks[0]
    direct = sim.run("late", seed=task.seed, steps=30)
    assert outcome.runs["final__effort_total"].iloc[0] == direct.summary["final"]["effort_total"]
    frames = claims.run_many({("late", 0): 30, ("baseline", 0): 30}, workers=1,
                             columns=["effort_total"], results=tmp_path / "runs")
    late, base = frames[("late", 0)]["effort_total"], frames[("baseline", 0)]["effort_total"]
    assert late.iloc[:9].equals(base.iloc[:9]) and not late.iloc[9:].equals(base.iloc[9:])
