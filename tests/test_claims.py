"""The central claim over many seeds: paying on throughput alone closes cases faster but
reopens more of them, and customers end less satisfied and trust the firm less."""

import numpy as np
import pytest
from scipy.stats import wilcoxon

from sim.runner import run

SEEDS = range(10)
WEEKS = 260  # five years: the contrast is established well within that
MIN_RELATIVE_EFFECT = 0.10


@pytest.fixture(scope="module")
def contrast():
    """Last-year means of efficiency_kpi and balanced_scorecard, paired by seed."""
    out = {}
    for name in ("efficiency_kpi", "balanced_scorecard"):
        out[name] = [run(name, seed=s, steps=WEEKS).summary["last_year"] for s in SEEDS]
    return out


def _paired(contrast, key):
    kpi = np.array([r[key] for r in contrast["efficiency_kpi"]])
    balanced = np.array([r[key] for r in contrast["balanced_scorecard"]])
    return kpi, balanced


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "direction"),
    [
        ("time_to_resolve", "lower"),
        ("reopen_rate", "higher"),
        ("customer_satisfaction", "lower"),
        ("trust_customer_firm", "lower"),
    ],
)
def test_efficiency_kpi_against_balanced_scorecard(contrast, key, direction):
    """The seed pairs point the same way (Wilcoxon p < 0.01), by at least 10% in the median."""
    kpi, balanced = _paired(contrast, key)
    diff = kpi - balanced if direction == "higher" else balanced - kpi
    relative = np.median(diff / balanced)
    assert relative > MIN_RELATIVE_EFFECT, (key, kpi, balanced)
    assert wilcoxon(diff, alternative="greater").pvalue < 0.01
