//! Splitting of Redis "inline" commands.
//!
//! Chapter: [docs/04-parsing-resp.md](../../docs/04-parsing-resp.md).
//!
//! Besides the RESP array framing that client libraries use (`*2\r\n$4\r\nECHO\r\n...`), Redis
//! accepts plain text lines such as `SET key "hello world"\r\n`. They exist so that a human can
//! talk to the server with `telnet` or `nc`. Such a line is split into arguments like a shell
//! would, with these rules:
//!
//! - arguments are separated by whitespace; leading and trailing whitespace is ignored (but `\v`
//!   and `\f` inside an unquoted argument are ordinary bytes);
//! - `"double quotes"` understand `\xHH` (a byte in hex), `\n \r \t \b \a`, and `\` before any
//!   other byte stands for that byte (so `\"` and `\\`);
//! - `'single quotes'` take everything literally except `\'`;
//! - a quote may start mid-argument (`a"b c"` is the single argument `ab c`), but a closing quote
//!   must be followed by whitespace or the end of the line;
//! - a NUL byte ends the line, because Redis splits a C string. (The request parser never hands
//!   the splitter such a line: Redis finds a line's end with `strchr`, which stops at the NUL,
//!   so a line with a NUL never ends; see `RequestParser`'s `nul_in_line`. The splitter keeps
//!   the rule for any other caller.)
//!
//! Every violation is the same error, which Redis reports as
//! `Protocol error: unbalanced quotes in request`.
//!
//! This runs once per request on the hot path, so it allocates nothing itself: the caller owns
//! an output byte buffer and a range list and passes them in again for every line, so after
//! warm-up no request allocates.
//!
//! Redis counterpart: `sdssplitargs` in `sds.c`, called by `processInlineBuffer` in
//! `networking.c` (Redis 7.0). Doubtful cases were checked against redis-server 7.0.15; see the
//! tests.

use std::ops::Range;

/// Why an inline line could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    UnbalancedQuotes,
}

/// Split one inline line (without its trailing "\n"; a trailing "\r" may still be present and is
/// whitespace) into arguments. Unescaped argument bytes are appended to `out`, and for each
/// argument its byte range within `out` is pushed to `ranges`. Both are cleared first.
/// On error, `out` and `ranges` contents are unspecified.
pub fn split_inline(
    line: &[u8],
    out: &mut Vec<u8>,
    ranges: &mut Vec<Range<usize>>,
) -> Result<(), SplitError> {
    out.clear();
    ranges.clear();
    // Redis sees a C string, so nothing from the first NUL onwards exists. From here on, running
    // off the end of `line` plays the role of meeting the NUL terminator.
    let line = line.split(|&b| b == 0).next().unwrap_or_default();
    let mut i = 0;
    loop {
        while line.get(i).is_some_and(|&b| is_space(b)) {
            i += 1;
        }
        if i >= line.len() {
            return Ok(());
        }
        let start = out.len();
        i = split_arg(line, i, out)?;
        ranges.push(start..out.len());
    }
}

/// C `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Read one argument starting at `i` (not whitespace); returns the index just after it.
fn split_arg(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, SplitError> {
    loop {
        match line.get(i) {
            // Only these end an unquoted argument: `\v` and `\f` are skipped between arguments
            // but are ordinary bytes inside one. Redis does the same.
            None | Some(b' ' | b'\n' | b'\r' | b'\t') => return Ok(i),
            // A closing quote always ends the argument, so return straight away; continuing
            // would wrongly glue a following `\v` or `\f` onto the argument.
            Some(b'"') => return split_double_quoted(line, i + 1, out),
            Some(b'\'') => return split_single_quoted(line, i + 1, out),
            Some(&b) => out.push(b),
        }
        i += 1;
    }
}

/// Body of a `"..."` section starting at `i`; returns the index after the closing quote.
fn split_double_quoted(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, SplitError> {
    loop {
        match (line.get(i), line.get(i + 1)) {
            (None, _) => return Err(SplitError::UnbalancedQuotes),
            (Some(b'"'), _) => return after_closing_quote(line, i + 1),
            (Some(b'\\'), Some(&escaped)) => {
                // `\x` without two hex digits after it is not an error: it falls through to the
                // generic rule and yields a plain `x`, as in Redis.
                if let Some(byte) = hex_escape(line, i) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
                out.push(match escaped {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => b'\x08',
                    b'a' => b'\x07',
                    other => other,
                });
                i += 2;
            }
            // Includes a backslash as the last byte: the quote is then unterminated anyway.
            (Some(&b), _) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// The byte encoded by `\xHH` at `i`, if that is what is there.
fn hex_escape(line: &[u8], i: usize) -> Option<u8> {
    let digit = |j: usize| char::from(*line.get(j)?).to_digit(16);
    if line.get(i + 1) != Some(&b'x') {
        return None;
    }
    let value = digit(i + 2)? * 16 + digit(i + 3)?;
    u8::try_from(value).ok()
}

/// Body of a `'...'` section starting at `i`; returns the index after the closing quote.
fn split_single_quoted(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, SplitError> {
    loop {
        match (line.get(i), line.get(i + 1)) {
            (None, _) => return Err(SplitError::UnbalancedQuotes),
            (Some(b'\\'), Some(b'\'')) => {
                out.push(b'\'');
                i += 2;
            }
            (Some(b'\''), _) => return after_closing_quote(line, i + 1),
            (Some(&b), _) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// A closing quote must be followed by whitespace or the end, so `"a"b` is rejected rather than
/// guessed at.
fn after_closing_quote(line: &[u8], i: usize) -> Result<usize, SplitError> {
    match line.get(i) {
        Some(&b) if !is_space(b) => Err(SplitError::UnbalancedQuotes),
        _ => Ok(i),
    }
}

#[cfg(test)]
mod tests {
    use crate::resp::inline::*;
    use proptest::prelude::*;

    fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, SplitError> {
        let (mut out, mut ranges) = (Vec::new(), Vec::new());
        split_inline(line, &mut out, &mut ranges)?;
        Ok(ranges.into_iter().map(|r| out[r].to_vec()).collect())
    }

    type Case = (&'static [u8], Result<&'static [&'static [u8]], SplitError>);

    /// Cases marked (*) were checked against redis-server 7.0.15 with `ECHO <case>\r\n`.
    #[test]
    fn table() {
        let err = Err(SplitError::UnbalancedQuotes);
        let cases: &[Case] = &[
            (b"", Ok(&[])),
            (b" \t\r\x0b\x0c\n", Ok(&[])),
            (b"SET key value\r", Ok(&[b"SET", b"key", b"value"])),
            (b"\x0b\x0c GET\tk\t\r", Ok(&[b"GET", b"k"])), // (*)
            (b"a\x0bb a\x0cb", Ok(&[b"a\x0bb", b"a\x0cb"])), // (*) \v \f glue
            (b"a\rb", Ok(&[b"a", b"b"])),                  // (*)
            (
                br#"SET k "hello world""#,
                Ok(&[b"SET", b"k", b"hello world"]),
            ),
            (br#""a\x41\x4a\x4A""#, Ok(&[b"aAJJ"])),    // (*)
            (br#""\xZZ" "\x4""#, Ok(&[b"xZZ", b"x4"])), // (*) bad hex: plain `x`
            (br#""\n\r\t\b\a\q\\\"""#, Ok(&[b"\n\r\t\x08\x07q\\\""])), // (*)
            (br#"a"b c" a'b c'"#, Ok(&[b"ab c", b"ab c"])), // (*)
            (br"'a\'b\n'", Ok(&[b"a'b\\n"])),           // (*)
            (br#""" a"""#, Ok(&[b"", b"a"])),           // (*)
            (b"''", Ok(&[b""])),
            (b"\"a\"\x0bb", Ok(&[b"a", b"b"])), // (*) \v after quote
            (b"\"a\"\r", Ok(&[b"a"])),
            (br#""a"b"#, err), // (*)
            (b"'a'b", err),    // (*)
            (br#""a\""#, err), // (*)
            (br#""abc"#, err), // (*)
            (b"'abc", err),
            (b"\"a\\", err),
            // NUL ends the string, as in sdssplitargs. Not checkable end to end: redis-server finds
            // the `\n` with strchr, so it never dispatches a line that contains a NUL at all.
            (b"a\0b c", Ok(&[b"a"])),
            (b"\"a\0b\"", err),
            (b"\"a\"\0b", Ok(&[b"a"])),
            (b"'a'\0", Ok(&[b"a"])),
        ];
        for (line, want) in cases {
            let want = want.map(|args| args.iter().map(|a| a.to_vec()).collect());
            assert_eq!(
                split(line),
                want,
                "line {:?}",
                line.escape_ascii().to_string()
            );
        }
    }

    /// Quote `arg` so that `split_inline` gives it back unchanged.
    fn quote(arg: &[u8]) -> Vec<u8> {
        let mut q = vec![b'"'];
        for &b in arg {
            match b {
                b'"' | b'\\' => q.extend([b'\\', b]),
                b' '..=b'~' => q.push(b),
                _ => q.extend(format!("\\x{b:02x}").bytes()),
            }
        }
        q.push(b'"');
        q
    }

    proptest! {
        #[test]
        fn never_panics(line in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = split(&line);
        }

        #[test]
        fn quoted_args_round_trip(
            args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 0..8),
            sep in prop::sample::select(vec![" ", "\t", " \x0b ", "  "]),
            crlf in any::<bool>(),
        ) {
            let quoted: Vec<Vec<u8>> = args.iter().map(|a| quote(a)).collect();
            let mut line = quoted.join(sep.as_bytes());
            if crlf {
                line.push(b'\r');
            }
            prop_assert_eq!(split(&line), Ok(args));
        }
    }
}
