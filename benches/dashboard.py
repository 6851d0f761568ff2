#!/usr/bin/env python3
"""What the dashboard costs the server, measured (issue 14's two numbers; docs/18-watching-the-loop.md).

1. Memory: a server with the dashboard on, one browser-like reader of /events, and redis-benchmark
   (SET) changing state all along (so every tick has a fresh snapshot to send). Then 20 "browsers"
   open the event stream with a 4 KiB receive buffer and never read. The server's VmRSS is read
   before they connect and every second while they stall.

2. CPU: two reactor-servers side by side, A plain and B with the dashboard on and one reader of
   /events, under the same redis-benchmark runs, alternating A B / B A by round so drift of the
   machine's load hits both alike. Server CPU (utime + stime from /proc/PID/stat) per request;
   the ratio B/A is the dashboard's cost to the RESP side.

Usage: benches/dashboard.py [ROUNDS]        (default 5; needs target/release/reactor-server,
       redis-benchmark and redis-cli: cargo build --release; apt-get install redis-tools)
Env:   TESTS=set,get  PIPELINES="1 16"  REQUESTS_P1=200000  REQUESTS_P16=2000000  CLIENTS=50
"""

import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BIN = "target/release/reactor-server"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(dashboard):
    port = free_port()
    args = [BIN, "--port", str(port), "--loglevel", "warning"]
    dash = None
    if dashboard:
        dash = free_port()
        args += ["--dashboard-port", str(dash)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port, dash


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def reader(dash, stop):
    """A browser that keeps up: reads the event stream until told to stop."""
    s = socket.create_connection(("127.0.0.1", dash))
    s.sendall(b"GET /events HTTP/1.1\r\nHost: bench\r\n\r\n")
    s.settimeout(0.5)
    received = 0
    while not stop.is_set():
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        received += len(chunk)
    s.close()


def stalled(dash):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", dash))
    s.sendall(b"GET /events HTTP/1.1\r\nHost: bench\r\n\r\n")
    return s


def memory():
    proc, port, dash = start(True)
    stop = threading.Event()
    threading.Thread(target=reader, args=(dash, stop), daemon=True).start()
    load = subprocess.Popen(
        ["redis-benchmark", "-p", str(port), "-q", "-n", "100000000", "-c", "20", "-t", "set"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    before = rss_kib(proc.pid)
    browsers = [stalled(dash) for _ in range(20)]
    samples = []
    for _ in range(10):
        time.sleep(1)
        samples.append(rss_kib(proc.pid))
    load.kill()
    stop.set()
    for b in browsers:
        b.close()
    proc.terminate()
    proc.wait()
    print("## Memory: 20 stalled browsers, redis-benchmark running (-t set -c 20)\n")
    print(f"VmRSS before they connect: {before} KiB")
    print(f"VmRSS each second for 10 s after: {' '.join(map(str, samples))} KiB")
    print(f"largest growth: {max(samples) - before} KiB\n")


def cpu(rounds):
    tests = os.environ.get("TESTS", "set,get").split(",")
    pipelines = os.environ.get("PIPELINES", "1 16").split()
    requests = {"1": int(os.environ.get("REQUESTS_P1", 200000)),
                "16": int(os.environ.get("REQUESTS_P16", 2000000))}
    clients = os.environ.get("CLIENTS", "50")
    plain, plain_port, _ = start(False)
    dashed, dashed_port, dash = start(True)
    stop = threading.Event()
    threading.Thread(target=reader, args=(dash, stop), daemon=True).start()
    sides = [("plain", plain, plain_port), ("dashboard", dashed, dashed_port)]
    results = {}
    for r in range(rounds):
        order = sides if r % 2 == 0 else sides[::-1]
        for test in tests:
            for p in pipelines:
                n = requests.get(p, requests["16"])
                for name, proc, port in order:
                    t0 = cpu_ticks(proc.pid)
                    subprocess.run(
                        ["redis-benchmark", "-p", str(port), "-c", clients, "-n", str(n),
                         "-P", p, "-t", test, "-q"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                    us = (cpu_ticks(proc.pid) - t0) / TICKS * 1e6 / n
                    results.setdefault((test, p, name), []).append(us)
    stop.set()
    for proc in (plain, dashed):
        proc.terminate()
        proc.wait()
    print(f"## CPU: server µs per request, median of {rounds} alternating rounds\n")
    print("| test | -P | plain | dashboard open | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for test in tests:
        for p in pipelines:
            a = statistics.median(results[(test, p, "plain")])
            b = statistics.median(results[(test, p, "dashboard")])
            print(f"| {test} | {p} | {a:.3f} | {b:.3f} | {b / a:.3f} |")
    print()


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    memory()
    cpu(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
