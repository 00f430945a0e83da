"""Bridges to the tools researchers already use; each imports its tool only when used.

- `sim.interop.mesa`: the parameter declaration as SolaraViz `model_params`, and
  `mesa.batch_run` on the model (`batch_model`).
- `sim.interop.ema`: an experiment spec as an EMA Workbench model, and PRIM scenario
  discovery on a saved sweep (extra `ema`: `pip install aligned-workplace[ema]`).
"""
