//! The argument cursor: a command reads its options front to back through one [`Args`], so
//! every option loop reads the same way and every error text is written once.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md).
//!
//! mini-redis's `parse.rs` is the model (`next_string`, `next_int`, `finish`). A request's
//! arguments are slices of the read buffer; the cursor hands them out one at a time, never
//! copying, and knows the two ways Redis refuses what it reads:
//!
//! ```text
//!   SET k v EX 10 NX          args = Args::new(req, 3)
//!           ▲                 while let Some(option) = args.next() {
//!           └─ cursor           if is_option(option, "ex") { let t = args.value()?; ... }
//!                               else if is_option(option, "nx") { ... }
//!                               else { return Err(SYNTAX) }  }
//! ```
//!
//! - an option that needs a value and is the last argument is `-ERR syntax error` ([`Args::value`]);
//! - a value that must be an integer and is not is `-ERR value is not an integer or out of
//!   range` ([`Args::int`]).
//!
//! Options are matched with [`is_option`], which compares as Redis's `strcasecmp` does: the
//! argument as a C string, so `EX\0junk` is `EX` (the bytes after a NUL do not exist for C).

use crate::resp::Request;
use crate::resp::number::parse_i64;

/// Redis's text for an unknown option, a missing value or options that contradict each other.
pub const SYNTAX: &str = "ERR syntax error";
/// Redis's text for a value that must be an integer (`getLongLongFromObjectOrReply`).
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

/// The remaining arguments of one request, from a position on.
#[derive(Debug, Clone)]
pub struct Args<'r, 'a> {
    req: &'r Request<'a>,
    at: usize,
}

impl<'r, 'a> Args<'r, 'a> {
    /// The arguments of `req` from index `from` on (0 is the command's name).
    pub fn new(req: &'r Request<'a>, from: usize) -> Self {
        Args { req, at: from }
    }

    /// The next argument, if any.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a [u8]> {
        let arg = self.peek()?;
        self.at += 1;
        Some(arg)
    }

    /// The next argument, without taking it.
    pub fn peek(&self) -> Option<&'a [u8]> {
        (self.at < self.req.len()).then(|| self.req.arg(self.at))
    }

    /// The value an option needs: the next argument, or [`SYNTAX`] if there is none.
    pub fn value(&mut self) -> Result<&'a [u8], &'static str> {
        self.next().ok_or(SYNTAX)
    }

    /// The next argument as an integer: [`SYNTAX`] if there is none, [`NOT_INTEGER`] if it is
    /// not one.
    pub fn int(&mut self) -> Result<i64, &'static str> {
        parse_i64(self.value()?).ok_or(NOT_INTEGER)
    }

    /// Arguments not yet taken.
    pub fn remaining(&self) -> usize {
        self.req.len().saturating_sub(self.at)
    }

    /// The index of the next argument in the request.
    pub fn position(&self) -> usize {
        self.at
    }
}

/// Whether `arg` is the option `name`, as Redis's `strcasecmp` on a C string sees it: case
/// folded, and ending at the first NUL.
pub fn is_option(arg: &[u8], name: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(name.as_bytes())
}

/// `arg` up to its first NUL byte: what C code sees of it.
pub fn c_str(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&b| b == 0) {
        Some(end) => &arg[..end],
        None => arg,
    }
}

/// The parsed arguments of `[B]LMPOP` and `[B]ZMPOP`: where the keys are, which end (`W`:
/// LEFT/RIGHT or MIN/MAX), how many.
pub struct Mpop<W> {
    pub first_key: usize,
    pub numkeys: usize,
    pub end: W,
    pub count: usize,
}

/// Parse `numkeys key [key ...] <end> [COUNT count]` starting at `at`, in Redis's order and
/// with its messages; `end` reads the word that says which end.
pub fn parse_mpop<W>(
    req: &Request<'_>,
    at: usize,
    end: impl Fn(&[u8]) -> Option<W>,
) -> Result<Mpop<W>, &'static str> {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = parse_i64(req.arg(at)).filter(|&n| n > 0).ok_or(NUMKEYS)?;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|&i| i < req.len())
        .ok_or(SYNTAX)?;
    let end = end(req.arg(where_at)).ok_or(SYNTAX)?;
    let mut count = None;
    let mut args = Args::new(req, where_at + 1);
    while let Some(option) = args.next() {
        if count.is_none() && is_option(option, "count") && args.remaining() > 0 {
            let n = parse_i64(args.value()?)
                .filter(|&n| n > 0)
                .ok_or("ERR count should be greater than 0")?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
        } else {
            return Err(SYNTAX);
        }
    }
    Ok(Mpop {
        first_key: at + 1,
        numkeys: where_at - at - 1,
        end,
        count: count.unwrap_or(1),
    })
}
