//! What a handler may do to the loop: write to any connection, close one, read its figures.
//!
//! Chapter: [docs/06-the-connection-slab.md](../../docs/06-the-connection-slab.md).
//!
//! A [`Ctx`] borrows the connection table for the length of one handler call. It is the only
//! way the application touches connections, which keeps the rules of the loop in one place:
//! writing to a connection marks it *dirty*, so it is flushed before the loop sleeps; closing
//! one only sets a flag, and the loop removes it at the end of the tick (a connection is never
//! freed in the middle of a handler call, as Redis's `freeClientAsync`).

use std::time::{Duration, Instant};

use crate::reactor::ConnId;
use crate::reactor::connection::{ConnInfo, Connection};
use crate::reactor::listener::Rebind;
use crate::reactor::notice::{NoticeKind, Notices};
use crate::reactor::output_limit::{Delivery, OutputClass, OutputLimits};
use crate::reactor::state::{Core, LoopStats};

/// The connection whose bytes are being handled, with its session and output buffer lent out.
pub struct Current<'a, S> {
    pub id: ConnId,
    pub session: &'a mut S,
    /// This connection's pending output. Append replies here.
    pub out: &'a mut Vec<u8>,
    /// Backpressure: once `out.len()` exceeds this, stop consuming requests and return. The
    /// loop stops reading from the connection and hands the unconsumed bytes back once the
    /// peer has read enough of its replies (see `Options::output_high_water`).
    pub out_limit: usize,
}

/// The handler's view of the loop during one call. See the module docs.
pub struct Ctx<'a, S> {
    /// The loop, but for its handler (which is running this call).
    pub(crate) core: &'a mut Core<S>,
    /// When this tick started.
    pub(crate) now: Instant,
}

impl<S> Ctx<'_, S> {
    /// A connection that is not lent out (its session and output are in place).
    fn get_mut(&mut self, id: ConnId) -> Option<&mut Connection<S>> {
        self.core
            .conns
            .get_mut(id.slot())
            .filter(|c| c.id == id && !c.lent)
    }

    fn get(&self, id: ConnId) -> Option<&Connection<S>> {
        self.core.conns.get(id.slot()).filter(|c| c.id == id)
    }

    /// Append `bytes` to another connection's output (a pub/sub message, a chat line, a
    /// greeting from [`crate::reactor::Handler::open`]); it is written before the loop sleeps. The
    /// connection's output limit is checked right after, so a reader that has stopped reading
    /// is cut off here, whoever the writer is ([`crate::reactor::output_limit`]). The current
    /// connection is lent out and unreachable ([`Delivery::Gone`]): append to
    /// [`Current::out`] instead.
    pub fn send(&mut self, id: ConnId, bytes: &[u8]) -> Delivery {
        let Some(conn) = self
            .core
            .conns
            .get_mut(id.slot())
            .filter(|c| c.id == id && !c.lent && !c.dead)
        else {
            return Delivery::Gone;
        };
        conn.output.extend_from_slice(bytes);
        if !conn.queued_dirty {
            conn.queued_dirty = true;
            self.core.dirty.push(id);
        }
        if conn.enforce_output_limit(&self.core.opts.output_limits, self.now) {
            self.core.stats.output_limit_closes += 1;
            let peer = Some(conn.peer);
            self.core
                .notices
                .push(NoticeKind::OutputLimit, peer, self.now);
            return Delivery::CutOff;
        }
        Delivery::Sent
    }

    /// Put `id` in an output-limit class (a client that subscribes is `Pubsub`, and `Normal`
    /// again once it has no subscription). Works on the current connection too.
    pub fn set_output_class(&mut self, id: ConnId, class: OutputClass) {
        if let Some(conn) = self.core.conns.get_mut(id.slot()).filter(|c| c.id == id)
            && conn.output_class != class
        {
            conn.output_class = class;
            conn.soft_limit_since = None;
        }
    }

    /// The output limits per class in force.
    pub fn output_limits(&self) -> OutputLimits {
        self.core.opts.output_limits
    }

    /// Change the output limits per class (`CONFIG SET client-output-buffer-limit`); they
    /// apply to every connection from its next write on.
    pub fn set_output_limits(&mut self, limits: OutputLimits) {
        self.core.opts.output_limits = limits;
    }

    /// Change `maxclients`: connections already open stay, as in Redis; the next one is
    /// judged by the new limit.
    pub fn set_max_clients(&mut self, max_clients: usize) {
        self.core.opts.max_clients = max_clients;
    }

    /// Change `client-query-buffer-limit`: every connection's unconsumed input is checked
    /// against it at its next read.
    pub fn set_query_buffer_limit(&mut self, limit: usize) {
        self.core.opts.query_buffer_limit = limit;
    }

    /// Change `timeout` (`None`: never). Connections idle longer than a new, shorter timeout
    /// are closed on the loop's next turn.
    pub fn set_idle_timeout(&mut self, timeout: Option<Duration>) {
        if self.core.opts.idle_timeout.is_none() && timeout.is_some() {
            self.core.idle_order_stale = true;
        }
        self.core.opts.idle_timeout = timeout;
    }

    /// Serve new TLS connections with `config` (new certificates, CA, client-certificate
    /// policy: `CONFIG SET tls-cert-file ...`). Connections already open keep the session they
    /// have, as in Redis.
    pub fn set_tls_config(&mut self, config: std::sync::Arc<rustls::ServerConfig>) {
        self.core.new_tls = Some(config);
    }

    /// Bind listeners for `origin` on `ips` at `port` (`CONFIG SET port`, `bind`,
    /// `tls-port`; an empty `ips` closes the origin's listeners), while the current ones go
    /// on serving; an address already listened on keeps its socket. Nothing changes until
    /// the result is handed to [`Ctx::replace_listeners`]; an error (the port is taken) leaves
    /// everything as it was. TLS listeners need `tls`, their sessions' configuration.
    pub fn listen_on(
        &self,
        origin: crate::reactor::Origin,
        ips: &[(std::net::IpAddr, bool)],
        port: u16,
        tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    ) -> std::io::Result<Rebind> {
        let current: Vec<std::net::SocketAddr> = self
            .core
            .addrs
            .iter()
            .filter(|(o, _)| *o == origin)
            .map(|&(_, addr)| addr)
            .collect();
        Rebind::bind(origin, &current, ips, port, self.core.opts.tcp_backlog, tls)
    }

    /// Serve the listeners of `rebind` in place of its origin's current ones, from the loop's
    /// next turn; connections already open stay open, as in Redis.
    pub fn replace_listeners(&mut self, rebind: Rebind) {
        self.core.rebinds.push(rebind);
    }

    /// Bytes of output `id` has not yet written.
    pub fn pending_output(&self, id: ConnId) -> Option<usize> {
        self.get(id).map(|c| c.pending_output())
    }

    /// Another connection's session, to read (`None` for the current connection: lent out).
    pub fn session(&self, id: ConnId) -> Option<&S> {
        self.get(id)?.session.as_deref()
    }

    /// Another connection's session (for its output-limit bookkeeping, say).
    pub fn session_mut(&mut self, id: ConnId) -> Option<&mut S> {
        self.get_mut(id)?.session.as_deref_mut()
    }

    /// Close `id` once its pending output is written (QUIT, a protocol error). Nothing more is
    /// read from it.
    pub fn close(&mut self, id: ConnId) {
        self.mark(id, |c| c.close_after_flush = true);
    }

    /// Close `id` now, dropping its pending output (a slow consumer over its limit).
    pub fn abort(&mut self, id: ConnId) {
        self.mark(id, |c| c.dead = true);
    }

    fn mark(&mut self, id: ConnId, f: impl FnOnce(&mut Connection<S>)) {
        // The current connection is reachable here too: closing it is how a handler ends it.
        if let Some(conn) = self.core.conns.get_mut(id.slot()).filter(|c| c.id == id) {
            f(conn);
            if !conn.queued_dirty {
                conn.queued_dirty = true;
                self.core.dirty.push(id);
            }
        }
    }

    /// Stop handing `id`'s input to the handler until [`Ctx::resume_input`] (a client blocked
    /// on a key). Works on the current connection too: a handler pauses the connection whose
    /// request it is running, then returns without consuming the rest of its input. The loop
    /// keeps reading the socket, so a peer that closes is still noticed and reaped; what it
    /// reads accumulates in the connection's input, bounded by the query buffer limit.
    pub fn pause_input(&mut self, id: ConnId) {
        if let Some(conn) = self.core.conns.get_mut(id.slot()).filter(|c| c.id == id) {
            conn.input_paused = true;
        }
    }

    /// Undo [`Ctx::pause_input`]: the connection goes on the ready queue, so the requests it
    /// sent meanwhile run on the loop's next turn even if the peer sends nothing more.
    pub fn resume_input(&mut self, id: ConnId) {
        let Some(conn) = self.core.conns.get_mut(id.slot()).filter(|c| c.id == id) else {
            return;
        };
        if !conn.input_paused {
            return;
        }
        conn.input_paused = false;
        if conn.lent {
            // Resumed during its own handler call: the handler is still consuming its input.
            return;
        }
        conn.input_held |= !conn.input.is_empty();
        if (conn.readable || conn.input_held) && !conn.queued_ready {
            conn.queued_ready = true;
            self.core.ready.push_back(id);
        }
    }

    /// Lend `id`'s session and output to `f`, as the loop lends the current connection to
    /// [`crate::reactor::Handler::data`]: for work one connection's request does on behalf of another
    /// (serving a blocked client when a key it waits on is written). `None`, without calling
    /// `f`, if the connection has gone, is dead, or is already lent out. The connection is
    /// flushed before the loop sleeps.
    pub fn with_lent<R>(
        &mut self,
        id: ConnId,
        f: impl FnOnce(&mut Self, Current<'_, S>) -> R,
    ) -> Option<R> {
        let high_water = self.core.opts.output_high_water;
        let conn = self.get_mut(id).filter(|c| !c.dead)?;
        let mut session = conn.session.take()?;
        conn.lent = true;
        let mut out = std::mem::take(&mut conn.output);
        let written = std::mem::take(&mut conn.written);
        let result = f(
            self,
            Current {
                id,
                session: &mut session,
                out: &mut out,
                out_limit: written + high_water,
            },
        );
        if let Some(conn) = self.core.conns.get_mut(id.slot()).filter(|c| c.id == id) {
            conn.session = Some(session);
            conn.output = out;
            conn.written = written;
            conn.lent = false;
            if conn.enforce_output_limit(&self.core.opts.output_limits, self.now) {
                self.core.stats.output_limit_closes += 1;
                let peer = Some(conn.peer);
                self.core
                    .notices
                    .push(NoticeKind::OutputLimit, peer, self.now);
            }
            if !conn.queued_dirty {
                conn.queued_dirty = true;
                self.core.dirty.push(id);
            }
        }
        Some(result)
    }

    /// The time this tick started (one clock read per tick).
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The loop's counters.
    pub fn stats(&self) -> &LoopStats {
        &self.core.stats
    }

    /// The latest notable events (cut-offs, refusals, back-offs, protocol errors).
    pub fn notices(&self) -> &Notices {
        &self.core.notices
    }

    /// Record a notable event about `id` (a protocol error the handler found).
    pub fn notice(&mut self, kind: NoticeKind, id: ConnId) {
        let peer = self.get(id).map(|c| c.peer);
        self.core.notices.push(kind, peer, self.now);
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.core.conns.len()
    }

    /// One pass of the loop from inside this handler call, which cannot return yet (a script
    /// past `busy-reply-threshold`), with `handler` standing in for the busy one: see
    /// [`Core::serve_nested`]. Connections lent out (this call's own) are not served: their
    /// input waits, in order, for the call to return.
    /// `first`: the first pass of this call (epoll is asked to report every source again,
    /// since the turn this call runs in may have fetched events it will not reach in time).
    pub fn serve_nested<H: crate::reactor::Handler<Session = S>>(
        &mut self,
        handler: &mut H,
        first: bool,
    ) {
        self.core.serve_nested(handler, first);
    }

    /// Whether the loop has been asked to shut down (SHUTDOWN, a signal, the stop handle): a
    /// handler that does not return (a busy script) must, for the shutdown to happen.
    pub fn shutting_down(&self) -> bool {
        self.core.shutdown_requested
    }

    /// Ask the loop to shut down gracefully after this tick (the SHUTDOWN command).
    pub fn request_shutdown(&mut self) {
        self.core.shutdown_requested = true;
    }

    /// Figures for one connection (including the current one).
    pub fn info(&self, id: ConnId) -> Option<ConnInfo<'_>> {
        self.get(id).map(Connection::info)
    }

    /// Visit every connection with its session (`None` for the current connection, whose
    /// session is lent out).
    pub fn for_each(&self, mut f: impl FnMut(ConnInfo<'_>, Option<&S>)) {
        for (_, conn) in self.core.conns.iter() {
            f(conn.info(), conn.session.as_deref());
        }
    }
}
