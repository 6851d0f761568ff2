//! The wire format: RESP2 requests in, RESP2 replies out. Knows bytes, never sockets or commands.
//!
//! Chapter: [docs/04-parsing-resp.md](../../docs/04-parsing-resp.md).
//!
//! - [`request`]: the resumable request parser (multibulk and inline), with every limit.
//! - [`inline`]: the inline splitter, Redis's quoting rules for what people type into `nc`.
//! - [`reply`]: the reply encoder, writing straight into a connection's output buffer.
//! - [`decode`]: the reply decoder, for clients.
//! - [`number`]: Redis's strict integer syntax, shared by the parser and the commands.

pub mod decode;
pub mod inline;
pub mod number;
pub mod reply;
pub mod request;

pub use request::{Limits, OwnedRequest, Parsed, ProtocolError, Request, RequestParser};
