"""`aligned viz [SCENARIO]`: start the browser visualizer and print its address."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned viz`."""
    p = sub.add_parser("viz", help="open the browser visualizer (prints its address)",
                       description="Start the visualizer: pick a scenario, change its "
                       "policies, play it and compare two incentive schemes in a browser.")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?",
                   help="scenario to open first (default: baseline)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the scenario and the address, print the URL, serve until Ctrl+C."""
    from sim import scenario
    from sim.viz import server

    if args.scenario:
        scenario.load(args.scenario)
    server.check_port(args.host, args.port)
    print(f"Aligned visualizer: {server.url(args.host, args.port)}  (Ctrl+C to stop)",
          flush=True)
    server.serve(args.host, args.port, args.scenario)
    return 0
