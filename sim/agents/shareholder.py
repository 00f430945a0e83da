"""Shareholders: compare realized returns over their horizon with what they require,
update trust in management, and press for cost cuts when returns fall short.

Short-horizon holders judge on the last quarter, long-horizon holders on years, and the
employee-owner block (employees holding equity) is a long-horizon holder too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RowAgent, add_evidence, count_views, row_field, trust_of

if TYPE_CHECKING:
    from sim.model import WorkplaceModel


class Shareholder(RowAgent):
    """An outside shareholder, or (last row) the block of employee owners."""

    horizon = row_field("shareholders", "horizon", "weeks over which returns are judged")
    realized = row_field("shareholders", "realized", "annualized return over the horizon")

    @property
    def stake(self) -> float:
        """Share of the firm held."""
        return float(self.model.shareholders.stakes()[self.row])

    @property
    def trust(self) -> float:
        """Trust in management."""
        return float(self.model.shareholders.trust()[self.row])

    @property
    def is_employee_block(self) -> bool:
        """Whether this holder stands for the employees who own shares."""
        return self.row == self.model.shareholders.n - 1


class Shareholders:
    """Outside holders (short- then long-horizon) and one employee-owner block."""

    comfort, confidence = count_views("counts")

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        p = model.p
        outside = p["n_shareholders"]
        self.n = outside + 1
        self.n_short = round(outside * p["short_term_share"])
        self.horizon = np.full(self.n, p["long_horizon_weeks"], dtype=np.int64)
        self.horizon[: self.n_short] = p["short_horizon_weeks"]
        self.realized = np.zeros(self.n)
        self.counts = np.zeros((self.n, 4))  # trust in management: comfort, confidence
        self.pressure = 0.0
        self._stakes: tuple[tuple[float, float], np.ndarray] | None = None
        self.agents = [Shareholder(model, i) for i in range(self.n)]

    def stakes(self) -> np.ndarray:
        """Stakes: outside shares split between short and long holders, then the employees'
        (read-only; recomputed only when the parameters change)."""
        p = self.model.p
        key = (p["employee_equity_share"], p["short_term_share"])
        if self._stakes is None or self._stakes[0] != key:
            outside = 1.0 - p["employee_equity_share"]
            n_out = self.n - 1
            n_long = n_out - self.n_short
            short_part = p["short_term_share"] if n_long else 1.0
            short_part = short_part if self.n_short else 0.0
            stakes = np.empty(self.n)
            stakes[: self.n_short] = outside * short_part / max(self.n_short, 1)
            stakes[self.n_short: n_out] = outside * (1.0 - short_part) / max(n_long, 1)
            stakes[-1] = p["employee_equity_share"]
            stakes.flags.writeable = False
            self._stakes = (key, stakes)
        return self._stakes[1]

    def trust(self) -> np.ndarray:
        """Trust in management of each holder."""
        return trust_of(self.counts, self.model.p["comfort_weight"])

    def review(self) -> None:
        """Realized returns over each horizon; trust from returns delivered within the
        tolerance (confidence) and the share value's recent course (comfort);
        pressure = Σ stake · max(0, required − realized − owner_patience · 2 (T − 0.5))
        + loss_pressure · loss margin, T each owner's trust in management."""
        p, fin = self.model.p, self.model.finance
        self.realized = fin.annual_return(self.horizon)
        required = p["required_return"]
        met = (self.realized >= required - p["pressure_threshold"]).astype(float)
        rising = float(fin.annual_return_over(p["short_horizon_weeks"]) >= 0.0)
        delta = p["trust_memory"]
        add_evidence(self.counts, delta, rising, 1.0 - rising, met, 1.0 - met)
        # trusting owners tolerate a larger shortfall before they press (patience)
        tolerance = p["owner_patience"] * 2.0 * (self.trust() - 0.5)
        shortfall = np.maximum(0.0, required - self.realized - tolerance)
        self.pressure = float(self.stakes() @ shortfall)
        if p["loss_pressure"] > 0:
            self.pressure += p["loss_pressure"] * fin.loss_margin()
