"""The firm as a picture: teams as clusters of employees around their manager, colour =
engagement, lines = trust (collaboration ties between people, and each person's trust in
their manager along the spokes). Clicking a person selects them for the inspector.

What the firm does is drawn too: vacancies (funded positions being recruited for) are
empty seats in their team, positions the workforce plan has closed are faint dots, people
who left in the last few weeks are crosses by how they left (laid off, quit, dismissed),
people on the same project are linked by dotted lines, and a firm that has failed says so
across the picture, with the week and the rule (cash below its credit line).

Positions depend only on the team structure, which a model keeps for life, so they are
computed once per run; an update sends colours, marks, hover texts, the binned trust lines
and the project ties, all from whole arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agents.employee import DISMISSED, EXITS, LAID_OFF, QUIT
from sim.params import FUNCTIONS, TASKS
from sim.viz.plot import PlotlyView

if TYPE_CHECKING:
    from sim.viz.session import Run

TRUST_BINS = (0.0, 0.35, 0.45, 0.55, 0.65, 1.0001)  # lines are drawn in five trust classes
TRUST_COLORS = ("#c62828", "#ef8a62", "#bdbdbd", "#67a9cf", "#1565c0")
TRUST_NAMES = ("trust < 0.35", "0.35–0.45", "0.45–0.55", "0.55–0.65", "≥ 0.65")
#: Line traces: ties inside teams and spokes to the manager, then the fainter cross-team ties,
#: each in the five trust classes; then come people, managers and the selection ring.
LINE_STYLES = ({"width": 1.3, "opacity": 0.85}, {"width": 0.7, "opacity": 0.35})
N_LINES = len(TRUST_COLORS) * len(LINE_STYLES)
PROJECT_TIES = N_LINES  # the trace of project ties comes next, under the people
PEOPLE = N_LINES + 1  # the trace of people (one point per position shown), which is clicked
PROJECT_COLOR = "#8e24aa"
#: People who left within this many weeks are marked where they sat, by how they left.
RECENT_WEEKS = 4
LEAVER_COLORS = {LAID_OFF: "#c62828", QUIT: "#ef6c00", DISMISSED: "#6d4c41"}
SEAT_COLOR = "#546e7a"  # the outline of an empty seat (a vacancy)
#: Engagement from red (actively disengaged) through amber to green (engaged); plotly.js knows
#: only a few colour scales by name, so the scale is spelled out.
ENGAGEMENT_SCALE = [[0.0, "#b71c1c"], [0.3, "#ef6c00"], [0.45, "#fdd835"], [0.6, "#9ccc65"],
                    [1.0, "#1b5e20"]]
MAX_PEOPLE_SHOWN = 800  # beyond this, only the first teams are drawn (the picture stays legible)
TEAM_RADIUS = 0.3  # members sit on a circle of this radius around their manager (team pitch 1)
VIEW_WIDTH, VIEW_HEIGHT = 440, 440


def positions(team: np.ndarray, n_teams: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of each employee position and of each manager: team centres on a grid, members
    evenly on a circle around their manager."""
    cols = max(1, math.ceil(math.sqrt(n_teams)))
    centres = np.array([(t % cols, -(t // cols)) for t in range(n_teams)], dtype=float)
    counts = np.bincount(team, minlength=n_teams)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    order = np.argsort(team, kind="stable")
    local = np.empty(team.size, dtype=int)
    local[order] = np.arange(team.size) - first[team[order]]
    angle = 2 * np.pi * local / np.maximum(counts[team], 1) + np.pi / 2
    people = centres[team] + TEAM_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return people, centres


def _segments(a: np.ndarray, b: np.ndarray) -> tuple[list, list]:
    """The x and y lists of lines from each row of `a` to the same row of `b` (None gaps)."""
    x = np.round(np.hstack([a[:, :1], b[:, :1]]), 3).tolist()
    y = np.round(np.hstack([a[:, 1:], b[:, 1:]]), 3).tolist()
    return [v for pair in x for v in (*pair, None)], [v for pair in y for v in (*pair, None)]


def project_links(project: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ties between people on the same project, as two arrays of indices (into `project`):
    each project's present members in a chain, k − 1 ties for k members, so that the ties
    connect exactly the people of each project."""
    on = np.flatnonzero(active & (project >= 0))
    order = on[np.argsort(project[on], kind="stable")]
    same = project[order[1:]] == project[order[:-1]]
    return order[:-1][same], order[1:][same]


def recent_leavers(emp: Any, rows: np.ndarray, week: int) -> np.ndarray:
    """Which of the positions `rows` someone left in the last RECENT_WEEKS weeks by quitting,
    dismissal or layoff (and nobody holds now); a failed firm's last day is the banner's."""
    how = emp.left_how[rows]
    return (~emp.active[rows] & (week - emp.left_week[rows] < RECENT_WEEKS)
            & np.isin(how, tuple(LEAVER_COLORS)))


def failure_text(model: Any) -> str:
    """What the picture says of a firm that has failed ("" while it operates): the week and
    the model's rule, cash fallen below the credit line."""
    if not model.failed:
        return ""
    finance = model.finance
    return (f"The firm failed in week {finance.failed_week}: its cash "
            f"(−${-finance.cash:,.0f}) fell below its credit line (−${finance.credit_limit:,.0f})."
            if finance.cash < 0 else
            f"The firm failed in week {finance.failed_week}: its cash fell below its credit "
            f"line (−${finance.credit_limit:,.0f}).")


def _wrap(text: str, width: int = 44) -> str:
    """Text broken into lines of about `width` characters (plotly does not wrap)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


class FirmPicture:
    """The network view of a run, redrawn in place.

    The widget lives as long as the page; `show(run)` points it at another run (after a
    Reset or a scenario switch) and rebuilds the structure.
    """

    def __init__(self, on_select: Callable[[int], None] | None = None,
                 width: int = VIEW_WIDTH, height: int = VIEW_HEIGHT) -> None:
        self.run: Run | None = None
        self.selected: int | None = None
        self.on_select = on_select
        self.layout = self._layout(width, height)
        self.widget = PlotlyView(layout=self.layout, on_click=self._clicked)

    def _clicked(self, curve: int, point: int) -> None:
        if curve == PEOPLE and self.run is not None and self.on_select is not None:
            self.on_select(int(self.rows[point]))

    def show(self, run: Run) -> None:
        """Draw `run` (rebuilding the structure if it is not the run shown) and update it."""
        if run is not self.run:
            self._bind(run)
        self.update()

    def _bind(self, run: Run) -> None:
        self.run = run
        emp = run.model.employees
        self.shown_teams = emp.n_teams
        if emp.n > MAX_PEOPLE_SHOWN:
            self.shown_teams = max(1, int(np.sum(np.bincount(emp.team).cumsum()
                                                 <= MAX_PEOPLE_SHOWN)))
        self.rows = np.flatnonzero(emp.team < self.shown_teams)
        self.people_xy, self.manager_xy = positions(emp.team[self.rows], self.shown_teams)
        # collaboration ties as undirected pairs between shown people; trust = mean of both ways
        where = np.full(emp.n, -1)
        where[self.rows] = np.arange(self.rows.size)
        src, dst = where[emp.edge_src], where[emp.edge_dst]
        keep = (src >= 0) & (dst >= 0)
        lo, hi = np.minimum(src, dst)[keep], np.maximum(src, dst)[keep]
        pairs, self.pair_of_edge = np.unique(lo * self.rows.size + hi, return_inverse=True)
        self.edge_keep = keep
        self.pair_a, self.pair_b = pairs // self.rows.size, pairs % self.rows.size
        self.pair_count = np.bincount(self.pair_of_edge, minlength=pairs.size)
        team = emp.team[self.rows]
        self.pair_inside = team[self.pair_a] == team[self.pair_b]
        total = emp.n_teams
        note = "" if self.shown_teams == total else f" (first {self.shown_teams} of {total} teams)"
        self.title = f"{run.label}: the firm{note}"
        self.shown_layout: tuple[str, str] | None = None  # (title, banner) on screen

    @staticmethod
    def _layout(width: int, height: int) -> dict:
        axis = {"visible": False}
        return {
            "title": {"text": "the firm", "font": {"size": 14}, "x": 0.02},
            "width": width, "height": height, "margin": {"l": 4, "r": 4, "t": 48, "b": 4},
            "xaxis": {**axis}, "yaxis": {**axis, "scaleanchor": "x"},
            "showlegend": False, "template": "plotly_white", "hovermode": "closest",
            "uirevision": "firm", "clickmode": "event",
        }

    # --- what is drawn --------------------------------------------------------------------
    def _lines(self) -> list[tuple[list, list]]:
        """x, y of the lines of each trace: inside teams (peer ties and spokes to the manager),
        then across teams, each in the five trust classes."""
        emp = self.run.model.employees
        rows = self.rows
        active = emp.active[rows]
        edge_trust = emp.edge_trust()[self.edge_keep]
        pair_trust = np.bincount(self.pair_of_edge, weights=edge_trust,
                                 minlength=self.pair_count.size) / np.maximum(self.pair_count, 1)
        live = active[self.pair_a] & active[self.pair_b]
        inside, across = live & self.pair_inside, live & ~self.pair_inside
        a = np.vstack([self.people_xy[self.pair_a[inside]], self.people_xy[active]])
        b = np.vstack([self.people_xy[self.pair_b[inside]],
                       self.manager_xy[emp.team[rows][active]]])
        trust = np.concatenate([pair_trust[inside], emp.trust_in_manager()[rows][active]])
        groups = [(a, b, trust), (self.people_xy[self.pair_a[across]],
                                  self.people_xy[self.pair_b[across]], pair_trust[across])]
        lines = []
        for start, end, value in groups:
            klass = np.digitize(value, TRUST_BINS[1:-1])
            lines += [_segments(start[klass == k], end[klass == k])
                      for k in range(len(TRUST_COLORS))]
        return lines

    def _set_layout(self, title: str, banner: str) -> None:
        """The title (with this week's counts) and the failure banner, sent when changed."""
        if self.shown_layout == (title, banner):
            return
        self.shown_layout = (title, banner)
        notes = [{"text": _wrap(banner), "xref": "paper", "yref": "paper",
                  "x": 0.5, "y": 0.5, "showarrow": False, "align": "center",
                  "font": {"size": 13, "color": "#ffffff"}, "bgcolor": "#b71c1c",
                  "borderpad": 6, "name": "failed"}] if banner else []
        self.widget.plot_layout = {**self.layout, "annotations": notes,
                                   "title": {**self.layout["title"], "text": title}}

    def update(self) -> None:
        """Recolour people by engagement, mark vacancies, closed positions and recent leavers,
        redraw trust lines and project ties, refresh hover texts, the title and the banner."""
        if self.run is None:
            return
        model = self.run.model
        emp = model.employees
        rows = self.rows
        engagement = emp.engagement[rows]
        active = emp.active[rows]
        vacant = emp.funded[rows] & ~active
        left = recent_leavers(emp, rows, model.week)
        mgr = model.managers
        in_manager = emp.trust_in_manager()[rows]
        project = emp.project[rows]
        exits = [""] * rows.size  # how the recent leavers left (few: a loop over them only)
        for i in np.flatnonzero(left).tolist():
            exits[i] = f"<br>{EXITS[emp.left_how[rows[i]]]} in week {emp.left_week[rows[i]]}"
        text = [
            f"employee {r} · {FUNCTIONS[emp.role[r]]}<br>engagement {g:.2f} · "
            f"trust in manager {t:.2f}" + (f"<br>on project {j}" if j >= 0 else "") if a
            else f"position {r}: " + (f"vacancy, recruiting {FUNCTIONS[emp.hire_function[r]]}"
                                      if v else "closed") + e
            for r, g, t, a, v, j, e in zip(rows, engagement, in_manager, active, vacant,
                                           project, exits, strict=True)]
        manager_text = [
            f"manager of team {t}<br>reliability {mgr.reliability[t]:.2f} · "
            f"credit fairness {mgr.credit_fairness[t]:.2f} · autonomy {mgr.autonomy[t]:.2f}"
            for t in range(self.shown_teams)]
        styles = [(color, name, look) for look in LINE_STYLES
                  for color, name in zip(TRUST_COLORS, TRUST_NAMES, strict=True)]
        lines = [{"type": "scatter", "mode": "lines", "name": name, "hoverinfo": "skip",
                  "line": {"color": color, "width": look["width"]},
                  "opacity": look["opacity"], "x": x, "y": y}
                 for (color, name, look), (x, y) in zip(styles, self._lines(), strict=True)]
        a, b = project_links(project, active)
        x, y = _segments(self.people_xy[a], self.people_xy[b])
        ties = {"type": "scatter", "mode": "lines", "name": "project ties", "hoverinfo": "skip",
                "line": {"color": PROJECT_COLOR, "width": 1.6, "dash": "dot"}, "x": x, "y": y}
        # a vacancy's point is hidden under its empty seat; a closed position is a faint dot
        opacity = np.where(active, 1.0, np.where(vacant, 0.0, 0.25))
        people = {
            "type": "scatter", "mode": "markers", "name": "employees", "uid": "employees",
            "x": np.round(self.people_xy[:, 0], 3).tolist(),
            "y": np.round(self.people_xy[:, 1], 3).tolist(),
            "text": text, "hovertemplate": "%{text}<extra></extra>",
            "marker": {"size": np.where(active | vacant, 10, 5).tolist(),
                       "colorscale": ENGAGEMENT_SCALE, "cmin": 0, "cmax": 1,
                       "color": np.round(np.where(active, engagement, 0.5), 3).tolist(),
                       "opacity": opacity.tolist(),
                       "line": {"width": 0.6, "color": "#424242"},
                       "colorbar": {"title": {"text": "engagement", "side": "right"},
                                    "thickness": 10, "len": 0.6}}}
        managers = {"type": "scatter", "mode": "markers", "name": "managers",
                    "x": np.round(self.manager_xy[:, 0], 3).tolist(),
                    "y": np.round(self.manager_xy[:, 1], 3).tolist(),
                    "text": manager_text, "hovertemplate": "%{text}<extra></extra>",
                    "marker": {"size": 13, "symbol": "square", "color": "#37474f"}}
        seats = self._marks("vacancies", vacant, text, {
            "size": 10, "color": "#ffffff", "line": {"width": 1.5, "color": SEAT_COLOR}})
        how = emp.left_how[rows][left]
        colors = [LEAVER_COLORS[int(h)] for h in how]
        leavers = self._marks("left", left, text, {
            "size": 9, "symbol": "x-thin", "line": {"width": 2.5, "color": colors}})
        self.widget.traces = [*lines, ties, people, managers, seats, leavers, self._ring()]
        self._set_layout(self._title(model, int(vacant.sum()), how), failure_text(model))

    def _marks(self, name: str, where: np.ndarray, text: list[str], marker: dict) -> dict:
        """Markers drawn over the positions where `where` holds, with those positions' texts."""
        at = np.flatnonzero(where)
        return {"type": "scatter", "mode": "markers", "name": name,
                "x": np.round(self.people_xy[at, 0], 3).tolist(),
                "y": np.round(self.people_xy[at, 1], 3).tolist(),
                "text": [text[i] for i in at.tolist()], "hovertemplate": "%{text}<extra></extra>",
                "marker": marker}

    def _title(self, model: Any, vacancies: int, how: np.ndarray) -> str:
        """The title with this week's vacancies, projects and recent leavers in the picture."""
        counts = np.bincount(how, minlength=len(EXITS))
        left = ", ".join(f"{counts[h]} {EXITS[h]}" for h in LEAVER_COLORS if counts[h])
        parts = [f"{vacancies} vacanc{'y' if vacancies == 1 else 'ies'}",
                 f"{model.projects.count} projects"]
        if left:
            parts.append(f"last {RECENT_WEEKS} weeks: {left}")
        return (f"{self.title}<br><span style=\"font-size: 11px\">{' · '.join(parts)}"
                "</span>")

    def _ring(self) -> dict:
        """The marker ringing the selected person."""
        where = (np.flatnonzero(self.rows == self.selected)
                 if self.selected is not None and self.run is not None else [])
        x, y = (self.people_xy[where].T.tolist() if len(where) else ([], []))
        return {"type": "scatter", "mode": "markers", "name": "selected", "x": x, "y": y,
                "hoverinfo": "skip", "marker": {"size": 20, "color": "rgba(0,0,0,0)",
                                                "line": {"width": 3, "color": "#000000"}}}

    def select(self, row: int | None) -> None:
        """Ring the selected person (or nobody)."""
        self.selected = row
        if self.run is not None and self.widget.traces:
            self.widget.traces = [*self.widget.traces[:-1], self._ring()]


def employee_state(run: Run, row: int) -> dict[str, Any]:
    """What the inspector shows about one employee position: role, trust, engagement,
    effort split, and skill, passion and peer-validated reputation in each function."""
    model = run.model
    emp = model.employees
    if not 0 <= row < emp.n:
        raise IndexError(f"employee {row} does not exist (0..{emp.n - 1})")
    out_trust, in_trust = emp.peer_trust()
    active = bool(emp.active[row])
    state: dict[str, Any] = {
        "row": row, "active": active, "team": int(emp.team[row]),
        "role": FUNCTIONS[emp.role[row]], "hired into": FUNCTIONS[emp.hire_function[row]],
        "level": int(emp.level[row]), "tenure (weeks)": int(emp.tenure[row]),
    }
    if not active:
        state["position"] = "vacancy (recruiting)" if emp.funded[row] else "closed"
        if emp.left_how[row]:
            state["last holder"] = (f"{EXITS[emp.left_how[row]]} in week "
                                    f"{int(emp.left_week[row])}")
        return state
    if emp.project[row] >= 0:
        state["project"] = int(emp.project[row])
    engagement = float(emp.engagement[row])
    state.update({
        "engagement": engagement, "band": emp.band_of(engagement),
        "trust in manager": float(emp.trust_in_manager()[row]),
        "trust in peers": float(out_trust[row]), "peers' trust in them": float(in_trust[row]),
        "effort (share of a full week)": float(emp.effort[row]),
        "pay ($/week)": float(emp.pay[row]),
        "effort split": {t: float(v) for t, v in zip(TASKS, emp.shares[row], strict=True)},
        "skill": {f: float(v) for f, v in zip(FUNCTIONS, emp.skill[row], strict=True)},
        "passion": {f: float(v) for f, v in zip(FUNCTIONS, emp.passion[row], strict=True)},
        "reputation": {f: float(v) for f, v in zip(FUNCTIONS, emp.reputation[row], strict=True)},
    })
    return state
