#!/usr/bin/env python3
"""Approximate LRU beside a true one: Redis's LRU simulation, for this server and redis-server.

    benches/lru.py            (env: KEYS=20000 SECONDS=10 SAMPLES="1 5 10")

Both servers are started here on free loopback ports (target/release/reactor-server, built
first, and redis-server from PATH). For each server and each `maxmemory-samples` value, with
`allkeys-lru`:

1. KEYS keys of 200 bytes are written in order, paced over SECONDS seconds (the LRU clock of
   both servers counts seconds: keys written within one second look equally old);
2. `maxmemory` is set to the memory then in use, and half as many new keys are written over
   half the time, so that about half of the old keys must go;
3. every old key is checked (EXISTS): a true LRU evicts exactly the oldest ones.

The picture is the share of old keys kept in each twentieth of them, oldest first ('#' all
kept, ' ' none), then the new keys; "right" is the share of evicted keys that were in the
older half, where a true LRU evicts all of them.
"""
import os
import socket
import subprocess
import sys
import time

KEYS = int(os.environ.get("KEYS", "20000"))
SECONDS = float(os.environ.get("SECONDS", "10"))
SAMPLES = [int(s) for s in os.environ.get("SAMPLES", "1 5 10").split()]
VALUE = b"x" * 200
SLICES = 20


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

    def send(self, *commands):
        out = []
        for args in commands:
            args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
            out.append(b"*%d\r\n" % len(args))
            for a in args:
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return [self.read() for _ in commands]

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:].strip()
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        if kind == b":":
            return int(rest)
        return rest

    def info(self, name):
        text = self.send(["INFO", "memory"])[0].decode()
        for line in text.split("\r\n"):
            if line.startswith(name + ":"):
                return int(line.split(":")[1])
        raise KeyError(name)


def paced_writes(conn, keys, seconds):
    """SET every key, in order, spread evenly over `seconds`."""
    started = time.time()
    batch = max(1, len(keys) // int(seconds * 20))
    for i in range(0, len(keys), batch):
        conn.send(*[["SET", k, VALUE] for k in keys[i:i + batch]])
        due = started + seconds * (i + batch) / len(keys)
        time.sleep(max(0.0, due - time.time()))


def run(conn, samples):
    conn.send(["FLUSHALL"], ["CONFIG", "SET", "maxmemory", "0"],
              ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
              ["CONFIG", "SET", "maxmemory-samples", samples])
    old = [b"old:%d" % i for i in range(KEYS)]
    new = [b"new:%d" % i for i in range(KEYS // 2)]
    paced_writes(conn, old, SECONDS)
    conn.send(["CONFIG", "SET", "maxmemory", conn.info("used_memory")])
    paced_writes(conn, new, SECONDS / 2)
    kept_old = [r == 1 for r in conn.send(*[["EXISTS", k] for k in old])]
    kept_new = sum(r == 1 for r in conn.send(*[["EXISTS", k] for k in new]))
    conn.send(["CONFIG", "SET", "maxmemory", "0"], ["FLUSHALL"])
    return kept_old, kept_new / len(new)


def picture(kept_old, kept_new):
    glyphs = " .:-=+*%@#"
    size = len(kept_old) // SLICES
    row = ""
    for s in range(SLICES):
        share = sum(kept_old[s * size:(s + 1) * size]) / size
        row += glyphs[min(len(glyphs) - 1, int(share * (len(glyphs) - 1) + 0.5))]
    evicted = [i for i, k in enumerate(kept_old) if not k]
    right = sum(i < len(kept_old) // 2 for i in evicted) / max(1, len(evicted))
    return f"|{row}| {kept_new:4.0%} new  right {right:5.1%}  ({len(evicted)} old evicted)"


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "reactor-server"],
                   check=True)
    ours_port, redis_port = free_port(), free_port()
    servers = [
        subprocess.Popen(["target/release/reactor-server", "--port", str(ours_port)],
                         stderr=subprocess.DEVNULL),
        subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                          "--appendonly", "no"], stdout=subprocess.DEVNULL,
                         cwd="/tmp"),
    ]
    try:
        version = Conn(redis_port).send(["INFO", "server"])[0].decode()
        version = [l for l in version.split("\r\n") if l.startswith("redis_version")][0]
        print(f"== allkeys-lru, {KEYS} old keys over {SECONDS:g} s, then {KEYS // 2} new ones; "
              f"redis-server {version.split(':')[1]}")
        truth = [i >= KEYS // 2 for i in range(KEYS)]
        print(f"{'true LRU':24} {picture(truth, 1.0)}")
        for samples in SAMPLES:
            for name, port in (("reactor", ours_port), ("redis-server", redis_port)):
                kept_old, kept_new = run(Conn(port), samples)
                print(f"{name + ' samples=' + str(samples):24} {picture(kept_old, kept_new)}")
    finally:
        for server in servers:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
