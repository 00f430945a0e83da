"""Benchmark the model: `aligned bench` by another name (same options), for `make bench`.

Usage: python experiments/benchmark.py [--sizes SIZE ...] [--steps N] [--repeats N] [--json]
See sim/bench.py and docs/performance.md.
"""

from __future__ import annotations

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
