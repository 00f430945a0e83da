"""Managers who respond: overload and cuts wear down their reliability and closure, an
individual manager scheme makes them take credit, and they reciprocate their team's trust;
each switch at 0 removes its effect."""

import numpy as np

from sim.model import WorkplaceModel
from tests.conftest import SMALL


def _respond(**params) -> WorkplaceModel:
    model = WorkplaceModel(seed=1, **{**SMALL, **params})
    model.managers.respond()
    return model


def test_overload_wears_down_reliability_and_closure():
    """A backlog twice the team's capacity lowers reliability and closure; with
    manager_overload_effect = 0 it changes nothing."""
    for effect in (0.5, 0.0):
        calm = _respond(manager_overload_effect=effect)
        busy = WorkplaceModel(seed=1, **SMALL, manager_overload_effect=effect)
        busy.team_load = np.full(busy.managers.n, 2.0)
        busy.managers.respond()
        lower = busy.managers.reliability < calm.managers.reliability
        closes_less = busy.managers.closure < calm.managers.closure
        assert lower.all() == (effect > 0) and closes_less.all() == (effect > 0)


def test_budget_cuts_make_managers_break_commitments():
    """A full budget cut lowers reliability by cut_reliability_loss."""
    model = _respond(cut_reliability_loss=0.5)
    before = model.managers.reliability.copy()
    model.finance.budget_cut = 1.0
    model.managers.respond()
    assert np.allclose(model.managers.reliability, np.clip(before * 0.5, 0, 1))


def test_individual_manager_schemes_take_more_credit():
    """Managers paid on individual throughput pass on less credit than managers paid on team
    outcomes; with credit_taking_incentive = 0 they pass on the same."""
    team = {f"mgr_w_{m}": 0.0 for m in ("throughput", "customer_satisfaction", "team_outcome",
                                         "peer_recognition", "profit_share", "skill_growth")}
    team_scheme = {**team, "mgr_w_team_outcome": 1.0, "manager_scheme": "custom"}
    for incentive in (0.3, 0.0):
        individual = _respond(manager_scheme="efficiency_kpi", credit_taking_incentive=incentive)
        shared = _respond(**team_scheme, credit_taking_incentive=incentive)
        gap = shared.managers.credit_fairness - individual.managers.credit_fairness
        assert (gap > 0.05).all() if incentive else np.allclose(gap, 0.0)


def test_managers_reciprocate_their_teams_trust():
    """A team that trusts its manager gets more commitments kept; with manager_reciprocity =
    0 trust changes nothing."""
    for reciprocity in (0.3, 0.0):
        model = WorkplaceModel(seed=1, **SMALL, manager_reciprocity=reciprocity)
        emp, mgr = model.employees, model.managers
        emp.manager_trust = np.full(emp.n, 0.2)
        mgr.respond()
        distrusted = mgr.reliability.copy()
        emp.manager_trust = np.full(emp.n, 0.9)
        mgr.respond()
        assert (mgr.reliability > distrusted).all() == (reciprocity > 0)
