"""The live time-series charts (plotly): what each shows, and how it is kept up to date.

Each chart is declared once in `CHARTS`; the same declaration builds the live widget, its
updates and the exported figure. A chart shows at most `MAX_POINTS` points per line (the
history is thinned by a power-of-two stride, anchored at week 1, so points do not jitter
as the run grows), rounded to five significant digits, and the browser redraws only what
changed (`Plotly.react`).
In compare mode each line of run B is dashed and the gap to run A is shaded: the
difference is what the strategist looks at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from sim.clock import WEEKS_PER_YEAR
from sim.viz.plot import PlotlyView

if TYPE_CHECKING:
    from sim.viz.session import Run

MAX_POINTS = 260  # points per line on screen; five years of weeks before thinning starts
CHART_WIDTH = 430  # px; a fixed size keeps two charts side by side next to the sidebar
CHART_HEIGHT = 270  # px


@dataclass(frozen=True)
class Series:
    """One line: a measure of `sim.measures.REPORTERS`, how it is named and read."""

    measure: str
    label: str
    color: str
    axis: str = "y"  # "y" (left) or "y2" (right)
    better: int = 1  # +1 higher is better, -1 lower is better, 0 neither
    window: int = 1  # weeks summed (a rolling sum smooths counts such as quits)


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its lines, axes and the line whose gap is announced in compare mode."""

    key: str
    title: str
    series: tuple[Series, ...]
    y_title: str = ""
    y2_title: str = ""
    stacked: bool = False
    unit_range: bool = False  # the left axis is a share or a trust: 0..1
    headline: int = 0  # index of the series whose B − A gap the title reports


GREEN, AMBER, RED, BLUE, PURPLE, TEAL, GREY, BROWN = (
    "#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#00838f", "#757575", "#8d6e63")

CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("engagement", "Engagement bands (Gallup)", (
        Series("engaged_share", "engaged", GREEN),
        Series("not_engaged_share", "not engaged", AMBER, better=0),
        Series("actively_disengaged_share", "actively disengaged", RED, better=-1),
    ), y_title="share of employees", stacked=True, unit_range=True),
    ChartSpec("trust", "Trust on each edge", (
        Series("trust_customer_firm", "customer → firm", BLUE),
        Series("trust_employee_manager", "employee → manager", GREEN),
        Series("trust_peer", "employee ↔ employee", TEAL),
        Series("trust_shareholder_management", "shareholder → management", PURPLE),
    ), y_title="trust", unit_range=True),
    ChartSpec("customers", "Customers and satisfaction", (
        Series("customers", "customers", BLUE),
        Series("customer_satisfaction", "satisfaction", GREEN, axis="y2"),
    ), y_title="customers", y2_title="satisfaction"),
    ChartSpec("service", "Time to resolve and reopen rate", (
        Series("time_to_resolve", "time to resolve", BLUE, better=-1),
        Series("reopen_rate", "reopen rate", RED, axis="y2", better=-1),
    ), y_title="weeks", y2_title="reopened / closed", headline=1),
    ChartSpec("finance", "Profit and share value", (
        Series("profit", "profit per week", GREEN),
        Series("share_value", "share value", PURPLE, axis="y2"),
    ), y_title="$ per week", y2_title="$"),
    ChartSpec("people", "Headcount, quits and consultants", (
        Series("headcount", "headcount", BLUE, better=0),
        Series("consultants", "consultants", BROWN, better=-1),
        Series("quits", "quits, last 13 weeks", RED, axis="y2", better=-1, window=13),
    ), y_title="people", y2_title="quits", headline=2),
    ChartSpec("knowledge", "Knowledge (March 1991)", (
        Series("knowledge", "organizational code", PURPLE),
        Series("individual_knowledge", "people (mean)", TEAL),
    ), y_title="share of reality known", unit_range=True),
    ChartSpec("alignment", "Behavioural alignment and shared fate", (
        Series("behavioural_alignment", "behavioural alignment", GREEN),
        Series("shared_fate", "shared fate", PURPLE),
    ), y_title="cosine / correlation"),
    ChartSpec("effort", "Effort split", (
        Series("effort_speed", "speed", BLUE, better=0),
        Series("effort_care", "care", GREEN, better=0),
        Series("effort_help", "help", TEAL, better=0),
        Series("effort_learn", "learn", PURPLE, better=0),
    ), y_title="share of effort", stacked=True, unit_range=True),
)
CHARTS_BY_KEY = {c.key: c for c in CHARTS}


def thinned(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of the points to draw out of `n`: every point up to `max_points`, then every
    2nd, 4th, ... (anchored at 0, so they stay put as `n` grows), always with the last."""
    if n <= max_points:
        return np.arange(n)
    stride = 2 ** math.ceil(math.log2(n / max_points))
    idx = np.arange(0, n, stride)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def values(run: Run, series: Series) -> np.ndarray:
    """The weekly values of a series for a run (rolling sum when the series asks for one)."""
    y = run.series(series.measure)
    if series.window > 1 and y.size:
        total = np.cumsum(y)
        total[series.window:] = total[series.window:] - total[:-series.window]
        return total
    return y


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def trace_styles(spec: ChartSpec, labels: Sequence[str]) -> list[dict[str, Any]]:
    """The traces of a chart without data: one per series, or per series and run (compare).

    In compare mode run B's line is dashed, only run A's lines are in the legend (the page
    says solid = A, dashed = B), and the gap between A and B on the headline series is
    shaded (`tonexty` on B's trace, which follows A's), so the difference stands out.
    """
    compare = len(labels) > 1
    styles = []
    for k, s in enumerate(spec.series):
        for i, label in enumerate(labels):
            run = label.split(" · ")[0]
            style: dict[str, Any] = {
                "type": "scatter", "mode": "lines", "yaxis": s.axis,
                "name": f"{s.label} ({run})" if i else s.label,
                "legendgroup": s.measure, "showlegend": i == 0,
                "hovertemplate": "%{y:.3~g}",
                "line": {"color": s.color, "width": 2, "dash": "dash" if i == 1 else "solid"},
            }
            if compare and k != spec.headline:
                style["opacity"] = 0.5
            if spec.stacked and not compare:
                style.update(stackgroup="one", fillcolor=_rgba(s.color, 0.55),
                             line={"color": s.color, "width": 1})
            if i == 1 and k == spec.headline:
                style.update(fill="tonexty", fillcolor=_rgba(s.color, 0.22))
            styles.append(style)
    return styles


def layout(spec: ChartSpec, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> dict:
    """The chart's layout: title, axes (years along x), a compact legend underneath."""
    lay: dict[str, Any] = {
        "title": title(spec, ()),
        "width": width, "height": height,
        "margin": {"l": 52, "r": 52 if spec.y2_title else 12, "t": 56, "b": 30},
        "xaxis": {"title": {"text": ""}, "ticksuffix": " y", "rangemode": "tozero"},
        "yaxis": {"title": {"text": spec.y_title, "font": {"size": 11}}},
        "legend": {"orientation": "h", "y": -0.12, "yanchor": "top", "font": {"size": 10},
                   "traceorder": "normal"},
        "template": "plotly_white", "uirevision": spec.key, "hovermode": "x unified",
    }
    if spec.unit_range:
        lay["yaxis"]["range"] = [0, 1.0]
    if spec.y2_title:
        lay["yaxis2"] = {"title": {"text": spec.y2_title, "font": {"size": 11}},
                         "overlaying": "y", "side": "right", "showgrid": False}
    return lay


def gap_text(spec: ChartSpec, runs: Sequence[Run]) -> str:
    """In compare mode: the headline series' B − A gap at the latest week, e.g.
    "customer → firm: B − A = +0.291 (B better)"."""
    if len(runs) < 2 or not runs[0].week:
        return ""
    s = spec.series[spec.headline]
    a, b = values(runs[0], s)[-1], values(runs[1], s)[-1]
    gap = b - a
    verdict = ""
    if s.better and abs(gap) > 1e-9 * max(abs(a), abs(b), 1):
        verdict = " (B better)" if gap * s.better > 0 else " (A better)"
    return f"{s.label}: B − A = {_number(gap, signed=True)}{verdict}"


def _number(value: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if abs(value) >= 100:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.3f}"


def title(spec: ChartSpec, runs: Sequence[Run]) -> dict:
    """The chart's title layout, with the gap as its subtitle in compare mode."""
    heading = {"text": spec.title, "font": {"size": 14}, "x": 0.02, "y": 1, "yanchor": "top",
               "pad": {"t": 8}}
    gap = gap_text(spec, runs)
    if gap:
        heading["subtitle"] = {"text": gap, "font": {"size": 11}}
    return heading


def series_xy(run: Run, series: Series, idx: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The x (years) and y of one series of one run at the given point indices (all if None)."""
    y = values(run, series)
    x = np.arange(1, y.size + 1) / WEEKS_PER_YEAR
    if idx is None:
        return x, y
    return x[idx], y[idx]


def figure(spec: ChartSpec, runs: Sequence[Run], max_points: int | None = None,
           width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> go.Figure:
    """A static figure of the chart (the whole history unless `max_points`), for export."""
    traces = []
    idx = None if max_points is None else thinned(runs[0].week, max_points)
    for style, (run, s) in zip(trace_styles(spec, [r.label for r in runs]),
                               _pairs(spec, runs), strict=True):
        x, y = series_xy(run, s, idx if run.week == runs[0].week else None)
        traces.append({**style, "x": x, "y": y})
    lay = layout(spec, width, height)
    lay["title"] = title(spec, runs)
    return go.Figure(data=traces, layout=lay)


def _pairs(spec: ChartSpec, runs: Sequence[Run]) -> list[tuple[Run, Series]]:
    return [(run, s) for s in spec.series for run in runs]


def jsonable(values: np.ndarray) -> list:
    """A series as a short JSON list: five significant digits are plenty for a screen, and a
    NaN (no value) becomes null."""
    finite = np.isfinite(values)
    if not finite.all():
        return [round(float(v), 5) if ok else None for v, ok in zip(values, finite, strict=True)]
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    decimals = max(0, 4 - math.floor(math.log10(scale))) if scale > 0 else 0
    return np.round(values, decimals).tolist()


class LiveChart:
    """One chart on the page, redrawn in place as the runs advance."""

    def __init__(self, spec: ChartSpec, width: int = CHART_WIDTH,
                 height: int = CHART_HEIGHT) -> None:
        self.spec = spec
        self.layout = layout(spec, width, height)
        self.widget = PlotlyView(layout=self.layout)
        self._labels: tuple[str, ...] = ()
        self._styles: list[dict[str, Any]] = []

    def update(self, runs: Sequence[Run], max_points: int = MAX_POINTS) -> None:
        """Send the runs' latest (thinned) history and, in compare mode, the gap in the title."""
        labels = tuple(r.label for r in runs)
        if labels != self._labels:
            self._styles = trace_styles(self.spec, labels)
            self._labels = labels
        idx = thinned(runs[0].week, max_points)
        data = []
        for style, (run, s) in zip(self._styles, _pairs(self.spec, runs), strict=True):
            x, y = series_xy(run, s, idx)
            data.append({**style, "x": np.round(x, 4).tolist(), "y": jsonable(y)})
        heading = title(self.spec, runs)
        if heading != self.widget.plot_layout["title"]:
            self.widget.plot_layout = {**self.layout, "title": heading}
        self.widget.traces = data


class ChartBoard:
    """Every live chart of a session, updated together."""

    def __init__(self, specs: Sequence[ChartSpec] = CHARTS) -> None:
        self.charts = [LiveChart(spec) for spec in specs]

    def update(self, runs: Sequence[Run]) -> None:
        """Bring every chart up to date with the runs."""
        for chart in self.charts:
            chart.update(runs)
