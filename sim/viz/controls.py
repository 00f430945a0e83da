"""Parameter controls generated from the one declaration, `sim.params.PARAMS`.

Every control takes its kind, range, step and tooltip from the parameter's `Param`; the
value shown is the running model's. Nothing here holds a default or a range of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reacton.ipyvuetify as rv
import solara

from sim.errors import InputError
from sim.params import GROUPS, PARAMS, Param
from sim.viz.session import PAGE_LIMITS, SIZE_PARAMS

#: How each group of `sim.params.GROUPS` is titled on the page (a new group shows its name).
GROUP_TITLES = {
    "firm": "Firm size and ties",
    "incentives": "Incentive scheme",
    "effort": "Effort",
    "managers": "Managers",
    "work": "Work and cases",
    "customers": "Customers",
    "careers": "Customized work and careers",
    "trust": "Trust",
    "engagement": "Engagement",
    "turnover": "Turnover and consultants",
    "finance": "Finance",
    "shareholders": "Shareholders",
    "learning": "Organizational learning",
}
MAX_SLIDER_POSITIONS = 2000  # beyond this a slider cannot be aimed; a number field is used
MAX_INT_SLIDER_POSITIONS = 600  # integers: a slider up to ten years of weeks


@dataclass(frozen=True)
class ControlSpec:
    """How one parameter is edited: 'switch', 'select', 'slider' or 'number', and its step."""

    param: Param
    kind: str
    step: float | None = None

    @property
    def tooltip(self) -> str:
        """The declaration's doc, unit, allowed values and default, in one line."""
        p = self.param
        unit = f" ({p.unit})" if p.unit and p.unit != "1" else ""
        tail = " Applies on Reset." if p.name in SIZE_PARAMS else ""
        allowed = f"Allowed: {p.allowed}"
        if p.name in PAGE_LIMITS:
            allowed = (f"Allowed here: an integer in [{p.low:g}, {PAGE_LIMITS[p.name]:,}] (the "
                       f"visualizer's limit; `aligned run` takes up to {p.high:,g})")
        return f"{p.doc}{unit}. {allowed}. Default: {p.default}.{tail}"

    def title(self) -> str:
        """The group title of this control."""
        return group_title(self.param.group)


def group_title(group: str) -> str:
    """Display title of a parameter group."""
    return GROUP_TITLES.get(group, group.replace("_", " ").capitalize())


def _on_grid(value: float, low: float, step: float) -> bool:
    ratio = (value - low) / step
    return abs(ratio - round(ratio)) < 1e-6


def slider_step(p: Param) -> float | None:
    """The coarsest power-of-ten step with at least 100 positions that puts the low end, the
    high end and the default exactly on the slider, or None if a slider cannot."""
    span = p.high - p.low
    if span <= 0:
        return None
    exponent = math.floor(math.log10(span / 100))
    for k in range(exponent, exponent - 6, -1):
        step = 10.0**k
        if span / step > MAX_SLIDER_POSITIONS:
            return None
        if all(_on_grid(v, p.low, step) for v in (p.high, p.default)):
            return round(step, 12)
    return None


def control_spec(p: Param) -> ControlSpec:
    """The control of one parameter."""
    if p.type is bool:
        return ControlSpec(p, "switch")
    if p.choices:
        return ControlSpec(p, "select")
    if p.type is int:
        fits = p.high - p.low <= MAX_INT_SLIDER_POSITIONS
        return ControlSpec(p, "slider" if fits else "number", 1 if fits else None)
    step = slider_step(p)
    return ControlSpec(p, "slider" if step else "number", step)


CONTROLS: dict[str, ControlSpec] = {name: control_spec(p) for name, p in PARAMS.items()}


def grouped() -> dict[str, list[ControlSpec]]:
    """Controls by group, in declaration order."""
    return {g: [c for c in CONTROLS.values() if c.param.group == g] for g in GROUPS}


def format_value(p: Param, value: Any) -> str:
    """A value as shown beside its control."""
    if isinstance(value, bool) or p.type is str:
        return str(value).lower() if isinstance(value, bool) else str(value)
    if p.type is int:
        return f"{value:,}"
    return f"{value:.4g}"


@solara.component
def ParamControl(spec: ControlSpec, value: Any, on_change: Callable[[str, Any], str | None],
                 pending: bool = False) -> None:
    """One parameter: its name (tooltip: the declaration), an editor and its current value."""
    p = spec.param
    error, set_error = solara.use_state("")

    def change(new: Any) -> None:
        if spec.kind == "slider" and isinstance(value, int | float) and abs(
                float(new) - float(value)) < spec.step / 2:
            return  # the slider rounding a value that lies between its steps: not a user change
        if spec.kind == "slider" and p.type is int:
            new = round(float(new))
        set_error(on_change(p.name, new) or "")

    with solara.Column(gap="0px", classes=["aligned-control"],
                       style={"margin-bottom": "6px"}) as column:
        with solara.Row(justify="space-between", style={"align-items": "baseline"}):
            with solara.Tooltip(spec.tooltip):
                rv.Html(tag="span", class_="aligned-param-name", children=[p.name],
                        style_="font-size: 13px; cursor: help; border-bottom: 1px dotted #999")
            note = " (on Reset)" if pending else ""
            unit = "" if p.unit in ("", "1") else f" {p.unit}"
            rv.Html(tag="span", children=[f"{format_value(p, value)}{unit}{note}"],
                    class_="aligned-param-value",
                    style_="font-size: 12px; color: #555" + ("; font-weight: bold" if pending
                                                             else ""))
        if spec.kind == "switch":
            rv.Switch(v_model=bool(value), on_v_model=change, dense=True, hide_details=True,
                      class_="mt-0")
        elif spec.kind == "select":
            rv.Select(v_model=value, items=list(p.choices), on_v_model=change, dense=True,
                      hide_details=True, class_="mt-0 pt-0")
        elif spec.kind == "slider":
            rv.Slider(v_model=value, min=p.low, max=p.high, step=spec.step,
                      on_v_model=change, dense=True, hide_details=True, class_="mt-0")
        else:
            NumberField(p, value, change)
        if error:
            rv.Html(tag="div", children=[error], class_="aligned-control-error",
                    style_="color: #c62828; font-size: 12px")
    return column


@solara.component
def NumberField(p: Param, value: Any, on_value: Callable[[Any], None]) -> None:
    """A number typed in full (for ranges too wide for a slider); checked on Enter or blur."""
    text, set_text = solara.use_state(str(value))
    solara.use_effect(lambda: set_text(str(value)), [value])

    def commit(*_: Any) -> None:
        try:
            on_value(p.parse(text, "control"))
        except InputError:
            on_value(text)  # refused by the session, which names the key, value and what is allowed

    field = rv.TextField(v_model=text, on_v_model=set_text, dense=True, hide_details=True,
                         class_="mt-0 pt-0", type="text")
    rv.use_event(field, "keyup.enter", commit)
    rv.use_event(field, "blur", commit)
    return field
