"""March (1991) vectorized over runs: many independent organizations stepped together.

The single-run primitives of `sim.learning` step one organization; validation needs
thousands of runs per parameter cell, so this module holds every run's beliefs in one
array of shape (runs, n, m) and applies March's period to all of them at once. The
period is the one of March's original program as reconstructed by Christensen (2015) and
Rodan (2005): turnover, turbulence, act, then code learning and socialization together
(each from the state at the start of the period). The code's score is its knowledge
Σ code·reality (a 0 scores 0, the expected score of acting on it); a person's
performance is Σ action·reality, a 0 belief acting as a fair coin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import learning


@dataclass(frozen=True)
class MarchCell:
    """One parameter cell of March's model (defaults: March's m = 30, n = 50).

    `socialization` may be one rate or one rate per person (a mixed population).
    `periods` fixes the horizon; None runs each organization to equilibrium, at most
    `cap` periods. `share` is each person's chance to feed the code in a period (1: March;
    less: hoarding); `breadth` is the chance that a replacement's belief on a dimension is
    fresh rather than the code's (1: March's naive newcomers; 0: clones of the code).
    `code_acts` scores the code by acting on it, zeros as coins, as the firm model does.
    """

    socialization: float | tuple[float, ...]
    code_learning: float
    turnover: float = 0.0
    turbulence: float = 0.0
    periods: int | None = None
    cap: int = 2000
    people: int = 50
    dimensions: int = 30
    share: float = 1.0
    breadth: float = 1.0
    code_acts: bool = False

    def rates(self) -> np.ndarray:
        """Socialization rate of each person (shape (n,))."""
        rates = np.asarray(self.socialization, dtype=float)
        return np.broadcast_to(rates, (self.people,)).astype(np.float32)


@dataclass
class MarchResult:
    """Per-run outcomes of a cell."""

    knowledge: np.ndarray  # code knowledge Σ code·reality / m at the end of each run
    periods: np.ndarray  # periods each run took (the horizon, or to equilibrium)
    capped: np.ndarray  # runs stopped by the cap before equilibrium
    history: np.ndarray | None  # (periods, runs) code knowledge after each period (fixed horizon)

    @property
    def mean(self) -> float:
        """Mean code knowledge over runs."""
        return float(self.knowledge.mean())

    @property
    def se(self) -> float:
        """Standard error of the mean code knowledge."""
        return standard_error(self.knowledge)

    def window(self, first: int, last: int) -> np.ndarray:
        """Each run's mean code knowledge over periods first..last (1-based, inclusive)."""
        if self.history is None:
            raise ValueError("only a fixed-horizon cell keeps its history")
        return self.history[first - 1:last].mean(axis=0)


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean of `values`."""
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


def at_equilibrium(beliefs: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Runs where nothing can change any more: every belief equals the code and the code
    has no 0 (so everyone acts as the code does and nobody can outperform it)."""
    same = (beliefs == code[:, None, :]).all(axis=(1, 2))
    return same & (code != 0).all(axis=1)


def simulate(rng: np.random.Generator, cell: MarchCell, runs: int) -> MarchResult:
    """Run `runs` independent organizations of one cell and return their outcomes."""
    n, m = cell.people, cell.dimensions
    rates = cell.rates()[None, :, None]
    reality = np.where(rng.random((runs, m)) < 0.5, -1, 1).astype(np.int8)
    beliefs = rng.integers(-1, 2, size=(runs, n, m), dtype=np.int8)
    code = np.zeros((runs, m), dtype=np.int8)
    to_equilibrium = cell.periods is None
    horizon = cell.cap if to_equilibrium else cell.periods
    knowledge = np.zeros(runs)
    periods = np.full(runs, horizon, dtype=np.int64)
    capped = np.zeros(runs, dtype=bool)
    history = None if to_equilibrium else np.zeros((horizon, runs), dtype=np.float32)
    alive = np.arange(runs)  # indices of the runs still going
    keep_rate = np.float32(1.0 - cell.code_learning)
    for t in range(horizon):
        if to_equilibrium:
            done = at_equilibrium(beliefs, code)
            if done.any():
                finished = alive[done]
                knowledge[finished] = _code_knowledge(code[done], reality[done])
                periods[finished] = t
                alive, beliefs, code, reality = (alive[~done], beliefs[~done], code[~done],
                                                 reality[~done])
                if alive.size == 0:
                    break
        if cell.turnover > 0:
            _replace(rng, beliefs, code, cell.turnover, cell.breadth)
        if cell.turbulence > 0:
            flip = rng.random(reality.shape, dtype=np.float32) < cell.turbulence
            reality[flip] *= -1
        _period(rng, beliefs, code, reality, rates, keep_rate, cell)
        if history is not None:
            history[t] = _code_knowledge(code, reality)
    if alive.size:
        knowledge[alive] = _code_knowledge(code, reality)
        capped[alive] = to_equilibrium
    return MarchResult(knowledge, periods, capped, history)


def _code_knowledge(code: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """March's knowledge of each run's code, Σ code·reality / m."""
    return (code.astype(np.int16) * reality).sum(axis=1) / code.shape[1]


def _coins(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Fair ±1 coins."""
    return (rng.integers(0, 2, size=shape, dtype=np.int8) * 2 - 1).astype(np.int8)


def _replace(rng: np.random.Generator, beliefs: np.ndarray, code: np.ndarray,
             rate: float, breadth: float) -> None:
    """Turnover: each person leaves with chance p3; the newcomer's beliefs are fresh
    (uniform on {-1, 0, 1}) with chance `breadth` per dimension, else the code's."""
    leaving = rng.random(beliefs.shape[:2], dtype=np.float32) < rate
    if not leaving.any():
        return
    run, _ = np.nonzero(leaving)
    fresh = rng.integers(-1, 2, size=(run.size, beliefs.shape[2]), dtype=np.int8)
    if breadth < 1.0:
        keep_fresh = rng.random(fresh.shape, dtype=np.float32) < breadth
        fresh = np.where(keep_fresh, fresh, code[run])
    beliefs[leaving] = fresh


def _period(rng: np.random.Generator, beliefs: np.ndarray, code: np.ndarray,
            reality: np.ndarray, rates: np.ndarray, keep_rate: np.float32,
            cell: MarchCell) -> None:
    """Act, then code learning from the superior group and socialization, simultaneously."""
    actions = np.where(beliefs == 0, _coins(rng, beliefs.shape), beliefs)
    performance = (actions * reality[:, None, :]).sum(axis=2, dtype=np.int16)
    if cell.code_acts:
        acted = np.where(code == 0, _coins(rng, code.shape), code)
        code_score = (acted * reality).sum(axis=1, dtype=np.int16)
    else:
        code_score = (code * reality).sum(axis=1, dtype=np.int16)
    superior = performance > code_score[:, None]
    if cell.share < 1.0:
        superior &= rng.random(superior.shape, dtype=np.float32) < cell.share
    k = np.einsum("rn,rnm->rm", superior.astype(np.int16), actions.astype(np.int16))
    target = np.sign(k).astype(np.int8)
    chance = 1.0 - keep_rate ** np.abs(k).astype(np.float32)
    learns = (k != 0) & (code != target) & (rng.random(code.shape, dtype=np.float32) < chance)
    old_code = code.copy()
    code[learns] = target[learns]
    differs = (old_code[:, None, :] != 0) & (beliefs != old_code[:, None, :])
    moves = differs & (rng.random(beliefs.shape, dtype=np.float32) < rates)
    beliefs += (np.sign(old_code[:, None, :] - beliefs) * moves).astype(np.int8)


def simulate_one(rng: np.random.Generator, cell: MarchCell) -> tuple[float, int, bool]:
    """One organization stepped with the single-run primitives of `sim.learning` (the
    reference the batched `simulate` is tested against): its final code knowledge, the
    periods it took and whether it hit the cap. Uniform socialization only; with
    `code_acts` each period is the firm's own `learning.learning_period`."""
    if np.ndim(cell.socialization) != 0:
        raise ValueError("simulate_one takes one socialization rate for everybody")
    n, m = cell.people, cell.dimensions
    reality = learning.random_reality(rng, m)
    beliefs = learning.random_beliefs(rng, n, m)
    code = np.zeros(m, dtype=np.int8)
    horizon = cell.cap if cell.periods is None else cell.periods
    for t in range(horizon):
        if cell.periods is None and at_equilibrium(beliefs[None], code[None])[0]:
            return learning.code_knowledge(code, reality), t, False
        if cell.turnover > 0:
            leaving = rng.random(n) < cell.turnover
            beliefs[leaving] = learning.random_beliefs(rng, int(leaving.sum()), m)
        learning.turbulence(rng, reality, cell.turbulence)
        contributes = rng.random(n) < cell.share
        if cell.code_acts:  # the firm's own period: the code acts too, a 0 as a coin
            learning.learning_period(rng, beliefs, code, reality, contributes,
                                     float(cell.socialization), cell.code_learning)
            continue
        actions = learning.act(rng, beliefs)
        performance = (actions.astype(np.int32) * reality).sum(axis=1)
        code_score = float((code.astype(np.int32) * reality).sum())
        old_code = code.copy()
        learning.learn_code(rng, code, actions, performance, code_score, contributes,
                            cell.code_learning)
        learning.socialize(rng, beliefs, old_code, float(cell.socialization))
    return learning.code_knowledge(code, reality), horizon, cell.periods is None
