#!/usr/bin/env python3
"""Turn benches/compare.sh's raw results into Markdown tables and an SVG chart.

Usage: benches/summarise.py RESULTS_DIR SVG_PATH        (run by benches/compare.sh)

Reads RESULTS_DIR/results.tsv (one line per redis-benchmark run: round, test, pipeline, server,
requests/s, requests, user ticks, system ticks), memory.tsv and syscalls.tsv with the strace
summaries they name. Prints medians over rounds, the ratio reactor/redis of the medians, the
issue-6 targets and whether each is met; writes a plain SVG bar chart (no library) to SVG_PATH.
"""

import os
import statistics
import sys
from collections import defaultdict

USER_HZ = os.sysconf("SC_CLK_TCK")
SERVERS = ("redis", "reactor")
# Issue 6: CPU per request at most these fractions of redis-server's, for these tests...
CPU_TARGET = {1: 0.85, 16: 0.70}
CPU_TARGET_TESTS = {"ping_inline", "ping_mbulk", "set", "get"}
# ...and at -P 16 at least redis-server's throughput (every test).
RPS_TARGET_PIPELINE = 16
# Memory: KiB per connection, idle and after one PING.
MEMORY_TARGET = {"idle": 1.0, "ping": 2.0}


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def load_runs(out):
    """{(test, pipeline, server): [(rps, us_per_request, user_share, ticks), ...]} and
    {(test, pipeline): [reactor/redis CPU ratio of each round]}"""
    runs = defaultdict(list)
    by_round = defaultdict(dict)
    for rnd, test, pipeline, server, rps, requests, utime, stime in read_tsv(f"{out}/results.tsv"):
        ticks = int(utime) + int(stime)
        us = ticks / USER_HZ * 1e6 / int(requests)
        runs[(test, int(pipeline), server)].append(
            (float(rps), us, int(utime) / ticks if ticks else 0.0, ticks)
        )
        by_round[(test, int(pipeline), rnd)][server] = us
    paired = defaultdict(list)
    for (test, pipeline, _), pair in by_round.items():
        if pair.get("redis") and "reactor" in pair:
            paired[(test, pipeline)].append(pair["reactor"] / pair["redis"])
    return runs, paired


def order_of(runs):
    tests, pipelines = [], []
    for test, pipeline, _ in runs:
        if test not in tests:
            tests.append(test)
        if pipeline not in pipelines:
            pipelines.append(pipeline)
    return tests, sorted(pipelines)


def medians(runs, paired, tests, pipelines):
    rows = []
    for pipeline in pipelines:
        for test in tests:
            ratios = paired.get((test, pipeline)) or [float("nan")]
            row = {"test": test, "pipeline": pipeline, "paired": statistics.median(ratios)}
            for server in SERVERS:
                samples = runs.get((test, pipeline, server), [])
                if not samples:
                    break
                row[server] = {
                    "rps": statistics.median(s[0] for s in samples),
                    "us": statistics.median(s[1] for s in samples),
                    "us_min": min(s[1] for s in samples),
                    "us_max": max(s[1] for s in samples),
                    "user": statistics.median(s[2] for s in samples),
                    "ticks": min(s[3] for s in samples),
                    "n": len(samples),
                }
            else:
                rows.append(row)
    return rows


def ratio(a, b):
    return a / b if b else float("nan")


def print_tables(rows, out):
    machine = dict(r[:2] for r in read_tsv(f"{out}/machine.tsv") if len(r) >= 2)
    if machine:
        print(
            f"machine: {machine.get('cores')} cores, Linux {machine.get('kernel')}, "
            f"redis-server {machine.get('redis')}; load average before "
            f"{machine.get('load_before')}, after {machine.get('load_after', '?')}"
        )
    rounds = max((r["redis"]["n"] for r in rows), default=0)
    print(f"\nmedians of {rounds} rounds; ratio = reactor / redis-server\n")
    print(
        "| test | P | redis rps | reactor rps | rps ratio | redis µs/req | reactor µs/req "
        "| µs ratio | paired | target |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |")
    low_ticks = []
    for row in rows:
        r, x, p = row["redis"], row["reactor"], row["pipeline"]
        rps_ratio, us_ratio = ratio(x["rps"], r["rps"]), ratio(x["us"], r["us"])
        targets = []
        if row["test"] in CPU_TARGET_TESTS and p in CPU_TARGET:
            limit = CPU_TARGET[p]
            targets.append(f"µs ≤ {limit:.2f}: {'met' if us_ratio <= limit else 'MISSED'}")
        if p == RPS_TARGET_PIPELINE:
            targets.append(f"rps ≥ 1: {'met' if rps_ratio >= 1 else 'MISSED'}")
        print(
            f"| {row['test']} | {p} | {r['rps']:,.0f} | {x['rps']:,.0f} | {rps_ratio:.2f} "
            f"| {r['us']:.2f} ({r['us_min']:.2f}–{r['us_max']:.2f}) "
            f"| {x['us']:.2f} ({x['us_min']:.2f}–{x['us_max']:.2f}) | {us_ratio:.2f} "
            f"| {row['paired']:.2f} | {'; '.join(targets)} |"
        )
        for server in SERVERS:
            if row[server]["ticks"] < USER_HZ:
                low_ticks.append(f"{row['test']} P{p} {server}")
    print(
        "\n(µs/req: median, with the range over rounds in brackets. µs ratio: of the medians;"
        "\n'target' judges it. paired: median over rounds of each round's ratio, the two runs of"
        "\na round being back to back, so less moved by changes in the machine's load.)"
    )
    if low_ticks:
        print(
            "warning: under 1 s of server CPU in some run of "
            + ", ".join(low_ticks)
            + ": raise REQUESTS_P1 / REQUESTS_P16 for less granular figures"
        )

    print("\nuser share of server CPU (the rest is kernel time: syscalls and TCP):\n")
    print("| test | P | redis | reactor |")
    print("| --- | --: | --: | --: |")
    for row in rows:
        print(
            f"| {row['test']} | {row['pipeline']} | {row['redis']['user']:.0%} "
            f"| {row['reactor']['user']:.0%} |"
        )


def print_memory(out):
    rows = read_tsv(f"{out}/memory.tsv")
    if not rows:
        return
    print("\nmemory per connection (server VmRSS growth / connections):\n")
    print("| server | connections | RSS before | idle: KiB each | after one PING: KiB each | target |")
    print("| --- | --: | --: | --: | --: | --- |")
    for server, base, idle, ping, count in rows:
        base, idle, ping, count = int(base), int(idle), int(ping), int(count)
        idle_each, ping_each = (idle - base) / count, (ping - base) / count
        target = ""
        if server == "reactor":
            ok_idle = idle_each <= MEMORY_TARGET["idle"]
            ok_ping = ping_each <= MEMORY_TARGET["ping"]
            target = (
                f"idle ≤ {MEMORY_TARGET['idle']:.0f}: {'met' if ok_idle else 'MISSED'}; "
                f"PING ≤ {MEMORY_TARGET['ping']:.0f}: {'met' if ok_ping else 'MISSED'}"
            )
        print(
            f"| {server} | {count:,} | {base:,} KiB | {idle_each:.2f} | {ping_each:.2f} | {target} |"
        )


def parse_strace(path):
    """{syscall: calls} from an `strace -c` summary."""
    calls = {}
    for line in open(path):
        parts = line.split()
        # % time, seconds, usecs/call, calls, [errors], syscall
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
            try:
                calls[parts[-1]] = int(parts[3])
            except ValueError:
                pass
    return calls


def print_perfstat(out):
    rows = read_tsv(f"{out}/perfstat.tsv")
    if not rows:
        return
    columns = [
        ("raw_syscalls:sys_enter", "all syscalls"),
        ("read", "read + recvfrom"),
        ("write", "write + sendto"),
        ("syscalls:sys_enter_epoll_wait", "epoll_wait"),
        ("context-switches", "context switches"),
        ("task-clock", "CPU µs"),
    ]
    print("\nper GET request, counted by perf stat (kernel tracepoints; barely slows the server):\n")
    print("| server | P | requests | " + " | ".join(label for _, label in columns) + " |")
    print("| --- | --: | --: | " + " | ".join("--:" for _ in columns) + " |")
    for server, pipeline, requests, path in rows:
        counts = {}
        if os.path.exists(path):
            for line in open(path):
                parts = line.strip().split(",")
                if len(parts) >= 3 and parts[0].replace(".", "").isdigit():
                    counts[parts[2]] = float(parts[0])
        counts["read"] = counts.get("syscalls:sys_enter_read", 0) + counts.get(
            "syscalls:sys_enter_recvfrom", 0)
        counts["write"] = counts.get("syscalls:sys_enter_write", 0) + counts.get(
            "syscalls:sys_enter_sendto", 0)
        # task-clock is in milliseconds.
        counts["task-clock"] = counts.get("task-clock", 0) * 1000
        n = int(requests)
        cells = " | ".join(f"{counts.get(event, 0) / n:.3f}" for event, _ in columns)
        print(f"| {server} | {pipeline} | {n:,} | {cells} |")


def print_syscalls(out):
    rows = read_tsv(f"{out}/syscalls.tsv")
    if not rows:
        return
    print("\nsyscalls per request (GET, strace -c -f -p PID for the whole run; strace slows the")
    print("server, so it finds more requests per epoll_wait than it does untraced):\n")
    summaries = []
    for server, pipeline, requests, path in rows:
        if os.path.exists(path):
            summaries.append((server, int(pipeline), int(requests), parse_strace(path)))
    names = sorted({n for *_, calls in summaries for n in calls}, key=lambda n: -max(
        c.get(n, 0) / req for _, _, req, c in summaries))
    names = [n for n in names if max(c.get(n, 0) / req for _, _, req, c in summaries) >= 0.001]
    print("| server | P | requests | total | " + " | ".join(names) + " |")
    print("| --- | --: | --: | --: | " + " | ".join("--:" for _ in names) + " |")
    for server, pipeline, requests, calls in summaries:
        total = sum(calls.values()) / requests
        cells = " | ".join(f"{calls.get(n, 0) / requests:.3f}" for n in names)
        print(f"| {server} | {pipeline} | {requests:,} | {total:.3f} | {cells} |")


def svg_chart(rows, tests, pipelines, path):
    """Four panels: µs/request and throughput, at each depth; redis grey, reactor orange."""
    colours = {"redis": "#9e9e9e", "reactor": "#e8710a"}
    panel_w, panel_h, margin = 470, 250, 40
    group_w = (panel_w - 60) / max(len(tests), 1)
    bar_w = group_w * 0.36
    width = 2 * panel_w + 3 * margin - 20
    height = len(pipelines) * (panel_h + 70) + 90
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">'
        "reactor-server beside redis-server: redis-benchmark -c 50, medians</text>",
    ]
    lx = width - 250
    for i, server in enumerate(SERVERS):
        label = "redis-server" if server == "redis" else "reactor-server"
        svg.append(f'<rect x="{lx + i * 120}" y="34" width="12" height="12" fill="{colours[server]}"/>')
        svg.append(f'<text x="{lx + i * 120 + 16}" y="44">{label}</text>')
    for pi, pipeline in enumerate(pipelines):
        prow = [r for r in rows if r["pipeline"] == pipeline]
        for mi, (metric, title, scale, fmt) in enumerate(
            (
                ("us", f"server CPU µs per request, -P {pipeline} (lower is better)", 1, "{:.2f}"),
                ("rps", f"thousand requests/s, -P {pipeline} (higher is better)", 1e-3, "{:.0f}"),
            )
        ):
            x0 = margin + mi * (panel_w + margin)
            y0 = 70 + pi * (panel_h + 70)
            top = max((r[s][metric] * scale for r in prow for s in SERVERS), default=1) * 1.15
            svg.append(f'<text x="{x0 + panel_w / 2}" y="{y0}" text-anchor="middle" '
                       f'font-size="13">{title}</text>')
            base = y0 + panel_h
            svg.append(f'<line x1="{x0 + 40}" y1="{base}" x2="{x0 + panel_w}" y2="{base}" stroke="black"/>')
            for ti, row in enumerate(prow):
                gx = x0 + 50 + ti * group_w
                for si, server in enumerate(SERVERS):
                    value = row[server][metric] * scale
                    h = (panel_h - 20) * value / top if top else 0
                    bx = gx + si * (bar_w + 2)
                    svg.append(f'<rect x="{bx:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
                               f'height="{h:.1f}" fill="{colours[server]}"/>')
                    svg.append(f'<text x="{bx + bar_w / 2:.1f}" y="{base - h - 3:.1f}" '
                               f'text-anchor="middle" font-size="9">{fmt.format(value)}</text>')
                svg.append(f'<text x="{gx + bar_w + 1:.1f}" y="{base + 14}" '
                           f'text-anchor="middle">{row["test"]}</text>')
    svg.append(f'<text x="{margin}" y="{height - 12}" font-size="10" fill="#555">'
               "server CPU from /proc/PID/stat around each run; redis-benchmark -c 50 -n N -t TEST"
               " [-P 16]; produced by benches/compare.sh (see docs/performance.md)</text>")
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")


def main():
    out, svg_path = sys.argv[1], sys.argv[2]
    runs, paired = load_runs(out)
    tests, pipelines = order_of(runs)
    rows = medians(runs, paired, tests, pipelines)
    if rows:
        print_tables(rows, out)
    print_memory(out)
    print_perfstat(out)
    print_syscalls(out)
    if rows:
        svg_chart(rows, tests, pipelines, svg_path)
        print(f"\nchart: {svg_path}")


if __name__ == "__main__":
    main()
