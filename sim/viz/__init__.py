"""The browser visualizer: a Solara app over the workplace model (`aligned viz`).

- `session`: what one browser tab watches (a scenario, the user's changes, one run or two);
- `player`: plays a session in a background thread, one chart frame at a time;
- `charts`, `network`: the live plotly figures (time series and the firm as a picture);
- `controls`: the parameter controls, generated from `sim.params.PARAMS`;
- `export`: charts as standalone HTML or PNG, the run's data as CSV;
- `app`: the page; `server`: starts it offline (`aligned viz`).
"""
