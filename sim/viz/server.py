"""Serve the visualizer with no network: Solara's JavaScript comes from solara-assets, in
production mode (no usage-check frames), with telemetry off (and no version check, which
only `solara run` makes).

The settings must be in the environment before `solara.server` is imported, because Solara
reads them at import time.

It listens on this machine only (127.0.0.1) unless asked otherwise. On any other address
it prints the address other machines reach it at, a warning, and a token in that address
(as Jupyter does): requests without the token get a 403 and nothing else (`TokenGate`).
A page whose browser has gone away without saying goodbye (a crash, a lost network, a
closed laptop) is freed after `PAGE_CULL_TIMEOUT`; a tab closed normally is freed at once.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

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
#: How long a page whose browser went away without closing it keeps its session (its runs,
#: a few MB each) before Solara frees it: long enough to ride out a network blip (the page
#: reconnects within seconds), short enough that pages left behind all afternoon do not add
#: up. Solara's own default is 24 hours. SOLARA_KERNEL_CULL_TIMEOUT in the environment
#: overrides it.
PAGE_CULL_TIMEOUT = "60s"
CULL_SETTING = "SOLARA_KERNEL_CULL_TIMEOUT"
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")
WILDCARDS = ("0.0.0.0", "::", "")
#: A token: URL-safe characters only (it is printed inside an address), and long enough.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,256}")
TOKEN_BYTES = 24  # a generated token: 32 URL-safe characters, 192 random bits


def configure(scenario: str | None = None) -> None:
    """Put the offline settings (and the scenario new tabs open) into the environment."""
    os.environ.update(SOLARA_SETTINGS)
    os.environ.setdefault(CULL_SETTING, PAGE_CULL_TIMEOUT)
    if scenario:
        os.environ["ALIGNED_VIZ_SCENARIO"] = scenario


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: str) -> str:
    """A token given with --token, or one line saying what a token must be."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise InputError(f"--token {token!r}: expected 8 to 256 characters from A-Z, a-z, "
                         "0-9 and . _ ~ -")
    return token


def new_token() -> str:
    """A random token, as Jupyter makes one when none is given."""
    return secrets.token_urlsafe(TOKEN_BYTES)


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


def reachable_address(host: str) -> str:
    """The address other machines reach this one at when listening on `host`: the host
    itself, or for a wildcard (0.0.0.0, ::) the address of the route out of this machine
    (found without sending anything), else the machine's name."""
    if host not in WILDCARDS:
        return host
    family, probe = ((socket.AF_INET6, "2001:db8::1") if host == "::"
                     else (socket.AF_INET, "192.0.2.1"))  # documentation addresses (RFC 3849/5737)
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))  # a UDP connect only picks the route
            return udp.getsockname()[0]
    except OSError:
        return socket.gethostname()


def url(host: str, port: int, token: str | None = None) -> str:
    """The address to open in a browser (with the token, when there is one)."""
    shown = reachable_address(host)
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def exposure_warning(host: str, port: int) -> str | None:
    """The warning printed when the visualizer listens beyond this machine, else None."""
    if is_loopback(host):
        return None
    return (f"warning: --host {host or '0.0.0.0'} serves the visualizer to every machine that "
            f"can reach this one on port {port}; only pages opened with the token in the "
            "address above can use it (each may run firms up to the page limits)")


def serve(host: str = "127.0.0.1", port: int = 8765, scenario: str | None = None,
          token: str | None = None) -> None:
    """Run the visualizer until interrupted; with a token, only requests that carry it."""
    configure(scenario)
    import warnings

    import uvicorn
    from solara.server.starlette import app as solara_app

    # Solara warns at every first request over http that its session cookie falls back to
    # SameSite=Lax (it matters only when the page is embedded in another site's frame).
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    app = TokenGate(solara_app, token, port) if token else solara_app
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", ws="auto",
                            lifespan="on")
    uvicorn.Server(config).run()


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class TokenGate:
    """ASGI middleware: a request passes only with the token, in the address (`?token=`, the
    page's first request) or in the cookie that first response sets (its other requests and
    its websocket). Anything else gets a 403 and one sentence, or a closed websocket."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], token: str,
                 port: int) -> None:
        self.app = app
        self.token = token.encode()
        self.cookie = f"aligned-token-{port}"  # a cookie is per host, not per port

    def _given(self, scope: Scope) -> tuple[bool, bool]:
        """Whether the request carries the right token in its address, and in its cookie."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        in_query = any(hmac.compare_digest(t.encode(), self.token)
                       for t in query.get("token", []))
        headers = dict(scope.get("headers", []))
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(Exception):  # a malformed cookie header is no token
            jar.load(headers.get(b"cookie", b"").decode("latin-1"))
        morsel = jar.get(self.cookie)
        in_cookie = morsel is not None and hmac.compare_digest(morsel.value.encode(), self.token)
        return in_query, in_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or refuse it."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        in_query, in_cookie = self._given(scope)
        if not (in_query or in_cookie):
            await self._refuse(scope, send)
            return
        if in_query and not in_cookie and scope["type"] == "http":
            cookie = (f"{self.cookie}={self.token.decode()}; Path=/; HttpOnly; "
                      "SameSite=Strict").encode()

            async def send_with_cookie(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []),
                                                      (b"set-cookie", cookie)]}
                await send(message)

            await self.app(scope, receive, send_with_cookie)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = (b"This visualizer needs its token: open the address `aligned viz` printed "
                b"(it ends in ?token=...).\n")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests and measurements)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class Served(str):
    """The base URL of a visualizer started by `running`, with its process."""

    process: subprocess.Popen


@contextlib.contextmanager
def running(log: Path, scenario: str | None = None, port: int | None = None,
            timeout: float = 60.0, options: tuple[str, ...] = (),
            env: dict[str, str] | None = None) -> Iterator[Served]:
    """`aligned viz` in a subprocess on a free loopback port (with more `options`, e.g.
    `--token`), until the block ends; yields the base URL once the page answers (a `Served`
    string, whose `process` is the server's). Its output goes to `log`."""
    port = port or free_port()
    args = [sys.executable, "-m", "sim.cli", "viz", "--port", str(port), *options]
    with log.open("w") as out:
        proc = subprocess.Popen([*args, *([scenario] if scenario else [])], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    base = Served(f"http://127.0.0.1:{port}")
    base.process = proc
    token = next((options[i + 1] for i, o in enumerate(options[:-1]) if o == "--token"), "")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/" + (f"?token={token}" if token else ""),
                                            timeout=5) as response:
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
