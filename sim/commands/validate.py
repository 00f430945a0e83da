"""`aligned validate [NAME ...]`: the model against published results, as tables and checks.

Exit code 0 when every check passes, 1 when any is out of tolerance, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import textwrap
import time

from sim.errors import InputError
from sim.validation import VALIDATIONS, Settings, Validation, run
from sim.validation.checks import format_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned validate`."""
    ci, full = Settings(), Settings.full()
    p = sub.add_parser(
        "validate", help="compare the model with published results (exit 1 if a check fails)",
        description="Compare the model with published results: " + ", ".join(VALIDATIONS)
        + ". Prints each table and check; exits 1 when a check is out of tolerance.")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="validations to run (default: all): " + ", ".join(VALIDATIONS))
    p.add_argument("--runs", type=int, help=f"March: runs per parameter cell (default {ci.runs}; "
                   f"--full: {full.runs})")
    p.add_argument("--seeds", type=int, help=f"calibration: ten-year baseline runs (default "
                   f"{ci.seeds}; --full: {full.seeds})")
    p.add_argument("--full", action="store_true",
                   help="the counts behind docs/validation.md: "
                   f"{full.runs} runs per cell, {full.seeds} seeds")
    p.add_argument("--seed", type=int, default=0, help="base seed of every random stream")
    p.add_argument("--tolerance-scale", type=float, default=1.0, metavar="F",
                   help="multiply every two-sided tolerance by F (0 makes them impossible: a "
                   "way to see a failing check fail the command)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes for the calibration runs (default: ALIGNED_WORKERS, "
                   "else every core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(handler=handle)


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the options, each checked where it enters."""
    base = Settings.full() if args.full else Settings()
    runs = base.runs if args.runs is None else args.runs
    seeds = base.seeds if args.seeds is None else args.seeds
    if runs < 2:
        raise InputError(f"--runs {runs} is not allowed; expected an integer ≥ 2")
    if seeds < 2:
        raise InputError(f"--seeds {seeds} is not allowed; expected an integer ≥ 2")
    if args.seed < 0:
        raise InputError(f"--seed {args.seed} is not allowed; expected an integer ≥ 0")
    if not args.tolerance_scale >= 0:
        raise InputError(f"--tolerance-scale {args.tolerance_scale} is not allowed; "
                         "expected a number ≥ 0")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers} is not allowed; expected an integer ≥ 1")
    return Settings(runs=runs, seeds=seeds, seed=args.seed,
                    tolerance_scale=args.tolerance_scale, workers=args.workers,
                    progress=not args.quiet)


def handle(args: argparse.Namespace) -> int:
    """Run the validations, print them, and return 1 if any check failed."""
    unknown = [n for n in args.names if n not in VALIDATIONS]
    if unknown:
        raise InputError(f"unknown validation {unknown[0]!r}; available: "
                         + ", ".join(VALIDATIONS))
    settings = settings_from(args)
    names = list(dict.fromkeys(args.names)) or list(VALIDATIONS)
    start = time.perf_counter()
    results = run(names, settings)
    if args.json:
        print(json.dumps({v.name: {**v.as_json(), "settings": _settings_json(settings)}
                          for v in results}, indent=2, ensure_ascii=False))
    else:
        for v in results:
            print(render(v))
        failed = [f"{v.name}.{c.name}" for v in results for c in v.checks if not c.passed]
        total = sum(len(v.checks) for v in results)
        elapsed = time.perf_counter() - start
        verdict = "all passed" if not failed else "FAILED: " + ", ".join(failed)
        print(f"{total} checks, {len(failed)} failed ({verdict}); runs per cell "
              f"{settings.runs}, seeds {settings.seeds}, {elapsed:.0f} s")
    return 0 if all(v.passed for v in results) else 1


def render(v: Validation) -> str:
    """One validation as text: its tables with their notes, then its checks."""
    lines = [f"== {v.name}: {v.title}", ""]
    for name, rows in v.tables.items():
        note = textwrap.fill(v.notes.get(name, ""), width=100)
        lines += [f"-- {name}", note, format_table(rows), ""]
    lines.append("-- checks")
    for c in v.checks:
        mark = "PASS" if c.passed else "FAIL"
        lines.append(f"{mark}  {c.name}: {c.claim}; model {c.value:.4g}, "
                     f"needs {c.criterion} [{c.source}]")
    lines.append("")
    lines.append("Sources:")
    lines += [textwrap.fill(s, width=100, initial_indent="  ", subsequent_indent="    ")
              for s in v.sources]
    lines.append("")
    return "\n".join(lines)


def _settings_json(settings: Settings) -> dict:
    return {"runs": settings.runs, "seeds": settings.seeds, "seed": settings.seed,
            "tolerance_scale": settings.tolerance_scale}
