"""Market segments (docs/model.md §7.1): account teams whose customers raise more or fewer
cases, harder or easier ones, and judge more or less strictly. Small firm, short runs."""

import numpy as np
from scipy import stats

from sim.model import WorkplaceModel
from tests.conftest import ISOLATED, SMALL


def built(seed: int = 0, **params) -> WorkplaceModel:
    return WorkplaceModel(seed=seed, **{**SMALL, **ISOLATED, **params})


def test_without_segments_every_team_faces_the_same_market():
    """At the declared defaults every segment's rate is 1 and its offsets 0."""
    customers = built().customers
    assert (customers.segment_rate == 1.0).all()
    assert (customers.segment_difficulty == 0.0).all()
    assert (customers.segment_strictness == 0.0).all()


def test_a_busier_segment_raises_more_cases_per_customer():
    """Over 20 weeks the cases a team's customers raise, per customer, follow its segment's
    drawn rate (Spearman ρ > 0.8 across teams, pooled over 10 seeds)."""
    rhos = []
    for seed in range(10):
        model = built(seed, segment_case_rate_sd=0.8)
        customers = model.customers
        raised = np.zeros(model.managers.n)
        for _ in range(20):
            before = customers.open_cases.copy()
            customers.raise_cases()
            raised += np.bincount(customers.team, weights=customers.open_cases - before,
                                  minlength=model.managers.n)
            customers.open_cases[:] = before
        members = np.bincount(customers.team[customers.rows], minlength=model.managers.n)
        rhos.append(stats.spearmanr(raised / np.maximum(members, 1),
                                    customers.segment_rate).statistic)
    assert np.median(rhos) > 0.8


def test_a_strict_segment_is_less_satisfied():
    """After a year, teams whose customers judge more strictly have less satisfied customers:
    the rank correlation of strictness with mean satisfaction across teams is below −0.5 in
    the median of 10 seeds, and negative in at least 8 of them."""
    rhos = []
    for seed in range(10):
        model = built(seed, segment_strictness_sd=0.3)
        for _ in range(52):
            model.step()
        customers = model.customers
        rows = customers.rows
        sat = np.bincount(customers.team[rows], weights=customers.satisfaction[rows],
                          minlength=model.managers.n)
        sat /= np.maximum(np.bincount(customers.team[rows], minlength=model.managers.n), 1)
        rhos.append(stats.spearmanr(customers.segment_strictness, sat).statistic)
    assert np.median(rhos) < -0.5 and sum(r < 0 for r in rhos) >= 8
