"""Export what the page shows: the charts as one standalone HTML page (plotly.js inside, so
it opens offline) or as PNG images (kaleido, through the system's Chromium), and the
runs' weekly data as CSV.
"""

from __future__ import annotations

import html
import io
import os
import shutil
import threading
import zipfile
from collections.abc import Sequence

import pandas as pd
import plotly.io as pio

from sim.runner import package_version
from sim.viz.charts import CHARTS, ChartSpec, event_markers, figure
from sim.viz.session import Run, Session

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PNG_SCALE = 2  # pixels per layout pixel: sharp enough for slides
_kaleido_lock = threading.Lock()
_kaleido_started = False


def file_stem(session: Session) -> str:
    """A file name that says what was run: scenario, comparison, seed and week."""
    name = session.scenario.name
    if session.comparison is not None:
        name += f"-vs-{session.comparison.target}"
    return f"aligned-{name}-seed{session.seed}-week{session.week}"


def runs_csv(session: Session) -> str:
    """Every measure of every run, one row per run and week (columns: run, week, measures)."""
    with session.lock:
        frames = [run.frame().reset_index().assign(run=run.label) for run in session.runs]
    data = pd.concat(frames, ignore_index=True)
    columns = ["run", "week"] + [c for c in data.columns if c not in ("run", "week")]
    return data[columns].to_csv(index=False)


def _figures(runs: Sequence[Run], specs: Sequence[ChartSpec]) -> list:
    markers = event_markers([run.events for run in runs])
    return [figure(spec, runs, width=640, height=380, markers=markers) for spec in specs]


def charts_html(session: Session, specs: Sequence[ChartSpec] = CHARTS) -> str:
    """One self-contained HTML page with every chart over the whole run (opens offline)."""
    with session.lock:
        figures = _figures(session.runs, specs)
        labels = [run.label for run in session.runs]
        week, changes = session.week, session.changes()
    spec = session.scenario
    parts = [pio.to_html(fig, include_plotlyjs=i == 0, full_html=False,
                         config={"displaylogo": False}) for i, fig in enumerate(figures)]
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
                   for k, v in sorted(changes.items()))
    changed = (f"<h3>Your changes to the scenario</h3><table>{rows}</table>" if rows else "")
    runs = " and ".join(html.escape(label) for label in labels)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Aligned: {html.escape(spec.title)}</title>
<style>body {{ font-family: sans-serif; margin: 24px; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 8px; }} td {{ padding: 2px 12px 2px 0; }}</style>
</head><body>
<h1>{html.escape(spec.title)}</h1>
<p>{html.escape(spec.description.strip())}</p>
<p>Runs: {runs}; seed {session.seed}; {week} weeks. Aligned {package_version()}.</p>
{changed}
<div class="charts">{"".join(f"<div>{p}</div>" for p in parts)}</div>
</body></html>
"""


def png_renderer() -> str | None:
    """The Chromium that kaleido drives for PNG export, or None if there is none."""
    path = os.environ.get("BROWSER_PATH")
    if path and os.path.exists(path):
        return path
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _start_kaleido() -> None:
    global _kaleido_started
    if _kaleido_started:
        return
    browser = png_renderer()
    if browser is None:
        raise RuntimeError("PNG export needs Chromium (e.g. `apt-get install chromium`); "
                           "the HTML export works without it")
    os.environ.setdefault("BROWSER_PATH", browser)
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    _kaleido_started = True


def charts_png_zip(session: Session, specs: Sequence[ChartSpec] = CHARTS) -> bytes:
    """A zip of one PNG per chart, over the whole run."""
    with session.lock:
        figures = _figures(session.runs, specs)
    buffer = io.BytesIO()
    with _kaleido_lock:
        _start_kaleido()
        images = [fig.to_image(format="png", scale=PNG_SCALE) for fig in figures]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (spec, image) in enumerate(zip(specs, images, strict=True), start=1):
            archive.writestr(f"{i:02d}-{spec.key}.png", image)
    return buffer.getvalue()
