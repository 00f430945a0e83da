"""Every claim stated in the scenario files, checked over its paired seeds: a one-sided
paired Wilcoxon test at p < 0.01 and the stated minimum effect (sim.claims).

All runs the claims need are made once per session in a process pool of two and shared:
claims over the same scenario and seed read one run, truncated to their own length.
"""

import pytest

from sim import claims
from sim import scenario as scenarios

LIBRARY = claims.library_claims()


@pytest.fixture(scope="session")
def library_runs(request):
    """The time series of every (scenario, seed) the selected claims need (all of them unless
    `-k` picks some), run once in a pool of up to two processes (ALIGNED_WORKERS to change)."""
    selected = [item.callspec.params["claim"] for item in request.session.items
                if item.originalname == "test_stated_claim_holds"] or LIBRARY
    columns = claims.columns_for(c.measure for c in selected)
    return claims.run_many(claims.requests(selected), columns=columns)


@pytest.mark.slow
@pytest.mark.parametrize("claim", LIBRARY, ids=str)
def test_stated_claim_holds(claim, library_runs):
    """The seed pairs point the claimed way (p < 0.01) by at least the stated effect."""
    verdict = claims.evaluate(claim, library_runs)
    assert verdict.significant, verdict.describe()
    assert verdict.large_enough, verdict.describe()


def test_every_compared_scenario_states_a_claim_over_ten_seeds():
    """Each scenario paired with another states at least one claim, tested over ≥ 10 seeds."""
    for name in scenarios.available():
        spec = scenarios.load(name)
        if spec.compare_with:
            assert spec.claims, f"{name} is compared with {spec.compare_with} but claims nothing"
        for claim in spec.claims:
            assert claim.seeds >= 10, claim
