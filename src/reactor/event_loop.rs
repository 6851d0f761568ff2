//! The tick: poll, read, hand bytes to the handler, flush, reap, sleep until the next deadline.
//!
//! Chapters: [docs/05-readiness-and-mio.md](../../docs/05-readiness-and-mio.md),
//! [docs/07-the-read-path.md](../../docs/07-the-read-path.md),
//! [docs/08-the-write-path.md](../../docs/08-the-write-path.md),
//! [docs/11-backpressure-and-slow-consumers.md](../../docs/11-backpressure-and-slow-consumers.md),
//! [docs/12-time-and-shutdown.md](../../docs/12-time-and-shutdown.md).
//!
//! One turn of [`EventLoop::run`]:
//!
//! 1. **Poll**, sleeping until the nearest deadline (handler timer, idle timeout, accept back-off,
//!    shutdown grace) or forever if there is none; zero if the ready queue is not empty.
//! 2. **Events.** A listener (plaintext, TLS, the extra one) is drained by accepting; a readable connection is drained by
//!    reading until `WouldBlock` (or a short read, or its budget); each chunk read goes straight
//!    to [`Handler::data`]. A writable connection is queued for the flush.
//! 3. **The ready queue**: connections (and the listener) that a budget stopped while still
//!    ready. Under edge triggering no new event will come for them, so the loop must remember.
//! 4. **Timers**: the handler's, then idle timeouts (oldest first, from an LRU list: no scan).
//! 5. **Flush** every connection with new output: one `write` each, WRITABLE interest only for
//!    what is left. This is Redis's `beforeSleep` → `handleClientsWithPendingWrites`.
//! 6. **Reap** connections that finished during the tick, and tell the handler.
//!
//! **Nested passes.** A handler call that cannot return (a script past its time limit) may run
//! one pass of the loop from inside ([`Ctx::serve_nested`]) with a stand-in handler: the same
//! steps without sleeping and without idle timeouts. The loop is split for it: [`Core`] is
//! everything but the handler, so the busy call's [`Ctx`] can lend it out again. Three rules
//! keep the re-entry safe. A connection lent out (the busy call's own) is neither read nor
//! written nor freed: its bytes wait in the socket, remembered by the ready queue, and run in
//! order once the call returns. The read buffer the busy call is parsing is not reused: the
//! nested pass reads into one of its own. And no event is lost: the outer turn may have
//! fetched events it has not reached yet, which epoll will not report again (an edge is
//! reported once), so the first nested pass of a busy call asks epoll to report every source
//! again (`EPOLL_CTL_MOD` re-arms an edge-triggered source: a ready one is reported at once).
//!
//! Redis counterparts: `aeMain`/`aeProcessEvents` (ae.c), `readQueryFromClient`,
//! `handleClientsWithPendingWrites`, `freeClientsInAsyncFreeQueue` (networking.c),
//! `processEventsWhileBlocked` (networking.c) for the nested pass.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use slab::Slab;

use super::connection::{Connection, KEEP_BUFFER_CAPACITY};
use super::ctx::{Ctx, Current};
use super::listener::{self, ACCEPT_BACKOFF, AcceptError, classify};
use super::notice::{NoticeKind, Notices};
use super::state::{Core, Listening, LoopStats};
use super::{ConnId, Handler, Options, Origin};

/// Reserved tokens: the waker, the signal pipe and the listeners. Connection tokens carry a
/// generation in the high 32 bits that never reaches `u32::MAX - 1`, so these cannot collide
/// with them.
const WAKER: Token = Token(usize::MAX - 1);
const SIGNALS: Token = Token(usize::MAX - 2);
/// Listener `i` (in `EventLoop::listeners`) has the token `FIRST_LISTENER - i`.
const FIRST_LISTENER: usize = usize::MAX - 8;
/// At most this many listeners: a plaintext and a TLS one for each of 16 addresses (Redis's
/// `CONFIG_BINDADDR_MAX`), and the extra one.
pub const MAX_LISTENERS: usize = 33;

fn listener_token(index: usize) -> Token {
    Token(FIRST_LISTENER - index)
}

/// The index of the listener whose token this is, if it is one.
fn listener_index(token: Token) -> Option<usize> {
    let index = FIRST_LISTENER.checked_sub(token.0)?;
    (index < MAX_LISTENERS).then_some(index)
}

/// Every listener `opts` asks for, registered with `poll`: plaintext on `addr` (unless only
/// TLS is wanted), TLS on its own address, both again on every `also_bind` address (on the
/// ports the first ones got: port 0 picks a free one once, then the same for all), and the
/// extra listener.
fn open_listeners(poll: &Poll, addr: SocketAddr, opts: &Options) -> io::Result<Vec<Listening>> {
    let mut listeners: Vec<Listening> = Vec::new();
    let all = &mut listeners;
    if opts.plaintext || opts.tls.is_none() {
        listen(poll, all, opts, addr, Origin::Plain, None, false)?;
    }
    if let Some(tls) = &opts.tls {
        let config = Some(tls.config.clone());
        listen(poll, all, opts, tls.addr, Origin::Tls, config, false)?;
    }
    let ports: Vec<_> = listeners
        .iter()
        .map(|l| (l.origin, l.addr.port(), l.tls.clone()))
        .collect();
    for &(ip, optional) in &opts.also_bind {
        for (origin, port, tls) in &ports {
            let addr = SocketAddr::new(ip, *port);
            listen(
                poll,
                &mut listeners,
                opts,
                addr,
                *origin,
                tls.clone(),
                optional,
            )?;
        }
    }
    if let Some(extra) = opts.extra_listener {
        listen(
            poll,
            &mut listeners,
            opts,
            extra,
            Origin::Extra,
            None,
            false,
        )?;
    }
    Ok(listeners)
}

/// Bind one listener and register it under the token of its place in `listeners`. An
/// `optional` address (redis.conf's `-` before it) that this machine does not have is skipped
/// with a warning, as Redis skips it.
fn listen(
    poll: &Poll,
    listeners: &mut Vec<Listening>,
    opts: &Options,
    addr: SocketAddr,
    origin: Origin,
    tls: Option<Arc<rustls::ServerConfig>>,
    optional: bool,
) -> io::Result<()> {
    let mut socket = match listener::bind(addr, opts.tcp_backlog) {
        Ok(socket) => socket,
        Err(e) if optional && listener::unavailable(&e) => {
            warn!("not listening on {addr} (optional, and unavailable here): {e}");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let token = listener_token(listeners.len());
    poll.registry()
        .register(&mut socket, token, Interest::READABLE)?;
    listeners.push(Listening {
        addr: socket.local_addr()?,
        socket,
        origin,
        tls,
        ready: false,
    });
    Ok(())
}
/// Events fetched per `poll`.
const EVENTS_CAPACITY: usize = 1024;

/// A [`Ctx`] over this loop's [`Core`] for one handler call.
macro_rules! handler_ctx {
    ($self:ident, $now:expr) => {
        Ctx {
            core: &mut *$self,
            now: $now,
        }
    };
}

/// Stops a running loop from another thread (the embedding handle, tests).
#[derive(Clone)]
pub struct Stopper {
    flag: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl Stopper {
    /// Ask the loop to shut down gracefully; returns at once.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        // If the wake fails the loop is already gone; there is nothing more to do.
        let _ = self.waker.wake();
    }
}

/// The single-threaded event loop, generic over its [`Handler`].
pub struct EventLoop<H: Handler> {
    core: Core<H::Session>,
    handler: H,
}

impl<H: Handler> EventLoop<H> {
    /// Bind `addr` (unless `opts.plaintext` is off), the TLS listener (if `opts.tls`), the
    /// same on every address of `opts.also_bind`, and the extra listener (if
    /// `opts.extra_listener`), and prepare a loop around `handler`. Nothing runs until
    /// [`EventLoop::run`].
    pub fn bind(addr: SocketAddr, handler: H, opts: Options) -> io::Result<Self> {
        let poll = Poll::new()?;
        if opts.also_bind.len() > 15 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Too many bind addresses specified.",
            ));
        }
        let listeners = open_listeners(&poll, addr, &opts)?;
        let addrs = listeners.iter().map(|l| (l.origin, l.addr)).collect();
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let signals = if opts.handle_signals {
            let mut signals = signal_hook_mio::v1_0::Signals::new([
                signal_hook::consts::SIGINT,
                signal_hook::consts::SIGTERM,
            ])?;
            poll.registry()
                .register(&mut signals, SIGNALS, Interest::READABLE)?;
            Some(signals)
        } else {
            None
        };
        let core = Core {
            poll,
            listeners,
            addrs,
            handshakes: VecDeque::new(),
            extra_conns: 0,
            conns: Slab::new(),
            scratch: vec![0; opts.read_chunk.max(1)],
            nested_scratch: Vec::new(),
            nested_events: None,
            opts,
            dirty: Vec::new(),
            ready: VecDeque::new(),
            reap: Vec::new(),
            accept_paused_until: None,
            next_generation: 0,
            lru_head: None,
            lru_tail: None,
            stats: LoopStats::default(),
            notices: Notices::default(),
            woke: Instant::now(),
            stop_flag: Arc::new(AtomicBool::new(false)),
            waker,
            signals,
            shutdown_requested: false,
            shutdown_deadline: None,
            idle_order_stale: false,
            new_tls: None,
            rebinds: Vec::new(),
        };
        Ok(EventLoop { core, handler })
    }

    /// The address actually bound (port 0 picks a free port): the plaintext listener's, or the
    /// TLS listener's when there is no plaintext one.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener_addr(Origin::Plain)
            .or(self.listener_addr(Origin::Tls))
            // (Not reached: without TLS the plaintext listener is always bound.)
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The TLS listener's address, if there is one.
    pub fn tls_local_addr(&self) -> Option<SocketAddr> {
        self.listener_addr(Origin::Tls)
    }

    /// The address the (first) listener for `origin` is bound to, if there is one.
    pub fn listener_addr(&self, origin: Origin) -> Option<SocketAddr> {
        self.listener_addrs(origin).next()
    }

    /// The addresses of every listener for `origin` (one per `bind` address), in bind order.
    pub fn listener_addrs(&self, origin: Origin) -> impl Iterator<Item = SocketAddr> + '_ {
        self.core
            .addrs
            .iter()
            .filter(move |(o, _)| *o == origin)
            .map(|&(_, addr)| addr)
    }

    /// A handle that stops this loop from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            flag: self.core.stop_flag.clone(),
            waker: self.core.waker.clone(),
        }
    }

    /// The handler, for inspection after [`EventLoop::run`] returns.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The handler, mutably (to finish configuring it before [`EventLoop::run`]).
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Run until shut down. Per-connection errors never end the loop; only a failure of the
    /// poller itself does.
    pub fn run(&mut self) -> io::Result<()> {
        self.core.run(&mut self.handler)
    }
}

impl<S> Core<S> {
    /// The loop: one turn after another until shut down (see the module docs).
    fn run<H: Handler<Session = S>>(&mut self, handler: &mut H) -> io::Result<()> {
        let mut events = Events::with_capacity(EVENTS_CAPACITY);
        loop {
            let now = Instant::now();
            self.stats.busy += now.saturating_duration_since(self.woke);
            let timeout = self.poll_timeout(handler, now);
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                // A signal arrived while we slept: not an error (PITFALLS.md row 15).
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            let slept_from = now;
            let now = Instant::now();
            self.woke = now;
            self.stats.cycles += 1;
            self.stats.polled += now.saturating_duration_since(slept_from);

            // 1-3. Readiness, the ready queue, new connections, the handler's timer.
            self.serve_events(handler, &events, now);
            // 3. The loop's own timers: idle clients, slow TLS handshakes.
            self.expire_idle(handler, now);
            self.expire_handshakes(now);
            // 4. Shutdown asked for (a signal, the stop handle, the handler)?
            self.check_shutdown(now);

            // 5. Listeners replaced at run time (CONFIG SET port) serve from now on; every
            //    reply written before the loop sleeps; closed connections freed.
            self.replace_listeners();
            self.flush_and_reap(handler, now);

            if let Some(deadline) = self.shutdown_deadline
                && (self.conns.is_empty() || now >= deadline)
            {
                self.finish_shutdown(handler);
                return Ok(());
            }
        }
    }

    /// One pass of the loop from inside a handler call that has not returned (a busy script),
    /// with `handler` standing in for the one that is busy: poll without sleeping, read and
    /// serve every connection but those lent out (the busy call's own among them: its input
    /// waits, unread, and runs in order once the call returns), accept, run `handler`'s timer
    /// if it is due, expire TLS handshakes, write every reply and free what has finished. Up
    /// to four rounds while events keep coming, as Redis's `processEventsWhileBlocked`. A
    /// shutdown asked for meanwhile begins at once (the listeners close); the busy call is
    /// told by [`Ctx::shutting_down`].
    pub(crate) fn serve_nested<H: Handler<Session = S>>(&mut self, handler: &mut H, first: bool) {
        const ROUNDS: usize = 4;
        if first {
            self.rearm();
        }
        let mut events = self
            .nested_events
            .take()
            .unwrap_or_else(|| Events::with_capacity(EVENTS_CAPACITY));
        // The loop's read buffer is out on loan with the busy call's bytes: this pass reads
        // into a buffer of its own.
        let outer = std::mem::replace(&mut self.scratch, std::mem::take(&mut self.nested_scratch));
        if self.scratch.is_empty() {
            self.scratch = vec![0; self.opts.read_chunk.max(1)];
        }
        for _ in 0..ROUNDS {
            match self.poll.poll(&mut events, Some(Duration::ZERO)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    warn!("poll failed in a nested pass: {e}");
                    break;
                }
            }
            let now = Instant::now();
            self.serve_events(handler, &events, now);
            self.expire_handshakes(now);
            self.check_shutdown(now);
            self.flush_and_reap(handler, now);
            if events.is_empty() {
                break;
            }
        }
        self.nested_scratch = std::mem::replace(&mut self.scratch, outer);
        self.nested_events = Some(events);
    }

    /// What a turn (and a nested pass) does with what `poll` brought: each event noted, a
    /// readable connection read (and its handler run) at once; then the connections a read
    /// budget stopped last time; then new connections; then the handler's timer if due.
    fn serve_events<H: Handler<Session = S>>(
        &mut self,
        handler: &mut H,
        events: &Events,
        now: Instant,
    ) {
        for event in events.iter() {
            self.stats.events += 1;
            self.on_event(handler, event, now);
        }
        self.serve_queued(handler, now);
        self.accept_ready(handler, now);
        if handler.next_deadline().is_some_and(|t| now >= t) {
            let mut ctx = handler_ctx!(self, now);
            handler.timer(&mut ctx, now);
        }
    }

    /// A shutdown asked for (a signal, the stop handle, the handler) begins: the listeners
    /// close, every connection is to close once flushed.
    fn check_shutdown(&mut self, now: Instant) {
        if self.stop_flag.load(Ordering::SeqCst) {
            self.shutdown_requested = true;
        }
        if self.shutdown_requested && self.shutdown_deadline.is_none() {
            self.begin_shutdown(now);
        }
    }

    /// Ask epoll to report every source again, as if it had just become ready: the first
    /// nested pass of a busy call must see what the outer turn fetched but never reached (a
    /// later event of the same batch), which epoll will not report a second time. One
    /// `epoll_ctl` per connection and listener, once per busy call.
    fn rearm(&mut self) {
        let registry = self.poll.registry();
        for (_, conn) in self.conns.iter_mut().filter(|(_, c)| !c.dead) {
            let (token, interest) = (conn.id.token(), conn.registered);
            if let Err(e) = registry.reregister(&mut conn.socket, token, interest) {
                debug!("re-arming {} failed: {e}", conn.peer);
            }
        }
        for (index, listener) in self.listeners.iter_mut().enumerate() {
            let token = listener_token(index);
            if let Err(e) = registry.reregister(&mut listener.socket, token, Interest::READABLE) {
                warn!("cannot re-arm the listener on {}: {e}", listener.addr);
            }
        }
        if let Some(signals) = self.signals.as_mut() {
            let _ = registry.reregister(signals, SIGNALS, Interest::READABLE);
        }
    }

    /// Swap in the listeners bound at run time ([`Ctx::replace_listeners`]): per origin,
    /// the addresses no longer wanted are closed, the kept ones stay, the new ones join,
    /// marked ready (connections may have queued since they were bound). Tokens follow the
    /// places in `listeners`, so every listener is registered again under its new one.
    fn replace_listeners(&mut self) {
        if self.rebinds.is_empty() {
            return;
        }
        for listener in &mut self.listeners {
            let _ = self.poll.registry().deregister(&mut listener.socket);
        }
        for rebind in std::mem::take(&mut self.rebinds) {
            if self.shutdown_deadline.is_some() {
                continue;
            }
            let origin = rebind.origin;
            let before = self.listeners.len();
            self.listeners
                .retain(|l| l.origin != origin || rebind.keep.contains(&l.addr));
            if before == self.listeners.len() && rebind.fresh.is_empty() {
                continue;
            }
            for listener in self.listeners.iter_mut().filter(|l| l.origin == origin) {
                listener.tls.clone_from(&rebind.tls);
            }
            for (socket, addr) in rebind.fresh {
                self.listeners.push(Listening {
                    socket,
                    addr,
                    origin,
                    tls: rebind.tls.clone(),
                    ready: true,
                });
            }
            self.addrs.retain(|(o, _)| *o != origin);
            self.addrs
                .extend(rebind.addrs.iter().map(|&addr| (origin, addr)));
            info!("now listening for {origin:?} on {:?}", rebind.addrs);
        }
        self.listeners.truncate(MAX_LISTENERS);
        for (index, listener) in self.listeners.iter_mut().enumerate() {
            let token = listener_token(index);
            if let Err(e) =
                self.poll
                    .registry()
                    .register(&mut listener.socket, token, Interest::READABLE)
            {
                warn!("cannot watch the listener on {}: {e}", listener.addr);
            }
        }
    }

    /// One readiness event: a listener is marked ready (accepted after the events), a
    /// connection with output pending is queued to flush, a readable one is read at once.
    fn on_event<H: Handler<Session = S>>(
        &mut self,
        handler: &mut H,
        event: &mio::event::Event,
        now: Instant,
    ) {
        match event.token() {
            WAKER => {}
            SIGNALS => self.drain_signals(),
            token if let Some(index) = listener_index(token) => {
                if let Some(listener) = self.listeners.get_mut(index) {
                    listener.ready = true;
                }
            }
            token => {
                let id = ConnId::from_token(token);
                // A stale token (the slot was reused, or the connection is being reaped)
                // fails this check and is ignored.
                let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
                    return;
                };
                if event.is_writable() && conn.has_output() && !conn.queued_dirty {
                    conn.queued_dirty = true;
                    self.dirty.push(id);
                }
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    conn.readable = true;
                    conn.eof_hinted |= event.is_read_closed() || event.is_error();
                    self.service_read(handler, id, now);
                }
            }
        }
    }

    /// Sources a budget stopped while still ready. Only those queued before this pass are
    /// served, so a connection that keeps being re-queued cannot starve the rest.
    fn serve_queued<H: Handler<Session = S>>(&mut self, handler: &mut H, now: Instant) {
        for _ in 0..self.ready.len() {
            let Some(id) = self.ready.pop_front() else {
                break;
            };
            if let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) {
                conn.queued_ready = false;
                self.service_read(handler, id, now);
            }
        }
    }

    /// Accept on every ready listener, unless accepting is paused (out of descriptors).
    fn accept_ready<H: Handler<Session = S>>(&mut self, handler: &mut H, now: Instant) {
        if self.accept_paused_until.is_none_or(|t| now >= t) {
            self.accept_paused_until = None;
            for i in 0..self.listeners.len() {
                if self.listeners[i].ready && self.accept_paused_until.is_none() {
                    self.accept(handler, now, i);
                }
            }
        }
    }

    /// How long `poll` may sleep: until the nearest deadline, zero if work is queued.
    fn poll_timeout<H: Handler<Session = S>>(&self, handler: &H, now: Instant) -> Option<Duration> {
        let listeners_ready = self.listeners.iter().any(|l| l.ready);
        if !self.ready.is_empty() || (listeners_ready && self.accept_paused_until.is_none()) {
            return Some(Duration::ZERO);
        }
        let idle = self.opts.idle_timeout.and_then(|timeout| {
            let head = self.conns.get(self.lru_head?)?;
            Some(head.last_active + timeout)
        });
        [
            handler.next_deadline(),
            idle,
            self.handshakes.front().map(|&(deadline, _)| deadline),
            self.accept_paused_until,
            self.shutdown_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|deadline| deadline.saturating_duration_since(now))
    }

    fn drain_signals(&mut self) {
        if let Some(signals) = self.signals.as_mut() {
            for signal in signals.pending() {
                info!("received signal {signal}, shutting down");
                self.shutdown_requested = true;
            }
        }
    }

    /// Accept from listener `index` until its backlog is empty, the budget is spent, or
    /// descriptors run out.
    fn accept<H: Handler<Session = S>>(&mut self, handler: &mut H, now: Instant, index: usize) {
        if let Some(config) = self.new_tls.take() {
            for listener in &mut self.listeners {
                if listener.origin == Origin::Tls {
                    listener.tls = Some(config.clone());
                }
            }
        }
        let budget = self
            .opts
            .faults
            .accept_budget
            .unwrap_or(self.opts.accept_budget);
        let mut accepted = 0;
        while accepted < budget {
            let Some(listener) = self.listeners.get_mut(index) else {
                return;
            };
            let (origin, tls) = (listener.origin, listener.tls.clone());
            match listener.socket.accept() {
                Ok((socket, peer)) => {
                    accepted += 1;
                    self.admit(handler, socket, peer, origin, tls, now);
                }
                Err(e) => match classify(&e) {
                    AcceptError::Drained => {
                        listener.ready = false;
                        return;
                    }
                    AcceptError::Retry => {}
                    AcceptError::Exhausted => {
                        warn!("accept failed ({e}); pausing accepts for {ACCEPT_BACKOFF:?}");
                        self.accept_paused_until = Some(now + ACCEPT_BACKOFF);
                        self.notices.push(NoticeKind::AcceptBackoff, None, now);
                        return; // the ready flag stays true: the backlog still holds clients
                    }
                    AcceptError::Skip => debug!("accept failed for one connection: {e}"),
                },
            }
        }
        // Budget spent: the ready flag stays true, so the next poll does not sleep.
    }

    /// Register a freshly accepted socket, or turn it away at `maxclients`. `tls`: the
    /// configuration of its TLS session, for a connection from the TLS listener.
    fn admit<H: Handler<Session = S>>(
        &mut self,
        handler: &mut H,
        mut socket: TcpStream,
        peer: SocketAddr,
        origin: Origin,
        tls: Option<Arc<rustls::ServerConfig>>,
        now: Instant,
    ) {
        self.stats.connections_received += 1;
        // Each listener's connections count against their own limit, so that connections to
        // the extra listener (the dashboard's browsers, or anyone who can reach its port) can
        // never lock Redis clients out.
        let extra = origin == Origin::Extra;
        let (open, limit) = if extra {
            (self.extra_conns, self.opts.extra_max_clients)
        } else {
            (self.conns.len() - self.extra_conns, self.opts.max_clients)
        };
        if open >= limit {
            // Best effort, one write on a fresh socket, as Redis does in acceptCommonHandler.
            // (Only in plaintext RESP: a TLS client expects a handshake, not text, and the
            // extra listener speaks another protocol; Redis writes it on TLS anyway.)
            if origin == Origin::Plain {
                let _ = io::Write::write(&mut socket, b"-ERR max number of clients reached\r\n");
            }
            self.stats.connections_rejected += 1;
            self.notices.push(NoticeKind::MaxClients, Some(peer), now);
            return;
        }
        let session = match tls.map(rustls::ServerConnection::new).transpose() {
            Ok(session) => session.map(Box::new),
            Err(e) => {
                warn!("could not start a TLS session for {peer}: {e}");
                return;
            }
        };
        // Replies go out as soon as they are written, not after Nagle's delay.
        if let Err(e) = socket.set_nodelay(true) {
            debug!("TCP_NODELAY failed for {peer}: {e}");
        }
        let entry = self.conns.vacant_entry();
        let generation = self.next_generation;
        // Skip u32::MAX so a connection token never equals a reserved token.
        self.next_generation = self.next_generation.wrapping_add(1) % (u32::MAX - 1);
        let Some(id) = ConnId::new(entry.key(), generation) else {
            return;
        };
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut socket, id.token(), Interest::READABLE)
        {
            warn!("could not register {peer}: {e}");
            return;
        }
        let mut conn = Connection::new(id, socket, peer, origin, now);
        if session.is_some()
            && let Some(tls) = &self.opts.tls
        {
            self.handshakes.push_back((now + tls.handshake_timeout, id));
        }
        conn.tls = session;
        entry.insert(conn);
        self.extra_conns += usize::from(extra);
        self.lru_push_back(id.slot());
        let mut ctx = handler_ctx!(self, now);
        let session = handler.open(&mut ctx, id, peer, origin);
        if let Some(conn) = self.conns.get_mut(id.slot()) {
            conn.session = Some(Box::new(session));
        }
    }

    /// Read from `id` until it would block, the peer finishes, or the budget is spent, handing
    /// each chunk to the handler as it arrives.
    fn service_read<H: Handler<Session = S>>(&mut self, handler: &mut H, id: ConnId, now: Instant) {
        let budget = self
            .opts
            .faults
            .read_budget
            .unwrap_or(self.opts.read_budget);
        for _ in 0..budget.max(1) {
            let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
                return;
            };
            if conn.lent {
                // A nested pass ([`Core::serve_nested`]) inside this connection's own handler
                // call: nothing is read or handled for it until the call returns (the handler
                // is never re-entered for the same client). No edge will come again for what
                // waits in its socket: the ready queue remembers it.
                if conn.readable && !conn.queued_ready {
                    conn.queued_ready = true;
                    self.ready.push_back(id);
                }
                return;
            }
            if !conn.accepts_input() {
                return;
            }
            if conn.pending_output() > self.opts.output_high_water {
                // Backpressure: stop reading until the peer has read its replies. `readable`
                // stays set, so the flush re-queues this connection once it drains.
                conn.paused = true;
                return;
            }
            if conn.input_held && !conn.input_paused {
                // Requests left unconsumed (the output filled up, or the handler paused and
                // has now resumed this connection): run them now, before reading anything new.
                conn.input_held = false;
                self.deliver(handler, id, 0, now);
                continue;
            }
            if !conn.readable {
                return;
            }
            let want = self.opts.faults.read_len(self.scratch.len());
            let result = conn.read(&mut self.scratch, &self.opts.faults);
            // Reading TLS records may have produced records to send (the handshake).
            if conn.tls.as_ref().is_some_and(|tls| tls.wants_write()) {
                self.queue_dirty(id);
            }
            if !self.after_read(handler, id, result, want, now) {
                return;
            }
        }
        // The budget ran out while the socket may still hold bytes: remember it.
        if let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id)
            && conn.readable
            && !conn.queued_ready
        {
            conn.queued_ready = true;
            self.ready.push_back(id);
        }
    }

    /// What one read brought, dealt with: bytes go to the handler (or wait, bounded, while it
    /// pauses this connection); a close, a drained socket or an error ends this turn's reading
    /// (`false`). `want` is how much the read asked for.
    fn after_read<H: Handler<Session = S>>(
        &mut self,
        handler: &mut H,
        id: ConnId,
        result: io::Result<usize>,
        want: usize,
        now: Instant,
    ) -> bool {
        let Some(conn) = self.conns.get_mut(id.slot()) else {
            return false;
        };
        match result {
            Ok(0) => {
                // The peer closed its write side. Not an error: replies already owed are
                // still written, then the connection closes (PITFALLS.md row 8).
                conn.readable = false;
                conn.read_closed = true;
                self.queue_dirty(id);
                return false;
            }
            Ok(n) => {
                self.stats.net_input_bytes += n as u64;
                self.stats.reads += 1;
                // (Not under TLS: plaintext may wait inside the session after the socket
                // is drained, and no edge will announce it. There only WouldBlock counts.)
                let drained = n < want && !conn.eof_hinted && conn.tls.is_none();
                if drained {
                    // A read that returned less than asked emptied the kernel's queue; new
                    // bytes will raise a new edge, so the read that would only say
                    // WouldBlock is skipped.
                    conn.readable = false;
                }
                if conn.input_paused {
                    // The handler wants no input now (a blocked client): keep the bytes
                    // for later, still bounded, and go on reading so a close is noticed.
                    conn.input.extend_from_slice(&self.scratch[..n]);
                    if conn.enforce_query_buffer_limit(self.opts.query_buffer_limit) {
                        self.stats.query_buffer_closes += 1;
                        let peer = Some(conn.peer);
                        self.notices.push(NoticeKind::QueryBufferLimit, peer, now);
                        self.queue_dirty(id);
                        return false;
                    }
                } else {
                    self.deliver(handler, id, n, now);
                }
                if drained {
                    return false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Expected: the socket is drained. The next edge will bring us back.
                conn.readable = false;
                return false;
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData && conn.tls.is_some() => {
                // Not TLS (plaintext on the TLS port, garbage) or a failed handshake:
                // rustls has queued an alert. Send it, read nothing more, close.
                debug!("TLS error from {}: {e}", conn.peer);
                conn.readable = false;
                conn.close_after_flush = true;
                self.queue_dirty(id);
                return false;
            }
            Err(e) => {
                debug!("read from {} failed: {e}", conn.peer);
                conn.dead = true;
                self.queue_dirty(id);
                return false;
            }
        }
        true
    }

    /// Hand the `n` bytes just read into `scratch` (after any partial request kept from before)
    /// to the handler, and keep whatever it did not consume.
    fn deliver<H: Handler<Session = S>>(
        &mut self,
        handler: &mut H,
        id: ConnId,
        n: usize,
        now: Instant,
    ) {
        let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
            return;
        };
        if n > 0 {
            // Activity for the idle timeout: bytes from the peer (handing back held requests,
            // n == 0, is not the peer doing anything).
            conn.last_active = now;
        }
        let Some(mut session) = conn.session.take() else {
            return;
        };
        conn.lent = true;
        // Lend the output buffer together with its written offset, so that while it is out the
        // connection reads as "nothing pending" rather than a negative amount.
        let mut out = std::mem::take(&mut conn.output);
        let written = std::mem::take(&mut conn.written);
        // Usual case: no partial request pending, so parse straight from the scratch buffer and
        // copy nothing. Otherwise append to the partial request and parse that. The scratch
        // buffer is taken out for the call (a move, not a copy): the handler borrows the loop.
        let scratch = std::mem::take(&mut self.scratch);
        let mut partial = std::mem::take(&mut conn.input);
        if !partial.is_empty() {
            partial.extend_from_slice(&scratch[..n]);
        }
        let input: &[u8] = if partial.is_empty() {
            &scratch[..n]
        } else {
            &partial
        };
        let out_limit = written + self.opts.output_high_water;
        let mut ctx = handler_ctx!(self, now);
        let consumed = handler.data(
            &mut ctx,
            Current {
                id,
                session: &mut session,
                out: &mut out,
                out_limit,
            },
            input,
        );
        let consumed = consumed.min(input.len());
        let leftover_from_scratch = partial.is_empty();
        if n > 0 {
            self.lru_touch(id.slot());
        }
        let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
            self.scratch = scratch;
            return;
        };
        conn.session = Some(session);
        conn.output = out;
        conn.written = written;
        conn.lent = false;
        if leftover_from_scratch {
            conn.input.extend_from_slice(&scratch[consumed..n]);
        } else {
            partial.drain(..consumed);
            conn.input = partial;
        }
        self.scratch = scratch;
        self.after_deliver(id, now);
    }

    /// The limits checked once the handler has run: what it wrote (the output limit) and what
    /// it left unconsumed (the query-buffer limit); a connection whose output is full stops
    /// reading; one with something to write or to close is queued for the flush.
    fn after_deliver(&mut self, id: ConnId, now: Instant) {
        let Some(conn) = self.conns.get_mut(id.slot()) else {
            return;
        };
        // The replies it just wrote to itself count too (a subscriber's own, a normal
        // client's under a `normal` limit).
        if conn.enforce_output_limit(&self.opts.output_limits, now) {
            self.stats.output_limit_closes += 1;
            self.notices
                .push(NoticeKind::OutputLimit, Some(conn.peer), now);
        }
        // Stopped early because the output is full? Then the leftover may hold whole requests
        // that must run once the output drains, even if the peer sends nothing more.
        if conn.pending_output() > self.opts.output_high_water {
            conn.paused = true;
            conn.input_held = !conn.input.is_empty();
        }
        if conn.input.is_empty() && conn.input.capacity() > KEEP_BUFFER_CAPACITY {
            conn.input = Vec::new();
        }
        if conn.enforce_query_buffer_limit(self.opts.query_buffer_limit) {
            self.stats.query_buffer_closes += 1;
            self.notices
                .push(NoticeKind::QueryBufferLimit, Some(conn.peer), now);
        }
        if conn.has_output() || conn.dead || conn.close_after_flush {
            self.queue_dirty(id);
        }
    }

    fn queue_dirty(&mut self, id: ConnId) {
        if let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id)
            && !conn.queued_dirty
        {
            conn.queued_dirty = true;
            self.dirty.push(id);
        }
    }

    /// Write every connection with new output, fix up interest, and reap finished ones. Runs
    /// until nothing is left, since a reaped connection's handler call may write to others.
    fn flush_and_reap<H: Handler<Session = S>>(&mut self, handler: &mut H, now: Instant) {
        while !self.dirty.is_empty() || !self.reap.is_empty() {
            let dirty = std::mem::take(&mut self.dirty);
            for &id in &dirty {
                if self.flush_one(id, now) {
                    // A client reading a long reply is busy, not idle (as in Redis).
                    self.lru_touch(id.slot());
                }
            }
            // Give the (now empty) vector back to reuse its allocation.
            if self.dirty.is_empty() {
                self.dirty = dirty;
                self.dirty.clear();
            }
            self.reap_finished(handler, now);
        }
    }

    /// Write one connection's pending output and settle its state. Returns whether any bytes
    /// were written (activity, for the idle timeout).
    fn flush_one(&mut self, id: ConnId, now: Instant) -> bool {
        let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
            return false;
        };
        let mut wrote = false;
        conn.queued_dirty = false;
        if conn.lent {
            // Its output is out on loan to the handler call a nested pass runs inside; it is
            // queued again when the call returns.
            return false;
        }
        if !conn.dead && conn.has_output() {
            match conn.flush(&self.opts.faults) {
                Ok(n) => {
                    self.stats.net_output_bytes += n as u64;
                    self.stats.writes += 1;
                    if n > 0 {
                        conn.last_active = now;
                        wrote = true;
                    }
                }
                Err(e) => {
                    debug!("write to {} failed: {e}", conn.peer);
                    conn.dead = true;
                }
            }
        }
        if conn.finished() {
            if !conn.queued_reap {
                conn.queued_reap = true;
                self.reap.push(id);
            }
            return false;
        }
        if let Err(e) = conn.sync_interest(self.poll.registry()) {
            debug!("reregister {} failed: {e}", conn.peer);
            conn.dead = true;
            conn.queued_reap = true;
            self.reap.push(id);
            return false;
        }
        // Output drained below the mark: resume a connection paused for backpressure.
        if conn.paused && conn.pending_output() <= self.opts.output_high_water / 2 {
            conn.paused = false;
            if (conn.readable || conn.input_held) && !conn.queued_ready {
                conn.queued_ready = true;
                self.ready.push_back(id);
            }
        }
        wrote
    }

    /// Remove finished connections: the end-of-tick safe point (Redis's async free queue).
    fn reap_finished<H: Handler<Session = S>>(&mut self, handler: &mut H, now: Instant) {
        for id in std::mem::take(&mut self.reap) {
            let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
                continue;
            };
            if conn.lent {
                // Never freed under a handler call (a nested pass): reaped after it returns.
                conn.queued_reap = false;
                continue;
            }
            self.lru_unlink(id.slot());
            let mut conn = self.conns.remove(id.slot());
            self.extra_conns -= usize::from(conn.origin == Origin::Extra);
            // Deregistering is tidy rather than required (closing the fd removes it from epoll).
            let _ = self.poll.registry().deregister(&mut conn.socket);
            if let Some(session) = conn.session.take() {
                let mut ctx = handler_ctx!(self, now);
                handler.closed(&mut ctx, id, *session);
            }
        }
    }

    /// Close connections idle longer than the timeout, oldest first, stopping at the first that
    /// is not yet due: the LRU order makes this cost nothing when nobody is due.
    fn expire_idle<H: Handler<Session = S>>(&mut self, handler: &mut H, now: Instant) {
        let Some(timeout) = self.opts.idle_timeout else {
            return;
        };
        if std::mem::take(&mut self.idle_order_stale) {
            self.rebuild_idle_order();
        }
        while let Some(slot) = self.lru_head {
            let Some(conn) = self.conns.get_mut(slot) else {
                return;
            };
            if conn.last_active + timeout > now {
                return;
            }
            let exempt = conn
                .session
                .as_deref()
                .is_some_and(|s| handler.idle_exempt(s));
            let id = conn.id;
            if exempt {
                // Exempt (a subscriber): restart its clock and move it to the back.
                conn.last_active = now;
                self.lru_touch(slot);
                continue;
            }
            info!("closing idle client {}", conn.peer);
            conn.dead = true;
            self.notices
                .push(NoticeKind::IdleTimeout, Some(conn.peer), now);
            self.lru_unlink(slot);
            self.queue_dirty(id);
        }
    }

    /// Close TLS connections whose handshake has not finished by its deadline. A connection
    /// that finished (or went) meanwhile is simply dropped from the queue.
    fn expire_handshakes(&mut self, now: Instant) {
        while let Some(&(deadline, id)) = self.handshakes.front() {
            if deadline > now {
                return;
            }
            self.handshakes.pop_front();
            let Some(conn) = self.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
                continue;
            };
            if conn.tls.as_ref().is_some_and(|tls| tls.is_handshaking()) {
                debug!(
                    "closing TLS client {}: no handshake within the deadline",
                    conn.peer
                );
                conn.dead = true;
                self.notices
                    .push(NoticeKind::HandshakeTimeout, Some(conn.peer), now);
                self.queue_dirty(id);
            }
        }
    }

    fn begin_shutdown(&mut self, now: Instant) {
        info!(
            "shutting down: no longer accepting; flushing {} clients",
            self.conns.len()
        );
        for mut listener in self.listeners.drain(..) {
            let _ = self.poll.registry().deregister(&mut listener.socket);
        }
        self.shutdown_deadline = Some(now + self.opts.shutdown_grace);
        let ids: Vec<ConnId> = self.conns.iter().map(|(_, c)| c.id).collect();
        for id in ids {
            if let Some(conn) = self.conns.get_mut(id.slot()) {
                conn.close_after_flush = true;
            }
            self.queue_dirty(id);
        }
    }

    fn finish_shutdown<H: Handler<Session = S>>(&mut self, handler: &mut H) {
        let undelivered: usize = self.conns.iter().map(|(_, c)| c.pending_output()).sum();
        let remaining = self.conns.len();
        let ids: Vec<ConnId> = self.conns.iter().map(|(_, c)| c.id).collect();
        for id in ids {
            if let Some(conn) = self.conns.get_mut(id.slot()) {
                conn.dead = true;
                conn.queued_reap = true;
            }
            self.reap.push(id);
        }
        self.reap_finished(handler, Instant::now());
        info!(
            "shutdown complete: {remaining} clients closed with output pending, \
             {undelivered} bytes undelivered"
        );
    }

    // The idle LRU list, linked through the slab by slot number.

    fn lru_push_back(&mut self, slot: usize) {
        let tail = self.lru_tail;
        if let Some(conn) = self.conns.get_mut(slot) {
            conn.lru_prev = tail;
            conn.lru_next = None;
            conn.lru_linked = true;
        }
        match tail.and_then(|t| self.conns.get_mut(t)) {
            Some(t) => t.lru_next = Some(slot),
            None => self.lru_head = Some(slot),
        }
        self.lru_tail = Some(slot);
    }

    fn lru_unlink(&mut self, slot: usize) {
        let Some(conn) = self.conns.get_mut(slot) else {
            return;
        };
        if !conn.lru_linked {
            return;
        }
        conn.lru_linked = false;
        let (prev, next) = (conn.lru_prev.take(), conn.lru_next.take());
        match prev.and_then(|p| self.conns.get_mut(p)) {
            Some(p) => p.lru_next = next,
            None => self.lru_head = next,
        }
        match next.and_then(|n| self.conns.get_mut(n)) {
            Some(n) => n.lru_prev = prev,
            None => self.lru_tail = prev,
        }
    }

    /// Move `slot` to the back of the idle list (it was just active).
    /// Relink every connection in order of last activity: the order is not kept while there
    /// is no idle timeout, so one set at run time starts from this.
    fn rebuild_idle_order(&mut self) {
        let mut slots: Vec<(Instant, usize)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.lru_linked)
            .map(|(slot, c)| (c.last_active, slot))
            .collect();
        slots.sort_unstable();
        for &(_, slot) in &slots {
            self.lru_unlink(slot);
        }
        for (_, slot) in slots {
            self.lru_push_back(slot);
        }
    }

    fn lru_touch(&mut self, slot: usize) {
        if self.opts.idle_timeout.is_none() || self.lru_tail == Some(slot) {
            return;
        }
        self.lru_unlink(slot);
        self.lru_push_back(slot);
    }
}
