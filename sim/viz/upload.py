"""The page's scenario upload: a zone to drop a scenario file on, or a link to choose one.

Solara's `FileDrop` takes drops only; this is its widget with its own template that adds a
file chooser (teachers more often click than drag). The size is checked before the file is
read, so a large file is never transferred.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

import solara
from solara.components.file_drop import FileDropZone, FileInfo

from sim.errors import InputError
from sim.viz.session import MAX_UPLOAD_BYTES


class ScenarioFileZone(FileDropZone):
    """Solara's drop zone widget with a file chooser in its template."""

    template_file = (__file__, "upload.vue")


@solara.component
def ScenarioUpload(on_upload: Callable[[str, bytes], None],
                   on_error: Callable[[str], None]) -> Any:
    """Drop or choose one scenario file; `on_upload(name, data)` gets it, `on_error` the line
    saying why not."""
    info, set_info = solara.use_state(None)
    files, set_files = solara.use_state(cast(list[FileInfo] | None, None))
    zone = ScenarioFileZone.element(label="Open scenario file: drop a .toml file here, or",
                                    on_file_info=set_info, multiple=False)

    def wire() -> None:
        if not info:
            return
        widget = cast(ScenarioFileZone, solara.get_widget(zone))
        widget.version += 1
        widget.reset_stats()
        set_files(cast(list[FileInfo], widget.get_files()))

    solara.use_effect(wire, [info])

    def read(_cancel: threading.Event) -> None:
        if not files:
            return
        file = files[0]
        if file["size"] > MAX_UPLOAD_BYTES:
            on_error(f"uploaded file {file['name']}: {file['size']:,} bytes is too large; "
                     f"expected at most {MAX_UPLOAD_BYTES:,}")
            return
        try:
            on_upload(file["name"], file["file_obj"].read())
        except InputError as exc:
            on_error(str(exc))
        except Exception as exc:  # a broken transfer: say so on the page, keep the page
            on_error(f"uploaded file {file['name']}: could not be read ({exc})")

    solara.use_thread(read, [files])
    return zone
