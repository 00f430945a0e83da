#!/usr/bin/env bash
# The package as a researcher installs it: build the source distribution and the wheel from
# it, install the wheel (core dependencies only, at the versions of the constraints file)
# into a new virtual environment outside the checkout, and use it from a folder that is not
# the checkout: `aligned --version`, `aligned scenarios`, `aligned run baseline --steps 52`,
# an experiment spec by name, `week` as a column of the run's time series, and the shipped
# posterior (`aligned run baseline --posterior 2`).
# Usage: scripts/check_wheel.sh VENV_PYTHON CONSTRAINTS_FILE
set -euo pipefail
python=$1
constraints=$(realpath "$2")
checkout=$(pwd)
# uv (a dev dependency) makes and fills the environment: the same resolution as pip, in
# seconds instead of a minute, which keeps `make test` short.
uv=$(dirname "$python")/uv
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/aligned-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "wheel: building the sdist and the wheel from it"
"$python" -m build --installer uv --quiet --outdir "$work/dist" . >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/*.whl)
"$uv" venv --quiet --python "$("$python" -c 'import sys; print(sys._base_executable)')" \
  "$work/venv"
echo "wheel: installing $(basename "$wheel") into a new environment"
"$uv" pip install --quiet --python "$work/venv/bin/python" -c "$constraints" "$wheel"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
bin=$work/venv/bin
"$bin/aligned" --version
"$bin/aligned" scenarios >scenarios.txt
grep -q '^baseline ' scenarios.txt || { echo "wheel: baseline is not listed"; exit 1; }
echo "wheel: aligned scenarios lists $(wc -l <scenarios.txt) scenarios"
"$bin/aligned" run baseline --steps 52 --out run >/dev/null
"$bin/aligned" run baseline --posterior 2 --steps 4 --json >posterior.json
"$bin/python" - "$checkout" <<'PY'
"""The installed package runs from itself, has its libraries, and needs no extra."""
import importlib.util
import sys
from pathlib import Path

import pyarrow.parquet as pq

import sim
from sim import scenario, study

checkout = Path(sys.argv[1]).resolve()
assert checkout not in Path(sim.__file__).resolve().parents, sim.__file__
assert "site-packages" in str(scenario.SCENARIO_DIR), scenario.SCENARIO_DIR
assert study.load_spec("scheme_comparison").name == "scheme_comparison"
columns = pq.read_table("run/timeseries.parquet").column_names
assert columns[0] == "week" and pq.read_table("run/timeseries.parquet").num_rows == 52
for extra in ("solara", "distributed", "ema_workbench"):
    assert importlib.util.find_spec(extra) is None, f"{extra} installed by the core"
print(f"wheel: aligned run baseline --steps 52 wrote run/ ({len(columns)} columns, week first)")
import json

from sim import calibrate

shipped = calibrate.posterior_file()
assert "site-packages" in str(shipped) and shipped.is_file(), shipped
interval = json.loads(Path("posterior.json").read_text())["last_year"]["engaged_share"]
assert set(interval) == {"median", "p05", "p95"}, interval
print(f"wheel: the posterior ships ({shipped.name}); --posterior 2 reports intervals")
PY
echo "wheel: ok in $((SECONDS - started)) s"
