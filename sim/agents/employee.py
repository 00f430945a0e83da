"""Employees: split effort over tasks, serve cases, learn, trust, engage, and quit.

Effort allocation is a softmax over the marginal return of each task, which reduces to
Holmstrom & Milgrom's (1991) multitask corner when intrinsic motivation is off and the
choice is sharp. Engagement follows equity theory (Adams 1965), trust in the manager,
autonomy × fit, recognition and purpose; quitting follows the outside-option gap
(March & Simon 1958).
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agents.base import (
    RowAgent,
    add_evidence,
    clip,
    count_views,
    lexsort2,
    mean,
    row_field,
    row_max,
    row_sum,
    sigmoid,
    trust_of,
)
from sim.agents.project import NOBODY
from sim.behaviour import (
    cooperation_target,
    draw_split,
    draw_types,
    learn_returns,
    logit_shares,
    update_beliefs,
)
from sim.clock import WEEKS_PER_YEAR, is_annual_review
from sim.learning import knowledge, learning_period, random_beliefs
from sim.vocab import FUNCTIONS, TASKS

if TYPE_CHECKING:
    from sim.model import WorkplaceModel

#: How a position's last holder left (`Employees.left_how`): nobody has left it yet, quit
#: (on their own, or for an outside offer), dismissed at the annual review, laid off by the
#: workforce plan, or gone with the firm when it failed.
STAYED, QUIT, DISMISSED, LAID_OFF, CLOSED = range(5)
EXITS = ("", "quit", "dismissed", "laid off", "firm failed")

SPEED, CARE, HELP, LEARN = range(len(TASKS))


def solve_probability(p: dict, care_share: Any, effort: Any, knowledge: Any, fit: Any,
                      difficulty: float) -> Any:
    """Chance a closure solves the case: σ(b_care · a_care · E + b_know · knowledge
    + b_fit · fit − difficulty), for employees, consultants and the alignment target alike
    (arrays or numbers; `difficulty` as the processes make it, `Management`)."""
    quality = (p["care_quality_effect"] * care_share * effort
               + p["knowledge_quality_effect"] * knowledge
               + p["fit_quality_effect"] * fit - difficulty)
    return sigmoid(quality)


class Employee(RowAgent):
    """An employee: one row of the employee arrays while the person is with the firm."""

    team = row_field("employees", "team", "team (and so manager) index")
    role = row_field("employees", "role", "current function index (see FUNCTIONS)")
    hire_function = row_field("employees", "hire_function", "function hired into")
    engagement = row_field("employees", "engagement", "engagement (0..1)")
    skill = row_field("employees", "skill", "skill per function (0..1)")
    passion = row_field("employees", "passion", "passion per function (0..1)")
    effort_shares = row_field("employees", "shares", "effort split over speed, care, help, learn")
    effort = row_field("employees", "effort", "total effort this week (0..1)")
    reputation = row_field("employees", "reputation", "peer-validated expertise per function")
    beliefs = row_field("employees", "beliefs", "March beliefs in {-1, 0, +1}")
    pay = row_field("employees", "pay", "pay this week ($)")
    level = row_field("employees", "level", "career level")
    tenure = row_field("employees", "tenure", "weeks with the firm")

    @property
    def role_name(self) -> str:
        """Name of the current function."""
        return FUNCTIONS[self.role]

    @property
    def trust_in_manager(self) -> float:
        """Trust in one's own manager (comfort and confidence combined)."""
        return float(self.model.employees.trust_in_manager()[self.row])

    @property
    def band(self) -> str:
        """Gallup band of this person's engagement."""
        return self.model.employees.band_of(self.engagement)


class Employees:
    """All employee positions as arrays; a vacant position has no agent until it is filled.

    Each team has `slots` positions: the `team_size` it starts with and room to grow by
    `max_staff_growth`. A position is funded (budgeted) or closed; a funded one is filled or
    vacant (being recruited). The workforce plan (`sim.firm.Workforce`) opens and closes
    positions and lays people off; the rest of the model sees only who is present.
    """

    mgr_comfort, mgr_confidence = count_views("mgr_counts")
    edge_comfort, edge_confidence = count_views("edge_counts")

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        p = model.p
        rng = model.rng
        people, nf, size = p["n_employees"], len(FUNCTIONS), p["team_size"]
        self.n_teams = -(-people // size)
        self.slots = int(np.ceil(size * (1.0 + p["max_staff_growth"])))  # positions per team
        n = self.n = self.n_teams * self.slots
        self.team = np.arange(n) // self.slots
        self.team_size_max = self.slots
        local = np.arange(n) - self.team * self.slots
        self.hire_function = local % nf
        self.role = self.hire_function.copy()
        # the starting positions: team_size in each team (the rest in the last one)
        starting = np.where(self.team == self.n_teams - 1, people - (self.n_teams - 1) * size,
                            size)
        self.funded = local < starting
        self.active = self.funded.copy()
        self.vacancy_timer = np.zeros(n, dtype=np.int64)
        self.layoffs = 0
        self.layoff_shadow = 0.0  # a year's memory of the share laid off (Trevor & Nyberg)
        # the starting staff as a long-run firm has them: tenures about exponential, and
        # skill in the hire function risen with tenure above a newcomer's
        years = np.minimum(rng.exponential(p["initial_tenure_years"], n), 40.0)
        self.tenure = np.floor(years * WEEKS_PER_YEAR)
        self.skill = rng.uniform(0.0, p["secondary_skill_max"], size=(n, nf))
        grown = p["new_hire_skill"] + p["initial_skill_gain"] * (
            1.0 - np.exp(-years / p["initial_skill_years"]))
        main_skill = grown + p["initial_skill_sd"] * rng.standard_normal(n)
        self.skill[np.arange(n), self.hire_function] = clip(main_skill, 0.05, 1)
        self.passion = rng.uniform(p["passion_min"], 1.0, size=(n, nf))
        self.reputation = self.skill * 0.8
        self.disposition = rng.normal(0.0, p["engagement_disposition_sd"], n)
        self.engagement = clip(sigmoid(p["engagement_bias"] + self.disposition), 0, 1)
        self.level = np.zeros(n)
        self.beliefs = random_beliefs(rng, n, p["march_dimensions"])
        self.knowledge = np.zeros(n)
        self.shares = np.full((n, len(TASKS)), 1.0 / len(TASKS))
        self.effort = np.full(n, 0.5)
        self.closures = np.zeros(n)
        self.throughput = np.zeros(n)
        self.solve_prob = np.full(n, 0.5)
        self.pay = np.full(n, p["wage"])
        self.score = np.ones(n)
        self.score_ema = np.ones(n)
        self.rep_gain = np.zeros(n)
        self.mgr_counts = np.zeros((n, 4))  # trust in the manager: comfort, confidence
        self.issues_raised = np.zeros(n)
        self.base_pay = self.pay.copy()
        self.bonus = np.zeros(n)
        self.help_given = np.zeros(n)
        self.quits = self.dismissals = self.hires = self.new_consultants = 0
        self.team_quits = np.zeros(self.n_teams, dtype=np.int64)  # this week's, per team
        self._row_base = np.arange(n) * nf  # flat index of each person's first function
        # what people have learned, believe and value (sim/behaviour.py, docs/model.md §7.2)
        # learned return of a unit of effort per task, from the prior a newcomer holds
        self.returns = np.full((n, len(TASKS)), p["initial_return"])
        self.traces = np.zeros((n, len(TASKS)))  # eligibility traces of the delta rule
        self.choice = self.shares.copy()  # the logit shares (the week's split varies around)
        self.coop_type = draw_types(rng, n, cooperation_shares(p))
        self.help_belief = np.full(n, p["initial_help_belief"])
        self.early_career = rng.random(n) < p["early_career_share"]
        self.values = draw_values(rng, self.early_career, p)
        self.rank = np.full(n, 0.5)  # this week's score percentile among those present
        self.shared_pay = 0.0  # profit share and equity dividends per head this week
        self.raise_value = np.zeros(n)  # a year of this week's raise, where raises follow work
        # customized work: projects, mentors, the platform's ties (docs/model.md §7.3b, §7.6)
        self.project = np.full(n, NOBODY)  # the project each person works on
        self.mentor = np.full(n, NOBODY)  # each person's mentor this week
        self.mentor_load = np.zeros(n)  # share of the week a mentor gives to mentees
        self.platform_degree = np.zeros(n)  # ties to other teams grown from shared projects
        # mobility through connections (docs/model.md §7.9c)
        self.alumni = np.zeros(n)  # ties to former colleagues who left (fading)
        self.retention_pay = np.zeros(n)  # weekly raise a counter-offer brought
        self.moved_week = np.full(n, -(10**9))  # the week of each person's last move
        # who left each position last, when and how (for the visualizer; nothing reads it)
        self.left_week = np.full(n, -(10**9))
        self.left_how = np.full(n, STAYED, dtype=np.int8)
        self.offers = self.counters = self.offer_moves = 0  # this week's
        self._platform_pairs: set[tuple[int, int]] = set()
        self._build_network(rng, p["cross_team_ties"])
        self._team_blocks()
        self.agents: list[Employee | None] = [
            Employee(model, i) if self.active[i] else None for i in range(n)]
        self._membership_changed()
        self.refresh_trust()
        self.update_levels()
        self.raise_value[:] = 0.0  # the starting levels are nobody's raise
        self._fit = self.fit()

    # --- structure --------------------------------------------------------------------
    def _build_network(self, rng: np.random.Generator, ties: int) -> None:
        """Collaboration network: every pair within a team, plus random cross-team ties.

        Stored as directed edges (src trusts dst), each with comfort and confidence counts.
        """
        n, team, size = self.n, self.team, self.slots
        local = np.arange(n) - team * size
        src_parts, dst_parts = [], []
        for offset in range(1, size):  # teammates: the other positions of the same team
            src_parts.append(np.arange(n))
            dst_parts.append(team * size + (local + offset) % size)
        if ties > 0 and self.n_teams > 1:
            src = np.repeat(np.arange(n), ties)
            dst = rng.integers(0, n, size=src.size)
            ok = team[dst] != team[src]
            src_parts += [src[ok], dst[ok]]  # ties are mutual
            dst_parts += [dst[ok], src[ok]]
        self.edge_src = np.concatenate(src_parts).astype(np.int64)
        self.edge_dst = np.concatenate(dst_parts).astype(np.int64)
        self.edge_counts = np.zeros((self.edge_src.size, 4))  # comfort, confidence
        self._edge_across = team[self.edge_src] != team[self.edge_dst]  # ties beyond the team
        self._edge_buffers = (self.edge_src, self.edge_dst, self._edge_across, self.edge_counts)
        self.out_degree = np.maximum(np.bincount(self.edge_src, minlength=n), 1)
        self.in_degree = np.maximum(np.bincount(self.edge_dst, minlength=n), 1)

    def _team_blocks(self) -> None:
        """The bincount cells of (people × columns) and (rows × people) arrays, by layout and
        width, for per-team sums (computed when first needed)."""
        self._team_cells: dict[tuple[str, int], np.ndarray] = {}

    def _membership_changed(self) -> None:
        """Recompute what follows from who is present (after hires and exits): the active
        rows, team head counts and the live collaboration edges with each person's count."""
        a = self.active
        self.active_rows = np.flatnonzero(a)
        self.team_heads = np.bincount(self.team, weights=a, minlength=self.n_teams)
        self.team_count = np.maximum(self.team_heads, 1)
        self._live_edge_counts(self.edge_src, self.edge_dst, self._edge_across, add=False)

    def _live_edge_counts(self, src: np.ndarray, dst: np.ndarray, across: np.ndarray,
                          add: bool) -> None:
        """The live edges among `src`→`dst` (both ends present) and, per person, how many
        lead out and in and how many of those leave the team (`reach`): all edges afresh, or
        (`add`) the counts of edges just added on top of those of the others. Each count is
        a whole number, so adding the new edges' counts gives the same floats as counting
        all edges again."""
        a, n = self.active, self.n
        live = a[src] & a[dst]
        weight = live.astype(np.float64)
        out = np.bincount(src, weights=weight, minlength=n)
        into = np.bincount(dst, weights=weight, minlength=n)
        reach = np.bincount(src, weights=live & across, minlength=n)  # ties beyond the team
        if add:
            live = np.concatenate([self.live_edges, live])
            out += self._live_out
            into += self._live_in
            reach += self.reach
        self.live_edges = live
        self._live_out, self._live_in, self.reach = out, into, reach
        self._live_degree_out = np.maximum(out, 1)
        self._live_degree_in = np.maximum(into, 1)

    def refresh_trust(self) -> None:
        """Recompute the trust everyone reads this week (in the manager, on each edge, and
        in and from peers) after the counts or the people changed."""
        self.manager_trust = self.trust_in_manager()
        self.peer_edge_trust = self.edge_trust()
        self._peer_out, self._peer_in = self.peer_trust(self.peer_edge_trust)

    @property
    def headcount(self) -> int:
        """Filled positions."""
        return int(self.active_rows.size)

    def team_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of `values` over the active members of each team (per team; a 2-D `values`
        gives one column per column)."""
        a, nt = self.active, self.n_teams
        if values.ndim == 1:
            return np.bincount(self.team, weights=values * a, minlength=nt) / self.team_count
        k = values.shape[1]
        cells = self._team_cells.get(("columns", k))
        if cells is None:
            cells = self._team_cells["columns", k] = (self.team[:, None] * k
                                                      + np.arange(k)).ravel()
        sums = np.bincount(cells, weights=(values * a[:, None]).ravel(), minlength=nt * k)
        return sums.reshape(nt, k) / self.team_count[:, None]

    def team_sums_of_rows(self, values: np.ndarray) -> np.ndarray:
        """Per team, the sum of each row of `values` (rows × people) over the team's
        positions: one bincount for all rows."""
        k = values.shape[0]
        cells = self._team_cells.get(("rows", k))
        if cells is None:
            cells = self._team_cells["rows", k] = (np.arange(k)[:, None] * self.n_teams
                                                   + self.team).ravel()
        sums = np.bincount(cells, weights=values.ravel(), minlength=k * self.n_teams)
        return sums.reshape(k, self.n_teams)

    def role_index(self) -> np.ndarray:
        """Flat index of each person's current function in the (people × functions) arrays."""
        return self._row_base + self.role

    def fit(self) -> np.ndarray:
        """Role fit: geometric mean of skill and passion in the current function."""
        ri = self.role_index()
        return np.sqrt(self.skill.take(ri) * self.passion.take(ri))

    def trust_in_manager(self) -> np.ndarray:
        """Trust in own manager: w · comfort + (1 − w) · confidence."""
        return trust_of(self.mgr_counts, self.model.p["comfort_weight"])

    def edge_trust(self) -> np.ndarray:
        """Trust on each directed collaboration edge (src in dst)."""
        return trust_of(self.edge_counts, self.model.p["comfort_weight"])

    def peer_trust(self, edge_trust: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per person: mean trust in peers (out) and peers' mean trust in them (in), over the
        edges between present people."""
        t = self.edge_trust() if edge_trust is None else edge_trust
        t = t * self.live_edges
        n = self.n
        out = np.bincount(self.edge_src, weights=t, minlength=n) / self._live_degree_out
        into = np.bincount(self.edge_dst, weights=t, minlength=n) / self._live_degree_in
        return out, into

    def band_of(self, engagement: float) -> str:
        """Gallup band name of an engagement value."""
        p = self.model.p
        if engagement >= p["engaged_threshold"]:
            return "engaged"
        if engagement < p["disengaged_threshold"]:
            return "actively disengaged"
        return "not engaged"

    def update_knowledge(self, reality: np.ndarray) -> None:
        """Knowledge: the share of reality's dimensions each person's beliefs hold right."""
        self.knowledge = knowledge(self.beliefs, reality)

    # --- phase 2: effort ----------------------------------------------------------------
    def choose_effort(self) -> None:
        """Split effort over the tasks by a logit over what each is worth to the person, then
        give each part of the week to a task; total effort from engagement and overhead.

        U_j = r_j (the return the person has learned a unit of effort on j brings)
              + intrinsic_strength · g · v_purpose · ι_j + norm_strength · (team's split);
        a = logit(U / τ); help is then drawn toward the cooperation target by
        cooperation_strength κ: a_help ← (1 − κ) a_help + κ h*, the other tasks rescaled;
        the week's split is `effort_blocks` parts drawn with shares a. E = L (1 − overhead),
        L = e0 + (1 − e0) g, moved toward clip(Σ a_j U_j / c) by effort_incentive_strength.
        """
        model, p = self.model, self.model.p
        utility = np.multiply.outer(p["intrinsic_strength"] * self.engagement
                                    * self.values[:, PURPOSE], model.intrinsic_returns)
        utility += self.returns
        utility += (p["norm_strength"] * self.team_mean(self.shares)).take(self.team, axis=0)
        choice = logit_shares(utility, p["effort_temperature"])
        kappa = p["cooperation_strength"]
        if kappa > 0:
            self._blend_cooperation(choice, kappa)
        self.choice = choice
        self.shares = draw_split(model.rng, choice, p["effort_blocks"])
        base = p["base_effort"]
        level = base + (1.0 - base) * self.engagement
        if p["effort_incentive_strength"] > 0:
            paid = np.clip(row_sum(choice * utility) / p["effort_cost"], 0.0, 1.0)
            level = level + p["effort_incentive_strength"] * (paid - level)
        self.effort = level * (1.0 - self.overhead())

    def _blend_cooperation(self, choice: np.ndarray, kappa: float) -> None:
        """Draw each person's help share toward what their cooperation type gives when they
        expect their teammates' help (raised by trust in peers); the other tasks keep their
        proportions. In place."""
        p = self.model.p
        target = cooperation_target(self.coop_type, self.help_belief, p["conditional_slope"])
        if p["trust_cooperation"]:
            target *= 1.0 + p["trust_cooperation"] * (self._peer_out - 0.5)
            clip(target, 0.0, 1.0, out=target)
        help_ = (1.0 - kappa) * choice[:, HELP] + kappa * target
        rest = 1.0 - choice[:, HELP]
        scale = np.where(rest > 1e-12, (1.0 - help_) / np.maximum(rest, 1e-12), 0.0)
        choice *= scale[:, None]
        even = np.where(rest > 1e-12, 0.0, (1.0 - help_) / (choice.shape[1] - 1))
        choice += even[:, None]
        choice[:, HELP] = help_

    def overhead(self) -> np.ndarray:
        """Share of the week lost to meetings and process, relieved by trust (speed of trust)."""
        p = self.model.p
        trust = 0.5 * (self.manager_trust + self._peer_out)
        load = self.meeting_share() + self.model.management.process_overhead
        relieved = load * (1.0 - p["trust_overhead_relief"] * trust)
        return clip(relieved, 0.0, 0.95, out=relieved)

    def meeting_share(self) -> np.ndarray:
        """Share of each person's week in meetings: those management imposes, plus the status
        meetings and reporting of a controlling manager: 2 · status_hours · (0.5 − a), a the
        manager's autonomy (status_hours more at 0, as many fewer at 1, none at the calibrated
        style 0.5; docs/model.md §7.6b)."""
        p = self.model.p
        hours = self.model.management.meeting_hours - 2.0 * p["status_hours"] * (
            self.model.managers.front_of_member)
        return clip(hours, 0.0, p["working_hours"]) / p["working_hours"]

    # --- phase 3: work -------------------------------------------------------------------
    def plan_work(self) -> None:
        """Closures each person can make and the chance each closure solves the case.

        closures = capacity · a_speed · E · fit · (1 + help_strength · help of the others
        in one's team, per head);
        solve = σ(b_care · a_care · E + b_know · knowledge + b_fit · fit − difficulty).
        """
        p = self.model.p
        fit = self.fit()
        self._fit = fit
        shares, effort, a = self.shares, self.effort, self.active
        help_given = shares[:, HELP] * effort * a
        self.help_given = help_given
        # help raises the output of the others in one's team, not one's own
        received = self.teammates_mean(help_given) if self.team_size_max > 1 else 0.0
        boost = 1.0 + p["help_strength"] * received
        closures = p["case_capacity"] * shares[:, SPEED] * effort * fit * boost
        # the part of the week given to a project or to mentees is not given to cases
        closures *= 1.0 - (p["project_time"] * (self.project >= 0) + self.mentor_load)
        closures *= a
        self.closures = closures
        difficulty = self.model.management.case_difficulty
        if p["segment_difficulty_sd"]:  # the cases of one's own team's segment
            difficulty = difficulty + self.model.customers.segment_difficulty[self.team]
        self.solve_prob = solve_probability(p, shares[:, CARE], effort, self.knowledge, fit,
                                            difficulty)

    def record_throughput(self, used: np.ndarray) -> None:
        """Closures actually made: each person's capacity times the share of their team and
        function's capacity the demand used this week."""
        self.throughput = self.closures * used

    def learn_with_code(self, code: np.ndarray, reality: np.ndarray) -> None:
        """One March (1991) period on the people present: those who share feed the code,
        everyone learns from it, and some beliefs are renewed (p3)."""
        rng, p = self.model.rng, self.model.p
        rows = self.active_rows
        everyone = rows.size == self.n
        beliefs = self.beliefs if everyone else self.beliefs[rows]
        sharing = self.sharing()
        contributes = rng.random(rows.size) < (sharing if everyone else sharing[rows])
        learning_period(rng, beliefs, code, reality, contributes, p["socialization_rate"],
                        p["code_learning_rate"])
        if p["belief_turnover"] > 0:
            renew = rng.random(rows.size) < p["belief_turnover"]
            beliefs[renew] = random_beliefs(rng, int(renew.sum()), beliefs.shape[1])
        if not everyone:
            self.beliefs[rows] = beliefs

    def sharing(self) -> np.ndarray:
        """Chance each person shares know-how with the code: help effort against a reference,
        raised by ties to other teams (platform_sharing at three or more: the platform carries
        know-how to the organization's code)."""
        p = self.model.p
        help_given = self.shares[:, HELP] * self.effort
        share = help_given / p["share_reference"]
        if p["platform_sharing"]:
            share = share + p["platform_sharing"] * np.minimum(1.0, self.platform_degree / 3.0)
        return clip(share, 0.0, 1.0) * self.active

    # --- phase 5: what the manager decides ------------------------------------------------
    def raise_issues(self) -> None:
        """Each person present raises Poisson(issue_rate · (1 + trust_voice · (T − 0.5)))
        issues (blockers) this week: people speak up more to a manager they trust
        (psychological safety, Edmondson 1999)."""
        p = self.model.p
        rate = p["issue_rate"] * np.maximum(0.0, 1.0 + p["trust_voice"]
                                            * (self.manager_trust - 0.5))
        raised = self.model.rng.poisson(rate) * self.active
        self.issues_raised = raised.astype(float)

    def receive_score(self, score: np.ndarray) -> None:
        """This week's score under the scheme, its percentile among those present, and its
        moving average (forced exits rank by it)."""
        self.score = score
        self.score_ema += self.model.p["score_average_rate"] * (score - self.score_ema)
        rows = self.active_rows
        if rows.size > 1:
            order = np.argsort(np.argsort(score[rows], kind="stable"), kind="stable")
            self.rank[rows] = order / (rows.size - 1)

    def receive_pay(self, base: np.ndarray, bonus: np.ndarray, shared: float) -> None:
        """Pay of the week: base pay by level, the bonus and the shared value (profit share
        and equity dividends per head); nothing for vacant positions."""
        a = self.active
        self.base_pay = base * a
        self.bonus = bonus
        self.shared_pay = shared
        self.pay = (base + bonus + shared) * a

    def move_roles(self, move: np.ndarray, to: np.ndarray) -> None:
        """People for whom `move` is true change to the function `to` (and have moved this
        week: nobody moves twice in one week)."""
        self.role = np.where(move, to, self.role)
        self.moved_week[move] = self.model.week

    def develop_skills(self) -> None:
        """Skill grows with learning effort and mentoring; unused skills fade; peers re-validate.

        On the fixed ladder people learn in their current function; in customized work they
        learn toward the function they are most passionate about. Each person with a mentor
        (`choose_mentors`) is pulled toward the mentor's skill there. Reputation follows what
        peers endorse of the work they see (`endorsement`).
        """
        p, model = self.model.p, self.model
        skill = self.skill
        cut = model.finance.budget_cut
        role = self.role_index()  # flat (person, function) indices
        target = (self._row_base + np.argmax(self.passion, axis=1)) if p["customized_work"] \
            else role
        development = model.management.development  # more under pressure if people are invested in
        learn = (p["learning_rate"] * development * self.shares[:, LEARN] * self.effort
                 * (1.0 - cut))
        gain = np.zeros(skill.size)
        gain[target] += learn * (1.0 - skill.take(target))
        mentored = target  # customized: toward one's interest; fixed: in one's role
        self.choose_mentors(mentored - self._row_base)
        has = self.mentor >= 0
        if has.any():
            mentor_skill = skill.take(self.mentor[has] * skill.shape[1]
                                      + (mentored[has] - self._row_base[has]))
            lift = p["mentoring"] * development * np.maximum(
                0.0, mentor_skill - skill.take(mentored[has]))
            np.add.at(gain, mentored[has], lift)
        unpractised = np.ones(skill.size, dtype=bool)
        unpractised[role] = False
        unpractised[target] = False
        decay = p["skill_decay"] * skill
        decay *= unpractised.reshape(skill.shape)
        grown = skill + gain.reshape(skill.shape)
        grown -= decay
        self.skill = clip(grown, 0, 1, out=grown)
        old_rep = self.reputation.take(role)
        seen = np.zeros(skill.size)
        seen[target] = self.shares[:, LEARN]
        seen[role] = 1.0
        seen = seen.reshape(skill.shape)
        rate = p["reputation_rate"]
        self.reputation += rate * seen * (self.endorsement() - self.reputation)
        self.reputation -= p["skill_decay"] * self.reputation * (seen == 0)
        self.rep_gain = np.maximum(0.0, self.reputation.take(role) - old_rep)
        passion = self.passion.take(role) + p["passion_growth"] * (self.engagement - 0.5)
        self.passion.put(role, clip(passion, 0, 1, out=passion))

    def choose_mentors(self, function: np.ndarray) -> None:
        """Pair people with mentors in `function` (per person): on the fixed ladder by
        hierarchy, among those working in that function in one's team, the senior first
        (level, then tenure); in customized work by interest, among the most skilled in that
        function one can reach — the team, or with the collaboration platform the whole firm.
        Each mentor takes at most mentees_per_mentor, the next mentees going to the next
        mentor down; only a mentor more skilled than the mentee helps. A mentor gives
        mentor_time of the week per mentee (`mentor_load`)."""
        p = self.model.p
        self.mentor[:] = NOBODY
        self.mentor_load[:] = 0.0
        rows = self.active_rows
        if not p["mentoring"] or rows.size < 2:
            return
        nf, cap = self.skill.shape[1], p["mentees_per_mentor"]
        wanted = function[rows]
        if p["customized_work"]:
            group = np.zeros(rows.size, dtype=np.int64) if p["platform"] else self.team[rows]
        else:
            group = self.team[rows]
        # Every function at once: a mentor's or mentee's list is keyed by (function, group),
        # so each (function, group) is one run of the sorted lists, in the order the lists
        # of one function at a time had (lexsort is stable).
        n_groups = int(group.max()) + 1
        skill = self.skill[rows]  # (people, functions)
        if p["customized_work"]:  # everyone may mentor in every function, by skill there
            m_pos = np.tile(np.arange(rows.size), nf)
            m_key = np.repeat(np.arange(nf) * n_groups, rows.size) + group[m_pos]
            rank = skill.T.ravel()
        else:  # people mentor in their own function, the senior first
            m_pos = np.arange(rows.size)
            m_key = self.role[rows] * n_groups + group
            rank = self.level[rows] * 1e4 + self.tenure[rows]
        order = lexsort2(-rank, m_key)
        m_pos, m_key = m_pos[order], m_key[order]
        mentees = np.flatnonzero((wanted >= 0) & (wanted < nf))
        f = wanted[mentees]
        e_key = f * n_groups + group[mentees]
        order = lexsort2(skill[mentees, f], e_key)
        mentees, f, e_key = mentees[order], f[order], e_key[order]
        e_place = np.arange(mentees.size) - np.searchsorted(e_key, e_key, side="left")
        index = np.searchsorted(m_key, e_key, side="left") + e_place // cap
        ok = index < np.searchsorted(m_key, e_key, side="right")
        mentees, f = mentees[ok], f[ok]
        chosen = m_pos[index[ok]]  # positions in rows; only a more skilled other one helps
        better = (skill[chosen, f] > skill[mentees, f]) & (chosen != mentees)
        self.mentor[rows[mentees[better]]] = rows[chosen[better]]
        taken = self.mentor[self.mentor >= 0]
        self.mentor_load = np.minimum(0.5, p["mentor_time"] * np.bincount(taken,
                                                                          minlength=self.n))

    def endorsement(self) -> np.ndarray:
        """What peers endorse of each person's skill in each function when they see the work
        (people × functions): the skill, with noise and two biases — halo (the engaged look
        better) and homophily (people like oneself look better: here, the share of one's
        teammates in one's own function). 0 noise and biases: peers see skill as it is."""
        p = self.model.p
        noise, halo, homophily = (p["endorsement_noise"], p["endorsement_halo"],
                                  p["endorsement_homophily"])
        if not (noise or halo or homophily):
            return self.skill
        bias = halo * (self.engagement - 0.5)
        if homophily:
            same = np.bincount(self.team * self.skill.shape[1] + self.role,
                               weights=self.active, minlength=self.n_teams * self.skill.shape[1])
            alike = same.take(self.team * self.skill.shape[1] + self.role) - self.active
            bias = bias + homophily * (alike / np.maximum(self.team_heads[self.team] - 1, 1)
                                       - 0.25)
        seen = self.skill + bias[:, None]
        if noise:
            seen = seen + self.model.rng.normal(0.0, noise, self.skill.shape)
        return clip(seen, 0.0, 1.0)

    # --- projects ---------------------------------------------------------------------------
    def practise(self, rows: np.ndarray, need: np.ndarray, effort: np.ndarray) -> None:
        """Project work is practice: skill in each function a project needs grows by
        learning_rate · effort put in · need · (1 − skill) (`need`: people × functions)."""
        gain = self.model.p["learning_rate"] * effort[:, None] * need * (1.0 - self.skill[rows])
        self.skill[rows] = clip(self.skill[rows] + gain, 0.0, 1.0)

    def join_projects(self, rows: np.ndarray, projects: np.ndarray) -> None:
        """These people start on these projects."""
        self.project[rows] = projects

    def finish_projects(self, members: np.ndarray, functions: np.ndarray) -> None:
        """A project is done: its members (with the project's main function each) learn from
        each other (each belief differing from the project team's majority moves to it with
        project_learning), are seen at work by each other in that function (reputation moves
        toward their endorsement there by reputation_rate), and, with the platform, those of
        different teams become tied; then they are free for the next one."""
        p, rng = self.model.p, self.model.rng
        if not members.size:
            return
        which = self.project[members]
        if p["project_learning"]:
            beliefs = self.beliefs[members].astype(np.int32)
            votes = np.zeros((int(which.max()) + 1, beliefs.shape[1]), dtype=np.int32)
            np.add.at(votes, which, beliefs)
            majority = np.sign(votes[which]).astype(np.int8)
            move = ((majority != 0) & (self.beliefs[members] != majority)
                    & (rng.random(beliefs.shape) < p["project_learning"]))
            self.beliefs[members] = np.where(move, majority, self.beliefs[members])
        endorsed = self.endorsement()[members, functions]
        cell = (members, functions)
        self.reputation[cell] += p["reputation_rate"] * (endorsed - self.reputation[cell])
        if p["platform"]:
            self._tie_across_teams(members, which)
        self.project[members] = NOBODY

    def _tie_across_teams(self, members: np.ndarray, which: np.ndarray) -> None:
        """Members of one project in different teams become collaboration ties (both ways),
        each person keeping at most max_platform_ties of them."""
        cap = self.model.p["max_platform_ties"]
        order = np.argsort(which, kind="stable")
        members, which = members[order], which[order]
        # Python values of the few members (each on one project): the pairs are checked in
        # order, each new tie counting against the cap of the pairs after it
        people, team = members.tolist(), self.team[members].tolist()
        degree = self.platform_degree[members].tolist()
        known, pairs = self._platform_pairs, []
        bounds = [0, *(np.flatnonzero(np.diff(which)) + 1).tolist(), len(people)]
        for start, end in pairwise(bounds):
            for i in range(start, end):  # a project has a handful of members
                for j in range(i + 1, end):
                    if team[i] != team[j] and degree[i] < cap and degree[j] < cap \
                            and (people[i], people[j]) not in known:
                        a, b = people[i], people[j]
                        known.add((a, b))
                        known.add((b, a))
                        degree[i] += 1
                        degree[j] += 1
                        pairs.append((a, b))
        if pairs:
            self.platform_degree[members] = degree
            new = np.array(pairs, dtype=np.int64)
            src = np.concatenate([new[:, 0], new[:, 1]])
            dst = np.concatenate([new[:, 1], new[:, 0]])
            across = np.ones(src.size, dtype=bool)  # the pairs are of different teams
            self._add_edges(src, dst, across)
            self.peer_edge_trust = np.concatenate(
                [self.peer_edge_trust, np.full(src.size, 0.5)])
            self._live_edge_counts(src, dst, across, add=True)

    def _add_edges(self, src: np.ndarray, dst: np.ndarray, across: np.ndarray) -> None:
        """Append directed edges (with no evidence yet). The edge arrays are views of the
        first rows of buffers with room to grow (doubling when full), so adding a few edges
        copies those few rather than every edge."""
        old = self.edge_src.size
        new = old + src.size
        edges = (self.edge_src, self.edge_dst, self._edge_across, self.edge_counts)
        buffers = self._edge_buffers
        if any(e is not b and e.base is not b for e, b in zip(edges, buffers, strict=True)):
            buffers = edges  # the arrays were replaced (a copied model): they are the buffers
        if new > buffers[0].shape[0]:
            room = 2 * new
            grown = []
            for buffer in buffers:
                bigger = np.zeros((room, *buffer.shape[1:]), dtype=buffer.dtype)
                bigger[:old] = buffer[:old]
                grown.append(bigger)
            buffers = self._edge_buffers = tuple(grown)
        edge_src, edge_dst, edge_across, edge_counts = buffers
        edge_src[old:new], edge_dst[old:new], edge_across[old:new] = src, dst, across
        edge_counts[old:new] = 0.0
        self.edge_src, self.edge_dst = edge_src[:new], edge_dst[:new]
        self._edge_across, self.edge_counts = edge_across[:new], edge_counts[:new]

    # --- phase 6: trust ----------------------------------------------------------------------
    def update_trust(self, credit: np.ndarray, kept: np.ndarray, broken: np.ndarray,
                     closed: np.ndarray) -> None:
        """Trust in the manager and in peers from this week's evidence (per employee position:
        the manager's credit fairness, commitments kept and broken, issues closed).

        employee→manager: confidence from commitments kept and issues closed against broken
        and left open, comfort from credit passed on (and from being left to work rather than
        controlled: control_distrust × 2 (a − 0.5), a the manager's autonomy); employee→peer:
        comfort from help received (against the sharing reference), confidence from the peer's
        quality. Each count decays by trust_memory and then adds this week's evidence.
        """
        p = self.model.p
        delta = p["trust_memory"]
        open_issues = self.issues_raised - closed
        comfort, discomfort = credit, 1.0 - credit
        if p["control_distrust"]:  # being watched says one is not trusted (Falk & Kosfeld)
            front = 2.0 * self.model.managers.front_of_member
            comfort = comfort + p["control_distrust"] * np.maximum(front, 0.0)
            discomfort = discomfort + p["control_distrust"] * np.maximum(-front, 0.0)
        add_evidence(self.mgr_counts, delta, comfort, discomfort, kept + closed,
                     broken + open_issues)
        dst = self.edge_dst
        helped = self.help_given[dst]
        shortfall = np.maximum(0.0, p["share_reference"] * self.effort[dst] - helped)
        evidence = p["help_evidence"]
        solve = self.solve_prob[dst]
        add_evidence(self.edge_counts, delta, evidence * helped, evidence * shortfall,
                     solve, 1.0 - solve)
        self.refresh_trust()

    def learn_from_week(self, credit: np.ndarray) -> None:
        """What the week brought, and what people learn from it (docs/model.md §7.2).

        The reward R = pay_sensitivity · v_pay · (bonus + shared pay + raise) / wage
        + v_recognition · (credit_value · credit + recognition_value · peers' recognition)
        + v_security · security_value · forced_exit_share · (2 · rank − 1), in weekly wages,
        updates each task's learned return by the delta rule on this week's effort per task
        (`sim.behaviour.learn_returns`); beliefs about teammates' help move toward the help
        seen (`credit`: what the manager credited each person with this week).
        """
        p, rows = self.model.p, self.active_rows
        if rows.size == 0:
            return
        v = self.values
        money = (self.bonus + self.shared_pay + self.raise_value) / p["wage"]
        reward = p["pay_sensitivity"] * v[:, PAY] * money
        if p["credit_value"] or p["recognition_value"]:
            reward += v[:, RECOGNITION] * (p["credit_value"] * credit
                                           + p["recognition_value"] * self.recognition())
        if p["security_value"] and p["forced_exit_share"]:
            reward += (v[:, SECURITY] * p["security_value"] * p["forced_exit_share"]
                       * (2.0 * self.rank - 1.0))
        if p["return_learning_rate"] > 0:
            cues = self.shares * self.effort[:, None]
            learn_returns(self.returns, self.traces, cues, reward, p["return_learning_rate"],
                          p["reward_trace"], rows if rows.size < self.n else None)
        if p["help_belief_rate"] > 0:
            seen = self.teammates_mean(self.shares[:, HELP], alone=self.help_belief)
            belief = update_beliefs(self.help_belief, seen, p["help_belief_rate"])
            self.help_belief = np.where(self.active, belief, self.help_belief)

    def recognition(self) -> np.ndarray:
        """Peers' recognition this week: the help a person gave against the sharing
        reference (help − shortfall, in units of effort; what peers' comfort evidence
        records, §7.7)."""
        reference = self.model.p["share_reference"] * self.effort
        return self.help_given - np.maximum(0.0, reference - self.help_given)

    def teammates_mean(self, values: np.ndarray, alone: np.ndarray | float = 0.0) -> np.ndarray:
        """Per person, the mean of `values` over the other present members of their team
        (`alone` where there are none)."""
        a = self.active
        total = np.bincount(self.team, weights=values * a, minlength=self.n_teams)[self.team]
        others = self.team_heads[self.team] - a
        return np.where(others > 0, (total - values * a) / np.maximum(others, 1), alone)

    # --- phase 7: engagement ----------------------------------------------------------------
    def update_engagement(self) -> None:
        """G ← g + η (g* − g) + noise, with g* = σ(θ0 + disposition + θ·drivers)."""
        model, p = self.model, self.model.p
        managers = model.managers
        rows = self.active_rows
        contribution = np.maximum(self.effort, 1e-3)
        # relative to the people present (with nobody present nobody's target matters)
        pay_ratio = np.maximum(self.pay, 1.0) / max(mean(self.pay[rows], empty=1.0), 1.0)
        contrib_ratio = contribution / max(mean(contribution[rows], empty=1e-3), 1e-3)
        pay_fairness = -np.abs(np.log(pay_ratio / contrib_ratio))
        credit = managers.credit_of_member - 1.0
        v = self.values
        fairness = ((1.0 - p["credit_weight"]) * v[:, PAY] * pay_fairness
                    + p["credit_weight"] * v[:, RECOGNITION] * credit)
        trust_mgr = self.manager_trust
        autonomy_fit = managers.autonomy_of_member * self._fit
        recognition = self._peer_in
        team = self.team
        purpose = model.team_satisfaction[team]
        overload = clip(model.team_load[team] - 1.0, 0.0, 1.0)
        meetings = self.meeting_share()
        drive = (p["engagement_bias"] + self.disposition
                 + p["fairness_effect"] * fairness
                 + p["trust_effect"] * (trust_mgr - 0.5)
                 + p["autonomy_fit_effect"] * v[:, AUTONOMY] * (autonomy_fit - 0.25)
                 + p["recognition_effect"] * v[:, RECOGNITION] * (recognition - 0.5)
                 + p["purpose_effect"] * v[:, PURPOSE] * (purpose - 0.5)
                 - p["overload_effect"] * overload
                 - p["meeting_effect"] * meetings)
        if p["engagement_contagion"]:
            drive += p["engagement_contagion"] * (self.team_mean(self.engagement)[team] - 0.5)
        target = sigmoid(drive)
        noise = model.rng.normal(0.0, p["engagement_noise"], self.n) if p["engagement_noise"] else 0
        g = self.engagement + p["engagement_rate"] * (target - self.engagement) + noise
        self.engagement = clip(g, 0.0, 1.0, out=g)

    # --- phase 8: turnover ------------------------------------------------------------------
    def turnover(self) -> None:
        """Quit with hazard h0·exp(κ (outside − inside) + layoff_quit_effect · shadow), the
        shadow a year's memory of the share laid off; forced exits at the annual review;
        skilled leavers may consult; vacancies are filled after the hiring lag."""
        model, p, rng = self.model, self.model.p, self.model.rng
        a = self.active
        self.layoffs = 0  # this week's (the workforce review, later in the week, may lay off)
        self.layoff_shadow *= 1.0 - 1.0 / WEEKS_PER_YEAR
        best_skill = row_max(self.skill)
        w = p["outside_reputation_weight"]
        outside = p["outside_skill_value"] * (
            (1.0 - w) * best_skill + w * self.reputation.take(self.role_index()) - 0.5)
        inside = (self.pay / p["wage"] - 1.0) + (self.engagement - 0.5) + p[
            "trust_retention"] * (self.manager_trust - 0.5)
        gap = p["quit_sensitivity"] * (outside - inside)
        if self.layoff_shadow:
            gap = gap + p["layoff_quit_effect"] * self.layoff_shadow
        hazard = p["quit_base"] * np.exp(gap)
        quitting = a & (rng.random(self.n) < hazard)
        self.alumni *= 1.0 - 1.0 / p["alumni_memory_weeks"]
        self.offers = self.counters = self.offer_moves = 0
        if p["outside_offers"]:
            quitting |= self._outside_offers(a & ~quitting, outside, inside)
        dismissed = np.zeros(self.n, dtype=bool)
        if p["forced_exit_share"] > 0 and is_annual_review(model.week):
            eligible = np.flatnonzero(a & ~quitting & (self.tenure >= p["forced_exit_min_tenure"]))
            k = round(p["forced_exit_share"] * eligible.size)
            if k:
                worst = eligible[np.argsort(self.score_ema[eligible], kind="stable")[:k]]
                dismissed[worst] = True
        leaving = quitting | dismissed
        can_consult = quitting & (best_skill >= p["consultant_skill_threshold"])
        consulting = can_consult & (rng.random(self.n) < p["consultant_share"])
        model.consultants.add(self.skill[consulting])
        self.quits = int(np.count_nonzero(quitting))
        self.team_quits = np.bincount(self.team[quitting], minlength=self.n_teams)
        self.dismissals = int(np.count_nonzero(dismissed))
        self.new_consultants = int(np.count_nonzero(consulting))
        gone = np.flatnonzero(leaving)
        self.leave(gone, refresh=False, how=np.where(dismissed[gone], DISMISSED, QUIT))
        self.fill_vacancies(refresh=False)
        if self.quits or self.dismissals or self.hires:
            self._people_changed()
        self.tenure += self.active

    def _outside_offers(self, free: np.ndarray, outside: np.ndarray,
                        inside: np.ndarray) -> np.ndarray:
        """Offers from outside reach people through their connections and the expertise
        peers have validated (docs/model.md §7.9c): with chance
        offer_rate · R · (1 + offer_reach_effect · (ties beyond the team + former colleagues)),
        R the best validated reputation. An offer of offer_premium above the outside option
        is taken with chance σ(quit_sensitivity · (outside + offer_premium − inside)). The
        firm counters for those it values most (its top counter_offer_share by its view of
        expertise: validated reputation in customized work, credentials on the ladder) when
        no budget cut is on, raising their pay by the premium; in customized work one who has
        a validated, better-fitting function takes that move instead (offer_internal_moves).
        Returns who leaves."""
        model, p, rng = self.model, self.model.p, self.model.rng
        known = row_max(self.reputation)
        chance = p["offer_rate"] * known * (1.0 + p["offer_reach_effect"] * (self.reach
                                                                              + self.alumni))
        offered = free & (rng.random(self.n) < chance)
        if not offered.any():
            return offered
        premium = p["offer_premium"]
        take = offered & (rng.random(self.n) < sigmoid(p["quit_sensitivity"] * (
            outside + premium - inside)))
        self.offers = int(offered.sum())
        if not take.any():
            return take
        rows = self.active_rows
        share = p["counter_offer_share"]
        if share > 0 and rows.size and model.finance.budget_cut == 0:
            if p["customized_work"]:
                view = self.reputation.take(self.role_index())
            else:
                view = self.level + self.tenure / (1e3 * WEEKS_PER_YEAR)
            bar = np.quantile(view[rows], 1.0 - share)
            countered = take & (view >= bar)
            self.retention_pay[countered] += premium * p["wage"]
            self.counters = int(countered.sum())
            take &= ~countered
        if p["customized_work"] and p["offer_internal_moves"] and take.any():
            fit_all = np.sqrt(self.skill * self.passion)
            now = fit_all.take(self.role_index())
            fit_all[self.reputation < p["validation_threshold"]] = -np.inf
            best = np.argmax(fit_all, axis=1)
            better = take & (best != self.role) & (self.moved_week != model.week) & (
                row_max(fit_all) - now > p["fit_gain_threshold"])
            self.move_roles(better, best)
            self.offer_moves = int(better.sum())
            take &= ~better
        return take

    def _people_changed(self) -> None:
        """After exits and hires: who is present, and the peer trust among them."""
        self._membership_changed()
        self._peer_out, self._peer_in = self.peer_trust(self.peer_edge_trust)

    def leave(self, rows: np.ndarray, refresh: bool = True, how: Any = QUIT) -> None:
        """People leave (`how`: QUIT, DISMISSED, LAID_OFF or CLOSED, one for all or one per
        row): their agents go, their positions wait for a hire (`refresh=False` leaves what
        follows from who is present to the caller, which makes more changes)."""
        if rows.size == 0:
            return
        self.left_week[rows] = self.model.week
        self.left_how[rows] = how
        gone = np.zeros(self.n, dtype=bool)
        gone[rows] = True
        left_behind = self.live_edges & gone[self.edge_dst] & ~gone[self.edge_src]
        self.alumni += np.bincount(self.edge_src, weights=left_behind, minlength=self.n)
        self.active[rows] = False
        self.vacancy_timer[rows] = self.model.p["hiring_lag_weeks"]  # if the post stays open
        self.project[rows] = NOBODY
        for row in rows.tolist():
            self.agents[row].remove()
            self.agents[row] = None
        self.closures[rows] = 0.0
        if refresh:
            self._people_changed()

    # --- the workforce plan's verbs ---------------------------------------------------------
    def open_positions(self, rows: np.ndarray) -> None:
        """Fund closed positions: they are recruited for, and filled after the hiring lag."""
        rows = rows[~self.funded[rows]]
        self.funded[rows] = True
        self.vacancy_timer[rows] = self.model.p["hiring_lag_weeks"]

    def close_positions(self, rows: np.ndarray) -> None:
        """Stop recruiting for vacant positions (a hiring freeze, or a team too large for its
        work): they stay empty until opened again."""
        self.funded[rows[~self.active[rows]]] = False

    def lay_off(self, rows: np.ndarray) -> None:
        """People are laid off and their positions closed. The survivors react (Brockner et
        al. 1987; Trevor & Nyberg 2008): each loses trust in management (bad comfort and
        confidence evidence, layoff_trust_hit per unit of the share laid off) and engagement
        (layoff_engagement_hit per unit of the share), and the share joins the year's memory
        that raises quitting."""
        rows = rows[self.active[rows]]
        if rows.size == 0:
            return
        p = self.model.p
        share = rows.size / max(self.headcount, 1)
        self.funded[rows] = False
        self.leave(rows, refresh=True, how=LAID_OFF)
        self.layoffs += int(rows.size)
        self.layoff_shadow += share
        survivors = self.active_rows
        hit = p["layoff_trust_hit"] * share
        self.mgr_counts[survivors, 1] += hit
        self.mgr_counts[survivors, 3] += hit
        self.manager_trust = self.trust_in_manager()
        self.engagement[survivors] = np.maximum(
            0.0, self.engagement[survivors] - p["layoff_engagement_hit"] * share)

    @property
    def positions(self) -> int:
        """Funded positions (filled or being recruited for)."""
        return int(np.count_nonzero(self.funded))

    @property
    def vacancies(self) -> int:
        """Funded positions nobody holds yet."""
        return int(np.count_nonzero(self.funded & ~self.active))

    def fill_vacancies(self, refresh: bool = True) -> None:
        """Count down vacancies and hire into those that are due; a budget cut slows the count
        (each vacancy advances with chance 1 − cut: a full cut is a hiring freeze)."""
        model = self.model
        self.hires = 0
        vacant = self.funded & ~self.active
        if not vacant.any():
            return
        advance = vacant & (model.rng.random(self.n) >= model.finance.budget_cut)
        self.vacancy_timer[advance] -= 1
        due = np.flatnonzero(vacant & (self.vacancy_timer <= 0))
        if due.size:
            self.hire(due, refresh)

    def hire(self, rows: np.ndarray, refresh: bool = True) -> None:
        """New people: lower skill, neutral trust, beliefs fresh or cloned by hiring breadth
        (`refresh` as in `leave`)."""
        model, p, rng = self.model, self.model.p, self.model.rng
        k, nf = rows.size, len(FUNCTIONS)
        breadth = p["hiring_breadth"]
        typical = self.skill[self.active].mean(axis=0) if self.active.any() else np.full(nf, 0.3)
        cap = p["secondary_skill_max"]
        fresh_skill = rng.uniform(0.0, cap, size=(k, nf))
        skill = breadth * fresh_skill + (1 - breadth) * np.minimum(typical, cap)[None, :]
        hire_f = self.hire_function[rows]
        main_skill = rng.normal(p["new_hire_skill"], p["new_hire_skill_sd"], k)
        skill[np.arange(k), hire_f] = clip(main_skill, 0.05, 1.0)
        self.skill[rows] = skill
        self.passion[rows] = rng.uniform(p["passion_min"], 1.0, size=(k, nf))
        self.reputation[rows] = 0.0
        self.role[rows] = hire_f
        fresh = random_beliefs(rng, k, self.beliefs.shape[1])
        take_fresh = rng.random(fresh.shape) < breadth
        self.beliefs[rows] = np.where(take_fresh, fresh, model.code)
        self.disposition[rows] = rng.normal(0.0, p["engagement_disposition_sd"], k)
        self.engagement[rows] = p["new_hire_engagement"]
        self.tenure[rows] = 0.0
        self.level[rows] = 0.0
        self.alumni[rows] = 0.0
        self.retention_pay[rows] = 0.0
        self.moved_week[rows] = -(10**9)
        self.score_ema[rows] = 1.0
        self.returns[rows] = p["initial_return"]
        self.traces[rows] = 0.0
        self.coop_type[rows] = draw_types(rng, k, cooperation_shares(p))
        self.help_belief[rows] = p["initial_help_belief"]
        self.early_career[rows] = rng.random(k) < p["early_career_share"]
        self.values[rows] = draw_values(rng, self.early_career[rows], p)
        self.rank[rows] = 0.5
        w = p["comfort_weight"]
        self.mgr_counts[rows] = 0.0
        self.manager_trust[rows] = trust_of(self.mgr_counts[rows], w)
        hired = np.zeros(self.n, dtype=bool)
        hired[rows] = True
        touched = np.flatnonzero(hired[self.edge_src] | hired[self.edge_dst])
        self.edge_counts[touched] = 0.0
        self.peer_edge_trust[touched] = trust_of(self.edge_counts[touched], w)
        self.active[rows] = True
        for row in rows.tolist():
            self.agents[row] = Employee(model, row)
        self.hires = int(k)
        if refresh:
            self._people_changed()

    def update_levels(self) -> None:
        """Levels: by tenure on the fixed ladder (credentials), by validated expertise otherwise."""
        p = self.model.p
        if p["customized_work"]:
            earned = np.floor(self.reputation.take(self.role_index()) * (p["max_level"] + 1))
        else:
            earned = np.floor(self.tenure / (WEEKS_PER_YEAR * p["promotion_years"]))
        level = np.minimum(earned, p["max_level"])
        if p["customized_work"]:  # raises follow validated work: worth a year of the raise
            step = p["level_pay_step"] * p["wage"] * WEEKS_PER_YEAR
            self.raise_value = np.maximum(level - self.level, 0.0) * step * self.active
        else:  # raises come with tenure and say nothing of what work pays
            self.raise_value = np.zeros(self.n)
        self.level = level


#: What people value (columns of `Employees.values`): each weighs a part of what work brings.
PAY, PURPOSE, AUTONOMY, RECOGNITION, SECURITY = range(5)


def cooperation_shares(p: dict) -> tuple[float, float, float]:
    """Shares of conditional cooperators, free riders and hump-shaped contributors."""
    return (p["conditional_cooperator_share"], p["free_rider_share"], p["hump_share"])


def draw_values(rng: np.random.Generator, early_career: np.ndarray, p: dict) -> np.ndarray:
    """Each person's weights on pay, purpose, autonomy, recognition and security: 1 on
    average, spread by value_sd; early-career people put purpose_gap / 2 more on purpose and
    pay_need_gap / 2 less on pay than average, the experienced the reverse (clipped at 0)."""
    k = early_career.size
    values = 1.0 + p["value_sd"] * rng.standard_normal((k, 5))
    stage = np.where(early_career, 0.5, -0.5)
    values[:, PURPOSE] += p["purpose_gap"] * stage
    values[:, PAY] -= p["pay_need_gap"] * stage
    return np.maximum(values, 0.0)



