"""A page's set-up: its timeline of events, saved as a scenario file, carried in a link,
and run over many seeds exactly as the saved files run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim import scenario as scenarios
from sim.cli import main
from sim.errors import InputError
from sim.params import resolve_params
from sim.runner import simulate
from sim.scenario import Event
from sim.viz import charts, setup
from sim.viz.session import (
    MAX_EVENTS,
    MAX_PAGE_RUN_WEEKS,
    MAX_PAGE_WEEKS,
    Comparison,
    Session,
)

TINY = {"n_employees": 16, "n_customers": 160, "market_size": 240, "n_shareholders": 3,
        "spinup_weeks": 0}
SWITCH = Event(6, {"employee_scheme": "balanced_scorecard",
                   "manager_scheme": "balanced_scorecard"}, "leave the KPI")


def tiny_session(name: str = "efficiency_kpi", seed: int = 3) -> Session:
    """A session on a small firm, fresh from week 0 (no spin-up)."""
    session = Session(name, seed=seed)
    for key, value in TINY.items():
        session.set_param(key, value)
    session.reset()
    return session


def resolved(session: Session, which: int = 0) -> dict:
    return resolve_params(session.run_params()[which], "test")


# --- the timeline -------------------------------------------------------------------------
def test_an_event_on_the_timeline_changes_run_a_from_its_week_on():
    """The page's run with an event is the run `simulate` makes with that event."""
    session = tiny_session()
    session.step(2)
    session.add_event(SWITCH)
    assert session.week == 0 and session.events == (SWITCH,)
    session.step(10)
    _, frame = simulate(session.run_params()[0], 3, 10, events=[SWITCH])
    assert np.array_equal(session.runs[0].series("reopen_rate"), frame["reopen_rate"])
    assert session.runs[0].model.p["employee_scheme"] == "balanced_scorecard"


def test_run_b_keeps_its_own_timeline():
    """Compared by scheme, B keeps A's events without their changes of scheme; compared
    with a scenario, B has that scenario's own events."""
    session = tiny_session()
    both = Event(6, {"employee_scheme": "balanced_scorecard", "meeting_hours": 20.0}, "x")
    session.set_events([both])
    session.set_comparison(Comparison("scheme", "shared_value"))
    assert session.run_events() == [(both,), (Event(6, {"meeting_hours": 20.0}, "x"),)]
    session.set_comparison(Comparison("scenario", "scheme_switch_recovery"))
    assert session.run_events()[1] == scenarios.load("scheme_switch_recovery").events
    session.step(7)
    assert session.runs[1].model.p["employee_scheme"] == "efficiency_kpi"  # week 156 is far


def test_a_control_change_keeps_what_an_event_has_set():
    """After an event set a parameter, moving another control leaves it as the event set
    it, and the event's change is not counted as the user's."""
    session = tiny_session()
    session.set_events([Event(2, {"meeting_hours": 20.0})])
    session.step(3)
    session.set_param("autonomy", 0.8)
    p = session.runs[0].model.p
    assert p["meeting_hours"] == 20.0 and p["autonomy"] == 0.8
    assert "meeting_hours" not in session.changes()
    session.set_param("meeting_hours", 4.0)  # the user's own change wins
    assert session.runs[0].model.p["meeting_hours"] == 4.0


@pytest.mark.parametrize("event, message", [
    ({"week": 5, "set": {"n_employees": 30}}, "events[0].set.n_employees is not allowed"),
    ({"week": 0, "set": {"autonomy": 0.5}}, "events[0].week = 0 is not allowed"),
    ({"week": MAX_PAGE_WEEKS + 1, "set": {"autonomy": 0.5}}, "is not allowed here"),
    ({"week": 5, "set": {"autonomy": 7}}, "autonomy = 7 is not allowed"),
    ({"week": 5, "set": {}}, "events[0].set is empty"),
])
def test_bad_events_are_refused_in_one_line(event, message):
    """An event the model would refuse is refused where it enters, the timeline unchanged."""
    session = tiny_session()
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        session.set_events([event])
    assert session.events == ()


def test_a_timeline_has_a_page_limit():
    """More events than a page holds are refused."""
    session = tiny_session()
    with pytest.raises(InputError, match=f"at most {MAX_EVENTS}"):
        session.set_events([Event(w, {"autonomy": 0.5}) for w in range(1, MAX_EVENTS + 2)])


def test_edit_and_remove_change_one_event_and_undo_restores_the_scenarios():
    """Replace and remove act on one event; Undo changes brings the scenario's own back."""
    session = tiny_session("scheme_switch_recovery")
    own = scenarios.load("scheme_switch_recovery").events
    assert session.events == own
    session.replace_event(0, Event(100, dict(own[0].set), "later"))
    assert [e.week for e in session.events] == [100]
    session.remove_event(0)
    assert session.events == () and session.timeline_changed()
    with pytest.raises(InputError, match="event 0 does not exist"):
        session.remove_event(0)
    session.undo_changes()
    assert session.events == own and not session.timeline_changed()


def test_events_are_marked_on_the_charts():
    """Each event is a vertical line at its week (in years) with its label; run B's own
    events are marked as B's."""
    markers = charts.event_markers([(SWITCH,), (Event(52, {"autonomy": 0.9}),)])
    assert markers == (charts.Marker(6, "leave the KPI", 0), charts.Marker(52,
                                                                           "autonomy = 0.9", 1))
    chart = charts.LiveChart(charts.CHARTS_BY_KEY["trust"])
    session = tiny_session()
    session.step(2)
    chart.update(session.runs, markers=markers)
    shapes = chart.widget.plot_layout["shapes"]
    assert [s["x0"] for s in shapes] == [6 / 52, 1.0]
    assert [a["text"] for a in chart.widget.plot_layout["annotations"]] == [
        "leave the KPI", "B: autonomy = 0.9"]


# --- scenario files ----------------------------------------------------------------------------
def test_saved_scenario_runs_with_aligned_run_as_the_page_runs_it(tmp_path):
    """The saved file extends the page's scenario with only the changes and the events;
    `aligned run FILE` accepts it unchanged and makes the run the page makes."""
    session = tiny_session()
    session.set_param("meeting_hours", 4.0)
    session.set_param("employee_scheme", "balanced_scorecard")
    session.set_events([Event(4, {"autonomy": 0.9}, "trust people")])
    saved = setup.saved_a(session)
    data = scenarios.tomllib.loads(saved.text)
    assert data["extends"] == "efficiency_kpi" and data["seed"] == 3
    assert data["params"] == {**TINY, "meeting_hours": 4.0,
                              "employee_scheme": "balanced_scorecard"}  # no implied weights
    assert data["events"] == [{"week": 4, "set": {"autonomy": 0.9}, "label": "trust people"}]
    path = tmp_path / saved.filename
    path.write_text(saved.text)
    assert main(["run", str(path), "--steps", "6", "--out", str(tmp_path / "run")]) == 0
    session.step(6)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["final"]["customers"] == session.runs[0].series("customers")[-1]
    assert summary["final"]["reopen_rate"] == session.runs[0].series("reopen_rate")[-1]


def test_saved_scenario_opens_on_the_page_as_it_was():
    """Uploading a saved file gives the same parameters, timeline and seed."""
    session = tiny_session()
    session.set_param("credit_fairness", 0.2)
    session.set_seed(9)
    session.add_event(SWITCH)
    saved = setup.saved_a(session)
    other = Session("baseline")
    assert other.upload(saved.filename, saved.text.encode()) == saved.name
    assert resolved(other) == resolved(session)
    assert other.events == session.events and other.seed == 9


def test_removing_a_scenarios_event_saves_a_file_that_extends_its_parent():
    """A file can add events to the scenario it extends, not take them away: without the
    switch, scheme_switch_recovery is saved as efficiency_kpi with its parameters."""
    session = tiny_session("scheme_switch_recovery")
    session.remove_event(0)
    saved = setup.saved_a(session)
    back = saved.scenario()
    assert back.extends == "efficiency_kpi" and back.events == ()
    assert resolve_params(back.params, "back") == resolved(session)
    kept = tiny_session("scheme_switch_recovery")
    assert setup.saved_a(kept).scenario().extends == "scheme_switch_recovery"
    assert "events" not in scenarios.tomllib.loads(setup.saved_a(kept).text)  # inherited


def test_run_b_is_saved_too_and_the_batch_runs_the_saved_files():
    """Compared by scheme, B is saved as the same firm under the other scheme; the batch's
    run sets are the saved files, and a library scenario run as is stays its name."""
    session = tiny_session()
    session.set_comparison(Comparison("scheme", "shared_value"))
    b = setup.saved_b(session)
    assert resolve_params(b.scenario().params, "b") == resolved(session, 1)
    plan = setup.run_sets(session, 5)
    assert [s.scenario.name for s in plan.sets] == ["efficiency_kpi_saved",
                                                    "efficiency_kpi_shared_value_scheme"]
    assert plan.seeds == (3, 4, 5, 6, 7) and plan.steps == session.horizon
    assert setup.command(plan).startswith(
        "aligned compare efficiency_kpi_saved.toml efficiency_kpi_shared_value_scheme.toml "
        "--seeds 5 --first-seed 3")
    plain = Session("efficiency_kpi")
    plain.set_comparison(Comparison("scenario", "balanced_scorecard"))
    names = [s.scenario.name for s in setup.run_sets(plain, 5).sets]
    assert names == ["efficiency_kpi", "balanced_scorecard"]
    with pytest.raises(InputError, match=r"seeds to run = 2 is not allowed"):
        setup.run_sets(plain, 2)


def test_a_pages_batch_has_a_limit_of_weeks_in_all():
    """100 seeds of A and B over ten years fit; over twenty years they do not, and the
    refusal says how many seeds do."""
    session = Session("efficiency_kpi")
    session.set_comparison(Comparison("scenario", "balanced_scorecard"))
    assert len(setup.run_sets(session, 100).seeds) == 100
    session.upload("long.toml", b'name = "twenty_years"\nextends = "efficiency_kpi"\n'
                   b"steps = 1040\n")
    session.set_comparison(Comparison("scheme", "shared_value"))
    fits = MAX_PAGE_RUN_WEEKS // (2 * 1040)
    assert fits == 50
    assert len(setup.run_sets(session, fits).seeds) == fits
    with pytest.raises(InputError, match=f"choose at most {fits} seeds"):
        setup.run_sets(session, fits + 1)


# --- links ------------------------------------------------------------------------------------
def test_a_link_reopens_the_same_set_up():
    """Scenario, seed, changed parameters, comparison and timeline come back from a link."""
    session = tiny_session()
    session.set_param("meeting_hours", 4.0)
    session.set_seed(5)
    session.set_comparison(Comparison("scheme", "shared_value"))
    session.set_events([Event(30, {"autonomy": 0.9, "meeting_hours": 2.0}, "trust people")])
    query = setup.link_query(session, seeds=12)
    assert query.startswith("scenario=efficiency_kpi&seed=5&")
    assert "meeting_hours=4" in query and "week30.autonomy=0.9" in query
    other = Session("baseline")
    opened = setup.open_link(other, query)
    assert opened.errors == [] and opened.seeds == 12
    assert other.seed == 5 and other.comparison == session.comparison
    assert resolved(other) == resolved(session) and resolved(other, 1) == resolved(session, 1)
    assert other.events == session.events


def test_a_link_can_empty_a_scenarios_timeline():
    """A link of scheme_switch_recovery without its event says so (events=none)."""
    session = tiny_session("scheme_switch_recovery")
    session.remove_event(0)
    query = setup.link_query(session)
    assert "events=none" in query
    other = Session("baseline")
    setup.open_link(other, query)
    assert other.scenario.name == "scheme_switch_recovery" and other.events == ()


def test_bad_values_in_a_link_are_reported_and_ignored():
    """Each bad key or value is one line naming it; the rest of the link applies; the
    access token is ignored without a word."""
    session = Session("baseline")
    opened = setup.open_link(
        session, "token=secret-token-123&scenario=efficiency_kpi&meeting_hours=99&seed=x"
        "&autonomy=0.8&no_such=1&n_employees=5000&week5.n_employees=30&week7.autonomy=0.6"
        "&compare_scheme=nonsense&seeds=1000")
    lines = opened.errors
    assert all(line.startswith("address: ") and line.endswith("; ignored") for line in lines)
    text = "\n".join(lines)
    for part in ("meeting_hours = 99.0 is not allowed", "seed = 'x' is not allowed",
                 "unknown key 'no_such'", "n_employees = 5000 is not allowed here",
                 "week5.set.n_employees is not allowed", "compare scheme 'nonsense'",
                 "seeds = '1000' is not allowed"):
        assert part in text, part
    assert "token" not in text and len(lines) == 7
    assert session.scenario.name == "efficiency_kpi" and session.values()["autonomy"] == 0.8
    assert session.events == (Event(7, {"autonomy": 0.6}),)
    assert setup.open_link(Session("baseline"), "scenario=/etc/passwd").errors[0].startswith(
        "address: unknown scenario '/etc/passwd'")


def test_a_link_never_carries_the_access_token():
    """A page opened with its token in the address makes links without it."""
    session = Session("baseline")
    setup.open_link(session, "token=secret-token-123&scenario=efficiency_kpi")
    assert "token" not in setup.link_query(session)
