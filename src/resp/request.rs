//! The resumable request parser: bytes in, whole requests out, never a byte examined twice.
//!
//! Chapters: [docs/04-parsing-resp.md](../../docs/04-parsing-resp.md), and for the limits
//! [docs/14-limits-faults-fuzzing.md](../../docs/14-limits-faults-fuzzing.md).
//!
//! TCP delivers a byte stream, not messages: one read may hold half a request, or forty. The
//! parser is therefore fed "every unconsumed byte so far" and answers either *here is a whole
//! request, and it used `n` bytes* or *incomplete, call me again when more bytes arrive*. Two
//! promises make that cheap:
//!
//! - **Resumable.** While a request is incomplete the parser remembers where it stopped (which
//!   header it is in, how many arguments it has, how far it already scanned for a line end), so
//!   an 8 MiB `SET` arriving in 1 KiB pieces costs linear time, not quadratic. The
//!   [`RequestParser::bytes_examined`] counter lets a test prove it.
//! - **Zero-copy.** Multibulk arguments are byte ranges into the caller's buffer; a
//!   [`Request`] hands them out as slices. Inline arguments need unescaping, so they are copied
//!   once into a buffer the parser keeps and reuses. Nothing is allocated per request once the
//!   parser's two small vectors have grown.
//!
//! Two request forms exist, chosen by the first byte (as in Redis's `processInputBuffer`):
//!
//! ```text
//! *2\r\n$3\r\nGET\r\n$1\r\nk\r\n     multibulk: what client libraries send
//! GET k\r\n                          inline: what a person types into nc (see `inline`)
//! ```
//!
//! Every size a peer declares is checked against a limit *before* anything is allocated from it,
//! and every error is one of Redis 7.0's protocol errors, after which the connection must close.
//! Redis counterparts: `processMultibulkBuffer` and `processInlineBuffer` in `networking.c`.

use std::ops::Range;

use crate::resp::inline::{SplitError, split_inline};
use crate::resp::number::parse_i64;

/// The longest inline request, and the longest `*N` / `$N` header line (Redis's
/// `PROTO_INLINE_MAX_SIZE`, 64 KiB).
pub const INLINE_MAX: usize = 64 * 1024;
/// The most arguments one multibulk request may declare: 1024*1024, Redis 6's limit. (Redis
/// 7.0 allows up to `INT_MAX`; a smaller cap bounds what a peer can make us track.)
pub const MULTIBULK_MAX: i64 = 1024 * 1024;
/// Default for `proto-max-bulk-len`: the largest single argument, 512 MiB.
pub const DEFAULT_MAX_BULK_LEN: i64 = 512 * 1024 * 1024;
/// However many arguments a peer declares, at most this many slots are reserved up front; the
/// rest grow as arguments actually arrive, so `*1048576\r\n` alone allocates almost nothing.
const ARGS_PREALLOC_MAX: usize = 1024;

/// Before a client has authenticated (when a password is set), Redis allows at most this many
/// arguments per request...
pub const UNAUTHENTICATED_MULTIBULK_MAX: i64 = 10;
/// ...and arguments of at most this many bytes, so an anonymous peer cannot make the server
/// reserve large buffers.
pub const UNAUTHENTICATED_BULK_MAX: i64 = 16 * 1024;

/// The limits the parser enforces (see `Config` for the flags that set them).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest bulk argument in bytes (`proto-max-bulk-len`).
    pub max_bulk_len: i64,
    /// Largest multibulk argument count.
    pub max_multibulk: i64,
    /// The client must still authenticate: apply Redis's tighter unauthenticated limits.
    pub unauthenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_multibulk: MULTIBULK_MAX,
            unauthenticated: false,
        }
    }
}

/// A protocol violation. The connection gets `-ERR Protocol error: ...` and is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    TooBigInline,
    TooBigMultibulkCount,
    TooBigBulkCount,
    InvalidMultibulkLength,
    InvalidBulkLength,
    UnauthenticatedMultibulkLength,
    UnauthenticatedBulkLength,
    /// The byte found where a `$` should start a bulk header.
    ExpectedDollar(u8),
    UnbalancedQuotes,
}

impl ProtocolError {
    /// Append Redis 7.0's exact error reply for this violation.
    pub fn write_reply(&self, out: &mut Vec<u8>) {
        let text: &[u8] = match self {
            ProtocolError::TooBigInline => b"too big inline request",
            ProtocolError::TooBigMultibulkCount => b"too big mbulk count string",
            ProtocolError::TooBigBulkCount => b"too big bulk count string",
            ProtocolError::InvalidMultibulkLength => b"invalid multibulk length",
            ProtocolError::InvalidBulkLength => b"invalid bulk length",
            ProtocolError::UnbalancedQuotes => b"unbalanced quotes in request",
            ProtocolError::UnauthenticatedMultibulkLength => b"unauthenticated multibulk length",
            ProtocolError::UnauthenticatedBulkLength => b"unauthenticated bulk length",
            ProtocolError::ExpectedDollar(got) => {
                out.extend_from_slice(b"-ERR Protocol error: expected '$', got '");
                out.push(*got);
                out.extend_from_slice(b"'\r\n");
                return;
            }
        };
        out.extend_from_slice(b"-ERR Protocol error: ");
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    }
}

/// What one call to [`RequestParser::parse`] found.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// A whole request; it used the first `consumed` bytes of the input.
    Request {
        request: Request<'a>,
        consumed: usize,
    },
    /// A request with no arguments (an empty inline line, `*0`, `*-1`): Redis sends no reply.
    Empty { consumed: usize },
    /// Not enough bytes yet. Call again with the same bytes plus whatever arrives next.
    Incomplete,
}

/// Where the parser stopped inside an incomplete request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Between requests: the next byte decides multibulk or inline.
    #[default]
    Start,
    /// Inside a multibulk request, `remaining` arguments still to read, next one at `at`.
    Args { remaining: usize, at: usize },
    /// A `$len` header was read; the argument's bytes are `data`, followed by two bytes of CRLF.
    Bulk {
        remaining: usize,
        data: usize,
        len: usize,
    },
}

/// One request: its arguments, borrowed from the input buffer (or from the parser, for inline).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    bytes: &'a [u8],
    ranges: &'a [Range<usize>],
}

impl<'a> Request<'a> {
    /// Number of arguments, the command name included. Never 0.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Always false: requests without arguments are reported as [`Parsed::Empty`].
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i` (0 is the command name); an empty slice past the end.
    pub fn arg(&self, i: usize) -> &'a [u8] {
        self.ranges
            .get(i)
            .and_then(|r| self.bytes.get(r.clone()))
            .unwrap_or_default()
    }

    /// A request over arguments kept elsewhere: `ranges` index `bytes` (a script's
    /// `redis.call` builds its command this way, without a parser).
    pub fn from_parts(bytes: &'a [u8], ranges: &'a [Range<usize>]) -> Request<'a> {
        Request { bytes, ranges }
    }

    /// A copy that owns its bytes, for a request that must outlive the input buffer (a
    /// blocked command, run again when its key is ready).
    pub fn to_owned(&self) -> OwnedRequest {
        let mut bytes = Vec::with_capacity(self.args().map(<[u8]>::len).sum());
        let mut ranges = Vec::with_capacity(self.len());
        for arg in self.args() {
            let start = bytes.len();
            bytes.extend_from_slice(arg);
            ranges.push(start..bytes.len());
        }
        OwnedRequest {
            bytes: bytes.into_boxed_slice(),
            ranges: ranges.into_boxed_slice(),
        }
    }

    /// All arguments in order.
    pub fn args(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let bytes = self.bytes;
        self.ranges
            .iter()
            .map(move |r| bytes.get(r.clone()).unwrap_or_default())
    }
}

/// A [`Request`] that owns its bytes: one allocation for the arguments, one for their ranges.
#[derive(Debug, Clone)]
pub struct OwnedRequest {
    bytes: Box<[u8]>,
    ranges: Box<[Range<usize>]>,
}

impl OwnedRequest {
    pub fn as_request(&self) -> Request<'_> {
        Request {
            bytes: &self.bytes,
            ranges: &self.ranges,
        }
    }

    /// Heap bytes held (for memory accounting).
    pub fn heap_size(&self) -> usize {
        self.bytes.len() + self.ranges.len() * std::mem::size_of::<Range<usize>>()
    }
}

/// A resumable parser for one connection's request stream. Keep one per connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    state: State,
    /// How far the search for the current line's end has already looked (relative to the input
    /// start), so a header arriving byte by byte is not rescanned.
    scanned: usize,
    /// Argument ranges of the request being parsed.
    args: Vec<Range<usize>>,
    /// Unescaped inline arguments live here (inline quoting means they are not input slices).
    inline: Vec<u8>,
    bytes_examined: u64,
    /// The inline line being read has a NUL byte before its end. Redis looks for the end with
    /// C's `strchr`, which stops at a NUL: such a line never ends, the client waits until
    /// its line passes `INLINE_MAX` and is then refused. So does this parser.
    nul_in_line: bool,
}

impl RequestParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Total bytes this parser has looked at (searching for line ends, reading headers). Payload
    /// bytes of bulk arguments are skipped by length, not examined. Used to prove linearity.
    pub fn bytes_examined(&self) -> u64 {
        self.bytes_examined
    }

    /// Bytes of memory the parser holds for argument bookkeeping (argument slots plus the
    /// inline buffer): bounded whatever count a peer declares.
    pub fn reserved_bytes(&self) -> usize {
        self.args.capacity() * std::mem::size_of::<Range<usize>>() + self.inline.capacity()
    }

    /// True while a request is partly parsed (the connection is mid-request).
    pub fn in_progress(&self) -> bool {
        self.state != State::Start || self.scanned > 0
    }

    /// Parse the next request from `input`, which must start at the first byte not yet consumed
    /// and contain every unconsumed byte received so far. After `Request` or `Empty` the caller
    /// drops `consumed` bytes from the front; after `Incomplete` it keeps them all and calls again
    /// once more bytes have been appended.
    pub fn parse<'a>(
        &'a mut self,
        input: &'a [u8],
        limits: &Limits,
    ) -> Result<Parsed<'a>, ProtocolError> {
        if self.state == State::Start
            && self.scanned == 0
            && self.args.capacity() > 4 * ARGS_PREALLOC_MAX
        {
            // A huge request is over: give back its argument slots, so a connection that once
            // sent a million arguments does not hold their bookkeeping for the rest of its life.
            self.args = Vec::with_capacity(ARGS_PREALLOC_MAX);
        }
        if self.state == State::Start && self.scanned == 0 && self.inline.capacity() > 16 * 1024 {
            // Likewise the unescaping buffer after a long inline line.
            self.inline = Vec::new();
        }
        let result = self.advance(input, limits);
        if !matches!(result, Ok(Step::Incomplete)) {
            // A request finished (or the stream is dead): the next one starts from scratch.
            self.state = State::Start;
            self.scanned = 0;
        }
        match result? {
            Step::Incomplete => Ok(Parsed::Incomplete),
            Step::Empty(consumed) => Ok(Parsed::Empty { consumed }),
            Step::Multibulk(consumed) => Ok(Parsed::Request {
                request: Request {
                    bytes: input,
                    ranges: &self.args,
                },
                consumed,
            }),
            Step::Inline(consumed) => Ok(Parsed::Request {
                request: Request {
                    bytes: &self.inline,
                    ranges: &self.args,
                },
                consumed,
            }),
        }
    }

    fn advance(&mut self, input: &[u8], limits: &Limits) -> Result<Step, ProtocolError> {
        loop {
            match self.state {
                // Step 1, a request's first byte: `*` starts a multibulk header (`*<count>`,
                // bounded before anything is reserved), anything else an inline line.
                State::Start => match input.first() {
                    None => return Ok(Step::Incomplete),
                    Some(b'*') => {
                        let Some(eol) =
                            self.find_cr(input, 0, ProtocolError::TooBigMultibulkCount)?
                        else {
                            return Ok(Step::Incomplete);
                        };
                        let count = parse_i64(&input[1..eol])
                            .filter(|&n| n <= limits.max_multibulk)
                            .ok_or(ProtocolError::InvalidMultibulkLength)?;
                        if limits.unauthenticated && count > UNAUTHENTICATED_MULTIBULK_MAX {
                            return Err(ProtocolError::UnauthenticatedMultibulkLength);
                        }
                        if count <= 0 {
                            return Ok(Step::Empty(eol + 2));
                        }
                        // `count` is at most max_multibulk, so it fits in usize.
                        let count = count as usize;
                        self.args.clear();
                        self.args.reserve(count.min(ARGS_PREALLOC_MAX));
                        self.scanned = 0;
                        self.state = State::Args {
                            remaining: count,
                            at: eol + 2,
                        };
                    }
                    Some(_) => return self.inline(input),
                },
                // Step 2, each argument's header: `$<len>`, bounded before its bytes are
                // awaited.
                State::Args { remaining, at } => {
                    let Some(&first) = input.get(at) else {
                        return Ok(Step::Incomplete);
                    };
                    let Some(eol) = self.find_cr(input, at, ProtocolError::TooBigBulkCount)? else {
                        return Ok(Step::Incomplete);
                    };
                    if first != b'$' {
                        return Err(ProtocolError::ExpectedDollar(first));
                    }
                    let len = parse_i64(&input[at + 1..eol])
                        .filter(|&n| n >= 0 && n <= limits.max_bulk_len)
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if limits.unauthenticated && len > UNAUTHENTICATED_BULK_MAX {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    self.scanned = 0;
                    self.state = State::Bulk {
                        remaining,
                        data: eol + 2,
                        // Bounded by max_bulk_len, which fits in usize on 64-bit targets.
                        len: usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?,
                    };
                }
                State::Bulk {
                    remaining,
                    data,
                    len,
                } => {
                    // Step 3, each argument's bytes, and the request when it is the last.
                    // The payload is not examined, only counted: it may contain any bytes.
                    // Like Redis, the two bytes after it are skipped, not checked for CRLF.
                    let end = data
                        .checked_add(len)
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    let next = end.checked_add(2).ok_or(ProtocolError::InvalidBulkLength)?;
                    if input.len() < next {
                        return Ok(Step::Incomplete);
                    }
                    self.args.push(data..end);
                    if remaining == 1 {
                        return Ok(Step::Multibulk(next));
                    }
                    self.state = State::Args {
                        remaining: remaining - 1,
                        at: next,
                    };
                }
            }
        }
    }

    /// Find the `\r` ending the header line that starts at `from`, and require the byte after it
    /// to have arrived too. Resumes the search where the previous call stopped.
    fn find_cr(
        &mut self,
        input: &[u8],
        from: usize,
        too_big: ProtocolError,
    ) -> Result<Option<usize>, ProtocolError> {
        let start = self.scanned.max(from);
        let tail = input.get(start..).unwrap_or_default();
        match tail.iter().position(|&b| b == b'\r') {
            Some(offset) => {
                self.bytes_examined += offset as u64 + 1;
                // A found line end is not length-checked (Redis does not either): an over-long
                // number then fails to parse, which is the error Redis sends.
                let eol = start + offset;
                // Keep `scanned` at the CR so the next call finds it at once.
                self.scanned = eol;
                if eol + 1 >= input.len() {
                    return Ok(None);
                }
                Ok(Some(eol))
            }
            None => {
                self.bytes_examined += tail.len() as u64;
                self.scanned = input.len();
                if input.len() - from > INLINE_MAX {
                    return Err(too_big);
                }
                Ok(None)
            }
        }
    }

    /// An inline request: one line, split with Redis's quoting rules.
    fn inline(&mut self, input: &[u8]) -> Result<Step, ProtocolError> {
        let start = self.scanned;
        let tail = input.get(start..).unwrap_or_default();
        let end = if self.nul_in_line {
            None
        } else {
            tail.iter().position(|&b| b == b'\n' || b == 0)
        };
        let Some(offset) = end.filter(|&at| tail[at] == b'\n') else {
            self.nul_in_line |= end.is_some();
            self.bytes_examined += tail.len() as u64;
            self.scanned = input.len();
            if input.len() > INLINE_MAX {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(Step::Incomplete);
        };
        self.bytes_examined += offset as u64 + 1;
        let newline = start + offset;
        if newline > INLINE_MAX {
            return Err(ProtocolError::TooBigInline);
        }
        // The splitter treats a trailing '\r' as whitespace, so "PING\r\n" and "PING\n" agree.
        split_inline(&input[..newline], &mut self.inline, &mut self.args)
            .map_err(|SplitError::UnbalancedQuotes| ProtocolError::UnbalancedQuotes)?;
        if self.args.is_empty() {
            Ok(Step::Empty(newline + 1))
        } else {
            Ok(Step::Inline(newline + 1))
        }
    }
}

/// The outcome of `advance`, before it is turned into a [`Parsed`] that borrows the parser.
enum Step {
    Incomplete,
    Empty(usize),
    Multibulk(usize),
    Inline(usize),
}
