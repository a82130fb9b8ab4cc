#!/usr/bin/env bash
# Runs the locks/queues workloads of benches/sync.rs on Python Tornado and prints ns/op.
# Installs Tornado from PyPI into bench/sync/.venv if the system Python lacks it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
if ! "$python" -c 'import tornado' 2>/dev/null; then
    if [ ! -x "$here/.venv/bin/python" ]; then
        "$python" -m venv "$here/.venv"
        "$here/.venv/bin/python" -m pip install --quiet 'tornado>=6'
    fi
    python="$here/.venv/bin/python"
fi
exec "$python" "$here/tornado_sync.py"
