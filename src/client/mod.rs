//! The client side: a small blocking Redis client, shared by `reactor-cli`, the tests and the
//! benchmark.
//!
//! Chapter: [docs/13-the-client-side.md](../../docs/13-the-client-side.md).
//!
//! Everything the server chapters taught about byte streams holds from this side of the socket
//! too, and a client that forgets it hangs or loses data:
//!
//! - **A reply arrives in pieces, and several replies arrive in one read.** A [`Connection`]
//!   keeps one read buffer and one resumable [`ReplyParser`](crate::resp::decode::ReplyParser):
//!   bytes left over after one reply are the start of the next, and a half-received reply is
//!   kept, not re-read, when a read times out.
//! - **A pipelining client must read while it writes.** Written all at once, a long enough
//!   pipeline fills the server's receive buffer while the server's replies fill ours; the
//!   server stops reading (backpressure), we never start, and both wait forever.
//!   [`Connection::pipeline`] writes from a second thread while the caller's thread reads.
//! - **Pub/sub turns the conversation around.** After `SUBSCRIBE` the server speaks when it
//!   likes, so a [`Subscriber`] is a stream of [`Message`]s with a read timeout, not a
//!   request/reply pair.
//!
//! Blocking I/O is the right tool here, unlike in the server: a client talks to one server over
//! one or two sockets, so a thread that sleeps in `read` costs nothing and the code reads top to
//! bottom.
//!
//! [`format_reply`] prints replies the way `redis-cli` does, for `reactor-cli`.
//!
//! Redis counterparts: hiredis (`redisCommand`, `redisGetReply`, the reader in `read.c`) and
//! `redis-cli.c` (`cliFormatReplyTTY`, `cliFormatReplyRaw`).

mod connection;
mod format;
mod pubsub;
pub mod tls;

pub use crate::resp::decode::Reply;
pub use connection::{Connection, encode_command, is_timeout};
/// Redis's `sdscatrepr` quoting, shared with MONITOR's lines.
pub(crate) use format::write_quoted;
pub use format::{format_reply, write_reply};
pub use pubsub::{Message, Subscriber};
