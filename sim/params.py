"""Every parameter of the model, declared once.

Each `Param` carries its type, default, range, unit, one-line doc and group. The model's
keywords, scenario files, `aligned run --set`, sweep specs and the visualizer's controls
all read this table; nothing else holds a default or a range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.incentives import SCHEME_NAMES, scheme_values
from sim.vocab import FUNCTIONS, MEASURES, TASKS

__all__ = [
    "FUNCTIONS",
    "GROUPS",
    "MEASURES",
    "MODEL_VERSION",
    "PARAMS",
    "RETIRED",
    "SCHEME_NAMES",
    "SIZE_PARAMS",
    "TASKS",
    "Param",
    "check_together",
    "check_values",
    "defaults",
    "suggest",
    "unknown",
]



@dataclass(frozen=True)
class Param:
    """One model parameter: what it is, its default and the values it may take."""

    name: str
    type: type
    default: Any
    low: float | None = None
    high: float | None = None
    unit: str = ""
    doc: str = ""
    group: str = "general"
    choices: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"parameter {self.name}: low {self.low} > high {self.high}")
        self.check(self.default, "declaration")

    @property
    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.type is bool:
            return "true or false"
        kind = "an integer" if self.type is int else "a number"
        return f"{kind} in [{self.low:g}, {self.high:g}]"

    def check(self, value: Any, where: str) -> Any:
        """Return `value` coerced to this parameter's type, or raise `InputError`."""
        bad = InputError(
            f"{where}: {self.name} = {value!r} is not allowed; expected {self.allowed}")
        if self.type is bool:
            if not isinstance(value, bool):
                raise bad
            return value
        if self.type is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise bad
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        if self.type is int:
            if isinstance(value, float) and not value.is_integer():
                raise bad
            value = int(value)
        else:
            value = float(value)
            if math.isnan(value):
                raise bad
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise bad
        return value

    def parse(self, text: str, where: str) -> Any:
        """Parse a command-line string (as in `--set name=value`) and check it."""
        if self.type is bool:
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            return self.check(text, where)
        if self.type is str:
            return self.check(text.strip(), where)
        text = text.strip()
        number = float(text) if PLAIN_NUMBER.fullmatch(text) else math.nan
        if not math.isfinite(number):  # not a plain number, or too large for a float
            raise InputError(f"{where}: {self.name} = {text!r} is not allowed; expected "
                             f"{self.allowed}, written as a plain number (as 4, 0.25 or 1e3)")
        whole = self.type is int and number.is_integer()
        return self.check(int(number) if whole else number, where)


#: A number as the command line takes it: digits with an optional point and exponent; not
#: `1_000`, `inf` or `nan`, which Python's float() reads but a person rarely means.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _p(name, type_, default, low=None, high=None, unit="", doc="", group="general", choices=None):
    return Param(name, type_, default, low, high, unit, doc, group, choices)


_DECLARED: list[Param] = [
    # --- size -----------------------------------------------------------------------
    _p("n_employees", int, 200, 8, 20000, "people", "employee positions in the firm", "firm"),
    _p("team_size", int, 8, 2, 50, "people", "employees per manager (one team per manager)",
       "firm"),
    _p("n_customers", int, 2000, 10, 500000, "customers", "customers at the start", "firm"),
    _p("n_shareholders", int, 20, 1, 1000, "holders", "outside shareholders", "firm"),
    _p("cross_team_ties", int, 2, 0, 20, "ties/person",
       "collaboration ties each employee has outside the team", "firm"),
    _p("spinup_weeks", int, 520, 0, 2600, "weeks", "weeks the firm runs, unrecorded, under its "
       "own parameters before week 1 (failure and layoffs suspended, no events), so that a run "
       "starts near the firm's steady state (the customer base and its expectations settle "
       "over about ten years)", "firm"),
    # --- incentive scheme -------------------------------------------------------------
    _p("employee_scheme", str, "balanced_scorecard", doc="named incentive scheme for employees "
       "(sets the emp_w_* weights; 'custom' keeps them)", group="incentives", choices=SCHEME_NAMES),
    _p("manager_scheme", str, "balanced_scorecard", doc="named incentive scheme for managers "
       "(sets the mgr_w_* weights; 'custom' keeps them)", group="incentives", choices=SCHEME_NAMES),
    *[
        _p(f"emp_w_{m}", float, d, 0.0, 1.0, "weight", f"employees' pay weight on {m}",
           "incentives")
        for m, d in zip(MEASURES, (0.3, 0.3, 0.2, 0.1, 0.0, 0.1), strict=True)
    ],
    *[
        _p(f"mgr_w_{m}", float, d, 0.0, 1.0, "weight", f"managers' pay weight on team {m}",
           "incentives")
        for m, d in zip(MEASURES, (0.3, 0.3, 0.2, 0.1, 0.0, 0.1), strict=True)
    ],
    _p("pay_sensitivity", float, 1.0, 0.0, 5.0, "1/wage", "worth to people of a unit of "
       "variable pay received (bonus, profit share, dividends, raises; in weekly wages): how much "
       "the pay actually received steers what they learn to do (0: pay moves no effort)",
       "incentives"),
    _p("bonus_share", float, 0.10, 0.0, 0.5, "of wages", "bonus pool as a share of the wage bill",
       "incentives"),
    _p("profit_share_rate", float, 0.0, 0.0, 0.5, "of profit",
       "share of positive profit paid out to employees", "incentives"),
    _p("relative_evaluation", float, 0.0, 0.0, 1.0, "1", "0 = judged on absolute measures, "
       "1 = forced relative ranking (the score is the rank: a peer's gain is one's loss)",
       "incentives"),
    _p("forced_exit_share", float, 0.0, 0.0, 0.3, "per year",
       "bottom-ranked share of employees dismissed at each annual review", "incentives"),
    _p("forced_exit_min_tenure", float, 26.0, 0.0, 520.0, "weeks", "tenure below which a person "
       "is spared at the annual review (too new to be ranked)", "incentives"),
    _p("score_average_rate", float, 0.02, 0.0, 1.0, "1/week", "how fast the score's moving "
       "average (which forced exits rank by) follows the weekly score", "incentives"),
    _p("employee_equity_share", float, 0.0, 0.0, 0.5, "of shares",
       "share of the firm owned by employees (an employee-owner shareholder block)", "incentives"),
    # --- effort -----------------------------------------------------------------------
    _p("effort_temperature", float, 0.25, 0.005, 5.0, "wage/week", "softness of the logit "
       "choice over tasks' utilities, in weekly wages (→0: all effort to the task of highest "
       "return, the Holmstrom–Milgrom corner; 0.25 reproduces the decay of contributions in "
       "Fischbacher & Gächter's 2010 public-goods game, `aligned validate public_goods`)",
       "effort"),
    _p("return_learning_rate", float, 0.2, 0.0, 1.0, "1/week", "how fast the return a person "
       "expects of each task follows what a unit of effort on it brought (delta rule; 0 "
       "switches learning off: returns stay at zero)", "effort"),
    _p("initial_return", float, 0.1, 0.0, 2.0, "wage/effort", "the return a newcomer expects "
       "of a unit of effort on any task before experience (a prior; with none, an "
       "incentive-driven effort level would start and stay at zero)", "effort"),
    _p("reward_trace", float, 0.5, 0.0, 0.99, "1/week", "eligibility trace: share of last "
       "week's credit for a reward that carries to this week (0: a reward is credited to this "
       "week's effort only)", "effort"),
    _p("effort_blocks", int, 10, 0, 40, "parts/week", "parts of the week (half-days) each given "
       "to one task by the logit: the week's split varies around the logit shares, which is how "
       "people see what each task earns (0: the split is the logit shares exactly)", "effort"),
    _p("credit_value", float, 0.1, 0.0, 3.0, "wage/week", "worth of the credit a manager "
       "passes on, per unit of the work the manager's own scheme measures (relative to the "
       "firm's mean; 0 switches the channel off)", "effort"),
    _p("recognition_value", float, 0.1, 0.0, 3.0, "wage/effort", "worth of peers' recognition "
       "per unit of net help they see (help given against the sharing reference; 0 switches "
       "it off)", "effort"),
    _p("security_value", float, 1.0, 0.0, 10.0, "wage/week", "worth of standing clear of a "
       "forced exit: the reward, per unit of forced_exit_share, of ranking at the top rather "
       "than the middle (0 switches it off)", "effort"),
    _p("intrinsic_strength", float, 1.0, 0.0, 5.0, "1", "weight of the intrinsic return of "
       "each task (grows with engagement and the purpose a person values) in its utility",
       "effort"),
    _p("intrinsic_speed", float, 0.4, 0.0, 1.0, "1", "intrinsic return of speed", "effort"),
    _p("intrinsic_care", float, 0.5, 0.0, 1.0, "1", "intrinsic return of care (quality)", "effort"),
    _p("intrinsic_help", float, 0.3, 0.0, 1.0, "1", "intrinsic return of helping peers", "effort"),
    _p("intrinsic_learn", float, 0.2, 0.0, 1.0, "1", "intrinsic return of learning", "effort"),
    _p("norm_strength", float, 0.3, 0.0, 3.0, "1",
       "pull toward the team's effort split of last week (peer norms, imitation)", "effort"),
    # --- cooperation --------------------------------------------------------------------
    _p("cooperation_strength", float, 0.5, 0.0, 1.0, "1", "weight of a person's cooperation "
       "type and belief in their help, against the learned choice (0: help follows learned "
       "returns alone)", "cooperation"),
    _p("conditional_cooperator_share", float, 0.5, 0.0, 1.0, "of hires", "share of conditional "
       "cooperators (Fischbacher, Gächter & Fehr 2001: about half)", "cooperation"),
    _p("free_rider_share", float, 0.3, 0.0, 1.0, "of hires", "share of free riders "
       "(Fischbacher, Gächter & Fehr 2001: about a third)", "cooperation"),
    _p("hump_share", float, 0.14, 0.0, 1.0, "of hires", "share of hump-shaped contributors "
       "(Fischbacher, Gächter & Fehr 2001: 14%); the rest are 'other'", "cooperation"),
    _p("conditional_slope", float, 0.73, 0.0, 1.5, "1", "what a conditional cooperator gives "
       "per unit others are expected to give (0.73: Fischbacher & Gächter 2010's data, "
       "imperfect conditional cooperation)", "cooperation"),
    _p("help_belief_rate", float, 0.42, 0.0, 1.0, "1/week", "how fast the belief about "
       "teammates' help follows the help one sees (0.42 a period: Fischbacher & Gächter "
       "2010's data)", "cooperation"),
    _p("initial_help_belief", float, 0.25, 0.0, 1.0, "of effort", "what a newcomer expects "
       "teammates to give to helping (an even split of the four tasks)", "cooperation"),
    _p("trust_cooperation", float, 1.0, 0.0, 5.0, "1", "how much trust in peers raises what a "
       "person is willing to give (× (1 + this × (trust − 0.5)); 0 switches it off)",
       "cooperation"),
    _p("base_effort", float, 0.5, 0.0, 1.0, "1",
       "share of full effort given at zero engagement (e0)", "effort"),
    _p("effort_incentive_strength", float, 0.0, 0.0, 1.0, "1", "weight of the incentive-"
       "driven effort level, return per unit of effort / effort_cost (Holmstrom & Milgrom "
       "1991), against the engagement-driven one (0 switches it off)", "effort"),
    _p("effort_cost", float, 1.0, 0.05, 10.0, "1", "marginal cost slope c of total effort: the "
       "incentive-driven level is (return per unit of effort) / c", "effort"),
    _p("working_hours", float, 40.0, 10.0, 80.0, "h/week", "hours in a working week", "effort"),
    _p("meeting_hours", float, 8.0, 0.0, 30.0, "h/week", "meeting hours managers impose",
       "managers"),
    _p("process_overhead", float, 0.15, 0.0, 0.6, "of time",
       "time lost to process, approvals and hand-offs at zero trust", "effort"),
    _p("trust_overhead_relief", float, 0.6, 0.0, 1.0, "1", "how much full trust cuts meeting and "
       "process overhead (speed of trust; 0 switches it off)", "effort"),
    # --- work -------------------------------------------------------------------------
    _p("case_rate", float, 0.2, 0.0, 5.0, "cases/customer/week", "new cases each customer raises",
       "work"),
    *[
        _p(f"demand_mix_{f}", float, 0.25, 0.0, 1.0, "of cases", f"share of cases that need "
           f"{f} (the four shares are normalized to sum to 1)", "work")
        for f in FUNCTIONS
    ],
    _p("demand_shift_week", int, 0, 0, 2600, "week", "week from which a share of all cases "
       "moves to one function (0: no shift)", "work"),
    _p("demand_shift_function", str, "engineering", doc="the function the demand shift moves "
       "cases to", group="work", choices=FUNCTIONS),
    _p("demand_shift_size", float, 0.3, 0.0, 1.0, "of cases", "share of all cases that moves to "
       "the demand shift's function (taken from every function in proportion)", "work"),
    _p("case_capacity", float, 40.0, 1.0, 200.0, "cases/week",
       "closures per week of a fully fitted employee giving all effort to speed", "work"),
    _p("case_difficulty", float, 2.0, -3.0, 5.0, "logit", "difficulty of solving a case", "work"),
    _p("care_quality_effect", float, 8.0, 0.0, 15.0, "logit", "effect of care effort on solving",
       "work"),
    _p("knowledge_quality_effect", float, 1.5, 0.0, 10.0, "logit",
       "effect of know-how (March beliefs matching reality) on solving", "work"),
    _p("fit_quality_effect", float, 1.5, 0.0, 10.0, "logit",
       "effect of role fit (skill × passion) on solving", "work"),
    _p("help_strength", float, 1.0, 0.0, 5.0, "1",
       "output gain from teammates' help (per unit of team help effort)", "work"),
    # --- customers ---------------------------------------------------------------------
    _p("satisfaction_rate", float, 0.1, 0.0, 1.0, "1/week",
       "how fast satisfaction follows service outcomes against expectations", "customers"),
    _p("disconfirmation_sensitivity", float, 6.0, 0.0, 50.0, "logit",
       "how strongly outcomes above or below expectation move satisfaction", "customers"),
    _p("initial_satisfaction", float, 0.6, 0.0, 1.0, "1", "satisfaction of a new customer",
       "customers"),
    _p("expectation_rate", float, 0.002, 0.0, 0.5, "1/week",
       "how fast expectations adapt to experienced service", "customers"),
    _p("initial_expectation", float, 0.55, 0.0, 1.0, "1", "expected service outcome at the start",
       "customers"),
    _p("reopen_cost", float, 0.8, 0.0, 3.0, "1", "harm to the customer of a case that reopens",
       "customers"),
    _p("wait_value", float, 0.4, 0.0, 1.0, "1", "outcome value of a case still waiting",
       "customers"),
    _p("churn_base", float, 0.015, 0.0, 0.2, "1/week", "weekly churn hazard at zero satisfaction "
       "(0 switches churn off)", "customers"),
    _p("churn_sensitivity", float, 4.0, 0.0, 20.0, "1", "how fast churn falls with satisfaction",
       "customers"),
    _p("trust_churn_effect", float, 2.0, 0.0, 10.0, "logit", "how much a customer's trust in the "
       "firm lowers the churn hazard (× exp(−this × (trust − 0.5)); 0 switches it off)",
       "customers"),
    _p("trust_forgiveness", float, 0.5, 0.0, 1.0, "1", "share of a reopened case's harm a "
       "fully trusting customer forgives (a distrustful one forgives none; 0 switches it off)",
       "customers"),
    _p("trust_word_of_mouth", float, 0.5, 0.0, 1.0, "1", "how much trust weighs what customers "
       "tell others: trusting promoters recommend more, distrustful detractors warn more (0 "
       "switches it off)", "customers"),
    _p("base_inflow", float, 0.002, 0.0, 0.05, "1/week", "new customers per customer per week from "
       "marketing alone", "customers"),
    _p("word_of_mouth", float, 0.004, 0.0, 0.2, "1/week",
       "new customers per net promoter per week (0 switches word of mouth off)", "customers"),
    _p("market_size", int, 3000, 10, 10000000, "customers",
       "potential customers: inflow shrinks as the firm nears it (Bass diffusion)", "customers"),
    _p("promoter_threshold", float, 0.8, 0.5, 1.0, "1", "satisfaction above which a customer "
       "recommends the firm", "customers"),
    _p("detractor_threshold", float, 0.45, 0.0, 0.8, "1", "satisfaction below which a customer "
       "warns others", "customers"),
    _p("price", float, 350.0, 1.0, 10000.0, "$/customer/week", "revenue per customer per week",
       "customers"),
    # --- managers ---------------------------------------------------------------------
    _p("manager_reliability", float, 0.7, 0.0, 1.0, "1", "chance a manager keeps a commitment",
       "managers"),
    _p("commitment_rate", float, 1.0, 0.0, 10.0, "1/week",
       "commitments a manager makes to the team "
       "each week (0 switches commitments off)", "managers"),
    _p("closure_rate", float, 0.6, 0.0, 1.0, "1", "share of raised issues a manager closes",
       "managers"),
    _p("issue_rate", float, 0.1, 0.0, 2.0, "1/person/week",
       "issues (blockers) each employee raises at neutral trust in the manager",
       "managers"),
    _p("trust_voice", float, 1.0, 0.0, 5.0, "1", "how much trust in the manager raises the "
       "issues people raise (psychological safety: × (1 + this × (trust − 0.5)); 0 switches it "
       "off)", "managers"),
    _p("credit_fairness", float, 0.8, 0.0, 1.0, "1",
       "share of credit a manager passes to whoever did the work", "managers"),
    _p("autonomy", float, 0.5, 0.0, 1.0, "1", "leadership style: 0 command and control, "
       "1 follow from the front (autonomy granted)", "managers"),
    _p("blocker_removal", float, 0.2, 0.0, 1.0, "1", "issues a manager who follows from the "
       "front closes beyond the calibrated style: closure rate + this × (autonomy − 0.5) "
       "(0 switches it off)", "managers"),
    _p("alongside_capacity", float, 0.3, 0.0, 2.0, "people", "capacity a manager who follows "
       "from the front adds by working alongside the team beyond the calibrated style, in "
       "team members: 2 × this × (autonomy − 0.5) (a controlling manager adds less; 0 "
       "switches it off)", "managers"),
    _p("status_hours", float, 2.0, 0.0, 20.0, "h/week", "status meetings and reporting a "
       "controlling manager imposes beyond the calibrated style: 2 × this × (0.5 − autonomy) "
       "hours a week (a manager in front saves them; 0 switches it off)", "managers"),
    _p("control_distrust", float, 0.2, 0.0, 2.0, "evidence/week", "discomfort people feel "
       "each week at being controlled (comfort at being left to work): 2 × this × "
       "|autonomy − 0.5| of trust evidence (the hidden costs of control; 0 switches it off)",
       "managers"),
    _p("manager_heterogeneity", float, 0.1, 0.0, 0.5, "1", "spread of reliability, closure, "
       "credit fairness and autonomy across managers", "managers"),
    _p("credit_taking_incentive", float, 0.3, 0.0, 1.0, "1", "how far a manager paid on "
       "individual measures (throughput, satisfaction, skill growth) and relative ranking takes "
       "credit: the drop in credit passed on at a fully individual, fully relative manager "
       "scheme (0 switches it off)", "managers"),
    _p("manager_overload_effect", float, 0.5, 0.0, 1.0, "1", "loss of a manager's commitment-"
       "keeping and issue closure when the team's backlog is twice its capacity (0 switches "
       "it off)", "managers"),
    _p("manager_reciprocity", float, 0.3, 0.0, 1.0, "1", "how much a manager's reliability, "
       "closure and credit passed on rise with the team's trust in the manager above neutral "
       "(and fall below it; 0 switches it off)", "managers"),
    # --- customized work ---------------------------------------------------------------
    _p("customized_work", bool, False, doc="move people toward roles of higher fit with "
       "peer-validated expertise (false: fixed ladder in the hire function)", group="careers"),
    _p("role_review_weeks", int, 13, 1, 104, "weeks", "in customized work, mean weeks between "
       "a person's looks at the internal marketplace for a better role", "careers"),
    _p("role_mobility", float, 0.5, 0.0, 1.0, "1",
       "chance the manager lets a validated, better move happen (× autonomy)", "careers"),
    _p("case_routing", str, "team", doc="where a case goes: to the people of its function in "
       "the customer's team (team), or in the whole firm (firm: the work flows to whoever "
       "can do it)", group="careers", choices=("team", "firm")),
    _p("move_to_need", float, 0.1, 0.0, 2.0, "fit per unit of load", "in customized work, how "
       "much the work waiting in a function (the team's demand over capacity there) draws "
       "people to it, in units of fit (0: people move by fit alone)", "careers"),
    _p("fit_gain_threshold", float, 0.1, 0.0, 1.0, "1", "fit gain that makes a move worth it",
       "careers"),
    _p("validation_threshold", float, 0.5, 0.0, 1.0, "1",
       "peer-validated expertise needed to move into a function", "careers"),
    _p("reputation_rate", float, 0.05, 0.0, 1.0, "1/week",
       "how fast peers' view of one's expertise follows observed work (re-validation)", "careers"),
    _p("mentoring", float, 0.01, 0.0, 0.2, "1/week", "pull of a mentee's skill toward the "
       "mentor's each week (0 switches mentoring off)", "careers"),
    _p("mentor_time", float, 0.03, 0.0, 0.5, "of a week", "share of a mentor's week each mentee "
       "takes (at most half the week in all)", "careers"),
    _p("mentees_per_mentor", int, 3, 1, 50, "people", "most mentees one mentor takes",
       "careers"),
    _p("endorsement_noise", float, 0.1, 0.0, 1.0, "1", "noise of what peers endorse of someone's "
       "skill when they see the work (0 and no biases: they see it as it is)", "careers"),
    _p("endorsement_halo", float, 0.2, 0.0, 2.0, "1", "halo in endorsements: how much better an "
       "engaged person's skill looks (per unit of engagement above 0.5)", "careers"),
    _p("endorsement_homophily", float, 0.1, 0.0, 2.0, "1", "homophily in endorsements: how much "
       "better someone looks to a team where more people share their function", "careers"),
    # --- projects and the collaboration platform -------------------------------------------
    _p("projects", bool, True, doc="work also comes as projects that need skill in one or two "
       "functions (false: cases only)", group="projects"),
    _p("project_rate", float, 0.5, 0.0, 10.0, "per 100 people per week", "new projects a week "
       "per hundred people present", "projects"),
    _p("project_team", int, 4, 1, 20, "people", "people a project takes", "projects"),
    _p("project_time", float, 0.2, 0.0, 1.0, "of a week", "share of a member's week a project "
       "takes", "projects"),
    _p("project_size", float, 4.0, 0.1, 100.0, "person-weeks", "effort a project takes to "
       "finish (full-time weeks of one person)", "projects"),
    _p("project_value", float, 30.0, 0.0, 1000.0, "weeks of wage", "revenue a finished project "
       "brings at full fit of its people's skill and passion with its work", "projects"),
    _p("dip_in_rate", float, 0.2, 0.0, 1.0, "1/week", "in customized work, chance a person free "
       "of projects looks at the open ones in a week and dips into the one they care most "
       "about", "projects"),
    _p("project_learning", float, 0.3, 0.0, 1.0, "1", "chance a member's belief on a dimension "
       "moves to the project team's majority when the project finishes", "projects"),
    _p("platform", bool, True, doc="the collaboration platform: people of different teams who "
       "shared a project stay tied (trust, the know-how they share, mentors by interest across "
       "the firm); false: ties stay within the starting network", group="projects"),
    _p("max_platform_ties", int, 10, 0, 100, "ties", "most ties across teams a person keeps",
       "projects"),
    _p("platform_sharing", float, 0.2, 0.0, 1.0, "1", "rise of the chance to share know-how "
       "with the organization's code for a person with three or more platform ties",
       "projects"),
    _p("learning_rate", float, 0.01, 0.0, 0.2, "1/week", "skill gain per unit of learning effort",
       "careers"),
    _p("skill_decay", float, 0.001, 0.0, 0.05, "1/week", "skill lost in functions not practised",
       "careers"),
    _p("max_level", int, 5, 0, 20, "levels", "highest career level", "careers"),
    _p("promotion_years", float, 3.0, 0.5, 20.0, "years",
       "tenure per level on the fixed ladder (credentials)", "careers"),
    _p("level_pay_step", float, 0.08, 0.0, 0.5, "of wage", "pay rise per level", "careers"),
    _p("passion_growth", float, 0.002, 0.0, 0.05, "1/week",
       "how passion for the current function follows engagement", "careers"),
    _p("initial_skill_gain", float, 0.38, 0.0, 1.0, "1", "how far the starting staff's skill in "
       "the hire function has risen above a newcomer's (new_hire_skill) after a long tenure: "
       "mean new_hire_skill + gain · (1 − exp(−tenure / initial_skill_years)), as in the "
       "baseline firm's long run", "careers"),
    _p("initial_skill_years", float, 9.0, 0.1, 40.0, "years", "tenure over which the starting "
       "staff's skill rises toward its long-tenure level", "careers"),
    _p("initial_tenure_years", float, 9.6, 0.0, 40.0, "years", "mean tenure of the starting "
       "staff (exponential, at most 40 years; 9.6: the baseline firm's long-run mean, whose "
       "tenures are about exponential)", "careers"),
    _p("initial_skill_sd", float, 0.15, 0.0, 0.5, "1",
       "spread of the starting staff's skill in the hire function around its mean at their "
       "tenure", "careers"),
    _p("secondary_skill_max", float, 0.4, 0.0, 1.0, "1", "top of the uniform skill in the other "
       "functions, at the start and for hires (and the cap on the typical profile hires copy)",
       "careers"),
    _p("passion_min", float, 0.1, 0.0, 1.0, "1", "lowest passion for a function, at the start "
       "and for hires (passion is uniform between it and 1)", "careers"),
    _p("survey_noise", float, 0.1, 0.0, 1.0, "1", "noise of the customer survey behind each "
       "person's satisfaction measure (a survey of the cases they closed)", "incentives"),
    # --- what people value -------------------------------------------------------------------
    _p("value_sd", float, 0.3, 0.0, 1.0, "1", "spread across people of the weight each puts on "
       "pay, purpose, autonomy, recognition and security (mean 1; 0: everyone values them "
       "alike)", "values"),
    _p("early_career_share", float, 0.4, 0.0, 1.0, "of people", "share of the starting staff "
       "and of hires who are early in their careers", "values"),
    _p("purpose_gap", float, 0.0, -1.0, 1.0, "1", "how much more weight early-career people "
       "put on purpose than the experienced (half above, half below the mean; 0: none, as "
       "Twenge et al. 2010 find)", "values"),
    _p("pay_need_gap", float, 0.0, -1.0, 1.0, "1", "how much more weight experienced people "
       "put on pay than the early-career (obligations; 0: none)", "values"),
    # --- trust ------------------------------------------------------------------------
    _p("trust_memory", float, 0.97, 0.5, 1.0, "1/week",
       "decay of trust evidence (Beta counts) each week", "trust"),
    _p("comfort_weight", float, 0.5, 0.0, 1.0, "1",
       "weight of comfort (relationship) against confidence (track record) in trust", "trust"),
    _p("help_evidence", float, 3.0, 0.0, 20.0, "1",
       "comfort evidence per unit of help received from a peer", "trust"),
    # --- engagement ---------------------------------------------------------------------
    _p("engagement_rate", float, 0.05, 0.0, 1.0, "1/week",
       "how fast engagement moves toward its target", "engagement"),
    _p("engagement_noise", float, 0.02, 0.0, 0.3, "1", "weekly noise on engagement", "engagement"),
    _p("engagement_disposition_sd", float, 1.0, 0.0, 3.0, "logit",
       "spread of personal disposition to engage", "engagement"),
    _p("engagement_bias", float, -0.8, -5.0, 5.0, "logit", "baseline of the engagement target (θ0)",
       "engagement"),
    _p("fairness_effect", float, 1.5, 0.0, 10.0, "logit",
       "effect of fair pay and credit (equity theory)", "engagement"),
    _p("credit_weight", float, 0.5, 0.0, 1.0, "1",
       "weight of credit (against pay) in perceived fairness", "engagement"),
    _p("trust_effect", float, 2.0, 0.0, 10.0, "logit", "effect of trust in one's manager",
       "engagement"),
    _p("autonomy_fit_effect", float, 2.0, 0.0, 10.0, "logit", "effect of autonomy × role fit",
       "engagement"),
    _p("recognition_effect", float, 1.5, 0.0, 10.0, "logit", "effect of peers' regard",
       "engagement"),
    _p("purpose_effect", float, 1.5, 0.0, 10.0, "logit",
       "effect of the team's customers' satisfaction (purpose)", "engagement"),
    _p("overload_effect", float, 1.0, 0.0, 10.0, "logit", "effect of backlog beyond capacity",
       "engagement"),
    _p("meeting_effect", float, 2.0, 0.0, 10.0, "logit", "effect of the meeting share of the week",
       "engagement"),
    _p("engagement_contagion", float, 0.0, 0.0, 20.0, "logit", "pull of the team's mean "
       "engagement on each member's target (emotional contagion, crossover; 0 switches it "
       "off; strong contagion makes team engagement tip between two states)", "engagement"),
    _p("engaged_threshold", float, 0.6, 0.5, 1.0, "1", "engagement at or above which a person "
       "counts as engaged (Gallup band)", "engagement"),
    _p("disengaged_threshold", float, 0.3, 0.0, 0.5, "1", "engagement below which a person "
       "counts as actively disengaged (Gallup band)", "engagement"),
    # --- turnover ------------------------------------------------------------------------
    _p("quit_base", float, 0.004, 0.0, 0.1, "1/week", "weekly quit hazard when outside and inside "
       "value are equal (0 switches quitting off)", "turnover"),
    _p("quit_sensitivity", float, 3.0, 0.0, 20.0, "1", "how fast quitting grows with the gap",
       "turnover"),
    _p("trust_retention", float, 1.0, 0.0, 5.0, "1", "weight of trust in one's manager in the "
       "value of staying (0 switches it off)", "turnover"),
    _p("outside_skill_value", float, 1.0, 0.0, 5.0, "1",
       "outside option per unit of best skill and validated reputation", "turnover"),
    _p("outside_reputation_weight", float, 0.5, 0.0, 1.0, "1", "weight of validated reputation "
       "in the role (against best skill) in the outside option", "turnover"),
    _p("outside_offers", bool, True, doc="offers from outside reach people through their "
       "connections and validated expertise (false: quitting follows the outside option "
       "alone)", group="turnover"),
    _p("offer_rate", float, 0.0008, 0.0, 0.1, "1/week", "weekly chance of an outside offer for "
       "someone with validated expertise 1 and no ties beyond the team", "turnover"),
    _p("offer_reach_effect", float, 0.1, 0.0, 2.0, "per tie", "rise of the offer chance with "
       "each tie beyond one's team (starting ties, platform ties, former colleagues)",
       "turnover"),
    _p("offer_premium", float, 0.15, 0.0, 2.0, "of a wage", "what an offer adds to the outside "
       "option, and the raise a counter-offer gives", "turnover"),
    _p("counter_offer_share", float, 0.1, 0.0, 1.0, "1", "the firm counters offers to its top "
       "this share of people by its view of expertise (0 switches counter-offers off)",
       "turnover"),
    _p("offer_internal_moves", bool, True, doc="in customized work, someone with an offer and a "
       "validated, better-fitting function moves there instead of leaving", group="turnover"),
    _p("alumni_memory_weeks", float, 104.0, 1.0, 1040.0, "weeks", "how long a tie to a former "
       "colleague keeps bringing offers (its weight fades by 1/this a week)", "turnover"),
    _p("consultant_share", float, 0.3, 0.0, 1.0, "1",
       "chance a skilled leaver becomes an independent consultant", "turnover"),
    _p("consultant_skill_threshold", float, 0.6, 0.0, 1.0, "1",
       "best skill above which a leaver can consult", "turnover"),
    _p("consultant_premium", float, 0.8, 0.0, 5.0, "of wage",
       "premium over wage the firm pays to buy a consultant's week back", "turnover"),
    _p("consultant_exit_rate", float, 0.01, 0.0, 0.5, "1/week",
       "weekly chance a consultant stops serving the firm", "turnover"),
    _p("consultant_effort", float, 0.8, 0.0, 1.0, "1",
       "effort a consultant gives to a bought week", "turnover"),
    _p("new_hire_engagement", float, 0.6, 0.0, 1.0, "1", "engagement of a new hire", "turnover"),
    _p("hiring_lag_weeks", int, 8, 0, 52, "weeks", "weeks to fill a vacancy", "turnover"),
    _p("new_hire_skill", float, 0.4, 0.0, 1.0, "1", "mean skill of a new hire in the hire function",
       "turnover"),
    _p("new_hire_skill_sd", float, 0.1, 0.0, 0.5, "1",
       "spread of a new hire's skill in the hire function", "turnover"),
    _p("hiring_breadth", float, 0.5, 0.0, 1.0, "1", "diversity of hires: 0 clones the firm's "
       "beliefs and profile, 1 draws them fresh", "turnover"),
    # --- management --------------------------------------------------------------------------
    _p("kpi_escalation", float, 0.0, 0.0, 10.0, "weight per unit", "weight management adds to "
       "throughput in both schemes per unit of owners' pressure beyond the threshold "
       "(tightening the counted KPI, Goodhart escalation; 0 switches it off)", "management"),
    _p("control_meetings", float, 0.0, 0.0, 200.0, "h/week per unit", "meeting hours added for "
       "control per unit of owners' pressure beyond the threshold (threat rigidity; 0 "
       "switches it off)", "management"),
    _p("people_investment", float, 0.0, 0.0, 20.0, "1 per unit", "rise of training and "
       "mentoring per unit of owners' pressure beyond the threshold (investing in people "
       "instead of cutting; 0 switches it off)", "management"),
    _p("process_design", str, "remote", doc="who writes the processes at each revision: people "
       "away from the work, from the organization's code with part of the work unknown to "
       "them ('remote'), or the people who do it, from what they know ('participatory')",
       group="management", choices=("remote", "participatory")),
    _p("process_revision_weeks", int, 104, 1, 2600, "weeks", "weeks between revisions of the "
       "processes", "management"),
    _p("remote_design_gap", float, 0.3, 0.0, 1.0, "of the work", "share of the work's "
       "dimensions people away from it set blind when they write the processes",
       "management"),
    _p("process_error_effect", float, 1.0, 0.0, 10.0, "logit", "harder cases per unit of "
       "process misfit (the share of the work's dimensions the rules get wrong; 0 switches "
       "it off)", "management"),
    _p("process_misfit_overhead", float, 1.0, 0.0, 10.0, "1", "rise of process overhead per "
       "unit of misfit (workarounds; 0 switches it off)", "management"),
    _p("process_aging", float, 0.05, 0.0, 1.0, "1/year", "rise of process overhead per year "
       "since the last revision (rules pile up; 0 switches it off)", "management"),
    # --- staffing -------------------------------------------------------------------------
    _p("staffing", bool, True, doc="management plans positions from demand: opens them when "
       "short, freezes hiring while losing money, lays people off when losses last (false: the "
       "starting positions are kept and refilled whatever happens)", group="staffing"),
    _p("max_staff_growth", float, 0.25, 0.0, 2.0, "of team size", "room each team has to grow "
       "beyond its starting size (positions a plan can open)", "staffing"),
    _p("staffing_review_weeks", int, 4, 1, 52, "weeks", "weeks between workforce reviews",
       "staffing"),
    _p("staffing_slack", float, 0.6, 0.0, 2.0, "of the work", "capacity the plan keeps above "
       "the work, so that most cases close in the week they come although work arrives "
       "unevenly across teams and functions (0.6 holds the baseline's customers steady; "
       "leaner plans make the firm shrink: docs/model.md §7.9b)", "staffing"),
    _p("backlog_clear_weeks", float, 13.0, 1.0, 104.0, "weeks", "weeks over which the plan "
       "means to work off the open backlog", "staffing"),
    _p("demand_smoothing_weeks", float, 13.0, 1.0, 104.0, "weeks", "span of the moving "
       "averages of demand and capacity the plan reads", "staffing"),
    _p("backfill_to_need", bool, True, doc="at each staffing review a vacancy is recruited "
       "for in the function where its team's load is highest (false: in the function the "
       "position was first opened for)", group="staffing"),
    _p("layoff_after_weeks", int, 26, 1, 520, "weeks", "weeks of losses (smoothed profit below "
       "zero) after which the firm lays people off at each review", "staffing"),
    _p("layoff_share", float, 0.05, 0.0, 0.5, "of headcount", "share of its people the firm "
       "lays off at a review while losses last (0: no layoffs, only the hiring freeze)",
       "staffing"),
    _p("layoff_policy", str, "lowest_score", doc="who is laid off: the last hired, the lowest "
       "scored, or across the board (at random)", group="staffing",
       choices=("last_in", "lowest_score", "across_the_board")),
    _p("layoff_trust_hit", float, 20.0, 0.0, 200.0, "evidence", "bad evidence on survivors' "
       "trust in management per unit of the share laid off (Brockner et al. 1987; 0 "
       "switches it off)", "staffing"),
    _p("layoff_engagement_hit", float, 1.0, 0.0, 10.0, "1", "survivors' loss of engagement per "
       "unit of the share laid off (0 switches it off)", "staffing"),
    _p("layoff_quit_effect", float, 5.0, 0.0, 50.0, "logit", "rise of the quit hazard's logit "
       "per unit of the share laid off over the last year (Trevor & Nyberg 2008; 0 switches "
       "it off)", "staffing"),
    # --- finance and shareholders -----------------------------------------------------------
    _p("wage", float, 1500.0, 100.0, 20000.0, "$/week", "base weekly wage of an employee",
       "finance"),
    _p("manager_wage_ratio", float, 1.6, 1.0, 5.0, "1", "manager wage against employee wage",
       "finance"),
    _p("fixed_costs", float, 0.15, 0.0, 1.0, "of revenue", "non-labour costs", "finance"),
    _p("hiring_cost_weeks", float, 6.0, 0.0, 52.0, "weeks of wage", "cost to hire and onboard",
       "finance"),
    _p("training_budget", float, 0.03, 0.0, 0.3, "of wages", "training spend", "finance"),
    _p("payout_ratio", float, 1.0, 0.0, 1.0, "of profit", "share of profit paid as dividends "
       "(out of cash: none while the firm draws on its credit line)", "finance"),
    _p("initial_cash_weeks", float, 8.0, 0.0, 520.0, "weeks of revenue", "cash at the start, in "
       "weeks of the starting revenue", "finance"),
    _p("credit_line_weeks", float, 8.0, 0.0, 520.0, "weeks of revenue", "how far cash may fall "
       "below zero (the credit line), in weeks of the starting revenue", "finance"),
    _p("credit_interest", float, 0.08, 0.0, 0.5, "1/year", "interest on the credit drawn",
       "finance"),
    _p("insolvency", bool, True, doc="the firm fails when its cash falls below the credit line "
       "(false: it never fails, whatever it loses)", group="finance"),
    _p("customer_value_years", float, 0.0, 0.0, 10.0, "years",
       "share value of the customer base in years of its revenue", "finance"),
    _p("profit_smoothing_weeks", float, 13.0, 1.0, 520.0, "weeks", "span of the profit moving "
       "average the market prices (weight 1/span on each new week)", "finance"),
    _p("required_return", float, 0.08, 0.0, 0.5, "1/year", "return shareholders require",
       "shareholders"),
    _p("short_term_share", float, 0.5, 0.0, 1.0, "of shares",
       "share of outside stakes held by short-horizon holders", "shareholders"),
    _p("short_horizon_weeks", int, 13, 1, 520, "weeks", "horizon of short-term holders",
       "shareholders"),
    _p("long_horizon_weeks", int, 156, 1, 520, "weeks", "horizon of long-term holders",
       "shareholders"),
    _p("pressure_threshold", float, 0.1, 0.0, 1.0, "1/year",
       "return shortfall above which shareholders press for cuts", "shareholders"),
    _p("owner_patience", float, 0.1, 0.0, 1.0, "1/year", "how much trust in management raises "
       "the shortfall an owner tolerates (+ this × 2 (trust − 0.5); 0 switches it off)",
       "shareholders"),
    _p("loss_pressure", float, 0.0, 0.0, 10.0, "1/year per loss margin", "pressure owners add "
       "per unit of the smoothed loss as a share of revenue (a loss-making firm's share value "
       "floors at zero, so without it owners stop pressing; 0 switches it off)",
       "shareholders"),
    _p("cost_cutting", float, 2.0, 0.0, 20.0, "1", "budget cut per unit of excess pressure "
       "(penny pinching; 0 switches it off)", "shareholders"),
    _p("cut_adjust_rate", float, 0.1, 0.0, 1.0, "1/week",
       "how fast the budget cut follows shareholder pressure", "shareholders"),
    _p("cut_reliability_loss", float, 0.5, 0.0, 1.0, "1",
       "loss of managers' commitment-keeping at a full budget cut", "shareholders"),
    # --- measures ---------------------------------------------------------------------------
    *[
        _p(f"alignment_weight_{g}", float, 0.25, 0.0, 1.0, "1", f"weight of {g} in the joint "
           "value behavioural alignment measures effort against (each group's value scaled "
           "to [0, 1] over the possible splits)", "measures")
        for g in ("employees", "managers", "customers", "shareholders")
    ],
    # --- organizational learning (March 1991) -------------------------------------------
    _p("march_dimensions", int, 30, 1, 200, "dims", "dimensions of reality (m)", "learning"),
    _p("socialization_rate", float, 0.1, 0.0, 1.0, "1/week",
       "p1: chance a belief moves toward the code", "learning"),
    _p("code_learning_rate", float, 0.5, 0.0, 1.0, "1/week",
       "p2: rate at which the code learns from the superior group", "learning"),
    _p("belief_turnover", float, 0.0, 0.0, 0.5, "1/week",
       "p3: chance a person's beliefs are replaced by fresh ones (beyond real turnover)",
       "learning"),
    _p("turbulence", float, 0.002, 0.0, 0.2, "1/week", "p4: chance each dimension of reality flips",
       "learning"),
    _p("share_reference", float, 0.2, 0.01, 1.0, "of effort", "help effort at which a person "
       "surely shares know-how with the code (less: hoarding)", "learning"),
]

#: The version of the model's behaviour, recorded in every run's params.json: it changes
#: when the same parameters and seed would give different results (README, "Changes").
MODEL_VERSION = 2

#: Parameters of earlier model versions that no longer exist, and what took their place.
RETIRED: dict[str, str] = {
    "profit_share_visibility": "was retired in model 2: people now learn from the profit share "
    "and dividends they actually receive (profit_share_rate, employee_equity_share), one "
    "head's share each",
    "rival_help_cost": "was retired in model 2: under relative_evaluation, helping a peer now "
    "costs through the rank and bonus actually received",
    "manager_pressure": "was retired in model 2: the manager's own scheme now steers the team "
    "through the credit passed on for the work it measures (credit_value)",
    "initial_skill": "was retired in model 2: the starting staff's skill now rises with their "
    "tenure from new_hire_skill (initial_skill_gain, initial_skill_years), as in a long run",
}

PARAMS: dict[str, Param] = {p.name: p for p in _DECLARED}
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(p.group for p in _DECLARED))
#: Parameters fixed when the model is built (the firm's size and structure): the model reads
#: them only at construction, so a running model cannot change them (a new one must be built).
SIZE_PARAMS: frozenset[str] = frozenset(
    name for name, p in PARAMS.items() if p.group == "firm") | {"march_dimensions"}


def defaults() -> dict[str, Any]:
    """Every parameter at its declared default."""
    return {name: p.default for name, p in PARAMS.items()}


def check_values(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Check a mapping of parameter values, naming the first unknown or bad one."""
    checked = {}
    for key, value in values.items():
        if key not in PARAMS:
            raise unknown(key, where)
        checked[key] = PARAMS[key].check(value, where)
    return checked


def unknown(name: str, where: str) -> InputError:
    """The error for a name that is not a parameter: what replaced it if it was retired,
    else the closest names."""
    if name in RETIRED:
        return InputError(f"{where}: {name} {RETIRED[name]}")
    return InputError(f"{where}: unknown parameter {name!r}; {suggest(name)}")


def check_together(values: dict[str, Any], where: str) -> None:
    """Checks that involve several parameters at once (after defaults and schemes)."""
    mix = [f"demand_mix_{f}" for f in FUNCTIONS]
    if sum(values[k] for k in mix) <= 0:
        raise InputError(f"{where}: {', '.join(mix)} are all 0; expected at least one share "
                         "of cases above 0")
    types = ("conditional_cooperator_share", "free_rider_share", "hump_share")
    total = sum(values[k] for k in types)
    if total > 1.0 + 1e-9:
        raise InputError(f"{where}: {' + '.join(types)} = {total:g} is not allowed; the "
                         "cooperation types' shares must sum to at most 1 (the rest are "
                         "'other')")


def suggest(name: str) -> str:
    """A hint naming the closest parameter names, for error messages."""
    import difflib

    close = difflib.get_close_matches(name, PARAMS, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "? (`aligned params` lists them all)"
    return "`aligned params` lists them all"


def resolve_params(overrides: dict[str, Any], where: str = "parameters") -> dict[str, Any]:
    """Every parameter's value: declared defaults, then the named schemes, then overrides.

    A scheme name whose weights were overridden is reported as 'custom', so the name never
    claims weights the run did not use.
    """
    checked = check_values(overrides, where)
    values = defaults()
    values.update(checked)
    values.update(scheme_values(values["employee_scheme"], values["manager_scheme"]))
    values.update(checked)
    for prefix, key in (("emp", "employee_scheme"), ("mgr", "manager_scheme")):
        name = values[key]
        if name == "custom":
            continue
        implied = scheme_values(name if prefix == "emp" else "custom",
                                name if prefix == "mgr" else "custom")
        if any(values[k] != v for k, v in implied.items() if k.startswith(prefix)):
            values[key] = "custom"
    check_together(values, where)
    return values
