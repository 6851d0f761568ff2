#!/usr/bin/env bash
# Before/after: two builds of reactor-server under the same redis-benchmark load, alternating.
#
# How each optimisation in docs/performance.md was measured. Build the old version, copy the
# binary aside, build the new one, then:
#
#   benches/ab.sh /tmp/reactor-server.before target/release/reactor-server [ROUNDS]
#
# Both servers run at once on free ports; each round runs every test against A then B (B then A
# on even rounds), reading each server's CPU time from /proc/PID/stat before and after. Prints
# the median server CPU microseconds per request and requests/s of each, and the ratio B/A.
#
# Env: TESTS=get,set  PIPELINES="1 16"  CLIENTS=50  REQUESTS_P1=200000  REQUESTS_P16=2000000
set -euo pipefail
cd "$(dirname "$0")/.."

A=${1:?usage: benches/ab.sh BINARY_A BINARY_B [ROUNDS]}
B=${2:?usage: benches/ab.sh BINARY_A BINARY_B [ROUNDS]}
ROUNDS=${3:-5}
TESTS=${TESTS:-get,set}
PIPELINES=${PIPELINES:-"1 16"}
CLIENTS=${CLIENTS:-50}
REQUESTS_P1=${REQUESTS_P1:-200000}
REQUESTS_P16=${REQUESTS_P16:-2000000}
TICKS=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

PORT_A=$(free_port)
PORT_B=$(free_port)
"$A" --port "$PORT_A" --loglevel warn 2>/dev/null &
PID_A=$!
"$B" --port "$PORT_B" --loglevel warn 2>/dev/null &
PID_B=$!
trap 'kill $PID_A $PID_B 2>/dev/null || true' EXIT
for port in "$PORT_A" "$PORT_B"; do
    for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
done

RESULTS=$(mktemp)
echo "A: $A"
echo "B: $B"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds, -c $CLIENTS"
for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
    for pipeline in $PIPELINES; do
        if [ "$pipeline" = 1 ]; then requests=$REQUESTS_P1; else requests=$REQUESTS_P16; fi
        for test in ${TESTS//,/ }; do
            for side in $order; do
                if [ "$side" = A ]; then port=$PORT_A pid=$PID_A; else port=$PORT_B pid=$PID_B; fi
                before=$(cpu_ticks "$pid")
                rps=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$requests" -P "$pipeline" \
                    -t "$test" --csv 2>/dev/null | awk -F'"' 'NR==2 {print $4}')
                after=$(cpu_ticks "$pid")
                echo "$test $pipeline $side $rps $((after - before)) $requests" >>"$RESULTS"
            done
        done
    done
done

python3 - "$RESULTS" "$TICKS" <<'EOF'
import statistics, sys
from collections import defaultdict
path, hz = sys.argv[1], int(sys.argv[2])
runs = defaultdict(list)
for line in open(path):
    test, p, side, rps, ticks, n = line.split()
    runs[(test, int(p), side)].append((float(rps), int(ticks) / hz * 1e6 / int(n)))
print("\n| test | P | A µs/req | B µs/req | B/A | A rps | B rps | B/A |")
print("| --- | --: | --: | --: | --: | --: | --: | --: |")
for (test, p) in sorted({(t, p) for t, p, _ in runs}, key=lambda k: (k[1], k[0])):
    a, b = runs[(test, p, "A")], runs[(test, p, "B")]
    ua, ub = statistics.median(x[1] for x in a), statistics.median(x[1] for x in b)
    ra, rb = statistics.median(x[0] for x in a), statistics.median(x[0] for x in b)
    print(f"| {test} | {p} | {ua:.3f} | {ub:.3f} | {ub / ua:.3f} | {ra:,.0f} | {rb:,.0f} | {rb / ra:.2f} |")
EOF
rm -f "$RESULTS"
