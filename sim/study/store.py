"""A results folder that loses nothing: finished runs are written as Parquet parts as they
complete (time series first: the runs part commits them), merged into `runs.parquet` and
`timeseries.parquet`, and described by a manifest (`sweep.json`).

- One writer at a time: `FolderLock` holds an OS lock (flock) on `DIR/.lock`, which dies
  with its holder; a second writer is refused with one line naming the holder's PID.
- Every file is written atomically, with Parquet page checksums. Before a folder is
  resumed, every file is read back: a damaged part, merged file or manifest is set aside
  in `DIR/damaged/` with a warning, and the runs it held are run again.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.files import atomic_write

METADATA_KEY = b"aligned.sweep"
#: Parquet metadata of each part: what wrote it (e.g. the spec's hash).
PART_KEY = b"aligned.part"
LOCK_NAME = ".lock"
MANIFEST = "sweep.json"
DAMAGED = "damaged"
STEMS = ("runs", "timeseries")


def warn(message: str) -> None:
    """A warning line on stderr."""
    print(f"aligned: warning: {message}", file=sys.stderr, flush=True)


# --- the lock ---------------------------------------------------------------------------
_HELD: set[int] = set()


def _forget_locks_in_child() -> None:
    """A forked child closes its copies of the lock files (the parent keeps its locks)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class FolderLock:
    """An exclusive lock on a results folder, held by this process until released."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock, or raise an InputError naming the process that holds it."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise InputError(f"{self.folder}: cannot write results here "
                             f"({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise InputError(f"{self.folder}: in use by another aligned process (PID "
                             f"{holder}); wait for it to finish, or choose another "
                             "folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        _HELD.add(fd)
        return self

    def release(self) -> None:
        """Let the folder go (the lock file stays; its PID is overwritten by the next)."""
        if self._fd is None:
            return
        _HELD.discard(self._fd)
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def check_destination(out: Path, option: str = "--out") -> Path:
    """A results folder must be a folder (or not exist yet): checked before any work."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {out}: is a file; expected a folder for the results")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{option} {out}: {parent} is a file; expected a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise InputError(f"{option} {out}: cannot write in {parent}")
            break
    return out


# --- Parquet ------------------------------------------------------------------------------
def frame_bytes(frame: pd.DataFrame, metadata: dict[str, Any] | None = None,
                key: bytes = METADATA_KEY) -> bytes:
    """A frame as Parquet bytes with page checksums and optional JSON metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata is not None:
        extra = {key: json.dumps(metadata, default=str).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, write_page_checksum=True)
    return buffer.getvalue()


def read_frame(path: Path) -> pd.DataFrame:
    """A Parquet file as a frame, verifying its page checksums."""
    import pyarrow.parquet as pq

    return pq.read_table(path, page_checksum_verification=True).to_pandas()


def read_metadata(path: Path, key: bytes = METADATA_KEY) -> dict[str, Any]:
    """The JSON metadata a Parquet file carries under `key` (empty if none)."""
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(key)
    return json.loads(raw) if raw else {}


# --- the store ----------------------------------------------------------------------------
class Store:
    """A results folder: parts written as runs finish, merged at the end (or every
    COMPACT_EVERY parts), checked and repaired before it is resumed."""

    #: Parts written before they are merged into the consolidated files.
    COMPACT_EVERY = 256

    def __init__(self, out: Path, tag: dict[str, Any] | None = None) -> None:
        self.out = Path(out)
        self.parts = self.out / "parts"
        self.tag = tag
        self._written = 0
        self._next: int | None = None

    @property
    def exists(self) -> bool:
        """True if the folder holds results."""
        return (self.out / MANIFEST).is_file() or (self.out / "runs.parquet").is_file() or (
            self.parts.is_dir() and any(self.parts.glob("runs-*.parquet")))

    def files(self) -> list[Path]:
        """The folder's Parquet files: merged ones first, then parts in order."""
        merged = [self.out / f"{stem}.parquet" for stem in STEMS]
        parts = sorted(self.parts.glob("*-*.parquet")) if self.parts.is_dir() else []
        return [p for p in merged if p.is_file()] + parts

    # -- the manifest
    def manifest(self) -> dict[str, Any]:
        """The folder's sweep.json (empty if none); a damaged one is an InputError."""
        path = self.out / MANIFEST
        if not path.is_file():
            return {}
        problem = _manifest_problem(path)
        if problem:
            raise InputError(f"{path}: damaged ({problem}); resume the sweep (--resume) to "
                             "set it aside and rebuild it")
        return json.loads(path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write sweep.json atomically."""
        atomic_write(self.out / MANIFEST, json.dumps(manifest, indent=2, default=str).encode())

    # -- checking and repairing
    def damage(self) -> list[tuple[Path, str]]:
        """Every damaged file with what is wrong: a manifest that is not a JSON object, a
        Parquet file that does not read back whole with its checksums."""
        found = []
        manifest = self.out / MANIFEST
        if manifest.is_file():
            problem = _manifest_problem(manifest)
            if problem:
                found.append((manifest, problem))
        for path in self.files():
            try:
                read_frame(path)
            except Exception as exc:
                found.append((path, f"{type(exc).__name__}: {exc}".splitlines()[0][:200]))
        return found

    def check(self) -> None:
        """Raise an InputError naming the first damaged file (for readers of results)."""
        for path, problem in self.damage():
            raise InputError(f"{path}: damaged ({problem}); resume the sweep (--resume) to "
                             "set it aside and run its runs again")

    def repair(self, say: Callable[[str], None] = warn) -> list[Path]:
        """Set every damaged file aside in DIR/damaged/ (with its partner: a runs part's
        time series, or a time-series part's runs) and remove leftovers of interrupted
        writes; their runs then count as not done. Returns the files set aside."""
        for leftover in [*self.out.glob(".*.tmp"), *self.parts.glob(".*.tmp")]:
            leftover.unlink(missing_ok=True)
        moved = []
        for path, problem in self.damage():
            group = [path]
            if path.parent == self.parts:
                stem, number = path.stem.split("-", 1)
                other = "timeseries" if stem == "runs" else "runs"
                partner = self.parts / f"{other}-{number}.parquet"
                if partner.is_file():
                    group.append(partner)
            for item in group:
                if item.is_file():
                    moved.append(self.set_aside(item))
            say(f"{path} is damaged ({problem}); set aside in {self.out / DAMAGED}/, its "
                "runs will run again")
        return moved

    def set_aside(self, path: Path) -> Path:
        """Move a file into DIR/damaged/ (under a new name if one is there already)."""
        folder = self.out / DAMAGED
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        stamp = time.strftime("%Y%m%dT%H%M%S")
        count = 0
        while target.exists():
            count += 1
            target = folder / f"{path.stem}.{stamp}.{count}{path.suffix}"
        os.replace(path, target)
        return target

    def tags(self) -> list[dict[str, Any]]:
        """The tags of the parts and merged files (what wrote them)."""
        found = []
        for path in self.files():
            key = PART_KEY if path.parent == self.parts else METADATA_KEY
            with contextlib.suppress(Exception):
                found.append(read_metadata(path, key))
        return found

    def clear(self) -> None:
        """Remove every result of the folder (not the lock or what was set aside)."""
        for path in self.files():
            path.unlink(missing_ok=True)
        (self.out / MANIFEST).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.parts.rmdir()
        self._next = None

    # -- writing
    def write_part(self, runs: pd.DataFrame, series: pd.DataFrame | None) -> None:
        """Write a batch of finished runs (time series first: the runs part commits it);
        every COMPACT_EVERY parts, merge them into the consolidated files."""
        if self._next is None:
            numbers = [int(p.stem.split("-")[1]) for p in self.parts.glob("*-*.parquet")]
            self._next = max(numbers, default=0) + 1
        number, self._next = self._next, self._next + 1
        if series is not None and len(series):
            atomic_write(self.parts / f"timeseries-{number:06d}.parquet",
                         frame_bytes(series, self.tag, PART_KEY))
        atomic_write(self.parts / f"runs-{number:06d}.parquet",
                     frame_bytes(runs, self.tag, PART_KEY))
        self._written += 1
        if self._written % self.COMPACT_EVERY == 0:
            self.compact(self.tag)

    def compact(self, metadata: dict[str, Any] | None = None) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame | None]:
        """Merge the consolidated files and the parts into new consolidated files, then
        remove the parts (a crash in between leaves duplicates that reading drops)."""
        runs = self.runs()
        series = self.timeseries(runs)
        if series is not None:
            atomic_write(self.out / "timeseries.parquet", frame_bytes(series, metadata))
        atomic_write(self.out / "runs.parquet", frame_bytes(runs, metadata))
        for part in self.parts.glob("*.parquet"):
            part.unlink()
        return runs, series

    def consolidate(self, metadata: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Merge everything into runs.parquet and timeseries.parquet with the metadata,
        write the manifest and remove the parts."""
        runs, series = self.compact(metadata)
        self.write_manifest(metadata)
        with contextlib.suppress(OSError):
            self.parts.rmdir()
        return runs, series

    # -- reading
    def _read(self, stem: str) -> list[pd.DataFrame]:
        frames = []
        consolidated = self.out / f"{stem}.parquet"
        if consolidated.is_file():
            frames.append(read_frame(consolidated))
        for part in sorted(self.parts.glob(f"{stem}-*.parquet")):
            frames.append(read_frame(part))
        return frames

    def runs(self, columns: tuple[str, ...] = ("run_id", "status")) -> pd.DataFrame:
        """Every recorded run once (the latest record of a run wins), by run id."""
        frames = [f for f in self._read("runs") if len(f)]
        if not frames:
            return pd.DataFrame(columns=list(columns))
        runs = pd.concat(frames, ignore_index=True)
        runs = runs.drop_duplicates("run_id", keep="last").sort_values("run_id")
        return runs.reset_index(drop=True)

    def timeseries(self, runs: pd.DataFrame) -> pd.DataFrame | None:
        """The recorded time series of the successful runs, once each."""
        frames = [f for f in self._read("timeseries") if len(f)]
        if not frames:
            return None
        series = pd.concat(frames, ignore_index=True)
        ok = runs.loc[runs["status"] == "ok", "run_id"]
        series = series[series["run_id"].isin(ok)]
        series = series.drop_duplicates(["run_id", "week"], keep="last")
        return series.sort_values(["run_id", "week"]).reset_index(drop=True)


def _manifest_problem(path: Path) -> str | None:
    """What is wrong with a manifest file, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not JSON: {exc}"
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    if not isinstance(data, dict):
        return "not a JSON object"
    return None
