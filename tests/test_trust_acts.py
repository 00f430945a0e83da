"""Trust that acts: customers who trust the firm forgive a failure and stay, and speak for
it; owners who trust management are patient; employees who trust their manager speak up and
stay. Each switch at 0 removes its effect."""

import numpy as np

from sim.model import WorkplaceModel
from tests.conftest import SMALL


def _churned(trust: float, **params) -> int:
    """Customers lost in one week when every customer has this trust (and the same
    satisfaction), over a large base with a high churn hazard."""
    model = WorkplaceModel(seed=2, **{**SMALL, "n_customers": 20000, "market_size": 40000,
                                      "churn_base": 0.2, **params})
    cust = model.customers
    cust.trust_value[cust.rows] = trust
    cust.satisfaction[cust.rows] = 0.5
    cust.churn_and_recommend()
    return cust.churned


def test_trusting_customers_churn_less_and_the_switch_removes_it():
    """Trust 0.9 against 0.1 cuts churn by about exp(−2 × 0.8); at trust_churn_effect = 0 the
    two lose about the same."""
    ratio = _churned(0.9) / _churned(0.1)
    assert abs(ratio - np.exp(-2.0 * 0.8)) < 0.05
    off = _churned(0.9, trust_churn_effect=0.0) / _churned(0.1, trust_churn_effect=0.0)
    assert abs(off - 1.0) < 0.05


def test_a_trusting_customer_forgives_a_reopened_case():
    """The same reopened case lowers a trusting customer's satisfaction less; with
    trust_forgiveness = 0 it lowers both alike."""
    for forgiveness in (0.5, 0.0):
        after = []
        for trust in (0.9, 0.1):
            model = WorkplaceModel(seed=3, **SMALL, trust_forgiveness=forgiveness)
            cust = model.customers
            cust.trust_value[cust.rows] = trust
            cust.open_cases[cust.rows] = 4  # all closed, three in four solved, the rest reopen
            cust.receive_service(np.ones(model.managers.n), np.full(model.managers.n, 0.75))
            cust.update_satisfaction()
            after.append(cust.satisfaction[cust.rows].mean())
        assert (after[0] > after[1] + 1e-3) == (forgiveness > 0)


def test_trusting_owners_press_less():
    """The same shortfall makes trusting owners press less; owner_patience = 0 removes it."""
    for patience in (0.1, 0.0):
        pressure = []
        for good in (20.0, 0.0):
            model = WorkplaceModel(seed=4, **SMALL, owner_patience=patience)
            sh = model.shareholders
            sh.counts[:] = (good, 20.0 - good, good, 20.0 - good)
            sh.review()
            pressure.append(sh.pressure)
        assert (pressure[0] < pressure[1]) == (patience > 0)


def test_people_speak_up_to_a_manager_they_trust():
    """More issues are raised where trust in the manager is high; trust_voice = 0 removes
    the difference."""
    for voice in (1.0, 0.0):
        raised = []
        for trust in (0.9, 0.1):
            model = WorkplaceModel(seed=5, **{**SMALL, "n_employees": 2000}, trust_voice=voice,
                                   issue_rate=1.0)
            model.employees.manager_trust = np.full(model.employees.n, trust)
            model.employees.raise_issues()
            raised.append(model.employees.issues_raised.sum())
        assert (raised[0] > 1.2 * raised[1]) == (voice > 0)


def test_trust_in_the_manager_keeps_people():
    """Distrust raises the quit rate; trust_retention = 0 removes the difference."""
    for retention in (1.0, 0.0):
        quits = []
        for trust in (0.9, 0.1):
            model = WorkplaceModel(seed=6, **{**SMALL, "n_employees": 4000},
                                   trust_retention=retention, quit_base=0.02)
            model.employees.manager_trust = np.full(model.employees.n, trust)
            model.employees.turnover()
            quits.append(model.employees.quits)
        assert (quits[1] > 1.3 * quits[0]) == (retention > 0)
