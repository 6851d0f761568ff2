//! Chat rooms for `nc`, on the reactor's event loop: a handler that writes to *other*
//! connections.
//!
//! **The concept.** `examples/echo.rs` answers each client on its own connection. A chat server
//! must also deliver one client's line to everyone else in the room, which is what Redis's
//! PUBLISH does too. On the event loop that needs no threads and no locks: the handler owns the
//! room table outright, appends the line to each member's output buffer through
//! [`Ctx::send`], and the loop writes every buffer it touched before it sleeps. The
//! interesting parts are the ones a blocking design never has to think about:
//!
//! - *Slow consumers.* Appending to a member's buffer never blocks, so a member who stops
//!   reading (a suspended laptop, `nc` paused with Ctrl-Z) would let its buffer grow without
//!   end. Every member is in the loop's `Pubsub` output class, whose hard limit here is
//!   [`MAX_PENDING_OUTPUT`]: past it the loop itself cuts the member off (the same mechanism
//!   that cuts off a Redis subscriber), [`Ctx::send`] says so, and the room is told.
//! - *Bounded input.* The loop keeps whatever `data` did not consume, so a client that never
//!   sends a newline would grow its buffer without end too. Lines past [`MAX_LINE`] get an error,
//!   and a client with [`MAX_UNTERMINATED`] bytes and no newline is disconnected.
//! - *Departures.* A connection can end at any moment: `/quit`, Ctrl-C in `nc`, a reset, the
//!   slow-consumer rule. The loop calls [`Handler::closed`] exactly once for each, and that one
//!   place takes the member out of its room and tells the others.
//!
//! **On the road** blocking → threads → reactor, this is the last stop among the examples, and
//! the same shape as the Redis server's pub/sub (`src/server/commands/pubsub.rs`).
//!
//! **Run it** with `cargo run --example chat` (or `-- --port N`; 0 picks a free port), then, in
//! two or more terminals:
//!
//! ```text
//! nc 127.0.0.1 7003
//! ```
//!
//! **Try:** open two `nc` sessions and talk. `/nick ada` in one; `/join rust` in both; `/who`.
//! Then the slow consumer: suspend one `nc` with Ctrl-Z, and flood the lobby from a third
//! terminal with `yes hello | nc 127.0.0.1 7003`. First the kernel's socket buffers between us
//! and the suspended `nc` fill up (a few MiB on loopback), then its output in the server grows
//! past [`MAX_PENDING_OUTPUT`], and the room reads `* guest-1 was disconnected (too slow)`.
//!
//! ```text
//! /nick NAME   change your nick
//! /join ROOM   leave your room for ROOM (created on first join)
//! /who         list the nicks in your room
//! /quit        leave
//! /help        list the commands
//! ```
//!
//! Every other line goes to everyone else in your room as `[room] nick: text`. Lines from the
//! server start with `*` (news) or `!` (an error in what you typed).

mod common;

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};

use reactor::reactor::{
    ConnId, Ctx, Current, Delivery, EventLoop, Handler, Options, Origin, OutputClass, OutputLimit,
    OutputLimits,
};

use common::{announce, port_arg};

const DEFAULT_PORT: u16 = 7003;
/// The room everyone starts in.
const DEFAULT_ROOM: &str = "lobby";
/// Longest chat line, in bytes; longer lines are refused with an error.
const MAX_LINE: usize = 1024;
/// Bytes without a newline after which a client is disconnected: it is not typing a line, it
/// is filling our memory.
const MAX_UNTERMINATED: usize = 16 * 1024;
/// Unread output past which a member is disconnected as a slow consumer: the hard limit of the
/// loop's `Pubsub` output class here (Redis's `client-output-buffer-limit pubsub`).
const MAX_PENDING_OUTPUT: usize = 1024 * 1024;
/// Longest nick or room name.
const MAX_NAME: usize = 32;

const HELP: &str = "\
* /nick NAME   change your nick
* /join ROOM   leave your room for ROOM (created on first join)
* /who         list the nicks in your room
* /quit        leave
* /help        this list
* anything else is said to your room
";

/// The handler: every room and every nick in use. It is the only owner of this state (one
/// thread), so nothing here is behind a lock.
#[derive(Default)]
struct Chat {
    /// Room name → its members, in order of arrival. A room exists while someone is in it.
    rooms: HashMap<String, Vec<ConnId>>,
    /// Nicks in use, so that two members never share one.
    nicks: HashSet<String>,
    /// Guests numbered so far (`guest-1`, `guest-2`, ...).
    guests: u64,
}

/// One connection's session: who it is and where.
struct Member {
    nick: String,
    room: String,
    /// Set when the server cuts this member off, so the departure notice can say why.
    cut_off: Option<&'static str>,
}

impl Handler for Chat {
    type Session = Member;

    fn open(&mut self, ctx: &mut Ctx<'_, Member>, id: ConnId, _: SocketAddr, _: Origin) -> Member {
        // Everyone starts as a guest with a fresh number (skipping any a member has taken with
        // /nick), in the lobby.
        let nick = loop {
            self.guests += 1;
            let nick = format!("guest-{}", self.guests);
            if !self.nicks.contains(&nick) {
                break nick;
            }
        };
        self.nicks.insert(nick.clone());
        // Lines from other members reach this connection as a subscriber's messages do, so
        // it is subject to the same output limit.
        ctx.set_output_class(id, OutputClass::Pubsub);
        // The session does not exist yet, so the greeting goes through `ctx` like any
        // other connection's output.
        let greeting =
            format!("* welcome, {nick}: you are in [{DEFAULT_ROOM}]; /help lists commands\n");
        ctx.send(id, greeting.as_bytes());
        let room = DEFAULT_ROOM.to_string();
        self.enter(ctx, id, &nick, &room);
        Member {
            nick,
            room,
            cut_off: None,
        }
    }

    fn data(
        &mut self,
        ctx: &mut Ctx<'_, Member>,
        mut conn: Current<'_, Member>,
        input: &[u8],
    ) -> usize {
        // Handle every complete line now: the loop calls `data` again only when more bytes
        // arrive, so a line left unconsumed here would wait for the member's next keystroke.
        // What follows the last newline is a line still being typed; the loop keeps it and
        // hands it back with those next bytes.
        let mut consumed = 0;
        while let Some(len) = input[consumed..].iter().position(|&b| b == b'\n') {
            let line = &input[consumed..consumed + len];
            consumed += len + 1;
            // `nc -C` and telnet end lines with \r\n.
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > MAX_LINE {
                say(conn.out, &format!("! line too long (max {MAX_LINE} bytes)"));
                continue;
            }
            // Peer bytes are not trusted to be UTF-8: undecodable bytes become U+FFFD.
            let line = String::from_utf8_lossy(line);
            if !self.line(ctx, &mut conn, &line) {
                // The member is leaving: whatever else it sent is of no interest.
                return input.len();
            }
        }
        if input.len() - consumed > MAX_UNTERMINATED {
            say(
                conn.out,
                &format!("! no newline in {MAX_UNTERMINATED} bytes; goodbye"),
            );
            conn.session.cut_off = Some("line too long");
            // `close` (not `abort`): the goodbye above is still written, then it closes.
            ctx.close(conn.id);
            return input.len();
        }
        consumed
    }

    fn closed(&mut self, ctx: &mut Ctx<'_, Member>, id: ConnId, member: Member) {
        // Every way out ends here exactly once (/quit, the peer closing or resetting, a cut
        // off), after the connection is gone: the loop reaps at the end of a tick, never in the
        // middle of a handler call.
        self.nicks.remove(&member.nick);
        let notice = match member.cut_off {
            Some(reason) => format!("* {} was disconnected ({reason})", member.nick),
            None => format!("* {} left", member.nick),
        };
        self.leave(ctx, id, &member.room, &notice);
    }
}

impl Chat {
    /// Act on one line from the current member. Returns false once the member is leaving.
    fn line(
        &mut self,
        ctx: &mut Ctx<'_, Member>,
        conn: &mut Current<'_, Member>,
        line: &str,
    ) -> bool {
        if line.trim().is_empty() {
            return true; // someone pressed Enter: nothing to say
        }
        if !line.starts_with('/') {
            // Control characters are dropped: a line is printed raw on other members'
            // terminals, and escape sequences could clear or rewrite their screens.
            let text: String = line.chars().filter(|c| !c.is_control()).collect();
            let message = format!("{}: {text}", conn.session.nick);
            self.broadcast(ctx, &conn.session.room, conn.id, &message);
            return true;
        }
        let (command, argument) = line.split_once(' ').unwrap_or((line, ""));
        let argument = argument.trim();
        match command {
            "/help" => conn.out.extend_from_slice(HELP.as_bytes()),
            "/quit" => {
                say(conn.out, "* bye");
                // Close once "bye" is written; `closed` will tell the room.
                ctx.close(conn.id);
                return false;
            }
            "/who" => {
                let mut nicks = Vec::new();
                for &id in self.rooms.get(&conn.session.room).into_iter().flatten() {
                    if id == conn.id {
                        // The current member's session is lent to us as `conn`; the loop
                        // does not reach it through `ctx`.
                        nicks.push(conn.session.nick.clone());
                    } else if let Some(member) = ctx.session_mut(id) {
                        nicks.push(member.nick.clone());
                    }
                }
                nicks.sort();
                let room = &conn.session.room;
                say(conn.out, &format!("* in [{room}]: {}", nicks.join(", ")));
            }
            "/nick" => {
                if !valid_name(argument) {
                    say(conn.out, &format!("! usage: /nick NAME ({NAME_RULE})"));
                } else if self.nicks.contains(argument) {
                    say(conn.out, &format!("! {argument} is taken"));
                } else {
                    let old = std::mem::replace(&mut conn.session.nick, argument.to_string());
                    self.nicks.remove(&old);
                    self.nicks.insert(argument.to_string());
                    say(conn.out, &format!("* you are now {argument}"));
                    let notice = format!("* {old} is now {argument}");
                    self.broadcast(ctx, &conn.session.room, conn.id, &notice);
                }
            }
            "/join" => {
                if !valid_name(argument) {
                    say(conn.out, &format!("! usage: /join ROOM ({NAME_RULE})"));
                } else if argument == conn.session.room {
                    say(conn.out, &format!("* you are already in [{argument}]"));
                } else {
                    let notice = format!("* {} left", conn.session.nick);
                    self.leave(ctx, conn.id, &conn.session.room, &notice);
                    conn.session.room = argument.to_string();
                    say(conn.out, &format!("* you are now in [{argument}]"));
                    self.enter(ctx, conn.id, &conn.session.nick, argument);
                }
            }
            _ => say(conn.out, &format!("! unknown command {command}; try /help")),
        }
        true
    }

    /// Add `id` to `room` (creating it) and tell the members already there.
    fn enter(&mut self, ctx: &mut Ctx<'_, Member>, id: ConnId, nick: &str, room: &str) {
        self.broadcast(ctx, room, id, &format!("* {nick} joined"));
        self.rooms.entry(room.to_string()).or_default().push(id);
    }

    /// Take `id` out of `room` (forgetting the room once empty) and tell those who remain.
    fn leave(&mut self, ctx: &mut Ctx<'_, Member>, id: ConnId, room: &str, notice: &str) {
        if let Some(members) = self.rooms.get_mut(room) {
            members.retain(|&m| m != id);
            if members.is_empty() {
                self.rooms.remove(room);
            }
        }
        self.broadcast(ctx, room, id, notice);
    }

    /// Send `[room] text` to every member of `room` except `from`.
    fn broadcast(&self, ctx: &mut Ctx<'_, Member>, room: &str, from: ConnId, text: &str) {
        let line = format!("[{room}] {text}\n");
        for &id in self.rooms.get(room).into_iter().flatten() {
            if id != from {
                deliver(ctx, id, line.as_bytes());
            }
        }
    }
}

/// Append `line` to another member's output. Nothing is written yet: the loop writes every
/// touched connection once, just before it sleeps.
///
/// This never blocks, which is the point, and also the danger: if the member does not read,
/// its output only grows. The loop checks every such append against the member's output limit
/// and, past [`MAX_PENDING_OUTPUT`], cuts it off, dropping the unread output (nobody will read
/// it); it removes the connection at the end of the tick and then calls `closed`, which tells
/// the room why.
fn deliver(ctx: &mut Ctx<'_, Member>, id: ConnId, line: &[u8]) {
    if ctx.send(id, line) == Delivery::CutOff
        && let Some(member) = ctx.session_mut(id)
    {
        member.cut_off = Some("too slow");
    }
}

/// Append one line of text, with its newline, to an output buffer.
fn say(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
}

const NAME_RULE: &str = "1-32 letters, digits, - or _";

/// Whether `name` is a valid nick or room name (see [`NAME_RULE`]).
fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn main() -> std::io::Result<()> {
    let port = port_arg("chat", DEFAULT_PORT)?;
    let addr = (Ipv4Addr::LOCALHOST, port).into();
    let opts = Options {
        // The other half of bounding output: a member who keeps sending commands (/who, /help)
        // without reading the answers is simply not read from past 64 KiB of unread replies,
        // until it catches up (backpressure: the loop pauses reading; its kernel buffers fill;
        // its sends block). Lines from *other* members cannot be paused like that, hence the
        // output limit below.
        output_high_water: 64 * 1024,
        // Members are in the pubsub class (see `open`): cut off at MAX_PENDING_OUTPUT.
        output_limits: OutputLimits {
            pubsub: OutputLimit {
                hard: MAX_PENDING_OUTPUT,
                soft: 0,
                soft_secs: 0,
            },
            ..OutputLimits::default()
        },
        ..Options::default()
    };
    let mut server = EventLoop::bind(addr, Chat::default(), opts)?;
    let addr = server.local_addr();
    announce(addr)?;
    server.run()
}
