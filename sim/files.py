"""Files: atomic writes, the package version, where the scenario and experiment libraries
are, and TOML input read with one clear line for every way a file can be unreadable
(missing, not UTF-8, a byte-order mark, bad TOML); and destinations checked before the
work, so a bad one fails in one line, not after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sim.errors import InputError

#: The process's file-creation mask, read once (setting it is the only way to read it).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

UTF8_BOM = b"\xef\xbb\xbf"

#: The project's name on the package index (`pip install aligned-workplace`); the import
#: name is `sim` and the command `aligned`.
DISTRIBUTION = "aligned-workplace"
#: The folder above the package: a checkout when it holds pyproject.toml.
SOURCE_ROOT = Path(__file__).resolve().parent.parent
#: Where the libraries ship inside the installed package (`sim/library/scenarios`, …); the
#: build copies them there from the checkout's folders (setup.py).
PACKAGED_LIBRARY = "library"


def package_version() -> str:
    """The installed version of the project."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def environment() -> dict[str, str]:
    """The versions a result was computed with besides the model's own: Python, NumPy and
    its SIMD targets in use, pandas, Mesa and the platform (recorded in params.json and a
    sweep's metadata)."""
    import platform

    import mesa
    import numpy
    import pandas

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "numpy_simd": " ".join(numpy_simd()), "pandas": pandas.__version__,
            "mesa": mesa.__version__, "platform": platform.platform()}


def numpy_simd() -> list[str]:
    """NumPy's SIMD targets in use in this process, baseline first (e.g. X86_V2 X86_V3): a
    run's last bits depend on them (`sim.NUMPY_LEFT_OUT`)."""
    try:
        from numpy._core import _multiarray_umath as core
    except ImportError:  # NumPy 1.26
        from numpy.core import _multiarray_umath as core
    used = core.__cpu_features__
    return [*core.__cpu_baseline__, *(t for t in core.__cpu_dispatch__ if used.get(t))]


def library_folder(kind: str, env: str) -> Path:
    """The folder searched first for the library `kind` ("scenarios" or "experiments"): the
    folder in the environment variable `env` when it is set, else the checkout's folder when
    this runs from a checkout, else the copy inside the installed package."""
    if os.environ.get(env):
        return Path(os.environ[env])
    checkout = SOURCE_ROOT / kind
    if (SOURCE_ROOT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return packaged_folder(kind) or checkout


def packaged_folder(kind: str) -> Path | None:
    """The copy of the library `kind` inside the installed package, or None (a checkout's
    editable install has none: it reads the checkout's folders)."""
    found = resources.files("sim").joinpath(PACKAGED_LIBRARY, kind)
    return Path(str(found)) if found.is_dir() else None


def search_path(first: Path, kind: str) -> tuple[Path, ...]:
    """The folders a library name is looked up in, in order: `first` (see `library_folder`),
    then the copy inside the package, so that a folder of one's own adds to the library."""
    folders = [Path(first)]
    packaged = packaged_folder(kind)
    if packaged is not None and all(packaged.resolve() != f.resolve() for f in folders):
        folders.append(packaged)
    return tuple(folders)


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


def atomic_write_all(files: dict[Path, bytes]) -> None:
    """Write several files atomically and together: each goes to a temporary file beside
    it first; the renames that put them in place run with Ctrl-C and SIGTERM held back, so
    an interruption leaves either the old files or all the new ones."""
    temporary: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporary.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_UMASK)
        with signals_held():
            while temporary:
                tmp, path = temporary[0]
                os.replace(tmp, path)
                temporary.pop(0)
    finally:
        for tmp, _ in temporary:
            Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back for the block, then act on one that came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda number, _frame: caught.append(number))
                for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


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


# --- destinations, checked before the work -----------------------------------------
def check_out_file(file: str | os.PathLike, option: str = "--out",
                   expected: str = "a file name") -> None:
    """Fail with one line unless a file can be written at `file` (not a folder; in a place
    where files can be made)."""
    path = Path(file)
    if str(file).endswith(os.sep) or (exists(path, option) and path.is_dir()):
        raise InputError(f"{option} {file}: is a folder; expected {expected}")
    check_writable(path.parent, option)


def check_writable(folder: Path, option: str = "--out") -> None:
    """Fail with one line unless files can be made in `folder`, or in the nearest folder
    that exists above it (where the missing ones would be created)."""
    existing = folder
    while not exists(existing, option) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {folder}: {existing} is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".aligned-probe-"):
            pass
    except OSError as exc:
        raise InputError(f"{option} {folder}: cannot write in {existing} ({exc.strerror})"
                         ) from None


def exists(path: Path, option: str) -> bool:
    """Whether something is at `path`; a path that cannot be looked at is one line."""
    try:
        return path.exists()
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot be reached ({exc.strerror})") from None
