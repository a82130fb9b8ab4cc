#!/usr/bin/env bash
# HTTP client benchmark: N GETs (default 100k) at concurrency 32 from three clients to one local
# hyper server (bench/peers/hyper, one worker thread, "Hello, world", keep-alive):
#
#   tornado         this crate's AsyncHttpClient (bench/httpclient/client), max_clients = 32
#   reqwest         reqwest 0.12 on a tokio current-thread runtime (bench/peers/reqwest-client)
#   python-tornado  Python Tornado's AsyncHTTPClient (simple_httpclient, a connection per
#                   request), from a venv this script creates with `pip install tornado`
#
# The server is pinned to one CPU and each client to another; each client runs once. The script
# prints each client's line (requests/s, client CPU µs per request) and the ratios
# tornado ÷ reqwest and tornado ÷ python-tornado (requests/s).
#
# Environment (all optional):
#   BENCH_REQUESTS=100000          GETs per Rust client
#   BENCH_PY_REQUESTS=20000        GETs for Python Tornado (a new connection each: 100k would run
#                                  out of ephemeral ports in TIME_WAIT)
#   BENCH_CONCURRENCY=32
#   BENCH_CLIENTS="tornado reqwest python-tornado"
#   BENCH_PORT=8899                first port tried
#   BENCH_SERVER_CPU=0 BENCH_CLIENT_CPU=1
#   BENCH_NO_BUILD=1               use binaries already built
#   BENCH_VENV=bench/httpclient/.venv
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH=$(cd "$HERE/.." && pwd)
REQUESTS=${BENCH_REQUESTS:-100000}
PY_REQUESTS=${BENCH_PY_REQUESTS:-20000}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
CLIENTS=${BENCH_CLIENTS:-"tornado reqwest python-tornado"}
PORT=${BENCH_PORT:-8899}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
VENV=${BENCH_VENV:-$HERE/.venv}
ADDRESS=127.0.0.1

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for v in REQUESTS PY_REQUESTS CONCURRENCY PORT SERVER_CPU CLIENT_CPU; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer, got '${!v}'"
done
for tool in taskset cargo; do command -v "$tool" >/dev/null || die "$tool is required"; done

SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build ------------------------------------------------------------------------------------
cargo_executable() {
  local out
  out=$(cargo build --release --message-format=json-render-diagnostics "$@") || return 1
  printf '%s\n' "$out" | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n1
}
build() { # dir fallback-binary
  if [[ -n ${BENCH_NO_BUILD:-} ]]; then printf '%s\n' "$1/target/release/$2"
  else (cd "$1" && cargo_executable); fi
}
log "building the hyper server peer"
SERVER_BIN=$(build "$BENCH/peers/hyper" peer-hyper) || die "building bench/peers/hyper failed"
declare -A BIN=()
for c in $CLIENTS; do
  case $c in
    tornado)
      log "building tornado's client driver"
      BIN[$c]=$(build "$HERE/client" tornado-httpclient-bench) || die "building bench/httpclient/client failed" ;;
    reqwest)
      log "building the reqwest client peer"
      BIN[$c]=$(build "$BENCH/peers/reqwest-client" peer-reqwest-client) || die "building bench/peers/reqwest-client failed" ;;
    python-tornado)
      if [[ ! -x $VENV/bin/python ]]; then
        log "creating $VENV with Python Tornado"
        python3 -m venv "$VENV" || die "python3 -m venv failed"
        "$VENV/bin/pip" install -q tornado || die "pip install tornado failed"
      fi ;;
    *) die "unknown client '$c' (known: tornado reqwest python-tornado)" ;;
  esac
done

# --- server -----------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/$ADDRESS/$1") 2>/dev/null; }
while port_busy "$PORT"; do PORT=$((PORT + 1)); done
taskset -c "$SERVER_CPU" "$SERVER_BIN" --port "$PORT" --address "$ADDRESS" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do port_busy "$PORT" && break; sleep 0.1; done
port_busy "$PORT" || die "the hyper server did not start on port $PORT"
URL="http://$ADDRESS:$PORT/"
log "hyper server on $URL (CPU $SERVER_CPU); clients on CPU $CLIENT_CPU, concurrency $CONCURRENCY"

# --- clients ----------------------------------------------------------------------------------
declare -A RPS=()
for c in $CLIENTS; do
  n=$REQUESTS
  case $c in
    python-tornado)
      n=$PY_REQUESTS
      line=$(taskset -c "$CLIENT_CPU" "$VENV/bin/python" "$HERE/tornado_client.py" --url "$URL" --requests "$n" --concurrency "$CONCURRENCY") ;;
    *)
      line=$(taskset -c "$CLIENT_CPU" "${BIN[$c]}" --url "$URL" --requests "$n" --concurrency "$CONCURRENCY") ;;
  esac
  printf '%s\n' "$line"
  RPS[$c]=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
if [[ -n ${RPS[tornado]:-} ]]; then
  [[ -n ${RPS[reqwest]:-} ]] && echo "ratio tornado/reqwest (requests/s): $(ratio "${RPS[tornado]}" "${RPS[reqwest]}")"
  [[ -n ${RPS[python-tornado]:-} ]] && echo "ratio tornado/python-tornado (requests/s): $(ratio "${RPS[tornado]}" "${RPS[python-tornado]}")"
fi
exit 0
