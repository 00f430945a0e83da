"""Every claim stated in the scenario files, checked over its paired seeds (a one-sided
paired Wilcoxon test at p < 0.01 and the stated minimum effect, sim.claims), and its verdict
compared with the recorded one (tests/claim_verdicts.py).

A claim states what the essays or the literature expect; whether the model shows it is a
finding. So the suite does not require claims to hold: it requires each verdict to be the
recorded one, so that a change of what the model shows is seen and recorded on purpose.
All runs the claims need are made once per session and shared.
"""

import json
import os

import pytest

from sim import claims
from sim import scenario as scenarios
from tests.claim_verdicts import RECORD, recorded, reference_digest

LIBRARY = claims.library_claims()
#: The pairs `make test` checks, so that the suite stays near ten minutes on two cores: the
#: measure that games the work, the firm that fails, and customized work against the ladder
#: (about 60 runs). `make claims-test` (ALIGNED_ALL_CLAIMS=1) checks every claim, about 330
#: runs; any change of results also fails tests/test_reference.py, and the record must be
#: made with the reference series in place (test_the_record_follows_the_reference_series).
SAMPLE = ("efficiency_kpi", "balanced_scorecard", "death_spiral", "customized_work",
          "fixed_ladder")
CHECKED = (LIBRARY if os.environ.get("ALIGNED_ALL_CLAIMS") == "1"
           else [c for c in LIBRARY if c.scenario in SAMPLE and c.than in SAMPLE])


@pytest.fixture(scope="session")
def library_runs(request, tmp_path_factory):
    """The time series of every (scenario, seed) the selected claims need (all of them unless
    `-k` picks some), run once (ALIGNED_WORKERS to choose the workers)."""
    selected = [item.callspec.params["claim"] for item in request.session.items
                if item.originalname == "test_claim_verdict_is_the_recorded_one"] or CHECKED
    columns = claims.columns_for(c.measure for c in selected)
    return claims.run_many(claims.requests(selected), columns=columns,
                           results=tmp_path_factory.mktemp("claim-runs"))


@pytest.mark.slow
@pytest.mark.parametrize("claim", CHECKED, ids=str)
def test_claim_verdict_is_the_recorded_one(claim, library_runs):
    """The claim's verdict (held, not held, inconclusive) is the one on record; a change
    means the model now shows something else: regenerate the record deliberately."""
    verdict = claims.evaluate(claim, library_runs)
    record = recorded()
    key = claims.claim_id(claim)
    assert key in record, f"{key} has no recorded verdict: run `make verdicts`"
    assert verdict.status == record[key], (
        f"{verdict.describe()} — recorded: {record[key]}; if the change of behaviour is "
        "meant, regenerate with `make verdicts` and report the finding")


def test_every_recorded_verdict_belongs_to_a_stated_claim():
    """The record holds no verdict of a claim that no longer exists."""
    stated = {claims.claim_id(c) for c in LIBRARY}
    assert set(recorded()) <= stated, sorted(set(recorded()) - stated)


def test_every_compared_scenario_states_a_claim_over_ten_seeds():
    """Each scenario paired with another states at least one claim, tested over ≥ 10 seeds."""
    for name in scenarios.available():
        spec = scenarios.load(name)
        if spec.compare_with:
            assert spec.claims, f"{name} is compared with {spec.compare_with} but claims nothing"
        for claim in spec.claims:
            assert claim.seeds >= 10, claim


def test_ids_name_each_claim_once():
    """No two claims of the library share an id (the record is keyed by it)."""
    ids = [claims.claim_id(c) for c in LIBRARY]
    assert len(ids) == len(set(ids))


def test_every_stated_claim_has_a_recorded_verdict():
    """Each claim of the library, checked in `make test` or not, has its verdict on record."""
    missing = {claims.claim_id(c) for c in LIBRARY} - set(recorded())
    assert not missing, f"no recorded verdict for {sorted(missing)}: run `make verdicts`"


def test_the_record_follows_the_reference_series():
    """The verdicts were recorded with the model whose reference series is on file: a change
    of results regenerates the reference series and then the verdicts (`make verdicts`)."""
    made_with = json.loads(RECORD.read_text(encoding="utf-8")).get("reference_sha256")
    assert made_with == reference_digest(), (
        "tests/data/reference_timeseries.parquet changed since the verdicts were recorded: "
        "run `make verdicts`")
