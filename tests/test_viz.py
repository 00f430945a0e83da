"""The visualizer's parts without a browser: controls, session, charts, firm picture, player,
export and the `aligned viz` command."""

from __future__ import annotations

import io
import re
import socket
import threading

import numpy as np
import pandas as pd
import pytest

from sim import scenario as scenarios
from sim.cli import main
from sim.errors import InputError
from sim.measures import REPORTERS
from sim.params import GROUPS, PARAMS
from sim.runner import simulate
from sim.viz import charts, controls, export, network, server
from sim.viz.player import Player
from sim.viz.session import SIZE_PARAMS, Comparison, Session

SMALL = {"n_employees": 48, "n_customers": 480, "market_size": 720, "n_shareholders": 5}


def small_session(name: str = "baseline") -> Session:
    """A session on a small firm (size changes apply on Reset)."""
    session = Session(name)
    for key, value in SMALL.items():
        session.set_param(key, value)
    session.reset()
    return session


# --- controls ---------------------------------------------------------------------------
def test_every_parameter_has_a_control_built_from_its_declaration():
    """One control per declared parameter, holding that very declaration."""
    assert set(controls.CONTROLS) == set(PARAMS)
    for name, spec in controls.CONTROLS.items():
        assert spec.param is PARAMS[name]
    assert sum(len(v) for v in controls.grouped().values()) == len(PARAMS)
    assert list(controls.grouped()) == list(GROUPS)


def test_sliders_put_the_ends_and_the_default_on_their_steps():
    """A slider can reach its range's ends and show the default exactly."""
    for spec in controls.CONTROLS.values():
        if spec.kind != "slider":
            continue
        p = spec.param
        for value in (p.low, p.high, p.default):
            ratio = (value - p.low) / spec.step
            assert abs(ratio - round(ratio)) < 1e-6, (p.name, value, spec.step)
        assert (p.high - p.low) / spec.step <= controls.MAX_SLIDER_POSITIONS


def test_control_kinds_follow_the_declared_type():
    """Booleans switch, choices select, wide ranges are typed in."""
    kinds = {name: spec.kind for name, spec in controls.CONTROLS.items()}
    assert kinds["customized_work"] == "switch"
    assert kinds["employee_scheme"] == "select"
    assert kinds["meeting_hours"] == "slider"
    assert kinds["n_customers"] == "number"  # 10 .. 500,000 cannot be aimed with a slider


def test_tooltips_carry_doc_unit_range_and_default():
    """The tooltip is the declaration in words; size parameters say they wait for Reset."""
    tip = controls.CONTROLS["meeting_hours"].tooltip
    p = PARAMS["meeting_hours"]
    assert p.doc in tip and p.unit in tip and p.allowed in tip and str(p.default) in tip
    assert "Reset" in controls.CONTROLS["n_employees"].tooltip
    assert "Reset" not in tip


# --- session ----------------------------------------------------------------------------
def test_session_matches_a_plain_run_of_the_scenario():
    """What the page shows is the model `aligned run` runs: same parameters, same seed."""
    session = Session("efficiency_kpi")
    session.step(15)
    spec = scenarios.load("efficiency_kpi")
    _, frame = simulate(spec.params, spec.seed, 15)
    pd.testing.assert_frame_equal(session.runs[0].frame(), frame, check_names=False)


def test_a_control_changes_the_running_model_at_once():
    """A policy change applies to the running firm, and the history so far is kept."""
    session = small_session()
    session.step(3)
    session.set_param("meeting_hours", 20.0)
    assert session.runs[0].model.p["meeting_hours"] == 20.0
    assert session.week == 3
    session.step(5)
    changed = session.runs[0].series("effort_total")
    other = small_session()
    other.step(8)
    assert np.allclose(changed[:3], other.runs[0].series("effort_total")[:3])
    assert changed[-1] < other.runs[0].series("effort_total")[-1]  # meetings eat the week
    assert session.changes() == {**SMALL, "meeting_hours": 20.0}


def test_undo_returns_to_the_scenario_keeping_seed_and_comparison():
    """Undo forgets the user's changes, restarts at week 0, and keeps what B is."""
    session = Session("efficiency_kpi", seed=4)
    session.set_comparison(Comparison("scenario", "shared_value"))
    session.set_param("meeting_hours", 1.0)
    session.set_param("n_customers", 900)
    session.step(2)
    session.undo_changes()
    assert session.changes() == {} and session.pending_reset() == []
    assert session.week == 0 and session.seed == 4
    assert session.comparison == Comparison("scenario", "shared_value")
    assert session.runs[1].model.p["employee_scheme"] == "shared_value"


def test_size_and_seed_wait_for_reset():
    """The firm's size and the seed change only on Reset, and the page can say so."""
    session = small_session()
    session.set_param("n_employees", 64)
    session.set_seed(7)
    assert session.runs[0].model.p["n_employees"] == SMALL["n_employees"]
    assert session.pending_reset() == ["n_employees", "seed"]
    assert session.values()["n_employees"] == 64
    session.reset()
    assert session.runs[0].model.p["n_employees"] == 64
    assert session.seed == 7
    assert session.pending_reset() == []
    assert "n_employees" in SIZE_PARAMS


def test_scheme_and_weights_stay_consistent():
    """A weight moved by hand makes the scheme custom; picking a scheme again restores its
    weights."""
    session = small_session()
    session.set_param("emp_w_throughput", 0.9)
    p = session.runs[0].model.p
    assert p["employee_scheme"] == "custom" and p["emp_w_throughput"] == 0.9
    session.set_param("employee_scheme", "efficiency_kpi")
    p = session.runs[0].model.p
    assert p["employee_scheme"] == "efficiency_kpi" and p["emp_w_throughput"] == 1.0


def test_bad_control_values_are_refused_with_the_key_the_value_and_the_range():
    """A value outside the declaration is an InputError naming what is allowed."""
    session = small_session()
    with pytest.raises(InputError, match=r"meeting_hours = 99.0 .* \[0, 30\]"):
        session.set_param("meeting_hours", 99.0)
    assert session.runs[0].model.p["meeting_hours"] == PARAMS["meeting_hours"].default
    with pytest.raises(InputError, match="unknown parameter"):
        session.set_param("no_such_thing", 1)
    with pytest.raises(InputError, match="seed"):
        session.set_seed(-1)


def test_compare_by_scheme_runs_the_same_firm_under_another_scheme():
    """Run B shares the seed and the user's changes and differs only by its scheme."""
    session = small_session("efficiency_kpi")
    session.set_param("meeting_hours", 4.0)
    session.set_comparison(Comparison("scheme", "shared_value"))
    a, b = session.runs
    assert a.seed == b.seed == session.seed
    assert a.model.p["employee_scheme"] == "efficiency_kpi"
    assert b.model.p["employee_scheme"] == b.model.p["manager_scheme"] == "shared_value"
    assert a.model.p["meeting_hours"] == b.model.p["meeting_hours"] == 4.0
    differ = {k for k in PARAMS if a.model.p[k] != b.model.p[k]}
    scheme_keys = {"employee_scheme", "manager_scheme", "profit_share_rate",
                   "employee_equity_share", "relative_evaluation", "forced_exit_share"}
    assert differ <= scheme_keys | {k for k in PARAMS if k.startswith(("emp_w_", "mgr_w_"))}
    session.set_param("credit_fairness", 0.3)  # a change applies to both runs
    assert a.model.p["credit_fairness"] == b.model.p["credit_fairness"] == 0.3
    assert session.labels() == ["A · efficiency_kpi", "B · shared_value scheme"]


def test_default_comparisons_differ_from_run_a():
    """Turning compare on never pits a firm against itself by default."""
    assert Session("efficiency_kpi").default_compare_target() == "balanced_scorecard"
    assert Session("efficiency_kpi").default_compare_scheme() == "shared_value"
    assert Session("shared_value").default_compare_scheme() == "balanced_scorecard"
    assert Session("baseline").default_compare_target() != "baseline"


def test_compare_by_scenario_diverges_in_effort_and_reopens():
    """The strategist's question: shared value against a throughput KPI, same seed, one year.
    Under shared value people learn to give care more effort and fewer cases reopen, in each
    of three seeds (last quarter's means)."""
    for seed in (1, 2, 3):
        session = Session("efficiency_kpi", seed=seed)
        session.set_comparison(Comparison("scenario", "shared_value"))
        session.step(52)
        care = [run.series("effort_care")[-13:].mean() for run in session.runs]
        reopen = [run.series("reopen_rate")[-13:].mean() for run in session.runs]
        assert care[1] - care[0] > 0.1 and reopen[0] - reopen[1] > 0.03, (seed, care, reopen)


def test_loading_a_scenario_forgets_changes_and_keeps_compare_kind():
    """A new scenario starts clean at week 0; a scenario comparison follows its compare_with."""
    session = Session("baseline")
    session.set_param("meeting_hours", 2.0)
    session.set_comparison(Comparison("scenario", "shared_value"))
    session.step(2)
    session.load_scenario("efficiency_kpi")
    assert session.week == 0 and session.changes() == {}
    assert session.comparison == Comparison("scenario", "balanced_scorecard")
    with pytest.raises(InputError, match="unknown scenario"):
        session.load_scenario("no_such_scenario")
    with pytest.raises(InputError, match="compare scheme"):
        Comparison("scheme", "no_such_scheme")


# --- charts -----------------------------------------------------------------------------
def test_thinning_keeps_ends_bounds_points_and_does_not_jitter():
    """At most about MAX_POINTS points, always the first and last, and the points kept stay
    put while the stride holds."""
    for n in (0, 1, 10, 260, 261, 520, 1000, 5000):
        idx = charts.thinned(n, 260)
        assert len(idx) <= 261
        if n:
            assert idx[0] == 0 and idx[-1] == n - 1
            assert np.all(np.diff(idx) > 0)
    grid_a, grid_b = charts.thinned(600, 260), charts.thinned(602, 260)
    assert set(grid_a[:-1]) <= set(grid_b)


def test_json_values_are_short_and_nan_free():
    """Five significant digits, and no NaN (JSON has none)."""
    assert charts.jsonable(np.array([0.123456789, 12345.678])) == [0.0, 12346.0]
    assert charts.jsonable(np.array([0.123456789])) == [0.12346]
    assert charts.jsonable(np.array([1.0, np.nan])) == [1.0, None]


def test_compare_traces_dash_b_and_shade_the_headline_gap():
    """Single run: one line per series; compare: A solid, B dashed, the gap shaded once."""
    spec = charts.CHARTS_BY_KEY["trust"]
    single = charts.trace_styles(spec, ["baseline"])
    assert len(single) == len(spec.series)
    pair = charts.trace_styles(spec, ["A · x", "B · y"])
    assert len(pair) == 2 * len(spec.series)
    assert [t["line"]["dash"] for t in pair[:2]] == ["solid", "dash"]
    shaded = [i for i, t in enumerate(pair) if t.get("fill") == "tonexty"]
    assert shaded == [2 * spec.headline + 1]


def test_live_chart_sends_the_runs_history_and_the_gap():
    """An update sends every series of every run up to the current week."""
    session = small_session("efficiency_kpi")
    session.set_comparison(Comparison("scenario", "shared_value"))
    session.step(6)
    chart = charts.LiveChart(charts.CHARTS_BY_KEY["customers"])
    chart.update(session.runs)
    traces = chart.widget.traces
    assert len(traces) == 4
    assert all(len(t["y"]) == 6 for t in traces)
    assert traces[0]["y"][-1] == session.runs[0].series("customers")[-1]
    assert "B − A" in chart.widget.plot_layout["title"]["subtitle"]["text"]
    session.step(1)
    chart.update(session.runs)
    assert all(len(t["y"]) == 7 for t in chart.widget.traces)


def test_quits_are_summed_over_a_rolling_quarter():
    """The quits line is the number of quits in the last 13 weeks."""
    session = small_session()
    session.step(30)
    series = charts.CHARTS_BY_KEY["people"].series[2]
    rolled = charts.values(session.runs[0], series)
    quits = session.runs[0].series("quits")
    assert rolled[-1] == quits[-13:].sum() and rolled[5] == quits[:6].sum()


# --- the firm picture --------------------------------------------------------------------
def test_members_sit_around_their_manager():
    """Each employee is within the team radius of their own manager's square."""
    session = Session("baseline")
    team = session.runs[0].model.employees.team
    people, managers = network.positions(team, int(team.max()) + 1)
    distance = np.linalg.norm(people - managers[team], axis=1)
    assert np.allclose(distance, network.TEAM_RADIUS)


def test_firm_picture_draws_every_tie_and_spoke_and_reports_clicks():
    """Lines: one per live collaboration pair and one spoke per present person; a click on a
    person names their row."""
    session = small_session()
    session.step(4)
    clicked = []
    picture = network.FirmPicture(on_select=clicked.append)
    picture.show(session.runs[0])
    emp = session.runs[0].model.employees
    lines = picture.widget.traces[:network.N_LINES]
    segments = sum(t["x"].count(None) for t in lines)
    pairs = {tuple(sorted(e)) for e in zip(emp.edge_src, emp.edge_dst, strict=True)
             if emp.active[e[0]] and emp.active[e[1]]}
    assert segments == len(pairs) + int(emp.active.sum())
    people = picture.widget.traces[network.PEOPLE]
    assert len(people["x"]) == emp.n
    picture._clicked(network.PEOPLE, 7)
    picture._clicked(0, 3)  # a click on a line selects nobody
    assert clicked == [7]
    picture.select(7)
    assert picture.widget.traces[-1]["x"] == [picture.people_xy[7, 0]]


#: A small firm, fresh (no spin-up), whose workforce plan acts within weeks: heavy fixed
#: costs make it lose money, so it freezes hiring and lays people off at every review.
LOSING = {**SMALL, "spinup_weeks": 0, "fixed_costs": 0.6, "insolvency": False,
          "layoff_after_weeks": 2, "staffing_review_weeks": 2}
#: The same firm with little cash and credit: it fails within a few weeks.
FAILING = {**SMALL, "spinup_weeks": 0, "fixed_costs": 0.9, "initial_cash_weeks": 1.0,
           "credit_line_weeks": 1.0}


def session_with(params: dict, name: str = "baseline") -> Session:
    """A session on the baseline with these parameters, reset so that all apply."""
    session = Session(name)
    for key, value in params.items():
        session.set_param(key, value)
    session.reset()
    return session


def drawn(picture: network.FirmPicture, name: str) -> dict:
    """The trace of the picture with this name."""
    (trace,) = [t for t in picture.widget.traces if t["name"] == name]
    return trace


def test_firm_picture_draws_the_models_vacancies_as_seats_in_their_teams():
    """One empty seat per vacancy the model counts, each at a funded, unfilled position of its
    team; closed positions are faint, not seats; the title says the model's count."""
    # people quit often enough (the calibrated baseline's hazard is 0.005 a week) that
    # positions fall vacant within the six weeks drawn, while the plan closes others
    session = session_with({**LOSING, "quit_base": 0.04})
    picture = network.FirmPicture()
    seen = set()
    for _ in range(6):
        session.step(1)
        picture.show(session.runs[0])
        model = session.runs[0].model
        emp = model.employees
        seats = drawn(picture, "vacancies")
        assert len(seats["x"]) == session.runs[0].series("vacancies")[-1] == emp.vacancies
        at = {(x, y) for x, y in zip(seats["x"], seats["y"], strict=True)}
        vacant = np.flatnonzero(emp.funded & ~emp.active)
        assert at == {tuple(np.round(picture.people_xy[r], 3)) for r in vacant}
        assert f"{emp.vacancies} vacanc" in picture.widget.plot_layout["title"]["text"]
        opacity = np.array(drawn(picture, "employees")["marker"]["opacity"])
        assert (opacity[emp.active] == 1).all() and (opacity[vacant] == 0).all()
        assert (0 < opacity[~emp.funded]).all() and (opacity[~emp.funded] < 1).all()
        seen.add(emp.vacancies)
    assert len(seen) > 1 and max(seen) > 0  # the plan opened and closed positions meanwhile


def test_firm_picture_marks_recent_layoffs_and_quits_by_how_they_left():
    """A cross in the layoff colour for each person laid off in the last weeks, in the quit
    colour for each who quit; none for the present."""
    session = session_with(LOSING)
    picture = network.FirmPicture()
    session.step(4)
    picture.show(session.runs[0])
    run = session.runs[0]
    emp = run.model.employees
    recent = slice(-network.RECENT_WEEKS, None)
    laid_off = int(run.series("layoffs")[recent].sum())
    left = int(run.series("quits")[recent].sum() + run.series("dismissals")[recent].sum())
    crosses = drawn(picture, "left")
    colors = crosses["marker"]["line"]["color"]
    assert laid_off > 0 and left > 0
    # a laid-off person's position is closed, so each stays marked; one who quit may have
    # been replaced already
    assert colors.count(network.LEAVER_COLORS[network.LAID_OFF]) == laid_off
    others = len(colors) - laid_off
    assert 0 < others <= left
    rows = np.flatnonzero(network.recent_leavers(emp, np.arange(emp.n), run.model.week))
    assert not emp.active[rows].any() and len(crosses["x"]) == rows.size
    assert f"{laid_off} laid off" in picture.widget.plot_layout["title"]["text"]


def test_project_ties_link_exactly_the_people_on_the_same_project():
    """The ties join two people only if they share a project, and connect all of each
    project's present members (k − 1 ties for k members)."""
    session = session_with({**SMALL, "project_rate": 5.0})  # several projects at once
    session.step(6)
    picture = network.FirmPicture()
    picture.show(session.runs[0])
    emp = session.runs[0].model.employees
    a, b = network.project_links(emp.project, emp.active)
    assert (emp.project[a] == emp.project[b]).all() and (emp.project[a] >= 0).all()
    assert emp.active[a].all() and emp.active[b].all()
    groups = {}
    for row in np.flatnonzero(emp.active & (emp.project >= 0)):
        groups.setdefault(int(emp.project[row]), set()).add(int(row))
    assert len(groups) >= 2 and any(len(g) > 1 for g in groups.values())
    # the ties' connected components are exactly the projects' member sets
    parent = {row: row for g in groups.values() for row in g}

    def root(r):
        while parent[r] != r:
            r = parent[r]
        return r

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        parent[root(x)] = root(y)
    components = {}
    for row in parent:
        components.setdefault(root(row), set()).add(row)
    assert sorted(map(sorted, components.values())) == sorted(map(sorted, groups.values()))
    assert a.size == sum(len(g) - 1 for g in groups.values())
    ties = drawn(picture, "project ties")
    assert ties["x"].count(None) == a.size
    # someone who is on no project, or gone, is in no tie
    off = np.flatnonzero(~emp.active | (emp.project < 0))
    assert not np.isin(off, np.concatenate([a, b])).any()


def test_failure_banner_appears_only_once_the_firm_has_failed():
    """No banner while the firm operates (also in a firm that loses money); once it fails, the
    banner names the week the model records and its rule, cash below the credit line."""
    session = session_with(FAILING)
    picture = network.FirmPicture()
    model = session.runs[0].model
    picture.show(session.runs[0])
    assert picture.widget.plot_layout["annotations"] == [] and network.failure_text(model) == ""
    while not model.failed and model.week < 30:
        session.step(1)
        picture.update()
        if not model.failed:
            assert picture.widget.plot_layout["annotations"] == []
    assert model.failed
    week = model.finance.failed_week
    text = network.failure_text(model)
    assert text.startswith(f"The firm failed in week {week}: its cash")
    assert "fell below its credit line" in text
    assert f"{model.finance.credit_limit:,.0f}" in text
    (banner,) = picture.widget.plot_layout["annotations"]
    assert banner["text"].replace("<br>", " ") == text
    session.step(3)  # a failed firm keeps its week of failure
    picture.update()
    assert model.finance.failed_week == week
    assert picture.widget.plot_layout["annotations"][0]["text"] == banner["text"]
    # a firm losing money without failing shows none
    losing = session_with(LOSING)
    losing.step(8)
    picture.show(losing.runs[0])
    assert not losing.runs[0].model.failed and picture.widget.plot_layout["annotations"] == []


def test_employee_state_reads_the_arrays():
    """The inspector shows what the model holds for that person."""
    session = small_session()
    session.step(3)
    emp = session.runs[0].model.employees
    row = int(np.flatnonzero(emp.active)[0])
    state = network.employee_state(session.runs[0], row)
    assert state["engagement"] == emp.engagement[row]
    assert state["trust in manager"] == emp.trust_in_manager()[row]
    assert list(state["effort split"].values()) == list(emp.shares[row])
    assert sum(state["effort split"].values()) == pytest.approx(1.0)
    with pytest.raises(IndexError):
        network.employee_state(session.runs[0], emp.n)


# --- what a page may open and run ------------------------------------------------------------
@pytest.mark.parametrize("target", ["/etc/passwd", "../scenarios/baseline", "../../x.toml",
                                    "scenarios/baseline.toml", "", "baseline/"])
def test_page_opens_no_path(target):
    """The session's loader takes names only, never a path, not even one to a library file;
    a comparison target neither."""
    session = Session("baseline")
    with pytest.raises(InputError, match=r"unknown scenario .*a page opens a scenario by name"):
        session.load_scenario(target)
    with pytest.raises(InputError, match="unknown scenario"):
        session.set_comparison(Comparison("scenario", target))
    assert session.scenario.name == "baseline" and session.comparison is None


def test_page_opens_the_servers_own_file_by_its_name(tmp_path):
    """The scenario the server was started with (a path) is offered by name, and reopens."""
    own = tmp_path / "own.toml"
    own.write_text('name = "classroom_firm"\nextends = "efficiency_kpi"\nsteps = 30\n')
    session = Session(str(own))
    assert "classroom_firm" in session.choices() and "baseline" in session.choices()
    session.load_scenario("baseline")
    session.load_scenario("classroom_firm")
    assert (session.scenario.name, session.horizon) == ("classroom_firm", 30)
    with pytest.raises(InputError, match="unknown scenario"):
        session.load_scenario(str(own))


def test_uploaded_scenario_joins_the_choices_and_runs():
    """An uploaded file is checked like any scenario file and becomes a choice of the page."""
    session = Session("baseline")
    text = ('name = "my_upload"\nextends = "efficiency_kpi"\nsteps = 26\n[params]\n'
            'meeting_hours = 12\n')
    assert session.upload("my_upload.toml", b"\xef\xbb\xbf" + text.encode()) == "my_upload"
    assert session.scenario.name == "my_upload" and "my_upload" in session.choices()
    assert session.values()["meeting_hours"] == 12
    session.load_scenario("baseline")
    session.set_comparison(Comparison("scenario", "my_upload"))
    session.step(2)
    assert session.labels() == ["A · baseline", "B · my_upload"]


@pytest.mark.parametrize(
    ("data", "message"),
    [(b'name = "x"\nextends = "./secret.toml"\n',
      "extends = './secret.toml' is not allowed here; a file with no folder"),
     (b'name = "baseline"\n', "name = 'baseline' is not allowed; a scenario of that name"),
     (b'name = "../../escape"\n', "name = '../../escape' is not allowed"),
     ('name = "x"\ntitle = "Caf\u00e9"\n'.encode("latin-1"), "byte 0xe9 on line 2 is not UTF-8"),
     (b'name = "x"\n[params]\nn_employees = 20000\n',
      "n_employees = 20000 is not allowed in the visualizer; expected at most 2,000"),
     (b"x" * 100_001, "100,001 bytes is too large"),
     (b"\x00\xff garbage", "uploaded file f.toml:")],
)
def test_bad_upload_is_one_line_and_changes_nothing(data, message):
    """A bad uploaded file is refused with one line naming it; the page keeps its scenario."""
    session = Session("baseline")
    with pytest.raises(InputError, match=re.escape(message)):
        session.upload("f.toml", data)
    assert session.scenario.name == "baseline" and session.uploaded == {}


def test_page_limits_cap_the_firm_and_the_weeks():
    """A control may not make the firm larger than the page limit, and the runs stop at
    MAX_PAGE_WEEKS: Step refuses to go past it and Play ends there."""
    from sim.viz.session import MAX_PAGE_WEEKS, PAGE_LIMITS

    session = small_session()
    for name, limit in PAGE_LIMITS.items():
        assert limit < PARAMS[name].high
        with pytest.raises(InputError, match=rf"{name} = {limit + 1} is not allowed here; "
                           rf"expected at most {limit:,}"):
            session.set_param(name, limit + 1)
        session.set_param(name, limit)  # the limit itself is allowed
    session.reset()
    assert session.runs[0].model.p["n_employees"] == PAGE_LIMITS["n_employees"]
    session = small_session()
    session.set_param("n_customers", 100)
    session.set_param("market_size", 150)
    session.reset()
    session.step(MAX_PAGE_WEEKS - 3)
    with pytest.raises(InputError, match=f"week {MAX_PAGE_WEEKS + 1:,} is not allowed here"):
        session.step(4)
    stopped = threading.Event()
    player = Player(session, lambda: None, on_stop=stopped.set)
    player.speed = 52
    player.play(until=MAX_PAGE_WEEKS)
    assert stopped.wait(30)
    assert session.week == MAX_PAGE_WEEKS and player.error is None


def test_library_scenarios_fit_the_page_limits():
    """Every library scenario can be opened in the visualizer."""
    from sim.viz.session import check_page_limits

    for name in scenarios.available():
        check_page_limits(scenarios.load(name))


def test_limited_controls_say_the_page_limit_in_their_tooltip():
    """n_employees' tooltip gives the page's limit and the command line's."""
    tip = controls.CONTROLS["n_employees"].tooltip
    assert "Allowed here: an integer in [8, 2,000] (the visualizer's limit; `aligned run` " \
           "takes up to 20,000)" in tip


# --- the player ----------------------------------------------------------------------------
def test_player_stops_at_the_horizon_having_drawn_every_batch():
    """Play runs to the week asked, never past it, drawing after every batch of weeks."""
    session = small_session()
    drawn, stopped = [], threading.Event()
    player = Player(session, lambda: drawn.append(session.week), on_stop=stopped.set)
    player.speed = 52
    player.play(until=20)
    assert stopped.wait(20)
    assert session.week == 20
    assert drawn[-1] == 20 and drawn == sorted(drawn)
    assert sum(f.weeks for f in player.frames) == 20


def test_pause_stops_the_player():
    """Pause ends the play thread; the weeks stop advancing."""
    session = small_session()
    player = Player(session, lambda: None)
    player.speed = 20
    player.play()
    threading.Event().wait(0.8)
    player.pause()
    assert not player.playing
    week = session.week
    threading.Event().wait(0.4)
    assert session.week == week > 0


def test_player_reports_an_error_instead_of_dying_silently():
    """An exception while drawing stops playing and is kept for the page to show."""
    session = small_session()
    stopped = threading.Event()

    def broken() -> None:
        raise RuntimeError("no drawing today")

    player = Player(session, broken, on_stop=stopped.set)
    player.play()
    assert stopped.wait(10)
    assert "no drawing today" in str(player.error)


# --- export --------------------------------------------------------------------------------
def test_csv_export_has_every_measure_for_every_run_and_week():
    """One row per run and week, the measures of the DataCollector as columns."""
    session = small_session("efficiency_kpi")
    session.set_comparison(Comparison("scheme", "shared_value"))
    session.step(4)
    frame = pd.read_csv(io.StringIO(export.runs_csv(session)))
    assert len(frame) == 8
    assert list(frame.columns[:2]) == ["run", "week"]
    assert set(REPORTERS) <= set(frame.columns)
    b = frame[frame.run == session.runs[1].label]
    assert np.allclose(b["customers"], session.runs[1].series("customers"))


def test_html_export_is_standalone_with_every_chart():
    """plotly.js is inside (the page opens offline) and each chart's title is there."""
    session = small_session()
    session.set_param("meeting_hours", 3.0)
    session.step(3)
    page = export.charts_html(session)
    assert re.search(r"<script[^>]*\bsrc=", page) is None  # nothing fetched from elsewhere
    assert page.count("plotly.js v") >= 1
    for spec in charts.CHARTS:
        assert spec.title in page
    assert "meeting_hours" in page  # the user's changes are listed
    assert export.file_stem(session) == "aligned-baseline-seed1-week3"


# --- the command ----------------------------------------------------------------------------
def test_viz_refuses_an_unknown_scenario_in_one_line(capsys):
    """Bad input: one line naming the scenario and what exists, exit code 2."""
    assert main(["viz", "no_such_scenario", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no_such_scenario" in err and "efficiency_kpi" in err


def test_viz_refuses_a_busy_port_in_one_line(capsys):
    """A port already taken is named, with exit code 2 and no traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["viz", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--port {port}" in err


def test_viz_address_is_printed_for_the_host_asked():
    """The printed address opens in a browser, also for an IPv6 host; on a wildcard host it
    is the address other machines reach, not loopback; a token goes into the address."""
    assert server.url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert server.url("::1", 8765) == "http://[::1]:8765/"
    reachable = server.reachable_address("0.0.0.0")
    assert not server.is_loopback(reachable)
    assert server.url("0.0.0.0", 9000, "s3cret-token") == (
        f"http://{reachable}:9000/?token=s3cret-token")


def test_loopback_is_told_from_other_hosts():
    """127.0.0.0/8, ::1 and localhost are this machine only; wildcards and names are not."""
    assert all(server.is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost"))
    assert not any(server.is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "example.org"))


def test_viz_refuses_a_weak_token_in_one_line(capsys):
    """A token too short or with characters that do not fit in an address is refused."""
    for token in ("short", "has space in it", "slash/es/here"):
        assert main(["viz", "--token", token, "--port", str(server.free_port())]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--token" in err and "expected 8 to 256" in err


def test_viz_refuses_a_scenario_beyond_the_page_limits(tmp_path, capsys):
    """`aligned viz` on a firm larger than a page may run names the key and the limit."""
    big = tmp_path / "big.toml"
    big.write_text('name = "big"\n[params]\nn_employees = 5000\n')
    assert main(["viz", str(big), "--port", str(server.free_port())]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "big.toml: n_employees = 5000 is not allowed in the visualizer; expected at most " \
           "2,000" in err


def test_pages_left_without_goodbye_are_freed_after_a_minute(monkeypatch):
    """The server tells Solara to free a page whose browser went away after 60 s (Solara's
    own default is 24 hours); an explicit SOLARA_KERNEL_CULL_TIMEOUT wins."""
    import os

    monkeypatch.setattr(os, "environ", {})
    server.configure()
    assert os.environ[server.CULL_SETTING] == server.PAGE_CULL_TIMEOUT == "60s"
    monkeypatch.setattr(os, "environ", {server.CULL_SETTING: "5s"})
    server.configure()
    assert os.environ[server.CULL_SETTING] == "5s"
