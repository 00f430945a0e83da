"""Effort learned from what the week brought: the logit split, the delta rule, the
Holmstrom–Milgrom limit, and money and measurement acting only through what people receive."""

import numpy as np
from scipy.stats import wilcoxon

from sim import behaviour
from sim.agents.employee import CARE, HELP, LEARN, SPEED
from sim.model import WorkplaceModel
from sim.runner import simulate
from sim.scenario import load
from sim.validation import multitask
from tests.conftest import SMALL

SEEDS = range(10)


def _custom(**weights) -> dict:
    base = {f"emp_w_{m}": 0.0 for m in ("throughput", "customer_satisfaction", "team_outcome",
                                         "peer_recognition", "profit_share", "skill_growth")}
    return {"employee_scheme": "custom", "manager_scheme": "custom", **base, **weights}


def _paired(a: dict, b: dict, measure: str, steps: int = 156, firm: dict | None = None):
    """Last-year means of `measure` over SEEDS for parameter sets a and b (paired seeds)."""
    base = {**load("baseline").params, **(firm or SMALL)}
    values = []
    for params in (a, b):
        row = []
        for seed in SEEDS:
            _, frame = simulate({**base, **params}, seed, steps)
            row.append(frame[measure].iloc[-52:].mean())
        values.append(np.array(row))
    return values


def test_logit_split_in_blocks_averages_the_logit_shares():
    """A week drawn in blocks sums to one and averages, over many people, the logit shares."""
    rng = np.random.default_rng(0)
    shares = behaviour.logit_shares(np.tile([0.4, 0.1, 0.0, -0.2], (20000, 1)), 0.25)
    split = behaviour.draw_split(rng, shares, 10)
    assert np.allclose(split.sum(axis=1), 1.0)
    assert np.abs(split.mean(axis=0) - shares[0]).max() < 0.01
    assert set(np.unique(split * 10)) <= set(range(11))


def test_delta_rule_learns_the_return_each_task_pays():
    """A reward of 2 per unit of speed effort and nothing for the rest is learned as such."""
    rng = np.random.default_rng(1)
    returns, traces = np.zeros((50, 4)), np.zeros((50, 4))
    for _ in range(400):
        cues = rng.dirichlet(np.ones(4), size=50) * 0.6
        behaviour.learn_returns(returns, traces, cues, 2.0 * cues[:, SPEED], 0.2, 0.0)
    assert np.allclose(returns.mean(axis=0), [2.0, 0.0, 0.0, 0.0], atol=0.05)


def test_learned_effort_converges_to_the_holmstrom_milgrom_limit():
    """In the limit case, paying throughput only, learned efforts reach e_i = κ_i √(β/(c
    mean κ²)) and the unmeasured tasks get no effort."""
    model, weeks = multitask.learned_effort(0.3, 1.0, multitask.LIMIT["effort_temperature"],
                                            seed=2)
    emp = model.employees
    assert weeks < multitask.MAX_WEEKS
    assert np.abs(emp.effort - multitask.closed_form(model, 0.3, 1.0)).max() < 1e-3
    assert (emp.effort[:, None] * emp.choice)[:, [CARE, HELP, LEARN]].max() < 1e-3


def test_returns_stay_at_the_prior_when_learning_is_off():
    """With return_learning_rate = 0 the learned returns never move from initial_return."""
    model = WorkplaceModel(seed=3, **SMALL, return_learning_rate=0.0, initial_return=0.2)
    for _ in range(30):
        model.step()
    assert np.all(model.employees.returns == 0.2)


def test_a_larger_bonus_pool_raises_the_speed_share_under_a_throughput_kpi():
    """Under efficiency_kpi, a bonus pool of 0.2 of wages gives more effort to speed than none,
    by at least 0.02 (median paired difference over ten seeds, one-sided Wilcoxon p < 0.01)."""
    kpi = {"employee_scheme": "efficiency_kpi", "manager_scheme": "efficiency_kpi"}
    high, low = _paired({**kpi, "bonus_share": 0.2}, {**kpi, "bonus_share": 0.0},
                        "effort_speed")
    assert np.median(high - low) >= 0.02
    assert wilcoxon(high - low, alternative="greater").pvalue < 0.01


def test_a_noisier_satisfaction_survey_lowers_learned_care():
    """Paid on customer satisfaction alone, people learn to give less care when the survey is
    noisier (noise blurs what care earns): median paired drop ≥ 0.01 over ten seeds."""
    scheme = _custom(emp_w_customer_satisfaction=1.0)
    noisy, clear = _paired({**scheme, "survey_noise": 1.0}, {**scheme, "survey_noise": 0.0},
                           "effort_care", steps=260)
    assert np.median(clear - noisy) >= 0.01
    assert wilcoxon(clear - noisy, alternative="greater").pvalue < 0.01


def test_without_learning_the_bonus_pool_no_longer_steers_effort():
    """Switching learning off removes the bonus pool's effect on the split (the effect above
    acts through what people learn, not through a term of the choice)."""
    kpi = {"employee_scheme": "efficiency_kpi", "manager_scheme": "efficiency_kpi",
           "return_learning_rate": 0.0}
    high, low = _paired({**kpi, "bonus_share": 0.2}, {**kpi, "bonus_share": 0.0},
                        "effort_speed", steps=104)
    assert abs(np.median(high - low)) < 0.01


def test_intrinsic_motivation_keeps_effort_on_unpaid_care():
    """Paid on throughput alone, an intrinsically motivated firm still gives care more effort
    than one with intrinsic returns switched off."""
    scheme = _custom(emp_w_throughput=1.0)
    with_intrinsic = shares_after({**scheme, "intrinsic_strength": 2.0})
    without = shares_after({**scheme, "intrinsic_strength": 0.0})
    assert with_intrinsic[CARE] > without[CARE] + 0.05


def shares_after(params: dict, weeks: int = 52) -> np.ndarray:
    """Mean logit shares after some weeks of learning in a small firm."""
    model = WorkplaceModel(seed=1, **{**SMALL, **params})
    for _ in range(weeks):
        model.step()
    emp = model.employees
    return emp.choice[emp.active].mean(axis=0)


def test_shares_sum_to_one_and_effort_is_bounded():
    """Each person's split sums to one and total effort stays in [0, 1]."""
    model = WorkplaceModel(seed=2, **SMALL)
    model.employees.choose_effort()
    assert np.allclose(model.employees.shares.sum(axis=1), 1.0)
    assert ((model.employees.effort >= 0) & (model.employees.effort <= 1)).all()


def test_meetings_cut_total_effort_and_trust_relieves_overhead():
    """More meeting hours mean less effort; speed of trust off means more overhead."""
    few = WorkplaceModel(seed=2, **SMALL, meeting_hours=2.0)
    many = WorkplaceModel(seed=2, **SMALL, meeting_hours=20.0)
    for m in (few, many):
        m.employees.choose_effort()
    assert many.employees.effort.mean() < few.employees.effort.mean()
    relieved = WorkplaceModel(seed=2, **SMALL, trust_overhead_relief=1.0)
    unrelieved = WorkplaceModel(seed=2, **SMALL, trust_overhead_relief=0.0)
    assert relieved.employees.overhead().mean() < unrelieved.employees.overhead().mean()


def test_incentive_level_is_off_by_default():
    """With effort_incentive_strength at its default 0, total effort is the engagement level
    times one minus overhead, exactly as without the mechanism."""
    model = WorkplaceModel(seed=4, **SMALL)
    model.employees.choose_effort()
    emp, base = model.employees, model.p["base_effort"]
    expected = (base + (1.0 - base) * emp.engagement) * (1.0 - emp.overhead())
    assert model.p["effort_incentive_strength"] == 0.0
    assert np.array_equal(emp.effort, expected)
