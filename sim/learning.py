"""Organizational learning: March (1991), "Exploration and exploitation in organizational learning".

Reality is m dimensions of ±1; each person holds beliefs in {-1, 0, +1}; the organization's
code starts at 0. Each period people act on their beliefs (a 0 acts as a fair coin), the
code learns from the superior group (those who outperform it) and people learn from the
code. In the firm, only those who share their know-how are in the group the code learns
from (hoarding withholds them), and a person's knowledge raises case quality.
"""

from __future__ import annotations

import numpy as np


def random_beliefs(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Fresh beliefs drawn uniformly from {-1, 0, +1}."""
    return rng.integers(-1, 2, size=(n, m), dtype=np.int8)


def random_reality(rng: np.random.Generator, m: int) -> np.ndarray:
    """A reality of m dimensions, each +1 or -1 with equal chance."""
    return np.where(rng.random(m) < 0.5, -1, 1).astype(np.int8)


def act(rng: np.random.Generator, beliefs: np.ndarray) -> np.ndarray:
    """What each holder of `beliefs` does on each dimension: its belief, or a coin for 0."""
    heads = (rng.random(beliefs.shape) >= 0.5).view(np.int8)
    coins = heads * np.int8(2) - np.int8(1)  # −1 below 0.5, +1 above
    return np.where(beliefs == 0, coins, beliefs)


def matches(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """Number of dimensions each belief (or action) vector holds right, as floats (exact:
    a matrix-vector product of 0/1 values, much faster than a sum along short rows)."""
    right = (beliefs == reality).astype(np.float64)
    return right @ np.ones(right.shape[-1])


def knowledge(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """Share of dimensions each belief vector holds right (0..1)."""
    return matches(beliefs, reality) / reality.shape[-1]


def code_knowledge(code: np.ndarray, reality: np.ndarray) -> float:
    """March's measure of the code's knowledge: Σ(code × reality) / m, in [-1, 1]."""
    return float((code.astype(np.int32) * reality).sum() / reality.size)


def socialize(
    rng: np.random.Generator, beliefs: np.ndarray, code: np.ndarray, rate: float
) -> None:
    """Each belief that differs from a non-zero code moves one step toward it with chance p1."""
    if rate <= 0.0:
        return
    differs = (code != 0) & (beliefs != code)
    move = differs & (rng.random(beliefs.shape) < rate)
    beliefs += np.sign(code.astype(np.int8) - beliefs) * move


def learn_code(
    rng: np.random.Generator,
    code: np.ndarray,
    actions: np.ndarray,
    performance: np.ndarray,
    code_performance: float,
    contributes: np.ndarray,
    rate: float,
) -> None:
    """The code takes the majority view of the superior group with chance 1 − (1 − p2)^|k|.

    The superior group is everyone who contributes (shares) and outperformed the code;
    k is, per dimension, (members acting +1) − (members acting −1).
    """
    if rate <= 0.0:
        return
    superior = contributes & (performance > code_performance)
    if not superior.any():
        return
    k = actions[superior].sum(axis=0, dtype=np.int32)
    target = np.sign(k).astype(np.int8)
    change = (k != 0) & (code != target)
    chance = 1.0 - (1.0 - rate) ** np.abs(k)
    adopt = change & (rng.random(code.shape) < chance)
    code[adopt] = target[adopt]


def turbulence(rng: np.random.Generator, reality: np.ndarray, rate: float) -> None:
    """Each dimension of reality flips with chance p4."""
    if rate > 0.0:
        flip = rng.random(reality.shape) < rate
        reality[flip] *= -1


def learning_period(
    rng: np.random.Generator,
    beliefs: np.ndarray,
    code: np.ndarray,
    reality: np.ndarray,
    contributes: np.ndarray,
    socialization_rate: float,
    code_learning_rate: float,
) -> None:
    """One March period on given beliefs: act, then the code and the people learn together.

    Code learning uses the beliefs as they were at the start of the period, so the two
    learning processes are simultaneous, as in March's program.
    """
    actions = act(rng, beliefs)
    performance = matches(actions, reality)
    code_performance = float((act(rng, code[None, :])[0] == reality).sum())
    old_code = code.copy()
    learn_code(rng, code, actions, performance, code_performance, contributes, code_learning_rate)
    socialize(rng, beliefs, old_code, socialization_rate)
