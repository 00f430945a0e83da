#!/usr/bin/env bash
# Write the exact versions installed in the project's virtual environment (all extras) to
# the constraints file that `make` installs with: the set the tests passed with.
# Usage: scripts/write_constraints.sh VENV_PYTHON CONSTRAINTS_FILE
set -euo pipefail
python=$1 out=$2
{
  echo "# The exact versions the test suite passed with (Python $("$python" -c 'import sys; print(".".join(map(str, sys.version_info[:2])))'), every extra),"
  echo "# used by \`make\` and CI: pip install -c constraints.txt -e '.[viz,dask,ema,dev]'."
  echo "# Regenerate with \`make constraints\` after a deliberate upgrade, once \`make test\` passes."
  "$python" -m pip freeze --exclude-editable --disable-pip-version-check 2>/dev/null \
    | grep -v -i -E '^(aligned-workplace|aligned)(==| @)'
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -c -v '^#' "$out") packages)"
