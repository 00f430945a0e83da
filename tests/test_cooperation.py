"""Helping as conditional cooperation: types and their schedules, beliefs that follow the
help people see, and the switches that remove each effect."""

import numpy as np
import pytest

from sim import behaviour
from sim.agents.employee import HELP
from sim.behaviour import Cooperation
from sim.errors import InputError
from sim.model import WorkplaceModel
from sim.validation import Settings, public_goods
from tests.conftest import SMALL


def test_schedules_answer_the_belief_by_type():
    """Conditional cooperators give slope × belief, free riders nothing, the hump rises and
    falls back to nothing, 'other' is about flat."""
    belief = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    give = {k: behaviour.cooperation_target(np.full(5, k, dtype=np.int8), belief, 0.73)
            for k in Cooperation}
    assert np.allclose(give[Cooperation.CONDITIONAL], 0.73 * belief)
    assert np.all(give[Cooperation.FREE_RIDER] == 0.0)
    hump = give[Cooperation.HUMP]
    assert hump[0] == 0.0 and hump[-1] == 0.0 and hump[2] == hump.max() > 0.2
    assert np.ptp(give[Cooperation.OTHER]) < 0.15


def test_types_are_drawn_with_the_declared_shares():
    """Half conditional cooperators, a third free riders, 14% hump-shaped, the rest other."""
    kinds = behaviour.draw_types(np.random.default_rng(0), 100_000, (0.5, 0.3, 0.14))
    shares = np.bincount(kinds, minlength=4) / kinds.size
    assert np.allclose(shares, [0.5, 0.3, 0.14, 0.06], atol=0.005)


def test_beliefs_move_part_way_toward_what_is_seen():
    """Partial adjustment: belief + rate × (seen − belief)."""
    assert np.allclose(behaviour.update_beliefs(np.array([0.5]), np.array([0.1]), 0.42),
                       [0.5 - 0.42 * 0.4])


def _type_gap(seed: int, **params) -> float:
    """Conditional cooperators' mean help share minus free riders', after half a year in the
    default-size firm."""
    model = WorkplaceModel(seed=seed, **params)
    for _ in range(26):
        model.step()
    emp = model.employees
    a = emp.active
    help_of = [emp.choice[a & (emp.coop_type == k), HELP].mean()
               for k in (Cooperation.CONDITIONAL, Cooperation.FREE_RIDER)]
    return float(help_of[0] - help_of[1])


def test_free_riders_help_less_than_conditional_cooperators():
    """In a running firm, free riders give a smaller share of their effort to helping than
    conditional cooperators, on each of three seeds."""
    assert all(_type_gap(seed) > 0.03 for seed in range(3))


def test_switching_cooperation_off_removes_the_types():
    """With cooperation_strength = 0 the type no longer sets help: the gap between
    conditional cooperators and free riders falls by more than half on each of three seeds."""
    for seed in range(3):
        assert abs(_type_gap(seed, cooperation_strength=0.0)) < 0.5 * _type_gap(seed)


def test_less_help_seen_lowers_a_conditional_cooperators_help():
    """Believing teammates help little lowers what a conditional cooperator gives."""
    model = WorkplaceModel(seed=6, **SMALL)
    emp = model.employees
    emp.coop_type[:] = Cooperation.CONDITIONAL
    emp.help_belief[:] = 0.4
    emp.choose_effort()
    trusting = emp.choice[:, HELP].copy()
    emp.help_belief[:] = 0.0
    emp.choose_effort()
    assert (emp.choice[:, HELP] < trusting).all()


def test_trust_in_peers_raises_help_and_its_switch_removes_that():
    """Higher trust in peers raises the cooperation target; trust_cooperation = 0 removes it."""
    for strength, rises in ((1.0, True), (0.0, False)):
        model = WorkplaceModel(seed=7, **SMALL, trust_cooperation=strength)
        emp = model.employees
        emp._peer_out = np.full(emp.n, 0.2)
        emp.choose_effort()
        low = emp.choice[:, HELP].copy()
        emp._peer_out = np.full(emp.n, 0.9)
        emp.choose_effort()
        assert (emp.choice[:, HELP].mean() > low.mean() + 0.005) == rises


def test_type_shares_above_one_are_one_line_errors():
    """Cooperation type shares that sum to more than 1 are refused, naming the parameters."""
    with pytest.raises(InputError, match="conditional_cooperator_share"):
        WorkplaceModel(seed=1, **SMALL, conditional_cooperator_share=0.8, free_rider_share=0.3)


def test_public_goods_game_starts_high_and_decays_like_the_laboratory():
    """The firm's rules, played as Fischbacher & Gächter's game, start well above zero, decay
    and stay within the stated gap of the laboratory's series."""
    result = public_goods.validate(Settings(runs=100))
    shares = [row["contribution_share"] for row in result.tables["table"]]
    assert shares[0] > 0.25 and shares[-1] < 0.6 * shares[0]
    assert result.passed, [c for c in result.checks if not c.passed]
