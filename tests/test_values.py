"""What people value: weights on pay, purpose, autonomy, recognition and security that
differ by person and career stage, so the same firm engages some and loses others."""

import numpy as np

from sim.agents.employee import PAY, PURPOSE, draw_values
from sim.model import WorkplaceModel
from tests.conftest import SMALL


def test_values_average_one_and_spread_by_value_sd():
    """Weights average about 1 with spread value_sd; value_sd = 0 gives everyone 1."""
    rng = np.random.default_rng(0)
    early = rng.random(50_000) < 0.4
    values = draw_values(rng, early, {"value_sd": 0.3, "purpose_gap": 0.0, "pay_need_gap": 0.0})
    assert np.allclose(values.mean(axis=0), 1.0, atol=0.01)
    assert np.allclose(values.std(axis=0), 0.3, atol=0.01)
    flat = draw_values(rng, early, {"value_sd": 0.0, "purpose_gap": 0.0, "pay_need_gap": 0.0})
    assert np.all(flat == 1.0)


def test_career_stage_shifts_purpose_and_pay():
    """With a purpose gap and a pay-need gap, early-career people weigh purpose more and pay
    less than the experienced, by the gaps."""
    rng = np.random.default_rng(1)
    early = rng.random(50_000) < 0.5
    v = draw_values(rng, early, {"value_sd": 0.2, "purpose_gap": 0.4, "pay_need_gap": 0.3})
    assert abs(v[early, PURPOSE].mean() - v[~early, PURPOSE].mean() - 0.4) < 0.02
    assert abs(v[~early, PAY].mean() - v[early, PAY].mean() - 0.3) < 0.02


def test_those_who_value_purpose_engage_more_where_customers_are_served_well():
    """At the same drivers, a person who values purpose more has a higher engagement target
    when the team's customers are satisfied, and a lower one when they are not."""
    for satisfaction, higher in ((0.95, True), (0.05, False)):
        model = WorkplaceModel(seed=2, **SMALL, engagement_rate=1.0, engagement_noise=0.0)
        emp = model.employees
        emp.values[:] = 1.0
        emp.values[::2, PURPOSE] = 2.0
        model.team_satisfaction[:] = satisfaction
        emp.update_engagement()
        keen, rest = emp.engagement[::2].mean(), emp.engagement[1::2].mean()
        assert (keen > rest) == higher
