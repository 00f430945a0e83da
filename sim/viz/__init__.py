"""The browser visualizer: a Solara app over the workplace model (`aligned viz`).

- `session`: what one browser tab watches (a scenario, the user's changes, one run or two);
- `player`: plays a session in a background thread, one chart frame at a time;
- `charts`, `network`: the live plotly figures (time series and the firm as a picture);
- `controls`: the parameter controls, generated from `sim.params.PARAMS`;
- `export`: charts as standalone HTML or PNG, the run's data as CSV;
- `setup`: the set-up as a scenario file (Save as scenario) and as a link (the address);
- `seeds`: the set-up over many seeds in the background (Run seeds, Cancel);
- `board`: the many-seed comparison as one HTML report for the board;
- `app`: the page; `server`: starts it offline (`aligned viz`).
"""
