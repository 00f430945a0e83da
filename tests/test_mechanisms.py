"""Each mechanism's switch or strength changes what it should (small firm, short runs)."""

import numpy as np
import pytest

from sim.model import WorkplaceModel
from tests.conftest import ISOLATED, SMALL, run_model, small


def test_no_demand_means_no_cases():
    """case_rate = 0: customers raise no cases and nothing is closed."""
    _, ts = small(10, case_rate=0.0)
    assert ts["cases_opened"].sum() == 0 and ts["cases_closed"].sum() == 0


def test_churn_switch():
    """churn_base = 0: no customer leaves; a high base churns many."""
    _, off = small(52, churn_base=0.0)
    _, on = small(52, churn_base=0.2)
    assert off["churned"].sum() == 0
    assert on["churned"].sum() > 50


def test_word_of_mouth_and_marketing_switch():
    """No inflow and no word of mouth: no new customers arrive."""
    _, ts = small(52, base_inflow=0.0, word_of_mouth=0.0)
    assert ts["new_customers"].sum() == 0


def test_quit_switch():
    """quit_base = 0 and no outside offers: nobody quits; a high base makes many quit."""
    _, off = small(52, quit_base=0.0, outside_offers=False)
    _, on = small(52, quit_base=0.05)
    assert off["quits"].sum() == 0
    assert on["quits"].sum() > 20


def test_reliable_managers_are_trusted_more():
    """Managers who keep every commitment are trusted more than ones who keep none."""
    _, kept = small(52, manager_reliability=1.0, manager_heterogeneity=0.0)
    _, broken = small(52, manager_reliability=0.0, manager_heterogeneity=0.0)
    assert kept["trust_employee_manager"].iloc[-1] > broken["trust_employee_manager"].iloc[-1] + 0.1


def test_credit_taking_lowers_trust_and_engagement():
    """A manager who takes all the credit is trusted less and people engage less."""
    _, fair = small(104, credit_fairness=1.0, manager_heterogeneity=0.0)
    _, taken = small(104, credit_fairness=0.0, manager_heterogeneity=0.0)
    assert fair["trust_employee_manager"].iloc[-1] > taken["trust_employee_manager"].iloc[-1]
    assert fair["engagement_mean"].iloc[-52:].mean() > taken["engagement_mean"].iloc[-52:].mean()


def test_customized_work_moves_people_toward_better_fit():
    """Customized work moves people between functions and raises role fit; the ladder never
    moves anyone."""
    params = dict(validation_threshold=0.2, role_review_weeks=4, autonomy=1.0)
    _, ladder = small(156, customized_work=False, **params)
    _, custom = small(156, customized_work=True, **params)
    assert ladder["role_moves"].sum() == 0
    assert custom["role_moves"].sum() > 5
    assert custom["role_fit"].iloc[-1] > ladder["role_fit"].iloc[-1]


def test_consultant_switch():
    """consultant_share = 0: leavers never consult; = 1 with skilled quitters: some do."""
    _, none = small(104, consultant_share=0.0, quit_base=0.03)
    _, some = small(104, consultant_share=1.0, quit_base=0.03, consultant_skill_threshold=0.3)
    assert none["consultants"].max() == 0
    assert some["consultants"].max() > 0


def test_cost_cutting_switch():
    """cost_cutting = 0: no budget cut whatever the pressure."""
    _, ts = small(104, cost_cutting=0.0, required_return=0.5)
    assert ts["budget_cut"].max() == 0.0
    _, cut = small(104, cost_cutting=10.0, required_return=0.5)
    assert cut["budget_cut"].max() > 0.1


def test_loss_pressure_keeps_owners_of_a_loss_making_firm_pressing():
    """A firm priced below its costs is valued at zero, so without loss_pressure its owners'
    pressure settles at the required return (below the threshold: no cut); with it, the
    loss itself is pressure and the budget is cut."""
    losing = {"price": 60.0, "required_return": 0.08, "pressure_threshold": 0.1,
              "owner_patience": 0.0, **ISOLATED}
    _, off = small(104, loss_pressure=0.0, **losing)
    _, on = small(104, loss_pressure=2.0, **losing)
    second_year = slice(52, None)
    for ts in (off, on):
        assert (ts["profit"].iloc[second_year] < 0).all()
    assert off["share_value"].iloc[second_year].max() == 0.0
    assert np.allclose(off["shareholder_pressure"].iloc[second_year], 0.08)
    assert off["budget_cut"].iloc[second_year].max() == 0.0
    assert on["shareholder_pressure"].iloc[second_year].min() > 0.5
    assert on["budget_cut"].iloc[-1] > 0.5


def test_strong_engagement_contagion_polarizes_teams():
    """engagement_contagion pulls each team toward an extreme: on four seeds the team means'
    mean distance from the neutral 0.5 grows by more than 0.1 (from about 0.15 to 0.4). Projects
    and outside offers are off: they mix and move people across teams, which weakens the pull
    (with them, seed 0 grows only from 0.19 to 0.23)."""
    for seed in range(4):
        polarization = []
        for strength in (0.0, 8.0):
            model, _ = run_model(260, seed=seed, engagement_contagion=strength,
                                 engagement_bias=0.0, projects=False, outside_offers=False,
                                 **SMALL)
            team_means = model.employees.team_mean(model.employees.engagement)
            polarization.append(np.abs(team_means - 0.5).mean())
        assert polarization[1] > polarization[0] + 0.1, (seed, polarization)


def test_learning_switch():
    """No socialization and no code learning: the code stays empty."""
    _, ts = small(52, socialization_rate=0.0, code_learning_rate=0.0)
    assert (ts["knowledge"] == 0).all()


def test_help_raises_capacity():
    """help_strength > 0 raises the closures people can make."""
    a = WorkplaceModel(seed=1, **SMALL, help_strength=0.0)
    b = WorkplaceModel(seed=1, **SMALL, help_strength=5.0)
    for m in (a, b):
        m.employees.choose_effort()
        m.employees.plan_work()
    assert b.employees.closures.sum() > a.employees.closures.sum()


def test_forced_exits_happen_at_the_annual_review():
    """With a forced exit share the bottom of the ranking is dismissed at week 52."""
    _, ts = small(60, forced_exit_share=0.1)
    assert ts["dismissals"].sum() >= 3
    assert ts["dismissals"].iloc[:50].sum() == 0


def test_profit_share_raises_pay():
    """Sharing profit with employees raises mean pay when the firm makes money."""
    _, none = small(52, profit_share_rate=0.0, case_rate=0.1)
    _, shared = small(52, profit_share_rate=0.5, case_rate=0.1)
    assert shared["pay_mean"].iloc[-26:].mean() > none["pay_mean"].iloc[-26:].mean()


def test_meetings_lower_engagement():
    """A heavy meeting load lowers engagement."""
    _, lean = small(104, meeting_hours=0.0)
    _, heavy = small(104, meeting_hours=25.0)
    assert heavy["engagement_mean"].iloc[-52:].mean() < lean["engagement_mean"].iloc[-52:].mean()


def test_homogeneous_hiring_clones_the_code():
    """hiring_breadth = 0: new hires hold exactly the organizational code."""
    model, _ = small(30, hiring_breadth=0.0)
    emp = model.employees
    emp.leave(np.array([0, 1]))
    emp.hire(np.array([0, 1]))
    assert (emp.beliefs[[0, 1]] == model.code).all()


def test_turbulence_changes_reality():
    """With turbulence reality changes; without it, it does not."""
    still = WorkplaceModel(seed=1, **SMALL, turbulence=0.0)
    moving = WorkplaceModel(seed=1, **SMALL, turbulence=0.2)
    before = (still.reality.copy(), moving.reality.copy())
    for _ in range(5):
        still.step()
        moving.step()
    assert (still.reality == before[0]).all()
    assert (moving.reality != before[1]).any()


def test_mentoring_lifts_the_weakest():
    """Mentoring pulls skill toward the team's best in the same function."""
    a, _ = small(52, mentoring=0.0, learning_rate=0.0, skill_decay=0.0)
    b, _ = small(52, mentoring=0.1, learning_rate=0.0, skill_decay=0.0)
    rows = np.arange(a.employees.n)
    skill_a = a.employees.skill[rows, a.employees.role].mean()
    skill_b = b.employees.skill[rows, b.employees.role].mean()
    assert skill_b > skill_a


def test_role_moves_count_the_weeks_changes_of_function():
    """role_moves is this week's moves: the people present before and after a week (and not
    newly hired) whose function changed."""
    params = dict(validation_threshold=0.2, role_review_weeks=4, autonomy=1.0, offer_rate=0.05)
    model = WorkplaceModel(seed=0, **{**SMALL, "customized_work": True, **params})
    moved = 0
    for _ in range(52):
        emp = model.employees
        role, tenure, active = emp.role.copy(), emp.tenure.copy(), emp.active.copy()
        model.step()
        # the same people (not hired this week), present after the week or gone during it
        same = active & ((emp.active & (emp.tenure == tenure + 1)) | ~emp.active)
        changed = int((same & (emp.role != role)).sum())
        assert model.managers.moves + emp.offer_moves == changed
        moved += changed
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["role_moves"].sum() == moved > 0


def _end_engagement(first: float, contagion: float, seed: int) -> float:
    """Mean engagement after ten years of `contagious_engagement` (isolated from the firm's
    own responses), the first five at `first` meeting hours, the last five at 6."""
    from sim import scenario

    params = scenario.load("contagious_engagement").params
    model = WorkplaceModel(seed=seed, **{**params, "engagement_contagion": contagion,
                                         "meeting_hours": first, **ISOLATED})
    for week in range(520):
        if week == 260:
            model.set_params(meeting_hours=6.0)
        model.step()
    emp = model.employees
    return float(emp.engagement[emp.active_rows].mean())


def test_contagion_makes_where_the_firm_ends_depend_on_its_past():
    """Hysteresis, the mark of a tipping point: with contagious engagement, the same 6 h of
    meetings leaves a firm that spent five years at 0 h far more engaged than one that spent
    them at 20 h (each of three seeds)."""
    for seed in range(3):
        assert _end_engagement(0.0, 6.0, seed) - _end_engagement(20.0, 6.0, seed) > 0.15, seed


@pytest.mark.xfail(strict=True, reason="finding (docs/model.md §7.8, contagion): at the "
                   "baseline calibrated with customer flows, five years at 20 h still leave "
                   "the firm 0.03-0.11 less engaged five years later without contagion (a "
                   "smaller customer base, less trust in managers); strict, so that a change "
                   "that makes it hold again is noticed")
def test_without_contagion_the_past_washes_out():
    """The control of the hysteresis test: without contagion, five years at 0 h or at 20 h
    end within 0.08 of each other after five more years at 6 h (each of three seeds)."""
    for seed in range(3):
        assert abs(_end_engagement(0.0, 0.0, seed) - _end_engagement(20.0, 0.0, seed)) < 0.08, seed
