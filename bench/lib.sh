# Shared by the bench scripts (sourced): a scratch directory in $WORK, the server process in
# $SERVER_PID, and clean-up of both on exit or interruption.
# Usage: source bench/lib.sh; bench_workdir NAME

SERVER_PID=

# Stops the server started last (TERM, then KILL after 5 s) and forgets it.
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}

# Makes $WORK (a temporary directory named after $1) and removes it, and the server, on exit.
bench_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap 'stop_server; rm -rf "$WORK"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
