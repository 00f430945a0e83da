"""Shared helpers: a small firm that runs fast, and a runner for a few weeks."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model import WorkplaceModel

#: A small firm that runs fast, built fresh (no spin-up), so that a test sees its mechanisms
#: from the first week.
SMALL = {"n_employees": 48, "n_customers": 480, "market_size": 720, "n_shareholders": 5,
         "spinup_weeks": 0}
#: The firm's own responses held still (no staffing plan, no failure, processes that neither
#: misfit nor age), to see one mechanism alone.
ISOLATED = {"staffing": False, "insolvency": False, "spinup_weeks": 0,
            "process_error_effect": 0.0, "process_misfit_overhead": 0.0, "process_aging": 0.0}


def run_model(steps: int, seed: int = 0, **params) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Run a model for `steps` weeks and return it with its time series."""
    model = WorkplaceModel(seed=seed, **params)
    for _ in range(steps):
        model.step()
    return model, model.datacollector.get_model_vars_dataframe()


def small(steps: int, seed: int = 0, **params) -> tuple[WorkplaceModel, pd.DataFrame]:
    """Run the small firm (overrides on top of SMALL)."""
    return run_model(steps, seed, **{**SMALL, **params})


@pytest.fixture
def small_model() -> WorkplaceModel:
    """A small firm, built but not stepped."""
    return WorkplaceModel(seed=3, **SMALL)
