"""Customers: raise cases, judge the service against expectations, trust, churn, recommend.

Satisfaction follows outcomes against expectations (Oliver 1980, expectation
disconfirmation); churn falls with satisfaction; word of mouth from promoters minus
detractors (Reichheld 2003, net promoter) brings new customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import (
    RowAgent,
    clip,
    count_views,
    row_field,
    sigmoid,
    trust_of,
)

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
    """All customers as arrays; rows are reused after churn (structure of arrays).

    A row with no customer holds no open cases, so sums over every row of `open_cases`
    count the present customers' cases only; its other values are stale until it is reused.
    A new customer takes the row freed last, so the rows in use stay at the front: the rows
    from `high` on have never held a customer, and the weekly work over every row stops
    there (a row's values are set afresh when a customer takes it).
    """

    comfort, confidence = count_views("counts")

    def __init__(self, model: WorkplaceModel, n: int) -> None:
        self.model = model
        capacity = max(16, 2 * n)
        self.active = np.zeros(capacity, dtype=bool)
        self.team = np.zeros(capacity, dtype=np.int64)
        self.satisfaction = np.zeros(capacity)
        self.expectation = np.zeros(capacity)
        self.open_cases = np.zeros(capacity, dtype=np.int64)
        self.counts = np.zeros((capacity, 4))  # trust in the firm: comfort, confidence
        self.trust_value = np.full(capacity, 0.5)  # trust in the firm, from the counts
        self.agents: list[Customer | None] = [None] * capacity
        self.rows = np.zeros(0, dtype=np.int64)
        # free rows as a stack (the top is the end): the next customer takes the row freed last
        self._free = np.arange(capacity - 1, -1, -1, dtype=np.int64)
        self._n_free = capacity
        self.high = 0  # rows from here on have never held a customer
        # flows of the current week, read by other phases and the measures
        self.opened = self.closed = self.solved = self.reopened = self.backlog = 0
        self.churned = self.arrived = 0
        self.promoters = self.detractors = 0
        self._served = self._solved_c = self._reopened_c = np.zeros(0, dtype=np.int64)
        self._segments(model.managers.n)
        self.join(n)
        self.arrivals = np.zeros(0, dtype=np.int64)  # rows of this week's new customers

    def _segments(self, n_teams: int) -> None:
        """Each account team serves a segment of the market, whose customers differ from the
        others' (customer-introduced variability, Frei 2006): in how many cases they raise
        (a lognormal multiplier of mean 1 and log-sd `segment_case_rate_sd`), in how hard
        their cases are (a logit offset N(0, `segment_difficulty_sd`)) and in how strictly
        they judge (an offset N(0, `segment_strictness_sd`) to the outcome they need to be
        satisfied). Drawn once; with every sd at 0 no draw is made."""
        p, rng = self.model.p, self.model.rng
        self.segment_rate = np.ones(n_teams)
        self.segment_difficulty = np.zeros(n_teams)
        self.segment_strictness = np.zeros(n_teams)
        sd = p["segment_case_rate_sd"]
        if sd:
            self.segment_rate = np.exp(rng.normal(-0.5 * sd * sd, sd, n_teams))
        if p["segment_difficulty_sd"]:
            self.segment_difficulty = rng.normal(0.0, p["segment_difficulty_sd"], n_teams)
        if p["segment_strictness_sd"]:
            self.segment_strictness = rng.normal(0.0, p["segment_strictness_sd"], n_teams)

    # --- membership -------------------------------------------------------------------
    def _grow(self) -> None:
        old = self.active.size
        new = 2 * old
        for name in ("active", "team", "satisfaction", "expectation", "open_cases"):
            arr = getattr(self, name)
            grown = np.zeros(new, dtype=arr.dtype)
            grown[:old] = arr
            setattr(self, name, grown)
        counts = np.zeros((new, 4))
        counts[:old] = self.counts
        self.counts = counts
        trust = np.full(new, 0.5)
        trust[:old] = self.trust_value
        self.trust_value = trust
        self.agents.extend([None] * (new - old))
        free = np.empty(new, dtype=np.int64)
        free[: self._n_free] = self._free[: self._n_free]
        free[self._n_free: self._n_free + new - old] = np.arange(new - 1, old - 1, -1)
        self._free = free
        self._n_free += new - old

    def join(self, n: int) -> np.ndarray:
        """Add n new customers at neutral trust and the initial satisfaction; return their rows."""
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        while self._n_free < n:
            self._grow()
        top = self._n_free
        rows = self._free[top - n: top][::-1].copy()
        self._n_free = top - n
        model = self.model
        self.active[rows] = True
        self.team[rows] = model.rng.integers(0, model.managers.n, size=n)
        self.satisfaction[rows] = model.p["initial_satisfaction"]
        self.expectation[rows] = model.p["initial_expectation"]
        self.open_cases[rows] = 0
        self.counts[rows] = 0.0
        self.trust_value[rows] = 0.5
        self.high = max(self.high, int(rows.max()) + 1)
        agents = self.agents
        for row in rows.tolist():
            agents[row] = Customer(model, row)
        self.rows = np.flatnonzero(self.active[: self.high])
        return rows

    def leave(self, rows: np.ndarray) -> None:
        """Remove churned customers (their Mesa agents too)."""
        if rows.size == 0:
            return
        self.active[rows] = False
        self.open_cases[rows] = 0
        agents = self.agents
        for row in rows.tolist():
            agents[row].remove()
            agents[row] = None
        top = self._n_free
        self._free[top: top + rows.size] = rows
        self._n_free = top + rows.size
        self.rows = np.flatnonzero(self.active[: self.high])

    @property
    def free(self) -> list[int]:
        """Free rows, the next one to be taken last."""
        return self._free[: self._n_free].tolist()

    @property
    def count(self) -> int:
        """Active customers."""
        return int(self.rows.size)

    def trust(self) -> np.ndarray:
        """Trust in the firm for every row (inactive rows hold stale values)."""
        return self.trust_value

    def refresh_trust(self) -> None:
        """Recompute every row's trust from its counts (after the counts or the comfort
        weight changed)."""
        high = self.high
        self.trust_value[:high] = trust_of(self.counts[:high], self.model.p["comfort_weight"])

    def mean_trust(self) -> float:
        """Mean trust in the firm of the present customers."""
        trust = self.trust_value.take(self.rows)
        return float(np.add.reduce(trust) / trust.size)

    def team_backlog(self) -> np.ndarray:
        """Open cases per account team (rows without a customer hold none)."""
        high = self.high
        return np.bincount(self.team[:high], weights=self.open_cases[:high],
                           minlength=self.model.managers.n)

    def team_satisfaction(self) -> np.ndarray:
        """Mean satisfaction of each account team's customers (0.5 for a team with none)."""
        rows = self.rows
        team = self.team[rows]
        n_teams = self.model.managers.n
        sat = np.bincount(team, weights=self.satisfaction[rows], minlength=n_teams)
        count = np.bincount(team, minlength=n_teams)
        return np.where(count > 0, sat / np.maximum(count, 1), 0.5)

    # --- phase 1: demand ---------------------------------------------------------------
    def raise_cases(self) -> None:
        """Each customer raises Poisson(case_rate × its segment's rate) new cases."""
        rows = self.rows
        rate = self.model.p["case_rate"]
        if self.model.p["segment_case_rate_sd"]:
            rate = rate * self.segment_rate[self.team[rows]]
        new = self.model.rng.poisson(rate, size=rows.size)
        self.open_cases[rows] += new
        self.opened = int(np.add.reduce(new))
        self.backlog = int(np.add.reduce(self.open_cases[: self.high]))

    # --- phase 3 (service reaches the customer) ------------------------------------------
    def receive_service(self, close_share: np.ndarray, solve_prob: np.ndarray) -> None:
        """Each open case is closed with its team's closure share and solved with its
        solve probability; a case closed unsolved reopens (stays open).

        Only customers with open cases draw (a binomial of zero trials draws nothing, so
        this is the same random stream as drawing for every customer)."""
        rng = self.model.rng
        served = (self.open_cases[: self.high] > 0).nonzero()[0]
        team = self.team[served]
        before = self.open_cases[served]
        closed = rng.binomial(before, close_share[team])
        solved = rng.binomial(closed, solve_prob[team])
        reopened = closed - solved
        self.open_cases[served] = before - solved
        self._served, self._before, self._closed_c = served, before, closed
        self._solved_c, self._reopened_c = solved, reopened
        self.closed, self.solved = int(np.add.reduce(closed)), int(np.add.reduce(solved))
        self.reopened = self.closed - self.solved

    # --- phase 4: customers ----------------------------------------------------------------
    def update_satisfaction(self) -> None:
        """S ← s + η (σ(κ (outcome − expectation)) − s) for customers who had cases;
        expectations adapt slowly to the outcomes experienced. A trusting customer forgives
        part of a reopened case's harm (Morgan & Hunt 1994): the harm is
        reopen_cost · (1 − trust_forgiveness · T). A strict segment judges the gap less
        kindly: the target is σ(κ (gap − strictness of the team's segment))."""
        p = self.model.p
        served, before = self._served, self._before
        waiting = before - self._closed_c
        harm = p["reopen_cost"] * self._reopened_c
        if p["trust_forgiveness"]:
            trust = self.trust_value.take(served)
            harm = harm * (1.0 - p["trust_forgiveness"] * trust)
        outcome = (self._solved_c + p["wait_value"] * waiting - harm)
        outcome /= np.maximum(before, 1)
        clip(outcome, 0.0, 1.0, out=outcome)
        gap = outcome - self.expectation[served]
        judged = gap - self.segment_strictness[self.team[served]] if p[
            "segment_strictness_sd"] else gap
        target = sigmoid(p["disconfirmation_sensitivity"] * judged)
        current = self.satisfaction[served]
        self.satisfaction[served] = current + p["satisfaction_rate"] * (target - current)
        self.expectation[served] += p["expectation_rate"] * gap

    def update_trust(self, memory: float) -> None:
        """Decaying Beta counts: comfort from this week's satisfaction, confidence from cases
        solved against reopened. Customers who arrived this week have no evidence yet."""
        high, served = self.high, self._served
        s, counts = self.satisfaction[:high], self.counts[:high]
        counts *= memory
        counts[:, 0] += s
        counts[:, 1] += 1.0 - s
        counts[served, 2] += self._solved_c
        counts[served, 3] += self._reopened_c
        counts[self.arrivals] = 0.0
        self.refresh_trust()

    def churn_and_recommend(self) -> None:
        """Churn with hazard churn_base · exp(−κ s − κ_T (T − 0.5)): a customer who trusts the
        firm stays through more (Morgan & Hunt 1994); arrivals from marketing and net
        promoters, each promoter and detractor weighted by trust (1 ± trust_word_of_mouth ·
        (2T − 1)), shrinking as the customer base nears the market size (Bass 1969)."""
        p = self.model.p
        rng = self.model.rng
        rows = self.rows
        s = self.satisfaction[rows]
        is_promoter = s > p["promoter_threshold"]
        is_detractor = s < p["detractor_threshold"]
        promoters = int(np.count_nonzero(is_promoter))
        detractors = int(np.count_nonzero(is_detractor))
        exponent = -p["churn_sensitivity"] * s
        net_promoters: float = max(0, promoters - detractors)
        if p["trust_churn_effect"] or p["trust_word_of_mouth"]:
            trust = self.trust_value.take(rows)
            exponent -= p["trust_churn_effect"] * (trust - 0.5)
            lean = p["trust_word_of_mouth"] * (2.0 * trust - 1.0)
            net_promoters = max(0.0, float(((1.0 + lean) * is_promoter).sum()
                                           - ((1.0 - lean) * is_detractor).sum()))
        hazard = p["churn_base"] * np.exp(exponent)
        leaving = rows[rng.random(rows.size) < hazard]
        self.churned = int(leaving.size)
        self.leave(leaving)
        reach = max(0.0, 1.0 - rows.size / p["market_size"])
        inflow = (p["base_inflow"] * rows.size + p["word_of_mouth"] * net_promoters) * reach
        self.arrived = int(rng.poisson(inflow))
        self.arrivals = self.join(self.arrived)
        self.promoters, self.detractors = promoters, detractors

    def revenue(self) -> float:
        """What the customers pay this week."""
        return self.model.p["price"] * self.count
