"""A tiny widget through which the browser reports that it has drawn a frame.

The server bumps `frame` after sending chart updates; the page sets `drawn` to that number
two animation frames later, that is after the charts were painted. The player waits for
it before sending the next frame, so redraws never queue up in the browser.
"""

from __future__ import annotations

import threading

import ipyvue
import traitlets

TEMPLATE = """
<template>
  <span class="aligned-frame-signal" :data-drawn="drawn" style="display: none"></span>
</template>
<script>
module.exports = {
  watch: {
    frame(value) {
      requestAnimationFrame(() => requestAnimationFrame(() => { this.drawn = value; }));
    },
  },
};
</script>
"""


class FrameSignal(ipyvue.VueTemplate):
    """`frame`: the last frame sent; `drawn`: the last frame the browser has painted."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)
    drawn = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._changed = threading.Condition()
        self.observe(self._on_drawn, names="drawn")

    def _on_drawn(self, change: dict) -> None:
        with self._changed:
            self._changed.notify_all()

    def sent(self) -> int:
        """Mark a frame as sent; returns its number."""
        self.frame += 1
        return self.frame

    def wait_drawn(self, timeout: float) -> bool:
        """Wait until the browser has painted the last frame sent (False on timeout)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.drawn >= self.frame, timeout)
