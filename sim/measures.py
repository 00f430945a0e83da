"""Measures: engagement bands, trust on each edge type, service, finance, knowledge and
alignment, as small pure reporters f(model) registered in one Mesa DataCollector.

Behavioural alignment is the cosine between the mean effort split and the split that
maximizes value created under the model's own production function; shared fate is the
mean pairwise correlation of the four groups' value over a rolling year.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.agents.base import mean
from sim.agents.employee import solve_probability
from sim.clock import WEEKS_PER_YEAR
from sim.vocab import TASKS

#: The four groups whose values alignment and shared fate compare, in this order.
GROUPS = ("employees", "managers", "customers", "shareholders")

if TYPE_CHECKING:
    from sim.model import WorkplaceModel

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


class Recorder:
    """The weekly record of every declared measure: one typed NumPy column per measure,
    filled by calling each measure's reporter once a week (`collect`).

    A reporter returns NaN where its measure is undefined (a mean over nobody: an empty
    firm, no customers, no live ties); the recorder then stores what the measure's
    declaration says an empty population reports (`Measure.empty`: its last value, or a
    stated number), so a record never holds NaN.
    """

    def __init__(self, measures: tuple[Measure, ...] | None = None, capacity: int = 64) -> None:
        self.measures = tuple(m for m in (MEASURES_DECLARED if measures is None else measures)
                              if m.reporter is not None)
        self._columns = {m.name: np.zeros(capacity, dtype=m.dtype) for m in self.measures}
        self._plan = [(m.reporter, self._columns[m.name], m.empty) for m in self.measures]
        self.n = 0

    def collect(self, model: WorkplaceModel) -> None:
        """Record this week's value of every measure."""
        if self.n == len(self._columns[self.measures[0].name]):
            self._grow()
        n = self.n
        with one_step(model):
            for reporter, column, empty in self._plan:
                value = reporter(model)
                if value != value:  # NaN: undefined this week
                    value = (column[n - 1] if n else 0.0) if empty is None else empty
                column[n] = value
        self.n = n + 1

    def _grow(self) -> None:
        for name, column in self._columns.items():
            grown = np.zeros(2 * column.size, dtype=column.dtype)
            grown[: column.size] = column
            self._columns[name] = grown
        self._plan = [(m.reporter, self._columns[m.name], m.empty) for m in self.measures]

    def series(self, name: str) -> np.ndarray:
        """The weekly values of one measure so far (week 1 first; a read-only view)."""
        view = self._columns[name][: self.n]
        view.flags.writeable = False
        return view

    @property
    def model_vars(self) -> dict[str, np.ndarray]:
        """Every measure's weekly values so far, by name (as Mesa's DataCollector names it)."""
        return {name: self.series(name) for name in self._columns}

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The record as a DataFrame: one row per week, one column per measure."""
        return pd.DataFrame({name: column[: self.n].copy()
                             for name, column in self._columns.items()})


def _share_of(mask: np.ndarray) -> float:
    """Share of True in a boolean array (NaN if empty), as ndarray.mean computes it."""
    return np.count_nonzero(mask) / mask.size if mask.size else math.nan


def _mean(values: np.ndarray) -> float:
    """Mean of a 1-D array, NaN if it is empty (a mean over nobody is undefined; the
    recorder then applies the measure's declared `empty` rule)."""
    return float(mean(values)) if values.size else math.nan


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
    return _mean(shared(m, _engagement))


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
    return _mean(emp.manager_trust[emp.active_rows])


def trust_peer(m: WorkplaceModel) -> float:
    """Mean trust on employee↔employee collaboration edges between present people."""
    emp = m.employees
    live = emp.live_edges
    return _mean(emp.peer_edge_trust[live])


def trust_customer_firm(m: WorkplaceModel) -> float:
    """Mean trust of customers in the firm."""
    c = m.customers
    return c.mean_trust() if c.count else math.nan


def trust_shareholder_management(m: WorkplaceModel) -> float:
    """Stake-weighted trust of shareholders in management."""
    sh = m.shareholders
    stakes = sh.stakes()
    return float(stakes @ sh.trust() / max(stakes.sum(), 1e-12))


# --- effort and work --------------------------------------------------------------------------
def _mean_shares(m: WorkplaceModel) -> np.ndarray:
    emp = m.employees
    weights = emp.effort * emp.active
    total = weights.sum()
    if total <= 0:
        return np.full(len(TASKS), math.nan)
    return (emp.shares * weights[:, None]).sum(axis=0) / total


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
    return _mean(emp.effort[emp.active_rows])


def time_to_resolve(m: WorkplaceModel) -> float:
    """Weeks to close a case, by Little's law: open cases / closures per week at the current
    pace (the measure a throughput KPI rewards; a closed case may still reopen)."""
    if m.service_capacity <= 0:
        return math.nan
    return m.customers.backlog / m.service_capacity


def time_to_solve(m: WorkplaceModel) -> float:
    """Weeks until a case is really solved: open cases / solving closures per week."""
    pace = m.service_capacity * m.expected_solve
    return m.customers.backlog / pace if pace > 0 else math.nan


def reopen_rate(m: WorkplaceModel) -> float:
    """Share of closed cases that reopen."""
    c = m.customers
    return c.reopened / c.closed if c.closed else 0.0


def role_fit(m: WorkplaceModel) -> float:
    """Mean fit (skill × passion) of people in their current role."""
    emp = m.employees
    return _mean(emp.fit()[emp.active_rows])


def expertise_validity(m: WorkplaceModel) -> float:
    """How well the firm's view of expertise tracks true skill in people's roles: the
    correlation across people of skill in role with validated expertise (peers' reputation)
    in customized work, with credentials (level, then tenure) on the fixed ladder."""
    emp = m.employees
    rows = emp.active_rows
    if rows.size < 3:
        return math.nan
    skill = emp.skill.take(emp.role_index())[rows]
    if m.p["customized_work"]:
        view = emp.reputation.take(emp.role_index())[rows]
    else:
        view = emp.level[rows] + emp.tenure[rows] / (1e3 * WEEKS_PER_YEAR)
    if skill.std() < 1e-12 or view.std() < 1e-12:
        return 0.0
    return correlation(skill, view)


def correlation(x: np.ndarray, y: np.ndarray) -> float:
    """np.corrcoef(x, y)[0, 1] of two 1-D float arrays, computed by the same operations in
    the same order (so to the last bit) without its checks and dispatch."""
    data = np.empty((2, x.size))
    data[0], data[1] = x, y
    data -= data.mean(axis=1)[:, None]
    c = np.dot(data, data.T.conj())
    c *= np.true_divide(1, x.size - 1)
    spread = np.sqrt(np.diag(c))
    c /= spread[:, None]
    c /= spread[None, :]
    return float(np.clip(c[0, 1], -1, 1))


def mentored_share(m: WorkplaceModel) -> float:
    """Share of people who have a mentor this week."""
    emp = m.employees
    return _mean((emp.mentor[emp.active_rows] >= 0).astype(float))


def passion_in_use(m: WorkplaceModel) -> float:
    """Mean passion of people for the function they work in."""
    emp = m.employees
    return _mean(emp.passion.take(emp.role_index())[emp.active_rows])


# --- customers ---------------------------------------------------------------------------------
def _customer_satisfaction(m: WorkplaceModel) -> float:
    c = m.customers
    return _mean(c.satisfaction[c.rows])


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
    return _mean(emp.knowledge[emp.active_rows])


def code_knowledge(m: WorkplaceModel) -> float:
    """March's knowledge of the organizational code: Σ(code × reality)/m."""
    return float((m.code.astype(np.int32) * m.reality).sum() / m.reality.size)


def pay_mean(m: WorkplaceModel) -> float:
    """Mean weekly pay of employees."""
    emp = m.employees
    return _mean(emp.pay[emp.active_rows])


# --- alignment --------------------------------------------------------------------------------
def group_values_of_shares(m: WorkplaceModel, shares: np.ndarray) -> np.ndarray:
    """What each candidate effort split (rows of `shares`) would bring each group per
    person-week, under the model's own production function at the firm's mean state
    (columns: employees, managers, customers, shareholders; docs/model.md §7.11).

    Closures come from speed, boosted by help; solving from care, knowledge and fit, fit
    raised by half a year of learning. Customers get solved cases net of the harm of
    reopened ones (demand is the ceiling); shareholders the revenue those keep (price per
    case) less the consultants bought for the closures the split leaves undone; employees
    the intrinsic return of the split at the firm's mean engagement (in wages); managers the
    bonus their own scheme pays on the split's measures, relative to the firm's present ones.
    """
    p, emp = m.p, m.employees
    a = emp.active
    if not a.any():
        return np.zeros((len(shares), 4))
    effort = emp.effort[a].mean()
    rows = np.flatnonzero(a)
    skill = emp.skill[rows, emp.role[rows]].mean()
    passion = emp.passion[rows, emp.role[rows]].mean()
    know = emp.knowledge[a].mean()
    speed, care, help_, learn = shares.T
    grown = skill + p["learning_rate"] * learn * effort * (1 - skill) * WEEKS_PER_YEAR / 2
    fit = np.sqrt(np.clip(grown, 0, 1) * passion)
    closures = p["case_capacity"] * speed * effort * fit * (1 + p["help_strength"] * help_ * effort)
    solve = solve_probability(p, care, effort, know, fit, m.management.case_difficulty)
    demand = max(m.customers.opened, 1) / max(int(a.sum()), 1)
    solved = np.minimum(closures * solve, demand)
    reopened = np.minimum(closures, demand / np.maximum(solve, 1e-9)) * (1 - solve)
    customers = solved - p["reopen_cost"] * reopened
    per_case = p["price"] / max(p["case_rate"], 1e-9)  # a customer-week's revenue per case
    bought = p["wage"] * (1.0 + p["consultant_premium"]) / max(
        p["case_capacity"] * p["consultant_effort"], 1e-9)  # cost of a closure bought
    shareholders = per_case * customers - bought * np.maximum(0.0, demand - closures)
    intrinsic = np.array([p[f"intrinsic_{t}"] for t in TASKS])
    g = float(emp.engagement[a].mean())
    employees = p["intrinsic_strength"] * g * (shares @ intrinsic) * p["wage"]
    measured = np.column_stack([closures, solve, solved, help_ * effort,
                                np.ones(len(shares)), learn * effort])
    now = np.maximum(measured.mean(axis=0), 1e-12)
    weights = m.manager_weights
    managers = (p["bonus_share"] * p["wage"] * p["manager_wage_ratio"]
                * (measured / now) @ weights / max(weights.sum(), 1e-12))
    return np.column_stack([employees, managers, customers, shareholders])


def value_of_shares(m: WorkplaceModel, shares: np.ndarray) -> np.ndarray:
    """The four groups' joint value of each candidate split: each group's value scaled to
    [0, 1] over the candidates (its worst to its best), weighted by the declared
    alignment weights (employees, managers, customers, shareholders)."""
    values = group_values_of_shares(m, shares)
    low, high = values.min(axis=0), values.max(axis=0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    p = m.p
    weights = np.array([p[f"alignment_weight_{g}"] for g in GROUPS])
    return scaled @ weights / max(weights.sum(), 1e-12)


def optimal_shares(m: WorkplaceModel) -> np.ndarray:
    """The effort split on a 0.05 simplex grid that maximizes the joint value."""
    return SIMPLEX[int(np.argmax(value_of_shares(m, SIMPLEX)))]


def behavioural_alignment(m: WorkplaceModel) -> float:
    """cos(ā, a*): mean effort split against the split of greatest joint value for the four
    groups (re-solved each quarter)."""
    best = m.optimal_shares
    actual = mean_shares(m)
    return float(actual @ best / (_norm(actual) * _norm(best) + 1e-12))


def _norm(x: np.ndarray) -> float:
    """Euclidean norm of a vector, as np.linalg.norm computes it."""
    return math.sqrt(x.dot(x))


def group_levels(m: WorkplaceModel) -> np.ndarray:
    """This week's standing of employees (pay / wage + engagement), managers (pay / wage),
    customers (satisfaction) and shareholders (share value), and the dividends paid."""
    emp = m.employees
    rows = emp.active_rows  # an empty firm gives its employees nothing
    employees = (mean(emp.pay[rows]) / m.p["wage"] + mean(shared(m, _engagement))
                 if rows.size else 0.0)
    managers = mean(m.managers.pay) / m.p["wage"]
    satisfaction = customer_satisfaction(m)
    customers = satisfaction if satisfaction == satisfaction else 0.0  # none: nothing received
    return np.array([employees, managers, customers, m.finance.share_value,
                     m.finance.last_dividends])


def group_changes(before: np.ndarray, now: np.ndarray) -> np.ndarray:
    """Each group's gain this week: the change of its standing, and for shareholders the
    total return (change of share value plus dividends over last week's value)."""
    changes = now[:3] - before[:3]
    shareholders = (now[3] - before[3] + now[4]) / max(before[3], 1.0)
    return np.append(changes, shareholders)


def fate_correlation(changes: np.ndarray) -> float:
    """Mean pairwise Pearson correlation of the columns of `changes` (weeks × groups); a
    column that never moves counts as correlation 0."""
    if changes.shape[0] < 3:
        return 0.0
    centred = changes - changes.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0)).tolist()
    columns = [centred[:, k] for k in range(changes.shape[1])]
    pairs = list(combinations(range(changes.shape[1]), 2))
    total = 0.0
    for i, j in pairs:
        if not (scale[i] < 1e-12 or scale[j] < 1e-12):
            total += float(columns[i] @ columns[j] / (scale[i] * scale[j]))
    return total / len(pairs)


def shared_fate(m: WorkplaceModel) -> float:
    """Mean pairwise correlation of the four groups' weekly gains over the last year, i.e.
    whether they gain and lose together (changes, not levels: levels that merely trend would
    correlate whatever ties them)."""
    return fate_correlation(m.value_history())


# --- the declaration ---------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """One measure, declared once: the reporters, `summary.json`, chart and lesson labels,
    reports and `aligned measures` all read it.

    `better` says which way is good (+1 higher, −1 lower, 0 neither); `kind` says what the
    weekly value is and so how a year aggregates: a `state` or a `flow` (per week) is
    averaged over the weeks, a `rate` is derived over a window as events per year over the
    mean stock (`rate_of`). `empty` is what the measure reports in a week it is undefined
    (nobody to average over: an empty firm, no customers): None holds its last value, a
    number reports that number.
    """

    name: str
    label: str
    unit: str
    doc: str
    better: int = 0
    kind: str = "state"
    reporter: Callable[[WorkplaceModel], float] | None = None
    empty: float | None = None
    integer: bool = False
    rate_of: tuple[str, str] | None = None

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the measure can take, from its unit (shares, trust, cosines and
        correlations are bounded; counts are not negative; amounts are unbounded)."""
        if self.unit in ("share", "0..1"):
            return (0.0, 1.0)
        if self.unit in ("cosine", "correlation", "−1..1"):
            return (-1.0, 1.0)
        if self.integer or self.unit in ("weeks", "weeks/week", "share/week", "share/year"):
            return (0.0, math.inf)
        return (-math.inf, math.inf)

    @property
    def dtype(self) -> type:
        """The NumPy type of its weekly column."""
        return np.int64 if self.integer else np.float64


def _m(name: str, label: str, unit: str, better: int, reporter: Callable[[WorkplaceModel], Any],
       doc: str = "", kind: str = "state", empty: float | None = None,
       integer: bool = False) -> Measure:
    text = doc or " ".join((reporter.__doc__ or "").split())
    return Measure(name, label, unit, text, better, kind, reporter, empty, integer)


def _count(name: str, label: str, doc: str, better: int, get: Callable[[WorkplaceModel], int],
           kind: str = "flow") -> Measure:
    """A whole-number measure (a head count or this week's events); 0 with nobody."""
    return Measure(name, label, "count", doc, better, kind, get, 0.0, True)


def _amount(name: str, label: str, doc: str, better: int,
            get: Callable[[WorkplaceModel], float], unit: str = "$/week") -> Measure:
    """A money amount of this week."""
    return Measure(name, label, unit, doc, better, "flow", get, 0.0)


MEASURES_DECLARED: tuple[Measure, ...] = (
    # engagement (Gallup bands); with nobody employed each holds its last value
    _m("engagement_mean", "engagement", "0..1", 1, engagement_mean),
    _m("engaged_share", "engaged", "share", 1, engaged_share),
    _m("not_engaged_share", "not engaged", "share", 0, not_engaged_share),
    _m("actively_disengaged_share", "actively disengaged", "share", -1,
       actively_disengaged_share),
    # trust on each edge
    _m("trust_employee_manager", "trust employee → manager", "0..1", 1, trust_employee_manager),
    _m("trust_peer", "trust employee ↔ employee", "0..1", 1, trust_peer),
    _m("trust_customer_firm", "trust customer → firm", "0..1", 1, trust_customer_firm),
    _m("trust_shareholder_management", "trust shareholder → management", "0..1", 1,
       trust_shareholder_management),
    # effort
    *[_m(f"effort_{t}", f"effort on {t}", "share", 0, _share(i)) for i, t in enumerate(TASKS)],
    _m("effort_total", "total effort", "share of a week", 1, effort_total),
    # work
    _count("cases_opened", "cases opened", "New cases raised this week.", 0,
           lambda m: m.customers.opened),
    _count("cases_closed", "cases closed", "Cases closed this week.", 1,
           lambda m: m.customers.closed),
    _count("cases_solved", "cases solved", "Cases solved this week.", 1,
           lambda m: m.customers.solved),
    _count("cases_reopened", "cases reopened", "Closed cases that reopened this week.", -1,
           lambda m: m.customers.reopened),
    _count("backlog", "backlog", "Open cases.", -1, lambda m: m.customers.backlog, "state"),
    _m("time_to_resolve", "time to resolve", "weeks", -1, time_to_resolve),
    _m("time_to_solve", "time to solve", "weeks", -1, time_to_solve),
    _m("reopen_rate", "reopen rate", "share", -1, reopen_rate, kind="flow", empty=0.0),
    _m("role_fit", "role fit", "0..1", 1, role_fit),
    _m("passion_in_use", "passion in use", "0..1", 1, passion_in_use),
    _m("expertise_validity", "expertise validity", "correlation", 1, expertise_validity),
    _count("projects_open", "open projects", "Projects under way.", 0,
           lambda m: m.projects.count, "state"),
    _count("projects_finished", "projects finished", "Projects finished this week.", 1,
           lambda m: m.projects.finished),
    _amount("project_revenue", "project revenue", "What the projects finished this week "
            "brought ($).", 1, lambda m: m.projects.revenue),
    _m("platform_ties", "platform ties", "ties/person", 1,
       lambda m: float(mean(m.employees.platform_degree[m.employees.active_rows], empty=0.0)),
       "Mean number of ties to other teams a person has grown from shared projects."),
    _m("mentored_share", "mentored", "share", 1, mentored_share),
    _m("shift_served_share", "served share (shift function)", "share", 1,
       lambda m: m.shift_served, "Share of the cases needing the demand shift's function "
       "(demand_shift_function) closed this week.", kind="flow", empty=0.0),
    # customers
    _m("customer_satisfaction", "customer satisfaction", "0..1", 1, customer_satisfaction),
    _count("customers", "customers", "Customers of the firm.", 1,
           lambda m: m.customers.count, "state"),
    _count("churned", "customers lost", "Customers lost this week.", -1,
           lambda m: m.customers.churned),
    _count("new_customers", "customers won", "Customers won this week.", 1,
           lambda m: m.customers.arrived),
    _m("churn_rate", "churn rate", "share/week", -1, churn_rate, kind="flow", empty=0.0),
    # people
    _count("headcount", "headcount", "Filled positions.", 0,
           lambda m: m.employees.headcount, "state"),
    _count("quits", "quits", "Voluntary quits this week.", -1, lambda m: m.employees.quits),
    _count("dismissals", "dismissals", "Forced exits this week.", -1,
           lambda m: m.employees.dismissals),
    _count("hires", "hires", "Hires this week.", 0, lambda m: m.employees.hires),
    _m("quit_rate", "quit rate", "share/week", -1, quit_rate, kind="flow", empty=0.0),
    _count("positions", "positions", "Funded positions: filled or being recruited for.", 0,
           lambda m: m.employees.positions, "state"),
    _count("vacancies", "vacancies", "Funded positions nobody holds yet.", 0,
           lambda m: m.employees.vacancies, "state"),
    _count("layoffs", "layoffs", "People laid off this week.", -1, lambda m: m.employees.layoffs),
    _count("role_moves", "role moves", "People who moved to another function this week "
           "(through the internal marketplace, or instead of taking an outside offer).", 0,
           lambda m: m.managers.moves + m.employees.offer_moves),
    _count("outside_offers", "outside offers", "Offers from outside that reached people this "
           "week.", 0, lambda m: m.employees.offers),
    _count("counter_offers", "counter-offers", "Outside offers the firm countered this week.", 0,
           lambda m: m.employees.counters),
    _count("consultants", "consultants", "Former employees consulting for the firm.", 0,
           lambda m: m.consultants.count, "state"),
    _m("consultant_weeks", "consultant weeks", "weeks/week", 0,
       lambda m: m.consultants.weeks_bought, "Consultant weeks bought this week.", "flow", 0.0),
    _amount("consulting_spend", "consulting spend", "Spent on consultants this week ($).", -1,
            lambda m: m.consultants.spend),
    # knowledge
    _m("knowledge", "organizational code", "−1..1", 1, code_knowledge),
    _m("individual_knowledge", "people's knowledge", "0..1", 1, individual_knowledge),
    # finance and shareholders
    _amount("revenue", "revenue", "Revenue this week ($).", 1, lambda m: m.finance.revenue),
    _amount("costs", "costs", "Costs this week ($).", -1, lambda m: m.finance.costs),
    _amount("profit", "profit", "Profit this week ($).", 1, lambda m: m.finance.profit),
    _m("share_value", "share value", "$", 1, lambda m: m.finance.share_value,
       "Value of the firm's shares ($)."),
    _m("cash", "cash", "$", 1, lambda m: m.finance.cash, "Cash at the end of the week ($; "
       "below zero the firm is drawing on its credit line)."),
    _count("operating", "operating", "1 while the firm operates, 0 once it has failed (its "
           "cash fell below its credit line).", 1, lambda m: int(not m.failed), "state"),
    _m("process_misfit", "process misfit", "share", -1, lambda m: m.management.misfit,
       "Share of the work's dimensions the processes get wrong."),
    _m("budget_cut", "budget cut", "share", -1, lambda m: m.finance.budget_cut,
       "Share of discretionary budget cut under shareholder pressure."),
    _m("shareholder_pressure", "shareholder pressure", "1/year", -1,
       lambda m: m.shareholders.pressure,
       "Stake-weighted shortfall of returns against what owners require (per year)."),
    _m("pay_mean", "mean pay", "$/week", 0, pay_mean, "Mean weekly pay of employees ($)."),
    # alignment
    _m("behavioural_alignment", "behavioural alignment", "cosine", 1, behavioural_alignment),
    _m("shared_fate", "shared fate", "correlation", 1, shared_fate),
    # rates derived over a window (no weekly reporter)
    Measure("annual_quit_rate", "annual quit rate", "share/year",
            "Voluntary quits over a year as a share of mean headcount.", -1, "rate",
            rate_of=("quits", "headcount")),
    Measure("annual_churn_rate", "annual churn rate", "share/year",
            "Customers lost over a year as a share of the mean customer base.", -1, "rate",
            rate_of=("churned", "customers")),
)

#: Every declared measure by name.
MEASURES: dict[str, Measure] = {m.name: m for m in MEASURES_DECLARED}
#: The weekly reporters, by measure name (what each week records).
REPORTERS: dict[str, Callable[[WorkplaceModel], float]] = {
    m.name: m.reporter for m in MEASURES_DECLARED if m.reporter is not None}
#: Measures derived over a window from the weekly record (annual rates).
DERIVED: tuple[str, ...] = tuple(m.name for m in MEASURES_DECLARED if m.rate_of)


def window_value(rows: pd.DataFrame, name: str) -> float:
    """A measure over a window of weeks (rows of a run's record): the mean of the weekly
    values, or for a rate, events per year over the mean stock."""
    measure = MEASURES[name]
    if measure.rate_of is not None:
        events, stock = measure.rate_of
        per_year = rows[events].sum() * WEEKS_PER_YEAR / max(len(rows), 1)
        return float(per_year / max(rows[stock].mean(), 1.0))
    return float(rows[name].mean())


def columns_for(names: Iterable[str]) -> set[str]:
    """The weekly columns needed to compute these measures over a window."""
    needed: set[str] = set()
    for name in names:
        rate_of = MEASURES[name].rate_of
        needed.update(rate_of if rate_of else (name,))
    return needed


#: Keys every summary (final and last-year) must hold; other issues and users rely on them.
SUMMARY_KEYS = (
    "engagement_mean", "engaged_share", "not_engaged_share", "actively_disengaged_share",
    "trust_employee_manager", "trust_peer", "trust_customer_firm", "trust_shareholder_management",
    "customer_satisfaction", "customers", "headcount", "consultants", "time_to_resolve",
    "reopen_rate", "knowledge", "profit", "behavioural_alignment", "shared_fate",
)
