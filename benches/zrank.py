#!/usr/bin/env python3
"""Rank queries on a large sorted set: ZRANK of members near the top, ZRANGE by index near the
end, ZCOUNT and ZRANGEBYSCORE starting deep inside, against one or more servers side by side
(loopback only).

    benches/zrank.py PORT [PORT ...]        (e.g. 6380 for ours, 6379 for redis-server)

Loads a sorted set `zrank:big` of MEMBERS members (scores 0..MEMBERS-1) on each server, then
times ROUNDS of each query (or SECONDS' worth), pipelined in batches of 100, and prints microseconds per query.
With ranks that cost O(log n) the numbers stay near a plain ZSCORE's; with O(rank) they grow
with the set (a million-member set: hundreds of microseconds).
"""
import socket
import sys
import time

MEMBERS = 1_000_000
ROUNDS = 20_000
SECONDS = 5
BATCH = 100


def command(*args):
    out = b"*%d\r\n" % len(args)
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


def send_and_count(s, payload, lines):
    """Send `payload`, read until `lines` CRLF-ended lines have come back (the caller knows
    how many lines each reply has). A CRLF split across two reads is counted once."""
    s.sendall(payload)
    seen, carried_cr = 0, False
    while seen < lines:
        data = s.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        seen += data.count(b"\r\n") + (1 if carried_cr and data[:1] == b"\n" else 0)
        carried_cr = data[-1:] == b"\r"


def load(s):
    send_and_count(s, command("DEL", "zrank:big"), 1)
    chunk = 1000
    for start in range(0, MEMBERS, chunk):
        args = ["ZADD", "zrank:big"]
        for i in range(start, start + chunk):
            args += [i, "m%d" % i]
        send_and_count(s, command(*args), 1)


def timed(s, one, lines):
    """Microseconds per query: ROUNDS queries in batches of BATCH, or as many batches as fit
    in SECONDS (a server that walks to a rank may take milliseconds a query)."""
    started = time.perf_counter()
    done = 0
    while done < ROUNDS and (done == 0 or time.perf_counter() - started < SECONDS):
        send_and_count(s, one * BATCH, lines * BATCH)
        done += BATCH
    return (time.perf_counter() - started) / done * 1e6


def main():
    ports = [int(p) for p in sys.argv[1:]] or [6380]
    deep = MEMBERS - 10
    queries = [
        ("ZSCORE (no rank)", command("ZSCORE", "zrank:big", "m%d" % deep), 2),
        ("ZRANK near the top", command("ZRANK", "zrank:big", "m%d" % deep), 1),
        ("ZRANGE by index near the end", command("ZRANGE", "zrank:big", deep, deep), 3),
        ("ZCOUNT over the upper half", command("ZCOUNT", "zrank:big", MEMBERS // 2, "+inf"), 1),
        ("ZRANGEBYSCORE one member deep", command("ZRANGEBYSCORE", "zrank:big", deep, deep), 3),
    ]
    for port in ports:
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        load(s)
        loaded = (time.perf_counter() - started) / MEMBERS * 1e6
        print(f"port {port}: loading, ZADD of 1,000 members at a time: {loaded:.2f} us per member")
        for name, one, lines in queries:
            micros = timed(s, one, lines)
            print(f"port {port}: {name}: {micros:.2f} us per query")
        send_and_count(s, command("DEL", "zrank:big"), 1)
        s.close()


if __name__ == "__main__":
    main()
