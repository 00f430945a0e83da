#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain and fail.
set -u
for cand in "${PYTHON:-}" python3.13 python3.12 python3 python; do
  [ -n "$cand" ] || continue
  path=$(command -v "$cand" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
for root in "$HOME/.pyenv/versions" /usr/local/bin /usr/bin; do
  for path in "$root"/3.1[2-9]*/bin/python3 "$root"/python3.1[2-9]; do
    if [ -x "$path" ] && "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$path"; exit 0
    fi
  done
done
echo "error: Aligned needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2
echo "       Install one (e.g. 'pyenv install 3.12') or point PYTHON=/path/to/python3.12." >&2
exit 1
