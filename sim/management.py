"""Management: how the firm's leadership responds under pressure, and how it makes its
processes (docs/model.md §7.10b).

Under owners' pressure (the excess of shareholder pressure over its threshold) management
can tighten the measured KPI (more weight on what is counted: Goodhart 1975; Campbell 1979;
Bevan & Hood 2006), hold more meetings for control (threat rigidity: Staw, Sandelands &
Dutton 1981), or invest in people instead (more training and mentoring: Ton 2014); each is a
strength, 0 by default. Budget cuts are the shareholders' own lever (`Finance`).

Processes are a set of rules over the dimensions of the work (March's reality, §7.4). At
each revision they are written either by people away from the work — from the
organization's code, with a share of the work they have no experience of filled in blind —
or with the people who do it, from what they know (idea A13; Adler & Borys 1996, enabling
against coercive formalization). Between revisions the work changes (turbulence) and the
rules fall out of date, and rules accumulate. A process that misfits the work adds errors
(harder cases) and workarounds (overhead); an old one adds overhead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.clock import WEEKS_PER_YEAR
from sim.vocab import MEASURES

if TYPE_CHECKING:
    from sim.model import WorkplaceModel

THROUGHPUT = MEASURES.index("throughput")


class Management:
    """The firm's leadership: its responses to pressure and its processes."""

    def __init__(self, model: WorkplaceModel) -> None:
        self.model = model
        self.excess = 0.0  # owners' pressure beyond their threshold
        self.rules = model.code.copy()
        self.process_age = 0  # weeks since the processes were last revised
        self.misfit = 0.0
        self.revise_processes()

    # --- responses to pressure -----------------------------------------------------------
    def respond(self, pressure: float) -> None:
        """Note this week's pressure beyond the threshold; the responses read it."""
        self.excess = max(0.0, pressure - self.model.p["pressure_threshold"])

    @property
    def meeting_hours(self) -> float:
        """Meeting hours a week: the declared load plus control_meetings per unit of excess
        pressure, at most a full week."""
        p = self.model.p
        return min(p["working_hours"], p["meeting_hours"] + p["control_meetings"] * self.excess)

    def escalated(self, weights: np.ndarray) -> np.ndarray:
        """A scheme's weights with kpi_escalation × excess added to throughput (what is
        counted gets more of the pay as pressure rises)."""
        extra = self.model.p["kpi_escalation"] * self.excess
        if not extra:
            return weights
        out = weights.copy()
        out[THROUGHPUT] += extra
        return out

    @property
    def development(self) -> float:
        """Multiplier of training and mentoring: 1 + people_investment × excess."""
        return 1.0 + self.model.p["people_investment"] * self.excess

    # --- processes -------------------------------------------------------------------------
    def run_processes(self) -> None:
        """A week of the processes: they age, and are revised every process_revision_weeks."""
        self.process_age += 1
        if self.process_age >= self.model.p["process_revision_weeks"]:
            self.revise_processes()
        self.misfit = float(np.count_nonzero(self.rules != self.model.reality)
                            / self.rules.size)

    def revise_processes(self) -> None:
        """Write the rules afresh: with the people who do the work (the majority of their
        beliefs), or away from it (the code, with remote_design_gap of the dimensions set
        blind)."""
        model, p = self.model, self.model.p
        if p["process_design"] == "participatory" and hasattr(model, "employees") and \
                model.employees.headcount:
            beliefs = model.employees.beliefs[model.employees.active_rows]
            self.rules = np.sign(beliefs.sum(axis=0, dtype=np.int32)).astype(np.int8)
        else:
            rules = model.code.copy()
            blind = model.rng.random(rules.size) < p["remote_design_gap"]
            rules[blind] = np.where(model.rng.random(int(blind.sum())) < 0.5, -1, 1)
            self.rules = rules
        self.process_age = 0
        self.misfit = float(np.count_nonzero(self.rules != model.reality) / self.rules.size)

    @property
    def process_overhead(self) -> float:
        """Share of the week lost to process at zero trust: process_overhead, grown by
        misfit (workarounds) and by age (rules pile up)."""
        p = self.model.p
        years = self.process_age / WEEKS_PER_YEAR
        return (p["process_overhead"] * (1.0 + p["process_misfit_overhead"] * self.misfit)
                * (1.0 + p["process_aging"] * years))

    @property
    def case_difficulty(self) -> float:
        """Difficulty of a case: case_difficulty plus process_error_effect × misfit (a
        process that does not fit the work makes errors)."""
        p = self.model.p
        return p["case_difficulty"] + p["process_error_effect"] * self.misfit
