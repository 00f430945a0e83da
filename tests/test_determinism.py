"""Same parameters and seed give identical results; different seeds differ."""

import json
import os
import subprocess

import pandas as pd

import sim
from sim.files import numpy_simd
from tests.conftest import ALIGNED, small


def test_same_seed_same_time_series():
    """Two runs with one seed are identical in every measure."""
    _, a = small(60, seed=7)
    _, b = small(60, seed=7)
    pd.testing.assert_frame_equal(a, b)


def test_different_seeds_differ():
    """Two seeds give different time series."""
    _, a = small(60, seed=7)
    _, b = small(60, seed=8)
    assert not a.equals(b)


def _left_out_in_use(targets: list[str]) -> set[str]:
    return set(targets) & set(sim.NUMPY_LEFT_OUT.split())


def test_the_suite_computes_on_the_pinned_numeric_path():
    """The suite's NumPy uses none of the SIMD targets `sim` leaves out, so that the
    reference series and the recorded verdicts compare on any x86-64 machine."""
    assert numpy_simd(), "no SIMD targets read"
    assert _left_out_in_use(numpy_simd()) == set()


def test_the_command_pins_numpy_itself_and_records_the_path(tmp_path):
    """`aligned run` started without NPY_DISABLE_CPU_FEATURES computes on the pinned path
    and records the targets it used in params.json."""
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    out = tmp_path / "run"
    done = subprocess.run([ALIGNED, "run", "baseline", "--steps", "2", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    used = json.loads((out / "params.json").read_text())["environment"]["numpy_simd"].split()
    assert used and used[0] == numpy_simd()[0]
    assert _left_out_in_use(used) == set()


def test_numpy_is_pinned_only_when_it_is_one_of_pypis_wheels():
    """A NumPy built here may require AVX-512 (NumPy then refuses to start when asked to
    leave it out), so only PyPI's wheels are pinned."""
    pypi = "Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_27_x86_64\n"
    built_here = "Wheel-Version: 1.0\nTag: cp312-cp312-linux_x86_64\n"
    assert sim._pypi_wheel(pypi) and not sim._pypi_wheel(built_here)
    assert not sim._pypi_wheel("Wheel-Version: 1.0\n")
    assert sim._numpy_is_a_pypi_wheel()  # this environment's NumPy comes from PyPI
