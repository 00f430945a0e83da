"""Property test: for any valid parameters, bounded state stays in bounds and nothing is NaN."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import WorkplaceModel
from sim.params import PARAMS

#: Size parameters are held small so that each example runs in a blink.
SIZES = {"n_employees": 24, "n_customers": 200, "n_shareholders": 3, "market_size": 400,
         "march_dimensions": 10}


def _value(p):
    if p.choices:
        return st.sampled_from(p.choices)
    if p.type is bool:
        return st.booleans()
    if p.type is int:
        return st.integers(int(p.low), int(min(p.high, p.low + 60)))
    return st.floats(p.low, p.high, allow_nan=False)


FREE = [name for name in PARAMS if name not in SIZES and name not in ("team_size",)]


@st.composite
def parameter_sets(draw):
    """A random subset of the parameters at random valid values."""
    chosen = draw(st.lists(st.sampled_from(FREE), min_size=1, max_size=25, unique=True))
    values = {name: draw(_value(PARAMS[name])) for name in chosen}
    values["team_size"] = draw(st.integers(2, 12))
    return {**SIZES, **values}


def _in_unit(x: np.ndarray) -> bool:
    return bool(np.all((x >= -1e-12) & (x <= 1 + 1e-12)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=parameter_sets(), seed=st.integers(0, 2**31 - 1))
def test_state_stays_in_bounds(params, seed):
    """Engagement, skills, passion, shares, satisfaction, trust and cuts stay in [0, 1]."""
    model = WorkplaceModel(seed=seed, **params)
    for _ in range(30):
        model.step()
        emp, cust = model.employees, model.customers
        a, rows = emp.active, cust.rows
        assert _in_unit(emp.engagement[a])
        assert _in_unit(emp.skill) and _in_unit(emp.passion) and _in_unit(emp.reputation)
        assert np.allclose(emp.shares[a].sum(axis=1), 1.0)
        assert _in_unit(emp.effort) and _in_unit(emp.solve_prob)
        assert _in_unit(cust.satisfaction[rows]) and _in_unit(cust.trust()[rows])
        assert _in_unit(emp.trust_in_manager()) and _in_unit(emp.edge_trust())
        assert _in_unit(model.shareholders.trust())
        assert 0.0 <= model.finance.budget_cut <= 1.0
        assert (cust.open_cases[rows] >= 0).all()
        assert set(np.unique(emp.beliefs)) <= {-1, 0, 1}
    frame = model.datacollector.get_model_vars_dataframe()
    assert not frame.isna().any().any(), frame.columns[frame.isna().any()].tolist()
