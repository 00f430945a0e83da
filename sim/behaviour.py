"""How people choose, learn and cooperate: the rules the employees follow, as functions over
arrays, so that the firm and the laboratory public-goods game run the same code.

- **Choice** is a logit over utilities (Luce 1959; McFadden 1974): a person's week is made of
  `blocks` parts (half-days), each given to a task with the logit probabilities, so the
  week's split varies around the logit shares (which is how people come to see what a task
  earns) and equals them on average.
- **Learning** is the delta rule (Rescorla & Wagner 1972; Widrow & Hoff 1960): each person
  keeps, per task, the return a unit of effort on it has brought; each week the reward
  actually received is compared with what the week's effort predicted, and the error is
  credited to the tasks in proportion to the effort each got (normalized least mean
  squares), with an eligibility trace so that a reward arriving later is also credited to
  the effort that came before it (Sutton & Barto 2018, ch. 12).
- **Conditional cooperation** (Fischbacher, Gächter & Fehr 2001; Fischbacher & Gächter
  2010): each person has a cooperation type whose contribution schedule answers the
  contribution they expect of others; that belief moves toward what they see others give.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.agents.base import row_max, row_sum

#: Small number that keeps the normalization of the delta rule finite at zero effort.
_EPS = 1e-9


class Cooperation(IntEnum):
    """Cooperation types of Fischbacher, Gächter & Fehr (2001)."""

    CONDITIONAL = 0  # give about as much as others are expected to give, somewhat less
    FREE_RIDER = 1  # give nothing, whatever others give
    HUMP = 2  # give more as others give more, up to a point, then less ("triangle")
    OTHER = 3  # give a roughly constant amount


def logit_shares(utility: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise logit (softmax) of `utility / temperature`: the share of each option."""
    scaled = utility / temperature
    scaled -= row_max(scaled)[:, None]
    shares = np.exp(scaled, out=scaled)
    shares /= row_sum(shares)[:, None]
    return shares


def draw_split(rng: np.random.Generator, shares: np.ndarray, blocks: int) -> np.ndarray:
    """The week's split when each of `blocks` parts of the week goes to one task with the
    given shares (multinomial); `blocks` = 0 gives the shares themselves."""
    if blocks <= 0:
        return shares
    counts = rng.multinomial(blocks, np.clip(shares, 0.0, 1.0) / row_sum(shares)[:, None])
    return counts / blocks


def learn_returns(returns: np.ndarray, traces: np.ndarray, cues: np.ndarray,
                  reward: np.ndarray, rate: float, trace_decay: float,
                  rows: np.ndarray | None = None) -> None:
    """One delta-rule update, in place: `returns` (people × tasks) move so that
    returns · cues predicts `reward` better, the error credited along the eligibility
    traces (cues of this and, decaying by `trace_decay`, earlier weeks).

    r ← r + α (R − r·x) z / (z·z), z ← λ z + x: with λ = 0 it is normalized least mean
    squares on this week's effort; as α → 0 on a steady reward it converges to the return
    per unit of effort that the rewards actually paid.
    """
    if rows is not None:
        r, z, x, reward = returns[rows], traces[rows], cues[rows], reward[rows]
    else:
        r, z, x = returns, traces, cues
    z *= trace_decay
    z += x
    error = reward - row_sum(r * x)
    norm = row_sum(z * z) + _EPS
    r += (rate * error / norm)[:, None] * z
    if rows is not None:
        returns[rows], traces[rows] = r, z


def cooperation_target(kind: np.ndarray, belief: np.ndarray, slope: float) -> np.ndarray:
    """What each type would contribute, as a share of the whole, when it expects others to
    contribute the share `belief` (average schedules of Fischbacher & Gächter 2010, P-
    experiment: conditional cooperators give `slope` × belief (0.73 in their data), free
    riders nothing, hump-shaped contributors rise at half the belief to a quarter and fall
    to nothing as others give everything, the rest about 0.4 + 0.1 × belief)."""
    conditional = slope * belief
    hump = np.minimum(np.minimum(0.5 * belief, 0.25), 0.8 * (1.0 - belief))
    other = 0.4 + 0.1 * belief
    target = np.choose(kind, (conditional, np.zeros_like(belief), hump, other))
    return np.clip(target, 0.0, 1.0)


def draw_types(rng: np.random.Generator, n: int, shares: tuple[float, float, float]
               ) -> np.ndarray:
    """Cooperation types for n people: shares of conditional cooperators, free riders and
    hump-shaped contributors; the rest are 'other'."""
    conditional, free_rider, hump = shares
    p = np.array([conditional, free_rider, hump, max(0.0, 1.0 - conditional - free_rider
                                                      - hump)])
    return draw_categories(rng, p / p.sum(), n).astype(np.int8)


def draw_categories(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """`rng.choice(len(p), size=n, p=p)` (int64): the same draws from the same stream, by
    the steps Generator.choice takes (the cumulative shares, normalized by their last, and
    one uniform per draw placed among them), without its checks of `p`, which the caller
    guarantees (non-negative shares summing to one)."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(n), side="right")


def update_beliefs(belief: np.ndarray, observed: np.ndarray, rate: float) -> np.ndarray:
    """Beliefs about others' contribution move toward what was observed (partial
    adjustment; Fischbacher & Gächter's (2010) data give a rate of about 0.42 a period)."""
    return belief + rate * (observed - belief)
