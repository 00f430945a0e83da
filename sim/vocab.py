"""The model's vocabularies: the functions people work in, the tasks they split effort over
and the measures a scheme can pay on. Every other module names them from here."""

FUNCTIONS = ("support", "sales", "engineering", "operations")
TASKS = ("speed", "care", "help", "learn")
MEASURES = (
    "throughput",
    "customer_satisfaction",
    "team_outcome",
    "peer_recognition",
    "profit_share",
    "skill_growth",
)
