#!/usr/bin/env bash
# Memory per element of an aggregate type: reactor-server against redis-server, same data,
# a fresh server for every load.
#
#   benches/memory.sh string|hash|set|list|zset     Env: N=1000000  OUT=target/memory
#
# The loads (N elements or N keys each), as RESP generated once into OUT:
#
#   string short         N short strings             (SET key:<i> v<i as 9 digits>)
#          int           N integers                  (SET key:<i> <i>)
#          ttl           N short strings with TTLs   (SET key:<i> v<i as 9 digits> EX 100000)
#          100-byte      N 100-byte values           (SET key:<i> <100 bytes>)
#   hash  big            one hash of N fields        (HSET big field:<i> <i>, 1000 per command)
#         small          N keys of 5 fields          (HSET user:<i> name n<i> age <i%100> ...)
#   set   ints           one set of N integers       (SADD ints <i>, 1000 per command)
#         strings        one set of N 10-byte words  (SADD strings m:<i as 8 digits>)
#         small          N keys of 5 integers        (SADD s:<i> <i> ... <i+4>)
#         small-strings  N keys of 5 short words     (SADD w:<i> a<i%100> b c d e)
#   list  big            one list of N integers      (RPUSH big <i>, 1000 per command)
#         small          N keys of 5 short elements  (RPUSH job:<i> n<i> <i%100> c<i%50> free ..)
#   zset  small          N keys of 5 members         (ZADD z:<i> 1 a<i%100> 2 b 3 c 4 d 5 e)
#
# For each load the server's VmRSS (/proc/PID/status) is read before and after, and the
# difference divided by N is reported: per element for the big ones, per key for the small
# ones; for redis-server also INFO's used_memory difference (what its allocator holds, without
# fragmentation). Hashes run with redis.conf's thresholds on both servers
# (hash-max-listpack-entries 128, hash-max-listpack-value 64); sets and lists with the
# built-in ones. The encoding column is OBJECT ENCODING of the loaded value on each server.
#
# Needs: redis-server, redis-cli (apt-get install redis-server redis-tools), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

TYPE=${1:?usage: benches/memory.sh string|hash|set|list|zset}
N=${N:-1000000}
OUT=${OUT:-target/memory}
for tool in redis-server redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool"; exit 1; }
done
case $TYPE in
    hash) SERVER_ARGS=(--hash-max-listpack-entries 128 --hash-max-listpack-value 64) ;;
    string | set | list | zset) SERVER_ARGS=() ;;
    *) echo "usage: benches/memory.sh string|hash|set|list|zset"; exit 1 ;;
esac
cargo build --release --quiet --bin reactor-server
mkdir -p "$OUT"

# Writes OUT/TYPE-LOAD.resp for each load, and OUT/TYPE.loads: "load<TAB>count command<TAB>key".
python3 - "$TYPE" "$N" "$OUT" <<'PY'
import sys
kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def cmd(args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)
def batches(command, key, items):
    for start in range(0, n, 1000):
        yield cmd([command, key] + [x for i in range(start, min(n, start + 1000)) for x in items(i)])
def each(make):
    for i in range(n):
        yield cmd(make(i))
loads = {
    "string": [
        ("short", "DBSIZE", "key:0", each(lambda i: ["SET", f"key:{i}", f"v{i:09d}"])),
        ("int", "DBSIZE", "key:0", each(lambda i: ["SET", f"key:{i}", i])),
        ("ttl", "DBSIZE", "key:0", each(lambda i: ["SET", f"key:{i}", f"v{i:09d}", "EX", 100000])),
        ("100-byte", "DBSIZE", "key:0", each(lambda i: ["SET", f"key:{i}", f"{i:0100d}"])),
    ],
    "zset": [
        ("small", "DBSIZE", "z:0", each(lambda i: ["ZADD", f"z:{i}", 1, f"a{i % 100}", 2, "b", 3, "c",
                                                  4, "d", 5, "e"])),
    ],
    "hash": [
        ("big", "HLEN big", "big", batches("HSET", "big", lambda i: [f"field:{i}", i])),
        ("small", "DBSIZE", "user:0", each(lambda i: ["HSET", f"user:{i}", "name", f"n{i}", "age", i % 100,
                                                      "city", f"c{i % 50}", "plan", "free", "visits", i % 1000])),
    ],
    "set": [
        ("ints", "SCARD ints", "ints", batches("SADD", "ints", lambda i: [i])),
        ("strings", "SCARD strings", "strings", batches("SADD", "strings", lambda i: [f"m:{i:08d}"])),
        ("small", "DBSIZE", "s:0", each(lambda i: ["SADD", f"s:{i}", i, i + 1, i + 2, i + 3, i + 4])),
        ("small-strings", "DBSIZE", "w:0", each(lambda i: ["SADD", f"w:{i}", f"a{i % 100}", "b", "c", "d", "e"])),
    ],
    "list": [
        ("big", "LLEN big", "big", batches("RPUSH", "big", lambda i: [i])),
        ("small", "DBSIZE", "job:0", each(lambda i: ["RPUSH", f"job:{i}", f"n{i}", i % 100, f"c{i % 50}",
                                                    "free", i % 1000])),
    ],
}[kind]
with open(f"{out}/{kind}.loads", "w") as manifest:
    for name, count, key, commands in loads:
        with open(f"{out}/{kind}-{name}.resp", "wb") as f:
            for c in commands:
                f.write(c)
        manifest.write(f"{name}\t{count}\t{key}\n")
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
used_memory() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}'; }

ROWS=()
# measure KIND LOAD COUNT_COMMAND KEY: a fresh server of KIND, LOAD piped in, one table row.
measure() {
    local kind=$1 load=$2 count_command=$3 key=$4 port pid
    port=$(free_port)
    if [ "$kind" = redis ]; then
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            "${SERVER_ARGS[@]}" >/dev/null &
    else
        target/release/reactor-server --port "$port" "${SERVER_ARGS[@]}" >/dev/null 2>&1 &
    fi
    pid=$!
    until redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.05; done
    local rss0 used0=0 rss1 used1=0
    rss0=$(rss_kib "$pid")
    [ "$kind" = redis ] && used0=$(used_memory "$port")
    redis-cli -p "$port" --pipe <"$OUT/$TYPE-$load.resp" >/dev/null
    sleep 0.5
    rss1=$(rss_kib "$pid")
    [ "$kind" = redis ] && used1=$(used_memory "$port")
    local check enc
    # shellcheck disable=SC2086 # the count command is two words on purpose
    check=$(redis-cli -p "$port" $count_command)
    enc=$(redis-cli -p "$port" OBJECT ENCODING "$key")
    ROWS+=("$(python3 -c "
n, rss, used = $N, ($rss1 - $rss0) * 1024, $used1 - $used0
used_text = f'{used / n:8.1f}' if '$kind' == 'redis' else '       -'
print(f'{\"$load\":14} {\"$kind\":8} {\"$enc\":10} {int(\"$check\"):>9} {rss / n:8.1f} {used_text} {rss / 2**20:9.1f}')")")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "== $TYPE, N=$N; $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(redis-server --version | cut -d' ' -f1-3)"
while IFS=$'\t' read -r load count key; do
    measure redis "$load" "$count" "$key"
    measure reactor "$load" "$count" "$key"
done <"$OUT/$TYPE.loads"
echo "per element: an element of the big values, a key for the small ones"
printf '%-14s %-8s %-10s %9s %8s %8s %9s\n' load server encoding count "B RSS" "B used" "MiB RSS"
printf '%s\n' "${ROWS[@]}"
