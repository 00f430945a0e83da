"""Property tests: for any valid parameters (bounds included), a short run raises nothing,
keeps its state in bounds, records no NaN or infinity, keeps every bounded measure in its
bounds and summarizes as strict JSON."""

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.measures import MEASURES
from sim.model import WorkplaceModel
from sim.params import PARAMS
from sim.runner import summarize

#: Size parameters are held small so that each example runs in a blink.
SIZES = {"n_employees": 24, "n_customers": 200, "n_shareholders": 3, "market_size": 400,
         "march_dimensions": 10}


def _value(p):
    """Any valid value of a parameter, its bounds drawn often."""
    if p.choices:
        return st.sampled_from(p.choices)
    if p.type is bool:
        return st.booleans()
    if p.type is int:
        high = int(min(p.high, p.low + 60))
        return st.one_of(st.just(int(p.low)), st.just(high), st.integers(int(p.low), high))
    return st.one_of(st.just(float(p.low)), st.just(float(p.high)),
                     st.floats(p.low, p.high, allow_nan=False))


FREE = [name for name in PARAMS if name not in SIZES and name not in ("team_size",)]


@st.composite
def parameter_sets(draw, max_size=25):
    """A random subset of the parameters at random valid values."""
    chosen = draw(st.lists(st.sampled_from(FREE), min_size=1, max_size=max_size, unique=True))
    values = {name: draw(_value(PARAMS[name])) for name in chosen}
    values["team_size"] = draw(st.integers(2, 12))
    return valid_together({**SIZES, **values})


TYPE_SHARES = ("conditional_cooperator_share", "free_rider_share", "hump_share")


def valid_together(values: dict) -> dict:
    """Bring the cooperation type shares (in range one by one) to a sum of at most 1, as a
    valid parameter set must have them: later shares give way to earlier ones."""
    shares = {k: values.get(k, PARAMS[k].default) for k in TYPE_SHARES}
    room = 1.0
    for key in TYPE_SHARES:
        if shares[key] > room:
            values[key] = room
        room = max(0.0, room - min(shares[key], room))
    return values


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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=parameter_sets(max_size=len(FREE)), seed=st.integers(0, 2**31 - 1))
def test_any_valid_parameters_give_finite_bounded_results(params, seed):
    """Any mix of valid values, up to every parameter at once: no exception, no NaN or
    infinity in the record or the summary, each bounded measure in its bounds, and the
    summary is strict JSON."""
    model = WorkplaceModel(seed=seed, **params)
    for _ in range(60):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    values = frame.to_numpy(dtype=float)
    assert np.isfinite(values).all(), frame.columns[~np.isfinite(values).all(axis=0)].tolist()
    for name in frame.columns:
        low, high = MEASURES[name].bounds
        column = frame[name].to_numpy(dtype=float)
        assert (column >= low - 1e-9).all() and (column <= high + 1e-9).all(), name
    summary = summarize(frame, "property", seed)
    json.loads(json.dumps(summary, allow_nan=False))
