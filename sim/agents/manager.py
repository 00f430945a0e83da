"""Managers: make and keep commitments, close issues, pass on or take credit, judge and pay
by the scheme, and (in customized-work mode) move people toward roles of higher fit.

Trust grows where people keep commitments and get closure on issues (Covey 2006; Vanderwal);
credit-taking and broken commitments erode it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RowAgent, clip, row_field
from sim.vocab import MEASURES

if TYPE_CHECKING:
    from sim.model import WorkplaceModel


class Manager(RowAgent):
    """The manager of one team."""

    pay = row_field("managers", "pay", "pay this week ($)")
    kept = row_field("managers", "kept", "commitments kept this week")
    broken = row_field("managers", "broken", "commitments broken this week")

    @property
    def reliability(self) -> float:
        """Chance of keeping a commitment this week."""
        return float(self.model.managers.reliability[self.row])

    @property
    def credit_fairness(self) -> float:
        """Share of credit passed on to whoever did the work, this week."""
        return float(self.model.managers.credit_fairness[self.row])

    @property
    def autonomy(self) -> float:
        """Autonomy granted: 0 command and control, 1 follow from the front."""
        return float(self.model.managers.autonomy[self.row])

    @property
    def team_members(self) -> list:
        """The employees of this manager's team."""
        emp = self.model.employees
        return [emp.agents[i] for i in np.flatnonzero((emp.team == self.row) & emp.active)]


_TRAITS = ("reliability", "closure", "credit_fairness", "autonomy")
#: Measures of what an individual did (credit for them can be taken); the others are shared.
INDIVIDUAL = [MEASURES.index(m) for m in ("throughput", "customer_satisfaction",
                                          "skill_growth")]
_TRAIT_PARAMS = ("manager_reliability", "closure_rate", "credit_fairness", "autonomy")


class Managers:
    """One manager per team. Each has a disposition (the declared parameter plus a personal
    offset) and acts each week on what the situation makes of it: overload, budget cuts,
    the manager's own incentive and the team's trust (`respond`)."""

    def __init__(self, model: WorkplaceModel, n_teams: int) -> None:
        self.model = model
        self.n = n_teams
        self._offset = model.rng.normal(0.0, 1.0, size=(len(_TRAITS), n_teams))
        self._traits: dict[int, tuple[tuple[float, float], np.ndarray, np.ndarray]] = {}
        self.pay = np.full(n_teams, model.p["wage"] * model.p["manager_wage_ratio"])
        self.kept = np.zeros(n_teams)
        self.broken = np.zeros(n_teams)
        self.issues_closed = np.zeros(model.employees.n)  # this week, per employee position
        self.credit_given = np.zeros(model.employees.n)  # credit for this week's work
        self._now: dict[str, np.ndarray] = {}  # this week's reliability, closure, credit
        self.moves = 0
        self.agents = [Manager(model, t) for t in range(n_teams)]

    def _trait(self, k: int, of_members: bool = False) -> np.ndarray:
        """Disposition k of each manager (or of each employee's manager), recomputed only
        when its parameters change; read-only, since it is shared."""
        p = self.model.p
        key = (p[_TRAIT_PARAMS[k]], p["manager_heterogeneity"])
        cached = self._traits.get(k)
        if cached is None or cached[0] != key:
            value = clip(key[0] + key[1] * self._offset[k], 0, 1)
            members = value[self.model.employees.team]
            value.flags.writeable = members.flags.writeable = False
            cached = self._traits[k] = (key, value, members)
        return cached[2] if of_members else cached[1]

    @property
    def reliability(self) -> np.ndarray:
        """Chance each manager keeps a commitment this week."""
        return self._now.get("reliability", self._trait(0))

    @property
    def closure(self) -> np.ndarray:
        """Share of raised issues each manager closes this week."""
        return self._now.get("closure", self._trait(1))

    @property
    def credit_fairness(self) -> np.ndarray:
        """Share of credit each manager passes on this week."""
        return self._now.get("credit", self._trait(2))

    @property
    def autonomy(self) -> np.ndarray:
        """Autonomy each manager grants."""
        return self._trait(3)

    @property
    def front(self) -> np.ndarray:
        """How far each manager's time goes to following from the front (removing blockers,
        matching people to work, working alongside) rather than assigning and controlling,
        against the calibrated style: autonomy − 0.5 (docs/model.md §7.6b)."""
        return self._trait(3) - 0.5

    @property
    def front_of_member(self) -> np.ndarray:
        """`front` of each employee's manager (per employee position)."""
        return self._trait(3, of_members=True) - 0.5

    @property
    def credit_of_member(self) -> np.ndarray:
        """Credit fairness of each employee's manager this week (per employee position)."""
        return self.credit_fairness[self.model.employees.team]

    @property
    def autonomy_of_member(self) -> np.ndarray:
        """Autonomy granted by each employee's manager (per employee position)."""
        return self._trait(3, of_members=True)

    # --- phase 5 ------------------------------------------------------------------------
    def respond(self) -> None:
        """This week's reliability, closure rate and credit passed on: each manager's
        disposition, worn down by overload and budget cuts, moved by the manager's own
        incentive, and reciprocating the team's trust (docs/model.md §7.6).

        r = clip(r0 (1 − cut_loss · cut)(1 − overload_effect · o) + ρ (T − 0.5)),
        q = clip(q0 (1 − overload_effect · o) + ρ (T − 0.5) + blocker_removal · (a − 0.5)),
        φ = clip(φ0 − credit_taking_incentive · w_individual · (1 + relative_evaluation) / 2
                 + ρ (T − 0.5)),
        o = min(1, max(0, team load − 1)), T the team's mean trust in its manager, ρ =
        manager_reciprocity, a the manager's autonomy (a manager in front removes blockers),
        w_individual the share of the manager's own scheme on measures
        of individuals (throughput, satisfaction, skill growth).
        """
        model, p = self.model, self.model.p
        emp = model.employees
        overload = clip(model.team_load - 1.0, 0.0, 1.0)
        strain = 1.0 - p["manager_overload_effect"] * overload
        trust = emp.team_mean(emp.manager_trust) if emp.headcount else np.full(self.n, 0.5)
        reciprocity = p["manager_reciprocity"] * (trust - 0.5)
        cut = 1.0 - p["cut_reliability_loss"] * model.finance.budget_cut
        weights = model.manager_weights
        total = weights.sum()
        individual = (weights[INDIVIDUAL].sum() / total) if total > 0 else 0.0
        taking = p["credit_taking_incentive"] * individual * (1.0 + p["relative_evaluation"]) / 2
        self._now = {
            "reliability": clip(self._trait(0) * cut * strain + reciprocity, 0.0, 1.0),
            "closure": clip(self._trait(1) * strain + reciprocity
                            + p["blocker_removal"] * self.front, 0.0, 1.0),
            "credit": clip(self._trait(2) - taking + reciprocity, 0.0, 1.0),
        }

    def keep_commitments(self) -> None:
        """Commitments (Poisson) each manager makes to the team, each kept with the
        manager's reliability this week."""
        p, rng = self.model.p, self.model.rng
        made = rng.poisson(p["commitment_rate"], self.n)
        self.kept = rng.binomial(made, self.reliability).astype(float)
        self.broken = made - self.kept

    def close_issues(self) -> None:
        """Each manager closes each issue a team member raised this week with the manager's
        closure rate (`issues_closed`, per employee position)."""
        raised = self.model.employees.issues_raised.astype(np.int64)
        closed = self.model.rng.binomial(raised, self.closure[self.model.employees.team])
        self.issues_closed = closed.astype(float)

    def kept_of_member(self) -> np.ndarray:
        """Commitments each employee's manager kept this week (per employee position)."""
        return self.kept[self.model.employees.team]

    def broken_of_member(self) -> np.ndarray:
        """Commitments each employee's manager broke this week (per employee position)."""
        return self.broken[self.model.employees.team]

    def judge_and_pay(self) -> None:
        """Score each person on the scheme's measures (each relative to the firm's mean),
        pay wage by level plus a bonus share, profit share and equity dividends."""
        model, p, rng = self.model, self.model.p, self.model.rng
        emp, fin = model.employees, model.finance
        a = emp.active
        heads = max(emp.headcount, 1)
        team = emp.team
        measures = np.empty((len(MEASURES), emp.n))
        measures[0] = emp.throughput
        # each person's own customers' survey of the cases they closed: how many stuck
        surveyed = emp.solve_prob + rng.normal(0.0, p["survey_noise"], emp.n)
        clip(surveyed, 0.0, 1.0, out=measures[1])
        np.divide(model.team_solved[team], np.maximum(model.team_heads[team], 1), out=measures[2])
        measures[3] = emp.help_given
        measures[4] = 1.0
        measures[5] = emp.rep_gain
        present = measures * a
        means = present.sum(axis=1) / heads
        relative = measures / np.where(means > 0, means, 1.0)[:, None]
        weights = model.employee_weights
        total = weights.sum()
        score = weights @ relative / total if total > 0 else np.ones(emp.n)
        rank = p["relative_evaluation"]
        if rank > 0:
            order = np.argsort(np.argsort(np.where(a, score, np.inf), kind="stable"), kind="stable")
            percentile = order / max(heads - 1, 1)
            score = (1 - rank) * score + rank * 2.0 * percentile
        emp.receive_score(np.maximum(score, 0.0) * a)
        base = p["wage"] * (1.0 + p["level_pay_step"] * emp.level) + emp.retention_pay
        pool = p["bonus_share"] * (1.0 - fin.budget_cut) * (base * a).sum()
        score_sum = max(emp.score.sum(), 1e-9)
        shared = (p["profit_share_rate"] * max(fin.last_profit, 0.0)
                  + p["employee_equity_share"] * fin.last_dividends) / heads
        emp.receive_pay(base, pool * emp.score / score_sum, shared)
        self._pay_managers(present, means)
        self._give_credit(relative)

    def _give_credit(self, relative: np.ndarray) -> None:
        """The credit each person gets for this week's work: the manager's credit fairness
        times the person's work as the manager's own scheme measures it (relative to the
        firm's means)."""
        model = self.model
        weights = model.manager_weights
        total = weights.sum()
        work = weights @ relative / total if total > 0 else np.ones(relative.shape[1])
        self.credit_given = self.credit_of_member * work * model.employees.active

    def _pay_managers(self, present: np.ndarray, means: np.ndarray) -> None:
        """Managers: wage plus a bonus on their team's measures by their own scheme (`present`:
        each measure of each person, zero for vacant positions)."""
        model, p = self.model, self.model.p
        emp = model.employees
        team_means = emp.team_sums_of_rows(present) / emp.team_count
        team_means[MEASURES.index("profit_share")] = 1.0 + np.tanh(model.finance.margin)
        relative = team_means / np.where(means > 0, means, 1.0)[:, None]
        weights = model.manager_weights
        total = weights.sum()
        score = weights @ relative / total if total > 0 else np.ones(self.n)
        wage = p["wage"] * p["manager_wage_ratio"]
        bonus = p["bonus_share"] * (1.0 - model.finance.budget_cut) * wage * np.maximum(score, 0)
        self.pay = wage + bonus

    def review_roles(self) -> None:
        """Customized work, the internal marketplace: each week each person looks around with
        chance 1 / role_review_weeks and takes the function g of greatest value
        v_g = fit_g + move_to_need · load_g (fit √(skill · passion), load the team's demand
        over capacity there), if v_g beats the current function's by fit_gain_threshold and
        peers have validated the person's expertise there (reputation ≥ validation_threshold);
        the manager lets the move happen with chance role_mobility × autonomy. On the fixed
        ladder nobody moves."""
        model, p, rng = self.model, self.model.p, self.model.rng
        self.moves = 0
        if not p["customized_work"]:
            return
        emp = model.employees
        looking = np.flatnonzero(emp.active & (rng.random(emp.n) < 1.0 / p["role_review_weeks"]))
        if not looking.size:
            return
        load = model.function_load[emp.team[looking]]  # (people, functions)
        value = np.sqrt(emp.skill[looking] * emp.passion[looking])
        value += p["move_to_need"] * np.minimum(load, 3.0)
        value[emp.reputation[looking] < p["validation_threshold"]] = -np.inf
        best = np.argmax(value, axis=1)
        rows = np.arange(looking.size)
        now = np.sqrt(emp.skill[looking, emp.role[looking]] * emp.passion[looking,
                                                                          emp.role[looking]])
        now += p["move_to_need"] * np.minimum(load[rows, emp.role[looking]], 3.0)
        chance = p["role_mobility"] * self.autonomy[emp.team[looking]]
        ok = ((best != emp.role[looking]) & (value[rows, best] - now > p["fit_gain_threshold"])
              & (rng.random(looking.size) < chance))
        move = np.zeros(emp.n, dtype=bool)
        move[looking[ok]] = True
        to = np.zeros(emp.n, dtype=np.int64)
        to[looking[ok]] = best[ok]
        emp.move_roles(move, to)
        self.moves = int(ok.sum())
