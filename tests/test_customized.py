"""Customized work, one mechanism at a time (docs/model.md §7.3b, §7.6, §7.6b, §7.8b): projects,
endorsements, mentoring, the platform, managers who follow from the front, outside offers, the
internal marketplace, case routing and backfilling to need. Small firm, short runs."""

import numpy as np
import pytest

from sim.agents.project import NOBODY
from sim.model import WorkplaceModel
from sim.vocab import FUNCTIONS
from tests.conftest import ISOLATED, SMALL, small

CUSTOM = {"customized_work": True}


def stepped(weeks: int, seed: int = 0, **params) -> WorkplaceModel:
    """A small, isolated firm stepped `weeks` weeks."""
    model = WorkplaceModel(seed=seed, **{**SMALL, **ISOLATED, **params})
    for _ in range(weeks):
        model.step()
    return model


# --- projects -------------------------------------------------------------------------------
def test_projects_switch():
    """With `projects` false no project starts, none finishes, none brings revenue; with projects,
    some finish and bring revenue."""
    _, off = small(52, projects=False)
    _, on = small(52, projects=True, project_rate=2.0)
    assert off["projects_open"].max() == 0 and off["project_revenue"].sum() == 0
    assert on["projects_finished"].sum() > 5 and on["project_revenue"].sum() > 0


def test_ladder_assigns_projects_to_people_of_their_function():
    """On the fixed ladder every project member works in the project's main function."""
    model = stepped(20, project_rate=3.0, customized_work=False)
    emp, projects = model.employees, model.projects
    on = np.flatnonzero(emp.active & (emp.project != NOBODY))
    assert on.size > 0
    assert (emp.role[on] == projects.function[emp.project[on]]).all()


def test_people_dip_into_projects_they_care_about():
    """In customized work people choose projects across functions, by passion: members care
    more for their project's main function than people do on average."""
    model = stepped(30, project_rate=3.0, **CUSTOM)
    emp, projects = model.employees, model.projects
    on = np.flatnonzero(emp.active & (emp.project != NOBODY))
    assert on.size > 5
    functions = projects.function[emp.project[on]]
    assert (emp.role[on] != functions).any()
    assert emp.passion[on, functions].mean() > emp.passion[emp.active].mean() + 0.05


def test_project_work_is_practice():
    """Skill in a project's functions grows with the work put in (learning and mentoring off)."""
    params = dict(learning_rate=0.05, mentoring=0.0, skill_decay=0.0, project_rate=3.0)
    model = WorkplaceModel(seed=1, **{**SMALL, **ISOLATED, **params})
    model.step()
    before = model.employees.skill.copy()
    emp = model.employees
    on = np.flatnonzero(emp.active & (emp.project != NOBODY))
    assert on.size
    need = model.projects.need[emp.project[on]]
    emp.practise(on, need, np.full(on.size, 0.2))
    assert (emp.skill[on] >= before[on]).all()
    assert (emp.skill[on] * (need > 0) > before[on] * (need > 0)).sum() > 0


# --- endorsements ---------------------------------------------------------------------------
def test_endorsements_are_skill_without_noise_or_bias(small_model):
    """No noise, halo or homophily: peers endorse skill as it is."""
    small_model.set_params(endorsement_noise=0.0, endorsement_halo=0.0, endorsement_homophily=0.0)
    emp = small_model.employees
    assert np.array_equal(emp.endorsement(), emp.skill)


def test_halo_makes_the_engaged_look_better(small_model):
    """Halo alone: of two people with the same skill, the more engaged is endorsed higher."""
    small_model.set_params(endorsement_noise=0.0, endorsement_halo=0.5, endorsement_homophily=0.0)
    emp = small_model.employees
    emp.engagement[:] = np.where(np.arange(emp.n) % 2 == 0, 0.9, 0.1)
    gap = emp.endorsement() - emp.skill
    active = emp.active
    assert gap[active & (np.arange(emp.n) % 2 == 0)].mean() > gap[active & (np.arange(emp.n) % 2
                                                                              == 1)].mean()


def test_peers_track_skill_better_than_credentials():
    """Expertise validity: in customized work peers' reputation tracks skill in role better
    than levels by tenure do on the ladder (three seeds)."""
    for seed in range(3):
        _, ladder = small(104, seed=seed, customized_work=False)
        _, custom = small(104, seed=seed, **CUSTOM)
        assert custom["expertise_validity"].iloc[-26:].mean() > \
            ladder["expertise_validity"].iloc[-26:].mean() + 0.1


# --- mentoring ------------------------------------------------------------------------------
def test_mentoring_switch_and_capacity():
    """With `mentoring` 0 nobody has a mentor; on: no mentor takes more than mentees_per_mentor,
    and mentors give time (mentor_load) in proportion."""
    off = stepped(3, mentoring=0.0)
    assert (off.employees.mentor == NOBODY).all() and off.employees.mentor_load.sum() == 0
    on = stepped(3, mentoring=0.05, mentees_per_mentor=2, mentor_time=0.05)
    emp = on.employees
    taken = emp.mentor[emp.mentor != NOBODY]
    assert taken.size > 0
    counts = np.bincount(taken, minlength=emp.n)
    assert counts.max() <= 2
    assert np.allclose(emp.mentor_load, np.minimum(0.5, 0.05 * counts))


def test_ladder_mentors_are_senior_teammates_in_the_same_function():
    """On the ladder a mentor is in the mentee's team and function; in customized work with
    the platform mentors can come from other teams."""
    ladder = stepped(3, mentoring=0.05, customized_work=False).employees
    has = np.flatnonzero(ladder.mentor != NOBODY)
    assert has.size
    assert (ladder.team[ladder.mentor[has]] == ladder.team[has]).all()
    assert (ladder.role[ladder.mentor[has]] == ladder.role[has]).all()
    custom = stepped(3, mentoring=0.05, platform=True, **CUSTOM).employees
    has = np.flatnonzero(custom.mentor != NOBODY)
    assert (custom.team[custom.mentor[has]] != custom.team[has]).any()


def test_mentoring_raises_the_mentees_skill():
    """The same firm with mentoring has more skill in the mentored functions than without."""
    a = stepped(52, seed=2, mentoring=0.0, learning_rate=0.0, skill_decay=0.0, projects=False)
    b = stepped(52, seed=2, mentoring=0.05, learning_rate=0.0, skill_decay=0.0, projects=False)
    rows = np.flatnonzero(a.employees.active & b.employees.active)
    assert b.employees.skill[rows].sum() > a.employees.skill[rows].sum()


# --- the platform ---------------------------------------------------------------------------
def test_platform_switch_and_reach():
    """With `platform` false no ties grow from projects; with it, ties across teams grow, each
    person keeps at most max_platform_ties, and people's reach beyond their team grows."""
    params = dict(project_rate=3.0, **CUSTOM)
    off = stepped(52, platform=False, **params)
    on = stepped(52, platform=True, max_platform_ties=3, **params)
    assert off.employees.platform_degree.sum() == 0
    assert on.employees.platform_degree.sum() > 0
    assert on.employees.platform_degree.max() <= 3
    assert on.employees.reach.sum() > off.employees.reach.sum()


# --- managers who follow from the front -----------------------------------------------------
def test_front_line_managers_close_more_issues():
    """Autonomy 1 against 0 with blocker removal: more of the issues raised are closed."""
    a = {"manager_heterogeneity": 0.0, "blocker_removal": 0.3}
    front = stepped(1, autonomy=1.0, **a).managers
    control = stepped(1, autonomy=0.0, **a).managers
    assert front.closure.mean() > control.closure.mean() + 0.2


def test_controlling_managers_take_hours_and_trust():
    """A controlling manager adds status hours (meeting share) and costs comfort in trust;
    at the calibrated style (autonomy 0.5) neither changes anything."""
    a = {"manager_heterogeneity": 0.0, "meeting_hours": 8.0}
    control = WorkplaceModel(seed=0, **{**SMALL, **a, "autonomy": 0.0, "status_hours": 4.0})
    calibrated = WorkplaceModel(seed=0, **{**SMALL, **a, "autonomy": 0.5, "status_hours": 4.0})
    share = calibrated.employees.meeting_share()[calibrated.employees.active]
    assert np.allclose(share, 8.0 / calibrated.p["working_hours"])
    more = control.employees.meeting_share()[control.employees.active]
    assert np.allclose(more, 12.0 / control.p["working_hours"])  # 8 h + status_hours
    trust = {}
    for distrust in (0.0, 1.0):
        model = stepped(26, autonomy=0.0, manager_heterogeneity=0.0, control_distrust=distrust)
        trust[distrust] = model.employees.manager_trust[model.employees.active].mean()
    assert trust[1.0] < trust[0.0] - 0.02


def test_working_alongside_adds_capacity():
    """Managers fully in front add capacity beyond the calibrated style; alongside_capacity
    = 0 switches it off."""
    cap = {}
    for along in (0.0, 1.0):
        model = stepped(1, seed=4, autonomy=1.0, manager_heterogeneity=0.0,
                        alongside_capacity=along)
        cap[along] = model.service_capacity
    assert cap[1.0] > cap[0.0] * 1.05


# --- outside offers -------------------------------------------------------------------------
def test_outside_offers_switch():
    """outside_offers = false: no offers; on at a high rate: offers arrive and some are taken."""
    off = dict(outside_offers=False, quit_base=0.0)
    model = stepped(26, **off)
    assert model.employees.offers == 0
    _, on = small(52, outside_offers=True, offer_rate=0.05, quit_base=0.0,
                  counter_offer_share=0.0)
    assert on["quits"].sum() > 0


def test_connections_bring_offers():
    """More ties beyond the team, more quits through offers (the rest of quitting off)."""
    quits = {}
    for ties in (0, 8):
        _, ts = small(104, seed=5, cross_team_ties=ties, quit_base=0.0, offer_rate=0.01,
                      offer_reach_effect=0.5, counter_offer_share=0.0)
        quits[ties] = ts["quits"].sum()
    assert quits[8] > quits[0] * 1.5


def test_leavers_bring_offers_to_their_former_colleagues():
    """A leaver's live ties count as alumni ties of those who stay, fading week by week."""
    model = stepped(1)
    emp = model.employees
    leaver = int(emp.active_rows[0])
    peers = emp.edge_src[(emp.edge_dst == leaver) & emp.live_edges]
    emp.leave(np.array([leaver]))
    assert (emp.alumni[peers] >= 1).all()
    before = emp.alumni[peers].copy()
    model.step()
    assert (emp.alumni[peers][emp.active[peers]] < before[emp.active[peers]]).all()


def test_counter_offers_keep_the_valued_with_a_raise():
    """Counter-offers to everyone (no budget cut to stop them): offers are countered with a
    raise, nobody leaves on one."""
    params = dict(quit_base=0.0, offer_rate=0.05, counter_offer_share=1.0, cost_cutting=0.0)
    model = WorkplaceModel(seed=6, **{**SMALL, **ISOLATED, **params})
    quits = countered = 0
    for _ in range(26):
        model.step()
        quits += model.employees.quits
        countered += model.employees.counters
    assert countered > 0 and quits == 0
    assert model.employees.retention_pay.max() > 0


def test_an_offer_can_be_met_by_an_internal_move():
    """In customized work someone with an offer and a validated better function moves there;
    offer_internal_moves = false: nobody does."""
    moves = {}
    for internal in (True, False):
        params = dict(quit_base=0.0, offer_rate=0.1, counter_offer_share=0.0,
                      validation_threshold=0.0, fit_gain_threshold=0.0, role_mobility=0.0,
                      offer_internal_moves=internal, **CUSTOM)
        model = WorkplaceModel(seed=7, **{**SMALL, **ISOLATED, **params})
        moves[internal] = 0
        for _ in range(26):
            model.step()
            moves[internal] += model.employees.offer_moves
    assert moves[True] > 0 and moves[False] == 0


# --- the internal marketplace, routing and backfill -----------------------------------------
def test_the_marketplace_moves_people_every_week_only_in_customized_work():
    """Moves happen in many weeks (not only at reviews) in customized work, never on the ladder."""
    _, ladder = small(104, customized_work=False, validation_threshold=0.2)
    _, custom = small(104, validation_threshold=0.2, **CUSTOM)
    assert ladder["role_moves"].sum() == 0
    assert (custom["role_moves"] > 0).sum() > 10


def test_people_move_toward_the_work_that_waits():
    """With a demand shift to engineering, a strong draw of need moves more people into
    engineering than moving by fit alone."""
    eng = FUNCTIONS.index("engineering")
    count = {}
    for draw in (0.0, 1.0):
        model = stepped(78, seed=8, move_to_need=draw, validation_threshold=0.2,
                        demand_shift_week=26, demand_shift_size=0.5, **CUSTOM)
        emp = model.employees
        count[draw] = int((emp.active & (emp.role == eng)).sum())
    assert count[1.0] > count[0.0]


def test_firm_routing_serves_a_function_a_team_lacks():
    """A team with nobody in a function: team routing leaves its cases to consultants; firm
    routing lets the function's people elsewhere serve them."""
    served = {}
    for routing in ("team", "firm"):
        model = WorkplaceModel(seed=9, **{**SMALL, **ISOLATED, "case_routing": routing,
                                          "consultant_share": 0.0})
        emp = model.employees
        hole = (emp.team == 0) & (emp.role == 0)
        emp.role[hole] = 1  # team 0 has nobody in support
        model.step()
        served[routing] = model.function_load[0, 0]
    assert served["firm"] < served["team"]


def test_vacancies_are_recruited_for_where_the_load_is():
    """backfill_to_need: at a staffing review each vacancy's function is the one of highest
    load in its team; off, it keeps the function it was opened for."""
    for backfill in (True, False):
        model = WorkplaceModel(seed=10, **{**SMALL, "spinup_weeks": 0, "staffing": True,
                                           "insolvency": False, "backfill_to_need": backfill})
        model.step()
        emp = model.employees
        rows = emp.active_rows[:3]
        opened_for = emp.hire_function[rows].copy()
        emp.leave(rows)
        while model.week % model.p["staffing_review_weeks"]:
            model.step()
        vacant = rows[emp.funded[rows] & ~emp.active[rows]]
        if backfill:
            best = np.argmax(model.function_load[emp.team[vacant]], axis=1)
            assert np.array_equal(emp.hire_function[vacant], best)
        else:
            assert np.array_equal(emp.hire_function[rows], opened_for)


@pytest.mark.parametrize("routing", ["team", "firm"])
def test_customized_work_runs_clean_under_either_routing(routing):
    """Customized work with every mechanism on writes no NaN in any measure."""
    _, ts = small(52, case_routing=routing, project_rate=3.0, **CUSTOM)
    assert not ts.isna().any().any()
