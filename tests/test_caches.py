"""What the model keeps between phases to save work (trust, who is present, dispositions)
always equals a fresh computation: after every week, after turnover and churn, and after
parameters change mid-run."""

import numpy as np

from sim.agents.base import beta_trust
from sim.model import WorkplaceModel
from tests.conftest import SMALL

TURBULENT = {**SMALL, "quit_base": 0.03, "churn_base": 0.05, "hiring_lag_weeks": 1,
             "forced_exit_share": 0.1, "word_of_mouth": 0.05, "base_inflow": 0.02,
             "market_size": 2000}


def _fresh_trust(counts: np.ndarray, w: float) -> np.ndarray:
    return w * beta_trust(counts[:, 0:2]) + (1 - w) * beta_trust(counts[:, 2:4])


def _assert_caches_fresh(m: WorkplaceModel) -> None:
    emp, cust, mgr = m.employees, m.customers, m.managers
    w = m.p["comfort_weight"]
    a = emp.active
    assert np.array_equal(emp.active_rows, np.flatnonzero(a))
    assert np.array_equal(emp.team_heads, np.bincount(emp.team, weights=a,
                                                      minlength=emp.n_teams))
    assert np.array_equal(emp.manager_trust, _fresh_trust(emp.mgr_counts, w))
    assert np.array_equal(emp.peer_edge_trust, _fresh_trust(emp.edge_counts, w))
    live = a[emp.edge_src] & a[emp.edge_dst]
    assert np.array_equal(emp.live_edges, live)
    t = _fresh_trust(emp.edge_counts, w) * live
    out_n = np.maximum(np.bincount(emp.edge_src, weights=live, minlength=emp.n), 1)
    in_n = np.maximum(np.bincount(emp.edge_dst, weights=live, minlength=emp.n), 1)
    assert np.array_equal(emp._peer_out, np.bincount(emp.edge_src, weights=t, minlength=emp.n)
                          / out_n)
    assert np.array_equal(emp._peer_in, np.bincount(emp.edge_dst, weights=t, minlength=emp.n)
                          / in_n)
    assert np.array_equal(cust.rows, np.flatnonzero(cust.active))
    assert not cust.open_cases[~cust.active].any()
    assert sorted(cust.free) == sorted(np.flatnonzero(~cust.active).tolist())
    p = m.p
    reliability = np.clip(p["manager_reliability"] + p["manager_heterogeneity"]
                          * mgr._offset[0], 0, 1)
    credit = np.clip(p["credit_fairness"] + p["manager_heterogeneity"] * mgr._offset[2], 0, 1)
    assert np.array_equal(mgr._trait(0), reliability)
    assert np.array_equal(mgr._trait(2), credit)
    assert np.array_equal(mgr._trait(2, of_members=True), credit[emp.team])
    assert np.array_equal(cust.trust()[cust.rows], _fresh_trust(cust.counts[cust.rows], w))
    assert np.array_equal(m.shareholders.trust(), _fresh_trust(m.shareholders.counts, w))


def test_caches_equal_fresh_computation_every_week():
    """Cached trust, presence and traits match a fresh computation through heavy turnover."""
    m = WorkplaceModel(seed=11, **TURBULENT)
    _assert_caches_fresh(m)
    for _ in range(60):
        m.step()
        _assert_caches_fresh(m)
    ts = m.datacollector.get_model_vars_dataframe()
    assert ts["quits"].sum() > 10 and ts["hires"].sum() > 10 and ts["dismissals"].sum() > 0
    assert ts["churned"].sum() > 50 and ts["new_customers"].sum() > 50


def test_caches_follow_parameter_changes():
    """set_params between weeks refreshes what depends on the changed parameters."""
    m = WorkplaceModel(seed=12, **TURBULENT)
    for _ in range(10):
        m.step()
    m.set_params(comfort_weight=0.1, manager_reliability=0.2, credit_fairness=0.3,
                 employee_equity_share=0.3)
    _assert_caches_fresh(m)
    m.step()
    _assert_caches_fresh(m)


def test_views_write_through_to_the_counts():
    """Comfort and confidence are views of one count array: writing one writes the counts."""
    m = WorkplaceModel(seed=13, **SMALL)
    emp = m.employees
    emp.mgr_comfort[0] = (3.0, 1.0)
    emp.edge_confidence = 2.0
    assert tuple(emp.mgr_counts[0, :2]) == (3.0, 1.0)
    assert (emp.edge_counts[:, 2:] == 2.0).all() and (emp.edge_counts[:, :2] == 0.0).all()
    m.customers.confidence[m.customers.rows[0]] = (5.0, 0.0)
    assert m.customers.counts[m.customers.rows[0], 2] == 5.0
