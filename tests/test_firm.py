"""The firm's books and its failure: cash moves by exactly what was earned, spent and paid
out; a firm whose cash falls below its credit line fails and holds its terminal state."""

import json

import numpy as np

import sim
from sim.model import WorkplaceModel
from tests.conftest import SMALL

LOSING = {**SMALL, "price": 150.0}  # revenue well below the wage bill


def test_cash_changes_by_revenue_less_costs_less_dividends_every_week():
    """Over two years of a profitable and a loss-making firm, each week's change of cash is
    revenue − costs − dividends, to the cent."""
    for params in (SMALL, {**LOSING, "insolvency": False}):
        model = WorkplaceModel(seed=1, **params)
        fin = model.finance
        for _ in range(104):
            before = fin.cash
            model.step()
            assert abs(fin.cash - before - (fin.revenue - fin.costs - fin.last_dividends)) < 1e-6


def test_no_dividends_while_drawing_on_credit():
    """A firm whose cash is below zero pays no dividends."""
    model = WorkplaceModel(seed=2, **{**LOSING, "insolvency": False})
    paid_in_debt = []
    for _ in range(52):
        before = model.finance.cash
        model.step()
        if before + model.finance.profit < 0:
            paid_in_debt.append(model.finance.last_dividends)
    assert paid_in_debt and max(paid_in_debt) == 0.0


def test_a_firm_below_its_credit_line_fails_and_holds_its_state():
    """The loss-making firm fails; from then on headcount, customers and flows are 0, other
    state measures keep their last value, and every week is still recorded."""
    result = sim.run("baseline", seed=1, steps=104, **LOSING)
    frame, summary = result.timeseries, result.summary
    assert summary["failed"] is True and 1 <= summary["failed_week"] < 104
    after = frame.loc[summary["failed_week"]:]
    assert len(frame) == 104 and (after["operating"] == 0).all()
    for flow in ("headcount", "customers", "cases_opened", "quits", "hires", "revenue",
                 "profit", "consulting_spend"):
        assert (after[flow] == 0).all(), flow
    for state in ("engagement_mean", "trust_employee_manager", "customer_satisfaction"):
        assert after[state].nunique() == 1, state
    assert np.isfinite(frame.to_numpy(dtype=float)).all()
    json.loads(json.dumps(summary, allow_nan=False))


def test_insolvency_off_keeps_a_losing_firm_open():
    """With insolvency = false the same firm loses money but never fails."""
    result = sim.run("baseline", seed=1, steps=104, **LOSING, insolvency=False)
    assert result.summary["failed"] is False and result.summary["failed_week"] is None
    assert result.timeseries["cash"].iloc[-1] < -result.model.finance.credit_limit


def test_a_profitable_firm_survives_and_says_so():
    """The baseline firm does not fail in two years; the summary says so."""
    summary = sim.run("baseline", seed=3, steps=104, **SMALL).summary
    assert summary["failed"] is False and summary["failed_week"] is None
