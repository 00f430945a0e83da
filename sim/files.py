"""Files: atomic writes, the package version, and TOML input read with one clear line for
every way a file can be unreadable (missing, not UTF-8, a byte-order mark, bad TOML).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sim.errors import InputError

#: The process's file-creation mask, read once (setting it is the only way to read it).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

UTF8_BOM = b"\xef\xbb\xbf"


def package_version() -> str:
    """The installed version of the project."""
    try:
        return version("aligned")
    except PackageNotFoundError:
        return "unknown"


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to `path` via a temporary file in the same folder and a rename; the file
    gets the usual permissions (0o666 less the umask), not the temporary file's 0o600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_text(path: Path) -> str:
    """A file's text, which must be UTF-8 without a byte-order mark; anything else is an
    InputError of one line naming the file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror}") from None
    if raw.startswith(UTF8_BOM):
        raise InputError(f"{path}: starts with a byte-order mark (BOM); expected UTF-8 "
                         "without one (save it as plain UTF-8)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
                         f"{exc.start}); expected a UTF-8 file") from None


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """A TOML file's table and text; unreadable files are one-line InputErrors."""
    text = read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
