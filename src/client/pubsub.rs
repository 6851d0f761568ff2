//! [`Subscriber`]: a connection in subscribed mode, read as a stream of [`Message`]s.
//!
//! After `SUBSCRIBE` the conversation turns around: the server sends a message whenever someone
//! publishes, and the client mostly listens. On the wire every push is an array whose first
//! element says what it is:
//!
//! ```text
//! *3 $9 subscribe  $4 news $1 :1          confirmation: now listening to 1 channel
//! *3 $7 message    $4 news $5 hello       a message on channel "news"
//! *4 $8 pmessage   $2 n* $4 news $5 hello a message on "news", matched by pattern "n*"
//! ```
//!
//! Confirmations are per channel, in order, and a message for a channel we already listen to
//! can arrive before the confirmation of a new one; such a message is kept, not dropped.
//!
//! Redis counterpart: the subscribed mode of `redis-cli` and of client libraries (redis-rs's
//! `PubSub`).

use std::collections::VecDeque;
use std::io;
use std::mem::take;
use std::net::ToSocketAddrs;
use std::time::Duration;

use crate::client::connection::Connection;
use crate::resp::decode::Reply;

/// One published message, as a subscriber receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The channel it was published to.
    pub channel: Vec<u8>,
    /// The pattern that matched the channel, for a `PSUBSCRIBE` subscription.
    pub pattern: Option<Vec<u8>>,
    pub payload: Vec<u8>,
}

/// A connection that only listens. Subscribed mode allows no ordinary commands, which is why a
/// program that also publishes (like `reactor-cli chat`) needs a second [`Connection`].
#[derive(Debug)]
pub struct Subscriber {
    connection: Connection,
    /// Messages that arrived while `subscribe` waited for its confirmations.
    early: VecDeque<Message>,
}

/// What a pushed reply is.
enum Push {
    Message(Message),
    /// `subscribe`/`psubscribe`/`unsubscribe`/`punsubscribe` confirmation: kind, name.
    Confirmation(Vec<u8>, Option<Vec<u8>>),
    /// `pong` (a `PING` in subscribed mode answers this way); nothing to deliver.
    Pong,
}

impl Subscriber {
    /// Connect; `timeout` bounds the connect and every read and write, as for
    /// [`Connection::connect`]. For waiting on messages, [`Subscriber::set_read_timeout`] is
    /// usually what you want to set next.
    pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<Subscriber> {
        Ok(Subscriber::from_connection(Connection::connect(
            addr, timeout,
        )?))
    }

    /// Use a connection that is already set up (after `AUTH`, say) for listening.
    pub fn from_connection(connection: Connection) -> Subscriber {
        Subscriber {
            connection,
            early: VecDeque::new(),
        }
    }

    /// How long [`Subscriber::next_message`] waits; `None` waits forever.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.connection.set_read_timeout(timeout)
    }

    /// Listen to `channels`; returns once the server has confirmed every one, so a message
    /// published after this returns is delivered.
    pub fn subscribe(&mut self, channels: &[&[u8]]) -> io::Result<()> {
        self.listen(b"SUBSCRIBE", b"subscribe", channels)
    }

    /// Listen to every channel matching one of the glob `patterns` (`news.*`, `h?llo`).
    pub fn psubscribe(&mut self, patterns: &[&[u8]]) -> io::Result<()> {
        self.listen(b"PSUBSCRIBE", b"psubscribe", patterns)
    }

    /// Wait for the next message. A timeout is `Err` with [`crate::client::is_timeout`] true, and loses
    /// nothing: a message half-received when the time ran out is completed by the next call.
    pub fn next_message(&mut self) -> io::Result<Message> {
        if let Some(message) = self.early.pop_front() {
            return Ok(message);
        }
        loop {
            match classify(self.connection.read_reply()?)? {
                Push::Message(message) => return Ok(message),
                // A late confirmation (of a subscribe whose wait timed out) or a pong.
                Push::Confirmation(..) | Push::Pong => continue,
            }
        }
    }

    fn listen(&mut self, command: &[u8], kind: &[u8], names: &[&[u8]]) -> io::Result<()> {
        if names.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "name at least one channel or pattern",
            ));
        }
        let mut args = Vec::with_capacity(names.len() + 1);
        args.push(command);
        args.extend_from_slice(names);
        self.connection.send(&args)?;
        for &name in names {
            loop {
                match classify(self.connection.read_reply()?)? {
                    Push::Message(message) => self.early.push_back(message),
                    Push::Confirmation(k, Some(n)) if k == kind && n == name => break,
                    Push::Confirmation(..) | Push::Pong => continue,
                }
            }
        }
        Ok(())
    }
}

/// Sort a reply received in subscribed mode. An error reply becomes an `Err` (of kind
/// `Other`, the connection stays usable); anything that is not a pub/sub push means we are
/// not talking to what we think, and is `InvalidData`.
fn classify(reply: Reply) -> io::Result<Push> {
    let unexpected = |reply: &Reply| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected reply in subscribed mode: {reply:?}"),
        )
    };
    let mut items = match reply {
        Reply::Array(items) => items,
        Reply::Error(text) => return Err(io::Error::other(String::from_utf8_lossy(&text))),
        other => return Err(unexpected(&other)),
    };
    // Take the byte vectors out of the reply rather than copying them (payloads can be big).
    let push = match items.as_mut_slice() {
        [
            Reply::Bulk(kind),
            Reply::Bulk(channel),
            Reply::Bulk(payload),
        ] if kind == b"message" => Push::Message(Message {
            channel: take(channel),
            pattern: None,
            payload: take(payload),
        }),
        [
            Reply::Bulk(kind),
            Reply::Bulk(pattern),
            Reply::Bulk(channel),
            Reply::Bulk(payload),
        ] if kind == b"pmessage" => Push::Message(Message {
            channel: take(channel),
            pattern: Some(take(pattern)),
            payload: take(payload),
        }),
        [Reply::Bulk(kind), name, Reply::Integer(_)] if is_confirmation(kind) => match name {
            Reply::Bulk(name) => Push::Confirmation(take(kind), Some(take(name))),
            // `UNSUBSCRIBE` with nothing subscribed names no channel.
            _ => Push::Confirmation(take(kind), None),
        },
        [Reply::Bulk(kind), Reply::Bulk(_)] if kind == b"pong" => Push::Pong,
        _ => return Err(unexpected(&Reply::Array(items))),
    };
    Ok(push)
}

fn is_confirmation(kind: &[u8]) -> bool {
    matches!(
        kind,
        b"subscribe" | b"psubscribe" | b"unsubscribe" | b"punsubscribe"
    )
}
