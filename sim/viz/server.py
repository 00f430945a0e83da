"""Serve the visualizer with no network: Solara's JavaScript comes from solara-assets, in
production mode (no usage-check frames), with telemetry off (and no version check, which
only `solara run` makes).

The settings must be in the environment before `solara.server` is imported, because Solara
reads them at import time.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sim.errors import InputError
from sim.viz.plot import PLOTLY_JS_DIR

APP = "sim.viz.app"
SOLARA_SETTINGS = {
    "SOLARA_APP": APP,
    "SOLARA_MODE": "production",  # dev mode embeds a usage check from solara.dev
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",  # serve the front end from the installed solara-assets
    "SOLARA_THEME_SHOW_BANNER": "False",
    # serve plotly.min.js from the installed plotly package at /static/assets/
    "SOLARA_ASSETS_EXTRA_LOCATIONS": str(PLOTLY_JS_DIR),
}


def configure(scenario: str | None = None) -> None:
    """Put the offline settings (and the scenario new tabs open) into the environment."""
    os.environ.update(SOLARA_SETTINGS)
    if scenario:
        os.environ["ALIGNED_VIZ_SCENARIO"] = scenario


def check_port(host: str, port: int) -> None:
    """Fail with one clear line if the address cannot be bound."""
    if not 1 <= port <= 65535:
        raise InputError(f"--port {port}: expected a port number in [1, 65535]")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"--host {host} --port {port}: cannot listen there "
                             f"({exc.strerror}); choose another --port") from None


def url(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8765, scenario: str | None = None) -> None:
    """Run the visualizer until interrupted."""
    configure(scenario)
    import uvicorn

    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port,
                            log_level="warning", ws="auto", lifespan="on")
    uvicorn.Server(config).run()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests and measurements)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(log: Path, scenario: str | None = None, port: int | None = None,
            timeout: float = 60.0) -> Iterator[str]:
    """`aligned viz` in a subprocess on a free loopback port, until the block ends; yields the
    base URL once the page answers. Its output goes to `log`."""
    port = port or free_port()
    args = [sys.executable, "-m", "sim.cli", "viz", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen([*args, *([scenario] if scenario else [])], stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    failure = "the visualizer did not start:\n" + log.read_text()
                    raise RuntimeError(failure) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
