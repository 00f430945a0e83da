"""The actors are real Mesa agents whose attributes read and write the population arrays."""

from sim.agents import Customer, Employee, Manager, Shareholder
from tests.conftest import small


def test_every_actor_is_a_mesa_agent_reachable_by_type(small_model):
    """agents_by_type holds one agent per employee, manager, customer and shareholder."""
    m = small_model
    assert len(m.agents_by_type[Employee]) == m.employees.headcount
    assert len(m.agents_by_type[Manager]) == m.managers.n
    assert len(m.agents_by_type[Customer]) == m.customers.count
    assert len(m.agents_by_type[Shareholder]) == m.shareholders.n


def test_agent_attributes_are_views_of_the_arrays(small_model):
    """Writing employee.engagement writes the array and reading it reads the array."""
    emp = small_model.agents_by_type[Employee].to_list()[0]
    emp.engagement = 0.123
    assert small_model.employees.engagement[emp.row] == 0.123
    small_model.employees.engagement[emp.row] = 0.456
    assert emp.engagement == 0.456
    assert emp.band == "not engaged"
    assert 0.0 <= emp.trust_in_manager <= 1.0


def test_agent_sets_follow_turnover_and_churn():
    """After quits, hires, churn and arrivals the agent sets still match the arrays."""
    m, ts = small(104, quit_base=0.02, churn_base=0.05, hiring_lag_weeks=2)
    assert ts["quits"].sum() > 0 and ts["churned"].sum() > 0
    assert len(m.agents_by_type[Employee]) == m.employees.headcount
    assert len(m.agents_by_type[Customer]) == m.customers.count
    assert {a.row for a in m.agents_by_type[Customer]} == set(m.customers.rows.tolist())


def test_select_works_on_array_backed_attributes(small_model):
    """Mesa's AgentSet.select can filter on an array-backed attribute."""
    engaged = small_model.agents_by_type[Employee].select(lambda e: e.engagement >= 0.6)
    emp = small_model.employees
    expected = int((emp.engagement[emp.active] >= 0.6).sum())
    assert len(engaged) == expected
