"""The report for the board: a many-seed comparison as one self-contained HTML file.

It says what was compared (each run set's scenario, every parameter it changes from the
scenario it extends, every event of its timeline), shows the charts as medians with 50%
and 90% bands over the seeds, the table of paired differences with their 90% intervals,
the narratives of the scenarios, and the command that runs the same comparison again
(with the scenario files it needs, inside the report). plotly.js is embedded, as in
`sim.lesson`, so the file opens offline.
"""

from __future__ import annotations

import html
import time
import urllib.parse
from collections.abc import Sequence

import numpy as np

from sim.clock import WEEKS_PER_YEAR
from sim.files import package_version
from sim.measures import MEASURES
from sim.paired import LEVEL, Results, paired_rows, single_rows
from sim.params import PARAMS
from sim.scenario import NARRATIVE_SECTIONS
from sim.viz.charts import CHARTS, ChartSpec, band_figure, event_markers
from sim.viz.setup import plain_value

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; color: #222; margin: 0;
       line-height: 1.45; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.2rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem;
     margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.2rem; }
.note { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.6rem 0; }
th, td { text-align: left; padding: 0.25rem 0.6rem; border-bottom: 1px solid #e2e2e2;
         vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.better, td.worse, td.unclear { white-space: nowrap; }
.better { color: #2e7d32; font-weight: bold; }
.worse { color: #c62828; font-weight: bold; }
.unclear { color: #777; }
code, pre { font-family: Menlo, Consolas, monospace; font-size: 0.85em; background: #f3f3f3; }
pre { padding: 0.6rem; overflow-x: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
@media print { main { max-width: none; } .chart { break-inside: avoid; } }
"""


def number(value: float) -> str:
    """A value for a table: thousands grouped when large, three significant digits else."""
    if not np.isfinite(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if value != 0 and abs(value) < 1e-9:
        return "0"
    return f"{value:.3g}"


def signed(value: float) -> str:
    """A difference, always with its sign."""
    text = number(value)
    return text if text.startswith(("-", "–")) or value == 0 else "+" + text


def render(results: Results, command: str, files: Sequence[tuple[str, str]] = (),
           specs: Sequence[ChartSpec] = CHARTS) -> str:
    """The report as one HTML document. `files` are (file name, text) of the scenario files
    the command needs; they are shown and can be saved from the report."""
    from plotly.offline import get_plotlyjs

    plan = results.plan
    labels = " against ".join(html.escape(s.label) for s in plan.sets)
    seeds = plan.seeds
    parts = [f"<h1>{labels}</h1>",
             f'<p class="note">{len(seeds)} seeds ({seeds[0]}–{seeds[-1]}, the same for each '
             f"run set) of {plan.steps} weeks ({plan.steps / WEEKS_PER_YEAR:.3g} years) each; "
             f"{plan.runs} runs in {results.seconds:.0f} s. Aligned {package_version()}, "
             f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(results.finished_at))}.</p>",
             _compared(results), _table(results), _failures(results),
             _charts(results, specs), _narratives(results), _reproduce(command, files)]
    body = "\n".join(p for p in parts if p)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Aligned: {labels}</title>\n<style>{STYLE}</style>\n"
            f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
            f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _compared(results: Results) -> str:
    out = ["<h2>What was compared</h2>"]
    for run_set in results.plan.sets:
        spec = run_set.scenario
        base = (f"extends <code>{html.escape(spec.extends)}</code>" if spec.extends
                else "the declared defaults")
        out.append(f"<h3>{html.escape(run_set.label)}: {html.escape(spec.title)}</h3>")
        out.append(f"<p>Scenario <code>{html.escape(spec.name)}</code>, {base}.</p>")
        if spec.description:
            out.append(f"<p>{html.escape(' '.join(spec.description.split()))}</p>")
        rows = "".join(
            f"<tr><td><code>{html.escape(k)}</code></td><td class=\"num\">"
            f"{html.escape(plain_value(v))}</td><td>{html.escape(PARAMS[k].doc)}</td></tr>"
            for k, v in spec.own_params.items())
        what = ("its own parameters" if spec.extends else "every parameter it sets")
        out.append(f"<p>{what.capitalize()}:</p><table><tr><th>parameter</th><th class=\"num\">"
                   f"value</th><th>meaning</th></tr>{rows}</table>" if rows
                   else f"<p>No parameter changed from {base.removeprefix('extends ')}.</p>")
        if spec.events:
            events = "".join(
                f"<tr><td class=\"num\">{e.week}</td><td>{e.week / WEEKS_PER_YEAR:.2f}</td><td>"
                + html.escape(", ".join(f"{k} = {plain_value(v)}" for k, v in e.set.items()))
                + f"</td><td>{html.escape(e.label)}</td></tr>" for e in spec.events)
            out.append("<p>Timeline (each change applies from its week on):</p><table><tr>"
                       "<th class=\"num\">week</th><th>year</th><th>changes</th><th>label</th>"
                       f"</tr>{events}</table>")
        else:
            out.append("<p>No events: the parameters hold for the whole run.</p>")
    return "\n".join(out)


def _measure_cell(measure: str) -> str:
    m = MEASURES[measure]
    return (f"<td title=\"{html.escape(m.doc)}\">{html.escape(m.label)}"
            f" <small>({html.escape(m.unit)})</small></td>")


def _table(results: Results) -> str:
    weeks = min(WEEKS_PER_YEAR, results.plan.steps)
    level = f"{LEVEL:.0%}"
    if len(results.plan.sets) == 1:
        rows = "".join(
            f"<tr>{_measure_cell(m)}<td class=\"num\">{number(mid)}</td>"
            f"<td class=\"num\">{number(lo)} … {number(hi)}</td></tr>"
            for m, mid, lo, hi in single_rows(results))
        return (f"<h2>Outcomes</h2><p>Mean of the last {weeks} weeks of each run; the median "
                f"over seeds and its {level} interval.</p><table><tr><th>measure</th>"
                f"<th class=\"num\">median</th><th class=\"num\">{level} interval</th></tr>"
                f"{rows}</table>")
    a, b = (s.label for s in results.plan.sets)
    rows = []
    for row in paired_rows(results):
        css, share = row.tone, row.share_text
        rows.append(
            f"<tr>{_measure_cell(row.measure)}<td class=\"num\">{number(row.a)}</td>"
            f"<td class=\"num\">{number(row.b)}</td><td class=\"num {css}\">{signed(row.diff)}"
            f"</td><td class=\"num\">{signed(row.low)} … {signed(row.high)}</td>"
            f"<td class=\"num\">{share}</td><td class=\"{css}\">{row.verdict}</td></tr>")
    return (
        "<h2>B − A, seed by seed</h2>"
        f"<p>Each measure is the mean of the last {weeks} weeks of a run. For each seed the "
        f"difference B − A is taken between the two runs on that seed; the table gives the "
        f"median of those differences, its {level} interval (distribution-free: the order "
        "statistics of a sign test; it needs at least 5 seeds), and the share of seeds in "
        "which B does better (which way is better is each measure's declaration). A difference "
        "is <strong>robust</strong> only when its interval excludes zero; green: B robustly "
        "better, red: robustly worse, grey: not robust.</p>"
        f"<table><tr><th>measure</th><th class=\"num\">A: {html.escape(a)}</th>"
        f"<th class=\"num\">B: {html.escape(b)}</th><th class=\"num\">B − A (median)</th>"
        f"<th class=\"num\">{level} interval</th><th class=\"num\">B better in</th>"
        "<th>verdict</th></tr>" + "".join(rows) + "</table>")


def _failures(results: Results) -> str:
    if not results.failed.any():
        return "<p class=\"note\">No firm failed in any run.</p>"
    parts = [f"{html.escape(s.label)}: {int(results.failed[k].sum())} of "
             f"{len(results.plan.seeds)} seeds" for k, s in enumerate(results.plan.sets)]
    return ("<p><strong>Firms that failed</strong> (cash below the credit line; their measures "
            "hold their last value afterwards): " + "; ".join(parts) + ".</p>")


def _charts(results: Results, specs: Sequence[ChartSpec]) -> str:
    markers = event_markers([s.events for s in results.plan.sets])
    divs = []
    for i, spec in enumerate(specs):
        fig = band_figure(spec, results, markers, width=560, height=340)
        divs.append('<div class="chart">' + fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"band-{i}",
            config={"displaylogo": False}) + "</div>")
    return ("<h2>Week by week</h2><p>Each line is a run set's median over the seeds (run B "
            "dashed); the darker band holds the middle half of the seeds, the lighter one 90% "
            "of them. Dotted vertical lines are the events of the timeline.</p>"
            f'<div class="charts">{"".join(divs)}</div>')


def _narratives(results: Results) -> str:
    out = []
    for run_set in results.plan.sets:
        spec = run_set.scenario
        sections = [(h, spec.narrative.get(k, "")) for k, h in NARRATIVE_SECTIONS]
        if not any(text for _, text in sections):
            continue
        out.append(f"<h3>{html.escape(run_set.label)}: {html.escape(spec.title)}</h3>")
        for heading, text in sections:
            if text.strip():
                paragraphs = "".join(f"<p>{html.escape(' '.join(block.split()))}</p>"
                                     for block in text.strip().split("\n\n"))
                out.append(f"<h4>{html.escape(heading)}</h4>{paragraphs}")
    return ("<h2>The scenarios</h2>" + "\n".join(out)) if out else ""


def _reproduce(command: str, files: Sequence[tuple[str, str]]) -> str:
    out = ["<h2>Run it again</h2>", f"<pre class=\"command\">{html.escape(command)}</pre>"]
    if files:
        out.append("<p>It reads these scenario files; save each under its name in the folder "
                   "the command runs in:</p>")
        for name, text in files:
            link = "data:text/plain;charset=utf-8," + urllib.parse.quote(text)
            out.append(f"<p><a download=\"{html.escape(name)}\" href=\"{link}\">"
                       f"{html.escape(name)}</a></p><pre>{html.escape(text)}</pre>")
    out.append("<p class=\"note\">Each run is determined by its parameters, events and seed: "
               "the same command gives the same numbers.</p>")
    return "\n".join(out)
