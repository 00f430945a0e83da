"""The visualizer's page: pick a scenario, change its policies, play it, compare two schemes.

Built with plain Solara components rather than Mesa's `SolaraViz`: SolaraViz watches one
model, applies its parameters only on reset and has neither grouped controls with
tooltips nor a second run to compare with, which are what this page is for. The model is
still a Mesa model and its measures come from its Mesa `DataCollector`.

Each browser tab gets its own `Viewer` (its session, its widgets and its player). The
charts and the firm picture are plotly widgets made once per tab and updated in place;
only the view on screen is redrawn while playing.

Beside the live run, a page runs its set-up over many seeds in the background
(`sim.viz.seeds`) and shows medians and bands (the Seeds view), edits the timeline of
events, saves the set-up as a scenario file and keeps it in its address (`sim.viz.setup`),
and exports the many-seed comparison as the report for the board (`sim.viz.board`).
The calibration's posterior (parameter uncertainty beside luck) is not offered yet: there
is no posterior file to draw parameters from.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import reacton.ipyvuetify as rv
import solara

from sim.clock import WEEKS_PER_YEAR
from sim.errors import InputError
from sim.measures import MEASURES
from sim.params import GROUPS, PARAMS, SCHEME_NAMES, SIZE_PARAMS
from sim.scenario import NARRATIVE_SECTIONS, Event
from sim.viz import board, charts, controls, export, network, panels, setup
from sim.viz.frames import FrameSignal
from sim.viz.player import DEFAULT_SPEED, SPEEDS, Player
from sim.viz.seeds import DONE, SeedJob
from sim.viz.session import (
    DEFAULT_PAGE_SEEDS,
    DEFAULT_SCENARIO,
    MAX_PAGE_SEEDS,
    MAX_PAGE_WEEKS,
    MIN_PAGE_SEEDS,
    Comparison,
    Session,
    page_limit_text,
)
from sim.viz.upload import ScenarioUpload

SCENARIO_ENV = "ALIGNED_VIZ_SCENARIO"  # the scenario a new tab opens (set by `aligned viz`)
VIEWS = ("Charts", "Seeds", "Firm", "Story", "Export")
COMPARE_KINDS = ("scheme", "scenario")
SUMMARY_WEEKS = 13  # the compare table averages the last quarter
SUMMARY = (  # (chart key, series index) of the measures in the compare table
    ("trust", 0), ("customers", 0), ("customers", 1), ("engagement", 0), ("engagement", 2),
    ("service", 0), ("service", 1), ("finance", 0), ("finance", 1), ("people", 2),
    ("knowledge", 0), ("alignment", 0), ("alignment", 1),
)
HOW_TO_USE = (
    "Step advances one week; Play runs to the scenario's horizon at the chosen speed "
    "(weeks per second); Reset goes back to week 0. Parameters change the running firm at "
    "once, except the firm's size and the seed, which apply on Reset. Hover a parameter's "
    "name for what it means, its unit, range and default. Compare runs a second firm on the "
    "same seed under another incentive scheme or scenario: solid lines are run A, dashed "
    "lines run B, and the shaded band is the gap on the chart's headline measure. In the "
    "Firm view (teams, vacancies, leavers, project ties, and whether the firm failed), click "
    "a person to see their state. Open scenario file takes your own file "
    "(the format of the scenarios/ folder; drop it on the sidebar); it may extend a library "
    "scenario by name. The timeline schedules changes of parameters from a week on (run A's; run B "
    "keeps its own scenario's, or compared by scheme, A's without its changes of scheme); "
    "each is a dotted line on the charts, and changing it restarts at week 0. Run seeds runs "
    "the set-up over many seeds in the background (the live run goes on): the Seeds view "
    "shows each run's median with its 50% and 90% bands and, for each measure, the median "
    "of B − A seed by seed with its 90% interval; a difference is robust only when its "
    "interval excludes zero. Save as scenario downloads the set-up as a file that `aligned "
    "run` runs and this page opens; the page's address always holds the set-up, so a link "
    "reopens it (it never holds an access token). This page runs firms up to these limits: "
    f"{page_limit_text()}."
)
CSS = """
.aligned-charts, .aligned-band-charts { display: flex; flex-wrap: wrap; gap: 6px; }
.aligned-table td, .aligned-table th { padding: 1px 10px 1px 0; font-size: 13px; text-align: left; }
.aligned-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.aligned-better { color: #2e7d32; font-weight: bold; }
.aligned-worse { color: #c62828; font-weight: bold; }
.aligned-unclear { color: #777; }
.aligned-seed-table td { white-space: nowrap; }
.aligned-sidebar-title { font-size: 13px; font-weight: bold; margin: 4px 0; }
.aligned-event { font-size: 12px; display: flex; align-items: baseline; gap: 4px; }
.aligned-story p { margin-bottom: 6px; }
.aligned-story h3 { margin-top: 12px; font-size: 15px; letter-spacing: 0.04em; }
"""


def _closed_event() -> threading.Event:
    """Set when this tab's kernel closes (so a player left running stops with it)."""
    from solara.server import kernel_context

    if kernel_context.has_current_context():
        return kernel_context.get_current_context().closed_event
    return threading.Event()


def initial_scenario() -> str:
    """The scenario a new tab opens: `aligned viz SCENARIO`, else the baseline."""
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


class Viewer:
    """Everything one browser tab owns: its session, widgets, player and page state.

    What changes at every frame (charts, pictures, status line, tables) is set on widgets
    directly by `draw()`; Solara re-renders the page only when the user changes something.
    """

    def __init__(self, scenario_name: str, query: str = "") -> None:
        self.message = solara.reactive("")
        try:
            self.session = Session(scenario_name)
        except InputError as exc:
            self.message.value = f"{exc}; showing {DEFAULT_SCENARIO} instead"
            self.session = Session(DEFAULT_SCENARIO)
        self.seeds = solara.reactive(DEFAULT_PAGE_SEEDS)
        if query:
            opened = setup.open_link(self.session, query)
            self.seeds.value = opened.seeds
            if opened.errors:
                self.message.value = "\n".join(opened.errors)
        self.board = charts.ChartBoard()
        self.pictures = [network.FirmPicture(on_select=self._selector(i)) for i in range(2)]
        self.status = panels.StatusLine()
        self.compare_table = panels.Table(css_class="aligned-compare-table")
        self.inspector = panels.Table(css_class="aligned-inspector")
        self.skills = panels.Table(css_class="aligned-skills")
        self.signal = FrameSignal()
        self._closed = _closed_event()
        self.player = Player(self.session, self.draw, self.signal.wait_drawn, self._stopped,
                             alive=lambda: not self._closed.is_set())
        self.revision = solara.reactive(0)  # bumped when the runs are rebuilt: every panel
        self.edits = solara.reactive(0)  # bumped when a parameter changes: the controls only
        self.playing = solara.reactive(False)
        self.view = solara.reactive(VIEWS[0])
        self.speed = solara.reactive(DEFAULT_SPEED)
        # many seeds: the batch in the background, its progress, and the last results
        self.job: SeedJob | None = None
        self.seeds_running = solara.reactive(False)
        self.seeds_done = solara.reactive(0)  # bumped when a batch's results arrive
        self.progress = panels.Progress()
        self.bands = charts.BandBoard()
        self.seed_table = panels.Table(css_class="aligned-seed-table")
        self.seed_results: tuple[setup.Setup, Any, str] | None = None  # setup, results, key
        self.address = panels.AddressBar()
        # plain attributes, read by the player's thread; no reactive value is read here, as
        # this runs while the page renders and reading one would tie the page to it
        self.shown = VIEWS[0]
        self.selected: tuple[int, int] | None = None
        self.update_address()
        self.update_view()

    # --- drawing -------------------------------------------------------------------------
    def draw(self) -> None:
        """Update what is on screen from the runs, then tell the page a frame is due."""
        self.update_view()
        self.signal.sent()

    def update_view(self) -> None:
        """Bring the status line and the view on screen up to date with the runs."""
        session = self.session
        with session.lock:
            runs = list(session.runs)
            self._update_status(runs)
            if self.shown == "Charts":
                self.board.update(runs, markers=charts.event_markers([r.events for r in runs]))
                self._update_compare_table(runs)
            elif self.shown == "Firm":
                for picture, run in zip(self.pictures, runs, strict=False):
                    picture.show(run)
                self._update_inspector(runs)

    def _update_status(self, runs: list) -> None:
        session, player = self.session, self.player
        week = session.week
        labels = " vs ".join(run.label for run in runs)
        stats = ""
        if player.playing and player.frames:
            stats = (f"{player.weeks_per_second():.1f} weeks/s · model "
                     f"{player.model_ms_per_week():.1f} ms/week · view "
                     f"{player.draw_ms_per_frame():.0f} ms/frame")
        failed = "".join(f" · {run.label} failed in week {run.model.finance.failed_week}"
                         for run in runs if run.model.failed)
        with self.status.hold_sync():
            self.status.week = week
            self.status.line = (f"year {week / 52:.1f} of {session.horizon / 52:.0f} · seed "
                                f"{session.seed} · {labels}{failed}")
            self.status.stats = stats

    def _update_compare_table(self, runs: list) -> None:
        if len(runs) < 2 or not runs[0].week:
            self.compare_table.clear()
            return
        rows = []
        for key, index in SUMMARY:
            series = charts.CHARTS_BY_KEY[key].series[index]
            a, b = (float(np.mean(charts.values(run, series)[-SUMMARY_WEEKS:])) for run in runs)
            gap = b - a
            cls = "num"
            if series.better and abs(gap) > 1e-9 * max(abs(a), abs(b), 1):
                cls += " aligned-better" if gap * series.better > 0 else " aligned-worse"
            rows.append([series.label, (_number(a), "num"), (_number(b), "num"),
                         (("+" if gap > 0 else "") + _number(gap), cls)])
        head = [f"mean of the last {SUMMARY_WEEKS} weeks", runs[0].label, runs[1].label, "B − A"]
        self.compare_table.show(rows, head, note="Green: B does better on that measure; red: "
                                "worse. Charts: solid = A, dashed = B, shading = the gap.")

    def _update_inspector(self, runs: list) -> None:
        if self.selected is None or self.selected[0] >= len(runs):
            self.inspector.clear("Click a person in the picture to see their state.")
            self.skills.clear()
            return
        index, row = self.selected
        run = runs[index]
        if row >= run.model.employees.n:
            self.inspector.clear()
            self.skills.clear()
            return
        state = network.employee_state(run, row)
        flat = [[key, (f"{v:.3f}" if isinstance(v, float) else str(v), "num")]
                for key, v in state.items() if not isinstance(v, dict)]
        self.inspector.show(flat, title=f"Employee {row} ({run.label})")
        tables = [k for k, v in state.items() if isinstance(v, dict) and k != "effort split"]
        if not tables:
            self.skills.clear()
            return
        functions = list(state[tables[0]])
        rows = [[k, *[(f"{state[k][f]:.2f}", "num") for f in functions]] for k in tables]
        split = ", ".join(f"{t} {v:.0%}" for t, v in state["effort split"].items())
        self.skills.show(rows, ["", *functions], note=f"effort split: {split}")

    def _selector(self, run_index: int) -> Callable[[int], None]:
        def select(row: int) -> None:
            self.selected = (run_index, row)
            for i, picture in enumerate(self.pictures):
                picture.select(row if i == run_index else None)
            with self.session.lock:
                self._update_inspector(list(self.session.runs))

        return select

    def _stopped(self) -> None:
        self.playing.value = False
        if self.player.error is not None:
            self.message.value = f"playing stopped: {self.player.error}"
        self.update_view()  # the status line drops the playing speed

    # --- actions -----------------------------------------------------------------------
    def act(self, action: Callable[[], Any], structure: bool = False) -> None:
        """Run a user action; an `InputError` becomes the page's message line."""
        try:
            action()
        except InputError as exc:
            self.message.value = str(exc)
            return
        self.message.value = ""
        if structure:
            self.revision.value += 1
        self.update_address()
        self.draw()

    def update_address(self) -> None:
        """Put the set-up in the page's address (and the link to share)."""
        self.address.query = setup.link_query(self.session, self.seeds.value)

    def setup_key(self) -> str:
        """What the set-up is now (to tell whether seeds that ran are still its own)."""
        return f"{setup.link_query(self.session, DEFAULT_PAGE_SEEDS)}&weeks={self.session.horizon}"

    # --- many seeds ----------------------------------------------------------------------
    def set_seed_count(self, text: str) -> None:
        """The number of seeds Run seeds runs."""
        try:
            count = int(str(text).strip())
        except ValueError:
            count = None
        if count is None or not MIN_PAGE_SEEDS <= count <= MAX_PAGE_SEEDS:
            self.message.value = (f"seeds to run = {text!r} is not allowed; expected an "
                                  f"integer in [{MIN_PAGE_SEEDS}, {MAX_PAGE_SEEDS}]")
            return
        self.message.value = ""
        self.seeds.value = count
        self.update_address()

    def run_seeds(self) -> None:
        """Run the set-up over the chosen number of seeds in the background."""
        if self.job is not None and self.job.active:
            return
        try:
            batch = setup.run_sets(self.session, self.seeds.value)
        except InputError as exc:
            self.message.value = str(exc)
            return
        self.message.value = ""
        key = self.setup_key()
        self.job = SeedJob(batch, charts.CHART_MEASURES,
                           on_change=lambda job: self._seeds_changed(job, key),
                           alive=lambda: not self._closed.is_set())
        self.seeds_running.value = True
        self._seeds_changed(self.job, key)
        self.job.start()

    def cancel_seeds(self) -> None:
        """Stop the batch of seeds (nothing of it is kept)."""
        if self.job is not None:
            self.job.cancel()

    def _seeds_changed(self, job: SeedJob, key: str) -> None:
        """The batch moved on (called from its thread): progress, and at the end its results."""
        with self.progress.hold_sync():
            self.progress.total, self.progress.done = job.total, job.done
            self.progress.text, self.progress.state = job.text(), job.state
        if job.active:
            return
        if job.state == DONE and job.results is not None:
            self.seed_results = (job.setup, job.results, key)
            self.update_seeds()
            self.seeds_done.value += 1
            self.shown = "Seeds"
            self.view.value = "Seeds"
        self.seeds_running.value = False

    def update_seeds(self) -> None:
        """Draw the last batch's bands and table."""
        if self.seed_results is None:
            return
        batch, results, _ = self.seed_results
        self.bands.show(results, charts.event_markers([s.events for s in batch.sets]))
        self._update_seed_table(results)

    def _update_seed_table(self, results: Any) -> None:
        from sim.paired import LEVEL, paired_rows, single_rows

        weeks = min(WEEKS_PER_YEAR, results.plan.steps)
        n = len(results.plan.seeds)
        level = f"{LEVEL:.0%}"
        if len(results.plan.sets) == 1:
            rows = [[MEASURES[m].label, (_number(mid), "num"),
                     (f"{_number(lo)} … {_number(hi)}", "num aligned-interval")]
                    for m, mid, lo, hi in single_rows(results)]
            self.seed_table.show(rows, [f"mean of the last {weeks} weeks", "median",
                                        f"{level} interval"],
                                 title=f"{n} seeds of {results.plan.sets[0].label}")
            return
        rows = []
        for row in paired_rows(results):
            cls, share = f"aligned-{row.tone}", row.share_text
            rows.append([MEASURES[row.measure].label, (_number(row.a), "num"),
                         (_number(row.b), "num"), (_signed(row.diff), f"num {cls}"),
                         (f"{_signed(row.low)} … {_signed(row.high)}", "num aligned-interval"),
                         (share, "num"), (row.verdict, cls)])
        a, b = (s.label for s in results.plan.sets)
        self.seed_table.show(
            rows, [f"mean of the last {weeks} weeks", f"median {a}", f"median {b}",
                   "B − A (median)", f"{level} interval", "B better in", ""],
            title=f"B − A over {n} paired seeds",
            note=f"For each seed, B − A between the two runs on it; the median of those "
            f"differences with its {level} interval. Robust only when the interval excludes "
            "zero: green, B robustly better; red, robustly worse; grey, not robust.")

    def board_report(self) -> str:
        """The report for the board of the last batch (one self-contained HTML file)."""
        assert self.seed_results is not None
        batch, results, _ = self.seed_results
        files = [(f.filename, f.text) for f in batch.files if f is not None]
        return board.render(results, setup.command(batch, board_filename(batch)), files)

    # --- the timeline --------------------------------------------------------------------
    def save_event(self, index: int | None, event: Event) -> None:
        """Add an event (index None) or replace one; restarts the runs."""
        self.pause()
        if index is None:
            self.act(lambda: self.session.add_event(event), structure=True)
        else:
            self.act(lambda: self.session.replace_event(index, event), structure=True)

    def remove_event(self, index: int) -> None:
        """Remove an event; restarts the runs."""
        self.pause()
        self.act(lambda: self.session.remove_event(index), structure=True)

    def step(self, weeks: int = 1) -> None:
        """Advance every run, and show what it cost on the server (model, then view)."""
        start = time.perf_counter()
        try:
            self.session.step(weeks)
        except InputError as exc:  # the page's limit of weeks
            self.message.value = str(exc)
            return
        stepped = time.perf_counter()
        self.draw()
        drawn = time.perf_counter()
        self.status.timing = (f"last step: model {1000 * (stepped - start):.0f} ms + "
                              f"view {1000 * (drawn - stepped):.0f} ms")

    def toggle_play(self) -> None:
        """Play to the horizon (or on, past it), or pause."""
        if self.player.playing and self.playing.value:
            self.pause()
            return
        session = self.session
        self.player.speed = self.speed.value
        self.player.play(until=session.horizon if session.week < session.horizon
                         else MAX_PAGE_WEEKS)
        self.playing.value = True

    def pause(self) -> None:
        """Stop playing (structural changes pause first)."""
        self.player.pause(wait=False)
        self.playing.value = False

    def reset(self) -> None:
        """Back to week 0 with the current parameters and seed."""
        self.pause()
        self.act(self.session.reset, structure=True)

    def load_scenario(self, name: str) -> None:
        """Switch scenario."""
        self.pause()
        self.act(lambda: self.session.load_scenario(name), structure=True)

    def upload(self, filename: str, data: bytes) -> None:
        """Open a scenario file the user uploaded (it joins the scenario picker)."""
        self.pause()
        self.act(lambda: self.session.upload(filename, data), structure=True)

    def show_error(self, text: str) -> None:
        """Show a line on the page's message bar."""
        self.message.value = text

    def set_param(self, name: str, value: Any) -> str | None:
        """Change a parameter; returns the error line if the value is refused."""
        try:
            self.session.set_param(name, value)
        except InputError as exc:
            return str(exc)
        self.edits.value += 1
        self.update_address()
        return None

    def set_comparison(self, comparison: Comparison | None) -> None:
        """Turn compare mode on or off, or change what B is."""
        self.pause()
        self.act(lambda: self.session.set_comparison(comparison), structure=True)

    def show(self, view: str) -> None:
        """Switch the main view and bring it up to date."""
        self.shown = view
        self.view.value = view
        self.draw()

    def close(self) -> None:
        """Stop the player and any batch of seeds when the tab goes away."""
        self.player.pause(wait=False)
        self.cancel_seeds()


def board_filename(plan: setup.Setup) -> str:
    """The file name of a batch's report for the board."""
    names = "-vs-".join(s.scenario.name for s in plan.sets)
    return f"aligned-{names}-{len(plan.seeds)}-seeds.html"


# --- small pieces ----------------------------------------------------------------------
def _text(tag: str, text: str, cls: str = "", style: str = "") -> None:
    rv.Html(tag=tag, children=[text], class_=cls, style_=style)


def _paragraphs(text: str) -> None:
    for block in text.strip().split("\n\n"):
        _text("p", " ".join(block.split()))


def _number(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3f}"


def _signed(value: float) -> str:
    text = _number(value)
    return "+" + text if np.isfinite(value) and value > 0 else text


# --- sidebar ---------------------------------------------------------------------------
@solara.component
def ScenarioPicker(viewer: Viewer) -> None:
    """Every scenario file, with the chosen one's title."""
    viewer.revision.use_value()
    session = viewer.session
    rv.Select(label="Scenario", items=session.choices(), v_model=session.scenario.name,
              on_v_model=viewer.load_scenario, dense=True, hide_details=True,
              class_="aligned-scenario-select")
    _text("div", session.scenario.title, style="font-size: 12px; color: #555; margin: 2px 0 8px")
    ScenarioUpload(viewer.upload, viewer.show_error)


@solara.component
def RunControls(viewer: Viewer) -> None:
    """Step / Play / Reset, speed and seed."""
    viewer.revision.use_value()
    playing = viewer.playing.value
    session = viewer.session
    with solara.Row(gap="6px"):
        solara.Button("Step", on_click=viewer.step, disabled=playing, outlined=True,
                      classes=["aligned-step"])
        solara.Button("Pause" if playing else "Play", on_click=viewer.toggle_play,
                      color="primary", classes=["aligned-play"])
        solara.Button("Reset", on_click=viewer.reset, outlined=True, classes=["aligned-reset"])

    def set_speed(value: Any) -> None:
        viewer.speed.value = int(value)
        viewer.player.speed = int(value)

    def set_seed(text: str) -> None:
        try:
            seed = int(text)
        except ValueError:
            viewer.message.value = f"seed = {text!r} is not allowed; expected an integer ≥ 0"
            return
        viewer.act(lambda: session.set_seed(seed), structure=True)

    seed = session.pending.get("seed", session.seed)
    with solara.Row(gap="12px", style={"align-items": "baseline"}):
        rv.Select(label="Speed (weeks per second)", items=list(SPEEDS),
                  v_model=viewer.speed.value, on_v_model=set_speed, dense=True,
                  hide_details=True, style_="max-width: 170px", class_="aligned-speed")
        field = rv.TextField(label="Seed" + (" (on Reset)" if "seed" in session.pending else ""),
                             v_model=str(seed), dense=True, hide_details=True,
                             style_="max-width: 110px", class_="aligned-seed")
        rv.use_event(field, "change", lambda *args: set_seed(str(args[-1])))


@solara.component
def CompareControls(viewer: Viewer) -> None:
    """Compare mode: run B under another scheme or another scenario, on the same seed."""
    viewer.revision.use_value()
    session = viewer.session
    comparison = session.comparison

    def toggle(on: bool) -> None:
        viewer.set_comparison(Comparison("scenario", session.default_compare_target())
                              if on else None)

    rv.Switch(label="Compare with a second run (B)", v_model=comparison is not None,
              on_v_model=toggle, dense=True, hide_details=True, class_="aligned-compare")
    if comparison is None:
        return
    kind = comparison.kind

    def set_kind(value: str) -> None:
        target = (session.default_compare_scheme() if value == "scheme"
                  else session.default_compare_target())
        viewer.set_comparison(Comparison(value, target))

    def set_target(value: str) -> None:
        viewer.set_comparison(Comparison(kind, value))

    with solara.Row(gap="12px"):
        rv.Select(label="B differs by", items=list(COMPARE_KINDS), v_model=kind,
                  on_v_model=set_kind, dense=True, hide_details=True,
                  style_="max-width: 130px", class_="aligned-compare-kind")
        items = list(SCHEME_NAMES) if kind == "scheme" else session.choices()
        rv.Select(label="B's " + kind, items=items, v_model=comparison.target,
                  on_v_model=set_target, dense=True, hide_details=True,
                  class_="aligned-compare-target")
    _text("div", "Same seed for both; your parameter changes apply to both runs.",
          style="font-size: 12px; color: #555")


@solara.component
def ParamsPanel(viewer: Viewer) -> None:
    """The parameters of one group at a time, generated from the declaration."""
    viewer.revision.use_value()
    viewer.edits.use_value()
    group, set_group = solara.use_state("incentives" if "incentives" in GROUPS else GROUPS[0])
    session = viewer.session
    values = session.values()
    changed = session.changes()
    by_group = controls.grouped()
    items = [{"text": controls.group_title(g), "value": g} for g in GROUPS]
    rv.Select(label="Parameters", items=items, v_model=group, on_v_model=set_group,
              dense=True, hide_details=True, class_="aligned-group")
    waiting = session.pending_reset()
    timeline = session.timeline_changed()
    with solara.Row(style={"align-items": "baseline", "margin": "4px 0"}):
        _text("span", f"{len(changed)} changed from the scenario"
              + ("; timeline changed" if timeline else "")
              + (f"; {len(waiting)} wait for Reset" if waiting else ""),
              cls="aligned-params-summary", style="font-size: 12px; color: #555")
        if changed or timeline:
            def undo() -> None:
                viewer.pause()
                viewer.act(session.undo_changes, structure=True)

            solara.Button("Undo changes", on_click=undo, text=True, small=True,
                          classes=["aligned-undo"])
    for spec in by_group[group]:
        controls.ParamControl(spec, values[spec.param.name], viewer.set_param,
                              pending=spec.param.name in session.pending)


@solara.component
def SeedControls(viewer: Viewer) -> None:
    """Many seeds: how many, Run seeds, its progress and Cancel."""
    running = viewer.seeds_running.value
    _text("div", "Many seeds", cls="aligned-sidebar-title")
    with solara.Row(gap="8px", style={"align-items": "baseline"}):
        field = rv.TextField(label="Seeds to run", v_model=str(viewer.seeds.value), dense=True,
                             hide_details=True, style_="max-width: 90px",
                             class_="aligned-seed-count", disabled=running)
        rv.use_event(field, "change", lambda *args: viewer.set_seed_count(str(args[-1])))
        solara.Button("Run seeds", on_click=viewer.run_seeds, disabled=running, outlined=True,
                      classes=["aligned-run-seeds"])
        if running:
            solara.Button("Cancel", on_click=viewer.cancel_seeds, text=True,
                          classes=["aligned-cancel-seeds"])
    solara.display(viewer.progress)
    _text("div", "Runs A (and B) over that many seeds in the background, from the page's "
          "seed on; the live run stays yours to watch.", style="font-size: 12px; color: #555")


def _event_changes(rows: list[tuple[str, str]]) -> dict[str, Any]:
    """The changes of an event form, each value parsed as its declaration says."""
    changes: dict[str, Any] = {}
    for name, text in rows:
        if not name:
            continue
        if name not in PARAMS:
            raise InputError(f"timeline: unknown parameter {name!r}")
        changes[name] = PARAMS[name].parse(text, "timeline")
    return changes


#: Parameters an event may change: all but the firm's size and structure.
EVENT_PARAMS = [name for name in PARAMS if name not in SIZE_PARAMS]


@solara.component
def EventForm(viewer: Viewer, index: int | None, event: Event | None,
              on_close: Callable[[], None]) -> None:
    """Add or edit one event: its week, its changes (parameter and value) and its label."""
    week, set_week = solara.use_state(str(event.week) if event else "")
    label, set_label = solara.use_state(event.label if event else "")
    rows, set_rows = solara.use_state(
        [(k, setup.plain_value(v)) for k, v in event.set.items()]
        if event else [("", "")])
    error, set_error = solara.use_state("")

    def save() -> None:
        try:
            number = int(week.strip()) if week.strip().isdigit() else None
            if number is None:
                raise InputError(f"timeline: week = {week!r} is not allowed; expected an "
                                 "integer ≥ 1")
            made = Event(number, _event_changes(rows), label.strip())
        except InputError as exc:
            set_error(str(exc))
            return
        viewer.save_event(index, made)
        if viewer.message.value:
            set_error(viewer.message.value)
            viewer.message.value = ""
            return
        on_close()

    def set_row(i: int, name: str | None = None, text: str | None = None) -> None:
        new = list(rows)
        old_name, old_text = new[i]
        new[i] = (old_name if name is None else name, old_text if text is None else text)
        set_rows(new)

    with rv.Html(tag="div", class_="aligned-event-form",
                 style_="border: 1px solid #ddd; padding: 6px; margin: 4px 0"):
        with solara.Row(gap="8px"):
            rv.TextField(label="Week", v_model=week, on_v_model=set_week, dense=True,
                         hide_details=True, style_="max-width: 80px",
                         class_="aligned-event-week")
            rv.TextField(label="Label", v_model=label, on_v_model=set_label, dense=True,
                         hide_details=True, class_="aligned-event-label")
        for i, (name, text) in enumerate(rows):
            with solara.Row(gap="6px", style={"align-items": "baseline"}):
                rv.Autocomplete(label="Parameter", items=EVENT_PARAMS, v_model=name or None,
                                on_v_model=lambda v, i=i: set_row(i, name=v or ""), dense=True,
                                hide_details=True, class_=f"aligned-event-param-{i}")
                rv.TextField(label="Value", v_model=text,
                             on_v_model=lambda v, i=i: set_row(i, text=v), dense=True,
                             hide_details=True, style_="max-width: 110px",
                             class_=f"aligned-event-value-{i}")
                if len(rows) > 1:
                    solara.Button("×", text=True, small=True,
                                  on_click=lambda i=i: set_rows([r for j, r in enumerate(rows)
                                                                 if j != i]))
        with solara.Row(gap="6px"):
            solara.Button("+ change", text=True, small=True,
                          on_click=lambda: set_rows([*rows, ("", "")]),
                          classes=["aligned-event-more"])
            solara.Button("Save event", on_click=save, small=True, color="primary",
                          classes=["aligned-event-save"])
            solara.Button("Cancel", on_click=on_close, small=True, text=True)
        if error:
            _text("div", error, cls="aligned-event-error", style="color: #c62828; font-size: 12px")


@solara.component
def TimelineEditor(viewer: Viewer) -> None:
    """Run A's timeline: each event (week, changes, label), to edit or remove; add one."""
    viewer.revision.use_value()
    editing, set_editing = solara.use_state(cast(Any, None))  # None, "new" or an index
    session = viewer.session
    _text("div", "Timeline (run A)", cls="aligned-sidebar-title")
    for i, event in enumerate(session.events):
        with rv.Html(tag="div", class_="aligned-event"):
            _text("span", setup.event_text(event), cls="aligned-event-text")
            solara.Button("Edit", text=True, small=True, on_click=lambda i=i: set_editing(i),
                          classes=["aligned-event-edit"])
            solara.Button("Remove", text=True, small=True,
                          on_click=lambda i=i: viewer.remove_event(i),
                          classes=["aligned-event-remove"])
        if editing == i:
            EventForm(viewer, i, event, lambda: set_editing(None))
    if not session.events:
        _text("div", "No events: the parameters hold for the whole run.",
              style="font-size: 12px; color: #555")
    if editing == "new":
        EventForm(viewer, None, None, lambda: set_editing(None))
    else:
        solara.Button("Add event", text=True, small=True, on_click=lambda: set_editing("new"),
                      classes=["aligned-event-add"])


@solara.component
def ShareControls(viewer: Viewer) -> None:
    """Save the set-up as a scenario file; the link to this set-up."""
    viewer.revision.use_value()
    viewer.edits.use_value()
    session = viewer.session
    name = setup.saved_name(session.scenario.name)
    _text("div", "Save and share", cls="aligned-sidebar-title")
    solara.FileDownload(lambda: setup.saved_a(viewer.session).text, f"{name}.toml",
                        label="Save as scenario", mime_type="application/toml")
    _text("div", "Link to this set-up (the address bar holds it too):",
          style="font-size: 12px; color: #555; margin-top: 4px")
    solara.display(viewer.address)


@solara.component
def Sidebar(viewer: Viewer) -> None:
    """The sidebar: scenario, run controls, compare, many seeds, timeline, save and share,
    parameters."""
    ScenarioPicker(viewer)
    RunControls(viewer)
    rv.Divider(class_="my-2")
    CompareControls(viewer)
    rv.Divider(class_="my-2")
    SeedControls(viewer)
    rv.Divider(class_="my-2")
    TimelineEditor(viewer)
    rv.Divider(class_="my-2")
    ShareControls(viewer)
    rv.Divider(class_="my-2")
    ParamsPanel(viewer)


# --- main area -------------------------------------------------------------------------
@solara.component
def Header(viewer: Viewer) -> None:
    """Scenario title, the status line (week, runs, speed) and any message."""
    viewer.revision.use_value()
    _text("h2", viewer.session.scenario.title, style="font-size: 18px; margin: 0")
    solara.display(viewer.status)
    if viewer.message.value:
        lines = [rv.Html(tag="div", children=[line]) for line in viewer.message.value.split("\n")]
        rv.Alert(type="error", dense=True, text=True, children=lines,
                 class_="aligned-message mt-1 mb-1")


@solara.component
def ViewTabs(viewer: Viewer) -> None:
    """Which view the main area shows."""
    solara.ToggleButtonsSingle(value=viewer.view.value, values=list(VIEWS),
                               on_value=viewer.show, classes=["aligned-views"])


def _panel(viewer: Viewer, view: str, cls: str) -> rv.Html:
    """The container of one view: on the page always, shown only when chosen (the widgets in
    it keep their state, and a view that is not shown is not redrawn)."""
    shown = viewer.view.value == view
    return rv.Html(tag="div", class_=cls, style_="" if shown else "display: none")


@solara.component
def ChartsView(viewer: Viewer) -> None:
    """The live charts, with the comparison table and what to notice."""
    viewer.view.use_value()
    viewer.revision.use_value()
    notice = viewer.session.scenario.narrative.get("things_to_notice", "")
    with _panel(viewer, "Charts", "aligned-charts-view"):
        if notice:
            _text("div", "What to notice: " + " ".join(notice.split()),
                  style="font-size: 13px; color: #37474f; max-width: 880px")
        with rv.Html(tag="div", style_="margin: 6px 0"):
            solara.display(viewer.compare_table)
        with rv.Html(tag="div", class_="aligned-charts"):
            for chart in viewer.board.charts:
                solara.display(chart.widget)


@solara.component
def SeedsView(viewer: Viewer) -> None:
    """Many seeds: the table of B − A with intervals, the bands, the report for the board."""
    viewer.view.use_value()
    viewer.revision.use_value()
    viewer.edits.use_value()
    viewer.seeds_done.use_value()
    found = viewer.seed_results
    with _panel(viewer, "Seeds", "aligned-seeds-view"):
        if found is None:
            _text("p", "No seeds have run yet: choose Seeds to run in the sidebar and press "
                  "Run seeds. Each run set's charts then show its median with a 50% and a "
                  "90% band, and the table gives B − A seed by seed with its 90% interval.",
                  cls="aligned-seeds-empty")
        else:
            plan, results, key = found
            seeds = plan.seeds
            _text("div", f"{len(seeds)} seeds ({seeds[0]}–{seeds[-1]}) of "
                  + " and ".join(s.label for s in plan.sets)
                  + f", {plan.steps} weeks each, in {results.seconds:.0f} s. Charts: each "
                  "run set's median (A solid, B dashed) with its 50% and 90% bands; dotted "
                  "lines are events."
                  + (" Firms failed: " + "; ".join(
                      f"{s.label} {int(results.failed[k].sum())} of {len(seeds)}"
                      for k, s in enumerate(plan.sets)) if results.failed.any() else ""),
                  cls="aligned-seeds-status", style="font-size: 13px")
            if key != viewer.setup_key():
                _text("div", "The set-up has changed since these seeds ran: they show the "
                      "set-up as it was. Run seeds again for the new one.",
                      cls="aligned-seeds-stale", style="color: #8a6d00; font-size: 13px")
            with solara.Row(gap="12px"):
                solara.FileDownload(viewer.board_report, board_filename(plan),
                                    label="Report for the board (HTML)", mime_type="text/html")
        with rv.Html(tag="div", style_="margin: 6px 0"):
            solara.display(viewer.seed_table)
        with rv.Html(tag="div", class_="aligned-band-charts",
                     style_="" if found is not None else "display: none"):
            for widget in viewer.bands.widgets:
                solara.display(widget)


@solara.component
def FirmView(viewer: Viewer) -> None:
    """Teams around their managers, colour = engagement, lines = trust, what the workforce
    plan and the projects do, and whether the firm failed; click to inspect."""
    viewer.view.use_value()
    viewer.revision.use_value()
    compare = len(viewer.session.runs) > 1
    with _panel(viewer, "Firm", "aligned-firm-view"):
        _text("div", "Each cluster is a team around its manager (square). Colour: engagement. "
              "Lines: trust between colleagues and in the manager (red low, blue high). "
              "Dotted purple lines link the people working on the same project. Empty "
              "circles are vacancies: positions the workforce plan funds and is recruiting "
              "for. Faint small dots are positions it has closed (by a hiring freeze, a "
              "layoff or a plan that needs fewer people). Crosses mark people who left in "
              f"the last {network.RECENT_WEEKS} weeks: red laid off, orange quit, brown "
              "dismissed at the annual review. The title counts vacancies, open projects and "
              "recent leavers. A firm that has failed (its cash fell below its credit line) "
              "says so across the picture, with the week; nothing changes after.",
              cls="aligned-firm-legend", style="font-size: 13px; color: #37474f")
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            solara.display(viewer.pictures[0].widget)
            with rv.Html(tag="div", style_="" if compare else "display: none"):
                solara.display(viewer.pictures[1].widget)
            with rv.Html(tag="div", style_="min-width: 280px"):
                solara.display(viewer.inspector)
                with rv.Html(tag="div", style_="margin-top: 8px"):
                    solara.display(viewer.skills)


@solara.component
def StoryView(viewer: Viewer) -> None:
    """The scenario's narrative: each section it has, under its heading, in the order of
    `sim.scenario.NARRATIVE_SECTIONS` (NetLogo's Info-tab shape), then how to use the page."""
    viewer.view.use_value()
    viewer.revision.use_value()
    session = viewer.session
    stories = [session.scenario]
    if session.comparison is not None and session.comparison.kind == "scenario":
        stories.append(session.scenario_named(session.comparison.target))
    labels = [run.label for run in session.runs]
    with _panel(viewer, "Story", "aligned-story"), rv.Html(tag="div",
                                                            style_="max-width: 860px"):
        for i, spec in enumerate(stories):
            prefix = f"{labels[i]}: " if len(stories) > 1 else ""
            _text("h2", prefix + spec.title, style="font-size: 17px; margin-top: 8px")
            _paragraphs(spec.description)
            for key, heading in NARRATIVE_SECTIONS:
                text = spec.narrative.get(key, "")
                if text.strip():
                    _text("h3", heading, cls=f"aligned-story-{key}")
                    _paragraphs(text)
        _text("h3", "How to use this page", cls="aligned-story-how-to-use")
        _paragraphs(HOW_TO_USE)


@solara.component
def ExportView(viewer: Viewer) -> None:
    """Downloads: charts as HTML or PNG, the run's data as CSV."""
    viewer.view.use_value()
    viewer.revision.use_value()
    session = viewer.session
    stem = export.file_stem(session).rsplit("-week", 1)[0]
    png = export.png_renderer()
    with _panel(viewer, "Export", "aligned-export-view"):
        _text("p", "Everything is exported at the week reached when you click, for every run "
              "on screen.")
        with solara.Row(gap="12px"):
            solara.FileDownload(lambda: export.charts_html(session), f"{stem}-charts.html",
                                label="Charts (HTML)", mime_type="text/html")
            if png:
                solara.FileDownload(lambda: export.charts_png_zip(session),
                                    f"{stem}-charts-png.zip", label="Charts (PNG, zip)",
                                    mime_type="application/zip")
            solara.FileDownload(lambda: export.runs_csv(session), f"{stem}-data.csv",
                                label="Data (CSV)", mime_type="text/csv")
        if not png:
            _text("p", "PNG export needs Chromium (apt-get install chromium); the HTML export "
                  "opens in any browser and can save PNGs from each chart's toolbar.",
                  style="color: #555")


@solara.component
def Page() -> None:
    """The visualizer."""
    router = solara.use_router()
    viewer = solara.use_memo(lambda: Viewer(initial_scenario(), router.search or ""), [])
    solara.use_effect(lambda: viewer.close, [])
    solara.Title("Aligned: incentives at work")
    solara.Style(CSS)
    with solara.Sidebar():
        Sidebar(viewer)
    with solara.Column(style={"padding": "4px 12px"}, gap="6px"):
        Header(viewer)
        ViewTabs(viewer)
        ChartsView(viewer)
        SeedsView(viewer)
        FirmView(viewer)
        StoryView(viewer)
        ExportView(viewer)
        solara.display(viewer.signal)
