#!/usr/bin/env bash
# Creates or refreshes the Python venv at .toolchain/py with test/python/requirements.txt
# (delta-rs and pyarrow read the Delta tables the project writes, as an outside reader would; moto
# serves S3 to the object-storage tests, started by them through test/python/moto_server.py).
# Quick when nothing changed: a stamp holds the hash of the requirements and the Python version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.toolchain/py"
requirements="$root/test/python/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

command -v "$python" >/dev/null 2>&1 || { echo "python-tools: $python not found (Python 3.9+ needed)" >&2; exit 1; }
want="$( { sha256sum "$requirements" | cut -d' ' -f1; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "python-tools: $venv up to date" >&2
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "python-tools: creating $venv" >&2
  "$python" -m venv "$venv"
fi
echo "python-tools: installing $(grep -cvE '^\s*(#|$)' "$requirements") requirement(s) into $venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" >"$stamp"
echo "python-tools: ready ($("$venv/bin/python" -c 'import deltalake, pyarrow, moto; print("deltalake", deltalake.__version__, "pyarrow", pyarrow.__version__, "moto", moto.__version__)'))" >&2
