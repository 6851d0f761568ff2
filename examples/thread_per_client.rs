//! The blocking server with one thread per client: the simplest way to serve many at once.
//!
//! **The concept.** `examples/blocking_server.rs` stalls everyone behind the client it is
//! serving, because its only thread is asleep in that client's `read`. Give every client its own
//! thread and the problem disappears: each thread blocks in its own `read`, and the kernel's
//! scheduler runs whichever one has data. The per-client code (`serve`) is unchanged, still
//! reading like the protocol. This is how many real servers worked for decades, and for a few
//! hundred clients it is a fine design.
//!
//! **What it costs**, and why this is not where the road ends:
//!
//! - *A stack per client.* Each thread reserves its own stack (Rust's default for spawned
//!   threads is 2 MiB of address space; only the pages touched become resident), plus the
//!   kernel's per-thread structures and, with glibc, a share of per-thread malloc arenas. An idle
//!   client, who sends nothing for an hour, holds all of that for the hour.
//! - *Context switches.* Every request wakes a sleeping thread: the kernel saves one thread's
//!   registers, loads another's, and the caches go cold. With 10 busy clients that is noise; with
//!   10,000 the machine spends a real share of its time switching instead of serving.
//! - *Limits.* Past the per-user process limit (`ulimit -u`) or `kernel.threads-max`, `spawn`
//!   fails. A server must then refuse the client (as below) instead of crashing.
//! - *Shared state needs locks.* A chat room here would be a `Mutex<HashMap<..>>` touched by
//!   every thread; the event loop's handler owns its state outright.
//!
//! Measured with 10,000 idle clients, each having sent one `PING` (release build; AMD EPYC,
//! 2 vCPUs, Linux 6.18), by starting the server on port 7001 (`echo`: 7002), then running this,
//! with the server's process id for PID:
//!
//! ```text
//! bash -c 'ulimit -n 20000; for i in $(seq 10000); do exec {fd}<>/dev/tcp/127.0.0.1/7001
//!          echo PING >&$fd; done; sleep 1; ps -o nlwp,vsz,rss -p PID'
//! ```
//!
//! | server                                     | threads | address space | resident |
//! | ------------------------------------------ | ------- | ------------- | -------- |
//! | `thread_per_client`, default 2 MiB stacks  | 10,001  | 21.6 GB       | 140 MB   |
//! | `thread_per_client`, 64 KiB stacks (below) | 10,001  | 1.8 GB        | 140 MB   |
//! | `echo`, the reactor                        | 1       | 6 MB          | 4 MB     |
//!
//! The reactor (`examples/echo.rs`, `examples/chat.rs`, and the Redis server itself) keeps the
//! blocking code's readability in its handler and serves everyone from one thread: a client
//! costs a slab entry and, only while it has a partial request or unsent output, its buffers.
//!
//! **Run it** with `cargo run --example thread_per_client` (or `-- --port N`; 0 picks a free
//! port), then connect with `nc 127.0.0.1 7001`. The protocol is `blocking_server`'s: `PING`,
//! `ECHO text`, `QUIT`.
//!
//! **Try:** the two-`nc` experiment from `blocking_server`: now both are answered at once. Then
//! watch the threads come and go with `ps -o nlwp,vsz,rss -p PID` (the server's process id)
//! while you open and close connections: `nlwp` is the number of threads.

mod common;

use std::io::{self};
use std::net::{Ipv4Addr, TcpListener};
use std::thread;

use common::{announce, port_arg, serve};

const DEFAULT_PORT: u16 = 7001;

/// Stack reserved per client thread. `serve` needs very little; asking for less than the 2 MiB
/// default makes each client cheaper in address space (not in the other costs above).
const CLIENT_STACK: usize = 64 * 1024;

fn main() -> io::Result<()> {
    let port = port_arg("thread_per_client", DEFAULT_PORT)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    let addr = listener.local_addr()?;
    announce(addr)?;

    // The main thread only accepts; it is back at `accept` as soon as the client's thread is
    // started, so the next client is never kept waiting behind this one.
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            // As in `blocking_server`: one failed accept concerns one client.
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let peer = stream
            .peer_addr()
            .map_or("?".to_string(), |a| a.to_string());
        // `thread::spawn` panics if the thread cannot be created (out of memory, out of thread
        // slots); `Builder::spawn` returns the error, so the server refuses one client instead
        // of dying. Dropping the stream (moved into the failed closure) closes the connection.
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .stack_size(CLIENT_STACK)
            .spawn(move || {
                if let Err(e) = serve(stream) {
                    eprintln!("{peer}: {e}");
                }
            });
        if let Err(e) = spawned {
            eprintln!("cannot start a thread for a new client: {e}");
        }
        // The handle is dropped: the thread runs detached and ends when its client leaves.
    }
    Ok(())
}
