"""Incentive schemes: non-negative weights over the measures, plus the pay policies they imply.

A scheme name expands into parameter values (`emp_w_*`, `mgr_w_*` and a few policies);
explicit parameter values always win over the scheme's. A scheme pays on measures of what
people did (Kerr 1975; Holmstrom & Milgrom 1991); what it does to effort is what people
learn the measured work actually pays them (sim/behaviour.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.vocab import MEASURES


def _weights(*values: float) -> dict[str, float]:
    return dict(zip(MEASURES, values, strict=True))


#: Each preset: measure weights, and the firm policies that go with the scheme.
PRESETS: dict[str, dict[str, Any]] = {
    "efficiency_kpi": {
        "doc": "all pay on individual throughput: the support centre paid on time-to-resolve",
        "weights": _weights(1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        "policies": {},
    },
    "balanced_scorecard": {
        "doc": "throughput, customer satisfaction, team outcome, peers and growth together",
        "weights": _weights(0.3, 0.3, 0.2, 0.1, 0.0, 0.1),
        "policies": {},
    },
    "shared_value": {
        "doc": "customer and peer measures, a profit share and employee equity",
        "weights": _weights(0.1, 0.35, 0.2, 0.2, 0.05, 0.1),
        "policies": {"profit_share_rate": 0.2, "employee_equity_share": 0.2},
    },
    "shareholder_primacy": {
        "doc": "managers paid on short-term profit; short-horizon owners who press for cuts",
        "weights": _weights(0.7, 0.1, 0.1, 0.0, 0.1, 0.0),
        "manager_weights": _weights(0.2, 0.0, 0.0, 0.0, 0.8, 0.0),
        "policies": {"short_term_share": 0.9, "cost_cutting": 6.0},
    },
    "rank_and_yank": {
        "doc": "forced relative ranking on individual measures; the bottom 10% leave each year",
        "weights": _weights(0.6, 0.3, 0.0, 0.0, 0.0, 0.1),
        "policies": {"relative_evaluation": 1.0, "forced_exit_share": 0.1},
    },
}


#: Every scheme name a parameter may take: the presets, then 'custom' (the weights as given).
SCHEME_NAMES: tuple[str, ...] = (*PRESETS, "custom")
#: The weight prefix of each group and the parameter naming its scheme.
SCHEME_KEYS = {"emp": "employee_scheme", "mgr": "manager_scheme"}


def layer(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` changed by `changes`, where naming a scheme decides over weights set before.

    The one precedence rule of schemes and weights: picking a named scheme for a group
    (employees or managers) drops the explicit `emp_w_*` or `mgr_w_*` weights `base` held
    for that group, so the scheme's weights apply; weights given in `changes` itself still
    win over a scheme named with them (`resolve_params` then reports the scheme as 'custom').
    """
    merged = dict(base)
    for prefix, key in SCHEME_KEYS.items():
        if changes.get(key, "custom") != "custom":
            for name in [k for k in merged if k.startswith(f"{prefix}_w_")]:
                del merged[name]
    merged.update(changes)
    return merged


def scheme_values(employee_scheme: str, manager_scheme: str) -> dict[str, Any]:
    """Parameter values implied by the two scheme names (empty for 'custom')."""
    values: dict[str, Any] = {}
    if employee_scheme != "custom":
        preset = PRESETS[employee_scheme]
        values.update({f"emp_w_{m}": w for m, w in preset["weights"].items()})
        values.update(preset["policies"])
    if manager_scheme != "custom":
        preset = PRESETS[manager_scheme]
        weights = preset.get("manager_weights", preset["weights"])
        values.update({f"mgr_w_{m}": w for m, w in weights.items()})
    return values


def weight_vector(params: dict[str, Any], prefix: str) -> np.ndarray:
    """The measure weights of `prefix` ('emp' or 'mgr') as an array ordered like MEASURES."""
    return np.array([params[f"{prefix}_w_{m}"] for m in MEASURES], dtype=float)
