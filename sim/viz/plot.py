"""A light plotly widget: plotly.js is loaded once per page, each chart is a figure as JSON.

plotly's own FigureWidget (an anywidget) ships its 5 MB front end inside every widget's
state, so a page of a dozen charts moved 60 MB over the websocket and took 40 s to open.
Here the page loads plotly.min.js once (served from the plotly package by Solara's asset
route, see `sim.viz.server`) and each widget only carries its traces and layout; an
update replaces them and the browser calls `Plotly.react`, which redraws what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipyvue
import plotly
import traitlets

#: Where plotly.min.js is: the server adds this folder to Solara's static assets.
PLOTLY_JS_DIR = Path(plotly.__file__).parent / "package_data"
PLOTLY_JS_URL = "/static/assets/plotly.min.js"

TEMPLATE = """
<template>
  <div class="aligned-plot"
       :style="{width: plot_layout.width + 'px', height: plot_layout.height + 'px'}"
       :data-points="points"></div>
</template>
<script>
module.exports = {
  data() { return { points: 0 }; },
  mounted() {
    if (!window.alignedPlotly) {
      window.alignedPlotly = new Promise((resolve, reject) => {
        if (window.Plotly) { resolve(window.Plotly); return; }
        const script = document.createElement('script');
        script.src = 'PLOTLY_JS_URL';
        script.onload = () => resolve(window.Plotly);
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    // A chart drawn while hidden (a view not on screen) measures its text as nothing: draw
    // it again once it shows.
    this.observer = new ResizeObserver(() => {
      if (this.drawnHidden && this.$el.offsetParent !== null) {
        this.drawnHidden = false;
        this.redraw();
      }
    });
    this.observer.observe(this.$el);
    window.alignedPlotly.then((Plotly) => {
      this.Plotly = Plotly;
      this.redraw();
      this.$el.on('plotly_click', (event) => {
        const point = event.points[0];
        this.click({curve: point.curveNumber, point: point.pointIndex});
      });
    });
  },
  watch: {
    traces() { this.schedule(); },
    plot_layout() { this.schedule(); },
  },
  methods: {
    schedule() {
      if (this.queued) return;
      this.queued = true;
      this.$nextTick(() => { this.queued = false; this.redraw(); });
    },
    redraw() {
      if (!this.Plotly) return;
      const data = JSON.parse(JSON.stringify(this.traces));
      const layout = JSON.parse(JSON.stringify(this.plot_layout));
      this.Plotly.react(this.$el, data, layout, this.config);
      this.drawnHidden = this.$el.offsetParent === null;
      this.points = data.reduce((n, t) => n + (t.y ? t.y.length : 0), 0);
    },
  },
  beforeDestroy() {
    if (this.observer) this.observer.disconnect();
    if (this.Plotly) this.Plotly.purge(this.$el);
  },
};
</script>
""".replace("PLOTLY_JS_URL", PLOTLY_JS_URL)


class PlotlyView(ipyvue.VueTemplate):
    """A plotly figure on the page: its `traces` and `plot_layout` as plain JSON (the names
    differ from plotly's because `layout` is every ipywidget's own CSS layout)."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    traces = traitlets.List().tag(sync=True)
    plot_layout = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict({"displaylogo": False, "displayModeBar": False}).tag(sync=True)

    def __init__(self, layout: dict, on_click: Callable[[int, int], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(plot_layout=layout, **kwargs)
        self.on_click = on_click

    def vue_click(self, data: dict) -> None:
        """A click on a point: (trace index, point index) to the callback."""
        if self.on_click is not None:
            self.on_click(int(data["curve"]), int(data["point"]))
