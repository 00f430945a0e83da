"""The March (1991) code-and-beliefs sub-model."""

import numpy as np

from sim import learning


def test_socialization_moves_beliefs_one_step_toward_the_code():
    """With p1 = 1 a belief of −1 under a code of +1 becomes 0, never +1 in one period."""
    rng = np.random.default_rng(0)
    beliefs = np.array([[-1, 0, 1, 1]], dtype=np.int8)
    code = np.array([1, 1, 0, -1], dtype=np.int8)
    learning.socialize(rng, beliefs, code, 1.0)
    assert beliefs.tolist() == [[0, 1, 1, 0]]


def test_code_takes_the_majority_of_the_superior_group():
    """With p2 = 1 the code adopts the sign of the superior group's actions."""
    rng = np.random.default_rng(0)
    code = np.zeros(3, dtype=np.int8)
    actions = np.array([[1, -1, 1], [1, -1, -1], [1, 1, -1]], dtype=np.int8)
    performance = np.array([3, 3, 0])
    contributes = np.ones(3, dtype=bool)
    learning.learn_code(rng, code, actions, performance, 1.0, contributes, 1.0)
    assert code.tolist() == [1, -1, 0]


def test_hoarders_are_not_learned_from():
    """Superior people who do not share leave the code unchanged."""
    rng = np.random.default_rng(0)
    code = np.zeros(2, dtype=np.int8)
    actions = np.ones((4, 2), dtype=np.int8)
    learning.learn_code(rng, code, actions, np.full(4, 2), 0.0, np.zeros(4, dtype=bool), 1.0)
    assert code.tolist() == [0, 0]


def test_learning_raises_code_knowledge():
    """From a zero code, fifty periods of learning give the code positive knowledge."""
    rng = np.random.default_rng(1)
    reality = learning.random_reality(rng, 30)
    beliefs = learning.random_beliefs(rng, 50, 30)
    code = np.zeros(30, dtype=np.int8)
    for _ in range(50):
        learning.learning_period(rng, beliefs, code, reality, np.ones(50, dtype=bool), 0.1, 0.5)
    assert learning.code_knowledge(code, reality) > 0.5


def test_turbulence_flips_reality_at_its_rate():
    """With p4 = 0.5 about half of a long reality flips."""
    rng = np.random.default_rng(2)
    reality = np.ones(10000, dtype=np.int8)
    learning.turbulence(rng, reality, 0.5)
    assert 0.45 < (reality == -1).mean() < 0.55
