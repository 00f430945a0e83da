"""The firm's books and its bought-back talent: finance, share value and consultants.

Profit = revenue − wages − bonuses − consultants − hiring − training − fixed costs −
interest. Cash changes each week by revenue − costs − dividends; the firm may draw on a
credit line and fails when cash falls below it.
Share value prices earnings and the customer base; shareholder pressure turns into
budget cuts (penny pinching) that cut the bonus pool and training, freeze hiring and
make managers break commitments. The market prices the firm as a perpetuity of its
smoothed profit at the required return, plus its customer base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.employee import solve_probability
from sim.clock import WEEKS_PER_YEAR
from sim.vocab import FUNCTIONS, TASKS

if TYPE_CHECKING:
    from sim.model import WorkplaceModel



class Consultants:
    """Former employees who work independently and sell weeks back at a premium."""

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        self.skill = np.zeros((0, len(FUNCTIONS)))
        self.spend = 0.0
        self.weeks_bought = 0.0
        self._pool: np.ndarray | None = None  # the skill array the cached pool view is of
        self._shares: tuple[tuple[float, ...], np.ndarray] | None = None

    @property
    def count(self) -> int:
        """Consultants available to the firm."""
        return int(self.skill.shape[0])

    def add(self, skills: np.ndarray) -> None:
        """Leavers who start consulting."""
        if skills.size:
            self.skill = np.concatenate([self.skill, skills])

    def dismiss(self) -> None:
        """The firm buys no more consultant weeks (it has closed)."""
        self.skill = np.zeros((0, len(FUNCTIONS)))
        self.spend = self.weeks_bought = 0.0

    def drift_away(self) -> None:
        """Each consultant stops serving the firm with the weekly exit rate."""
        if self.count:
            stay = self.model.rng.random(self.count) >= self.model.p["consultant_exit_rate"]
            if not stay.all():
                self.skill = self.skill[stay]

    def _effort_shares(self) -> np.ndarray:
        """How a consultant splits effort: by intrinsic motivation alone (no scheme pays them)."""
        p = self.model.p
        key = (*(p[f"intrinsic_{t}"] for t in TASKS), p["effort_temperature"])
        if self._shares is None or self._shares[0] != key:
            intrinsic = np.array(key[:-1]) / key[-1]
            shares = np.exp(intrinsic - intrinsic.max())
            shares /= shares.sum()
            self._shares = (key, shares)
        return self._shares[1]

    def _by_function(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each consultant's best function and skill there, and head count per function
        (recomputed when the pool changes)."""
        if self._pool is not self.skill:
            best = np.argmax(self.skill, axis=1)
            skill = self.skill[np.arange(self.count), best]
            people = np.bincount(best, minlength=len(FUNCTIONS)).astype(float)
            self._pool, self._pool_view = self.skill, (best, skill, people)
        return self._pool_view

    def serve(self, gap: np.ndarray, knowledge: float) -> tuple[np.ndarray, np.ndarray] | tuple[
            None, None]:
        """Buy consultant weeks where a team lacks capacity in a function (gap: teams ×
        functions, in cases); returns closures and solve-weighted closures they add (None,
        None when they add nothing)."""
        p = self.model.p
        self.spend = self.weeks_bought = 0.0
        if self.count == 0 or gap.sum() <= 0:
            return None, None
        shares = self._effort_shares()
        best, skill, people = self._by_function()
        effort = p["consultant_effort"]
        per_week = p["case_capacity"] * shares[0] * effort * skill
        supply = np.bincount(best, weights=per_week, minlength=len(FUNCTIONS))
        solve = solve_probability(p, shares[TASKS.index("care")], effort, knowledge, skill,
                                  self.model.management.case_difficulty)
        solve_f = np.bincount(best, weights=per_week * solve, minlength=len(FUNCTIONS))
        safe_supply = np.where(supply > 0, supply, 1.0)
        solve_f /= safe_supply
        need = gap.sum(axis=0)
        used = np.where(supply > 0, np.minimum(1.0, need / safe_supply), 0)
        served = used * supply
        closures = gap / np.where(need > 0, need, 1.0) * served
        self.weeks_bought = float((used * people).sum())
        self.spend = self.weeks_bought * p["wage"] * (1.0 + p["consultant_premium"])
        return closures, closures * solve_f


class Workforce:
    """Management's workforce plan (docs/model.md §7.9b): positions follow the work.

    Each week the plan watches the work (the closures demand calls for: new cases over the
    share of closures that solve, since an unsolved one reopens, plus the backlog worked
    off over `backlog_clear_weeks`) and capacity (the closures a person present can make at
    the effort they give), both smoothed; every `staffing_review_weeks` it sets the positions
    the work needs, (1 + staffing_slack) × work / capacity per head.
    A profitable firm opens positions toward that number (where the load is highest),
    recruits for each vacancy in the function where its team's load is highest
    (backfill_to_need) and leaves surplus ones empty as people go; a firm losing money
    (smoothed profit below 0) freezes hiring; when the losses last `layoff_after_weeks`, it
    lays off layoff_share of its people at each review, chosen by layoff_policy.
    """

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        self.demand: float | None = None  # closures the work calls for per week, smoothed
        self.capacity: float | None = None  # closures per person present per week, smoothed
        self.loss_weeks = 0
        self.needed = model.employees.positions

    def observe(self) -> None:
        """This week's work and capacity per head, into their moving averages; how long the
        firm has been losing money."""
        model, p = self.model, self.model.p
        emp = model.employees
        cust = model.customers
        demand = (cust.opened / max(model.expected_solve, 0.05)
                  + cust.backlog / p["backlog_clear_weeks"])
        heads = emp.headcount
        capacity = float(emp.closures.sum()) / heads if heads else self.capacity
        rate = 1.0 / p["demand_smoothing_weeks"]
        self.demand = demand if self.demand is None else self.demand + rate * (
            demand - self.demand)
        if capacity is not None:
            self.capacity = capacity if self.capacity is None else self.capacity + rate * (
                capacity - self.capacity)
        ema = model.finance.profit_ema
        self.loss_weeks = self.loss_weeks + 1 if ema is not None and ema < 0 else 0

    def review(self) -> None:
        """Set the positions the work needs and act on them (every staffing_review_weeks)."""
        model, p = self.model, self.model.p
        if not p["staffing"] or model.week % p["staffing_review_weeks"] or not self.capacity:
            return
        emp = model.employees
        self.needed = int(np.clip(np.ceil((1.0 + p["staffing_slack"]) * self.demand
                                          / self.capacity), 1, emp.n))
        if self.loss_weeks > 0:  # losing money: no one is hired
            emp.close_positions(np.flatnonzero(emp.funded & ~emp.active))
            if (self.loss_weeks >= p["layoff_after_weeks"] and emp.headcount > 1
                    and not model.spinning):
                k = min(int(np.ceil(p["layoff_share"] * emp.headcount)), emp.headcount - 1)
                emp.lay_off(self._choose_layoffs(k))
            return
        if p["backfill_to_need"]:  # a vacancy is recruited for where its team's work presses
            vacant = np.flatnonzero(emp.funded & ~emp.active)
            team_load = model.function_load[emp.team[vacant]]
            best = np.argmax(team_load, axis=1)
            emp.hire_function[vacant] = best
        load = model.function_load.take(emp.team * model.function_load.shape[1]
                                        + emp.hire_function)
        gap = self.needed - emp.positions
        if gap > 0:  # open the closed positions where the work presses most
            closed = np.flatnonzero(~emp.funded)
            emp.open_positions(closed[np.argsort(-load[closed], kind="stable")[:gap]])
        elif gap < 0:  # leave the vacancies where the work presses least unfilled
            vacant = np.flatnonzero(emp.funded & ~emp.active)
            emp.close_positions(vacant[np.argsort(load[vacant], kind="stable")[:-gap]])

    def _choose_layoffs(self, k: int) -> np.ndarray:
        """Who goes: the last hired, the lowest scored, or anyone (at random)."""
        emp, policy = self.model.employees, self.model.p["layoff_policy"]
        rows = emp.active_rows
        if policy == "last_in":
            order = np.argsort(emp.tenure[rows], kind="stable")
        elif policy == "lowest_score":
            order = np.argsort(emp.score_ema[rows], kind="stable")
        else:
            order = self.model.rng.permutation(rows.size)
        return rows[order[:k]]


class Finance:
    """Weekly books, share value history, and the budget cut that pressure brings."""

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        self.budget_cut = 0.0
        self.last_profit = 0.0
        self.last_dividends = 0.0
        self.margin = 0.0
        self.profit_ema = None
        self.revenue = self.costs = self.profit = 0.0
        self.breakdown: dict[str, float] = {}
        self._value = np.zeros(1024)
        self._wealth = np.zeros(1024)
        self._n = 0
        self.cum_dividends = 0.0
        self.share_value = 0.0
        p = model.p
        opening_revenue = p["price"] * p["n_customers"]  # a week's revenue at the start
        self.cash = p["initial_cash_weeks"] * opening_revenue
        self.credit_limit = p["credit_line_weeks"] * opening_revenue
        self.failed_week: int | None = None

    def settle(self) -> None:
        """Book the week: revenue, every cost, profit, dividends and the share value."""
        model, p = self.model, self.model.p
        emp, mgr = model.employees, model.managers
        revenue = model.customers.revenue() + model.projects.revenue
        base_wages = float(emp.base_pay.sum()) + mgr.n * p["wage"] * p["manager_wage_ratio"]
        bonuses = float(emp.bonus.sum()) + float(mgr.pay.sum()) - mgr.n * p["wage"] * p[
            "manager_wage_ratio"]
        profit_share = p["profit_share_rate"] * max(self.last_profit, 0.0)
        costs = {
            "wages": base_wages,
            "bonuses": bonuses + profit_share,
            "consultants": model.consultants.spend,
            "hiring": emp.hires * p["hiring_cost_weeks"] * p["wage"],
            "training": (p["training_budget"] * model.management.development * base_wages
                         * (1.0 - self.budget_cut)),
            "fixed": p["fixed_costs"] * revenue,
            # interest on the credit drawn (a negative cash balance), a week's share of a year
            "interest": p["credit_interest"] * max(0.0, -self.cash) / WEEKS_PER_YEAR,
        }
        self.breakdown = costs
        self.revenue = revenue
        self.costs = float(sum(costs.values()))
        self.profit = revenue - self.costs
        self.margin = self.profit / revenue if revenue > 0 else -1.0
        self.last_profit = self.profit
        # dividends come out of cash: none while the firm is drawing on its credit line
        dividends = min(p["payout_ratio"] * max(self.profit, 0.0),
                        max(0.0, self.cash + self.profit))
        self.last_dividends = dividends
        self.cum_dividends += dividends
        self.cash += revenue - self.costs - dividends
        smoothing = 1.0 / p["profit_smoothing_weeks"]
        self.profit_ema = self.profit if self.profit_ema is None else (
            self.profit_ema + smoothing * (self.profit - self.profit_ema))
        earnings = max(self.profit_ema, 0.0) * WEEKS_PER_YEAR / max(p["required_return"], 0.01)
        customer_base = p["customer_value_years"] * WEEKS_PER_YEAR * revenue
        self.share_value = earnings + customer_base
        self._record()

    def open_books(self) -> None:
        """Start the recorded run with the declared cash (the spin-up's earnings and losses
        are not the recorded firm's)."""
        p = self.model.p
        self.cash = p["initial_cash_weeks"] * p["price"] * p["n_customers"]
        self.cum_dividends = 0.0

    @property
    def insolvent(self) -> bool:
        """Cash has fallen below the credit line: the firm cannot pay its way."""
        return self.model.p["insolvency"] and self.cash < -self.credit_limit

    def close_books(self) -> None:
        """A failed firm: no revenue, costs, profit or dividends, and shares worth nothing."""
        self.revenue = self.costs = self.profit = self.last_profit = 0.0
        self.last_dividends = self.margin = 0.0
        self.breakdown = {}
        self.share_value = 0.0
        self._record()

    def loss_margin(self) -> float:
        """The smoothed weekly loss as a share of this week's revenue (0 when profitable; a
        firm with no revenue and a loss counts as losing all of it)."""
        if self.profit_ema is None or self.profit_ema >= 0.0:
            return 0.0
        return -self.profit_ema / self.revenue if self.revenue > 0 else 1.0

    def annual_return(self, horizons: np.ndarray) -> np.ndarray:
        """Annualized total return (value change plus dividends) over each horizon in weeks."""
        t = self._n - 1
        if t < 1:
            return np.zeros(len(horizons))
        h = np.minimum(horizons, t)
        past_value = np.maximum(self._value[t - h], 1.0)
        gain = (self._wealth[t] - self._wealth[t - h]) / past_value
        return gain * WEEKS_PER_YEAR / h

    def annual_return_over(self, horizon: int) -> float:
        """`annual_return` for one horizon, as a number."""
        t = self._n - 1
        if t < 1:
            return 0.0
        h = min(horizon, t)
        past_value = max(self._value[t - h], 1.0)
        gain = (self._wealth[t] - self._wealth[t - h]) / past_value
        return float(gain * WEEKS_PER_YEAR / h)

    def _record(self) -> None:
        if self._n == self._value.size:
            self._value = np.concatenate([self._value, np.zeros(self._value.size)])
            self._wealth = np.concatenate([self._wealth, np.zeros(self._wealth.size)])
        self._value[self._n] = self.share_value
        self._wealth[self._n] = self.share_value + self.cum_dividends
        self._n += 1

    def apply_pressure(self, pressure: float) -> None:
        """Budget cut moves toward cost_cutting × (pressure − threshold), at most 1."""
        p = self.model.p
        excess = max(0.0, pressure - p["pressure_threshold"])
        target = min(1.0, p["cost_cutting"] * excess)
        self.budget_cut += p["cut_adjust_rate"] * (target - self.budget_cut)
