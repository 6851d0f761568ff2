//! Strict integer parsing, exactly as Redis's `string2ll` (util.c).
//!
//! Chapter: [docs/04-parsing-resp.md](../../docs/04-parsing-resp.md).
//!
//! Redis accepts an integer only in its canonical form: an optional `-`, then digits with no
//! leading zero (except `0` itself), no `+`, no spaces, and it must fit in an `i64`. The same rule
//! judges a multibulk count (`*3`), a bulk length (`$5`), `INCRBY 5`, `EXPIRE k 10` and whether a
//! string value "is an integer", so everything that parses a number from the wire uses this.

/// Parse `bytes` as a canonical decimal `i64`; `None` for anything `string2ll` rejects.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes {
        [] => return None,
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    // No leading zero (this also rejects "-0"), and at least one digit.
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate as a negative number: the negative range of i64 is one larger, so i64::MIN
    // parses without overflowing.
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_i64;

    #[test]
    fn accepts_only_canonical_integers() {
        let ok: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"7", 7),
            (b"-7", -7),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
        ];
        for (text, value) in ok {
            assert_eq!(parse_i64(text), Some(*value), "{:?}", text);
        }
        let bad: &[&[u8]] = &[
            b"",
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"00",
            b"1a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"1.5",
        ];
        for text in bad {
            assert_eq!(parse_i64(text), None, "{:?}", text);
        }
    }
}
