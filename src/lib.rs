//! # reactor
//!
//! A Redis-protocol server built from first principles on a hand-written, single-threaded
//! `mio` event loop: no async runtime. It is a teaching resource (read `docs/` from
//! [chapter 1](../docs/01-a-tour-and-a-first-ping.md); the reading order is in
//! [docs/README.md](../docs/README.md)) and real software (`redis-cli`, `redis-benchmark` and
//! Redis client libraries talk to it).
//!
//! ## Reading order
//!
//! Three layers, each ignorant of the one above it:
//!
//! 1. [`reactor`]: the event loop. Sockets, readiness, buffers, deadlines, shutdown.
//!    Start with [`reactor::event_loop`], then [`reactor::connection`].
//! 2. [`resp`]: the wire format. Bytes in, requests out; replies in, bytes out.
//!    Start with [`resp::request`].
//! 3. [`server`]: the application. Commands, the keyspace, expiry.
//!    Start with [`server`]'s `data`, then [`server::command`].
//! 4. [`client`]: the other end of the socket, a blocking client for `reactor-cli`, the tests
//!    and the benchmark. Start with [`client::Connection::pipeline`].
//!
//! [`config`] holds every knob, and [`ServerHandle`] (below) runs a server on a background
//! thread, which is how the tests, and other projects' tests, embed it:
//!
//! ```no_run
//! let server = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
//! println!("listening on {}", server.addr());
//! server.shutdown().unwrap();
//! ```

pub mod client;
pub mod config;
pub mod http;
pub mod reactor;
pub mod resp;
pub mod server;

use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use config::Config;
use reactor::{EventLoop, Stopper};
use server::Server;

/// Build the Redis handler and its event loop, bound but not yet running.
pub fn bind(config: Config) -> io::Result<EventLoop<Server>> {
    let mut opts = config.loop_options();
    let opts_plaintext = opts.plaintext;
    opts.tls = config
        .tls_options()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let addr = config.addr();
    // The handler needs the bound port for INFO, which is known only after binding; bind with a
    // placeholder and fix it up.
    let mut event_loop = EventLoop::bind(addr, Server::new(config, addr.port()), opts)?;
    // 0 when TLS only, as Redis reports it.
    let port = if opts_plaintext {
        event_loop.local_addr().port()
    } else {
        0
    };
    event_loop.handler_mut().state.port = port;
    event_loop.handler_mut().state.tls_port = event_loop.tls_local_addr().map(|a| a.port());
    Ok(event_loop)
}

/// A server running on a background thread.
pub struct ServerHandle {
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    dashboard_addr: Option<SocketAddr>,
    stopper: Stopper,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// Start a server on a background thread and return once it is accepting connections.
pub fn spawn(config: Config) -> io::Result<ServerHandle> {
    // The loop is built on its own thread (the keyspace uses `Rc`, so it never crosses
    // threads); the address and stopper come back over a channel once it is bound.
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("reactor".into())
        .spawn(move || {
            let mut event_loop = match bind(config) {
                Ok(event_loop) => event_loop,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return Ok(());
                }
            };
            let _ = tx.send(Ok((
                event_loop.local_addr(),
                event_loop.tls_local_addr(),
                event_loop.listener_addr(reactor::Origin::Extra),
                event_loop.stopper(),
            )));
            event_loop.run()
        })?;
    let (addr, tls_addr, dashboard_addr, stopper) = rx
        .recv()
        .map_err(|_| io::Error::other("the event loop thread exited before binding"))??;
    Ok(ServerHandle {
        addr,
        tls_addr,
        dashboard_addr,
        stopper,
        thread: Some(thread),
    })
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the TLS listener, if `tls-port` was set.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// The address of the dashboard, if `dashboard-port` was set.
    pub fn dashboard_addr(&self) -> Option<SocketAddr> {
        self.dashboard_addr
    }

    /// Shut down gracefully and wait for the loop to finish.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        self.stopper.stop();
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the event loop thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
