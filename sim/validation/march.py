"""March (1991), exploration and exploitation in organizational learning: the learning
sub-model alone, every other mechanism off, against March's published findings; then
what the firm adds to it (hoarding, hiring breadth, the firm's way of scoring the code).

Reference figures for the equilibrium table are those of the recreation of March's
original program (Workiewicz 2019, after Christensen 2015 and Rodan 2005), 10,000 runs
per cell, since March (1991) printed his Figure 1 as a chart only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from sim.validation.checks import Check, Settings, Validation, z_score
from sim.validation.engine import MarchCell, MarchResult, simulate, standard_error

SOURCES = [
    "March, J. G. (1991). Exploration and exploitation in organizational learning. "
    "Organization Science 2(1): 71-87 (Figures 1, 2, 4 and 5).",
    "Christensen, M. (2015), a note on the steps of March's program missing from the 1991 "
    "text (gradual socialization; the code scored by its knowledge, people by their "
    "actions), as cited by Workiewicz (2019); Rodan, S. (2005). Exploration and "
    "exploitation revisited: extending March's model of mutual learning. Scand. J. Mgmt "
    "21: 407-428.",
    "Workiewicz, M. (2019). Recreation of March 1991 original algorithm, "
    "github.com/Mac13kW/March_1991_Original (Figure 1 table, 10,000 runs per cell).",
]

P1 = (0.1, 0.3, 0.5, 0.7, 0.9)
P2 = (0.1, 0.5, 0.9)

#: Average equilibrium code knowledge in the recreation of March's program, 10,000 runs per
#: cell (Workiewicz 2019, Output/March_1991_p1_0.1-0.9_p2_0.1-0.9_..._i_10000.csv).
REFERENCE = {
    0.1: {0.1: 0.86327, 0.3: 0.80506, 0.5: 0.79935, 0.7: 0.80596, 0.9: 0.81323},
    0.5: {0.1: 0.95425, 0.3: 0.86907, 0.5: 0.81063, 0.7: 0.76789, 0.9: 0.74207},
    0.9: {0.1: 0.97241, 0.3: 0.90814, 0.5: 0.84007, 0.7: 0.77963, 0.9: 0.72840},
}
REFERENCE_RUNS = 10_000
TABLE_Z = 4.0  # two-sided z per cell (15 cells: a family-wise false alarm near 0.1%)
FINDING_Z = 3.0  # one-sided z for each directional finding
STEP_Z = 2.0  # a neighbouring cell may rise by this much sampling noise, no more

HORIZON_TURNOVER = 20  # March's Figure 4 reads code knowledge in period 20
TURBULENCE = 0.02  # March's Figure 5: p4 = 0.02, p1 = p2 = 0.5, with p3 = 0 and 0.1
TURBULENCE_PERIODS = 200
LATE = (151, 200)  # the window read as "late" knowledge under turbulence
DECAYED, HELD = 0.25, 0.75  # late knowledge against the peak: decayed below, held above


class _Streams:
    """An independent, reproducible random stream for each cell."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.count = 0

    def run(self, cell: MarchCell) -> MarchResult:
        self.count += 1
        rng = np.random.default_rng([self.settings.seed, 1991, self.count])
        return simulate(rng, cell, self.settings.runs)


def validate(settings: Settings) -> Validation:
    """Every March table and check."""
    out = Validation("march1991", "March (1991): exploration and exploitation", SOURCES)
    streams = _Streams(settings)
    for part in (_equilibrium_table, _mixed_learners, _turnover, _turbulence, _firm):
        part(out, streams, settings)
    return out


def _equilibrium_table(out: Validation, streams: _Streams, settings: Settings) -> None:
    rows, results = [], {}
    for p2 in P2:
        for p1 in P1:
            r = streams.run(MarchCell(p1, p2))
            results[p1, p2] = r
            ref = REFERENCE[p2][p1]
            ref_se = float(r.knowledge.std(ddof=1)) / np.sqrt(REFERENCE_RUNS)
            rows.append({"p1": p1, "p2": p2, "knowledge": r.mean, "se": r.se, "reference": ref,
                         "z": z_score(r.mean - ref, r.se, ref_se),
                         "periods": float(r.periods.mean()), "capped": int(r.capped.sum())})
    out.tables["table"] = rows
    out.notes["table"] = (
        f"Equilibrium code knowledge Σ code·reality / m, m = 30, n = 50, {settings.runs} runs "
        "per cell; reference: recreation of March's program, 10,000 runs; z = (model − "
        "reference) / combined se; periods = mean periods to equilibrium; capped = runs "
        f"stopped at {MarchCell(0.1, 0.1).cap} periods before equilibrium.")
    worst = max(rows, key=lambda r: abs(r["z"]))
    limit = TABLE_Z * settings.tolerance_scale
    out.checks.append(Check(
        "table_matches_reference", "every cell of the p1 × p2 table matches the recreation of "
        "March's program within sampling error", abs(worst["z"]),
        f"|z| ≤ {limit:g} in every cell (worst p1={worst['p1']}, p2={worst['p2']})",
        all(abs(r["z"]) <= limit for r in rows), "March 1991 Fig. 1; Workiewicz 2019"))
    capped = sum(r["capped"] for r in rows)
    out.checks.append(Check(
        "equilibrium_reached", "every run reaches equilibrium before the cap", capped,
        "0 runs capped", capped == 0, "March 1991 p. 75"))
    for p2 in (0.5, 0.9):
        slow, fast = results[0.1, p2], results[0.9, p2]
        z = z_score(slow.mean - fast.mean, slow.se, fast.se)
        steps = [z_score(results[a, p2].mean - results[b, p2].mean, results[a, p2].se,
                         results[b, p2].se) for a, b in itertools.pairwise(P1)]
        out.checks.append(Check(
            f"slow_socialization_wins_p2_{p2}", f"with code learning p2 = {p2}, slower "
            "socialization gives higher equilibrium knowledge", z,
            f"knowledge(p1=0.1) − knowledge(p1=0.9): z ≥ {FINDING_Z:g}, and no step up in "
            f"p1 raises it by more than {STEP_Z:g} se", z >= FINDING_Z and min(steps) > -STEP_Z,
            "March 1991 Fig. 1"))


def _mixed_learners(out: Validation, streams: _Streams, settings: Settings) -> None:
    rows = []
    for fast in (10, 25, 40):
        mix = (0.1,) * (50 - fast) + (0.9,) * fast
        average = float(np.mean(mix))
        mixed = streams.run(MarchCell(mix, 0.5))
        uniform = streams.run(MarchCell(round(average, 2), 0.5))
        z = z_score(mixed.mean - uniform.mean, mixed.se, uniform.se)
        rows.append({"fast_learners": fast, "mean_p1": round(average, 2),
                     "mixed": mixed.mean, "mixed_se": mixed.se, "uniform": uniform.mean,
                     "uniform_se": uniform.se, "z": z})
    out.tables["mixed"] = rows
    out.notes["mixed"] = ("Equilibrium code knowledge, p2 = 0.5: a mix of slow (p1 = 0.1) and "
                          "fast (p1 = 0.9) learners against everybody at the mix's mean rate.")
    worst = min(rows, key=lambda r: r["z"])
    out.checks.append(Check(
        "mixed_learners_win", "a mix of fast and slow learners beats a uniform rate with the "
        "same mean", worst["z"], f"mixed − uniform: z ≥ {FINDING_Z:g} at every mix",
        all(r["z"] >= FINDING_Z for r in rows), "March 1991 Fig. 2"))


def _turnover(out: Validation, streams: _Streams, settings: Settings) -> None:
    rows, results = [], {}
    for p1 in (0.1, 0.5, 0.9):
        row: dict = {"p1": p1}
        for p3 in (0.0, 0.02, 0.05, 0.1, 0.2):
            r = streams.run(MarchCell(p1, 0.5, turnover=p3, periods=HORIZON_TURNOVER))
            results[p1, p3] = r
            row[f"p3={p3}"] = r.mean
        row["se"] = max(results[p1, p3].se for p3 in (0.0, 0.1))
        rows.append(row)
    out.tables["turnover"] = rows
    out.notes["turnover"] = (f"Code knowledge in period {HORIZON_TURNOVER}, p2 = 0.5, by "
                             "socialization p1 (rows) and turnover p3 (columns).")
    for p1, sign, claim in ((0.9, 1, "helps when socialization is fast"),
                            (0.1, -1, "hurts when socialization is slow")):
        a, b = results[p1, 0.1], results[p1, 0.0]
        z = sign * z_score(a.mean - b.mean, a.se, b.se)
        word = "gain" if sign > 0 else "loss"
        out.checks.append(Check(
            f"turnover_p1_{p1}", f"turnover {claim} (p1 = {p1})", z,
            f"{word} from p3 = 0.1 against p3 = 0: z ≥ {FINDING_Z:g}", z >= FINDING_Z,
            "March 1991 Fig. 4"))


def _turbulence(out: Validation, streams: _Streams, settings: Settings) -> None:
    results = {p3: streams.run(MarchCell(0.5, 0.5, turnover=p3, turbulence=TURBULENCE,
                                         periods=TURBULENCE_PERIODS)) for p3 in (0.0, 0.1)}
    rows = []
    for period in (5, 10, 20, 50, 100, 150, 200):
        row = {"period": period}
        for p3, r in results.items():
            row[f"p3={p3}"] = float(r.history[period - 1].mean())
        rows.append(row)
    late = {p3: r.window(*LATE) for p3, r in results.items()}
    peak = {p3: float(r.history.mean(axis=1).max()) for p3, r in results.items()}
    rows.append({"period": f"{LATE[0]}-{LATE[1]}", **{f"p3={p3}": float(v.mean())
                                                      for p3, v in late.items()}})
    out.tables["turbulence"] = rows
    out.notes["turbulence"] = (f"Code knowledge over time under turbulence p4 = {TURBULENCE}, "
                               "p1 = p2 = 0.5, without and with turnover p3 = 0.1.")
    none, some = float(late[0.0].mean()), float(late[0.1].mean())
    out.checks.append(Check(
        "turbulence_decays_without_turnover", "under turbulence, knowledge decays without "
        "turnover", none / peak[0.0], f"late knowledge < {DECAYED} × peak",
        none < DECAYED * peak[0.0], "March 1991 Fig. 5"))
    z = z_score(some - none, standard_error(late[0.1]), standard_error(late[0.0]))
    out.checks.append(Check(
        "turnover_holds_knowledge", "with turnover, knowledge holds under turbulence",
        some / peak[0.1], f"late knowledge ≥ {HELD} × peak, and above no turnover by "
        f"z ≥ {FINDING_Z:g}", some >= HELD * peak[0.1] and z >= FINDING_Z, "March 1991 Fig. 5"))


def _firm(out: Validation, streams: _Streams, settings: Settings) -> None:
    """What the firm adds: hoarding, hiring breadth, and the firm's scoring of the code."""
    rows: list[dict] = []

    def add(mechanism: str, setting: str, regime: str, r: MarchResult,
            read: Callable[[MarchResult], np.ndarray]) -> np.ndarray:
        values = read(r)
        rows.append({"mechanism": mechanism, "setting": setting, "regime": regime,
                     "knowledge": float(values.mean()), "se": standard_error(values)})
        return values

    def final(r: MarchResult) -> np.ndarray:
        return r.knowledge

    def late(r: MarchResult) -> np.ndarray:
        return r.window(*LATE)

    turbulent = dict(turnover=0.1, turbulence=TURBULENCE, periods=TURBULENCE_PERIODS)
    hoard = {}
    for share in (1.0, 0.5, 0.2):
        for p1 in (0.1, 0.5, 0.9):
            hoard[share, p1] = add("hoarding", f"share={share}", f"equilibrium, p1={p1}",
                                   streams.run(MarchCell(p1, 0.5, share=share)), final)
    for share in (1.0, 0.5, 0.2):
        add("hoarding", f"share={share}", "turbulent, p3=0.1",
            streams.run(MarchCell(0.5, 0.5, share=share, **turbulent)), late)
    breadth = {}
    for b in (1.0, 0.5, 0.2, 0.0):
        breadth[b] = add("hiring breadth", f"breadth={b}", "turbulent, p3=0.1",
                         streams.run(MarchCell(0.5, 0.5, breadth=b, **turbulent)), late)
    for b in (1.0, 0.5, 0.2, 0.0):
        add("hiring breadth", f"breadth={b}", f"period {HORIZON_TURNOVER}, p1=0.9, p3=0.1",
            streams.run(MarchCell(0.9, 0.5, turnover=0.1, periods=HORIZON_TURNOVER,
                                  breadth=b)), final)
    for p1 in (0.1, 0.5, 0.9):
        add("code scored by acting", "as in the firm", f"equilibrium, p1={p1}",
            streams.run(MarchCell(p1, 0.5, code_acts=True)), final)
    out.tables["firm"] = rows
    out.notes["firm"] = (
        "What the firm adds, p2 = 0.5. Hoarding: each person feeds the code in a period with "
        "chance `share` (1 is March). Hiring breadth: a newcomer's belief on each dimension "
        "is fresh with chance `breadth`, else the code's (1 is March). 'Code scored by "
        "acting': the firm's learning_period scores the code by acting on it, a 0 as a coin, "
        "where March scores it by its knowledge. Turbulent regime: p1 = 0.5, p4 = "
        f"{TURBULENCE}, knowledge over periods {LATE[0]}-{LATE[1]}.")
    a, b = hoard[0.5, 0.5], hoard[1.0, 0.5]
    z = z_score(b.mean() - a.mean(), standard_error(a), standard_error(b))
    out.checks.append(Check(
        "hoarding_lowers_knowledge", "hoarding (half the people share) lowers equilibrium "
        "knowledge (model claim, p1 = 0.5)", z, f"loss: z ≥ {FINDING_Z:g}", z >= FINDING_Z,
        "docs/model.md §7.4"))
    a, b = breadth[1.0], breadth[0.0]
    z = z_score(a.mean() - b.mean(), standard_error(a), standard_error(b))
    out.checks.append(Check(
        "breadth_renews_knowledge", "under turbulence, turnover renews knowledge only when "
        "hires bring fresh beliefs (model claim)", z,
        f"breadth 1 − breadth 0: z ≥ {FINDING_Z:g}, and breadth 0 decays like no turnover",
        z >= FINDING_Z and float(b.mean()) < DECAYED * float(a.mean()), "docs/model.md §7.9"))


