"""Shared helpers: a small firm that runs fast, and a runner for a few weeks."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.model import WorkplaceModel

#: The `aligned` console script of this environment, run as a user runs it, for the tests
#: that interrupt a command. Under `python -m`, CPython 3.12 ends the process by SIGINT after
#: finalization (return code -2) when a KeyboardInterrupt ever passed through code run by a
#: string `exec` or `eval` (as when a dataclass or a named tuple is made during an import),
#: even if the program caught it and returned 130; a script file ends with the code it
#: returned.
ALIGNED = str(Path(sys.executable).with_name("aligned"))

#: A small firm that runs fast, built fresh (no spin-up), so that a test sees its mechanisms
#: from the first week.
SMALL = {"n_employees": 48, "n_customers": 480, "market_size": 720, "n_shareholders": 5,
         "spinup_weeks": 0}
#: The firm's own responses held still (no staffing plan, no failure, processes that neither
#: misfit nor age), to see one mechanism alone.
ISOLATED = {"staffing": False, "insolvency": False, "spinup_weeks": 0,
            "process_error_effect": 0.0, "process_misfit_overhead": 0.0, "process_aging": 0.0}


def run_model(steps: int, seed: int = 0, **params) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Run a model for `steps` weeks and return it with its time series."""
    model = WorkplaceModel(seed=seed, **params)
    for _ in range(steps):
        model.step()
    return model, model.datacollector.get_model_vars_dataframe()


def small(steps: int, seed: int = 0, **params) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Run the small firm (overrides on top of SMALL)."""
    return run_model(steps, seed, **{**SMALL, **params})


@pytest.fixture
def small_model() -> WorkplaceModel:
    """A small firm, built but not stepped."""
    return WorkplaceModel(seed=3, **SMALL)


# --- the suite on several workers (pytest-xdist; `make test` runs -n 2 --dist loadgroup) -----
# Tests that share a module- or session-scoped fixture of the suite (a visualizer server and
# a Chromium, a saved sweep, the runs the claims need) run one after another on one worker,
# so that the fixture is made once and not once per worker; the browser tests thus never run
# beside each other. xdist's own way to say so, the xdist_group mark, is lost between
# pytest-xdist 3.8 and pytest 9.2 (xdist appends the group to a node id that pytest 9.2 no
# longer lets it change: pytest-dev/pytest-xdist#1386), so the workers write the groups to a
# file beside their temporary folders and the scheduler below reads it: --dist loadgroup
# with groups made here.
TESTS = Path(__file__).resolve().parent
GROUPS_FILE = "xdist-groups.json"


def _shares_a_fixture(item: pytest.Item) -> bool:
    """Whether the test uses a module- or session-scoped fixture defined in this suite."""
    for defs in item._fixtureinfo.name2fixturedefs.values():
        fixture = defs[-1]
        if fixture.scope == "function":
            continue
        source = inspect.getsourcefile(fixture.func)
        if source and Path(source).resolve().is_relative_to(TESTS):
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker: write each test's group (its module, when it shares a fixture),
    and put the tests marked slow first, so that the run does not end with one worker on a
    long test and the other idle. Every worker orders the same collection the same way, as
    xdist requires; a run without xdist keeps the files' order."""
    if not hasattr(config, "workerinput") or config.option.basetemp is None:
        return
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    groups = {item.nodeid: item.path.name for item in items if _shares_a_fixture(item)}
    path = Path(config.option.basetemp).parent / GROUPS_FILE  # the run's own folder
    partial = path.with_name(f"{GROUPS_FILE}.{config.workerinput['workerid']}")
    partial.write_text(json.dumps(groups))
    partial.replace(path)  # both workers write the same groups


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which a run may lack
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """--dist loadgroup with the groups the workers wrote: each group is sent whole to one
    worker, the largest groups first, then the other tests one at a time in their order."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedFixtureScheduling(LoadGroupScheduling):
        def __init__(self, config: pytest.Config, log) -> None:
            super().__init__(config, log)
            self.groups: dict[str, str] = {}

        def schedule(self) -> None:
            if self.collection is None:  # the first call, once every worker has collected
                path = config._tmp_path_factory.getbasetemp() / GROUPS_FILE
                self.groups = json.loads(path.read_text()) if path.exists() else {}
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)  # an xdist_group mark, where it works
            return self.groups.get(nodeid, scope) if scope == nodeid else scope

    return SharedFixtureScheduling(config, log)
