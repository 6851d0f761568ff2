#!/usr/bin/env python3
"""Memory per connection: what 10,000 held connections cost a server, idle and after one PING.

Usage: benches/conns.py PORT PID [CONNECTIONS] [--tls CA_FILE]
       (run by benches/compare.sh, and with --tls by benches/tls.sh)

Runs as its own process, so the server and this client each have their own descriptor budget
(`ulimit -n` is per process). Steps, with the server's resident memory (VmRSS in
/proc/PID/status) read after each once the server has settled:

1. baseline: no connection of ours;
2. idle: CONNECTIONS connections open, nothing sent (the server has accepted them all, which is
   checked by counting its descriptors in /proc/PID/fd);
3. after PING: every connection has sent one `PING` and read its `+PONG`.

It prints one line, `baseline_kib idle_kib ping_kib connections`, and the per-connection costs
on stderr. Nothing here is specific to either server: it only speaks RESP and reads /proc.

With `--tls CA_FILE` every connection is TLS, its handshake finished before it counts as
held (so "idle" is an established TLS session with nothing sent in it yet).
"""

import os
import socket
import ssl
import sys
import time

PING = b"*1\r\n$4\r\nPING\r\n"
PONG = b"+PONG\r\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_rss(pid):
    """RSS once it has stopped changing (the server may still be finishing the last batch)."""
    last = rss_kib(pid)
    for _ in range(20):
        time.sleep(0.25)
        now = rss_kib(pid)
        if now == last:
            return now
        last = now
    return last


def main():
    args = sys.argv[1:]
    tls = None
    if "--tls" in args:
        at = args.index("--tls")
        tls = ssl.create_default_context(cafile=args[at + 1])
        del args[at : at + 2]
    port, pid = int(args[0]), int(args[1])
    count = int(args[2]) if len(args) > 2 else 10_000
    fds_before = open_fds(pid)
    baseline = settled_rss(pid)

    conns = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        if tls is not None:
            s = tls.wrap_socket(s, server_hostname="127.0.0.1")  # handshakes here
        conns.append(s)
        # The kernel completes connections into the listen backlog without the server (whose
        # backlog may be as short as 128: mio's default); a full backlog drops the SYN and
        # connect() retries a second later. Pace ourselves so the server keeps up.
        if i % 50 == 49:
            deadline = time.time() + 10
            while open_fds(pid) < fds_before + i + 1 - 64 and time.time() < deadline:
                time.sleep(0.002)
    deadline = time.time() + 30
    while open_fds(pid) < fds_before + count and time.time() < deadline:
        time.sleep(0.05)
    accepted = open_fds(pid) - fds_before
    if accepted < count:
        sys.exit(f"server holds only {accepted} of {count} connections")
    idle = settled_rss(pid)

    for s in conns:
        s.sendall(PING)
    for s in conns:
        got = b""
        while len(got) < len(PONG):
            chunk = s.recv(len(PONG) - len(got))
            if not chunk:
                sys.exit("connection closed before +PONG")
            got += chunk
        if got != PONG:
            sys.exit(f"unexpected reply {got!r}")
    ping = settled_rss(pid)

    print(
        f"{count} connections: idle {(idle - baseline) * 1024 / count / 1024:.2f} KiB each, "
        f"after one PING {(ping - baseline) * 1024 / count / 1024:.2f} KiB each "
        f"(RSS {baseline} -> {idle} -> {ping} KiB)",
        file=sys.stderr,
    )
    print(baseline, idle, ping, count)
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()
