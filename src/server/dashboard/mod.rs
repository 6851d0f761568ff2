//! The live dashboard: HTTP and server-sent events on the same loop as RESP.
//!
//! Chapter: [docs/18-watching-the-loop.md](../../../docs/18-watching-the-loop.md).
//!
//! `--dashboard-port N` adds a third listener to the loop ([`crate::reactor::Origin::Extra`]).
//! Its connections get a [`Viewer`] session instead of a Redis client's, and their bytes come
//! here instead of to the RESP parser: the loop neither knows nor cares which protocol a
//! connection speaks, which is the point of its handler seam.
//!
//! ```text
//!   GET /         the page (HTML, CSS, JS and the chart library, compiled into the binary)
//!   GET /events   text/event-stream: one JSON snapshot per event (see `snapshot`)
//!   anything else 404; another method on those paths 405; a malformed head 400; a head
//!   over 8 KiB 431; a request with a body is answered, then the connection is closed
//! ```
//!
//! **Latest value wins.** A snapshot is state, not a message: a browser that has fallen behind
//! wants the newest one, not every one it missed. So a stream is sent a snapshot only when its
//! previous one has been written out completely; one that is still draining is marked
//! *behind*, and gets the newest snapshot (whichever that is by then) on the first tick after
//! it drains. However long a browser stops reading, the server holds at most one snapshot for
//! it. Pub/sub has the opposite rule (every message matters, so the output grows until the
//! limit cuts the reader off: [`crate::reactor::output_limit`]).
//!
//! **Deadlines and a limit of their own.** A connection must send a whole request head within
//! [`HEAD_TIMEOUT`] of connecting or of its last answer (Nginx's `client_header_timeout`; the
//! TLS handshake has the same kind of deadline), or it is answered `408` and closed; and the
//! loop holds at most `Options::extra_max_clients` of them, apart from `maxclients`. Without
//! both, 10,050 connections each sending one byte to this port locked every Redis client out.
//! The deadlines sit in a queue in the order they were set (all are the same length from
//! then), so expiring them is popping from its front, never a scan.
//!
//! Snapshots are built on the handler's timer, every [`TICK`] while a stream is open and only
//! then (an idle server with no dashboard open still never wakes up), and sent when something
//! changed since the last one, or at least every [`HEARTBEAT`].

pub mod snapshot;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::http::{self, Parsed, Response, Status};
use crate::reactor::{ConnId, Ctx, Current, NoticeKind};

use crate::server::Session;
use crate::server::State;
use crate::server::commands::auth;
use snapshot::Fingerprint;

/// How often snapshots are considered while a stream is open.
pub const TICK: Duration = Duration::from_millis(250);
/// The longest a stream goes without a snapshot, even when nothing changes (ages and uptime
/// still tick, and the browser learns the server is alive).
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// How long a connection may take to send a whole request head, from when it connected or was
/// last answered.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

const PAGE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");
const UPLOT_JS: &str = include_str!("assets/vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("assets/vendor/uplot/uPlot.min.css");
const UPLOT_LICENSE: &str = include_str!("assets/vendor/uplot/LICENSE");

/// The files the page is made of: path, content type, body.
const FILES: &[(&str, &str, &str)] = &[
    ("/", "text/html; charset=utf-8", PAGE),
    ("/app.js", "text/javascript; charset=utf-8", SCRIPT),
    ("/style.css", "text/css; charset=utf-8", STYLE),
    (
        "/vendor/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        UPLOT_JS,
    ),
    (
        "/vendor/uPlot.min.css",
        "text/css; charset=utf-8",
        UPLOT_CSS,
    ),
    (
        "/vendor/uPlot.LICENSE",
        "text/plain; charset=utf-8",
        UPLOT_LICENSE,
    ),
];

/// The path of the event stream.
const EVENTS: &str = "/events";

/// A browser's connection to the dashboard.
#[derive(Debug, Default)]
pub struct Viewer {
    /// It asked for `/events`: from now on it only receives.
    pub streaming: bool,
    /// Requests answered (the client table's `cmds` column).
    pub requests: u64,
    /// When its next request head must be complete (`None` while streaming).
    head_due: Option<Instant>,
}

/// One open event stream.
#[derive(Debug)]
struct Stream {
    id: ConnId,
    /// A snapshot was due while its previous one was still being written: send it the newest
    /// as soon as it has drained.
    behind: bool,
}

/// The dashboard's state: the open streams and the latest snapshot.
#[derive(Debug, Default)]
pub struct Dashboard {
    streams: Vec<Stream>,
    next_tick: Option<Instant>,
    /// The latest snapshot as an event, ready to append (`data: {json}\n\n`), and when it
    /// was built.
    latest: Vec<u8>,
    latest_at: Option<Instant>,
    fingerprint: Option<Fingerprint>,
    /// Request-head deadlines in the order they were set, with the connection each is for.
    /// An entry is stale (and skipped) once its viewer has moved on to another deadline.
    heads: VecDeque<(Instant, ConnId)>,
}

impl Dashboard {
    /// When the handler's timer must next call [`Dashboard::tick`]; `None` with no stream open.
    pub fn next_deadline(&self) -> Option<Instant> {
        let head = self.heads.front().map(|&(due, _)| due);
        self.next_tick.into_iter().chain(head).min()
    }

    /// Start `id`'s clock for its next request head.
    fn await_head(&mut self, viewer: &mut Viewer, id: ConnId, now: Instant) {
        let due = now + HEAD_TIMEOUT;
        viewer.head_due = Some(due);
        self.heads.push_back((due, id));
    }

    /// Answer `408` and close every connection whose request head is overdue.
    fn expire_heads(&mut self, ctx: &mut Ctx<'_, Session>, now: Instant) {
        while let Some(&(due, id)) = self.heads.front() {
            if due > now {
                return;
            }
            self.heads.pop_front();
            let overdue = matches!(ctx.session(id),
                Some(Session::Dashboard(viewer)) if viewer.head_due == Some(due));
            if overdue {
                let mut out = Vec::new();
                http::text(&mut out, Status::REQUEST_TIMEOUT, &[], false);
                ctx.send(id, &out);
                ctx.notice(NoticeKind::RequestTimeout, id);
                ctx.close(id);
            }
        }
    }

    /// A browser connected. Protected mode applies here as on the Redis port: with no
    /// password set, a browser from anywhere but loopback is answered `403` and closed.
    pub fn open(
        &mut self,
        state: &State,
        ctx: &mut Ctx<'_, Session>,
        id: ConnId,
        peer: SocketAddr,
    ) -> Viewer {
        let mut viewer = Viewer::default();
        if auth::protected_mode_denies(state, peer) {
            let mut out = Vec::new();
            http::text(&mut out, Status::FORBIDDEN, &[], false);
            ctx.send(id, &out);
            ctx.close(id);
        } else {
            self.await_head(&mut viewer, id, ctx.now());
        }
        viewer
    }

    /// A dashboard connection is gone.
    pub fn closed(&mut self, id: ConnId, viewer: &Viewer) {
        if viewer.streaming {
            self.streams.retain(|stream| stream.id != id);
            if self.streams.is_empty() {
                self.next_tick = None;
            }
        }
    }

    /// Bytes from a dashboard connection: answer every whole request in `input`.
    pub fn data(
        &mut self,
        state: &State,
        ctx: &mut Ctx<'_, Session>,
        conn: Current<'_, Session>,
        input: &[u8],
    ) -> usize {
        let Session::Dashboard(viewer) = conn.session else {
            return 0;
        };
        let mut offset = 0;
        while !viewer.streaming && conn.out.len() <= conn.out_limit {
            let request = match http::parse(&input[offset..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Request { request, consumed }) => {
                    offset += consumed;
                    request
                }
                Err(error) => {
                    http::text(conn.out, error.status(), &[], false);
                    ctx.close(conn.id);
                    return input.len();
                }
            };
            viewer.requests += 1;
            viewer.head_due = None;
            let keep_alive = request.keep_alive;
            let head_only = request.method == "HEAD";
            let file = FILES.iter().find(|(path, _, _)| *path == request.path);
            if file.is_none() && request.path != EVENTS {
                http::text(conn.out, Status::NOT_FOUND, &[], keep_alive);
            } else if request.method != "GET" && !head_only {
                http::text(
                    conn.out,
                    Status::METHOD_NOT_ALLOWED,
                    &["Allow: GET, HEAD"],
                    keep_alive,
                );
            } else if !authorized(state, request.authorization) {
                http::text(
                    conn.out,
                    Status::UNAUTHORIZED,
                    &["WWW-Authenticate: Basic realm=\"reactor\", charset=\"UTF-8\""],
                    keep_alive,
                );
            } else if let Some(&(_, content_type, body)) = file {
                Response {
                    status: Status::OK,
                    content_type,
                    body: body.as_bytes(),
                    headers: &[],
                    keep_alive,
                    head_only,
                }
                .write(conn.out);
            } else if head_only {
                // The stream's headers, and no stream.
                http::start_event_stream(conn.out);
                ctx.close(conn.id);
                return input.len();
            } else {
                viewer.streaming = true;
                self.start_stream(state, ctx, conn.id, conn.out);
            }
            if !keep_alive {
                ctx.close(conn.id);
                return input.len();
            }
        }
        if viewer.streaming {
            // A stream only sends; whatever the browser sends now is ignored, not buffered.
            return input.len();
        }
        if viewer.head_due.is_none() {
            // Answered, and kept alive: the clock starts again for the next request.
            self.await_head(viewer, conn.id, ctx.now());
        }
        offset
    }

    /// `GET /events`: the stream's headers and the latest snapshot to this connection, and a
    /// fresh one owed to every other stream; the timer sends the next ones.
    fn start_stream(
        &mut self,
        state: &State,
        ctx: &mut Ctx<'_, Session>,
        id: ConnId,
        out: &mut Vec<u8>,
    ) {
        http::start_event_stream(out);
        self.refresh(state, ctx, Some(id), true);
        out.extend_from_slice(&self.latest);
        // The others are owed this newer snapshot too.
        for stream in &mut self.streams {
            stream.behind = true;
        }
        self.streams.push(Stream { id, behind: false });
        self.next_tick.get_or_insert(ctx.now() + TICK);
    }

    /// The timer: build a snapshot if something changed (or the heartbeat is due) and send it
    /// to every stream that has drained its previous one.
    pub fn tick(&mut self, state: &State, ctx: &mut Ctx<'_, Session>, now: Instant) {
        self.expire_heads(ctx, now);
        if self.next_tick.is_none_or(|at| at > now) {
            return;
        }
        self.next_tick = (!self.streams.is_empty()).then_some(now + TICK);
        let heartbeat = self.latest_at.is_none_or(|at| now >= at + HEARTBEAT);
        let fresh = self.refresh(state, ctx, None, heartbeat);
        for stream in &mut self.streams {
            stream.behind |= fresh;
            if !stream.behind || ctx.pending_output(stream.id).is_none_or(|n| n > 0) {
                continue;
            }
            stream.behind = false;
            ctx.send(stream.id, &self.latest);
        }
    }

    /// Rebuild `latest` if the server's state changed since it was built, or `force`. Returns
    /// whether it did. `current`: the connection whose request is running (its session is
    /// lent out, so it is described from what is known here).
    fn refresh(
        &mut self,
        state: &State,
        ctx: &Ctx<'_, Session>,
        current: Option<ConnId>,
        force: bool,
    ) -> bool {
        let fingerprint = snapshot::fingerprint(state, ctx);
        if !force && self.fingerprint.as_ref() == Some(&fingerprint) {
            return false;
        }
        let snapshot = snapshot::take(state, ctx, current);
        // Serializing plain structs of numbers and strings cannot fail, and JSON written
        // compactly has no newline (an event's data is one line).
        let json = serde_json::to_vec(&snapshot).unwrap_or_default();
        self.latest.clear();
        http::event(&mut self.latest, &json);
        self.latest_at = Some(ctx.now());
        self.fingerprint = Some(fingerprint);
        true
    }
}

/// Whether a request may see the dashboard: always without `requirepass`; with it, only with
/// HTTP Basic credentials for the user `default` (or no user) and that password.
fn authorized(state: &State, authorization: Option<&[u8]>) -> bool {
    if state.config.requirepass.is_none() {
        return true;
    }
    let Some(value) = authorization else {
        return false;
    };
    let Some(encoded) = value
        .strip_prefix(b"Basic ")
        .or_else(|| value.strip_prefix(b"basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim_ascii()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
    let user: &[u8] = if user.is_empty() { b"default" } else { user };
    auth::credentials_ok(state, user, password)
}
