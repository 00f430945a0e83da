"""Holmstrom & Milgrom (1991), multitask principal–agent analyses: the firm's own effort
choice (`Employees.choose_effort`) in its limit case against their closed forms.

Limit case: no intrinsic motivation, no peer norms, no manager push, no relative
evaluation, no meetings or process overhead, the sharpest declared choice (τ at its
floor), and the incentive-driven effort level at full strength (λ = 1). Then one task paid
at β gives e* = β / c, and with two substitute tasks of which only the first is measured,
the unmeasured one gets no effort.
"""

from __future__ import annotations

import itertools

import numpy as np

from sim.agents.employee import CARE, SPEED
from sim.model import WorkplaceModel
from sim.params import MEASURES, PARAMS, TASKS
from sim.validation.checks import Check, Settings, Validation

SOURCES = [
    "Holmstrom, B., Milgrom, P. (1991). Multitask principal-agent analyses: incentive "
    "contracts, asset ownership, and job design. J. Law Econ. Org. 7: 24-52 (one task: "
    "e* = β/c under linear pay and quadratic cost; substitute tasks: an unmeasured task "
    "gets no effort once the measured one is paid).",
]
TOLERANCE = 1e-3
WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
COSTS = (1.0, 2.0)
SOFT_TEMPERATURE = 0.05  # a softer choice, to show the unmeasured task fading as β rises
SOFT_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)

#: The limit case (everything but the pay return switched off; see the module docstring).
LIMIT = {
    "intrinsic_strength": 0.0, "norm_strength": 0.0, "manager_pressure": 0.0,
    "relative_evaluation": 0.0, "meeting_hours": 0.0, "process_overhead": 0.0,
    "effort_temperature": PARAMS["effort_temperature"].low, "effort_incentive_strength": 1.0,
    "pay_sensitivity": 1.0, "employee_scheme": "custom", "manager_scheme": "custom",
    **{f"emp_w_{m}": 0.0 for m in MEASURES},
}
FIRM = {"n_employees": 16, "n_customers": 100, "market_size": 200, "n_shareholders": 2}


def effort_choice(weight: float, cost: float, temperature: float,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every employee's effort split a (n, tasks) and total effort E (n) when only
    throughput is paid, at weight `weight`."""
    model = WorkplaceModel(seed=seed, **{**FIRM, **LIMIT, "emp_w_throughput": weight,
                                         "effort_cost": cost,
                                         "effort_temperature": temperature})
    model.employees.choose_effort()
    return model.employees.shares.copy(), model.employees.effort.copy()


def validate(settings: Settings) -> Validation:
    """The single-task level and the unmeasured substitute task, model against formula."""
    out = Validation("holmstrom_milgrom1991", "Holmstrom & Milgrom (1991): multitask "
                     "incentives", SOURCES)
    tolerance = TOLERANCE * settings.tolerance_scale
    rows = []
    for cost in COSTS:
        for weight in WEIGHTS:
            beta = weight * LIMIT["pay_sensitivity"]
            shares, total = effort_choice(weight, cost, LIMIT["effort_temperature"],
                                          settings.seed)
            effort = total[:, None] * shares
            rows.append({"beta": beta, "c": cost, "formula_e": beta / cost,
                         "model_e": float(total.mean()),
                         "gap_e": float(np.abs(total - beta / cost).max()),
                         "formula_unmeasured": 0.0,
                         "model_unmeasured": float(effort[:, CARE].max()),
                         "model_other": float(np.delete(effort, [SPEED, CARE], axis=1).max())})
    out.tables["table"] = rows
    out.notes["table"] = (
        "Limit case (τ = 0.005, λ = 1, no intrinsic motivation, norms or overhead). Task 1 is "
        "speed, paid at β through throughput; task 2 is care, unmeasured. model_e: total "
        "effort (mean over employees); gap_e: the largest |E − β/c| over employees; "
        "model_unmeasured: the largest effort on care; model_other: on help and learning.")
    soft = []
    for weight in SOFT_WEIGHTS:
        shares, _ = effort_choice(weight, 1.0, SOFT_TEMPERATURE, settings.seed)
        share = float(shares[:, CARE].mean())
        closed = 1.0 / (np.exp(weight / SOFT_TEMPERATURE) + len(TASKS) - 1)
        soft.append({"beta": weight, "tau": SOFT_TEMPERATURE, "model_share_unmeasured": share,
                     "softmax_closed_form": closed, "hm_limit": 0.0 if weight > 0 else 0.25})
    out.tables["softer_choice"] = soft
    out.notes["softer_choice"] = (
        "A softer choice (τ = 0.05): the share of the unmeasured task falls to 0 as the weight "
        "on the measured task rises, exactly as the softmax closed form 1/(e^(β/τ) + 3); "
        "hm_limit is the τ → 0 limit (at β = 0 no task is paid and the split is even).")
    worst = max(r["gap_e"] for r in rows)
    out.checks.append(Check(
        "single_task_level", "one paid task: the model's effort equals e* = β / c", worst,
        f"max |E − β/c| ≤ {tolerance:g} over the grid", worst <= tolerance,
        "Holmstrom & Milgrom 1991"))
    unmeasured = max(max(r["model_unmeasured"], r["model_other"]) for r in rows)
    out.checks.append(Check(
        "unmeasured_task_gets_nothing", "two substitute tasks, only task 1 measured: the "
        "unmeasured task gets no effort", unmeasured, f"max effort on it ≤ {tolerance:g}",
        unmeasured <= tolerance, "Holmstrom & Milgrom 1991"))
    shares = [r["model_share_unmeasured"] for r in soft]
    fading = all(b < a for a, b in itertools.pairwise(shares))
    exact = max(abs(r["model_share_unmeasured"] - r["softmax_closed_form"]) for r in soft)
    out.checks.append(Check(
        "unmeasured_task_fades_with_weight", "at a softer choice the unmeasured task's share "
        "falls to 0 as the measured task's weight rises", shares[-1],
        f"strictly falling, ≤ {tolerance:g} at β = {SOFT_WEIGHTS[-1]}, and within "
        f"{tolerance:g} of the closed form", fading and shares[-1] <= tolerance
        and exact <= tolerance, "Holmstrom & Milgrom 1991"))
    return out
