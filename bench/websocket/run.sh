#!/usr/bin/env bash
# WebSocket benchmark: tornado's examples/websocket_echo against an actix-web + actix-ws echo
# peer (bench/peers/actix-ws), one worker each, in one run.
#
# 1. Echo throughput: 64 connections, each sending a binary message and waiting for its echo,
#    with 64 B and with 16 KiB messages. Server pinned to one CPU, the load generator
#    (bench/websocket, tokio-tungstenite on one thread) to another. Reports messages/s and the
#    server's CPU time per message (utime + stime from /proc/<pid>/stat), then tornado ÷ peer.
# 2. Idle connections: the server's RSS before and after opening 10,000 idle websockets;
#    reports KiB per connection.
#
# Environment (optional): BENCH_DURATION=10, BENCH_CONNECTIONS=64, BENCH_IDLE=10000,
# BENCH_SERVER_CPU=0, BENCH_CLIENT_CPU=1, BENCH_PORT=9101, BENCH_NO_BUILD=1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
IDLE=${BENCH_IDLE:-10000}
SCPU=${BENCH_SERVER_CPU:-0}
CCPU=${BENCH_CLIENT_CPU:-1}
PORT=${BENCH_PORT:-9101}
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[ws-bench] %s\n' "$*" >&2; }

if [[ -z ${BENCH_NO_BUILD:-} ]]; then
  log "building (release): tornado websocket_echo, peer actix-ws, load generator"
  (cd "$REPO" && cargo build --release --example websocket_echo -q)
  (cd "$REPO/bench/peers/actix-ws" && cargo build --release -q)
  (cd "$HERE" && cargo build --release -q)
fi
TORNADO=$REPO/target/release/examples/websocket_echo
PEER=$REPO/bench/peers/actix-ws/target/release/peer-actix-ws
LOAD=$HERE/target/release/ws-load

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

SERVER_PID=
stop() { if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; fi; }
trap stop EXIT

start() { # name
  case $1 in
    tornado) taskset -c "$SCPU" "$TORNADO" --port "$PORT" --workers 1 --logging none & ;;
    actix-ws) taskset -c "$SCPU" "$PEER" --port "$PORT" & ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return; sleep 0.05; done
  log "$1 did not start"; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }

declare -A RATE CPU_US KIB
for server in tornado actix-ws; do
  for size in 64 16384; do
    start "$server"
    before=$(cpu_ticks)
    out=$(taskset -c "$CCPU" "$LOAD" echo "ws://127.0.0.1:$PORT/ws" "$CONNS" "$size" "$DURATION")
    after=$(cpu_ticks)
    stop
    msgs=$(awk '{print $2}' <<<"$out"); secs=$(awk '{print $4}' <<<"$out")
    RATE[$server,$size]=$(awk -v m="$msgs" -v s="$secs" 'BEGIN {printf "%.0f", m / s}')
    CPU_US[$server,$size]=$(awk -v t=$((after - before)) -v m="$msgs" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", t / hz * 1e6 / m}')
    log "$server ${size} B: ${RATE[$server,$size]} msg/s, ${CPU_US[$server,$size]} µs server CPU/msg"
  done
  start "$server"
  rss0=$(rss_kib)
  coproc HOLD { taskset -c "$CCPU" "$LOAD" idle "ws://127.0.0.1:$PORT/ws" "$IDLE"; }
  read -r _ opened <&"${HOLD[0]}"
  sleep 1
  rss1=$(rss_kib)
  exec {HOLD[1]}>&-
  wait "$HOLD_PID" 2>/dev/null || true
  stop
  KIB[$server]=$(awk -v a="$rss0" -v b="$rss1" -v n="$opened" 'BEGIN {printf "%.2f", (b - a) / n}')
  log "$server: RSS $rss0 → $rss1 KiB with $opened idle websockets: ${KIB[$server]} KiB each"
done

echo "| server | 64 B msg/s | 64 B µs CPU/msg | 16 KiB msg/s | 16 KiB µs CPU/msg | KiB per idle socket |"
echo "|---|---|---|---|---|---|"
for server in tornado actix-ws; do
  echo "| $server | ${RATE[$server,64]} | ${CPU_US[$server,64]} | ${RATE[$server,16384]} | ${CPU_US[$server,16384]} | ${KIB[$server]} |"
done
for size in 64 16384; do
  awk -v a="${RATE[tornado,$size]}" -v b="${RATE[actix-ws,$size]}" -v s="$size" \
    'BEGIN {printf "throughput ratio tornado/actix-ws at %s B: %.2f\n", s, a / b}'
done
