"""`aligned report DIR`: a self-contained HTML report of a sweep's saved results."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned report`."""
    p = sub.add_parser(
        "report", help="write an HTML report (plotly, works offline) of a sweep's results",
        description="Analyse the results folder of `aligned sweep` (never rerunning the "
        "model) and write one self-contained HTML file: outcome distributions with "
        "confidence intervals, phase diagrams, sensitivity indices and time-series bands.")
    p.add_argument("results", metavar="DIR", help="a results folder written by aligned sweep")
    p.add_argument("--out", metavar="FILE", help="where to write (default: DIR/report.html)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the destination, write the report and say where it is."""
    from pathlib import Path

    from sim.errors import InputError
    from sim.files import check_out_file
    from sim.report import write

    if args.out is not None:
        check_out_file(args.out, "--out", "a file name (the report is one HTML file)")
    elif Path(args.results).is_dir():
        check_out_file(Path(args.results) / "report.html", "output file")
    try:
        path = write(args.results, args.out)
    except OSError as exc:
        raise InputError(f"--out {args.out or args.results}: cannot write the report "
                         f"({exc.strerror})") from None
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.1f} MB, opens offline in any browser)")
    return 0
