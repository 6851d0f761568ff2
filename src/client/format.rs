//! Replies printed the way `redis-cli` prints them, so that `reactor-cli`'s output can be
//! compared with redis-cli's line for line (`tests/cli.rs` does, against a real redis-server).
//!
//! redis-cli has two styles, chosen by whether standard output is a terminal:
//!
//! ```text
//! for a person (tty)                 for a program (raw: --raw, or stdout piped)
//! PONG                               PONG
//! (integer) 42                       42
//! "hello\nworld"                     hello            (the bytes as they are)
//!                                    world
//! (nil)                              (an empty line)
//! (error) ERR unknown command ...    ERR unknown command ...   (then an empty line)
//! 1) "a"                             a
//! 2) 1) (integer) 1                  1
//!    2) (empty array)                (an empty line)
//! ```
//!
//! In the tty style bulk strings are quoted and escaped so that every byte is visible, and
//! nested arrays are indented under their index. In the raw style each element goes on its own
//! line, whatever its depth, and a nil is an empty line.
//!
//! Redis counterpart: `cliFormatReplyTTY`, `cliFormatReplyRaw` and `sdscatrepr` (redis-cli
//! 7.0). Checked against redis-cli 7.0.15 under a real terminal; see `tests/client.rs`.

use crate::resp::decode::Reply;
use crate::resp::reply::push_decimal;

/// The whole text redis-cli prints for `reply`, final newline included. Raw output can hold
/// any bytes; here they are converted lossily to UTF-8 (use [`write_reply`] for exact bytes).
pub fn format_reply(reply: &Reply, raw: bool) -> String {
    let mut out = Vec::new();
    write_reply(&mut out, reply, raw);
    String::from_utf8_lossy(&out).into_owned()
}

/// Append the bytes redis-cli prints for `reply`, final newline included.
pub fn write_reply(out: &mut Vec<u8>, reply: &Reply, raw: bool) {
    if raw {
        write_raw(out, reply);
        // redis-cli ends every reply with its command delimiter, "\n" by default. An error
        // already ended with one, so it is followed by an empty line.
        out.push(b'\n');
    } else {
        write_tty(out, reply, b"");
    }
}

fn write_raw(out: &mut Vec<u8>, reply: &Reply) {
    match reply {
        // hiredis reports `$-1` and `*-1` alike as nil, and raw nil is nothing at all.
        Reply::Nil | Reply::NilArray => {}
        Reply::Error(text) => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Reply::Status(bytes) | Reply::Bulk(bytes) => out.extend_from_slice(bytes),
        Reply::Integer(n) => push_decimal(out, *n),
        Reply::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                write_raw(out, item);
            }
        }
    }
}

/// `prefix` is the indentation of the array this reply is an element of: the first line of
/// an element follows its index (`2) `), and every further line starts with `prefix`.
fn write_tty(out: &mut Vec<u8>, reply: &Reply, prefix: &[u8]) {
    match reply {
        Reply::Error(text) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Reply::Status(text) => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Reply::Integer(n) => {
            out.extend_from_slice(b"(integer) ");
            push_decimal(out, *n);
            out.push(b'\n');
        }
        Reply::Bulk(bytes) => {
            write_quoted(out, bytes);
            out.push(b'\n');
        }
        Reply::Nil | Reply::NilArray => out.extend_from_slice(b"(nil)\n"),
        Reply::Array(items) if items.is_empty() => out.extend_from_slice(b"(empty array)\n"),
        Reply::Array(items) => {
            // Indexes are right-aligned to the widest one (` 9)`, `10)`), and an element's
            // nested lines line up after its `N) `: that is the parent's prefix plus the
            // index width plus two.
            let width = items.len().to_string().len();
            let mut nested = prefix.to_vec();
            nested.resize(prefix.len() + width + 2, b' ');
            for (i, item) in items.iter().enumerate() {
                // The first element's line already started where the caller put this array.
                if i > 0 {
                    out.extend_from_slice(prefix);
                }
                out.extend_from_slice(format!("{:>width$}) ", i + 1).as_bytes());
                write_tty(out, item, &nested);
            }
        }
    }
}

/// `bytes` in double quotes with every byte visible: `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`
/// escaped by name, other bytes outside printable ASCII as `\xHH` (lowercase hex; bytes of
/// UTF-8 text too, as redis-cli does).
pub(crate) fn write_quoted(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            // C's `isprint` in the C locale.
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
    }
    out.push(b'"');
}
