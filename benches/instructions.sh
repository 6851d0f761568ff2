#!/usr/bin/env bash
# User-space instructions per request, counted by callgrind: a figure that does not move with
# the machine's load, for judging a change to the hot path when timings are too noisy.
#
#   benches/instructions.sh [BINARY] [TEST] [PIPELINE] [REQUESTS]      (BINARY may be redis-server)
#   (defaults: target/release/reactor-server get 16 200000; TEST=evalsha runs EVALSHA of
#   `return redis.call('GET', KEYS[1])`; KEEP=FILE keeps callgrind's output;
#   DASHBOARD=1 turns the dashboard on and keeps one reader of its event stream open, with curl)
#
# The server runs under `valgrind --tool=callgrind --instr-atstart=no`; counting is switched on
# (callgrind_control -i on) only once it is up, redis-benchmark sends the requests, and the
# server is stopped with SIGTERM so callgrind writes its totals. Kernel work (syscalls, TCP) is
# not counted: this measures only what the process executes itself. Prints Ir per request and
# the ten functions with the most instructions.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/reactor-server}
TEST=${2:-get}
PIPELINE=${3:-16}
REQUESTS=${4:-200000}
OUT=$(mktemp -d)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$(basename "$BIN")" = redis-server ]; then
    # The same measurement of the reference server: benches/instructions.sh redis-server get 16
    args=(--port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --logfile /dev/null)
else
    args=(--port "$PORT" --loglevel warn)
    if [ -n "${DASHBOARD:-}" ]; then
        DPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        args+=(--dashboard-port "$DPORT")
    fi
fi
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/callgrind.out" \
    "$BIN" "${args[@]}" 2>"$OUT/valgrind.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 300); do redis-cli -p "$PORT" PING >/dev/null 2>&1 && break; sleep 0.1; done
# As in benches/compare.sh, where `set` runs before `get`: GET finds its key.
redis-cli -p "$PORT" SET key:__rand_int__ xxx >/dev/null
if [ -n "${DPORT:-}" ]; then
    curl -sN "http://127.0.0.1:$DPORT/events" >/dev/null &
    READER=$!
    trap 'kill $PID $READER 2>/dev/null || true; rm -rf "$OUT"' EXIT
    sleep 0.5
fi
# TEST=evalsha: a script instead of a built-in test, EVALSHA of the GET script (chapter 23).
if [ "$TEST" = evalsha ]; then
    SHA=$(redis-cli -p "$PORT" SCRIPT LOAD "return redis.call('GET', KEYS[1])")
    BENCH=(EVALSHA "$SHA" 1 key:__rand_int__)
else
    BENCH=(-t "$TEST")
fi
callgrind_control -i on "$PID" >/dev/null
redis-benchmark -p "$PORT" -c 50 -n "$REQUESTS" -P "$PIPELINE" --csv "${BENCH[@]}" >/dev/null 2>&1
callgrind_control -i off "$PID" >/dev/null
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true

[ -n "${KEEP:-}" ] && cp "$OUT/callgrind.out" "$KEEP"
total=$(callgrind_annotate "$OUT/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); t = $1} END {print t}')
echo "$BIN: $TEST -P $PIPELINE, $REQUESTS requests: $total instructions, $((total / REQUESTS)) per request"
callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | sed -n "2,11p" | cut -c1-150 || true
