#!/usr/bin/env python3
"""What a transaction costs: 100 INCRs sent as one pipeline, against the same 100 wrapped in
MULTI ... EXEC, each batch sent whole and its replies read back, ROUNDS times, against one or
more servers side by side (loopback only).

    benches/multi.py PORT [PORT ...]        (e.g. 6380 for ours, 6379 for redis-server)

Prints, per server, microseconds per batch for both forms and the ratio. EXEC answers the 100
replies as one array, after +OK and 100 +QUEUED: the transaction sends more bytes back and the
server does the queueing, so it costs more than the plain pipeline; the number says how much.
"""
import socket
import sys
import time

ROUNDS = 2000
BATCH = 100


def batch(transaction):
    incr = b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n" * BATCH
    if transaction:
        return b"*1\r\n$5\r\nMULTI\r\n" + incr + b"*1\r\n$4\r\nEXEC\r\n"
    return incr


def replies_end(transaction):
    # The last reply of each form: EXEC's array ends with the 100th INCR's integer; the
    # pipeline ends with it too. Count CRLFs instead: replies are all one line each.
    lines = BATCH + (BATCH + 2 if transaction else 0)
    return lines


def run(port, transaction):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = batch(transaction)
    want = replies_end(transaction)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        s.sendall(payload)
        seen = 0
        while seen < want:
            seen += s.recv(1 << 20).count(b"\r\n")
    elapsed = time.perf_counter() - started
    s.close()
    return elapsed / ROUNDS * 1e6


def main():
    ports = [int(p) for p in sys.argv[1:]] or [6380]
    for port in ports:
        plain = run(port, False)
        multi = run(port, True)
        print(f"port {port}: pipeline {plain:.0f} us, MULTI/EXEC {multi:.0f} us per "
              f"{BATCH} INCRs ({multi / plain:.2f}x)")


if __name__ == "__main__":
    main()
