#!/usr/bin/env bash
# Side-by-side: redis-server and reactor-server under the same redis-benchmark load.
#
# For each test and pipeline depth it runs redis-benchmark against each server alternately
# (A B A B ...), reads each server's CPU time (utime+stime from /proc/PID/stat) before and after,
# and reports requests per second and server CPU microseconds per request, then the medians and
# the ratio reactor/redis. CPU per request is the figure to judge by: on a small machine the
# benchmark client shares the cores, so throughput alone is noise.
#
# Usage: benches/compare.sh [ROUNDS] [REQUESTS]     (defaults: 3 rounds, 200000 requests)
# Env:   TESTS="ping_inline,ping_mbulk,set,get,incr,mset"  CLIENTS=50  PIPELINES="1 16"
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
REQUESTS=${2:-200000}
TESTS=${TESTS:-ping_inline,ping_mbulk,set,get,incr,mset}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}

for tool in redis-server redis-benchmark; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install redis-server redis-tools)"; exit 1; }
done
cargo build --release --quiet --bin reactor-server

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
REACTOR_PORT=$(free_port)
TICKS=$(getconf CLK_TCK)

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --logfile /dev/null &
REDIS_PID=$!
target/release/reactor-server --port "$REACTOR_PORT" --loglevel warn &
REACTOR_PID=$!
trap 'kill $REDIS_PID $REACTOR_PID 2>/dev/null || true' EXIT
for port in "$REDIS_PORT" "$REACTOR_PORT"; do
    for _ in $(seq 50); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

RESULTS=$(mktemp)
echo "machine: $(nproc) cores, $(uname -sr), $(redis-server --version | cut -d' ' -f3)"
echo "load:    redis-benchmark -c $CLIENTS -n $REQUESTS -t TEST [-P N], $ROUNDS rounds, alternating"
for round in $(seq "$ROUNDS"); do
    for pipeline in $PIPELINES; do
        for test in ${TESTS//,/ }; do
            for server in redis reactor; do
                if [ $server = redis ]; then port=$REDIS_PORT pid=$REDIS_PID; else port=$REACTOR_PORT pid=$REACTOR_PID; fi
                before=$(cpu_ticks $pid)
                rps=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$REQUESTS" -P "$pipeline" -t "$test" --csv \
                    | awk -F'"' 'NR==2 {print $4}')
                after=$(cpu_ticks $pid)
                # microseconds of server CPU per request
                us=$(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$REQUESTS" 'BEGIN {printf "%.3f", t / hz * 1e6 / n}')
                echo "$test P$pipeline $server $rps $us" >> "$RESULTS"
            done
        done
    done
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '\n%-12s %-4s %14s %14s %7s %14s %14s %7s\n' test P "redis rps" "reactor rps" ratio "redis us/req" "reactor us/req" ratio
for pipeline in $PIPELINES; do
    for test in ${TESTS//,/ }; do
        r_rps=$(awk -v t="$test" -v p="P$pipeline" '$1==t && $2==p && $3=="redis" {print $4}' "$RESULTS" | median)
        x_rps=$(awk -v t="$test" -v p="P$pipeline" '$1==t && $2==p && $3=="reactor" {print $4}' "$RESULTS" | median)
        r_us=$(awk -v t="$test" -v p="P$pipeline" '$1==t && $2==p && $3=="redis" {print $5}' "$RESULTS" | median)
        x_us=$(awk -v t="$test" -v p="P$pipeline" '$1==t && $2==p && $3=="reactor" {print $5}' "$RESULTS" | median)
        awk -v t="$test" -v p="$pipeline" -v a="$r_rps" -v b="$x_rps" -v c="$r_us" -v d="$x_us" 'BEGIN {
            printf "%-12s %-4s %14.0f %14.0f %7.2f %14.3f %14.3f %7.2f\n", t, p, a, b, (a ? b/a : 0), c, d, (c ? d/c : 0) }'
    done
done
rm -f "$RESULTS"
