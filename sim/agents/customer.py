"""Customers: raise cases, judge the service against expectations, trust, churn, recommend.

Satisfaction follows outcomes against expectations (Oliver 1980, expectation
disconfirmation); churn falls with satisfaction; word of mouth from promoters minus
detractors (Reichheld 2003, net promoter) brings new customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RowAgent, beta_trust, row_field, sigmoid

if TYPE_CHECKING:
    from sim.model import WorkplaceModel


class Customer(RowAgent):
    """A customer of the firm, served by one account team."""

    team = row_field("customers", "team", "the account team that serves this customer")
    satisfaction = row_field("customers", "satisfaction", "satisfaction with the service (0..1)")
    expectation = row_field("customers", "expectation", "expected service outcome (0..1)")
    open_cases = row_field("customers", "open_cases", "cases waiting to be solved")

    @property
    def trust(self) -> float:
        """Trust in the firm: comfort and confidence combined."""
        return float(self.model.customers.trust()[self.row])


class Customers:
    """All customers as arrays; rows are reused after churn (structure of arrays)."""

    def __init__(self, model: WorkplaceModel, n: int) -> None:
        self.model = model
        capacity = max(16, 2 * n)
        self.active = np.zeros(capacity, dtype=bool)
        self.team = np.zeros(capacity, dtype=np.int64)
        self.satisfaction = np.zeros(capacity)
        self.expectation = np.zeros(capacity)
        self.open_cases = np.zeros(capacity, dtype=np.int64)
        self.comfort = np.zeros((capacity, 2))
        self.confidence = np.zeros((capacity, 2))
        self.comfort_evidence = np.zeros((capacity, 2))
        self.confidence_evidence = np.zeros((capacity, 2))
        self.agents: list[Customer | None] = [None] * capacity
        self.rows = np.zeros(0, dtype=np.int64)
        self.free: list[int] = list(range(capacity - 1, -1, -1))
        # flows of the current week, read by other phases and the measures
        self.opened = self.closed = self.solved = self.reopened = self.backlog = 0
        self.churned = self.arrived = 0
        self._solved_c = self._reopened_c = np.zeros(0, dtype=np.int64)
        self.join(n)

    # --- membership -------------------------------------------------------------------
    def _grow(self) -> None:
        old = self.active.size
        new = 2 * old
        for name in ("active", "team", "satisfaction", "expectation", "open_cases"):
            arr = getattr(self, name)
            grown = np.zeros(new, dtype=arr.dtype)
            grown[:old] = arr
            setattr(self, name, grown)
        for name in ("comfort", "confidence", "comfort_evidence", "confidence_evidence"):
            arr = getattr(self, name)
            grown = np.zeros((new, 2))
            grown[:old] = arr
            setattr(self, name, grown)
        self.agents.extend([None] * (new - old))
        self.free.extend(range(new - 1, old - 1, -1))

    def join(self, n: int) -> None:
        """Add n new customers at neutral trust and the initial satisfaction."""
        if n <= 0:
            return
        while len(self.free) < n:
            self._grow()
        rows = np.array([self.free.pop() for _ in range(n)], dtype=np.int64)
        model = self.model
        self.active[rows] = True
        self.team[rows] = model.rng.integers(0, model.managers.n, size=n)
        self.satisfaction[rows] = model.p["initial_satisfaction"]
        self.expectation[rows] = model.p["initial_expectation"]
        self.open_cases[rows] = 0
        for counts in (self.comfort, self.confidence, self.comfort_evidence,
                       self.confidence_evidence):
            counts[rows] = 0.0
        for row in rows.tolist():
            self.agents[row] = Customer(model, row)
        self.rows = np.flatnonzero(self.active)

    def leave(self, rows: np.ndarray) -> None:
        """Remove churned customers (their Mesa agents too)."""
        if rows.size == 0:
            return
        self.active[rows] = False
        self.open_cases[rows] = 0
        for row in rows.tolist():
            self.agents[row].remove()
            self.agents[row] = None
            self.free.append(row)
        self.rows = np.flatnonzero(self.active)

    @property
    def count(self) -> int:
        """Active customers."""
        return int(self.rows.size)

    def trust(self) -> np.ndarray:
        """Trust in the firm for every row (inactive rows hold stale values)."""
        w = self.model.p["comfort_weight"]
        return w * beta_trust(self.comfort) + (1 - w) * beta_trust(self.confidence)

    def team_backlog(self) -> np.ndarray:
        """Open cases per account team."""
        rows = self.rows
        return np.bincount(self.team[rows], weights=self.open_cases[rows],
                           minlength=self.model.managers.n)

    # --- phase 1: demand ---------------------------------------------------------------
    def raise_cases(self) -> None:
        """Each customer raises Poisson(case_rate) new cases."""
        rows = self.rows
        new = self.model.rng.poisson(self.model.p["case_rate"], size=rows.size)
        self.open_cases[rows] += new
        self.opened = int(new.sum())
        self.backlog = int(self.open_cases[rows].sum())

    # --- phase 3 (service reaches the customer) ------------------------------------------
    def receive_service(self, close_share: np.ndarray, solve_prob: np.ndarray) -> None:
        """Each open case is closed with its team's closure share and solved with its
        solve probability; a case closed unsolved reopens (stays open)."""
        rng = self.model.rng
        rows = self.rows
        team = self.team[rows]
        before = self.open_cases[rows]
        closed = rng.binomial(before, close_share[team])
        solved = rng.binomial(closed, solve_prob[team])
        reopened = closed - solved
        self.open_cases[rows] = before - solved
        self._before, self._closed_c = before, closed
        self._solved_c, self._reopened_c = solved, reopened
        self.closed, self.solved = int(closed.sum()), int(solved.sum())
        self.reopened = int(reopened.sum())

    # --- phase 4: customers ----------------------------------------------------------------
    def update_satisfaction(self) -> None:
        """S ← s + η (σ(κ (outcome − expectation)) − s) for customers who had cases;
        expectations adapt slowly to the outcomes experienced."""
        p = self.model.p
        rows = self.rows
        before = self._before
        had = before > 0
        waiting = before - self._closed_c
        outcome = (self._solved_c + p["wait_value"] * waiting - p["reopen_cost"] * self._reopened_c)
        outcome = np.clip(outcome / np.maximum(before, 1), 0.0, 1.0)
        served = rows[had]
        gap = outcome[had] - self.expectation[served]
        target = sigmoid(p["disconfirmation_sensitivity"] * gap)
        current = self.satisfaction[served]
        self.satisfaction[served] = current + p["satisfaction_rate"] * (target - current)
        self.expectation[served] += p["expectation_rate"] * gap
        s = self.satisfaction[rows]
        self.comfort_evidence[rows] = np.stack([s, 1.0 - s], axis=1)
        self.confidence_evidence[rows] = np.stack([self._solved_c, self._reopened_c], axis=1)

    def trust_evidence(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of present customers with this week's comfort and confidence evidence."""
        rows = self.rows
        return rows, self.comfort_evidence[rows], self.confidence_evidence[rows]

    def churn_and_recommend(self) -> None:
        """Churn with hazard churn_base·exp(−κ s); arrivals from marketing and net promoters,
        shrinking as the customer base nears the market size (Bass 1969)."""
        p = self.model.p
        rng = self.model.rng
        rows = self.rows
        s = self.satisfaction[rows]
        promoters = int((s > p["promoter_threshold"]).sum())
        detractors = int((s < p["detractor_threshold"]).sum())
        hazard = p["churn_base"] * np.exp(-p["churn_sensitivity"] * s)
        leaving = rows[rng.random(rows.size) < hazard]
        self.churned = int(leaving.size)
        self.leave(leaving)
        reach = max(0.0, 1.0 - rows.size / p["market_size"])
        net_promoters = max(0, promoters - detractors)
        inflow = (p["base_inflow"] * rows.size + p["word_of_mouth"] * net_promoters) * reach
        self.arrived = int(rng.poisson(inflow))
        self.join(self.arrived)
        self.promoters, self.detractors = promoters, detractors

    def revenue(self) -> float:
        """What the customers pay this week."""
        return self.model.p["price"] * self.count
