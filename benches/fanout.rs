//! Fan-out cost: how long one PUBLISH takes to reach 1,000 and 10,000 subscribers.
//!
//! `cargo bench --bench fanout` starts the release `reactor-server` as a separate process (so
//! server and client each have their own file-descriptor budget), subscribes N connections to
//! one channel, then publishes ROUNDS messages one at a time. For each it measures the wall time
//! from sending PUBLISH until the last subscriber has read the message, and the server's CPU
//! time (from /proc/PID/stat) over all rounds. Pass `--redis PORT` to measure a running
//! redis-server the same way instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 50;

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    let after = stat.rsplit(") ").next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0 // USER_HZ is 100 on Linux
}

fn measure(addr: SocketAddr, pid: u32, subscribers: usize) {
    let mut subs = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(b"SUBSCRIBE fan\r\n").unwrap();
        subs.push(s);
    }
    let confirm = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nfan\r\n:1\r\n";
    let mut buf = vec![0u8; 256];
    for s in subs.iter_mut() {
        s.read_exact(&mut buf[..confirm.len()]).unwrap();
    }
    let mut publisher = TcpStream::connect(addr).unwrap();
    publisher.set_nodelay(true).unwrap();
    let message = b"*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$5\r\nhello\r\n";
    let reply = format!(":{subscribers}\r\n");
    let mut times = Vec::with_capacity(ROUNDS);
    let cpu_before = cpu_seconds(pid);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        publisher.write_all(b"PUBLISH fan hello\r\n").unwrap();
        for s in subs.iter_mut() {
            s.read_exact(&mut buf[..message.len()]).unwrap();
        }
        times.push(started.elapsed());
        publisher.read_exact(&mut buf[..reply.len()]).unwrap();
    }
    let cpu = cpu_seconds(pid) - cpu_before;
    times.sort();
    println!(
        "{subscribers:>6} subscribers: delivery to all p50 {:>9.3} ms, max {:>9.3} ms; server CPU {:>8.3} ms per PUBLISH",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        cpu / ROUNDS as f64 * 1e3,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--redis") {
        let port: u16 = args[at + 1].parse().expect("--redis PORT");
        let pid: u32 = args[at + 2].parse().expect("--redis PORT PID");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        println!("redis-server on {addr}");
        for n in [1_000, 10_000] {
            measure(addr, pid, n);
        }
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_reactor-server"))
        .args(["--port", "0", "--maxclients", "20000"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reactor-server");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("ready to accept connections on ").nth(1) {
            break rest.trim().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    println!("reactor-server on {addr}");
    for n in [1_000, 10_000] {
        measure(addr, child.id(), n);
    }
    let _ = child.kill();
    let _ = child.wait();
}
