"""WorkplaceModel: a firm as an ecosystem of employees, managers, customers and shareholders.

Sources of the mechanisms (details and formulas in docs/model.md):
- multitask incentives: Holmstrom & Milgrom (1991); Kerr (1975), "On the folly of
  rewarding A while hoping for B"; effort learned from the rewards received: Rescorla &
  Wagner (1972), Sutton & Barto (2018);
- conditional cooperation: Fischbacher, Gächter & Fehr (2001), Fischbacher & Gächter (2010);
- trust that acts: Morgan & Hunt (1994) (customers), Edmondson (1999) (voice), Serva,
  Fuller & Mayer (2005) (managers' reciprocity);
- trust as comfort and confidence, decaying Beta reputations: Jøsang & Ismail (2002);
  Covey (2006), *The Speed of Trust*;
- engagement bands: Gallup; fairness: Adams (1965), equity theory;
- organizational learning: March (1991), exploration and exploitation;
- customers: Oliver (1980) expectation disconfirmation; Reichheld (2003) net promoters.

One step is one week. The ten phases of `step()` run in the order of the design; each is
one vectorized call over a population's arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mesa
import numpy as np

from sim import measures
from sim.agents import (
    Customer,
    Customers,
    Employee,
    Employees,
    Manager,
    Managers,
    Project,
    Projects,
    Shareholder,
    Shareholders,
)
from sim.agents.base import clip, mean, row_sum
from sim.agents.employee import CLOSED
from sim.clock import QUARTER, WEEKS_PER_YEAR
from sim.errors import InputError
from sim.firm import Consultants, Finance, Workforce
from sim.incentives import layer, weight_vector
from sim.learning import random_reality, turbulence
from sim.management import Management
from sim.params import resolve_params
from sim.vocab import FUNCTIONS, TASKS

__all__ = ["Customer", "Employee", "Manager", "Project", "Shareholder", "WorkplaceModel"]

#: `WorkplaceModel._levels` for a spin-up week whose standing was not computed
_UNKNOWN = np.empty(0)


class WorkplaceModel(mesa.Model):
    """The firm. Keyword arguments are the parameters of `sim.params` (defaults there)."""

    def __init__(self, seed: int | None = None, events: Iterable[Any] = (),
                 spin_up: bool = True, *, rng: Any = None, scenario: Any = None,
                 **params: Any) -> None:
        """Build the firm and run its spin-up (`spinup_weeks`, unrecorded) unless `spin_up`
        is false, in which case the caller runs `spin_up()` before the first recorded week
        (the benchmark does, to time building and spinning up apart). The seed is `seed` or,
        as Mesa's models take it, `rng`; not both. `scenario` is Mesa's (a
        `mesa.experimental.scenarios.Scenario`, which SolaraViz passes on Reset), not one of
        our scenario files."""
        if seed is not None and rng is not None:
            raise InputError(f"WorkplaceModel: seed = {seed!r} and rng = {rng!r} are both "
                             "given; expected one of them (rng, as Mesa names it, or seed)")
        seed = seed if rng is None else rng
        super().__init__(rng=seed, scenario=scenario)
        self.seed = seed
        self.p = resolve_params(params, "WorkplaceModel")
        self.initial_params = dict(self.p)  # as the run started (events change self.p)
        self.events = self._check_events(events)
        self._derive()
        p = self.p
        m = p["march_dimensions"]
        self.reality = random_reality(self.rng, m)
        self.code = np.zeros(m, dtype=np.int8)
        self.finance = Finance(self)
        self.consultants = Consultants(self)
        self.employees = Employees(self)
        self.employees.update_knowledge(self.reality)
        self.managers = Managers(self, self.employees.n_teams)
        self.customers = Customers(self, p["n_customers"])
        self.projects = Projects(self)
        self.shareholders = Shareholders(self)
        n_teams, n_functions = self.managers.n, len(FUNCTIONS)
        self.team_satisfaction = np.full(n_teams, p["initial_expectation"])
        self.team_load = np.ones(n_teams)
        self.function_load = np.ones((n_teams, n_functions))
        self.team_solved = np.zeros(n_teams)
        self.service_capacity = 1.0
        self.expected_solve = 1.0
        self.shift_served = 1.0  # served share of the demand shift function's cases
        self.team_heads = self.employees.team_heads.copy()
        self.workforce = Workforce(self)
        self.management = Management(self)
        self.optimal_shares = np.full(4, 0.25)
        # the groups' weekly gains over the last year, each written twice so that the year
        # up to any week is one contiguous slice (no copying when it is read)
        self._values = np.zeros((2 * WEEKS_PER_YEAR, 4))
        self._values_n = 0
        self._levels: np.ndarray | None = None  # last week's standing of the groups
        self.datacollector = measures.Recorder()
        self.spun_up = 0  # weeks of spin-up run (before recorded week 1)
        self._spinning = False
        if spin_up:
            self.spin_up()

    @property
    def week(self) -> int:
        """Weeks of the run so far, from the first recorded one (the spin-up not counted)."""
        return self.steps - self.spun_up

    @property
    def spinning(self) -> bool:
        """Whether the unrecorded spin-up is running (failure and layoffs suspended)."""
        return self._spinning

    def spin_up(self) -> None:
        """Run the firm `spinup_weeks` unrecorded weeks under its own parameters, with failure
        and layoffs suspended and no events, so that the recorded run starts near the firm's
        own steady state (docs/model.md §5); then start the books afresh."""
        weeks = self.p["spinup_weeks"]
        if weeks <= 0 or self.steps > 0:
            return
        self.spun_up = weeks  # the spin-up's weeks count up to 0, the run's from 1
        self._spinning = True
        try:
            for _ in range(weeks):
                self.step()
        finally:
            self._spinning = False
        self.finance.open_books()

    def _derive(self) -> None:
        """Quantities that follow from parameters (recomputed when parameters change)."""
        p = self.p
        self.scheme_weights = weight_vector(p, "emp")
        self.scheme_manager_weights = weight_vector(p, "mgr")
        self.intrinsic_returns = np.array([p[f"intrinsic_{task}"] for task in TASKS])
        mix = np.array([p[f"demand_mix_{f}"] for f in FUNCTIONS])
        mix /= mix.sum()
        self._demand_mix = mix  # the declared mix of cases by function (`demand_mix`)

    @staticmethod
    def _check_events(events: Iterable[Any]) -> dict[int, dict[str, Any]]:
        """Scheduled parameter changes by week (`sim.scenario.Event`s, or mappings with
        `week`, `set` and an optional `label`), checked as a scenario file's are."""
        from sim.scenario import Event, check_event

        by_week: dict[int, dict[str, Any]] = {}
        for i, event in enumerate(events):
            if not isinstance(event, Event):
                event = check_event("events", event, f"events[{i}]")
            by_week.setdefault(event.week, {}).update(event.set)
        return by_week

    def apply_events(self) -> None:
        """Apply the parameter changes scheduled for this week (from this week on; none
        during the spin-up, whose weeks are 0 and before)."""
        changes = self.events.get(self.week) if self.week > 0 else None
        if changes:
            self.set_params(**changes)

    def set_params(self, **changes: Any) -> None:
        """Change parameters of a running model (as the visualizer does); checked as at start.

        Size parameters (employees, customers, shareholders, team size, dimensions) only take
        effect in a new model.
        """
        self.p = resolve_params(layer(self.p, changes), "set_params")
        self._derive()
        self.employees.refresh_trust()
        self.customers.refresh_trust()

    # --- the schedule -------------------------------------------------------------------
    def step(self) -> None:
        """One week, in the order of the design (DESIGN §5). A firm that has failed does
        nothing more: each week records its terminal state."""
        if self.failed:
            return self.record_closed_week()
        self.apply_events()  # 0 scheduled policy changes
        self.management.run_processes()  # ... and the processes people work by
        self.customers.raise_cases()  # 1 demand
        self.employees.choose_effort()  # 2 effort
        self.projects.launch()  # 3 work: projects arrive and are staffed ...
        self.projects.staff()
        self.serve_cases()  # ... cases are served ...
        self.projects.work()  # ... and projects move on
        self.learn()  #   ... and the organizational code (March)
        self.customers.update_satisfaction()  # 4 customers
        self.customers.churn_and_recommend()
        self.managers.respond()  # 5 managers
        self.managers.keep_commitments()
        self.employees.raise_issues()
        self.managers.close_issues()
        self.managers.judge_and_pay()
        self.managers.review_roles()
        self.employees.develop_skills()
        self.employees.update_levels()
        self.update_trust()  # 6 trust
        self.employees.learn_from_week(self.managers.credit_given)  # ... and what work earns
        self.employees.update_engagement()  # 7 engagement
        self.employees.turnover()  # 8 turnover
        self.consultants.drift_away()
        self.finance.settle()  # 9 finance, shareholders and the workforce plan
        if self.finance.insolvent and not self._spinning:
            self.fail()
        else:
            self.shareholders.review()
            self.finance.apply_pressure(self.shareholders.pressure)
            self.management.respond(self.shareholders.pressure)
            self.workforce.observe()
            self.workforce.review()
        self.record()  # 10 measures

    @property
    def employee_weights(self) -> np.ndarray:
        """The employees' scheme weights as management applies them this week."""
        return self.management.escalated(self.scheme_weights)

    @property
    def manager_weights(self) -> np.ndarray:
        """The managers' scheme weights as management applies them this week."""
        return self.management.escalated(self.scheme_manager_weights)

    @property
    def failed(self) -> bool:
        """Whether the firm has failed (its cash fell below its credit line)."""
        return self.finance.failed_week is not None

    def fail(self) -> None:
        """The firm cannot pay its way: it closes this week. Everyone leaves (no one starts
        consulting for a firm that is gone), customers go elsewhere, the books close."""
        self.finance.failed_week = self.week
        emp = self.employees
        emp.funded[:] = False
        emp.leave(emp.active_rows, refresh=True, how=CLOSED)
        self.customers.leave(self.customers.rows)
        self.consultants.dismiss()
        self.projects.close_all()
        self.managers.pay = np.zeros(self.managers.n)
        self.stay_closed()

    def record_closed_week(self) -> None:
        """A week of a failed firm, recorded: nothing happens, the terminal state is kept."""
        self.stay_closed()
        self.record()

    def stay_closed(self) -> None:
        """A week of a failed firm: no flows of any kind, its books at zero."""
        emp, cust = self.employees, self.customers
        emp.quits = emp.dismissals = emp.hires = emp.new_consultants = emp.layoffs = 0
        emp.team_quits = np.zeros(emp.n_teams, dtype=np.int64)
        cust.opened = cust.closed = cust.solved = cust.reopened = cust.backlog = 0
        cust.churned = cust.arrived = cust.promoters = cust.detractors = 0
        self.managers.moves = 0
        self.consultants.spend = self.consultants.weeks_bought = 0.0
        self.service_capacity = 0.0
        self.finance.close_books()

    # --- phase 3 ----------------------------------------------------------------------
    def demand_mix(self) -> np.ndarray:
        """Share of cases that need each function this week: the declared mix, and from
        `demand_shift_week` on, `demand_shift_size` of all cases moved to the shift's
        function (taken from every function in proportion)."""
        p = self.p
        mix = self._demand_mix.copy()
        if p["demand_shift_week"] and self.week >= p["demand_shift_week"]:
            size = p["demand_shift_size"]
            mix *= 1.0 - size
            mix[FUNCTIONS.index(p["demand_shift_function"])] += size
        return mix

    def serve_cases(self) -> None:
        """Route each team's backlog over the functions, serve it with the members working in
        each function plus bought consultant weeks, and report closures to the customers."""
        emp, cust = self.employees, self.customers
        emp.plan_work()
        n_teams, n_functions = self.managers.n, len(FUNCTIONS)
        cell = emp.team * n_functions + emp.role
        size = n_teams * n_functions
        capacity = np.bincount(cell, weights=emp.closures, minlength=size).reshape(n_teams, -1)
        quality = np.bincount(cell, weights=emp.closures * emp.solve_prob, minlength=size)
        quality = quality.reshape(n_teams, -1)
        backlog = cust.team_backlog()
        mix = self.demand_mix()
        demand = np.multiply.outer(backlog, mix)
        if self.p["alongside_capacity"]:  # managers who work alongside their team (§7.6b)
            per_head = row_sum(capacity) / np.maximum(emp.team_heads, 1)
            extra = 2.0 * self.p["alongside_capacity"] * self.managers.front * per_head
            capacity = np.maximum(capacity + np.multiply.outer(extra, mix), 0.0)
        pooled = self.p["case_routing"] == "firm"
        if pooled:  # cases go to whoever in the firm works in their function (§7.3b)
            wanted_f = demand.sum(axis=0)
            share = demand / np.where(wanted_f > 0, wanted_f, 1.0)
            capacity, quality = share * capacity.sum(axis=0), share * quality.sum(axis=0)
        gap = np.maximum(demand - capacity, 0.0)
        # the firm's know-how consultants work with; with nobody left, none of it
        know_how = float(mean(emp.knowledge[emp.active_rows], empty=0.0))
        extra, extra_quality = self.consultants.serve(gap, know_how)
        supply = capacity + extra if extra is not None else capacity
        closed = np.minimum(demand, supply)
        safe_supply = np.where(supply > 0, supply, 1.0)
        used = closed / safe_supply
        if pooled:  # each function's people share its cases wherever they are
            total = supply.sum(axis=0)
            used_f = closed.sum(axis=0) / np.where(total > 0, total, 1.0)
            emp.record_throughput(used_f.take(emp.role))
        else:
            emp.record_throughput(used.take(cell))
        solve_cell = quality + extra_quality if extra is not None else quality.copy()
        solve_cell /= safe_supply
        team_closed = row_sum(closed)
        close_share = np.where(backlog > 0, team_closed / np.maximum(backlog, 1e-12), 0.0)
        solved = row_sum(closed * solve_cell)
        solved /= np.maximum(team_closed, 1e-12)
        solve = np.where(team_closed > 0, solved, 0.0)
        cust.receive_service(clip(close_share, 0, 1, out=close_share),
                             clip(solve, 0, 1, out=solve))
        self.function_load = demand / np.maximum(capacity, 1e-9)
        shift = FUNCTIONS.index(self.p["demand_shift_function"])
        wanted = float(demand[:, shift].sum())
        self.shift_served = float(closed[:, shift].sum()) / wanted if wanted > 0 else 1.0
        self.team_load = backlog / np.maximum(row_sum(supply), 1e-9)
        self.service_capacity = float(supply.sum())
        self.expected_solve = float((supply * solve_cell).sum() / max(self.service_capacity, 1e-9))
        self.team_solved = team_closed * solve
        self.team_heads = emp.team_heads
        self.team_satisfaction = cust.team_satisfaction()

    def learn(self) -> None:
        """March (1991) on the people present: only those who share feed the code; belief
        turnover (p3) and turbulence (p4); knowledge then sets case quality next week."""
        self.employees.learn_with_code(self.code, self.reality)
        turbulence(self.rng, self.reality, self.p["turbulence"])
        self.employees.update_knowledge(self.reality)

    # --- phase 6 ----------------------------------------------------------------------
    def update_trust(self) -> None:
        """Trust on every kind of relationship, from what each side observed this week
        (decaying Beta reputations, docs/model.md §7.7): employees in their manager and in
        their peers and customers in the firm here; shareholders in management once the
        books are closed (`shareholders.review`, phase 9), since they judge the week's
        returns."""
        mgr = self.managers
        self.employees.update_trust(mgr.credit_of_member, mgr.kept_of_member(),
                                    mgr.broken_of_member(), mgr.issues_closed)
        self.customers.update_trust(self.p["trust_memory"])

    # --- phase 10 ----------------------------------------------------------------------
    def record(self) -> None:
        """Collect this week's measures (the alignment target is re-solved each quarter).

        The spin-up records nothing; the recorded run reads from it only the last year of
        the groups' weekly gains (`value_history`) and the last quarter's alignment target.
        So the spin-up's earlier weeks compute neither (both are pure functions of the
        state: results are the same) and only count the week in the gains' ring, whose
        every slot the last year of the spin-up writes again."""
        week = self.week
        if self._spinning and week < -WEEKS_PER_YEAR - 1:
            if self._levels is not None:
                self._values_n += 1
            self._levels = _UNKNOWN
            return
        with measures.one_step(self):
            if (week % QUARTER == 1 or week == 1) and not (
                    self._spinning and week + QUARTER <= 0):
                self.optimal_shares = measures.optimal_shares(self)
            levels = measures.group_levels(self)
            if self._levels is not None:
                if self._levels.size:  # last week's standing is known
                    year = WEEKS_PER_YEAR
                    slot = self._values_n % year
                    changes = measures.group_changes(self._levels, levels)
                    self._values[slot] = self._values[slot + year] = changes
                self._values_n += 1
            self._levels = levels
            if not self._spinning:
                self.datacollector.collect(self)

    def value_history(self) -> np.ndarray:
        """The four groups' weekly gains over the last year (oldest first)."""
        n, year = self._values_n, WEEKS_PER_YEAR
        start = n % year if n >= year else 0
        return self._values[start: start + min(n, year)].copy()
