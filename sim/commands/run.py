"""`aligned run SCENARIO`: run one scenario, print a summary, write its outputs."""

from __future__ import annotations

import argparse
import json
import sys

from sim.errors import InputError
from sim.params import PARAMS, unknown
from sim.scenario import MAX_STEPS

#: Measures shown in the summary table, in order.
TABLE_ROWS = (
    "engagement_mean", "engaged_share", "not_engaged_share", "actively_disengaged_share",
    "trust_employee_manager", "trust_peer", "trust_customer_firm", "trust_shareholder_management",
    "customer_satisfaction", "customers", "time_to_resolve", "reopen_rate", "headcount",
    "consultants", "knowledge", "profit", "behavioural_alignment", "shared_fate",
)


def parse_sets(pairs: list[str]) -> dict:
    """Parse `--set name=value` options against the parameter declaration."""
    values = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--set {pair!r}: expected name=value, e.g. --set meeting_hours=4")
        if name not in PARAMS:
            raise unknown(name, f"--set {pair!r}")
        if name in values:
            raise InputError(f"--set {pair!r}: {name} is already set; give each parameter once")
        values[name] = PARAMS[name].parse(text, f"--set {name}")
    return values


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned run`."""
    p = sub.add_parser("run", help="run a scenario and summarize it",
                       description="Run a scenario (a name from `aligned scenarios` or a path "
                       "to a TOML file) and print its summary.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario name or path to a .toml file")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--steps", type=int, help="weeks to simulate (default: the scenario's; "
                   f"more than {MAX_STEPS:,} needs --yes)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter (repeatable); `aligned params` lists them")
    p.add_argument("--out", metavar="DIR", help="write timeseries.parquet, summary.json and "
                   "params.json here (default: results/runs/SCENARIO-seedN; with --json, "
                   "files are written only when --out is given)")
    p.add_argument("--json", action="store_true", help="print summary.json instead of a table")
    p.add_argument("--teams", action="store_true", help="also write teams.parquet: each "
                   "team's headcount, engagement, trust in its manager, customer "
                   "satisfaction, exits and quits, week by week")
    p.add_argument("--yes", action="store_true",
                   help=f"run even when --steps is more than {MAX_STEPS:,} weeks")
    p.add_argument("--posterior", type=int, metavar="N",
                   help="run N draws of the calibration's posterior instead (one seed each, "
                   "from --seed up; the scenario's own parameters override the draws) and "
                   "report each last-year measure's median and 90%% interval")
    p.add_argument("--workers", type=int, metavar="N",
                   help="with --posterior: worker processes (default: ALIGNED_WORKERS, else "
                   "every core)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the input and the destination, run the scenario and report."""
    from sim import scenario
    from sim.runner import TEAMS_FILE, check_run_folder, run, write_outputs

    if args.steps is not None and args.steps < 1:
        raise InputError(f"--steps {args.steps}: expected an integer ≥ 1")
    if args.steps is not None and args.steps > MAX_STEPS and not args.yes:
        raise InputError(f"--steps {args.steps}: more than {MAX_STEPS:,} weeks (about "
                         f"{MAX_STEPS // 52} years) takes long and keeps every week in memory; "
                         "add --yes to run it anyway")
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed {args.seed}: expected an integer ≥ 0")
    overrides = parse_sets(args.sets)
    spec = scenario.load(args.scenario)
    if args.posterior is not None:
        return handle_posterior(args, spec, overrides)
    if args.workers is not None:
        raise InputError("--workers: only with --posterior (one run takes one process)")
    seed = spec.seed if args.seed is None else args.seed
    # --json prints the summary for a program to read: files only where --out asks for them
    out = args.out or (None if args.json else f"results/runs/{spec.name}-seed{seed}")
    if args.teams and out is None:
        raise InputError("--teams: writes teams.parquet, so with --json it needs --out DIR")
    if out is not None and check_run_folder(out, "--out" if args.out else "output folder"):
        print(f"aligned: replacing the earlier run in {out}", file=sys.stderr)
    result = run(spec, seed=seed, steps=args.steps, teams=args.teams,
                 progress=sys.stderr.isatty() and not args.json, **overrides)
    if out is not None:
        try:
            write_outputs(result, out)
        except OSError as exc:
            raise InputError(f"--out {out}: cannot write the run's files ({exc.strerror})"
                             ) from None
    if args.json:
        print(json.dumps(result.summary, indent=2, allow_nan=False))
        return 0
    print(format_summary(result.summary))
    files = "timeseries.parquet, summary.json, params.json" + (
        f", {TEAMS_FILE}" if args.teams else "")
    print(f"\nwrote {out}/{files}")
    return 0


def handle_posterior(args: argparse.Namespace, spec: object, overrides: dict) -> int:
    """`--posterior N`: the scenario over N posterior draws, medians and 90% intervals."""
    from sim import posterior

    if args.posterior < 1:
        raise InputError(f"--posterior {args.posterior}: expected an integer ≥ 1")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    for option, given in (("--out", args.out), ("--teams", args.teams)):
        if given:
            raise InputError(f"{option}: not with --posterior (which reports intervals over "
                             "draws; run one draw's parameters with --set to keep its files)")
    result = posterior.run(spec, args.posterior, args.seed, args.steps, args.workers,
                           progress=sys.stderr.isatty() and not args.json, **overrides)
    summary = result.summary
    if args.json:
        print(json.dumps(summary, indent=2, allow_nan=False))
        return 0
    year = summary["last_year"]
    lines = [f"{summary['scenario']}  {summary['posterior']} posterior draws (seeds "
             f"{summary['seeds'][0]}-{summary['seeds'][-1]})  {summary['steps']} weeks; firms "
             f"failed: {summary['failed_share']:.0%}",
             f"{'last year':<30}{'median':>12}{'5%':>12}{'95%':>12}"]
    for key in (*TABLE_ROWS, "annual_quit_rate", "annual_churn_rate"):
        row = year[key]
        lines.append(f"{key:<30}{_fmt(row['median']):>12}{_fmt(row['p05']):>12}"
                     f"{_fmt(row['p95']):>12}")
    print("\n".join(lines))
    return 0


def format_summary(summary: dict) -> str:
    """A plain-text table of the main measures: final week and last-year mean."""
    final, year = summary["final"], summary["last_year"]
    lines = [f"{summary['scenario']}  seed {summary['seed']}  {summary['steps']} weeks",
             f"{'measure':<30}{'final':>14}{'last year':>14}"]
    for key in TABLE_ROWS:
        lines.append(f"{key:<30}{_fmt(final[key]):>14}{_fmt(year[key]):>14}")
    for key in ("annual_quit_rate", "annual_churn_rate"):
        lines.append(f"{key:<30}{'':>14}{_fmt(year[key]):>14}")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3f}"
