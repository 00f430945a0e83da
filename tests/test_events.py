"""Policy timelines: `[[events]]` change parameters from a week on, in every way a run is
made, and bad events end in one line naming the file and key."""

import json

import pytest

import sim
from sim.cli import main
from sim.errors import InputError
from sim.model import WorkplaceModel
from sim.runner import simulate
from sim.scenario import Event, load
from tests.conftest import SMALL


def _write(tmp_path, name, text):
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_event_changes_nothing_before_its_week_and_applies_from_it_on():
    """Runs with and without an event agree week for week before it and differ after."""
    event = Event(week=10, set={"meeting_hours": 25.0})
    _, plain = simulate(SMALL, seed=3, steps=20)
    model, changed = simulate(SMALL, seed=3, steps=20, events=[event])
    assert plain.iloc[:9].equals(changed.iloc[:9])
    assert not plain.iloc[9:].equals(changed.iloc[9:])
    assert model.p["meeting_hours"] == 25.0 and model.initial_params["meeting_hours"] == 8.0


def test_model_accepts_event_tables_and_checks_them():
    """The model takes events as tables too, checked as a scenario file's are."""
    model = WorkplaceModel(seed=1, events=[{"week": 2, "set": {"autonomy": 0.9}}], **SMALL)
    model.step()
    assert model.p["autonomy"] == 0.5
    model.step()
    assert model.p["autonomy"] == 0.9
    with pytest.raises(InputError, match="autonomy"):
        WorkplaceModel(seed=1, events=[{"week": 2, "set": {"autonomy": 7}}], **SMALL)


def test_scenario_events_are_inherited_and_sorted(tmp_path):
    """A scenario extending one with events keeps them, in week order, with its own."""
    _write(tmp_path, "parent", 'name = "parent"\nextends = "baseline"\n[[events]]\nweek = 50\n'
           'set = { meeting_hours = 2 }\n')
    child = _write(tmp_path, "child", f'name = "child"\nextends = "{tmp_path}/parent.toml"\n'
                   '[[events]]\nweek = 20\nset = { autonomy = 0.8 }\nlabel = "trust people"\n')
    spec = load(child)
    assert [e.week for e in spec.events] == [20, 50]
    assert spec.events[0].label == "trust people"


@pytest.mark.parametrize("table, key", [
    ("week = 0\nset = { autonomy = 0.8 }", "events[0].week"),
    ("week = 5\nset = { n_employees = 30 }", "events[0].set.n_employees"),
    ("week = 5\nset = { no_such = 1 }", "no_such"),
    ("week = 5\nset = { autonomy = 3 }", "autonomy"),
    ("week = 5\nset = {}", "events[0].set"),
    ("week = 5", "events[0].set"),
    ("week = 5\nset = { autonomy = 0.8 }\nwhen = 3", "when"),
])
def test_bad_events_are_one_line_errors(tmp_path, capsys, table, key):
    """Each bad event exits 2 with one line naming the file and the key."""
    path = _write(tmp_path, "bad", f'name = "bad"\nextends = "baseline"\n[[events]]\n{table}\n')
    assert main(["run", str(path), "--steps", "2", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and key in err


def test_set_gives_the_start_and_an_event_overrides_it(tmp_path, capsys):
    """`--set` sets the starting value, the event takes over from its week, and params.json
    records both."""
    path = _write(tmp_path, "timeline", 'name = "timeline"\nextends = "baseline"\n'
                  '[[events]]\nweek = 3\nset = { meeting_hours = 20 }\n')
    out = tmp_path / "run"
    code = main(["run", str(path), "--steps", "4", "--set", "meeting_hours=2",
                 "--set", "n_employees=16", "--set", "n_customers=100", "--out", str(out)])
    assert code == 0
    params = json.loads((out / "params.json").read_text())
    assert params["params"]["meeting_hours"] == 2.0
    assert params["events"] == [{"week": 3, "set": {"meeting_hours": 20.0}, "label": ""}]


def test_sim_run_honours_a_scenarios_events(tmp_path):
    """`sim.run` on a file with an event runs the changed parameters from its week."""
    path = _write(tmp_path, "switch", 'name = "switch"\nextends = "efficiency_kpi"\n'
                  '[[events]]\nweek = 5\nset = { employee_scheme = "balanced_scorecard", '
                  'manager_scheme = "balanced_scorecard" }\n')
    result = sim.run(path, seed=1, steps=6, n_employees=16, n_customers=100)
    assert result.model.p["employee_scheme"] == "balanced_scorecard"
    assert result.params["employee_scheme"] == "efficiency_kpi"
