"""Loaded by pytest before tests/conftest.py, whose imports load NumPy: importing `sim`
first pins NumPy's numeric path for the suite and every process it starts
(`sim.NUMPY_LEFT_OUT`), so that the reference series and the claims' recorded verdicts
compare on any x86-64 machine."""

import sim  # noqa: F401
