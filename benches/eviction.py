#!/usr/bin/env python3
"""maxmemory under every policy, this server beside redis-server in one run.

    benches/eviction.py        (env: MAXMEMORY=100mb WRITE_MB=500 VALUE=1000)

Both servers are started here (target/release/reactor-server, built first, and redis-server
from PATH). For each policy, on each server: FLUSHALL, `maxmemory` set, then WRITE_MB of
`SET key:<i> <VALUE bytes>` (with `EX 100000` under the volatile-* policies, so that they have
keys to evict) pipelined 1,000 at a time. Reported: the largest `used_memory` seen (INFO
after every pipeline) and the last, `used_memory_rss` at the end, keys kept and evicted, writes
refused with -OOM, and the time the load took.
"""
import os
import socket
import subprocess
import time

UNITS = {"kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3}
text = os.environ.get("MAXMEMORY", "100mb").lower()
MAXMEMORY = int(text[:-2]) * UNITS[text[-2:]] if text[-2:] in UNITS else int(text)
WRITE = int(os.environ.get("WRITE_MB", "500")) * 1024 ** 2
VALUE = b"x" * int(os.environ.get("VALUE", "1000"))
POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl", "noeviction"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    def __init__(self, port):
        for _ in range(100):
            try:
                self.sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        self.file = self.sock.makefile("rb")

    def send_raw(self, data, replies):
        self.sock.sendall(data)
        return [self.read() for _ in range(replies)]

    def cmd(self, *args):
        args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        data = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
        return self.send_raw(data, 1)[0]

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:].strip()
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b":":
            return int(rest)
        return line.strip()

    def info(self, section, name):
        for line in self.cmd("INFO", section).decode().split("\r\n"):
            if line.startswith(name + ":"):
                return int(line.split(":")[1])
        raise KeyError(name)


def run(conn, policy):
    conn.cmd("FLUSHALL")
    conn.cmd("CONFIG", "RESETSTAT")
    conn.cmd("CONFIG", "SET", "maxmemory-policy", policy)
    conn.cmd("CONFIG", "SET", "maxmemory", MAXMEMORY)
    ttl = b"$2\r\nEX\r\n$6\r\n100000\r\n" if policy.startswith("volatile") else b""
    head = b"*5\r\n" if ttl else b"*3\r\n"
    keys = WRITE // len(VALUE)
    peak, refused = 0, 0
    started = time.time()
    for start in range(0, keys, 1000):
        batch = range(start, min(keys, start + 1000))
        data = b"".join(head + b"$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\n%s\r\n%s"
                        % (len(b"key:%d" % i), i, len(VALUE), VALUE, ttl) for i in batch)
        refused += sum(r.startswith(b"-OOM") for r in conn.send_raw(data, len(batch)))
        peak = max(peak, conn.info("memory", "used_memory"))
    took = time.time() - started
    used = conn.info("memory", "used_memory")
    rss = conn.info("memory", "used_memory_rss")
    evicted = conn.info("stats", "evicted_keys")
    kept = conn.cmd("DBSIZE")
    conn.cmd("CONFIG", "SET", "maxmemory", 0)
    conn.cmd("FLUSHALL")
    return peak, used, rss, kept, evicted, refused, took


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "reactor-server"],
                   check=True)
    ours_port, redis_port = free_port(), free_port()
    servers = [
        subprocess.Popen(["target/release/reactor-server", "--port", str(ours_port)],
                         stderr=subprocess.DEVNULL),
        subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                          "--appendonly", "no"], stdout=subprocess.DEVNULL, cwd="/tmp"),
    ]
    try:
        ours, redis = Conn(ours_port), Conn(redis_port)
        print(f"== maxmemory {MAXMEMORY} B, {WRITE // 1024 ** 2} MB written as "
              f"{len(VALUE)}-byte values")
        print(f"{'policy':16} {'server':8} {'peak used':>10} {'used':>10} {'rss':>10} "
              f"{'kept':>7} {'evicted':>8} {'refused':>8} {'time':>6}")
        for policy in POLICIES:
            for name, conn in (("reactor", ours), ("redis", redis)):
                peak, used, rss, kept, evicted, refused, took = run(conn, policy)
                print(f"{policy:16} {name:8} {peak:10} {used:10} {rss:10} {kept:7} "
                      f"{evicted:8} {refused:8} {took:5.1f}s")
    finally:
        for server in servers:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
