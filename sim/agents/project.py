"""Projects: work that is not a case of one customer but needs skill in one or two functions,
done by a few people for part of their week (docs/model.md §7.3b).

In customized work people dip into the projects they care about and can shine in (opt-in by
passion, skill and the reputation there is to build); on the fixed ladder managers assign
projects to people of the project's function by credentials (level). A finished project
brings revenue by how well its people fitted it, spreads know-how among its members, lets
each be seen at work by the others (endorsements, §7.6) and, with the collaboration
platform, ties people of different teams (idea B3, B5; Wrzesniewski & Dutton 2001).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RowAgent, row_field, row_sum
from sim.behaviour import draw_categories
from sim.vocab import FUNCTIONS

if TYPE_CHECKING:
    from sim.model import WorkplaceModel

NOBODY = -1  # `Employees.project` of someone on no project


class Project(RowAgent):
    """A project of the firm (one row of the project arrays while it is open)."""

    function = row_field("projects", "function", "the function it needs most (index)")
    size = row_field("projects", "size", "fitted person-weeks it takes")
    progress = row_field("projects", "progress", "fitted person-weeks done")

    @property
    def members(self) -> list:
        """The employees working on it."""
        emp = self.model.employees
        return [emp.agents[i] for i in np.flatnonzero((emp.project == self.row) & emp.active)]


def _kinds(need: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `need` (a project's work by function comes in a few kinds), in
    the order of their first project, and that first project's row; `kind` numbers each
    row's kind (`Projects.kind`: equal rows, equal numbers). A person's score of a project
    depends on its kind alone, and among equal scores the first project wins, so scoring
    the kinds and taking each kind's first project picks what scoring every project would,
    at a cost that no longer grows with the number of projects."""
    first = np.unique(kind, return_index=True)[1]  # each kind's first row
    first.sort()
    return need[first], first


class Projects:
    """The open projects as arrays (a pool of `slots` rows, reused as projects finish)."""

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        p = model.p
        self.slots = max(4, int(np.ceil(p["n_employees"] / p["project_team"])))
        k, nf = self.slots, len(FUNCTIONS)
        self.open = np.zeros(k, dtype=bool)
        self.need = np.zeros((k, nf))  # share of the work in each function (rows sum to 1)
        self.function = np.zeros(k, dtype=np.int64)
        #: which of the few kinds of work `need` is: main · nf + second function, or
        #: main · nf + main for work all in the main function (equal rows, equal numbers)
        self.kind = np.zeros(k, dtype=np.int64)
        self.size = np.zeros(k)
        self.progress = np.zeros(k)
        self.fitted = np.zeros(k)  # Σ effort × fit put in, for the quality of the result
        self.agents: list[Project | None] = [None] * k
        self.started = self.finished = 0
        self.revenue = 0.0  # what this week's finished projects brought
        self.completed_quality = 0.0

    @property
    def count(self) -> int:
        """Open projects."""
        return int(np.count_nonzero(self.open))

    # --- the week ------------------------------------------------------------------------
    def launch(self) -> None:
        """New projects arrive: Poisson(project_rate per 100 people present), each needing
        mostly one function, drawn by the week's demand mix, and with chance one half a second
        one (0.7 / 0.3 of the work)."""
        model, p, rng = self.model, self.model.p, self.model.rng
        self.started = 0
        if not p["projects"]:
            return
        arrivals = rng.poisson(p["project_rate"] * model.employees.headcount / 100.0)
        free = np.flatnonzero(~self.open)[:arrivals]
        if not free.size:
            return
        k, nf = free.size, len(FUNCTIONS)
        main = draw_categories(rng, model.demand_mix(), k)  # = rng.choice(nf, k, p=mix)
        second = (main + rng.integers(1, nf, size=k)) % nf
        split = rng.random(k) < 0.5
        need = np.zeros((k, nf))
        need[np.arange(k), main] = np.where(split, 0.7, 1.0)
        need[np.arange(k), second] += np.where(split, 0.3, 0.0)
        self.need[free] = need
        self.function[free] = main
        self.kind[free] = main * nf + np.where(split, second, main)
        self.size[free] = p["project_size"]
        self.progress[free] = 0.0
        self.fitted[free] = 0.0
        self.open[free] = True
        for row in free.tolist():
            self.agents[row] = Project(model, row)
        self.started = int(k)

    def staff(self) -> None:
        """Fill the open seats: in customized work people dip in by what the project means to
        them; on the fixed ladder managers assign people of its function by level."""
        model, p, rng = self.model, self.model.p, self.model.rng
        emp = model.employees
        if not self.open.any():
            return
        seats = p["project_team"] - np.bincount(emp.project[emp.project >= 0],
                                                minlength=self.slots)
        seats = np.where(self.open, np.maximum(seats, 0), 0)
        # only projects with a seat to fill are scored: the rest would score −∞ anyway, and
        # scoring every project slot made this step grow with people × projects
        cols = np.flatnonzero(seats > 0)
        seats, need, function = seats[cols], self.need[cols], self.function[cols]
        kind = self.kind[cols]
        free = emp.active & (emp.project == NOBODY)
        front = model.managers.front_of_member  # managers in front bring people to the work
        if p["customized_work"]:
            looking = rng.random(emp.n) < p["dip_in_rate"] * (1.0 + 2.0 * front)
            if not cols.size:
                return
            candidates = np.flatnonzero(free & looking)
            # what a project is worth to a person: passion for its work, the skill to do it
            # and the reputation still to build there
            kinds, first = _kinds(need, kind)
            fit = np.sqrt(emp.skill[candidates] * emp.passion[candidates]) @ kinds.T
            build = (1.0 - emp.reputation[candidates]) * emp.passion[candidates] @ kinds.T
            score = fit + build
            if not candidates.size:
                return
            pick = np.argmax(score, axis=1)
            best = first[pick]
            value = score[np.arange(candidates.size), pick]
        else:
            if not cols.size:
                return
            candidates = np.flatnonzero(free)
            if not candidates.size:
                return
            # managers assign people of the project's function, by credentials (level) and,
            # the more they follow from the front, by fit with the project's work; scored
            # function by function (people of a function against its projects alone)
            best = np.zeros(candidates.size, dtype=np.int64)
            value = np.full(candidates.size, -np.inf)
            roles = emp.role[candidates]
            for f in np.unique(function).tolist():  # at most one pass per function
                rows = np.flatnonzero(roles == f)
                if not rows.size:
                    continue
                mine, who = np.flatnonzero(function == f), candidates[rows]
                kinds, first = _kinds(need[mine], kind[mine])
                weight = 0.5 + front[who][:, None]
                credentials = emp.level[who][:, None] / max(p["max_level"], 1)
                fit = np.sqrt(emp.skill[who] * emp.passion[who]) @ kinds.T
                score = 1.0 + (1.0 - weight) * credentials + weight * fit
                pick = np.argmax(score, axis=1)
                best[rows] = mine[first[pick]]
                value[rows] = score[np.arange(rows.size), pick]
        ok = np.isfinite(value)
        candidates, best, value = candidates[ok], best[ok], value[ok]
        order = np.lexsort((-value, best))  # by project, best candidate first
        best, candidates = best[order], candidates[order]
        first = np.searchsorted(best, best, side="left")
        place = np.arange(best.size) - first  # rank within the project's candidates
        taken = place < seats[best]
        emp.join_projects(candidates[taken], cols[best[taken]])

    def work(self) -> None:
        """Members put project_time of their effort in, weighted by their fit with the
        project's functions; a project whose progress reaches its size is finished."""
        model, p = self.model, self.model.p
        emp = model.employees
        self.revenue = 0.0
        self.finished = 0
        on = np.flatnonzero(emp.active & (emp.project >= 0))
        if not on.size:
            return
        which = emp.project[on]
        fit = np.sqrt(emp.skill[on] * emp.passion[on])
        fit = row_sum(fit * self.need[which])
        put = p["project_time"] * emp.effort[on]
        self.progress += np.bincount(which, weights=put, minlength=self.slots)
        self.fitted += np.bincount(which, weights=put * fit, minlength=self.slots)
        emp.practise(on, self.need[which], put)
        done = np.flatnonzero(self.open & (self.progress >= self.size))
        if done.size:
            self._finish(done)

    def _finish(self, rows: np.ndarray) -> None:
        """Finished projects: their revenue (by the fit of the work put in), know-how shared
        among the members, members seen at work by each other, and platform ties."""
        model, p = self.model, self.model.p
        emp = model.employees
        quality = self.fitted[rows] / np.maximum(self.progress[rows], 1e-12)
        self.revenue = float(p["project_value"] * p["wage"] * quality.sum())
        self.completed_quality = float(quality.mean())
        done = np.zeros(self.slots + 1, dtype=bool)  # the last entry: NOBODY's (index −1)
        done[rows] = True
        members = np.flatnonzero(done.take(emp.project) & emp.active)
        emp.finish_projects(members, self.function[emp.project[members]])
        for row in rows.tolist():
            agent = self.agents[row]
            if agent is not None:
                agent.remove()
            self.agents[row] = None
        self.open[rows] = False
        self.finished = int(rows.size)

    def close_all(self) -> None:
        """A firm that has failed has no projects."""
        for row in np.flatnonzero(self.open).tolist():
            agent = self.agents[row]
            if agent is not None:
                agent.remove()
            self.agents[row] = None
        self.open[:] = False
        self.revenue = 0.0
        self.started = self.finished = 0
