#!/usr/bin/env bash
# Memory per list element: reactor-server against redis-server, same data, fresh servers.
#
# Two loads, each into a fresh server of each kind:
#
#   big:   one list of N elements (RPUSH big <i>, 1000 elements per command)
#   small: N keys of 5 elements   (RPUSH job:<i> n<i> <i%100> c<i%50> free <i%1000>)
#
# For each, the server's VmRSS (from /proc/PID/status) is read before and after the load, and
# the difference divided by N (fields for big, keys for small) is reported; for redis-server
# also INFO's used_memory difference (what its allocator says it holds, without fragmentation
# or freed-but-kept pages). Redis keeps a list as a quicklist (listpack nodes of 8 KiB,
# list-max-listpack-size -2); ours is a VecDeque of owned elements (src/server/types/list.rs).
#
# Usage: benches/memory_list.sh                 Env: N=1000000  OUT=target/memory
# Needs: redis-server, redis-cli (apt-get install redis-server redis-tools), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
OUT=${OUT:-target/memory}
for tool in redis-server redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool"; exit 1; }
done
cargo build --release --quiet --bin reactor-server
mkdir -p "$OUT"

# The loads as RESP, generated once.
python3 - "$N" "$OUT" <<'EOF'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
def cmd(args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)
with open(f"{out}/list-big.resp", "wb") as f:
    for start in range(0, n, 1000):
        f.write(cmd(["RPUSH", "big"] + list(range(start, min(n, start + 1000)))))
with open(f"{out}/list-small.resp", "wb") as f:
    for i in range(n):
        f.write(cmd(["RPUSH", f"job:{i}", f"n{i}", i % 100, f"c{i % 50}", "free", i % 1000]))
EOF

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
used_memory() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}'; }

# measure KIND LOAD: start a fresh server of KIND, load LOAD, print the per-element figures.
measure() {
    local kind=$1 load=$2 port pid
    port=$(free_port)
    if [ "$kind" = redis ]; then
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
    else
        target/release/reactor-server --port "$port" >/dev/null 2>&1 &
    fi
    pid=$!
    until redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.05; done
    local rss0 used0=0 rss1 used1=0
    rss0=$(rss_kib "$pid")
    [ "$kind" = redis ] && used0=$(used_memory "$port")
    redis-cli -p "$port" --pipe <"$OUT/list-$load.resp" >/dev/null
    sleep 0.5
    rss1=$(rss_kib "$pid")
    [ "$kind" = redis ] && used1=$(used_memory "$port")
    local check
    if [ "$load" = big ]; then check=$(redis-cli -p "$port" LLEN big); else check=$(redis-cli -p "$port" DBSIZE); fi
    python3 -c "
n, rss, used = $N, ($rss1 - $rss0) * 1024, $used1 - $used0
line = f'$kind $load: {rss / n:6.1f} B RSS per element ({rss / 2**20:7.1f} MiB for $check)'
if '$kind' == 'redis':
    line += f', used_memory {used / n:6.1f} B per element'
print(line)"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "== N=$N; $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for load in big small; do
    measure redis "$load"
    measure reactor "$load"
done
