"""The live time-series charts (plotly): what each shows, and how it is kept up to date.

Each chart is declared once in `CHARTS`; the same declaration builds the live widget, its
updates and the exported figure. A chart shows at most `MAX_POINTS` points per line (the
history is thinned by a power-of-two stride, anchored at week 1, so points do not jitter
as the run grows), rounded to five significant digits, and the browser redraws only what
changed (`Plotly.react`).
In compare mode each line of run B is dashed and the gap to run A is shaded: the
difference is what the strategist looks at. Each event of the timeline is a dotted vertical
line with its label. After many seeds, the same charts show each run set's median with its
50% and 90% bands (`band_figure`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from sim.clock import WEEKS_PER_YEAR
from sim.measures import MEASURES
from sim.viz.plot import PlotlyView

if TYPE_CHECKING:
    from sim.paired import Results
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
    window: int = 1  # weeks summed (a rolling sum smooths counts such as quits)

    @property
    def better(self) -> int:
        """Which way is good (+1 higher, −1 lower, 0 neither): the measure's declaration."""
        return MEASURES[self.measure].better


@dataclass(frozen=True)
class Marker:
    """An event on the charts: its week, its label and the run whose timeline holds it."""

    week: int
    label: str
    run: int = 0


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
        Series("not_engaged_share", "not engaged", AMBER),
        Series("actively_disengaged_share", "actively disengaged", RED),
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
        Series("time_to_resolve", "time to resolve", BLUE),
        Series("reopen_rate", "reopen rate", RED, axis="y2"),
    ), y_title="weeks", y2_title="reopened / closed", headline=1),
    ChartSpec("finance", "Profit and share value", (
        Series("profit", "profit per week", GREEN),
        Series("share_value", "share value", PURPLE, axis="y2"),
    ), y_title="$ per week", y2_title="$"),
    ChartSpec("people", "Headcount, quits and consultants", (
        Series("headcount", "headcount", BLUE),
        Series("consultants", "consultants", BROWN),
        Series("quits", "quits, last 13 weeks", RED, axis="y2", window=13),
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
        Series("effort_speed", "speed", BLUE),
        Series("effort_care", "care", GREEN),
        Series("effort_help", "help", TEAL),
        Series("effort_learn", "learn", PURPLE),
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
    return windowed(run.series(series.measure), series)


def windowed(y: np.ndarray, series: Series) -> np.ndarray:
    """A measure's weekly values as the series shows them (along the last axis: a rolling
    sum when the series asks for one)."""
    if series.window > 1 and y.shape[-1]:
        total = np.cumsum(y, axis=-1)
        total[..., series.window:] = total[..., series.window:] - total[..., :-series.window]
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


MARKER_COLORS = ("#37474f", "#8d6e63")  # events of run A, of run B


def event_markers(timelines: Sequence[Sequence[Any]]) -> tuple[Marker, ...]:
    """The markers of the runs' timelines (`sim.scenario.Event`s): run A's events, then
    those of run B's that A does not have; one per week and run, labels joined."""
    seen: set[tuple[int, tuple]] = set()
    found: dict[tuple[int, int], list[str]] = {}
    for run, events in enumerate(timelines):
        for event in events:
            key = (event.week, tuple(sorted(event.set.items())))
            if run and key in seen:
                continue
            seen.add(key)
            labels = found.setdefault((run, event.week), [])
            labels.append(event.label or ", ".join(f"{k} = {v}" for k, v in event.set.items()))
    return tuple(Marker(week, "; ".join(labels), run)
                 for (run, week), labels in sorted(found.items()))


def marker_layout(markers: Sequence[Marker]) -> dict[str, list]:
    """Each event as a dotted vertical line across the chart with its label at the top (run
    B's own events dashed, their label starting 'B:')."""
    shapes, notes = [], []
    for m in markers:
        x = m.week / WEEKS_PER_YEAR
        color = MARKER_COLORS[min(m.run, 1)]
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x,
                       "y0": 0, "y1": 1, "line": {"color": color, "width": 1,
                                                  "dash": "dot" if m.run == 0 else "dash"}})
        text = m.label or f"week {m.week}"
        notes.append({"x": x, "y": 1, "xref": "x", "yref": "paper", "showarrow": False,
                      "xanchor": "left", "yanchor": "top", "text": ("B: " if m.run else "")
                      + text[:40], "font": {"size": 9, "color": color},
                      "bgcolor": "rgba(255,255,255,0.7)"})
    return {"shapes": shapes, "annotations": notes}


def layout(spec: ChartSpec, width: int = CHART_WIDTH, height: int = CHART_HEIGHT,
           markers: Sequence[Marker] = ()) -> dict:
    """The chart's layout: title, axes (years along x), a compact legend underneath, and
    the timeline's events."""
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
    lay.update(marker_layout(markers))
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
           width: int = CHART_WIDTH, height: int = CHART_HEIGHT,
           markers: Sequence[Marker] = ()) -> go.Figure:
    """A static figure of the chart (the whole history unless `max_points`), for export."""
    traces = []
    idx = None if max_points is None else thinned(runs[0].week, max_points)
    for style, (run, s) in zip(trace_styles(spec, [r.label for r in runs]),
                               _pairs(spec, runs), strict=True):
        x, y = series_xy(run, s, idx if run.week == runs[0].week else None)
        traces.append({**style, "x": x, "y": y})
    lay = layout(spec, width, height, markers)
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
        self.size = (width, height)
        self.layout = layout(spec, width, height)
        self.widget = PlotlyView(layout=self.layout)
        self._labels: tuple[str, ...] = ()
        self._styles: list[dict[str, Any]] = []
        self._markers: tuple[Marker, ...] = ()

    def update(self, runs: Sequence[Run], max_points: int = MAX_POINTS,
               markers: Sequence[Marker] = ()) -> None:
        """Send the runs' latest (thinned) history and, in compare mode, the gap in the title;
        the timeline's events when they change."""
        if tuple(markers) != self._markers:
            self._markers = tuple(markers)
            self.layout = layout(self.spec, *self.size, self._markers)
            self.widget.plot_layout = {**self.layout, "title": self.widget.plot_layout["title"]}
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

    def update(self, runs: Sequence[Run], markers: Sequence[Marker] = ()) -> None:
        """Bring every chart up to date with the runs."""
        for chart in self.charts:
            chart.update(runs, markers=markers)


# --- many seeds: medians and bands ---------------------------------------------------------------
BAND_ALPHA = (0.12, 0.28)  # the 90% band, the 50% band
RUN_DASH = ("solid", "dash")  # run A, run B


def band_traces(spec: ChartSpec, results: Results, max_points: int = MAX_POINTS
                ) -> list[dict[str, Any]]:
    """For each series and run set: the 90% band, the 50% band and the median line (run
    B's dashed); only the median is in the legend, once per series."""
    from sim.paired import band

    steps = results.plan.steps
    idx = thinned(steps, max_points)
    x = (np.arange(1, steps + 1) / WEEKS_PER_YEAR)[idx]
    xs = np.round(np.concatenate([x, x[::-1]]), 4).tolist()
    compare = len(results.plan.sets) > 1
    traces: list[dict[str, Any]] = []
    for s in spec.series:
        for k, run_set in enumerate(results.plan.sets):
            spread = band(windowed(results.matrix(k, s.measure), s))
            run = run_set.label.split(" · ")[0]
            name = f"{s.label} ({run})" if compare else s.label
            for (low, high), alpha in zip((spread.wide, spread.narrow), BAND_ALPHA, strict=True):
                ys = np.concatenate([low[idx], high[idx][::-1]])
                traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": jsonable(ys),
                               "yaxis": s.axis, "fill": "toself", "hoverinfo": "skip",
                               "fillcolor": _rgba(s.color, alpha / (1 + 0.5 * k)),
                               "line": {"width": 0}, "showlegend": False,
                               "legendgroup": s.measure, "name": f"{name} band"})
            traces.append({"type": "scatter", "mode": "lines", "x": np.round(x, 4).tolist(),
                           "y": jsonable(spread.median[idx]), "yaxis": s.axis, "name": name,
                           "legendgroup": s.measure, "showlegend": k == 0 or not compare,
                           "hovertemplate": "%{y:.3~g}",
                           "line": {"color": s.color, "width": 2, "dash": RUN_DASH[k]}})
    return traces


def band_title(spec: ChartSpec, results: Results) -> dict:
    """The chart's title, with how many seeds it summarizes."""
    heading = title(spec, ())
    n = len(results.plan.seeds)
    heading["subtitle"] = {"text": f"median, 50% and 90% bands over {n} seeds",
                           "font": {"size": 11}}
    return heading


def band_figure(spec: ChartSpec, results: Results, markers: Sequence[Marker] = (),
                width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> go.Figure:
    """A static figure of a chart's bands (the board report)."""
    lay = layout(spec, width, height, markers)
    lay["title"] = band_title(spec, results)
    lay.pop("uirevision", None)
    return go.Figure(data=band_traces(spec, results), layout=lay)


class BandBoard:
    """The charts of many seeds: each run set's median and bands, and the events."""

    def __init__(self, specs: Sequence[ChartSpec] = CHARTS) -> None:
        self.specs = tuple(specs)
        self.widgets = [PlotlyView(layout=layout(spec)) for spec in specs]

    def show(self, results: Results, markers: Sequence[Marker] = ()) -> None:
        """Draw the bands of these results."""
        for spec, widget in zip(self.specs, self.widgets, strict=True):
            lay = layout(spec, markers=markers)
            lay["title"] = band_title(spec, results)
            lay["uirevision"] = f"bands-{spec.key}"
            with widget.hold_sync():
                widget.plot_layout = lay
                widget.traces = band_traces(spec, results)


#: Every measure the charts show (what a batch of many seeds keeps week by week).
CHART_MEASURES = tuple(sorted({s.measure for spec in CHARTS for s in spec.series}))
