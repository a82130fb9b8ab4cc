#!/usr/bin/env bash
# HTTP/1.1 keep-alive benchmark: tornado's `hello` example against two peers (a minimal hyper 1.x
# server and an actix-web 4 server, one worker each), plain and pipelined.
#
# Each server runs pinned to one CPU, wrk (one thread) to another. For each run the script reads
# the server process's CPU time (utime + stime, all threads, from /proc/<pid>/stat) before and
# after, and reports requests/s and server CPU µs per request; then the ratios tornado ÷ peer.
# See bench/README.md for how to read the numbers.
#
# Environment (all optional):
#   BENCH_DURATION=10         seconds per measured run
#   BENCH_CONNECTIONS=64      wrk connections (-c)
#   BENCH_PIPELINE_DEPTH=16   requests per write in the pipelined run
#   BENCH_WARMUP=1            seconds of unmeasured warm-up per server (0 = none)
#   BENCH_REPEAT=1            measured runs per server and mode; the one with the least server CPU
#                             per request is reported (helps on a shared, noisy machine)
#   BENCH_ROUNDS=1            go through all the servers this many times, interleaved, and report
#                             each one's best run over all rounds: a slow spell on the machine
#                             then hits every server instead of whichever ran during it
#   BENCH_SERVERS="tornado hyper hyper-flush actix-web"   which servers, in this order
#   BENCH_PORT=8888           first port tried; the next free one is used if it is taken
#   BENCH_SERVER_CPU=0        CPU the server is pinned to
#   BENCH_CLIENT_CPU=1        CPU wrk is pinned to
#   BENCH_START_TIMEOUT=20    seconds to wait for a server to accept connections
#   BENCH_WAIT_IDLE=0         before each server, wait up to this many seconds for both CPUs to be
#                             idle (under 10% busy over 1 s); useful on a shared machine
#   BENCH_NO_BUILD=1          use the binaries already built (skip cargo)
#   BENCH_TORNADO_BIN=path    benchmark this binary as "tornado" instead of building examples/hello
#   BENCH_TORNADO_ARGS="--workers=1 --logging=warning"  extra arguments for tornado's hello (after --port=N --address=A)
#   BENCH_RESULTS_DIR=bench/results   where the JSON result file goes
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
DEPTH=${BENCH_PIPELINE_DEPTH:-16}
WARMUP=${BENCH_WARMUP:-1}
REPEAT=${BENCH_REPEAT:-1}
ROUNDS=${BENCH_ROUNDS:-1}
SERVERS=${BENCH_SERVERS:-"tornado hyper hyper-flush actix-web"}
PORT=${BENCH_PORT:-8888}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
START_TIMEOUT=${BENCH_START_TIMEOUT:-20}
WAIT_IDLE=${BENCH_WAIT_IDLE:-0}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
export BENCH_PIPELINE_DEPTH=$DEPTH # read by pipeline.lua
ADDRESS=127.0.0.1

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for v in DURATION CONNECTIONS DEPTH WARMUP REPEAT ROUNDS PORT SERVER_CPU CLIENT_CPU START_TIMEOUT WAIT_IDLE; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer, got '${!v}'"
done
((DURATION > 0 && CONNECTIONS > 0 && DEPTH > 0 && REPEAT > 0 && ROUNDS > 0)) || die "duration, connections, depth, repeat and rounds must be > 0"

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
bench_workdir tornado-bench

# --- tools ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "wrk not found; installing Debian's package"
  if [[ $(id -u) -eq 0 ]]; then SUDO=; else SUDO=sudo; fi
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; } || die "could not install wrk"
fi
for tool in taskset getconf awk cargo; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
NCPU=$(nproc)
((SERVER_CPU < NCPU && CLIENT_CPU < NCPU)) || die "CPUs $SERVER_CPU and $CLIENT_CPU needed, machine has $NCPU"
((SERVER_CPU != CLIENT_CPU)) || log "warning: server and wrk share CPU $SERVER_CPU"
CLK_TCK=$(getconf CLK_TCK)
TIMEFORMAT='%3U %3S %3R'

# --- build ------------------------------------------------------------------------------------
# Prints the path of the executable cargo built for the given build command.
cargo_executable() {
  local out
  out=$(cargo build --release --message-format=json-render-diagnostics "$@") || return 1
  printf '%s\n' "$out" | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n1
}

declare -A BIN=() EXTRA=()
build_all() {
  local s exe
  for s in $SERVERS; do
    case $s in
      tornado)
        if [[ -n ${BENCH_TORNADO_BIN:-} ]]; then exe=$BENCH_TORNADO_BIN
        elif [[ ! -f $REPO/examples/hello.rs && ! -f $REPO/examples/hello/main.rs ]]; then
          log "tornado: no examples/hello.rs in $REPO yet, skipping tornado"
          continue
        elif [[ -n ${BENCH_NO_BUILD:-} ]]; then exe=$REPO/target/release/examples/hello
        else
          log "building tornado example 'hello' (release)"
          exe=$( (cd "$REPO" && cargo_executable --example hello)) || die "building tornado's hello example failed"
        fi ;;
      hyper | hyper-flush)
        if [[ -n ${BIN[hyper]:-} ]]; then exe=${BIN[hyper]}
        elif [[ -n ${BENCH_NO_BUILD:-} ]]; then exe=$BENCH_DIR/peers/hyper/target/release/peer-hyper
        else
          log "building peer: hyper (release)"
          exe=$( (cd "$BENCH_DIR/peers/hyper" && cargo_executable)) || die "building bench/peers/hyper failed"
        fi
        BIN[hyper]=$exe ;;
      actix-web)
        if [[ -n ${BENCH_NO_BUILD:-} ]]; then exe=$BENCH_DIR/peers/actix-web/target/release/peer-actix-web
        else
          log "building peer: actix-web (release)"
          exe=$( (cd "$BENCH_DIR/peers/actix-web" && cargo_executable)) || die "building bench/peers/actix-web failed"
        fi ;;
      *) die "unknown server '$s' in BENCH_SERVERS (known: tornado hyper hyper-flush actix-web)" ;;
    esac
    [[ -n $exe && -x $exe ]] || die "$s: no executable at '$exe'"
    BIN[$s]=$exe
    case $s in
      hyper-flush) EXTRA[$s]=--pipeline-flush ;;
      tornado) EXTRA[$s]=${BENCH_TORNADO_ARGS---workers=1 --logging=warning} ;;
      *) EXTRA[$s]= ;;
    esac
  done
}

# --- servers ----------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/$ADDRESS/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while port_busy "$p" || { command -v ss >/dev/null && ss -Htln "sport = :$p" | grep -q .; }; do
    p=$((p + 1))
    ((p < 65536)) || die "no free port from $1 up"
  done
  echo "$p"
}

# Starts server $1 pinned to SERVER_CPU on a free port; sets SERVER_PID and SERVER_PORT.
start_server() {
  local name=$1 t0 rc
  for _ in 1 2 3; do
    SERVER_PORT=$(free_port "$PORT")
    # shellcheck disable=SC2086 # EXTRA holds flags, split on spaces
    taskset -c "$SERVER_CPU" "${BIN[$name]}" --port="$SERVER_PORT" --address="$ADDRESS" ${EXTRA[$name]} \
      >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    t0=$(date +%s%N)
    while ! port_busy "$SERVER_PORT"; do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        rc=0
        wait "$SERVER_PID" 2>/dev/null || rc=$?
        SERVER_PID=
        if grep -qi 'in use' "$WORK/$name.log"; then
          log "$name: port $SERVER_PORT was taken meanwhile, retrying on another"
          PORT=$((SERVER_PORT + 1))
          continue 2
        fi
        log "$name failed to start: '${BIN[$name]} --port=$SERVER_PORT --address=$ADDRESS ${EXTRA[$name]}'" \
          "exited with status $rc before accepting connections; its output:"
        if [[ -s $WORK/$name.log ]]; then sed 's/^/    /' "$WORK/$name.log" | tail -n 30 >&2; else log "    (none)"; fi
        return 1
      fi
      if (($(date +%s%N) - t0 > START_TIMEOUT * 1000000000)); then
        log "$name did not accept connections on $ADDRESS:$SERVER_PORT within ${START_TIMEOUT}s; its output:"
        sed 's/^/    /' "$WORK/$name.log" >&2
        stop_server
        return 1
      fi
      sleep 0.05
    done
    return 0
  done
  log "$name: could not find a port to start on"
  return 1
}

# One GET with Connection: close; checks status 200 and the body.
check_hello() {
  local resp
  resp=$(exec 3<>"/dev/tcp/$ADDRESS/$SERVER_PORT" &&
    printf 'GET / HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$ADDRESS" "$SERVER_PORT" >&3 &&
    timeout 5 cat <&3) || true
  [[ $resp == "HTTP/1.1 200"* && $resp == *"Hello, world"* ]] || {
    log "$1: unexpected answer to GET / (want 200 and 'Hello, world'):"
    printf '%s\n' "$resp" | sed 's/^/    /' | head -20 >&2
    return 1
  }
}

# utime + stime of the whole process (all threads), in clock ticks. The command name in field 2
# may hold spaces, so fields are counted from the last ')'.
cpu_ticks() {
  local stat rest
  stat=$(<"/proc/$1/stat") || return 1
  rest=${stat##*) }
  # shellcheck disable=SC2086 # split on spaces on purpose
  set -- $rest
  # after ')': $1=state (field 3) ... $12=utime (field 14), $13=stime (field 15)
  echo "${12} ${13}"
}

# --- measuring --------------------------------------------------------------------------------
to_us() { # wrk latency "123.45us" / "1.2ms" / "2s" -> µs
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000; else f = 0;
    printf "%.1f", n * f }'
}

# Clock ticks of one CPU from /proc/stat: task time (user+nice+system), interrupts
# (irq+softirq), steal, idle (idle+iowait).
cpu_times() {
  awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4, $7 + $8, $9, $5 + $6 }' /proc/stat
}

# run_wrk NAME MODE: one measured wrk run; appends a result line to $WORK/tries.
run_wrk() {
  local name=$1 mode=$2 out wall0 wall1 u0 s0 u1 s1 t0 q0 st0 i0 t1 q1 st1 i1 args=()
  out=$WORK/$name-$mode.wrk
  local tries=$WORK/tries.$name.$mode
  if [[ $mode == pipelined ]]; then args=(-s "$BENCH_DIR/pipeline.lua"); fi
  read -r u0 s0 < <(cpu_ticks "$SERVER_PID")
  read -r t0 q0 st0 i0 < <(cpu_times "$SERVER_CPU")
  wall0=$(date +%s%N)
  # bash's `time` gives wrk's own CPU time (taskset execs wrk), to tell when the client is the limit.
  { time taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency --timeout 5s \
    "${args[@]}" "http://$ADDRESS:$SERVER_PORT/" >"$out" 2>&1; } 2>"$out.time" || {
    log "$name $mode: wrk failed:"; sed 's/^/    /' "$out" >&2; return 1; }
  wall1=$(date +%s%N)
  read -r t1 q1 st1 i1 < <(cpu_times "$SERVER_CPU")
  read -r u1 s1 < <(cpu_ticks "$SERVER_PID") || { log "$name died during the $mode run"; return 1; }
  local requests secs rps p50 errors non2xx wrk_pct
  wrk_pct=$(awk 'NF == 3 && $3 > 0 { printf "%.1f", 100 * ($1 + $2) / $3 }' "$out.time")
  requests=$(awk '/ requests in /{print $1}' "$out")
  secs=$(awk '/ requests in /{sub(/s,$/, "", $4); print $4}' "$out")
  rps=$(awk '/^Requests\/sec:/{print $2}' "$out")
  p50=$(to_us "$(awk '$1 == "50%" {print $2}' "$out")")
  errors=$(awk '/Socket errors:/{gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")
  [[ -n $requests && $requests -gt 0 ]] || { log "$name $mode: no requests completed:"; sed 's/^/    /' "$out" >&2; return 1; }
  [[ -z $errors || $errors == 0 ]] || log "warning: $name $mode: socket errors ($errors): $(grep 'Socket errors' "$out")"
  [[ -z $non2xx ]] || log "warning: $name $mode: $non2xx responses were not 2xx/3xx"
  # Columns: 1 server 2 mode 3 requests 4 secs 5 rps 6 p50_us 7 user_s 8 sys_s 9 cpu_us_per_req
  # 10 user_us_per_req 11 server_cpu_pct 12 other_pct 13 socket_errors 14 non_2xx
  # 15 irq_us_per_req (irq+softirq time on the server's CPU per request) 16 wrk_cpu_pct
  awk -v n="$name" -v m="$mode" -v req="$requests" -v secs="$secs" -v rps="$rps" -v p50="$p50" \
    -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v tck="$CLK_TCK" -v wall=$(((wall1 - wall0) / 1000)) \
    -v task=$((t1 - t0)) -v irq=$((q1 - q0)) -v steal=$((st1 - st0)) -v idle=$((i1 - i0)) \
    -v err="${errors:-0}" -v bad="${non2xx:-0}" -v wrk="${wrk_pct:-0}" 'BEGIN {
      user = du / tck; sys = ds / tck; total = task + irq + steal + idle
      # Per-CPU ticks are sampled and per-process times are not, so this is approximate.
      other = (total > 0) ? 100 * (task + steal - du - ds) / total : 0
      if (other < 0) other = 0
      printf "%s %s %d %.3f %.0f %.1f %.3f %.3f %.3f %.3f %.1f %.1f %d %d %.3f %.1f\n", n, m, req, secs, rps, p50,
        user, sys, (user + sys) * 1e6 / req, user * 1e6 / req, 100 * (user + sys) * 1e6 / wall, other, err, bad,
        irq / tck * 1e6 / req, wrk
    }' >>"$tries"
}

# Busy share (%) of the two benchmark CPUs over one second.
busy_pct() {
  local a b
  a=$(awk -v s="cpu$SERVER_CPU" -v c="cpu$CLIENT_CPU" '$1 == s || $1 == c { t += $2 + $3 + $4 + $7 + $8 + $9; i += $5 + $6 } END { print t, i }' /proc/stat)
  sleep 1
  b=$(awk -v s="cpu$SERVER_CPU" -v c="cpu$CLIENT_CPU" '$1 == s || $1 == c { t += $2 + $3 + $4 + $7 + $8 + $9; i += $5 + $6 } END { print t, i }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); bt = y[1] - x[1]; it = y[2] - x[2]
    printf "%.0f", (bt + it > 0) ? 100 * bt / (bt + it) : 0 }'
}

# Waits (at most WAIT_IDLE s) until the benchmark CPUs are idle.
wait_idle() {
  ((WAIT_IDLE > 0)) || return 0
  local start=$SECONDS busy
  while busy=$(busy_pct) && ((busy >= 10)); do
    if ((SECONDS - start >= WAIT_IDLE)); then
      log "warning: CPUs $SERVER_CPU,$CLIENT_CPU still ${busy}% busy after ${WAIT_IDLE}s; going on"
      return 0
    fi
  done
  ((SECONDS - start < 2)) || log "waited $((SECONDS - start))s for idle CPUs"
}

# --- main -------------------------------------------------------------------------------------
if [[ -z ${BENCH_NO_BUILD:-} ]]; then log "building (release); this can take a few minutes the first time"; fi
build_all
RUN=()
for s in $SERVERS; do if [[ -n ${BIN[$s]:-} ]]; then RUN+=("$s"); fi; done
((${#RUN[@]} > 0)) || die "nothing to benchmark"

LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOADAVG%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: load average is $LOADAVG; other work on this machine will skew the numbers"
fi
log "servers: ${RUN[*]}; ${DURATION}s per run, $CONNECTIONS connections, pipeline depth $DEPTH;" \
  "server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"

: >"$WORK/results"
FAILED=()
for ((round = 1; round <= ROUNDS; round++)); do
  ((ROUNDS == 1)) || log "round $round of $ROUNDS"
  for s in "${RUN[@]}"; do
    [[ " ${FAILED[*]} " == *" $s "* ]] && continue
    wait_idle
    log "$s: starting"
    if ! start_server "$s" || ! check_hello "$s"; then
      stop_server; FAILED+=("$s"); continue
    fi
    log "$s: pid $SERVER_PID, port $SERVER_PORT ($(find "/proc/$SERVER_PID/task" -mindepth 1 -maxdepth 1 | wc -l) threads)"
    if ((WARMUP > 0)); then
      taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://$ADDRESS:$SERVER_PORT/" >/dev/null 2>&1 || true
    fi
    ok=1
    for mode in plain pipelined; do
      for ((try = 1; try <= REPEAT; try++)); do
        log "$s: $mode run (${DURATION}s)$( ((REPEAT == 1)) || echo ", $try of $REPEAT")"
        run_wrk "$s" "$mode" || { ok=0; break 2; }
      done
    done
    ((ok)) || FAILED+=("$s")
    stop_server
  done
done
# Keep each server's try with the least server CPU per request: interference only ever adds to it.
for s in "${RUN[@]}"; do
  [[ " ${FAILED[*]} " == *" $s "* ]] && continue
  for mode in plain pipelined; do
    sort -g -k9,9 "$WORK/tries.$s.$mode" | head -n1 >>"$WORK/results"
  done
done

# --- report -----------------------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS_DIR"
JSON=$RESULTS_DIR/http-$STAMP.json

[[ -s $WORK/results ]] || log "no run completed"
awk -v dur="$DURATION" -v conns="$CONNECTIONS" -v depth="$DEPTH" -v scpu="$SERVER_CPU" -v rep="$((REPEAT * ROUNDS))" '
  { key = $1 " " $2; have[key] = 1; rps[key] = $5; cpu[key] = $9; usr[key] = $10
    p50[key] = $6; pct[key] = $11; oth[key] = $12; irq[key] = $15; wrk[key] = $16; rows[++nr] = key
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  function ratio(a, b, arr) {
    return ((a in have) && (b in have) && arr[b] > 0) ? sprintf("%.2f", arr[a] / arr[b]) : "-"
  }
  END {
    if (nr == 0) exit
    printf "\nHTTP/1.1 keep-alive, %ds per run, %d connections, wrk -t1; pipelined: %d requests per write", dur, conns, depth
    printf (rep > 1) ? "; best of %d runs by CPU/req\n\n" : "\n\n", rep
    printf "%-12s %-9s %10s %9s %9s %8s %8s %6s %6s %6s\n", "server", "mode", "req/s", "CPU µs", "user µs", "irq µs", "p50 µs", "srv%", "wrk%", "other%"
    for (i = 1; i <= nr; i++) {
      k = rows[i]; split(k, f, " ")
      mark = (oth[k] > 5) ? "  <- CPU " scpu " busy with other work" : ""
      printf "%-12s %-9s %10.0f %9.3f %9.3f %8.3f %8.1f %6.0f %6.0f %6.1f%s\n", f[1], f[2], rps[k], cpu[k], usr[k], irq[k], p50[k], pct[k], wrk[k], oth[k], mark
    }
    printf "\n  CPU µs   server CPU time (user+sys, all threads) per request\n"
    printf "  user µs  server user CPU time per request (the cost budget in DESIGN §4 is in these)\n"
    printf "  irq µs   interrupt time (mostly loopback softirq) on CPU %d per request, not in CPU µs\n", scpu
    printf "  srv%%     server CPU time / wall time; under ~95%% the server was not saturated\n"
    printf "  wrk%%     wrk CPU time / wall time; near 100%% the client, not the server, was the limit\n"
    printf "  other%%   time CPU %d spent running anything else (noise; should be ~0)\n", scpu
    if (("tornado" in seen) && n > 1) {
      printf "\nratios tornado ÷ peer (CPU µs and user µs per request: below 1 = tornado cheaper; req/s: above 1 = tornado faster)\n"
      printf "%-12s %-9s %8s %8s %8s\n", "peer", "mode", "CPU µs", "user µs", "req/s"
      for (i = 1; i <= n; i++) {
        p = order[i]; if (p == "tornado") continue
        split("plain pipelined", modes, " ")
        for (j = 1; j <= 2; j++) {
          m = modes[j]
          printf "%-12s %-9s %8s %8s %8s\n", p, m, ratio("tornado " m, p " " m, cpu), ratio("tornado " m, p " " m, usr), ratio("tornado " m, p " " m, rps)
        }
      }
    } else {
      printf "\n(no ratios: they need a tornado run and a peer run)\n"
    }
  }' "$WORK/results"

{
  printf '{"benchmark":"http","date":"%s","duration_s":%d,"connections":%d,"pipeline_depth":%d,"repeat":%d,' \
    "$STAMP" "$DURATION" "$CONNECTIONS" "$DEPTH" "$REPEAT"
  printf '"server_cpu":%d,"client_cpu":%d,"nproc":%d,"clk_tck":%d,"loadavg_before":"%s","kernel":"%s","wrk":"%s",' \
    "$SERVER_CPU" "$CLIENT_CPU" "$NCPU" "$CLK_TCK" "$LOADAVG" "$(uname -r)" "$(wrk -v 2>&1 | head -n1 | cut -d' ' -f2)"
  printf '"git_commit":"%s","runs":[' "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  awk 'NR > 1 { printf "," }
    { printf "{\"server\":\"%s\",\"mode\":\"%s\",\"requests\":%d,\"seconds\":%s,\"rps\":%s,\"p50_latency_us\":%s,", $1, $2, $3, $4, $5, $6
      printf "\"server_user_s\":%s,\"server_sys_s\":%s,\"cpu_us_per_req\":%s,\"user_us_per_req\":%s,", $7, $8, $9, $10
      printf "\"server_cpu_pct\":%s,\"other_on_server_cpu_pct\":%s,\"socket_errors\":%d,\"non_2xx\":%d,\"irq_us_per_req\":%s,\"wrk_cpu_pct\":%s}", $11, $12, $13, $14, $15, $16 }' "$WORK/results"
  printf '],"failed":['
  first=1
  for f in "${FAILED[@]+"${FAILED[@]}"}"; do ((first)) || printf ','; first=0; printf '"%s"' "$f"; done
  printf ']}\n'
} >"$JSON"
echo
echo "results: $JSON"

if ((${#FAILED[@]} > 0)); then
  log "failed: ${FAILED[*]}"
  exit 1
fi
