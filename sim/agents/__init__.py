"""The actors and projects. Each module holds a Mesa Agent class and its population's arrays."""

from sim.agents.customer import Customer, Customers
from sim.agents.employee import Employee, Employees
from sim.agents.manager import Manager, Managers
from sim.agents.project import Project, Projects
from sim.agents.shareholder import Shareholder, Shareholders

__all__ = [
    "Customer",
    "Customers",
    "Employee",
    "Employees",
    "Manager",
    "Managers",
    "Project",
    "Projects",
    "Shareholder",
    "Shareholders",
]
