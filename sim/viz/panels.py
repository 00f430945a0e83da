"""Small widgets the player updates at every frame: the status line and the tables.

They are plain Vue templates whose traits are set directly, not Solara components: a
component that re-renders makes Solara walk the whole page (some 400 elements, about 100 ms
on a busy 2-core machine), while setting a trait sends one small message. Text is put in
with Vue's `{{ }}`, so it is escaped.
"""

from __future__ import annotations

import ipyvue
import traitlets

STATUS_TEMPLATE = """
<template>
  <div class="aligned-status" style="display: flex; flex-wrap: wrap; gap: 16px;
       align-items: baseline">
    <span class="aligned-week" style="font-weight: bold; font-size: 15px">week {{ week }}</span>
    <span style="color: #555">{{ line }}</span>
    <span v-if="stats" class="aligned-speed-stats" style="color: #555; font-size: 12px">{{
      stats }}</span>
    <span v-if="!stats && timing" class="aligned-step-timing"
          style="color: #555; font-size: 12px">{{ timing }}</span>
  </div>
</template>
"""

TABLE_TEMPLATE = """
<template>
  <div :class="css_class">
    <div v-if="title" class="aligned-table-title"
         style="font-weight: bold; font-size: 15px; margin: 4px 0">{{ title }}</div>
    <table v-if="rows.length" class="aligned-table">
      <tr v-if="head.length"><th v-for="(cell, i) in head" :key="i">{{ cell }}</th></tr>
      <tr v-for="(row, r) in rows" :key="r">
        <td v-for="(cell, c) in row" :key="c" :class="cell.cls">{{ cell.text }}</td>
      </tr>
    </table>
    <div v-if="note" style="font-size: 12px; color: #555; margin-top: 4px">{{ note }}</div>
  </div>
</template>
"""


class StatusLine(ipyvue.VueTemplate):
    """The week reached, what runs, and the playing speed (or the last Step's cost)."""

    template = traitlets.Unicode(STATUS_TEMPLATE).tag(sync=True)
    week = traitlets.Int(0).tag(sync=True)
    line = traitlets.Unicode("").tag(sync=True)
    stats = traitlets.Unicode("").tag(sync=True)
    timing = traitlets.Unicode("").tag(sync=True)


class Table(ipyvue.VueTemplate):
    """A titled table of text cells (each {"text", "cls"}) with an optional note under it."""

    template = traitlets.Unicode(TABLE_TEMPLATE).tag(sync=True)
    css_class = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    head = traitlets.List().tag(sync=True)
    rows = traitlets.List().tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)

    def show(self, rows: list[list], head: list[str] | None = None, title: str = "",
             note: str = "") -> None:
        """Replace the content; a cell is a string or a (text, css class) pair."""
        cells = [[{"text": c[0], "cls": c[1]} if isinstance(c, tuple) else
                  {"text": str(c), "cls": ""} for c in row] for row in rows]
        with self.hold_sync():
            self.title, self.head, self.rows, self.note = title, head or [], cells, note

    def clear(self, note: str = "") -> None:
        """Show nothing but the note."""
        self.show([], note=note)


PROGRESS_TEMPLATE = """
<template>
  <div v-if="total" class="aligned-seed-progress" :data-state="state"
       style="font-size: 12px; color: #555; margin: 4px 0">
    <div style="background: #e0e0e0; height: 6px; border-radius: 3px; overflow: hidden">
      <div class="aligned-seed-progress-bar"
           :style="{width: (100 * done / total) + '%', height: '6px', background: '#1565c0'}">
      </div>
    </div>
    <span class="aligned-seed-progress-text">{{ text }}</span>
  </div>
</template>
"""


class Progress(ipyvue.VueTemplate):
    """A batch's progress: a bar (`done` of `total`), a line of text and its `state`."""

    template = traitlets.Unicode(PROGRESS_TEMPLATE).tag(sync=True)
    done = traitlets.Int(0).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    state = traitlets.Unicode("").tag(sync=True)


ADDRESS_TEMPLATE = """
<template>
  <div class="aligned-share">
    <input class="aligned-link" readonly :value="link" @focus="$event.target.select()"
           style="width: 100%; font-size: 11px; border: 1px solid #ccc; padding: 2px 4px">
  </div>
</template>
<script>
module.exports = {
  computed: {
    link() {
      const base = window.location.origin + window.location.pathname;
      return this.query ? base + '?' + this.query : base;
    },
  },
  mounted() { this.write(); },
  watch: { query() { this.write(); } },
  methods: {
    write() {
      // The page's own address follows its set-up, so reloading or copying it reopens the
      // same set-up; it drops everything else the address held, the access token above all.
      const address = window.location.pathname + (this.query ? '?' + this.query : '');
      window.history.replaceState(window.history.state, '', address);
    },
  },
};
</script>
"""


class AddressBar(ipyvue.VueTemplate):
    """Keeps the page's address on its set-up (`query`) and shows the link to share."""

    template = traitlets.Unicode(ADDRESS_TEMPLATE).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
