"""A self-contained HTML report of a sweep's saved results (plotly, embedded inline so it
opens offline): outcome distributions with confidence intervals, phase diagrams of grid
sweeps over two factors, Sobol or Morris indices, and time-series bands across seeds.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import analysis
from sim.study import Results, Spec, count_runs, expand, load
from sim.study.spec import split_outcome

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939")
MAX_FAILURES_LISTED = 20

CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; margin-top: 2.5rem; }
.lede { color: #555; } .note { color: #666; font-size: 0.92rem; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.8rem 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
table.facts td { text-align: left; }
figure.plot { margin: 1rem 0 2rem; }
div.wide { overflow-x: auto; } table.means td { white-space: nowrap; }
.warn { color: #a33; }
"""


def _label(column: str) -> str:
    stat, measure = split_outcome(column)
    return f"{measure} ({stat.replace('_', ' ')})" if stat else column


def _figure(fig: Any, kind: str, title: str) -> str:
    """A plotly figure as an HTML block (the library itself is embedded once in <head>)."""
    fig.update_layout(title=title, template="plotly_white", margin={"t": 60, "r": 20},
                      height=fig.layout.height or 420)
    body = fig.to_html(full_html=False, include_plotlyjs=False,
                       config={"displaylogo": False, "responsive": True})
    return (f'<figure class="plot" data-kind="{kind}" data-title="{html.escape(title)}">'
            f"{body}</figure>")


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _group_label(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    if not by:
        return pd.Series("all runs", index=frame.index)
    if by == ["policy"]:
        return frame["policy"].astype(str)
    return frame[by].astype(str).agg(", ".join, axis=1).radd(f"{', '.join(by)} = ")


def _header(results: Results) -> str:
    spec, runs, meta = results.spec, results.runs, results.meta
    ok = int((runs["status"] == "ok").sum())
    failed = int((runs["status"] == "failed").sum())
    total = meta.get("runs_total", count_runs(spec))
    facts = [
        ("runs", f"{ok} ok, {failed} failed, of {total}"),
        ("design", _design_text(spec)),
        ("replications", f"{spec.replications} seed{'s' * (spec.replications != 1)} per point"
                         + (" (common random numbers)" if spec.common_random_numbers else "")),
        ("steps", f"{spec.steps} weeks"),
        ("base scenario", spec.scenario),
        ("sweep seed", str(spec.seed)),
        ("spec hash", meta.get("spec_hash", spec.hash)),
        ("version", str(meta.get("version", "?"))),
        ("started", str(meta.get("started", "?"))),
        ("finished", str(meta.get("finished", "?"))),
    ]
    held = {**spec.constants, **spec.held}
    if held:
        facts.append(("held", ", ".join(f"{k} = {v}" for k, v in held.items())))
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                   for k, v in facts)
    parts = [f"<h1>{html.escape(spec.title)}</h1>"]
    if spec.question:
        parts.append(f'<p class="lede"><b>Question.</b> {html.escape(spec.question)}</p>')
    if spec.description:
        parts.append(f'<p class="lede">{html.escape(spec.description)}</p>')
    if ok + failed < total or not meta.get("complete", True):
        parts.append(f'<p class="warn">This sweep is incomplete: {total - ok - failed} runs '
                     "have not run; `aligned sweep … --resume` finishes it.</p>")
    parts.append(f'<table class="facts">{rows}</table>')
    if failed:
        bad = runs[runs["status"] == "failed"].head(MAX_FAILURES_LISTED)
        items = "".join(f"<li>run {int(r.run_id)} (seed {int(r.seed)}): "
                        f"{html.escape(str(r.error))}</li>" for r in bad.itertuples())
        parts.append(f'<p class="warn">Failed runs (left out of every figure):</p><ul>{items}'
                     "</ul>")
    return "\n".join(parts)


def _design_text(spec: Spec) -> str:
    varied = ", ".join(
        f"{f.name} ({f.role}: " + (", ".join(map(str, f.values)) if not f.is_range
                                   else f"{f.low:g}..{f.high:g}") + ")" for f in spec.factors)
    parts = [spec.design + (f" n = {spec.n}" if spec.n else "")]
    if varied:
        parts.append(f"varied: {varied}")
    if spec.policies:
        parts.append(f"policies: {', '.join(spec.policies)}")
    return "; ".join(parts)


def distributions(results: Results) -> list[str]:
    """Per outcome, its distribution per group with the mean and its 95% interval."""
    import plotly.graph_objects as go

    spec, runs = results.spec, analysis.ok_runs(results.runs)
    by = analysis.group_columns(spec, runs)
    labels = _group_label(runs, by)
    order = list(dict.fromkeys(labels))
    blocks, table = [], {}
    for outcome in spec.scalar_outcomes:
        fig = go.Figure()
        for i, group in enumerate(order):
            values = runs.loc[labels == group, outcome]
            fig.add_trace(go.Box(y=values, name=group, boxpoints="all", jitter=0.4, pointpos=0,
                                 marker={"size": 3, "color": PALETTE[i % len(PALETTE)]},
                                 line={"width": 1}, showlegend=False))
        stats = [analysis.mean_ci(runs.loc[labels == g, outcome]) for g in order]
        means = np.array([s[0] for s in stats])
        fig.add_trace(go.Scatter(
            x=order, y=means, mode="markers", name="mean ± 95% CI",
            marker={"symbol": "diamond", "size": 10, "color": "black"},
            error_y={"type": "data", "array": [s[2] - s[0] for s in stats],
                     "arrayminus": [s[0] - s[1] for s in stats], "thickness": 2, "width": 8}))
        fig.update_layout(yaxis_title=_label(outcome), height=380,
                          legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"})
        across = f"by {', '.join(by)}" if by else "across all runs"
        blocks.append(_figure(fig, "distribution", f"{_label(outcome)} {across}"))
        table[outcome] = stats
    head = "".join(f"<th>{html.escape(group)}</th>" for group in order)
    body = ""
    for outcome, stats in table.items():
        cells = "".join(f"<td>{_fmt(mean)} [{_fmt(low)}, {_fmt(high)}]</td>"
                        for mean, low, high, _ in stats)
        body += f"<tr><td>{html.escape(_label(outcome))}</td>{cells}</tr>"
    summary = (f'<div class="wide"><table class="means"><tr><th>outcome</th>{head}</tr>'
               f"{body}</table></div>")
    intro = ('<p class="note">Each point is one run; the box spans the interquartile range; '
             "the diamond is the mean with its 95% Student-t confidence interval. The table "
             "gives mean [95% CI].</p>")
    return ["<h2>Outcomes</h2>", intro, summary, *blocks]


def wilson(survived: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a share (95% by default): sound at 0 and 1 and small n."""
    if n == 0:
        return (0.0, 1.0)
    share = survived / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def survival_curves(results: Results) -> list[str]:
    """Where firms fail: the share of runs still operating at the end against each numeric
    factor of a grid (per policy), with 95% Wilson intervals."""
    import plotly.graph_objects as go

    spec, runs = results.spec, analysis.ok_runs(results.runs)
    if "failed" not in runs or not runs["failed"].astype(bool).any():
        return []
    factors = [f.name for f in spec.crossed if f.name in runs
               and pd.api.types.is_numeric_dtype(runs[f.name]) and runs[f.name].nunique() >= 2]
    if not factors:
        return []
    blocks = ["<h2>Survival</h2>",
              '<p class="note">The share of runs whose firm is still operating at the end '
              "(its cash never fell below its credit line), with a 95% Wilson interval, at "
              "each value of the factor (other factors averaged over). A steep fall over a "
              "narrow range is a tipping point.</p>"]
    groups = runs.groupby("policy", sort=False) if spec.policies else [(None, runs)]
    for factor in factors:
        fig = go.Figure()
        for i, (policy, frame) in enumerate(groups):
            table = frame.groupby(factor)["failed"].agg(["sum", "count"]).sort_index()
            alive = (table["count"] - table["sum"]).to_numpy()
            n = table["count"].to_numpy()
            share = alive / n
            low, high = np.array([wilson(int(a), int(k)) for a, k in zip(alive, n,
                                                                          strict=True)]).T
            fig.add_trace(go.Scatter(
                x=table.index.to_numpy(), y=share, mode="lines+markers",
                name=str(policy) if policy is not None else "survival",
                line={"color": PALETTE[i % len(PALETTE)]},
                error_y={"type": "data", "symmetric": False, "array": high - share,
                         "arrayminus": share - low}))
        fig.update_layout(xaxis_title=factor, yaxis_title="share still operating",
                          yaxis_range=[-0.02, 1.02], height=420)
        blocks.append(_figure(fig, "survival", f"Survival against {factor}"))
    return blocks


def phase_factors(spec: Spec, runs: pd.DataFrame) -> tuple[str, str] | None:
    """The two numeric factors of a grid to draw a phase diagram over (levers first)."""
    if spec.design != "grid":
        return None
    numeric = [f for f in sorted(spec.crossed, key=lambda f: f.role != "levers")
               if f.name in runs and pd.api.types.is_numeric_dtype(runs[f.name])
               and runs[f.name].nunique() >= 2]
    if len(numeric) < 2:
        return None
    return numeric[0].name, numeric[1].name


def phase_diagrams(results: Results) -> list[str]:
    """Mean outcome over the two main grid factors, with contour lines (boundaries)."""
    import plotly.graph_objects as go

    spec, runs = results.spec, analysis.ok_runs(results.runs)
    factors = phase_factors(spec, runs)
    if factors is None:
        return []
    x, y = factors
    others = [f.name for f in spec.crossed if f.name not in factors]
    blocks = ["<h2>Phase diagrams</h2>",
              f'<p class="note">Mean over seeds on the grid of {x} × {y}'
              + (f", averaged over {', '.join(others)}" if others else "")
              + ". Contour lines mark equal outcome; where they crowd, the outcome changes "
              "fast: a boundary between regimes.</p>"]
    groups = runs.groupby("policy", sort=False) if spec.policies else [(None, runs)]
    for policy, frame in groups:
        for outcome in spec.scalar_outcomes:
            grid = analysis.grid_means(frame, x, y, outcome)
            fig = go.Figure(go.Contour(
                x=grid.columns.to_numpy(), y=grid.index.to_numpy(), z=grid.to_numpy(),
                colorscale="Viridis", line={"width": 1},
                contours={"coloring": "heatmap", "showlabels": True,
                          "labelfont": {"size": 10, "color": "white"}},
                colorbar={"title": {"text": split_outcome(outcome)[1], "side": "right"}}))
            fig.add_trace(go.Scatter(
                x=np.repeat(grid.columns.to_numpy(), len(grid.index)),
                y=np.tile(grid.index.to_numpy(), len(grid.columns)), mode="markers",
                marker={"size": 4, "color": "white", "line": {"width": 0.5}},
                name="grid point", showlegend=False, hoverinfo="skip"))
            fig.update_layout(xaxis_title=x, yaxis_title=y, height=460)
            title = _label(outcome) + (f" — {policy}" if policy is not None else "")
            blocks.append(_figure(fig, "phase", title))
    return blocks


def sensitivity(results: Results) -> list[str]:
    """Sobol first/total-order or Morris indices (SALib), or rank correlations for lhs."""
    import plotly.graph_objects as go

    spec, runs = results.spec, results.runs
    if spec.design == "lhs":
        names = [f.name for f in spec.sampled]
        fig = go.Figure()
        for i, outcome in enumerate(spec.scalar_outcomes):
            corr = analysis.rank_correlations(runs, names, outcome)
            fig.add_trace(go.Bar(x=names, y=corr.to_numpy(), name=_label(outcome),
                                 marker_color=PALETTE[i % len(PALETTE)]))
        fig.update_layout(barmode="group", yaxis_title="Spearman rank correlation",
                          yaxis_range=[-1, 1])
        return ["<h2>Sensitivity</h2>",
                '<p class="note">Latin hypercube: rank correlation of each outcome with each '
                "sampled parameter (a first look; a Sobol design gives variance shares).</p>",
                _figure(fig, "sensitivity", "Rank correlations")]
    if spec.design not in ("sobol", "morris"):
        return []
    design = expand(spec)
    blocks = ["<h2>Sensitivity</h2>"]
    if spec.design == "sobol":
        blocks.append('<p class="note">Sobol indices (SALib, Saltelli/Jansen estimators) of '
                      "each point's mean over seeds: S1 is the share of the outcome's variance "
                      "due to the parameter alone, ST includes all its interactions. Bars "
                      "show 95% bootstrap intervals; seed noise and a small n widen them.</p>")
    else:
        blocks.append('<p class="note">Morris elementary effects (SALib): μ* is the mean '
                      "absolute effect of a parameter (its importance), σ the spread of its "
                      "effects (non-linearity and interactions).</p>")
    for outcome in spec.scalar_outcomes:
        for label, found in analysis.sensitivity(spec, design, runs, outcome):
            title = _label(outcome) + (f" — {label}" if label != "all runs" else "")
            if isinstance(found, str):
                blocks.append(f'<p class="warn">{html.escape(title)}: {html.escape(found)}</p>')
                continue
            fig = go.Figure()
            if spec.design == "sobol":
                for column, color in (("S1", PALETTE[0]), ("ST", PALETTE[1])):
                    fig.add_trace(go.Bar(x=found.index, y=found[column], name=column,
                                         marker_color=color,
                                         error_y={"type": "data",
                                                  "array": found[f"{column}_conf"]}))
                fig.update_layout(barmode="group", yaxis_title="index")
            else:
                fig.add_trace(go.Bar(x=found.index, y=found["mu_star"], name="μ*",
                                     marker_color=PALETTE[0],
                                     error_y={"type": "data", "array": found["mu_star_conf"]}))
                fig.add_trace(go.Bar(x=found.index, y=found["sigma"], name="σ",
                                     marker_color=PALETTE[3]))
                fig.update_layout(barmode="group", yaxis_title=split_outcome(outcome)[1])
            blocks.append(_figure(fig, "sensitivity", title))
    return blocks


def timeseries_bands(results: Results) -> list[str]:
    """Median and interquartile band across seeds of each recorded measure, per group."""
    import plotly.graph_objects as go

    spec, series = results.spec, results.timeseries
    if series is None or not len(series):
        return []
    runs = analysis.ok_runs(results.runs)
    by = analysis.group_columns(spec, runs)
    labelled = runs.assign(group=_group_label(runs, by))
    blocks = ["<h2>Time series</h2>",
              '<p class="note">Line: median across runs; band: interquartile range '
              f"(recorded every {spec.record_every} week{'s' * (spec.record_every != 1)}).</p>"]
    for measure in spec.timeseries_measures:
        table = analysis.bands(series, labelled, measure, ["group"])
        fig = go.Figure()
        for i, (group, frame) in enumerate(table.groupby("group", sort=False)):
            color = PALETTE[i % len(PALETTE)]
            red, green, blue = (int(color[k:k + 2], 16) for k in (1, 3, 5))
            fig.add_trace(go.Scatter(x=frame["week"], y=frame["q75"], mode="lines",
                                     line={"width": 0}, showlegend=False, legendgroup=group,
                                     hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=frame["week"], y=frame["q25"], mode="lines",
                                     line={"width": 0}, fill="tonexty",
                                     fillcolor=f"rgba({red},{green},{blue},0.18)",
                                     showlegend=False, legendgroup=group, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=frame["week"], y=frame["median"], mode="lines",
                                     line={"color": color, "width": 2}, name=str(group),
                                     legendgroup=group))
        fig.update_layout(xaxis_title="week", yaxis_title=measure)
        blocks.append(_figure(fig, "timeseries", f"{measure} over time"))
    return blocks


def build(results: Results) -> str:
    """The report as one HTML document with plotly.js inline."""
    from plotly.offline import get_plotlyjs

    sections = [_header(results)]
    if not len(analysis.ok_runs(results.runs)):
        sections.append('<p class="warn">No run finished; nothing to plot.</p>')
    else:
        sections += distributions(results)
        sections += survival_curves(results)
        sections += phase_diagrams(results)
        sections += sensitivity(results)
        sections += timeseries_bands(results)
    body = "\n".join(sections)
    title = html.escape(f"{results.spec.title} — Aligned sweep report")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
            f"<body>\n{body}\n</body></html>\n")


def write(results_dir: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Read a results folder and write its report (default: DIR/report.html)."""
    from sim.files import atomic_write

    results = load(results_dir)
    path = Path(out) if out is not None else results.out / "report.html"
    atomic_write(path, build(results).encode("utf-8"))
    return path
