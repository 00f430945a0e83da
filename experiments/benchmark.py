"""Time the default 10-year baseline run and report agent-steps per second.

Usage: python experiments/benchmark.py [--repeats N] [--steps N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from sim.runner import simulate
from sim.scenario import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spec = load("baseline")
    times, agents = [], 0
    for seed in range(args.repeats):
        start = time.perf_counter()
        model, _ = simulate(spec.params, seed, args.steps)
        times.append(time.perf_counter() - start)
        agents = len(model.agents)
    best, median = min(times), statistics.median(times)
    result = {
        "scenario": "baseline", "steps": args.steps, "repeats": args.repeats,
        "best_s": round(best, 3), "median_s": round(median, 3),
        "agents_at_end": agents,
        "agent_steps_per_s": round(agents * args.steps / median),
        "ms_per_step": round(1000 * median / args.steps, 3),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:<20}{value}")


if __name__ == "__main__":
    main()
