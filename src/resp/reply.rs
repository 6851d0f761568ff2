//! The reply encoder: RESP2 replies appended straight to a connection's output buffer.
//!
//! Chapter: [docs/04-parsing-resp.md](../../docs/04-parsing-resp.md).
//!
//! A reply is never built as a value and then serialised: each function appends its bytes to the
//! `Vec<u8>` that *is* the connection's pending output, so a reply costs no allocation unless that
//! buffer has to grow. This mirrors Redis's `addReply*` family in `networking.c`.
//!
//! The five RESP2 reply types, as they appear on the wire:
//!
//! ```text
//! +OK\r\n                 simple string     simple(out, "OK")
//! -ERR message\r\n        error             error(out, "ERR message")
//! :42\r\n                 integer           integer(out, 42)
//! $5\r\nhello\r\n         bulk string       bulk(out, b"hello")
//! $-1\r\n                 null bulk         null(out)
//! *2\r\n...               array header      array(out, 2), then two replies
//! ```

/// Append `+text\r\n`. `text` must not contain CR or LF (callers pass constants).
pub fn simple(out: &mut Vec<u8>, text: &str) {
    out.push(b'+');
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Append `-message\r\n`. `message` starts with the error code (`ERR`, `WRONGTYPE`, ...).
///
/// Like Redis's `addReplyErrorLength`, CR and LF inside the message are replaced by spaces: an
/// error text can quote client input (an unknown command name), and a newline there would
/// desynchronise the client's parser.
pub fn error(out: &mut Vec<u8>, message: &str) {
    error_bytes(out, message.as_bytes());
}

/// [`error`] for a message that is not UTF-8 (it quotes client bytes).
pub fn error_bytes(out: &mut Vec<u8>, message: &[u8]) {
    out.push(b'-');
    out.extend(
        message
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
    out.extend_from_slice(b"\r\n");
}

/// Append `:n\r\n`.
pub fn integer(out: &mut Vec<u8>, n: i64) {
    out.push(b':');
    push_decimal(out, n);
    out.extend_from_slice(b"\r\n");
}

/// Append `$len\r\nbytes\r\n`.
pub fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 16);
    out.push(b'$');
    push_decimal(out, bytes.len() as i64);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Append an integer as a bulk string (`INCRBYFLOAT`, `TIME`, CONFIG values).
pub fn bulk_integer(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let text = format_decimal(&mut digits, n);
    bulk(out, text);
}

/// Append the null bulk string `$-1\r\n` (a missing key).
pub fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"$-1\r\n");
}

/// Append the null array `*-1\r\n` (what `SET ... GET`-less timeouts and EXEC aborts send).
pub fn null_array(out: &mut Vec<u8>) {
    out.extend_from_slice(b"*-1\r\n");
}

/// Append an array header `*n\r\n`; the caller then appends `n` replies.
pub fn array(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    push_decimal(out, n as i64);
    out.extend_from_slice(b"\r\n");
}

/// Append the decimal form of `n` without allocating.
pub fn push_decimal(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    out.extend_from_slice(format_decimal(&mut digits, n));
}

/// Format `n` into `buf` (20 bytes hold every i64) and return the used tail.
pub fn format_decimal(buf: &mut [u8; 20], n: i64) -> &[u8] {
    // Work on the magnitude as u64 so i64::MIN does not overflow on negation.
    let mut magnitude = n.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_reply_type() {
        let mut out = Vec::new();
        simple(&mut out, "OK");
        error(&mut out, "ERR bad\r\nthing");
        integer(&mut out, -42);
        bulk(&mut out, b"hi");
        null(&mut out);
        array(&mut out, 3);
        assert_eq!(
            out,
            b"+OK\r\n-ERR bad  thing\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*3\r\n".to_vec()
        );
    }

    #[test]
    fn decimal_covers_extremes() {
        for n in [0, 1, -1, 9, 10, i64::MAX, i64::MIN, 1234567890] {
            let mut buf = [0u8; 20];
            assert_eq!(format_decimal(&mut buf, n), n.to_string().as_bytes());
        }
    }
}
