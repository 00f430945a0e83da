#!/usr/bin/env bash
# The suite's fast part against the newest NumPy and pandas that pyproject.toml allows: the
# wheel in a new virtual environment outside the checkout, every other package at the
# version of the constraints file, NumPy and pandas left free to resolve to their newest
# allowed release, so that a new release that breaks the package shows here first.
#
# Only a fast subset runs: the command line, the parameter declaration, the measures and the
# scenario files (tests/test_cli.py, test_params.py, test_measures.py, test_scenario.py),
# about twenty seconds, because `make test` must stay well under ten minutes on two cores
# and the whole suite already takes most of them. The bit-for-bit reference test
# (tests/test_reference.py) is not among them by design: a new NumPy may change the last
# bits of a result, which that test would report as a change of the model.
# Usage: scripts/check_newest.sh VENV_PYTHON CONSTRAINTS_FILE
set -euo pipefail
python=$1
constraints=$(realpath "$2")
checkout=$(pwd)
uv=$(dirname "$python")/uv  # a dev dependency: fills an environment in seconds
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/aligned-newest.XXXXXX")
trap 'rm -rf "$work"' EXIT
FAST=(test_cli.py test_params.py test_measures.py test_scenario.py)

grep -v -i -E '^(numpy|pandas)==' "$constraints" >"$work/constraints.txt"
"$python" -m build --installer uv --wheel --quiet --outdir "$work/dist" . >"$work/build.log" \
  2>&1 || { cat "$work/build.log"; exit 1; }
"$uv" venv --quiet --python "$("$python" -c 'import sys; print(sys._base_executable)')" \
  "$work/venv"
"$uv" pip install --quiet --python "$work/venv/bin/python" -c "$work/constraints.txt" \
  "$(ls "$work"/dist/*.whl)" pytest pytest-timeout hypothesis
echo "newest: $("$work/venv/bin/python" -c 'import numpy, pandas
print(f"numpy {numpy.__version__}, pandas {pandas.__version__}")') (constraints: $(
  grep -i -E '^(numpy|pandas)==' "$constraints" | tr '\n' ' '))"

# The tests run from a copy, beside which there is no sim/: they import the installed wheel.
mkdir "$work/suite"
cp -r "$checkout/tests" "$checkout/docs" "$checkout/pyproject.toml" "$work/suite/"
cd "$work/suite"
"$work/venv/bin/python" -c 'import sim; assert "site-packages" in sim.__file__, sim.__file__'
tests=()
for name in "${FAST[@]}"; do tests+=("tests/$name"); done
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp="$work/tmp" "${tests[@]}"
echo "newest: ok in $((SECONDS - started)) s"
