//! The reply decoder: the client side of RESP2, for `reactor-cli`, `reactor-bench` and tests.
//!
//! Chapter: [docs/13-the-client-side.md](../../docs/13-the-client-side.md).
//!
//! It has the same two promises as the request parser, for the same reason (TCP is a byte
//! stream, and a reply may arrive in any number of pieces):
//!
//! - **Resumable.** [`ReplyParser::scan`] walks the reply structure with an explicit stack of
//!   "elements still owed" per open array, and remembers where it stopped. Bytes already
//!   walked are not walked again, so a large reply arriving in small pieces costs linear time.
//! - **Bounded.** Bulk lengths, array counts and nesting depth are checked before anything is
//!   reserved, so a hostile or broken server cannot make a client allocate from a count.
//!
//! [`ReplyParser::scan`] only finds where the first complete reply ends (a load generator
//! counting replies needs no more); [`ReplyParser::parse`] also builds a [`Reply`] value from
//! those bytes.

use crate::resp::number::parse_i64;

/// Largest bulk reply accepted (Redis's own `proto-max-bulk-len` default).
pub const MAX_BULK: i64 = 512 * 1024 * 1024;
/// Largest array count accepted.
pub const MAX_ARRAY: i64 = i32::MAX as i64;
/// Deepest array nesting accepted (Redis replies nest a few levels at most).
pub const MAX_DEPTH: usize = 128;
/// Elements reserved up front for an array, whatever count it declares.
const PREALLOC_MAX: usize = 1024;

/// One RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Status(Vec<u8>),
    /// `-ERR message` (the text without the dash)
    Error(Vec<u8>),
    /// `:42`
    Integer(i64),
    /// `$5 hello`
    Bulk(Vec<u8>),
    /// `$-1`
    Nil,
    /// `*N ...`
    Array(Vec<Reply>),
    /// `*-1`
    NilArray,
}

/// The server sent something that is not RESP2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "protocol error in reply: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// A resumable RESP2 reply scanner. Keep one per connection.
#[derive(Debug, Default)]
pub struct ReplyParser {
    /// Where the next element header starts.
    pos: usize,
    /// How far the search for the current header's line end has looked.
    scanned: usize,
    /// Elements still owed by each open array, innermost last.
    owed: Vec<i64>,
}

impl ReplyParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Find the end of the first complete reply in `input` (which starts at the first byte not
    /// yet consumed). `Ok(Some(n))`: the reply is `input[..n]`; the caller drops those bytes.
    /// `Ok(None)`: incomplete; call again with the same bytes plus more.
    pub fn scan(&mut self, input: &[u8]) -> Result<Option<usize>, DecodeError> {
        loop {
            let start = self.pos;
            let Some(kind) = input.get(start).copied() else {
                return Ok(None);
            };
            let from = self.scanned.max(start);
            let Some(offset) = input
                .get(from..)
                .unwrap_or_default()
                .windows(2)
                .position(|w| w == b"\r\n")
            else {
                self.scanned = input.len().saturating_sub(1).max(start);
                return Ok(None);
            };
            let eol = from + offset;
            let line = &input[start + 1..eol];
            let mut end = eol + 2;
            match kind {
                b'+' | b'-' | b':' => {
                    if kind == b':' && parse_i64(line).is_none() {
                        return Err(DecodeError(format!("bad integer {:?}", lossy(line))));
                    }
                }
                b'$' => {
                    let len = header(line, MAX_BULK, "bulk length")?;
                    if len >= 0 {
                        let total = end + len as usize + 2;
                        if input.len() < total {
                            // Keep `pos` at this header: it is short and re-read on each call
                            // until the payload is complete, while the payload itself is never
                            // scanned.
                            self.scanned = start;
                            return Ok(None);
                        }
                        // Unlike the server's request parser (which, as Redis, skips these two
                        // bytes), a client checks them: a server that miscounts is caught here,
                        // not several replies later.
                        if input.get(total - 2..total) != Some(b"\r\n") {
                            return Err(DecodeError("bulk reply not followed by CRLF".into()));
                        }
                        end = total;
                    }
                }
                b'*' => {
                    let count = header(line, MAX_ARRAY, "array length")?;
                    if count > 0 {
                        if self.owed.len() >= MAX_DEPTH {
                            return Err(DecodeError("arrays nested too deep".into()));
                        }
                        self.owed.push(count);
                        self.pos = end;
                        self.scanned = end;
                        continue;
                    }
                }
                other => {
                    return Err(DecodeError(format!("unexpected type byte {other:#04x}")));
                }
            }
            // One element finished: settle the arrays it completes.
            self.pos = end;
            self.scanned = end;
            while let Some(top) = self.owed.last_mut() {
                *top -= 1;
                if *top > 0 {
                    break;
                }
                self.owed.pop();
            }
            if self.owed.is_empty() {
                self.pos = 0;
                self.scanned = 0;
                return Ok(Some(end));
            }
        }
    }

    /// Like [`ReplyParser::scan`], and build the reply.
    pub fn parse(&mut self, input: &[u8]) -> Result<Option<(Reply, usize)>, DecodeError> {
        let Some(n) = self.scan(input)? else {
            return Ok(None);
        };
        let mut at = 0;
        let reply = build(&input[..n], &mut at)?;
        Ok(Some((reply, n)))
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn header(line: &[u8], max: i64, what: &str) -> Result<i64, DecodeError> {
    match parse_i64(line) {
        Some(n) if (-1..=max).contains(&n) => Ok(n),
        _ => Err(DecodeError(format!("bad {what} {:?}", lossy(line)))),
    }
}

/// Build a reply from bytes `scan` already proved complete and well-formed.
fn build(bytes: &[u8], at: &mut usize) -> Result<Reply, DecodeError> {
    let rest = bytes.get(*at..).unwrap_or_default();
    let eol = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or_else(|| DecodeError("truncated reply".into()))?;
    let kind = rest.first().copied().unwrap_or(b'?');
    let line = rest.get(1..eol).unwrap_or_default();
    *at += eol + 2;
    Ok(match kind {
        b'+' => Reply::Status(line.to_vec()),
        b'-' => Reply::Error(line.to_vec()),
        b':' => Reply::Integer(parse_i64(line).unwrap_or_default()),
        b'$' => match header(line, MAX_BULK, "bulk length")? {
            -1 => Reply::Nil,
            len => {
                let start = *at;
                let end = start + len as usize;
                let data = bytes
                    .get(start..end)
                    .ok_or_else(|| DecodeError("truncated bulk".into()))?;
                *at = end + 2;
                Reply::Bulk(data.to_vec())
            }
        },
        b'*' => match header(line, MAX_ARRAY, "array length")? {
            -1 => Reply::NilArray,
            count => {
                let mut items = Vec::with_capacity((count as usize).min(PREALLOC_MAX));
                for _ in 0..count {
                    items.push(build(bytes, at)?);
                }
                Reply::Array(items)
            }
        },
        other => return Err(DecodeError(format!("unexpected type byte {other:#04x}"))),
    })
}

#[cfg(test)]
mod tests {
    use crate::resp::decode::*;

    fn parse_all(bytes: &[u8]) -> Vec<Reply> {
        let mut parser = ReplyParser::new();
        let mut out = Vec::new();
        let mut at = 0;
        while let Some((reply, n)) = parser.parse(&bytes[at..]).unwrap() {
            out.push(reply);
            at += n;
        }
        assert_eq!(at, bytes.len());
        out
    }

    const STREAM: &[u8] = b"+OK\r\n-ERR no\r\n:-5\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*0\r\n\
        *3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+x\r\n$0\r\n\r\n";

    #[test]
    fn decodes_every_type_and_nesting() {
        assert_eq!(
            parse_all(STREAM),
            vec![
                Reply::Status(b"OK".to_vec()),
                Reply::Error(b"ERR no".to_vec()),
                Reply::Integer(-5),
                Reply::Bulk(b"he\r\no".to_vec()),
                Reply::Nil,
                Reply::NilArray,
                Reply::Array(vec![]),
                Reply::Array(vec![
                    Reply::Integer(1),
                    Reply::Array(vec![
                        Reply::Bulk(b"a".to_vec()),
                        Reply::Array(vec![Reply::Status(b"x".to_vec())]),
                    ]),
                    Reply::Bulk(vec![]),
                ]),
            ]
        );
    }

    #[test]
    fn every_split_point_gives_the_same_replies() {
        let whole = parse_all(STREAM);
        for split in 0..=STREAM.len() {
            let mut parser = ReplyParser::new();
            let mut buf = STREAM[..split].to_vec();
            let mut got = Vec::new();
            let mut fed_rest = false;
            loop {
                match parser.parse(&buf).unwrap() {
                    Some((reply, n)) => {
                        got.push(reply);
                        buf.drain(..n);
                    }
                    None if !fed_rest => {
                        buf.extend_from_slice(&STREAM[split..]);
                        fed_rest = true;
                    }
                    None => break,
                }
            }
            assert_eq!(got, whole, "split at {split}");
        }
    }

    #[test]
    fn rejects_garbage_and_huge_counts() {
        let mut parser = ReplyParser::new();
        assert!(parser.scan(b"?\r\n").is_err());
        assert!(ReplyParser::new().scan(b"$99999999999\r\n").is_err());
        assert!(ReplyParser::new().scan(b"*-2\r\n").is_err());
        assert!(ReplyParser::new().scan(b"$3\r\nabcXY").is_err());
        let deep = "*1\r\n".repeat(MAX_DEPTH + 1);
        assert!(ReplyParser::new().scan(deep.as_bytes()).is_err());
    }
}
