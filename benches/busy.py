#!/usr/bin/env python3
"""What other clients see while a script will not return, against one or more servers side by
side (loopback only):

    benches/busy.py PORT [PORT ...]        (e.g. 6380 for ours, 6379 for redis-server)

Per server: `busy-reply-threshold` is set to 100 ms; one client runs EVAL of an endless loop
(`while true do end`, then `while 1 do redis.call('ping') end`); another sends PING every 5 ms
and times each answer. Printed: when the first -BUSY came (the threshold plus the time to the
hook's next look), then the worst and median PING latency over the next 2 s of the busy
script (each answer is one pass of the loop from inside the script), then how long SCRIPT KILL
took to end it. The threshold is put back to what it was.
"""
import socket
import statistics
import sys
import time

THRESHOLD_MS = 100
BUSY_SECONDS = 2.0
EVERY = 0.005


def command(*parts):
    out = b"*%d\r\n" % len(parts)
    for part in parts:
        part = part.encode() if isinstance(part, str) else part
        out += b"$%d\r\n%s\r\n" % (len(part), part)
    return out


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(30)
        self.buf = b""

    def send(self, *parts):
        self.sock.sendall(command(*parts))

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def call(self, *parts):
        self.send(*parts)
        return self.line()

    def config_get(self, name):
        self.send("CONFIG", "GET", name)
        lines = [self.line() for _ in range(5)]  # *2, $n, name, $n, value
        return lines[4].decode()


def run(port, script):
    other = Client(port)
    before = other.config_get("busy-reply-threshold")
    other.call("CONFIG", "SET", "busy-reply-threshold", str(THRESHOLD_MS))
    runner = Client(port)
    runner.send("EVAL", script, "0")
    sent = time.perf_counter()
    while True:
        reply = other.call("PING")
        if reply.startswith(b"-BUSY"):
            break
        time.sleep(0.001)
    first_busy = (time.perf_counter() - sent) * 1000
    latencies = []
    until = time.perf_counter() + BUSY_SECONDS
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        reply = other.call("PING")
        latencies.append((time.perf_counter() - t0) * 1000)
        assert reply.startswith(b"-BUSY"), reply
        time.sleep(EVERY)
    t0 = time.perf_counter()
    assert other.call("SCRIPT", "KILL") == b"+OK"
    runner.line()
    killed = (time.perf_counter() - t0) * 1000
    other.call("CONFIG", "SET", "busy-reply-threshold", before)
    return first_busy, max(latencies), statistics.median(latencies), len(latencies), killed


def main():
    ports = [int(p) for p in sys.argv[1:]] or [6380]
    for script in ["while true do end", "while 1 do redis.call('ping') end"]:
        print(f"EVAL {script!r}, busy-reply-threshold {THRESHOLD_MS} ms:")
        for port in ports:
            first, worst, median, count, killed = run(port, script)
            print(f"  port {port}: first -BUSY after {first:.1f} ms; PING while busy: worst "
                  f"{worst:.2f} ms, median {median:.3f} ms ({count} pings); SCRIPT KILL to the "
                  f"script's reply {killed:.2f} ms")


if __name__ == "__main__":
    main()
