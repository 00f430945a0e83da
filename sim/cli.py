"""The `aligned` command line: run, scenarios, params (and the commands of sim/commands/).

Each subcommand lives in its own module under `sim.commands` with `add_parser(subparsers)`;
bad input ends in one line naming what was wrong, with exit code 2 and no traceback. Ctrl-C
(SIGINT) and SIGTERM stop any command the same way: the work unwinds (temporary files are
removed, nothing is half-written), one line says so, and the exit code is 130 or 143.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Iterator

from sim.errors import InputError, Terminated

#: Subcommand modules, in the order `aligned --help` lists them.
COMMANDS = ("run", "viz", "scenarios", "lesson", "claims", "compare", "params", "measures",
            "sweep", "calibrate", "report", "validate", "bench")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="aligned",
        description="Agent-based simulation of workplace ecosystems: incentives, trust, "
        "engagement and alignment.",
    )
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"sim.commands.{name}").add_parser(sub)
    return parser


def version_line() -> str:
    """What `aligned --version` prints: the package's version and the model's."""
    from sim.files import DISTRIBUTION, package_version
    from sim.params import MODEL_VERSION

    return f"aligned {package_version()} ({DISTRIBUTION}, model version {MODEL_VERSION})"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(version_line())  # at once, without loading the subcommands and the model
        return 0
    with _stop_signals():
        try:
            args = build_parser().parse_args(argv)
            return int(args.handler(args) or 0)
        except InputError as exc:
            print(f"aligned: error: {exc}", file=sys.stderr)
            return 2
        except Terminated:
            print("aligned: terminated", file=sys.stderr)
            return 128 + signal.SIGTERM
        except KeyboardInterrupt:
            print("aligned: interrupted", file=sys.stderr)
            return 128 + signal.SIGINT
        except BrokenPipeError:
            return 0


def _terminate(_number: int, _frame: object) -> None:
    """SIGTERM: unwind as on Ctrl-C (a batch of runs has its own handler, which also stops
    its workers)."""
    raise Terminated


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """While a command runs, Ctrl-C raises KeyboardInterrupt and SIGTERM raises Terminated,
    even when the shell started us with SIGINT ignored (a background job of a script, which
    Ctrl-C would otherwise leave running)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


if __name__ == "__main__":
    sys.exit(main())
