#!/usr/bin/env bash
# Runs the Autobahn|Testsuite fuzzing client (wstest -m fuzzingclient) against
# examples/websocket_echo and prints a summary; exits non-zero if any case FAILED.
#
#   scripts/autobahn.sh                          # every case (1.* … 13.*)
#   CASES='["1.*","12.1.*"]' scripts/autobahn.sh # some of them
#
# autobahntestsuite is a Python 2.7 program. The script looks for python2.7 in $PYTHON2, on
# PATH, or under pyenv, makes a virtualenv in $AUTOBAHN_VENV (default
# ~/.cache/tornado-autobahn/venv) and installs the pinned set below into it once.
# Reports go to $AUTOBAHN_OUT (default target/autobahn)/reports/servers/ (index.html, index.json).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTOBAHN_VENV:-$HOME/.cache/tornado-autobahn/venv}"
PORT="${PORT:-9001}"
CASES="${CASES:-[\"*\"]}"
OUT="${AUTOBAHN_OUT:-$ROOT/target/autobahn}"

find_python2() {
    if [ -n "${PYTHON2:-}" ]; then echo "$PYTHON2"; return; fi
    if command -v python2.7 >/dev/null 2>&1 && python2.7 -c 'import sys' 2>/dev/null; then
        command -v python2.7; return
    fi
    local root="${PYENV_ROOT:-$HOME/.pyenv}"
    for p in "$root"/versions/2.7*/bin/python2.7; do
        if [ -x "$p" ]; then echo "$p"; return; fi
    done
    echo "no python2.7 found: set PYTHON2, or 'pyenv install 2.7.18'" >&2
    exit 2
}

if [ ! -x "$VENV/bin/wstest" ]; then
    PY2="$(find_python2)"
    echo "making a Python 2.7 virtualenv in $VENV with $PY2"
    "$PY2" -m pip install --quiet "virtualenv<20.22"
    "$PY2" -m virtualenv --quiet "$VENV"
    # A set that installs and runs on Python 2.7 (autobahntestsuite's own requirements
    # allow versions that dropped Python 2).
    "$VENV/bin/pip" install --quiet \
        "autobahntestsuite==25.10.1" "autobahn==0.10.9" "Twisted==19.10.0" \
        "txaio==2.1.0" "klein==17.10.0" "Werkzeug==1.0.1" "Jinja2==2.11.3" \
        "MarkupSafe==1.1.1" "pyOpenSSL==19.1.0" "cryptography==3.3.2" \
        "service-identity==18.1.0" "zope.interface==4.6.0" "unittest2==1.1.0" \
        "wsaccel==0.6.6" "ujson==2.0.3"
fi

cargo build --release --manifest-path "$ROOT/Cargo.toml" --example websocket_echo
"$ROOT/target/release/examples/websocket_echo" --port "$PORT" --workers 1 --logging warning &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    if (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    sleep 0.1
done

mkdir -p "$OUT"
cat > "$OUT/fuzzingclient.json" <<JSON
{
  "outdir": "$OUT/reports/servers",
  "servers": [{"agent": "tornado-rs", "url": "ws://127.0.0.1:$PORT/ws"}],
  "cases": $CASES,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
(cd "$OUT" && "$VENV/bin/wstest" -m fuzzingclient -s "$OUT/fuzzingclient.json")

python3 - "$OUT/reports/servers/index.json" <<'PY'
import collections, json, sys
index = json.load(open(sys.argv[1]))
status = 0
for agent, cases in index.items():
    key = lambda k: [int(x) for x in k.split(".")]
    by = collections.Counter(c["behavior"] for c in cases.values())
    close = collections.Counter(c["behaviorClose"] for c in cases.values())
    print(f"{agent}: {len(cases)} cases; behavior {dict(by)}; close behavior {dict(close)}")
    for name in ("NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"):
        listed = sorted((k for k, c in cases.items() if c["behavior"] == name), key=key)
        if listed:
            print(f"  {name}: {' '.join(listed)}")
    failed = sorted((k for k, c in cases.items() if "FAILED" in (c["behavior"], c["behaviorClose"])), key=key)
    if failed:
        print("FAILED:", " ".join(failed))
        status = 1
sys.exit(status)
PY
