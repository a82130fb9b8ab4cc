#!/usr/bin/env bash
# Static files: tornado's `static_files` example against nginx serving the same directory.
#
# The script makes a document root in a temporary directory (a copy of examples/static plus a
# 100 MB file and 64 files of 10 KB), starts each server on a loopback port with one worker
# pinned to one CPU (nginx from a generated config: sendfile on, access log off, unlimited
# keep-alive requests, like tornado), and runs wrk (one thread, on another CPU) twice per server:
#   large  GET /static/big.bin (100 MB) on every connection
#   small  GET /static/small/fNN.bin (10 KB), the 64 files in turn
# It prints requests/s, bytes/s and the servers' CPU time per GiB sent (utime + stime of the
# server's processes and threads, from /proc), then the ratios tornado ÷ nginx. Targets from
# issue 7: ≥ 0.8 for the large file, ≥ 1.0 for small files.
#
# Environment (all optional):
#   BENCH_DURATION=10        seconds per run
#   BENCH_CONNECTIONS=64     wrk connections (-c) for both runs
#   BENCH_PORT=8890          first port tried; the next free one is used if it is taken
#   BENCH_SERVER_CPU=0       CPU the server is pinned to
#   BENCH_CLIENT_CPU=1       CPU wrk is pinned to
#   BENCH_REPEAT=1           rounds (servers alternate within each); the best round is reported
#   BENCH_NO_BUILD=1         use target/release/examples/static_files as it is
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
PORT=${BENCH_PORT:-8890}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
REPEAT=${BENCH_REPEAT:-1}
ADDRESS=127.0.0.1

log() { printf '[bench/static] %s\n' "$*" >&2; }
die() { printf '[bench/static] error: %s\n' "$*" >&2; exit 1; }

for v in DURATION CONNECTIONS PORT SERVER_CPU CLIENT_CPU REPEAT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer, got '${!v}'"
done

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/../lib.sh"
bench_workdir tornado-bench-static

# --- tools ------------------------------------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then SUDO=; else SUDO=sudo; fi
install_pkg() {
  log "$1 not found; installing Debian's package"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$1" >/dev/null; } || die "could not install $1"
}
command -v wrk >/dev/null || install_pkg wrk
NGINX=$(command -v nginx || true)
[[ -n $NGINX ]] || [[ -x /usr/sbin/nginx ]] || install_pkg nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx is not installed"
for tool in taskset cargo awk pgrep getconf; do command -v "$tool" >/dev/null || die "$tool is required"; done
NCPU=$(nproc)
((SERVER_CPU < NCPU && CLIENT_CPU < NCPU)) || die "CPUs $SERVER_CPU and $CLIENT_CPU needed, machine has $NCPU"
((REPEAT > 0 && DURATION > 0 && CONNECTIONS > 0)) || die "repeat, duration and connections must be > 0"
CLK_TCK=$(getconf CLK_TCK)

# --- build ------------------------------------------------------------------------------------
TORNADO_BIN=$REPO/target/release/examples/static_files
if [[ -z ${BENCH_NO_BUILD:-} ]]; then
  log "building the static_files example (release)"
  (cd "$REPO" && cargo build --release --example static_files) >&2 || die "build failed"
fi
[[ -x $TORNADO_BIN ]] || die "no executable at $TORNADO_BIN"

# --- document root ----------------------------------------------------------------------------
DOC=$WORK/static
mkdir -p "$DOC/small"
cp -R "$REPO/examples/static/." "$DOC/"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$DOC/big.bin"
for i in $(seq -w 0 63); do head -c 10240 /dev/urandom >"$DOC/small/f$i.bin"; done
chmod -R a+rX "$WORK" # nginx's worker runs as an unprivileged user
cat >"$WORK/small.lua" <<'LUA'
-- Cycles through the 64 small files.
local i = 0
request = function()
  i = (i + 1) % 64
  return wrk.format("GET", string.format("/static/small/f%02d.bin", i))
end
LUA

# --- servers ----------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/$ADDRESS/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}

# Starts server $1 pinned to SERVER_CPU; sets SERVER_PID and SERVER_PORT.
start_server() {
  SERVER_PORT=$(free_port "$PORT")
  case $1 in
    tornado)
      TORNADO_STATIC_DIR=$DOC taskset -c "$SERVER_CPU" "$TORNADO_BIN" --port="$SERVER_PORT" \
        --address="$ADDRESS" --workers=1 --logging=warning >"$WORK/tornado.log" 2>&1 &
      ;;
    nginx)
      mkdir -p "$WORK/nginx"
      cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process on;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  keepalive_timeout 3600s;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen $ADDRESS:$SERVER_PORT;
    location /static/ { alias $DOC/; }
  }
}
CONF
      taskset -c "$SERVER_CPU" "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
        >"$WORK/nginx.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 200); do
    port_busy "$SERVER_PORT" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  log "$1 did not start; its output:"
  sed 's/^/    /' "$WORK/$1.log" >&2
  return 1
}

# Checks that a server answers the big file with its full length.
check_server() {
  local head
  head=$(exec 3<>"/dev/tcp/$ADDRESS/$SERVER_PORT" &&
    printf 'HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 &&
    timeout 5 cat <&3) || true
  [[ $head == "HTTP/1.1 200"* && $head == *"104857600"* ]] || {
    log "$1: unexpected answer to HEAD /static/big.bin:"; printf '%s\n' "$head" | sed 's/^/    /' >&2; return 1; }
}

to_bytes() { # wrk's "1.23GB" -> bytes
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : (u == "TB") ? 1099511627776 : 1
    printf "%.0f", n * f }'
}

# utime + stime (clock ticks) of the server: its process (all threads) and its children
# (nginx's worker). Fields are counted from the last ')' since the command name may hold spaces.
server_ticks() {
  local pid total=0 stat rest
  for pid in "$SERVER_PID" $(pgrep -P "$SERVER_PID" || true); do
    stat=$(<"/proc/$pid/stat") || continue
    rest=${stat##*) }
    # shellcheck disable=SC2086 # split on spaces on purpose
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# run NAME KIND: one wrk run; appends "NAME KIND rps bytes_per_s errors cpu_s bytes_total" to
# $WORK/results.
run() {
  local name=$1 kind=$2 out=$WORK/$1-$2.wrk args=() path=/static/big.bin t0 t1
  if [[ $kind == small ]]; then args=(-s "$WORK/small.lua"); path=/; fi
  t0=$(server_ticks)
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s "${args[@]}" \
    "http://$ADDRESS:$SERVER_PORT$path" >"$out" 2>&1 || { log "$name $kind: wrk failed"; cat "$out" >&2; return 1; }
  t1=$(server_ticks)
  local rps transfer errors non2xx total
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  transfer=$(to_bytes "$(awk '/^Transfer\/sec:/ {print $2}' "$out")")
  total=$(to_bytes "$(awk '/ requests in / {print $5}' "$out")")
  errors=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  [[ -z $non2xx ]] || log "warning: $name $kind: $non2xx responses were not 2xx/3xx"
  echo "$name $kind ${rps:-0} ${transfer:-0} ${errors:-0} $(awk -v t=$((t1 - t0)) -v h="$CLK_TCK" 'BEGIN { printf "%.3f", t / h }') ${total:-0}" >>"$WORK/results"
}

: >"$WORK/results"
log "servers pinned to CPU $SERVER_CPU, wrk (-t1 -c$CONNECTIONS, ${DURATION}s) to CPU $CLIENT_CPU;" \
  "$REPEAT round(s); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= REPEAT; round++)); do
  for s in tornado nginx; do
    log "$s: starting (round $round of $REPEAT)"
    start_server "$s" || die "$s failed to start"
    check_server "$s" || die "$s does not serve the document root"
    for kind in large small; do
      log "$s: $kind run"
      run "$s" "$kind" || die "$s $kind run failed"
    done
    stop_server
  done
done

# --- report ---------------------------------------------------------------------------------
# Per server and file: the best round by throughput, and the least server CPU per GiB sent
# (interference on a shared machine only ever lowers the one and raises the other).
awk -v dur="$DURATION" -v c="$CONNECTIONS" -v rounds="$REPEAT" '
  { k = $1 " " $2
    if (!(k in bps) || $4 > bps[k]) { rps[k] = $3; bps[k] = $4 }
    cost = ($7 > 0) ? $6 / ($7 / 1073741824) : 0
    if (!(k in cpg) || cost < cpg[k]) cpg[k] = cost
    err[k] += $5
    if (!(k in seen)) { seen[k] = 1; rows[++n] = k } }
  END {
    printf "\nstatic files, wrk -t1 -c%d, %ds per run, one worker per server, best of %d round(s)\n\n", c, dur, rounds
    printf "%-8s %-6s %12s %12s %16s %8s\n", "server", "file", "req/s", "MB/s", "CPU s per GiB", "errors"
    for (i = 1; i <= n; i++) { split(rows[i], f, " ")
      printf "%-8s %-6s %12.1f %12.1f %16.3f %8d\n", f[1], f[2], rps[rows[i]], bps[rows[i]] / 1048576, cpg[rows[i]], err[rows[i]] }
    printf "\nratio tornado ÷ nginx (target: large ≥ 0.8, small ≥ 1.0)\n"
    printf "  %-6s %12s %22s\n", "file", "throughput", "CPU efficiency"
    split("large small", kinds, " ")
    for (j = 1; j <= 2; j++) { k = kinds[j]
      r = (bps["nginx " k] > 0) ? sprintf("%.2f", bps["tornado " k] / bps["nginx " k]) : "-"
      e = (cpg["tornado " k] > 0) ? sprintf("%.2f", cpg["nginx " k] / cpg["tornado " k]) : "-"
      printf "  %-6s %12s %22s\n", k, r, e }
    printf "\n  throughput      tornado MB/s ÷ nginx MB/s (above 1 = tornado faster)\n"
    printf "  CPU efficiency  nginx CPU per GiB ÷ tornado CPU per GiB (above 1 = tornado cheaper);\n"
    printf "                  steadier than throughput when the machine is busy with other work\n"
  }' "$WORK/results"
