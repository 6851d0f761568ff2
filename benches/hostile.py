#!/usr/bin/env python3
"""Hostile requests side by side: how long one client's request stalls every other client.

A single-threaded server serves nobody else while one request runs, so a request whose cost
grows faster than its size (pitfall 21) freezes every client. For each case below this starts
a fresh redis-server and a fresh reactor-server (release build), runs the hostile request from
one connection while a second connection sends PING every 0.5 ms, and reports the worst PING
round trip seen (as Redis's own latency would be judged: by another client) and how long the
hostile request itself took.

Cases (the issue's numbers are for N=100000 keys, 200000 elements, 40000 trims):
  blpop-keys   BLPOP k1 ... kN 0 (N distinct keys; the client then waits)
  tiny-timeout BLPOP l 0.0005: must time out (after about a millisecond), not wait forever
  lpush-fill1  list-max-listpack-size 1, LPUSH l e1 ... eM (one node per element)
  lpop-fill1   ... then LPOP l M
  ltrim-9k     default node size, M/5 elements of 9 KB each, then M/5 pipelined LTRIM l 1 -1
  lpos-fill1   list-max-listpack-size 1, M elements, LPOS l missing
  lrange-tail  list-max-listpack-size 1, M elements, LRANGE l -10 -1
  load-keys    SET key:<i> v<9 digits> for G keys, pipelined 10,000 at a time (the keyspace
               grows from empty: a table that doubles in one go stalls everyone meanwhile)
  del-keys     the same G keys loaded (untimed), then DEL of each, 100 keys a command
  evict-keys   the same G keys loaded (untimed), then CONFIG SET maxmemory to a quarter of
               used_memory under allkeys-lru; timed until used_memory is under it (INFO polled
               every 10 ms): eviction in bounded slices, the rest in the timer

Usage: benches/hostile.py [CASE ...]          (default: all)
Env:   KEYS=100000  ELEMENTS=200000  GROW=4000000  REACTOR=target/release/reactor-server
Needs: redis-server (apt-get install redis-server), python3; `cargo build --release` first.
"""

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time

KEYS = int(os.environ.get("KEYS", 100000))
ELEMENTS = int(os.environ.get("ELEMENTS", 200000))
GROW = int(os.environ.get("GROW", 4000000))
BATCH = 10000
REACTOR = os.environ.get("REACTOR", "target/release/reactor-server")


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_reply(sock, buf):
    """Read one whole reply; returns (reply bytes, leftover). Enough RESP for these cases."""

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            buf += chunk

    def line(at):
        while True:
            end = buf.find(b"\r\n", at)
            if end >= 0:
                return end
            need(len(buf) + 1)

    def skip(at):
        end = line(at)
        kind, head = buf[at : at + 1], buf[at + 1 : end]
        at = end + 2
        if kind == b"$" and int(head) >= 0:
            need(at + int(head) + 2)
            return at + int(head) + 2
        if kind == b"*":
            for _ in range(max(int(head), 0)):
                at = skip(at)
        return at

    end = skip(0)
    return buf[:end], buf[end:]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(kind):
    port = free_port()
    if kind == "redis":
        cmd = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    else:
        cmd = [REACTOR, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{kind} did not start")


class Prober:
    """PING every 0.5 ms on its own connection, from its own process (a thread would share
    the interpreter lock with the hostile client's, and measure Python's pauses too); keeps
    the worst round trip."""

    def __init__(self, port):
        self.port = port
        self.done = multiprocessing.Event()
        self.result = multiprocessing.Queue()
        self.process = multiprocessing.Process(target=self.run, daemon=True)
        self.worst = 0.0

    def start(self):
        self.process.start()
        # Connected and answered once before the hostile request begins.
        self.worst = self.result.get()

    def run(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        worst = 0.0
        first = True
        while not self.done.is_set():
            t0 = time.perf_counter()
            sock.sendall(b"PING\r\n")
            got = b""
            while not got.endswith(b"\r\n"):
                got += sock.recv(64)
            if first:
                self.result.put(0.0)
                first = False
            else:
                worst = max(worst, time.perf_counter() - t0)
            time.sleep(0.0005)
        self.result.put(worst)

    def finish(self):
        self.done.set()
        self.worst = self.result.get()
        self.process.join()


def call(sock, *args):
    sock.sendall(encode(*args))
    reply, _ = read_reply(sock, b"")
    return reply


def pipeline(sock, requests):
    """Send every request while reading every reply (so neither side's buffers fill)."""
    sender = threading.Thread(target=lambda: sock.sendall(b"".join(requests)))
    sender.start()
    buf = b""
    for _ in requests:
        _, buf = read_reply(sock, buf)
    sender.join()


def load_keys(sock):
    """GROW strings, pipelined a batch at a time (memory here stays bounded by the batch)."""
    for first in range(0, GROW, BATCH):
        last = min(first + BATCH, GROW)
        pipeline(sock, [encode("SET", b"key:%d" % i, b"v%09d" % i) for i in range(first, last)])


def del_keys(sock):
    """DEL of the GROW keys, 100 a command."""
    requests = [
        encode("DEL", *[b"key:%d" % i for i in range(first, min(first + 100, GROW))])
        for first in range(0, GROW, 100)
    ]
    for at in range(0, len(requests), BATCH // 100):
        pipeline(sock, requests[at : at + BATCH // 100])


def used_memory(sock):
    info = call(sock, "INFO", "memory").decode()
    return int(info.split("used_memory:")[1].split()[0])


def blocked_clients(sock):
    info = call(sock, "INFO", "clients").decode()
    return int(info.split("blocked_clients:")[1].split()[0])


def case(name, port):
    """Set up (untimed), then run the hostile part; returns its duration in seconds."""
    c = socket.create_connection(("127.0.0.1", port))
    elements = [b"e%d" % i for i in range(ELEMENTS)]
    if name in ("lpush-fill1", "lpop-fill1", "lpos-fill1", "lrange-tail"):
        call(c, "CONFIG", "SET", "list-max-listpack-size", "1")
    if name in ("lpop-fill1", "lpos-fill1", "lrange-tail"):
        call(c, "RPUSH", "l", *elements)
    if name in ("del-keys", "evict-keys"):
        load_keys(c)
    if name == "ltrim-9k":
        big = b"x" * 9000
        pipeline(c, [encode("RPUSH", "l", big) for _ in range(ELEMENTS // 5)])

    prober = Prober(port)
    prober.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    if name == "blpop-keys":
        c.sendall(encode("BLPOP", *[b"k%d" % i for i in range(KEYS)], 0))
        watcher = socket.create_connection(("127.0.0.1", port))
        while blocked_clients(watcher) < 1:
            time.sleep(0.001)
    elif name == "tiny-timeout":
        c.settimeout(5)
        reply = call(c, "BLPOP", "l", "0.0005")
        assert reply == b"*-1\r\n", reply
    elif name == "lpush-fill1":
        call(c, "LPUSH", "l", *elements)
    elif name == "lpop-fill1":
        call(c, "LPOP", "l", ELEMENTS)
    elif name == "ltrim-9k":
        pipeline(c, [encode("LTRIM", "l", 1, -1) for _ in range(ELEMENTS // 5)])
    elif name == "lpos-fill1":
        call(c, "LPOS", "l", "missing")
    elif name == "lrange-tail":
        for _ in range(100):
            call(c, "LRANGE", "l", -10, -1)
    elif name == "load-keys":
        load_keys(c)
    elif name == "del-keys":
        del_keys(c)
    elif name == "evict-keys":
        limit = used_memory(c) // 4
        call(c, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        call(c, "CONFIG", "SET", "maxmemory", limit)
        deadline = time.time() + 120
        # Within 64 KiB: INFO's own reply is allocated after the eviction that precedes it.
        while used_memory(c) > limit + 65536:
            assert time.time() < deadline, f"used_memory {used_memory(c)} > {limit} after 120 s"
            time.sleep(0.01)
    took = time.perf_counter() - t0
    time.sleep(0.05)
    prober.finish()
    return took, prober.worst


CASES = [
    "blpop-keys", "tiny-timeout", "lpush-fill1", "lpop-fill1", "ltrim-9k", "lpos-fill1",
    "lrange-tail", "load-keys", "del-keys", "evict-keys",
]


def main():
    wanted = sys.argv[1:] or CASES
    print(f"KEYS={KEYS} ELEMENTS={ELEMENTS} GROW={GROW}; seconds: the hostile request, and the worst PING of another client meanwhile")
    print("| case | reactor: request | reactor: worst PING | redis: request | redis: worst PING |")
    print("| --- | --- | --- | --- | --- |")
    for name in wanted:
        row = []
        for kind in ("reactor", "redis"):
            proc, port = start(kind)
            try:
                took, worst = case(name, port)
                row += [f"{took:.3f}", f"{worst:.3f}"]
            finally:
                proc.kill()
                proc.wait()
        print(f"| {name} | " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
