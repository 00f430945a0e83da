"""What every validation returns: tables of model-vs-published figures and the checks
that decide whether the model passes, each with its tolerance stated."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Settings:
    """How much to run. The defaults are sized for CI; `full()` gives the published counts.

    `tolerance_scale` multiplies every two-sided tolerance (a band around a target, a gap
    to a closed form, a z-margin around a reference): 0 makes them impossible, which the
    test suite uses to show that a failing check fails the command.
    """

    runs: int = 200  # March: organizations per parameter cell
    seeds: int = 10  # calibration: ten-year baseline runs (≥ 10 for the pooled correlations)
    seed: int = 0  # base seed of every random stream
    tolerance_scale: float = 1.0
    workers: int | None = None  # processes for many-run checks (sim.study's default)
    progress: bool = False  # progress bars on stderr

    @classmethod
    def full(cls, **changes: Any) -> Settings:
        """Counts for the published tables: 1,000 runs per cell, 20 seeds."""
        return cls(**{"runs": 1000, "seeds": 20, **changes})


@dataclass
class Check:
    """One claim held against the model: what was measured, the criterion, the verdict."""

    name: str
    claim: str
    value: float
    criterion: str
    passed: bool
    source: str = ""


@dataclass
class Validation:
    """The outcome of one validation: its tables (lists of rows) and its checks."""

    name: str
    title: str
    sources: list[str]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        """The JSON form: each table under its name, then the checks and the verdict."""
        out: dict[str, Any] = {"title": self.title, "sources": self.sources}
        out.update({name: [_plain_row(r) for r in rows] for name, rows in self.tables.items()})
        out["checks"] = [_plain_row(asdict(c)) for c in self.checks]
        out["passed"] = self.passed
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(f"{float(value):.6g}")  # six significant digits: small gaps stay visible
    return value


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in row.items()}


def within(value: float, target: float, tolerance: float) -> bool:
    """Two-sided: |value − target| ≤ tolerance."""
    return bool(abs(value - target) <= tolerance)


def z_score(difference: float, *standard_errors: float) -> float:
    """A difference over the combined standard error of independent estimates."""
    se = float(np.sqrt(sum(s * s for s in standard_errors)))
    return difference / se if se > 0 else float("inf") * np.sign(difference)


def format_table(rows: list[dict[str, Any]], digits: int = 4) -> str:
    """Rows as an aligned text table (the keys of the first row are the columns)."""
    if not rows:
        return "(empty)"
    columns = list(rows[0])

    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            if value != 0 and abs(value) < 10 ** -digits:
                return f"{value:.1e}"
            return f"{value:.{digits}f}"
        return str(value)

    cells = [[cell(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
