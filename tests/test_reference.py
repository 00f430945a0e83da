"""Optimizations do not change results: every reference case reproduces its stored weekly
time series (tests/reference.py says how to regenerate it after a deliberate change)."""

import pandas as pd
import pytest

from tests.reference import CASES, reference_frames, run_case


@pytest.fixture(scope="module")
def reference() -> dict[str, pd.DataFrame]:
    """The stored reference time series, by case."""
    return reference_frames()


def test_reference_holds_every_case(reference):
    """The stored file has one time series per declared case, of the declared length."""
    assert set(reference) == set(CASES)
    for name, (_, _, steps, _) in CASES.items():
        assert len(reference[name]) == steps, name


@pytest.mark.parametrize("name", list(CASES))
def test_time_series_match_the_reference(name, reference):
    """Same scenario, seed and steps give the stored measures in every week (within 1e-12)."""
    pd.testing.assert_frame_equal(run_case(name), reference[name], check_exact=False,
                                  rtol=1e-12, atol=1e-12)
