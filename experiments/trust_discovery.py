"""Scenario discovery on a saved sweep: under which conditions does the firm lose its
customers' trust? PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010, via EMA Workbench)
finds the box of parameter ranges where the runs of interest concentrate: here the runs
whose customers trust the firm least over the last year (below the sweep's first quartile,
or below --threshold). It reads the saved runs and never reruns the model.

    .venv/bin/aligned sweep customer_trust_conditions
    .venv/bin/python experiments/trust_discovery.py results/customer_trust_conditions

Needs the extra `ema` (`pip install aligned-workplace[ema]`; `make test` installs it).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from sim.errors import InputError
from sim.interop.ema import box_limits, discover
from sim.sweep import load

OUTCOME = "last_year__trust_customer_firm"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="a saved sweep's folder (aligned sweep ... --out)")
    parser.add_argument("--outcome", default=OUTCOME, help=f"runs-table column ({OUTCOME})")
    parser.add_argument("--threshold", type=float,
                        help="runs below it are the runs of interest (default: the first "
                        "quartile of the outcome over the sweep)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", module="ema_workbench")  # its optional extras
    try:
        results = load(args.results)
        ok = results.runs[results.runs["status"] == "ok"]
        if args.outcome not in ok.columns:
            raise InputError(f"{args.results}: no column {args.outcome!r} in runs.parquet")
        threshold = (float(ok[args.outcome].quantile(0.25)) if args.threshold is None
                     else args.threshold)
        box = discover(results, args.outcome, threshold, below=True)
    except InputError as exc:
        print(f"trust_discovery: error: {exc}", file=sys.stderr)
        return 2
    share = float((ok[args.outcome] < threshold).mean())
    print(f"{len(ok)} runs; of interest: {args.outcome} < {threshold:.4g} "
          f"({share:.0%} of the runs)")
    print("PRIM box (the ranges where those runs concentrate):")
    print(box_limits(box).to_string())
    print(f"coverage {box.coverage:.2f} (share of the runs of interest inside the box), "
          f"density {box.density:.2f} (share of the box's runs that are of interest), "
          f"mass {box.mass:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
