#!/usr/bin/env bash
# Memory per set member: reactor-server against redis-server, same data, fresh servers.
#
# Four loads, each into a fresh server of each kind:
#
#   ints:    one set of N integers          (SADD ints <i>, 1000 per command)     -> hashtable
#   strings: one set of N 10-byte strings   (SADD strings m:<i as 8 digits>)      -> hashtable
#   small:   N keys of 5 integers           (SADD s:<i> <i> <i+1> ... <i+4>)      -> intset
#   small-strings: N keys of 5 short words  (SADD w:<i> a<i%100> b c d e)         -> hashtable
#                                            (Redis 7.0 has no listpack sets: 7.2 adds them)
#
# For each, the server's VmRSS (from /proc/PID/status) is read before and after the load, and
# the difference divided by N is reported (members for the two big sets, keys for the small
# ones); for redis-server also INFO's used_memory difference (what its allocator says it holds,
# without fragmentation or freed-but-kept pages). Both servers run with their built-in
# thresholds (set-max-intset-entries 512).
#
# Usage: benches/memory_set.sh                  Env: N=1000000  OUT=target/memory
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
python3 - "$N" "$OUT" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
def cmd(args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)
with open(f"{out}/set-ints.resp", "wb") as f:
    for start in range(0, n, 1000):
        f.write(cmd(["SADD", "ints"] + list(range(start, min(n, start + 1000)))))
with open(f"{out}/set-strings.resp", "wb") as f:
    for start in range(0, n, 1000):
        f.write(cmd(["SADD", "strings"] + [f"m:{i:08d}" for i in range(start, min(n, start + 1000))]))
with open(f"{out}/set-small.resp", "wb") as f:
    for i in range(n):
        f.write(cmd(["SADD", f"s:{i}", i, i + 1, i + 2, i + 3, i + 4]))
with open(f"{out}/set-small-strings.resp", "wb") as f:
    for i in range(n):
        f.write(cmd(["SADD", f"w:{i}", f"a{i % 100}", "b", "c", "d", "e"]))
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
used_memory() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}'; }

ROWS=()
# measure KIND LOAD: start a fresh server of KIND, load LOAD, record the per-element figures.
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
    redis-cli -p "$port" --pipe <"$OUT/set-$load.resp" >/dev/null
    sleep 0.5
    rss1=$(rss_kib "$pid")
    [ "$kind" = redis ] && used1=$(used_memory "$port")
    local check enc
    case $load in
        ints) check=$(redis-cli -p "$port" SCARD ints); enc=$(redis-cli -p "$port" OBJECT ENCODING ints) ;;
        strings) check=$(redis-cli -p "$port" SCARD strings); enc=$(redis-cli -p "$port" OBJECT ENCODING strings) ;;
        small) check=$(redis-cli -p "$port" DBSIZE); enc=$(redis-cli -p "$port" OBJECT ENCODING s:0) ;;
        small-strings) check=$(redis-cli -p "$port" DBSIZE); enc=$(redis-cli -p "$port" OBJECT ENCODING w:0) ;;
    esac
    ROWS+=("$(python3 -c "
n, rss, used = $N, ($rss1 - $rss0) * 1024, $used1 - $used0
used_text = f'{used / n:8.1f}' if '$kind' == 'redis' else '       -'
print(f'{\"$load\":14} {\"$kind\":8} {\"$enc\":10} {int(\"$check\"):>9} {rss / n:8.1f} {used_text} {rss / 2**20:9.1f}')")")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "== N=$N; $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(redis-server --version | cut -d' ' -f1-3)"
for load in ints strings small small-strings; do
    measure redis "$load"
    measure reactor "$load"
done
echo "per element: a member for ints and strings, a key (of 5 members) for small and small-strings"
printf '%-14s %-8s %-10s %9s %8s %8s %9s\n' load server encoding count "B RSS" "B used" "MiB RSS"
printf '%s\n' "${ROWS[@]}"
