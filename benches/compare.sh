#!/usr/bin/env bash
# Side by side: redis-server and reactor-server under the same redis-benchmark load, in one run.
#
# What it measures (docs/performance.md explains the method and shows a run):
#
# 1. Memory per connection. Fresh servers; benches/conns.py (a separate process, so each side
#    has its own descriptor budget) opens CONNECTIONS connections and reads the server's VmRSS
#    with all of them idle, then after each has sent one PING and read +PONG.
# 2. CPU and throughput. For each round, pipeline depth and test, redis-benchmark runs against
#    each server in turn (A B, then B A next round, so slow drift of the machine's load hits both
#    alike), and the server's CPU time (utime + stime from /proc/PID/stat, in USER_HZ ticks) is
#    read before and after. Server CPU microseconds per request is the figure to judge by: on a
#    small machine redis-benchmark shares the cores, so throughput is partly the client's.
# 3. Syscalls per request (SYSCALLS=1, the default), for GET at each depth. First counted by
#    kernel tracepoints (`perf stat -e raw_syscalls:sys_enter,...`), which barely slow the
#    server, during a run of the usual size; then listed by `strace -c -f -p PID` during a run a
#    tenth that size. strace slows the server several times over, so the server finds more
#    requests waiting per `epoll_wait`: its read/write counts agree with perf's, its
#    `epoll_wait` count is far too low. Both are reported.
#
# Then benches/summarise.py prints the medians and ratios as Markdown tables and draws
# docs/performance.svg. Raw results stay in target/compare/.
#
# Usage: benches/compare.sh [ROUNDS]                          (default 3)
# Env:   TESTS=ping_inline,ping_mbulk,set,get,incr,mset   CLIENTS=50   PIPELINES="1 16"
#        REQUESTS_P1=200000   REQUESTS_P16=3000000   (per run: >= 1 s of server CPU each)
#        CONNECTIONS=10000    SYSCALLS=1    SVG=docs/performance.svg    OUT=target/compare
# Needs: redis-server, redis-benchmark, redis-cli (apt-get install redis-server redis-tools),
#        python3, strace (for SYSCALLS=1).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
TESTS=${TESTS:-ping_inline,ping_mbulk,set,get,incr,mset}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
REQUESTS_P1=${REQUESTS_P1:-200000}
REQUESTS_P16=${REQUESTS_P16:-3000000}
CONNECTIONS=${CONNECTIONS:-10000}
SYSCALLS=${SYSCALLS:-1}
SVG=${SVG:-docs/performance.svg}
OUT=${OUT:-target/compare}

for tool in redis-server redis-benchmark redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install redis-server redis-tools python3)"; exit 1; }
done
if [ "$SYSCALLS" = 1 ] && ! command -v strace >/dev/null; then
    echo "strace not found: skipping syscall counts (apt-get install strace)"
    SYSCALLS=0
fi
echo "== building target/release/reactor-server"
cargo build --release --quiet --bin reactor-server
mkdir -p "$OUT" "$(dirname "$SVG")"
rm -f "$OUT"/*.tsv "$OUT"/strace-*.txt "$OUT"/perfstat-*.csv

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
requests_for() { if [ "$1" = 1 ]; then echo "$REQUESTS_P1"; else echo "$REQUESTS_P16"; fi; }
# utime and stime, fields 14 and 15 of /proc/PID/stat (the command name, field 2, has no spaces
# for these two servers).
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Start both servers on fresh free ports; sets REDIS_PORT/PID and REACTOR_PORT/PID. Both may hold
# CONNECTIONS clients plus the benchmark's (redis-server raises its own descriptor limit as far as
# `ulimit -n` allows; so does reactor-server's kernel default here, 20000 on the reference machine).
start_servers() {
    REDIS_PORT=$(free_port)
    REACTOR_PORT=$(free_port)
    local max=$((CONNECTIONS + 100))
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --maxclients "$max" --logfile /dev/null &
    REDIS_PID=$!
    target/release/reactor-server --port "$REACTOR_PORT" --maxclients "$max" --loglevel warn \
        2>"$OUT/reactor-server.log" &
    REACTOR_PID=$!
    PIDS+=("$REDIS_PID" "$REACTOR_PID")
    for port in "$REDIS_PORT" "$REACTOR_PORT"; do
        for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
    done
}

stop_servers() {
    kill "$REDIS_PID" "$REACTOR_PID" 2>/dev/null || true
    wait "$REDIS_PID" "$REACTOR_PID" 2>/dev/null || true
    PIDS=()
}

server_port() { if [ "$1" = redis ]; then echo "$REDIS_PORT"; else echo "$REACTOR_PORT"; fi; }
server_pid() { if [ "$1" = redis ]; then echo "$REDIS_PID"; else echo "$REACTOR_PID"; fi; }

echo "== machine: $(nproc) cores, $(uname -sr), $(redis-server --version | cut -d' ' -f3 | sed 's/^v=//')"
echo "== load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'cores\t%s\nkernel\t%s\nredis\t%s\nload_before\t%s\n' "$(nproc)" "$(uname -r)" \
    "$(redis-server --version | cut -d' ' -f3 | sed 's/^v=//')" "$(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/machine.tsv"

# --- 1. memory per connection, on fresh servers ---------------------------------------------
echo "== memory: $CONNECTIONS connections, idle and after one PING each"
start_servers
for server in redis reactor; do
    line=$(python3 benches/conns.py "$(server_port $server)" "$(server_pid $server)" "$CONNECTIONS" 2>/dev/null)
    echo "   $server: RSS KiB baseline/idle/after PING/connections = $line"
    printf '%s\t%s\n' "$server" "${line// /$'\t'}" >>"$OUT/memory.tsv"
done
stop_servers

# --- 2. CPU per request and throughput, alternating -----------------------------------------
start_servers
echo "== load: redis-benchmark -c $CLIENTS -n N -t TEST [-P 16], N=$REQUESTS_P1 (P1) / $REQUESTS_P16 (P16), $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
    # Alternate who goes first, so a change in background load does not always favour one side.
    if [ $((round % 2)) = 1 ]; then order="redis reactor"; else order="reactor redis"; fi
    for pipeline in $PIPELINES; do
        requests=$(requests_for "$pipeline")
        for test in ${TESTS//,/ }; do
            for server in $order; do
                pid=$(server_pid $server)
                read -r u0 s0 < <(cpu_ticks "$pid")
                rps=$(redis-benchmark -p "$(server_port $server)" -c "$CLIENTS" -n "$requests" \
                    -P "$pipeline" -t "$test" --csv 2>/dev/null | awk -F'"' 'NR==2 {print $4}')
                read -r u1 s1 < <(cpu_ticks "$pid")
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$test" "$pipeline" "$server" \
                    "${rps:-0}" "$requests" $((u1 - u0)) $((s1 - s0)) >>"$OUT/results.tsv"
            done
        done
        echo "   round $round P$pipeline done ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"
    done
done

# --- 3. syscalls per request ----------------------------------------------------------------
if [ "$SYSCALLS" = 1 ] && command -v perf >/dev/null \
    && perf stat -e raw_syscalls:sys_enter -o /dev/null true 2>/dev/null; then
    echo "== syscalls: GET counted by perf stat tracepoints, per server and depth"
    events=raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom
    events+=,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait
    events+=,context-switches,task-clock
    for pipeline in $PIPELINES; do
        requests=$(requests_for "$pipeline")
        for server in redis reactor; do
            file="$OUT/perfstat-$server-P$pipeline.csv"
            perf stat -x, -e "$events" -p "$(server_pid $server)" -o "$file" 2>/dev/null &
            perf_pid=$!
            sleep 0.5
            redis-benchmark -p "$(server_port $server)" -c "$CLIENTS" -n "$requests" -P "$pipeline" \
                -t get --csv >/dev/null 2>&1
            kill -INT "$perf_pid"
            wait "$perf_pid" 2>/dev/null || true
            printf '%s\t%s\t%s\t%s\n' "$server" "$pipeline" "$requests" "$file" >>"$OUT/perfstat.tsv"
        done
    done
fi
if [ "$SYSCALLS" = 1 ]; then
    echo "== syscalls: GET under strace -c -f, per server and depth"
    for pipeline in $PIPELINES; do
        # strace slows the server several times over; a tenth of the requests is plenty.
        requests=$(($(requests_for "$pipeline") / 10))
        for server in redis reactor; do
            file="$OUT/strace-$server-P$pipeline.txt"
            strace -c -f -p "$(server_pid $server)" -o "$file" 2>/dev/null &
            strace_pid=$!
            sleep 1
            redis-benchmark -p "$(server_port $server)" -c "$CLIENTS" -n "$requests" -P "$pipeline" \
                -t get --csv >/dev/null 2>&1
            kill -INT "$strace_pid"
            wait "$strace_pid" 2>/dev/null || true
            printf '%s\t%s\t%s\t%s\n' "$server" "$pipeline" "$requests" "$file" >>"$OUT/syscalls.tsv"
        done
    done
fi
stop_servers
printf 'load_after\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.tsv"

# --- 4. report ------------------------------------------------------------------------------
echo
python3 benches/summarise.py "$OUT" "$SVG"
