"""The visualizer's server as a client sees it: the address and the warning it prints on a
host other than loopback, and the token that guards every request and the websocket.

The servers are `aligned viz` in a subprocess; only HTTP and raw sockets are used here (the
browser tests are in test_viz_browser.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.viz import server
from sim.viz.server import running

TOKEN = "test-token-0123456789"
REFUSED = b"This visualizer needs its token"


def _get(url: str, cookie: str | None = None) -> tuple[int, bytes, list[str]]:
    """Status, body and Set-Cookie headers of a GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return (response.status, response.read(),
                    response.headers.get_all("Set-Cookie") or [])
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), []


def _websocket_status(base: str, cookie: str | None = None) -> int:
    """The HTTP status a websocket upgrade to a kernel channel gets (101 when accepted)."""
    host, port = base.removeprefix("http://").split(":")
    lines = ["GET /jupyter/api/kernels/probe/channels?session_id=x HTTP/1.1",
             f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(conn.recv(4096).split(b" ", 2)[1])


@dataclass
class Exposed:
    """A visualizer listening on every network: its loopback URL, what it printed."""

    base: str
    first_line: str
    stderr: Path


@pytest.fixture(scope="module")
def exposed(tmp_path_factory):
    """`aligned viz --host 0.0.0.0` with no --token: it makes one and prints it."""
    stderr = tmp_path_factory.mktemp("viz") / "stderr.log"
    port = server.free_port("0.0.0.0")
    with stderr.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "viz", "--host", "0.0.0.0",
                                 "--port", str(port)], stdout=subprocess.PIPE, stderr=err,
                                text=True)
    try:
        first_line = proc.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, stderr.read_text()
                time.sleep(0.3)
        yield Exposed(base, first_line, stderr)
    finally:
        proc.terminate()
        proc.wait(10)


def test_wildcard_host_prints_the_reachable_address_a_token_and_a_warning(exposed):
    """On 0.0.0.0 the printed address is one other machines can use, with a generated token
    in it, and a warning says that every machine that reaches this one reaches the page."""
    address = server.reachable_address("0.0.0.0")
    assert exposed.first_line.startswith(f"Aligned visualizer: http://{address}:")
    assert "127.0.0.1" not in exposed.first_line
    token = exposed.first_line.split("?token=")[1].split()[0]
    assert server.TOKEN_PATTERN.fullmatch(token) and len(token) >= 32
    assert exposed.stderr.read_text().startswith(
        "warning: --host 0.0.0.0 serves the visualizer to every machine that can reach this "
        "one on port ")


def test_generated_token_guards_the_page(exposed):
    """Without the printed token the page is refused; with it, the page is served."""
    token = exposed.first_line.split("?token=")[1].split()[0]
    assert _get(exposed.base + "/")[:2] == (403, REFUSED + _rest_of_refusal())
    assert _get(exposed.base + "/?token=wrong-token-000")[0] == 403
    status, body, _ = _get(f"{exposed.base}/?token={token}")
    assert status == 200 and b"solara" in body.lower()


def _rest_of_refusal() -> bytes:
    return b": open the address `aligned viz` printed (it ends in ?token=...).\n"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """`aligned viz --token TOKEN` on loopback."""
    log = tmp_path_factory.mktemp("viz") / "server.log"
    with running(log, options=("--token", TOKEN)) as base:
        yield base


def test_token_in_the_address_sets_a_cookie_for_the_pages_other_requests(guarded):
    """The first request carries the token; its cookie then lets the page's other requests
    through, and nothing else does."""
    status, _, set_cookies = _get(f"{guarded}/?token={TOKEN}")
    assert status == 200
    port = guarded.rsplit(":", 1)[1]
    (set_cookie,) = [c for c in set_cookies if c.startswith("aligned-token-")]
    cookie = set_cookie.split(";")[0]
    assert cookie == f"aligned-token-{port}={TOKEN}"
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert _get(guarded + "/", cookie)[0] == 200
    assert _get(guarded + "/static/assets/plotly.min.js", cookie)[0] == 200
    assert _get(guarded + "/static/assets/plotly.min.js")[0] == 403
    assert _get(guarded + "/", f"aligned-token-{port}=not-the-token")[0] == 403


def test_websocket_needs_the_token(guarded):
    """The kernel's websocket, which drives the page, is refused without the cookie."""
    port = guarded.rsplit(":", 1)[1]
    assert _websocket_status(guarded) == 403
    assert _websocket_status(guarded, f"aligned-token-{port}=wrong-token-000") == 403
    assert _websocket_status(guarded, f"aligned-token-{port}={TOKEN}") != 403


def test_loopback_without_token_prints_no_warning(tmp_path):
    """On 127.0.0.1 the page needs no token and nothing warns (this machine only)."""
    log = tmp_path / "server.log"
    with running(log) as base:
        assert _get(base + "/")[0] == 200
    text = log.read_text()
    assert text.startswith("Aligned visualizer: http://127.0.0.1:")
    assert "warning" not in text.lower() and "?token=" not in text
