//! Pub/sub: channels, patterns, fan-out, and what to do about subscribers that stop reading.
//!
//! Chapters: [docs/10-pubsub-and-fan-out.md](../../../docs/10-pubsub-and-fan-out.md) (fan-out),
//! [docs/11-backpressure-and-slow-consumers.md](../../../docs/11-backpressure-and-slow-consumers.md)
//! (output limits).
//!
//! ```text
//! SUBSCRIBE ch [ch ...]       *3 subscribe ch :count      (one per channel)
//! PSUBSCRIBE pat [pat ...]    *3 psubscribe pat :count
//! UNSUBSCRIBE / PUNSUBSCRIBE [name ...]   (no names: all of them)
//! PUBLISH ch message          :receivers; subscribers get *3 message ch payload
//!                                         pattern subscribers *4 pmessage pat ch payload
//! PUBSUB CHANNELS [pat] | NUMSUB [ch ...] | NUMPAT | HELP
//! ```
//!
//! PUBLISH is where a single-threaded server earns its keep: one request fans out into many
//! connections' output buffers. The message is encoded **once** into a scratch buffer and then
//! copied to each subscriber's output; the loop writes each of them before it sleeps and asks for
//! WRITABLE only for those whose socket could not take it all.
//!
//! A subscriber that stops reading would make its output buffer grow without bound. A client
//! with a subscription is put in the loop's `Pubsub` output class, and every copy of a message
//! goes through [`Ctx::send`]: so, like Redis's `client-output-buffer-limit pubsub 32mb 8mb
//! 60`, the loop disconnects a subscriber whose unsent output passes the hard limit, or stays
//! above the soft limit for longer than its seconds, and logs it
//! ([`crate::reactor::output_limit`]). The publisher is never slowed down by it.
//!
//! A connection with at least one subscription is in *subscribed mode*: only (P)SUBSCRIBE,
//! (P)UNSUBSCRIBE, PING, QUIT and RESET are allowed (see `mod.rs`), and it is exempt from the
//! idle timeout.

use std::collections::{HashMap, HashSet};

use crate::reactor::{ConnId, Ctx, OutputClass};
use crate::resp::{Request, reply};

use crate::server::Session;
use crate::server::client::Client;
use crate::server::command::{Command, Exec};
use crate::server::glob::glob_match;

/// Who listens to what.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: HashMap<Box<[u8]>, Vec<ConnId>>,
    patterns: HashMap<Box<[u8]>, Vec<ConnId>>,
    /// A published message is encoded here once, then copied to every subscriber.
    scratch: Vec<u8>,
}

impl PubSub {
    /// Channels with at least one subscriber (`pubsub_channels` in INFO).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// The `n` channels with the most subscribers, most first (ties: by name), with their
    /// subscriber counts: a pass over the channels, and a sort of only the `n` kept.
    pub fn most_subscribed(&self, n: usize) -> Vec<(&[u8], usize)> {
        let mut all: Vec<(std::cmp::Reverse<usize>, &[u8])> = self
            .channels
            .iter()
            .map(|(name, subscribers)| (std::cmp::Reverse(subscribers.len()), &**name))
            .collect();
        if all.len() > n {
            all.select_nth_unstable(n);
            all.truncate(n);
        }
        all.sort_unstable();
        all.into_iter()
            .map(|(std::cmp::Reverse(count), name)| (name, count))
            .collect()
    }

    /// Patterns with at least one subscriber (`pubsub_patterns` in INFO).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Forget a connection that closed: remove it from every channel and pattern it had.
    pub fn remove_client(&mut self, id: ConnId, client: &Client) {
        for channel in &client.channels {
            unlink(&mut self.channels, channel, id);
        }
        for pattern in &client.patterns {
            unlink(&mut self.patterns, pattern, id);
        }
    }

    /// Deliver `message` on `channel` to every subscriber; returns how many received it.
    ///
    /// Each copy goes through [`Ctx::send`], so a subscriber that has stopped reading is cut
    /// off by the loop's output limit for its class (pubsub), not by anything here.
    pub fn publish(&mut self, ctx: &mut Ctx<'_, Session>, channel: &[u8], message: &[u8]) -> usize {
        let mut receivers = 0;
        if let Some(subscribers) = self.channels.get(channel) {
            self.scratch.clear();
            reply::array(&mut self.scratch, 3);
            reply::bulk(&mut self.scratch, b"message");
            reply::bulk(&mut self.scratch, channel);
            reply::bulk(&mut self.scratch, message);
            for &id in subscribers {
                receivers += 1;
                ctx.send(id, &self.scratch);
            }
        }
        for (pattern, subscribers) in &self.patterns {
            if !glob_match(pattern, channel, false) {
                continue;
            }
            self.scratch.clear();
            reply::array(&mut self.scratch, 4);
            reply::bulk(&mut self.scratch, b"pmessage");
            reply::bulk(&mut self.scratch, pattern);
            reply::bulk(&mut self.scratch, channel);
            reply::bulk(&mut self.scratch, message);
            for &id in subscribers {
                receivers += 1;
                ctx.send(id, &self.scratch);
            }
        }
        receivers
    }
}

fn unlink(map: &mut HashMap<Box<[u8]>, Vec<ConnId>>, name: &[u8], id: ConnId) {
    if let Some(subscribers) = map.get_mut(name) {
        subscribers.retain(|&s| s != id);
        if subscribers.is_empty() {
            map.remove(name);
        }
    }
}

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("subscribe", -2, &["pubsub", "noscript", "loading", "stale", "sentinel"], subscribe),
    Command::new("unsubscribe", -1, &["pubsub", "noscript", "loading", "stale", "sentinel"], unsubscribe),
    Command::new("psubscribe", -2, &["pubsub", "noscript", "loading", "stale", "sentinel"], psubscribe),
    Command::new("punsubscribe", -1, &["pubsub", "noscript", "loading", "stale", "sentinel"], punsubscribe),
    Command::new("publish", 3, &["pubsub", "loading", "stale", "fast", "may_replicate", "sentinel"], publish),
    Command::new("pubsub", -2, &[], pubsub).subcommands(PUBSUB),
    Command::new("reset", 1, &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], reset).acl(&["connection"]),
];

/// Channels and patterns are subscribed to, and left, in exactly the same way; only the
/// registry, the client's own set and the words in the replies differ: what a (P)SUBSCRIBE
/// targets.
#[derive(Debug, Clone, Copy)]
enum Target {
    Channel,
    Pattern,
}

impl Target {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Target::Channel => b"subscribe",
            Target::Pattern => b"psubscribe",
        }
    }

    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Target::Channel => b"unsubscribe",
            Target::Pattern => b"punsubscribe",
        }
    }

    /// Who listens to each name of this kind (server-wide).
    fn registry(self, pubsub: &mut PubSub) -> &mut HashMap<Box<[u8]>, Vec<ConnId>> {
        match self {
            Target::Channel => &mut pubsub.channels,
            Target::Pattern => &mut pubsub.patterns,
        }
    }

    /// The names of this kind one client listens to.
    fn names(self, client: &mut Client) -> &mut HashSet<Box<[u8]>> {
        match self {
            Target::Channel => &mut client.channels,
            Target::Pattern => &mut client.patterns,
        }
    }
}

/// `*3 word name :count`: the confirmation sent per (un)subscribed channel or pattern, `$-1`
/// in place of the name when there was nothing to leave.
fn confirm(exec: &mut Exec<'_, '_>, word: &[u8], name: Option<&[u8]>) {
    let count = exec.client.subscription_count();
    exec.array(3);
    exec.bulk(word);
    match name {
        Some(name) => exec.bulk(name),
        None => exec.null(),
    }
    exec.integer(count as i64);
}

/// A client with a subscription is in the pubsub class of output limits, as in Redis: the
/// loop cuts it off at `client-output-buffer-limit pubsub` if it stops reading.
fn set_output_class(exec: &mut Exec<'_, '_>) {
    let class = if exec.client.subscription_count() > 0 {
        OutputClass::Pubsub
    } else {
        OutputClass::Normal
    };
    exec.ctx.set_output_class(exec.id, class);
}

fn subscribe_to(exec: &mut Exec<'_, '_>, req: &Request<'_>, kind: Target) {
    for name in req.args().skip(1) {
        if kind.names(exec.client).insert(name.into()) {
            let subscribers = kind.registry(&mut exec.state.pubsub).entry(name.into());
            subscribers.or_default().push(exec.id);
        }
        confirm(exec, kind.subscribe_word(), Some(name));
    }
    set_output_class(exec);
}

fn unsubscribe_from(exec: &mut Exec<'_, '_>, req: &Request<'_>, kind: Target) {
    if req.len() == 1 {
        return unsubscribe_all(exec, kind, true);
    }
    for name in req.args().skip(1) {
        if kind.names(exec.client).remove(name) {
            unlink(kind.registry(&mut exec.state.pubsub), name, exec.id);
        }
        confirm(exec, kind.unsubscribe_word(), Some(name));
    }
    set_output_class(exec);
}

/// Leave every name of `kind`, confirming each if `notify` (in no particular order, as
/// Redis's dict iteration); with none, a single `*3 unsubscribe $-1 :count`.
fn unsubscribe_all(exec: &mut Exec<'_, '_>, kind: Target, notify: bool) {
    let names: Vec<Box<[u8]>> = kind.names(exec.client).iter().cloned().collect();
    if names.is_empty() && notify {
        confirm(exec, kind.unsubscribe_word(), None);
    }
    for name in names {
        kind.names(exec.client).remove(&name);
        unlink(kind.registry(&mut exec.state.pubsub), &name, exec.id);
        if notify {
            // Each confirmation carries the count after that removal, as Redis's do.
            confirm(exec, kind.unsubscribe_word(), Some(&name));
        }
    }
    set_output_class(exec);
}

fn subscribe(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    subscribe_to(exec, req, Target::Channel);
}

fn psubscribe(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    subscribe_to(exec, req, Target::Pattern);
}

fn unsubscribe(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    unsubscribe_from(exec, req, Target::Channel);
}

fn punsubscribe(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    unsubscribe_from(exec, req, Target::Pattern);
}

fn publish(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let receivers = exec.state.pubsub.publish(exec.ctx, req.arg(1), req.arg(2));
    exec.integer(receivers as i64);
}

fn pubsub(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("PUBSUB", PUBSUB, req);
}

#[rustfmt::skip]
const PUBSUB: &[Command] = &[
    Command::new("pubsub|channels", -2, &["pubsub", "loading", "stale"], pubsub_channels),
    Command::new("pubsub|numsub", -2, &["pubsub", "loading", "stale"], pubsub_numsub),
    Command::new("pubsub|numpat", 2, &["pubsub", "loading", "stale"], pubsub_numpat),
    Command::new("pubsub|help", 2, &["loading", "stale"], pubsub_help),
];

fn pubsub_channels(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 3 {
        // Redis's PUBSUB checks this itself, with its generic subcommand message.
        return exec.subcommand_syntax(req.arg(1), "PUBSUB");
    }
    let pattern = (req.len() == 3).then(|| req.arg(2));
    let names: Vec<Box<[u8]>> = exec
        .state
        .pubsub
        .channels
        .keys()
        .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
        .cloned()
        .collect();
    exec.array(names.len());
    for name in names {
        exec.bulk(&name);
    }
}

fn pubsub_numsub(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.array((req.len() - 2) * 2);
    for channel in req.args().skip(2) {
        let n = exec.state.pubsub.channels.get(channel).map_or(0, Vec::len);
        exec.bulk(channel);
        exec.integer(n as i64);
    }
}

fn pubsub_numpat(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let n = exec.state.pubsub.patterns.len();
    exec.integer(n as i64);
}

fn pubsub_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "pubsub",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
        ],
    );
}

/// RESET: leave every channel and pattern, forget the name, end any transaction and every
/// WATCH, select database 0, answer again after CLIENT REPLY OFF; reply `+RESET`.
fn reset(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    unsubscribe_all(exec, Target::Channel, false);
    unsubscribe_all(exec, Target::Pattern, false);
    exec.client.name = None;
    // Out of any transaction, watching nothing, answered again (Redis's
    // `clearClientConnectionState`).
    exec.client.multi = None;
    exec.state.unwatch_all(exec.client);
    exec.client.db = 0;
    exec.state.select(0);
    exec.client.replies = crate::server::client::Replies::On;
    exec.client.no_evict = false;
    set_output_class(exec);
    exec.simple("RESET");
}

/// Whether `command` may run in subscribed mode.
pub fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe" | "unsubscribe" | "psubscribe" | "punsubscribe" | "ping" | "quit" | "reset"
    )
}
