"""`aligned viz [SCENARIO]`: start the browser visualizer and print its address."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `aligned viz`."""
    p = sub.add_parser("viz", help="open the browser visualizer (prints its address)",
                       description="Start the visualizer: pick a scenario, change its "
                       "policies, play it and compare two incentive schemes in a browser. "
                       "On an address other than this machine's loopback, pages need a "
                       "token, printed in the address.")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?",
                   help="scenario to open first (default: baseline)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; "
                   "0.0.0.0: every network, with a token)")
    p.add_argument("--token", metavar="TOKEN",
                   help="pages need this token in their address (default: none on 127.0.0.1, "
                   "a random one printed in the address on any other host)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the scenario, the address and the token, print the URL, serve until Ctrl+C."""
    from sim import scenario
    from sim.viz import server
    from sim.viz.session import check_page_limits

    if args.scenario:
        check_page_limits(scenario.load(args.scenario))
    server.check_port(args.host, args.port)
    token = server.check_token(args.token) if args.token is not None else None
    if token is None and not server.is_loopback(args.host):
        token = server.new_token()
    print(f"Aligned visualizer: {server.url(args.host, args.port, token)}  (Ctrl+C to stop)",
          flush=True)
    warning = server.exposure_warning(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    server.serve(args.host, args.port, args.scenario, token)
    return 0
