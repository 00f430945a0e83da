"""Holmstrom & Milgrom (1991), multitask principal–agent analyses: the firm's learned effort
choice (`Employees.choose_effort`, `Employees.learn_from_week`) in its limit case against
their closed forms, as a convergence check.

Limit case: no intrinsic motivation, norms, cooperation, credit, recognition or forced exits;
no survey noise, meetings or process overhead; skills, passion and levels frozen; demand far
above capacity (every closure counts); the sharpest declared choice (τ at its floor) and the
incentive-driven effort level at full strength (λ = 1). Only throughput is paid, through the
firm's bonus pool (a share β of the wage bill split by score). People start knowing nothing
(every learned return 0) and learn what a unit of effort on each task pays.

What Holmstrom & Milgrom predict there: all effort goes to the measured task and none to the
unmeasured substitutes, and each person's effort equals the marginal pay rate they face over
the cost slope, e = b / c. Under the firm's pool, person i's bonus is β · wage · x_i / x̄ with
x_i = κ_i e_i their throughput (κ_i = capacity × fit), so b_i = β κ_i / x̄ (in wages), and
the fixed point of e_i = b_i / c is e_i = κ_i √(β / (c · mean κ²)), or, where that exceeds a
full week, e_i = min(1, b_i / c) with x̄ the fixed point of the bounded efforts: the closed
form the learned efforts are held to, after at most 5,000 weeks.
"""

from __future__ import annotations

import itertools

import numpy as np

from sim.agents.employee import CARE, SPEED
from sim.model import WorkplaceModel
from sim.params import MEASURES, PARAMS
from sim.validation.checks import Check, Settings, Validation

SOURCES = [
    "Holmstrom, B., Milgrom, P. (1991). Multitask principal-agent analyses: incentive "
    "contracts, asset ownership, and job design. J. Law Econ. Org. 7: 24-52 (a linear "
    "contract with marginal rate b and quadratic cost gives e* = b/c; with substitute tasks "
    "an unmeasured task gets no effort once the measured one is paid).",
    "Rescorla, R. A., Wagner, A. R. (1972). A theory of Pavlovian conditioning. In Black & "
    "Prokasy (eds.), Classical Conditioning II (the delta rule the learned returns follow).",
]
TOLERANCE = 1e-3
BONUS_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)
COSTS = (1.0, 2.0)
MAX_WEEKS = 5000
CHECK_EVERY = 50  # weeks between convergence checks
SETTLED = 1e-7  # largest change of any effort over CHECK_EVERY weeks that counts as converged
SOFT_TEMPERATURE = 0.05  # a softer choice, to show the unmeasured task fading as β rises
SOFT_BONUS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.5)
SOFT_WEEKS = 600
#: The softer choice never quite reaches 0: once a task is rarely tried, what it is worth is
#: learned slowly (the exploration–exploitation problem), so a small share lingers.
SOFT_LIMIT = 0.01

#: The limit case (everything but the pay return switched off; see the module docstring).
LIMIT = {
    "intrinsic_strength": 0.0, "norm_strength": 0.0, "cooperation_strength": 0.0,
    "credit_value": 0.0, "recognition_value": 0.0, "forced_exit_share": 0.0,
    "relative_evaluation": 0.0, "survey_noise": 0.0, "meeting_hours": 0.0,
    "process_overhead": 0.0, "value_sd": 0.0, "pay_sensitivity": 1.0,
    "effort_temperature": PARAMS["effort_temperature"].low, "effort_incentive_strength": 1.0,
    "learning_rate": 0.0, "mentoring": 0.0, "skill_decay": 0.0, "passion_growth": 0.0,
    "level_pay_step": 0.0, "quit_base": 0.0, "churn_base": 0.0, "base_inflow": 0.0,
    "word_of_mouth": 0.0, "case_rate": 5.0, "cost_cutting": 0.0, "profit_share_rate": 0.0,
    "employee_equity_share": 0.0, "help_strength": 0.0, "staffing": False,
    "insolvency": False, "spinup_weeks": 0, "process_error_effect": 0.0,
    "outside_offers": False, "projects": False, "status_hours": 0.0, "control_distrust": 0.0,
    "alongside_capacity": 0.0, "blocker_removal": 0.0, "endorsement_noise": 0.0,
    "endorsement_halo": 0.0, "endorsement_homophily": 0.0,
    "process_misfit_overhead": 0.0, "process_aging": 0.0,
    "employee_scheme": "custom", "manager_scheme": "custom",
    **{f"emp_w_{m}": 0.0 for m in MEASURES}, "emp_w_throughput": 1.0,
}
FIRM = {"n_employees": 16, "n_customers": 100, "market_size": 200, "n_shareholders": 2}


def learned_effort(bonus_share: float, cost: float, temperature: float, seed: int,
                   max_weeks: int = MAX_WEEKS) -> tuple[WorkplaceModel, int]:
    """A limit-case firm paying throughput through a pool of `bonus_share`, stepped until the
    learned efforts settle (or `max_weeks`); returns it and the weeks it took."""
    model = WorkplaceModel(seed=seed, **{**FIRM, **LIMIT, "bonus_share": bonus_share,
                                         "effort_cost": cost,
                                         "effort_temperature": temperature})
    emp = model.employees
    before = emp.effort[emp.active_rows].copy()
    for week in range(1, max_weeks + 1):
        model.step()
        if week % CHECK_EVERY == 0:
            now = emp.effort[emp.active_rows]
            if np.abs(now - before).max() < SETTLED:
                return model, week
            before = now.copy()
    return model, max_weeks


def closed_form(model: WorkplaceModel, bonus_share: float, cost: float) -> np.ndarray:
    """Each person's effort at Holmstrom & Milgrom's optimum under the firm's pool, with effort
    bounded by a full week: e_i = min(1, b_i / c), b_i = β κ_i / x̄, x̄ = mean κ e (κ_i the
    closures a unit of speed effort gives). Without the bound this is κ_i √(β / (c mean κ²));
    with it, x̄ solves x̄ = mean κ min(1, β κ / (c x̄)), found by bisection."""
    emp = model.employees
    kappa = model.p["case_capacity"] * emp.fit()
    present = kappa[emp.active_rows]

    def mean_output(x: float) -> float:
        return float(np.mean(present * np.minimum(1.0, bonus_share * present / (cost * x))))

    low, high = 1e-12, float(present.max())
    for _ in range(200):  # mean_output(x) − x falls from positive to negative on (low, high]
        mid = 0.5 * (low + high)
        low, high = (mid, high) if mean_output(mid) > mid else (low, mid)
    scale = bonus_share / (cost * 0.5 * (low + high))
    return np.where(emp.active, np.minimum(1.0, kappa * scale), 0.0)


def validate(settings: Settings) -> Validation:
    """The learned level and split against the closed forms, and a softer choice."""
    out = Validation("holmstrom_milgrom1991", "Holmstrom & Milgrom (1991): multitask "
                     "incentives, learned", SOURCES)
    tolerance = TOLERANCE * settings.tolerance_scale
    rows = []
    for cost, beta in itertools.product(COSTS, BONUS_SHARES):
        model, weeks = learned_effort(beta, cost, LIMIT["effort_temperature"], settings.seed)
        emp = model.employees
        on = emp.active_rows
        formula = closed_form(model, beta, cost)[on]
        effort = (emp.effort[:, None] * emp.choice)[on]
        rate = emp.returns[on, SPEED]
        rows.append({"beta": beta, "c": cost, "weeks": weeks,
                     "formula_e": float(formula.mean()), "model_e": float(emp.effort[on].mean()),
                     "gap_e": float(np.abs(emp.effort[on] - formula).max()),
                     "gap_rate": float(np.abs(emp.effort[on] - rate / cost).max()),
                     "model_unmeasured": float(effort[:, CARE].max()),
                     "model_other": float(np.delete(effort, [SPEED, CARE], axis=1).max())})
    out.tables["table"] = rows
    out.notes["table"] = (
        "Limit case (τ = 0.005, λ = 1, no intrinsic motivation, norms, cooperation, credit, "
        "overhead, projects, outside offers, manager style effects or endorsement error); "
        "people start with every learned return at 0. Task 1 is speed, paid "
        "through the throughput bonus pool β; task 2 is care, unmeasured. weeks: weeks until "
        "no effort moved by 1e-7 over 50 weeks (at most 5,000); formula_e / model_e: mean "
        "effort at the closed form e_i = κ_i √(β/(c·mean κ²)) and learned; gap_e: the "
        "largest |e_i − closed form|; gap_rate: the largest |e_i − b_i/c| with b_i the "
        "return person i learned; model_unmeasured: the largest effort on care; "
        "model_other: on help and learning.")
    soft = []
    for beta in SOFT_BONUS:
        model, _ = learned_effort(beta, 1.0, SOFT_TEMPERATURE, settings.seed, SOFT_WEEKS)
        soft.append({"beta": beta, "tau": SOFT_TEMPERATURE,
                     "model_share_unmeasured": float(
                         model.employees.choice[model.employees.active_rows, CARE].mean()),
                     "hm_limit": 0.0 if beta > 0 else 0.25})
    out.tables["softer_choice"] = soft
    out.notes["softer_choice"] = (
        f"A softer choice (τ = {SOFT_TEMPERATURE}, {SOFT_WEEKS} weeks of learning): the share "
        "of the unmeasured task falls toward 0 as the bonus pool β grows; hm_limit is the "
        "τ → 0 limit (with nothing paid, no task is better and the split stays even). The "
        "share does not reach 0: a task tried less and less is learned about more and more "
        "slowly, so its prior return lingers (exploration against exploitation).")
    worst = max(r["gap_e"] for r in rows)
    slowest = max(r["weeks"] for r in rows)
    out.checks.append(Check(
        "single_task_level", "one paid task: the learned effort converges to Holmstrom & "
        "Milgrom's e = b/c at the firm's own bonus pool", worst,
        f"max |e − closed form| ≤ {tolerance:g} within {MAX_WEEKS} weeks (took {slowest})",
        worst <= tolerance and slowest < MAX_WEEKS, "Holmstrom & Milgrom 1991"))
    unmeasured = max(max(r["model_unmeasured"], r["model_other"]) for r in rows)
    out.checks.append(Check(
        "unmeasured_task_gets_nothing", "two substitute tasks, only task 1 measured: the "
        "unmeasured task learns to get no effort", unmeasured, f"max effort on it ≤ "
        f"{tolerance:g}", unmeasured <= tolerance, "Holmstrom & Milgrom 1991"))
    shares = [r["model_share_unmeasured"] for r in soft]
    fading = all(b < a for a, b in itertools.pairwise(shares))
    out.checks.append(Check(
        "unmeasured_task_fades_with_pay", "at a softer choice the unmeasured task's share "
        "falls toward 0 as the measured task's pay rises", shares[-1],
        f"strictly falling, ≤ {SOFT_LIMIT:g} at β = {SOFT_BONUS[-1]}",
        fading and shares[-1] <= SOFT_LIMIT * settings.tolerance_scale,
        "Holmstrom & Milgrom 1991"))
    return out
