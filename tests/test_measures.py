"""The measure declaration: one entry per measure, read by the record, summaries and
`aligned measures`; an empty firm records each measure by its declared rule, never NaN."""

import json
import math

import numpy as np

from sim.cli import main
from sim.measures import DERIVED, MEASURES, REPORTERS, window_value
from sim.model import WorkplaceModel


def test_every_measure_is_declared_with_doc_unit_and_direction():
    """Each measure has a label, a unit, a one-line doc and a direction in {-1, 0, 1}."""
    for m in MEASURES.values():
        assert m.label and m.unit and m.doc and m.doc != m.name, m.name
        assert m.better in (-1, 0, 1)
        assert (m.reporter is None) == bool(m.rate_of), m.name


def test_aligned_measures_lists_every_measure(capsys):
    """`aligned measures --json` prints every declared measure with its doc and unit."""
    assert main(["measures", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(MEASURES)
    assert all(r["doc"] and r["unit"] for r in rows)


def test_record_has_a_typed_column_per_reporter():
    """The weekly record holds one column per reporter; counts are integers."""
    model = WorkplaceModel(seed=1, n_employees=16, n_customers=100)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(REPORTERS) and len(frame) == 3
    assert frame["headcount"].dtype == np.int64 and frame["profit"].dtype == np.float64


def test_an_empty_firm_holds_state_measures_and_zeroes_flows():
    """When everyone has left, state measures keep their last value and flows are zero."""
    model = WorkplaceModel(seed=3, n_employees=16, n_customers=100, quit_base=0.1,
                           quit_sensitivity=0.0, hiring_lag_weeks=52, spinup_weeks=0)
    frame = None
    for _ in range(60):
        model.step()
        frame = model.datacollector.get_model_vars_dataframe()
        if frame["headcount"].iloc[-1] == 0 and frame["headcount"].iloc[-2] == 0:
            break
    assert frame is not None and frame["headcount"].iloc[-1] == 0, "the firm never emptied"
    assert np.isfinite(frame.to_numpy(dtype=float)).all()
    before, last = frame.iloc[-2], frame.iloc[-1]
    assert last["engagement_mean"] == before["engagement_mean"]
    assert last["quits"] == 0 and last["effort_total"] == before["effort_total"]


def test_annual_rate_is_events_per_year_over_mean_stock():
    """An annual rate over half a year is doubled events over the mean stock."""
    import pandas as pd

    rows = pd.DataFrame({"quits": [1] * 26, "headcount": [100] * 26})
    assert math.isclose(window_value(rows, "annual_quit_rate"), 52 / 100)
    assert "annual_quit_rate" in DERIVED


def test_unrelated_random_walks_share_no_fate():
    """Shared fate compares weekly changes: two independent random walks score near zero (mean
    |score| over 500 draws of a year below 0.15, the sampling spread of a correlation of 52
    weeks being about 0.11), though their levels correlate spuriously (mean |r| above 0.3)."""
    from sim.measures import fate_correlation

    rng = np.random.default_rng(0)
    fates, level_fates = [], []
    for _ in range(500):
        steps = rng.standard_normal((52, 2))
        fates.append(abs(fate_correlation(steps)))
        level_fates.append(abs(fate_correlation(np.cumsum(steps, axis=0))))
    assert np.mean(fates) < 0.15
    assert np.mean(level_fates) > 0.3  # what a correlation of trending levels would report


def test_walks_that_share_their_steps_share_their_fate():
    """Groups whose weekly gains are the same shock score a shared fate near 1."""
    from sim.measures import fate_correlation

    shock = np.random.default_rng(1).standard_normal(52)
    assert fate_correlation(np.column_stack([shock] * 4)) > 0.99


def test_alignment_target_follows_the_group_weights():
    """With all weight on customers the target split is the customers' best; with all weight
    on employees it is the split of greatest intrinsic return."""
    from sim.measures import SIMPLEX, group_values_of_shares, optimal_shares

    only = {g: 0.0 for g in ("employees", "managers", "customers", "shareholders")}
    for group, column in (("customers", 2), ("employees", 0)):
        weights = {f"alignment_weight_{k}": v for k, v in {**only, group: 1.0}.items()}
        model = WorkplaceModel(seed=1, n_employees=16, n_customers=100, **weights)
        model.step()
        values = group_values_of_shares(model, SIMPLEX)[:, column]
        assert values[np.argmax(values)] == values @ (
            optimal_shares(model) == SIMPLEX).all(axis=1)
