import socket, sys, time
port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rss = lambda: int(next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")).split()[1])
cpu = lambda: sum(map(int, open(f"/proc/{pid}/stat").read().rsplit(") ", 1)[1].split()[11:13])) / 100
probe = socket.create_connection(("127.0.0.1", port)); probe.sendall(b"PING\r\n"); probe.recv(100)
before = rss()
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"BLPOP k 0\r\n"); socks.append(s)
def blocked():
    probe.sendall(b"INFO clients\r\n"); time.sleep(0.05); t = probe.recv(65536).decode()
    return int(t.split("blocked_clients:")[1].split()[0])
while blocked() < n: time.sleep(0.1)
after = rss(); c0 = cpu(); time.sleep(10); c1 = cpu()
print(f"{n} blocked: RSS {before} -> {after} KiB, {(after-before)*1024//n} bytes each; CPU over 10 s idle: {c1-c0:.2f} s")
probe.sendall(b"RPUSH k " + b" ".join(b"x" for _ in range(n)) + b"\r\n"); time.sleep(0.5)
t0=time.time(); got = sum(1 for s in socks if s.recv(100).startswith(b"*2")); 
print(f"served {got}")
