#!/usr/bin/env bash
# TLS side by side: reactor-server (rustls, ring) and redis-server (OpenSSL), same certificate,
# same redis-benchmark --tls load, alternating, in one run.
#
# What it measures (docs/17-tls.md shows a run):
#
# 1. Server CPU per request over TLS, for SET and GET, unpipelined and at -P 16: for each round
#    the two servers run in turn (A B, then B A), and the server's CPU time (utime + stime from
#    /proc/PID/stat) is read before and after each run. Over TLS most of that CPU is the
#    server's own crypto, in user space, so CPU time is the measure (unlike plaintext, where
#    both servers sit at the syscall floor: see docs/performance.md).
# 2. New TLS connections per second, and server CPU per connection: redis-benchmark -k 0
#    reconnects for every request, so each PING is a full handshake.
# 3. Memory per idle TLS connection: benches/conns.py --tls holds CONNECTIONS established TLS
#    sessions and reads each server's VmRSS.
#
# Usage: benches/tls.sh [ROUNDS]                    (default 3)
# Env:   CLIENTS=50  REQUESTS_P1=100000  REQUESTS_P16=1000000  HANDSHAKES=5000
#        CONNECTIONS=10000  OUT=target/tls-bench
# Needs: redis-server, redis-benchmark (apt-get install redis-server redis-tools), openssl,
#        python3.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
CLIENTS=${CLIENTS:-50}
REQUESTS_P1=${REQUESTS_P1:-100000}
REQUESTS_P16=${REQUESTS_P16:-1000000}
HANDSHAKES=${HANDSHAKES:-5000}
CONNECTIONS=${CONNECTIONS:-10000}
OUT=${OUT:-target/tls-bench}

for tool in redis-server redis-benchmark openssl python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool"; exit 1; }
done
echo "== building target/release/reactor-server"
cargo build --release --quiet --bin reactor-server
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # absolute: redis-server changes into --dir before loading certificates
rm -f "$OUT"/*.tsv

# One certificate for both servers: a CA and a P-256 server certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$OUT/ca.key" -out "$OUT/ca.crt" -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$OUT/server.key" -out "$OUT/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$OUT/ext"
openssl x509 -req -in "$OUT/server.csr" -CA "$OUT/ca.crt" -CAkey "$OUT/ca.key" \
    -CAcreateserial -days 2 -out "$OUT/server.crt" -extfile "$OUT/ext" 2>/dev/null
TLS_ARGS=(--tls-cert-file "$OUT/server.crt" --tls-key-file "$OUT/server.key"
    --tls-ca-cert-file "$OUT/ca.crt" --tls-auth-clients no)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
ulimit -n $((CONNECTIONS + 1000)) 2>/dev/null || true

start_servers() {
    REACTOR_PORT=$(free_port)
    REDIS_PORT=$(free_port)
    target/release/reactor-server --port 0 --tls-port "$REACTOR_PORT" "${TLS_ARGS[@]}" \
        --maxclients $((CONNECTIONS + 100)) --loglevel warning >/dev/null 2>&1 &
    REACTOR_PID=$!
    redis-server --port 0 --tls-port "$REDIS_PORT" "${TLS_ARGS[@]}" --save '' \
        --appendonly no --dir "$OUT" --maxclients $((CONNECTIONS + 100)) >/dev/null 2>&1 &
    REDIS_PID=$!
    sleep 1
}
stop_servers() { kill "$REACTOR_PID" "$REDIS_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap stop_servers EXIT
port_of() { if [ "$1" = reactor ]; then echo "$REACTOR_PORT"; else echo "$REDIS_PORT"; fi; }
pid_of() { if [ "$1" = reactor ]; then echo "$REACTOR_PID"; else echo "$REDIS_PID"; fi; }
bench() { redis-benchmark --tls --cacert "$OUT/ca.crt" -p "$(port_of "$1")" -c "$CLIENTS" "${@:2}" -q; }

echo "== machine: $(nproc) cores, $(uname -sr), redis $(redis-server --version | cut -d' ' -f3 | sed 's/^v=//')"
start_servers
echo "== CPU per request over TLS ($ROUNDS rounds, alternating)"
for round in $(seq "$ROUNDS"); do
    order="reactor redis"; [ $((round % 2)) = 0 ] && order="redis reactor"
    for pipeline in 1 16; do
        requests=$REQUESTS_P1; [ "$pipeline" = 16 ] && requests=$REQUESTS_P16
        for test in set get; do
            for server in $order; do
                pid=$(pid_of $server)
                t0=$(cpu_ticks "$pid")
                line=$(bench "$server" -t "$test" -n "$requests" -P "$pipeline" | tr '\r' '\n' | grep -E 'requests per second' | tail -1)
                t1=$(cpu_ticks "$pid")
                rps=$(echo "$line" | awk '{print $2}')
                us=$(awk -v t="$((t1 - t0))" -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
                printf '%s\t%s\t%s\t%s\t%s\n' "$server" "$test" "$pipeline" "$rps" "$us" >>"$OUT/cpu.tsv"
                echo "  round $round  $server  $test -P $pipeline: $rps req/s, $us us CPU/request"
            done
        done
    done
done

echo "== new TLS connections (redis-benchmark -k 0: one handshake per PING)"
for server in reactor redis redis reactor; do
    pid=$(pid_of $server)
    t0=$(cpu_ticks "$pid")
    line=$(bench "$server" -k 0 -t ping_mbulk -n "$HANDSHAKES" | tr '\r' '\n' | grep -E 'requests per second' | tail -1)
    t1=$(cpu_ticks "$pid")
    rps=$(echo "$line" | awk '{print $2}')
    us=$(awk -v t="$((t1 - t0))" -v hz="$HZ" -v n="$HANDSHAKES" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    printf '%s\t%s\t%s\n' "$server" "$rps" "$us" >>"$OUT/handshakes.tsv"
    echo "  $server: $rps connections/s, $us us server CPU per connection"
done
stop_servers

echo "== memory per idle TLS connection ($CONNECTIONS held)"
start_servers
for server in reactor redis; do
    read -r base idle ping count < <(python3 benches/conns.py "$(port_of $server)" "$(pid_of $server)" "$CONNECTIONS" --tls "$OUT/ca.crt")
    printf '%s\t%s\t%s\t%s\t%s\n' "$server" "$base" "$idle" "$ping" "$count" >>"$OUT/memory.tsv"
    awk -v s="$server" -v b="$base" -v i="$idle" -v p="$ping" -v n="$count" \
        'BEGIN {printf "  %s: idle %.2f KiB, after PING %.2f KiB per connection (RSS %d -> %d -> %d KiB)\n", s, (i-b)/n, (p-b)/n, b, i, p}'
done

echo "== medians"
python3 - "$OUT" <<'PY'
import statistics, sys
out = sys.argv[1]
rows = [l.split("\t") for l in open(f"{out}/cpu.tsv").read().split("\n") if l]
print("| test | reactor µs CPU/req | redis µs CPU/req | ratio | reactor req/s | redis req/s |")
print("| --- | --- | --- | --- | --- | --- |")
for test in ("set", "get"):
    for p in ("1", "16"):
        def med(server, col):
            return statistics.median(float(r[col]) for r in rows if r[0] == server and r[1] == test and r[2] == p)
        a, b = med("reactor", 4), med("redis", 4)
        print(f"| {test.upper()} -P {p} | {a:.2f} | {b:.2f} | {a / b:.2f} | {med('reactor', 3):,.0f} | {med('redis', 3):,.0f} |")
PY
