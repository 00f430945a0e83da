"""Effort allocation, and its Holmstrom–Milgrom (1991) multitask limit."""

from itertools import pairwise

import numpy as np

from sim.agents.employee import CARE, HELP, LEARN, SPEED
from sim.model import WorkplaceModel
from tests.conftest import SMALL

#: The limit case: no intrinsic motivation, no peer norm, no manager push, a sharp choice.
HM_LIMIT = dict(intrinsic_strength=0.0, norm_strength=0.0, manager_pressure=0.0,
                effort_temperature=0.005, relative_evaluation=0.0)


def shares_for(**params) -> np.ndarray:
    """Mean effort split after one effort choice in a fresh small firm."""
    model = WorkplaceModel(seed=1, **{**SMALL, **params})
    model.employees.choose_effort()
    return model.employees.shares.mean(axis=0)


def _custom(**weights) -> dict:
    base = {f"emp_w_{m}": 0.0 for m in ("throughput", "customer_satisfaction", "team_outcome",
                                         "peer_recognition", "profit_share", "skill_growth")}
    return {"employee_scheme": "custom", "manager_scheme": "custom", **base, **weights}


def test_unmeasured_substitute_task_gets_no_effort_in_the_limit():
    """Paying only throughput puts all effort on speed; care, help and learning get none."""
    shares = shares_for(**HM_LIMIT, **_custom(emp_w_throughput=1.0))
    assert shares[SPEED] > 0.999
    assert shares[CARE] < 1e-3 and shares[HELP] < 1e-3 and shares[LEARN] < 1e-3


def test_effort_on_a_measured_task_rises_with_its_weight():
    """With two measured tasks, the share on speed rises monotonically with its weight."""
    soft = {**HM_LIMIT, "effort_temperature": 0.2}
    speed = [shares_for(**soft, **_custom(emp_w_throughput=w, emp_w_skill_growth=0.5))[SPEED]
             for w in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert all(b > a for a, b in pairwise(speed)), speed


def test_intrinsic_motivation_keeps_effort_on_unpaid_care():
    """Away from the limit, an engaged person still gives care effort the scheme ignores."""
    limit = shares_for(**HM_LIMIT, **_custom(emp_w_throughput=1.0))
    intrinsic = shares_for(**{**HM_LIMIT, "intrinsic_strength": 2.0, "effort_temperature": 0.5},
                           **_custom(emp_w_throughput=1.0))
    assert intrinsic[CARE] > limit[CARE] + 0.05


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


def test_incentive_level_gives_beta_over_c_for_a_single_paid_task():
    """At full strength in the limit case, paying only throughput at β gives effort β / c."""
    for beta, cost in ((0.3, 1.0), (0.8, 2.0)):
        model = WorkplaceModel(seed=1, **{**SMALL, **HM_LIMIT, **_custom(emp_w_throughput=beta),
                                          "effort_incentive_strength": 1.0,
                                          "effort_cost": cost, "meeting_hours": 0.0,
                                          "process_overhead": 0.0})
        model.employees.choose_effort()
        assert np.allclose(model.employees.effort, beta / cost, atol=1e-6)
