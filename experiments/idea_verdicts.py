"""Each idea of the two essays with the verdict of its claims over the calibration's
posterior: supported, contradicted, depends on a parameter, or not tested.

Reads the JSON of `aligned claims --posterior N --json` (one record per claim: its source,
label, change, p and share of draws in which it holds) and prints a Markdown table, one row
per idea, for scenarios/README.md. An idea's verdict: "supported" when every claim citing
it is supported across the draws, "contradicted" when none is and no fitted parameter
explains the effect, "depends on X" when a claim's effect follows a fitted parameter
across the draws, "partly supported (k of n)" otherwise; "no claim" when no scenario
tests it.

Usage: aligned claims --posterior 20 --json > claims.json
       python experiments/idea_verdicts.py claims.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

#: The essays' ideas (the project's catalogue: identifiers that claims cite as
#: `source = "idea:A7"`), with short names.
IDEAS = {
    "A1": "Shared value and reciprocity", "A2": "Talent flight",
    "A3": "Mobility through connections", "A4": "Low engagement",
    "A5": "Purpose across generations", "A6": "Trusting and empowering people",
    "A7": "Misaligned personal measures", "A8": "Meetings", "A9": "Information hoarding",
    "A10": "Credit-taking", "A11": "Lack of diversity", "A12": "Penny pinching",
    "A13": "Processes designed from afar", "A14": "Opposite sides of the table",
    "A15": "The speed of trust", "A16": "Trust as comfort and confidence",
    "A17": "Commitments and closure", "B1": "The predetermined ladder",
    "B2": "Customized work", "B3": "Collaboration platforms",
    "B4": "Following from the front", "B5": "Opportunity over credentials",
    "B6": "Validated expertise", "B7": "Recognizing interest and mentoring", "B8": "Doubts",
}


def ideas_of(source: str) -> list[str]:
    """The idea identifiers a claim's source names (`idea:A7`, `idea:B1, idea:B2`)."""
    found = []
    for part in source.replace(";", ",").split(","):
        part = part.strip()
        if part.startswith("idea:"):
            found.append(part.removeprefix("idea:").strip())
    return found


def verdict(records: list[dict]) -> str:
    """An idea's verdict from its claims' labels."""
    labels = [r["label"] for r in records]
    if not labels:
        return "no claim"
    supported = sum(label == "supported" for label in labels)
    depends = sorted({p["param"] for r in records for p in r["depends_on"]
                      if r["label"].startswith("depends")})
    if supported == len(labels):
        return "supported"
    if depends:
        head = f"depends on {', '.join(depends)}"
        return head + (f"; {supported} of {len(labels)} supported" if supported else "")
    if supported == 0:
        for label in ("contradicted", "weaker than claimed", "inconclusive"):
            if all(found == label for found in labels):
                return label
        return "not supported (" + ", ".join(sorted(set(labels))) + ")"
    return f"partly supported ({supported} of {len(labels)})"


def figure(r: dict) -> str:
    """One claim in a few words: measure, scenario against the other, change, draws."""
    change = r["effect"]
    sign = 1 if r["relation"] == "higher" else -1
    if change is None:
        text = "n/a"
    elif r["effect_kind"] == "relative":
        text = f"{sign * change:+.0%}"
    else:
        text = f"{sign * change:+.3g}"
    return (f"{r['measure']} {r['scenario']} vs {r['than']} {text} "
            f"({r['share_of_draws']:.0%} of draws; {r['label']})")


def table(records: list[dict]) -> str:
    """The Markdown table, one row per idea."""
    by_idea: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        for idea in ideas_of(r.get("source") or ""):
            by_idea[idea].append(r)
    lines = ["| idea | claims | verdict over the posterior | the claims (change over draws) |",
             "|---|---|---|---|"]
    for idea, name in IDEAS.items():
        found = by_idea.get(idea, [])
        lines.append(f"| {idea} {name} | {len(found)} | {verdict(found)} | "
                     + "; ".join(figure(r) for r in found) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", help="JSON of `aligned claims --posterior N --json`")
    args = parser.parse_args()
    with open(args.claims, encoding="utf-8") as f:
        print(table(json.load(f)))


if __name__ == "__main__":
    main()
