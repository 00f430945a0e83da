"""The model's calendar: one step is one week, and every span of weeks the code names.

Every module reads its time constants from here, so a year means the same number of weeks
in the model, the summaries, the claims and the charts.
"""

WEEKS_PER_YEAR = 52
#: Weeks in a quarter: how often the value-maximizing effort split is re-solved.
QUARTER = 13
#: Week of the year (0-based, `model.week % WEEKS_PER_YEAR`) on which the annual review runs.
ANNUAL_REVIEW_WEEK = WEEKS_PER_YEAR - 1


def is_annual_review(week: int) -> bool:
    """Whether the annual review (forced exits) falls in this week of the run (`model.week`
    51, 103, …: once a year)."""
    return week % WEEKS_PER_YEAR == ANNUAL_REVIEW_WEEK
