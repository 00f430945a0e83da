"""`aligned compare A [B]`: a set-up over many seeds, and the report for the board."""

from __future__ import annotations

import argparse

from sim.errors import InputError

DEFAULT_SEEDS = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned compare`."""
    p = sub.add_parser("compare", help="run one or two scenarios over many seeds and write "
                       "the report for the board",
                       description="Run scenario A (and B) over the same seeds and write one "
                       "self-contained HTML report: what was compared, each measure's median "
                       "with 50%% and 90%% bands week by week, and the median paired "
                       "difference B − A with its 90%% interval and the share of seeds in "
                       "which B does better. The visualizer's Report for the board names the "
                       "command that makes the same report.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="run A, and optionally run B: scenario names or .toml files")
    p.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, metavar="N",
                   help=f"seeds per scenario (default {DEFAULT_SEEDS})")
    p.add_argument("--first-seed", type=int, metavar="S",
                   help="the first seed (default: A's seed); seeds S, S+1, … S+N−1")
    p.add_argument("--steps", type=int, metavar="WEEKS",
                   help="weeks of every run (default: A's steps)")
    p.add_argument("--out", metavar="FILE.html",
                   help="where to write the report (default: results/compare/A-vs-B.html)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: ALIGNED_WORKERS, else every core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the input and the destination, run the seeds and write the report."""
    from pathlib import Path

    from sim import paired, scenario
    from sim.files import atomic_write, check_out_file
    from sim.viz import board, charts

    if len(args.scenarios) > 2:
        raise InputError(f"{len(args.scenarios)} scenarios: expected A, or A and B")
    if args.seeds < 1:
        raise InputError(f"--seeds {args.seeds}: expected an integer ≥ 1")
    if args.first_seed is not None and args.first_seed < 0:
        raise InputError(f"--first-seed {args.first_seed}: expected an integer ≥ 0")
    if args.steps is not None and not 1 <= args.steps <= scenario.MAX_STEPS:
        raise InputError(f"--steps {args.steps}: expected an integer in "
                         f"[1, {scenario.MAX_STEPS}]")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: expected an integer ≥ 1")
    specs = [scenario.load(name) for name in args.scenarios]
    out = args.out or f"results/compare/{'-vs-'.join(s.name for s in specs)}.html"
    check_out_file(out, "--out" if args.out else "output file", "a file name ending in .html")
    if not out.endswith((".html", ".htm")):
        raise InputError(f"--out {out}: expected a file name ending in .html")
    labels = [specs[0].name] if len(specs) == 1 else [f"A · {specs[0].name}",
                                                       f"B · {specs[1].name}"]
    files = [(Path(name).name, spec.path.read_text(encoding="utf-8-sig"))
             for name, spec in zip(args.scenarios, specs, strict=True)
             if scenario.is_path(name) and spec.path is not None]
    sets = tuple(paired.RunSet(label, spec, text) for label, spec, text in
                 zip(labels, specs, [""] * len(specs), strict=True))
    first = specs[0].seed if args.first_seed is None else args.first_seed
    steps = args.steps or specs[0].steps
    plan = paired.Plan(sets, tuple(range(first, first + args.seeds)), steps)
    results = paired.run(plan, charts.CHART_MEASURES, args.workers, progress=not args.quiet)
    assert results is not None  # no stop event: only an interrupt ends it early
    names = " ".join(Path(n).name if scenario.is_path(n) else n for n in args.scenarios)
    command = (f"aligned compare {names} --seeds {args.seeds} --first-seed {first} "
               f"--steps {steps} --out {Path(out).name}")
    try:
        atomic_write(Path(out), board.render(results, command, files).encode("utf-8"))
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write the report ({exc.strerror})") from None
    print(f"wrote {out}")
    return 0
