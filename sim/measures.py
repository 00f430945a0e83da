"""Measures: engagement bands, trust on each edge type, service, finance, knowledge and
alignment, as small pure reporters f(model) registered in one Mesa DataCollector.

Behavioural alignment is the cosine between the mean effort split and the split that
maximizes value created under the model's own production function; shared fate is the
mean pairwise correlation of the four groups' value over a rolling year.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from itertools import combinations
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.agents.base import mean, sigmoid
from sim.params import TASKS

if TYPE_CHECKING:
    from sim.model import WorkplaceModel

WEEKS_PER_YEAR = 52
SIMPLEX_STEP = 20  # grid resolution for the optimal effort split (1/20 = 0.05)


def _simplex_grid(steps: int, dims: int) -> np.ndarray:
    """All points of the simplex in `dims` dimensions with coordinates k/steps."""
    grid = np.array(
        [c for c in np.ndindex(*(steps + 1,) * (dims - 1)) if sum(c) <= steps], dtype=float
    )
    last = steps - grid.sum(axis=1, keepdims=True)
    return np.hstack([grid, last]) / steps


SIMPLEX = _simplex_grid(SIMPLEX_STEP, len(TASKS))


# --- one step's shared intermediate results ------------------------------------------------
@contextmanager
def one_step(m: WorkplaceModel) -> Iterator[None]:
    """While open, `shared` computes each intermediate result once (reporters of one
    collection read the same state, so they can share the arrays they derive from it)."""
    if m.__dict__.get("_shared") is not None:  # already open: the outer scope owns it
        yield
        return
    m._shared = {}
    try:
        yield
    finally:
        m._shared = None


def shared(m: WorkplaceModel, compute: Callable[[WorkplaceModel], Any]) -> Any:
    """compute(m), once per `one_step` scope (computed afresh outside one)."""
    cache = m.__dict__.get("_shared")
    if cache is None:
        return compute(m)
    if compute not in cache:
        cache[compute] = compute(m)
    return cache[compute]


_UNKNOWN: Any = object()


class Collector(mesa.DataCollector):
    """Mesa's DataCollector, with reporters sharing one step's intermediate results and
    number-valued results stored as they are.

    Mesa deep-copies each reporter's value so that a later step cannot change a stored
    one; a Python number cannot change, so it is appended directly (anything else is still
    deep-copied). Mesa's own `collect` runs the first collection (it validates the
    reporters) and any collection with agent or agent-type reporters or reporters that
    are not plain functions.
    """

    _plain: Any = _UNKNOWN  # what _plain_reporters found

    def collect(self, model: mesa.Model) -> None:
        """Collect this step's values of every reporter."""
        with one_step(model):
            reporters = self._plain_reporters()
            if not self._validated or reporters is None or self.agent_reporters \
                    or self.agenttype_reporters:
                super().collect(model)
                return
            self._collection_steps.append(model.time)
            for reporter, column in reporters:
                value = reporter(model)
                column.append(value if type(value) in _NUMBERS else deepcopy(value))

    def _plain_reporters(self) -> list[tuple[Callable, list]] | None:
        """(reporter, its column) for each model reporter if all are plain functions of the
        model, else None (worked out again when a reporter is added)."""
        if self._plain is _UNKNOWN:
            items = self.model_reporters.items()
            plain = all(isinstance(r, types.FunctionType) for _, r in items)
            self._plain = [(r, self.model_vars[name]) for name, r in items] if plain else None
        return self._plain

    def _new_model_reporter(self, name: str, reporter: Any) -> None:
        super()._new_model_reporter(name, reporter)
        self._plain = _UNKNOWN


_NUMBERS = (float, int, bool)


def _share_of(mask: np.ndarray) -> float:
    """Share of True in a boolean array (NaN if empty), as ndarray.mean computes it."""
    return np.count_nonzero(mask) / mask.size if mask.size else math.nan


# --- engagement ----------------------------------------------------------------------------
def _engagement(m: WorkplaceModel) -> np.ndarray:
    emp = m.employees
    return emp.engagement[emp.active_rows]


def _bands(m: WorkplaceModel) -> tuple[float, float]:
    """Shares of employees in the engaged and the actively disengaged band."""
    g = shared(m, _engagement)
    return (_share_of(g >= m.p["engaged_threshold"]),
            _share_of(g < m.p["disengaged_threshold"]))


def engagement_mean(m: WorkplaceModel) -> float:
    """Mean engagement of employees."""
    return float(mean(shared(m, _engagement)))


def engaged_share(m: WorkplaceModel) -> float:
    """Share of employees in Gallup's engaged band."""
    return float(shared(m, _bands)[0])


def actively_disengaged_share(m: WorkplaceModel) -> float:
    """Share of employees in Gallup's actively disengaged band."""
    return float(shared(m, _bands)[1])


def not_engaged_share(m: WorkplaceModel) -> float:
    """Share of employees between the two thresholds."""
    return 1.0 - engaged_share(m) - actively_disengaged_share(m)


# --- trust ----------------------------------------------------------------------------------
def trust_employee_manager(m: WorkplaceModel) -> float:
    """Mean trust of employees in their own manager."""
    emp = m.employees
    return float(mean(emp.manager_trust[emp.active_rows]))


def trust_peer(m: WorkplaceModel) -> float:
    """Mean trust on employee↔employee collaboration edges between present people."""
    emp = m.employees
    live = emp.live_edges
    return float(mean(emp.peer_edge_trust[live])) if live.any() else 0.5


def trust_customer_firm(m: WorkplaceModel) -> float:
    """Mean trust of customers in the firm."""
    c = m.customers
    return c.mean_trust() if c.count else 0.5


def trust_shareholder_management(m: WorkplaceModel) -> float:
    """Stake-weighted trust of shareholders in management."""
    sh = m.shareholders
    stakes = sh.stakes()
    return float(stakes @ sh.trust() / max(stakes.sum(), 1e-12))


# --- effort and work --------------------------------------------------------------------------
def _mean_shares(m: WorkplaceModel) -> np.ndarray:
    emp = m.employees
    weights = emp.effort * emp.active
    return (emp.shares * weights[:, None]).sum(axis=0) / max(weights.sum(), 1e-12)


def mean_shares(m: WorkplaceModel) -> np.ndarray:
    """Effort-weighted mean effort split over the tasks."""
    return shared(m, _mean_shares)


def _share(task: int) -> Callable[[WorkplaceModel], float]:
    def reporter(m: WorkplaceModel) -> float:
        return float(mean_shares(m)[task])

    reporter.__doc__ = f"Mean share of effort on {TASKS[task]}."
    return reporter


def effort_total(m: WorkplaceModel) -> float:
    """Mean total effort (share of a full week of work)."""
    emp = m.employees
    return float(mean(emp.effort[emp.active_rows]))


def time_to_resolve(m: WorkplaceModel) -> float:
    """Weeks to close a case, by Little's law: open cases / closures per week at the current
    pace (the measure a throughput KPI rewards; a closed case may still reopen)."""
    return m.customers.backlog / max(m.service_capacity, 1e-9)


def time_to_solve(m: WorkplaceModel) -> float:
    """Weeks until a case is really solved: open cases / solving closures per week."""
    return m.customers.backlog / max(m.service_capacity * m.expected_solve, 1e-9)


def reopen_rate(m: WorkplaceModel) -> float:
    """Share of closed cases that reopen."""
    c = m.customers
    return c.reopened / c.closed if c.closed else 0.0


def role_fit(m: WorkplaceModel) -> float:
    """Mean fit (skill × passion) of people in their current role."""
    emp = m.employees
    return float(mean(emp.fit()[emp.active_rows]))


# --- customers ---------------------------------------------------------------------------------
def _customer_satisfaction(m: WorkplaceModel) -> float:
    c = m.customers
    return float(mean(c.satisfaction[c.rows])) if c.count else 0.0


def customer_satisfaction(m: WorkplaceModel) -> float:
    """Mean customer satisfaction."""
    return shared(m, _customer_satisfaction)


def churn_rate(m: WorkplaceModel) -> float:
    """Share of customers lost this week."""
    c = m.customers
    return c.churned / max(c.count + c.churned - c.arrived, 1)


# --- people ----------------------------------------------------------------------------------
def quit_rate(m: WorkplaceModel) -> float:
    """Voluntary quits this week as a share of headcount."""
    emp = m.employees
    return emp.quits / max(emp.headcount + emp.quits + emp.dismissals - emp.hires, 1)


def individual_knowledge(m: WorkplaceModel) -> float:
    """Mean share of reality's dimensions people hold right."""
    emp = m.employees
    return float(mean(emp.knowledge[emp.active_rows]))


def code_knowledge(m: WorkplaceModel) -> float:
    """March's knowledge of the organizational code: Σ(code × reality)/m."""
    return float((m.code.astype(np.int32) * m.reality).sum() / m.reality.size)


def pay_mean(m: WorkplaceModel) -> float:
    """Mean weekly pay of employees."""
    emp = m.employees
    return float(mean(emp.pay[emp.active_rows]))


# --- alignment --------------------------------------------------------------------------------
def value_of_shares(m: WorkplaceModel, shares: np.ndarray) -> np.ndarray:
    """Value created per person-week for each candidate effort split (rows of `shares`).

    The model's own production function on the firm's mean state: closures from speed,
    boosted by help; solving from care, knowledge and fit; fit raised by a year of learning.
    Value = solved cases − reopen_cost × reopened cases, with demand as the ceiling.
    """
    p, emp = m.p, m.employees
    a = emp.active
    if not a.any():
        return np.zeros(len(shares))
    effort = emp.effort[a].mean()
    rows = np.flatnonzero(a)
    skill = emp.skill[rows, emp.role[rows]].mean()
    passion = emp.passion[rows, emp.role[rows]].mean()
    know = emp.knowledge[a].mean()
    speed, care, help_, learn = shares.T
    grown = skill + p["learning_rate"] * learn * effort * (1 - skill) * WEEKS_PER_YEAR / 2
    fit = np.sqrt(np.clip(grown, 0, 1) * passion)
    closures = p["case_capacity"] * speed * effort * fit * (1 + p["help_strength"] * help_ * effort)
    solve = sigmoid(p["care_quality_effect"] * care * effort + p["knowledge_quality_effect"] * know
                    + p["fit_quality_effect"] * fit - p["case_difficulty"])
    demand = max(m.customers.opened, 1) / max(int(a.sum()), 1)
    solved = np.minimum(closures * solve, demand)
    reopened = np.minimum(closures, demand / np.maximum(solve, 1e-9)) * (1 - solve)
    return solved - p["reopen_cost"] * reopened


def optimal_shares(m: WorkplaceModel) -> np.ndarray:
    """The effort split on a 0.05 simplex grid that maximizes `value_of_shares`."""
    return SIMPLEX[int(np.argmax(value_of_shares(m, SIMPLEX)))]


def behavioural_alignment(m: WorkplaceModel) -> float:
    """cos(ā, a*): mean effort split against the value-maximizing split (cached per quarter)."""
    best = m.optimal_shares
    actual = mean_shares(m)
    return float(actual @ best / (_norm(actual) * _norm(best) + 1e-12))


def _norm(x: np.ndarray) -> float:
    """Euclidean norm of a vector, as np.linalg.norm computes it."""
    return math.sqrt(x.dot(x))


def group_values(m: WorkplaceModel) -> np.ndarray:
    """This week's value for employees, managers, customers and shareholders."""
    emp = m.employees
    employees = mean(emp.pay[emp.active_rows]) / m.p["wage"] + mean(shared(m, _engagement))
    managers = mean(m.managers.pay) / m.p["wage"]
    customers = customer_satisfaction(m)
    shareholders = m.finance.share_value + m.finance.cum_dividends
    return np.array([employees, managers, customers, shareholders])


def shared_fate(m: WorkplaceModel) -> float:
    """Mean pairwise correlation of the four groups' value over the last year (0 if flat)."""
    history = m.value_history()
    if history.shape[0] < 3:
        return 0.0
    centred = history - history.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0)).tolist()
    columns = [centred[:, k] for k in range(history.shape[1])]
    pairs = list(combinations(range(history.shape[1]), 2))
    total = 0.0
    for i, j in pairs:
        if not (scale[i] < 1e-12 or scale[j] < 1e-12):
            total += float(columns[i] @ columns[j] / (scale[i] * scale[j]))
    return total / len(pairs)  # the mean, summed in order as np.mean sums a few values


REPORTERS: dict[str, Callable[[WorkplaceModel], float]] = {
    "engagement_mean": engagement_mean,
    "engaged_share": engaged_share,
    "not_engaged_share": not_engaged_share,
    "actively_disengaged_share": actively_disengaged_share,
    "trust_employee_manager": trust_employee_manager,
    "trust_peer": trust_peer,
    "trust_customer_firm": trust_customer_firm,
    "trust_shareholder_management": trust_shareholder_management,
    **{f"effort_{t}": _share(i) for i, t in enumerate(TASKS)},
    "effort_total": effort_total,
    "cases_opened": lambda m: m.customers.opened,
    "cases_closed": lambda m: m.customers.closed,
    "cases_solved": lambda m: m.customers.solved,
    "cases_reopened": lambda m: m.customers.reopened,
    "backlog": lambda m: m.customers.backlog,
    "time_to_resolve": time_to_resolve,
    "time_to_solve": time_to_solve,
    "reopen_rate": reopen_rate,
    "role_fit": role_fit,
    "customer_satisfaction": customer_satisfaction,
    "customers": lambda m: m.customers.count,
    "churned": lambda m: m.customers.churned,
    "new_customers": lambda m: m.customers.arrived,
    "churn_rate": churn_rate,
    "headcount": lambda m: m.employees.headcount,
    "quits": lambda m: m.employees.quits,
    "dismissals": lambda m: m.employees.dismissals,
    "hires": lambda m: m.employees.hires,
    "quit_rate": quit_rate,
    "role_moves": lambda m: m.managers.moves,
    "consultants": lambda m: m.consultants.count,
    "consultant_weeks": lambda m: m.consultants.weeks_bought,
    "consulting_spend": lambda m: m.consultants.spend,
    "knowledge": code_knowledge,
    "individual_knowledge": individual_knowledge,
    "revenue": lambda m: m.finance.revenue,
    "costs": lambda m: m.finance.costs,
    "profit": lambda m: m.finance.profit,
    "share_value": lambda m: m.finance.share_value,
    "budget_cut": lambda m: m.finance.budget_cut,
    "shareholder_pressure": lambda m: m.shareholders.pressure,
    "pay_mean": pay_mean,
    "behavioural_alignment": behavioural_alignment,
    "shared_fate": shared_fate,
}

#: Keys every summary (final and last-year) must hold; other issues and users rely on them.
SUMMARY_KEYS = (
    "engagement_mean", "engaged_share", "not_engaged_share", "actively_disengaged_share",
    "trust_employee_manager", "trust_peer", "trust_customer_firm", "trust_shareholder_management",
    "customer_satisfaction", "customers", "headcount", "consultants", "time_to_resolve",
    "reopen_rate", "knowledge", "profit", "behavioural_alignment", "shared_fate",
)
