"""Lessons: a self-contained HTML handout for one scenario, for a class or a workshop.

The handout follows the NetLogo Info tab (what it is, how it works, things to notice,
things to try, sources), shows what the scenario changes from `baseline` and why, charts
the scenario against the one it is compared with (median and interquartile band over
seeds) on the measures that matter for its idea, and reports each stated claim with its
test statistic and whether it held in these runs. plotly.js is embedded, so the file works
offline.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import claims as claimlib
from sim import scenario as scenarios
from sim.clock import WEEKS_PER_YEAR
from sim.files import atomic_write, package_version
from sim.measures import MEASURES
from sim.params import PARAMS
from sim.scenario import NARRATIVE_SECTIONS, Scenario

DEFAULT_SEEDS = 10
BAND = (25, 75)  # percentiles of the band drawn around the median
#: Charts when a scenario names no key measures and states no claims.
DEFAULT_CHARTS = ("engagement_mean", "trust_employee_manager", "customer_satisfaction",
                  "profit")
#: Measures shown in the lesson's table of outcomes besides the charted ones.
TABLE_MEASURES = ("engagement_mean", "engaged_share", "actively_disengaged_share",
                  "trust_employee_manager", "trust_peer", "trust_customer_firm",
                  "customer_satisfaction", "customers", "reopen_rate", "knowledge",
                  "annual_quit_rate", "profit", "budget_cut", "behavioural_alignment")
COLOURS = ("#1f5fa8", "#c0502b", "#4d8b31")


def measure_doc(measure: str) -> str:
    """One line saying what a measure is (its declaration's doc)."""
    from sim.measures import MEASURES

    declared = MEASURES.get(measure)
    return declared.doc if declared is not None else measure.replace("_", " ")


@dataclass
class LessonData:
    """Everything a handout shows: the scenarios, their runs and the claims' verdicts."""

    spec: Scenario
    other: Scenario | None
    seeds: tuple[int, ...]
    steps: int
    frames: dict[tuple[str, int], pd.DataFrame]
    verdicts: list[claimlib.Verdict]
    charts: tuple[str, ...]


def gather(name: str, seeds: int = DEFAULT_SEEDS, workers: int | None = None,
           progress: bool = False, results: str | Path | None = None, fresh: bool = False,
           announce: Callable[[str], None] | None = None) -> LessonData:
    """Run the scenario, the one it is compared with and those its claims name, over `seeds`
    paired seeds, and judge its claims on those runs (with `results`, a folder, reusing the
    runs kept there)."""
    spec = scenarios.load(name)
    other = scenarios.load(spec.compare_with) if spec.compare_with else None
    seed_list = tuple(range(seeds))
    charts = spec.key_measures() or DEFAULT_CHARTS
    needed: dict[tuple[str, int], int] = {}
    for s in seed_list:
        needed[(spec.name, s)] = spec.steps
        if other is not None:
            needed[(other.name, s)] = max(needed.get((other.name, s), 0), spec.steps)
        for claim in spec.claims:
            for who in (claim.scenario, claim.than):
                needed[(who, s)] = max(needed.get((who, s), 0), claim.steps)
    columns = claimlib.columns_for((*charts, *TABLE_MEASURES, *(c.measure for c in spec.claims)))
    frames = claimlib.run_many(needed, workers, columns, progress, desc=f"lesson {spec.name}",
                               results=results, fresh=fresh, announce=announce)
    verdicts = [claimlib.evaluate(c, frames, seed_list) for c in spec.claims]
    return LessonData(spec, other, seed_list, spec.steps, frames, verdicts, tuple(charts))


def write(name: str, out: str | Path | None = None, seeds: int = DEFAULT_SEEDS,
          workers: int | None = None, progress: bool = False,
          results: str | Path | None = None, fresh: bool = False,
          announce: Callable[[str], None] | None = None) -> Path:
    """Build the handout of scenario `name` and write it (default results/lessons/NAME.html),
    its runs kept in `results` (a folder) for the next time."""
    data = gather(name, seeds, workers, progress, results, fresh, announce)
    path = Path(out) if out else Path("results/lessons") / f"{data.spec.name}.html"
    command = f"aligned lesson {data.spec.name} --seeds {seeds}"
    atomic_write(path, render(data, command).encode("utf-8"))
    return path


# --- rendering ---------------------------------------------------------------------------
def render(data: LessonData, command: str = "") -> str:
    """The handout as one HTML document with plotly.js inline."""
    from plotly.offline import get_plotlyjs

    spec, other = data.spec, data.other
    title = html.escape(spec.title or spec.name)
    parts = [f"<h1>{title}</h1>",
             f'<p class="lede">{_inline(spec.description)}</p>' if spec.description else "",
             _runs_note(data)]
    for key, heading in NARRATIVE_SECTIONS[:3]:
        parts.append(_section(heading, spec.narrative.get(key, "")))
    parts.append(_changes(spec, other))
    parts.append(_claims_section(data))
    parts.append(_charts_section(data))
    parts.append(_outcomes_table(data))
    for key, heading in NARRATIVE_SECTIONS[3:]:
        parts.append(_section(heading, spec.narrative.get(key, "")))
    parts.append(_footer(data, command))
    body = "\n".join(p for p in parts if p)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title} — Aligned lesson</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{STYLE}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; color: #222; background: #fff;
       line-height: 1.5; margin: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1.2rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin-bottom: 0.3rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem;
     margin-top: 2rem; }
.lede { font-size: 1.08rem; }
.note, footer { color: #555; font-size: 0.9rem; }
code { font-family: Menlo, Consolas, monospace; font-size: 0.88em; background: #f3f3f3;
       padding: 0 0.2em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0.6rem 0; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #e2e2e2;
         vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.held { color: #2d6a1f; font-weight: bold; }
.open { color: #8a6d00; }
.failed { color: #a12a12; font-weight: bold; }
.chart { page-break-inside: avoid; break-inside: avoid; margin: 0.8rem 0 1.2rem; }
.chart p { margin: 0.1rem 0; font-size: 0.9rem; color: #444; }
@media print { main { max-width: none; } h2 { page-break-after: avoid; } }
"""


def _inline(text: str) -> str:
    """Escape text and turn `code` spans into <code>."""
    escaped = html.escape(" ".join(text.split()))
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*([^*\s][^*]*)\*", r"<em>\1</em>", escaped)


def _blocks(text: str) -> str:
    """Paragraphs (blank-line separated) and '- ' bullet lists as HTML."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in block.strip().splitlines()]
        if lines and lines[0].startswith("- "):
            items: list[str] = []
            for ln in lines:
                if ln.startswith("- "):
                    items.append(ln[2:])
                elif items:
                    items[-1] += " " + ln
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        elif lines:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "\n".join(out)


def _section(heading: str, text: str) -> str:
    if not text.strip():
        return ""
    return f"<h2>{html.escape(heading)}</h2>\n{_blocks(text)}"


def _runs_note(data: LessonData) -> str:
    other = data.other
    against = (f" against <strong>{html.escape(other.name)}</strong> "
               f"({html.escape(other.title)})" if other else "")
    return (f'<p class="note">Scenario <strong>{html.escape(data.spec.name)}</strong>{against}: '
            f"{len(data.seeds)} paired runs (seeds {data.seeds[0]}–{data.seeds[-1]}) of "
            f"{data.steps} weeks ({data.steps / WEEKS_PER_YEAR:g} years). Charts show the median "
            f"over seeds and the band from the {BAND[0]}th to the {BAND[1]}th percentile.</p>")


def param_reasons(spec: Scenario) -> dict[str, str]:
    """The comment the file gives for each parameter it sets in [params]: the comment block
    above the group of lines it belongs to (a blank line ends a group) and any comment at
    the end of its line. TOML keeps no comments, so they are read from the text."""
    if spec.path is None or not spec.path.is_file():
        return {}
    reasons: dict[str, str] = {}
    block: list[str] = []
    in_params = after_key = False
    for raw in spec.path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("["):
            in_params, block, after_key = line == "[params]", [], False
            continue
        if not in_params:
            continue
        if not line:
            block, after_key = [], False
        elif line.startswith("#"):
            if after_key:  # a new comment after keys starts a new group
                block, after_key = [], False
            block.append(line.lstrip("#").strip())
        elif match := re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[^#]*(#(.*))?$", line):
            notes = [*block, (match.group(3) or "").strip()]
            reasons[match.group(1)] = " ".join(n for n in notes if n)
            after_key = True
    return reasons


def _changes(spec: Scenario, other: Scenario | None) -> str:
    """What the scenario (and its comparison) set differently from baseline, and why: every
    effective difference, with the comment of the file in its `extends` chain that set it."""
    rows = []
    for who in (spec, other):
        if who is None or (who is other and who.name == "baseline"):
            continue
        reference, against = _reference(who)
        for key, (value, reason) in differences(who, reference).items():
            rows.append(
                f"<tr><td>{html.escape(who.name)}</td><td><code>{key}</code></td>"
                f"<td class=\"num\">{html.escape(_fmt_value(value))}</td>"
                f"<td class=\"num\">{html.escape(_fmt_value(reference[key]))}</td>"
                f"<td>{html.escape(PARAMS[key].doc)}"
                + (f"<br><em>Why:</em> {_inline(reason)}" if reason else "")
                + "</td></tr>")
    if not rows:
        return ""
    _, against = _reference(spec)
    return ("<h2>What this scenario changes</h2>\n<p>Everything else is as in "
            f"{against} (<code>aligned params</code> lists every parameter).</p>\n"
            "<table><tr><th>scenario</th><th>parameter</th><th class=\"num\">value</th>"
            f"<th class=\"num\">{'default' if spec.name == 'baseline' else 'baseline'}</th>"
            "<th>meaning</th></tr>\n" + "\n".join(rows) + "</table>")


def _reference(spec: Scenario) -> tuple[dict[str, Any], str]:
    """The parameters a scenario is read against: baseline's, or the declared defaults for
    baseline itself (and for a library without one)."""
    from sim.params import defaults

    if spec.name != "baseline" and "baseline" in scenarios.available():
        return {**defaults(), **scenarios.load("baseline").params}, "<code>baseline</code>"
    return defaults(), "the declared defaults"


def differences(spec: Scenario, reference: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each parameter whose value differs from `reference`, with the reason given by the file
    that set it (the scenario itself or the one it extends)."""
    reasons: dict[str, str] = {}
    current: Scenario | None = spec
    while current is not None:
        found = param_reasons(current)
        for key in current.own_params:
            reasons.setdefault(key, found.get(key, ""))
        current = scenarios.parent(current)
    return {key: (value, reasons.get(key, "")) for key, value in spec.params.items()
            if reference.get(key) != value}


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _claims_section(data: LessonData) -> str:
    if not data.verdicts:
        return ""
    rows = []
    for v in data.verdicts:
        c = v.claim
        css = {"held": "held", "not held": "failed", "inconclusive": "open"}[v.status]
        verdict = f'<span class="{css}">{v.status}</span>'
        why = f"<br><em>{_inline(c.why)}</em>" if c.why else ""
        if c.source:
            why += f"<br><small>expected by {html.escape(c.source)}</small>"
        rows.append(
            f"<tr><td><strong>{c.measure}</strong> {c.window_text} ({c.steps} weeks) is "
            f"<strong>{c.relation}</strong> than in <code>{c.than}</code> "
            f"{html.escape(c.effect_text)}{why}</td>"
            f"<td class=\"num\">{_fmt(np.median(v.values))}</td>"
            f"<td class=\"num\">{_fmt(np.median(v.others))}</td>"
            f"<td class=\"num\">{html.escape(v.effect_text)}<br><small>(claimed: "
            f"{html.escape(v.needed_text)})</small></td>"
            f"<td class=\"num\">{v.pvalue:.2g}</td><td>{verdict}</td></tr>")
    n = len(data.seeds)
    return (
        "<h2>What is expected, and whether the model shows it</h2>\n"
        "<p>Each claim states what the essays or the research expect, and compares two "
        f"scenarios seed by seed over {n} paired runs. It holds when a one-sided paired "
        f"Wilcoxon signed-rank test gives p &lt; {claimlib.ALPHA:g} and the median paired "
        "difference reaches the stated effect (relative effects are taken against the other "
        "scenario's median); it is inconclusive when so few seeds cannot reach that p at all "
        "(fewer than 7). A claim that does not hold is a finding about the model, not a "
        "mistake in the lesson.</p>\n"
        "<table><tr><th>claim</th><th class=\"num\">this scenario</th><th class=\"num\">"
        "compared</th><th class=\"num\">change</th><th class=\"num\">p</th><th>verdict</th>"
        "</tr>\n" + "\n".join(rows) + "</table>")


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return str(value)
    if abs(value) < 1e-9:  # a budget cut of 1e-22 is no cut
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _series(data: LessonData, name: str, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Weekly (or, for the annual rates, rolling-year) values of a measure, seeds × weeks."""
    cols = []
    for s in data.seeds:
        frame = data.frames[(name, s)].iloc[: data.steps]
        rate_of = MEASURES[measure].rate_of
        if rate_of:
            events, stock = rate_of
            year = frame[events].rolling(WEEKS_PER_YEAR, min_periods=1)
            values = year.sum() * WEEKS_PER_YEAR / year.count() / frame[stock].clip(lower=1)
            cols.append(values.to_numpy(dtype=float))
        else:
            cols.append(frame[measure].to_numpy(dtype=float))
    matrix = np.vstack(cols)
    weeks = np.arange(1, matrix.shape[1] + 1)
    return weeks, matrix


def _chart(data: LessonData, measure: str, index: int) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    names = [data.spec.name] + ([data.other.name] if data.other else [])
    for k, name in enumerate(names):
        weeks, matrix = _series(data, name, measure)
        years = weeks / WEEKS_PER_YEAR
        low, mid, high = np.percentile(matrix, [BAND[0], 50, BAND[1]], axis=0)
        colour = COLOURS[k % len(COLOURS)]
        fig.add_trace(go.Scatter(x=np.concatenate([years, years[::-1]]),
                                 y=np.concatenate([high, low[::-1]]), fill="toself",
                                 fillcolor=_rgba(colour, 0.18), line={"width": 0},
                                 hoverinfo="skip", showlegend=False, legendgroup=name))
        fig.add_trace(go.Scatter(x=years, y=mid, name=name, legendgroup=name,
                                 line={"color": colour, "width": 2},
                                 hovertemplate="year %{x:.1f}: %{y:.3g}<extra>" + name
                                 + "</extra>"))
    fig.update_layout(title={"text": measure, "x": 0.0}, height=320,
                      margin={"l": 55, "r": 15, "t": 40, "b": 40}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.18}, xaxis_title="years")
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{index}",
                      config={"displaylogo": False, "responsive": True})
    return (f'<div class="chart">{div}\n<p><code>{measure}</code>: '
            f"{html.escape(measure_doc(measure))}</p></div>")


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _charts_section(data: LessonData) -> str:
    charts = [_chart(data, m, i) for i, m in enumerate(data.charts)]
    return ("<h2>The scenario against its comparison</h2>\n"
            "<p>The measures that matter for this idea, week by week (rates over a rolling "
            "year). Lines are medians over seeds; bands span the middle half of the runs.</p>\n"
            + "\n".join(charts))


def _outcomes_table(data: LessonData) -> str:
    names = [data.spec.name] + ([data.other.name] if data.other else [])
    measures = list(dict.fromkeys((*data.charts, *TABLE_MEASURES)))
    head = "".join(f'<th class="num">{html.escape(n)}</th>' for n in names)
    rows = []
    for m in measures:
        cells = []
        for name in names:
            values = [claimlib.measure_value(claimlib.window(data.frames[(name, s)], "last_year",
                                                             data.steps), m)
                      for s in data.seeds]
            cells.append(f'<td class="num">{_fmt(float(np.median(values)))}</td>')
        rows.append(f"<tr><td><code>{m}</code></td>{''.join(cells)}</tr>")
    return ("<h2>Outcomes in the last year</h2>\n<p>Medians over seeds of the last year's "
            "means.</p>\n<table><tr><th>measure</th>" + head + "</tr>\n" + "\n".join(rows)
            + "</table>")


def _footer(data: LessonData, command: str) -> str:
    made = f"Made with <code>{html.escape(command)}</code> · " if command else ""
    return (f"<footer><hr><p>{made}Aligned {html.escape(package_version())}. The model, every "
            "mechanism and its sources: <code>docs/model.md</code>. Re-run any scenario with "
            f"<code>aligned run {html.escape(data.spec.name)} --seed N</code>.</p></footer>")
