"""Agents whose numeric state lives in their population's NumPy arrays (structure of arrays).

An agent holds only its row; reading `employee.engagement` reads the population's array,
and writing it writes there, so the vectorized phases and the agent views never disagree.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np


def row_field(population: str, array: str, doc: str) -> property:
    """A property reading and writing `model.<population>.<array>[row]` (a row of a 2-D array
    is returned as a copy-free view)."""

    def fget(self: RowAgent) -> Any:
        value = getattr(getattr(self.model, population), array)[self.row]
        return value.item() if isinstance(value, np.generic) else value

    def fset(self: RowAgent, value: Any) -> None:
        getattr(getattr(self.model, population), array)[self.row] = value

    return property(fget, fset, doc=doc)


class RowAgent(mesa.Agent):
    """A Mesa agent bound to one row of its population's arrays."""

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.unique_id}, row={self.row})"


def beta_trust(counts: np.ndarray) -> np.ndarray:
    """Expected value of a Beta reputation from (good, bad) counts on the last axis."""
    return (counts[..., 0] + 1.0) / (counts[..., 0] + counts[..., 1] + 2.0)


def trust_of(counts: np.ndarray, comfort_weight: float) -> np.ndarray:
    """Trust of each relationship from its counts (comfort good, bad, confidence good, bad):
    w · β(comfort) + (1 − w) · β(confidence), both Beta means computed at once."""
    good = counts[:, 0::2] + 1.0
    total = counts[:, 0::2] + counts[:, 1::2]
    total += 2.0
    good /= total
    return comfort_weight * good[:, 0] + (1 - comfort_weight) * good[:, 1]


def add_evidence(counts: np.ndarray, memory: float, comfort_good: np.ndarray | float,
                 comfort_bad: np.ndarray | float, confidence_good: np.ndarray | float,
                 confidence_bad: np.ndarray | float) -> None:
    """Decaying Beta counts in place: every count × memory, plus this week's evidence."""
    counts *= memory
    counts[:, 0] += comfort_good
    counts[:, 1] += comfort_bad
    counts[:, 2] += confidence_good
    counts[:, 3] += confidence_bad


def count_views(attr: str) -> tuple[property, property]:
    """`comfort` and `confidence` properties: views of columns 0:2 and 2:4 of the (n, 4)
    trust counts in attribute `attr` (assigning to one writes the counts)."""

    def view(cols: slice, doc: str) -> property:
        def fget(self: Any) -> np.ndarray:
            return getattr(self, attr)[:, cols]

        def fset(self: Any, value: Any) -> None:
            getattr(self, attr)[:, cols] = value

        return property(fget, fset, doc=doc)

    return (view(slice(0, 2), "comfort counts (good, bad): the relationship"),
            view(slice(2, 4), "confidence counts (good, bad): the track record"))


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def mean(values: np.ndarray, empty: float = math.nan) -> np.floating | float:
    """Mean of a 1-D float array, exactly as ndarray.mean computes it, without its Python
    overhead (this is called many times a step on small arrays); `empty` for an empty one
    (NaN unless the caller says what a mean over nobody should be)."""
    if not values.size:
        return empty
    return np.add.reduce(values) / values.size


def row_sum(values: np.ndarray) -> np.ndarray:
    """`values.sum(axis=1)` of a narrow 2-D array, to the last bit: NumPy adds a row of
    fewer than eight elements one after another, and so does this, column by column,
    without the cost of a reduction along short rows (wider arrays are summed by NumPy)."""
    k = values.shape[1]
    if not 2 <= k < 8:
        return values.sum(axis=1)
    total = values[:, 0] + values[:, 1]
    for j in range(2, k):
        total += values[:, j]
    return total


def lexsort2(minor: np.ndarray, major: np.ndarray) -> np.ndarray:
    """`np.lexsort((minor, major))` (by `major`, then `minor`, ties in the original order)
    where `major` is a non-negative integer key: for thousands of rows, one stable sort by
    `minor` and then a stable sort by `major` as 16-bit integers (a radix sort), about twice
    as fast; the same permutation, since both sorts are stable."""
    if major.size < 1000 or int(major.max(initial=0)) > np.iinfo(np.uint16).max:
        return np.lexsort((minor, major))
    order = np.argsort(minor, kind="stable")
    return order[np.argsort(major.astype(np.uint16).take(order), kind="stable")]


def row_max(values: np.ndarray) -> np.ndarray:
    """Maximum of each row of a narrow 2-D array (column by column: exact, and faster than
    a reduction along short rows)."""
    best = values[:, 0].copy()
    for k in range(1, values.shape[1]):
        np.maximum(best, values[:, k], out=best)
    return best


def clip(values: np.ndarray, low: float, high: float, out: np.ndarray | None = None) -> np.ndarray:
    """np.clip (the same values: the larger of values and low, then the smaller of that and
    high) without its Python overhead."""
    raised = np.maximum(values, low, out=out)
    return np.minimum(raised, high, out=raised)
