//! Numbers from the wire: strict integers exactly as Redis's `string2ll` (util.c), and floats
//! as C's `strtod` reads them.
//!
//! Chapter: [docs/04-parsing-resp.md](../../docs/04-parsing-resp.md).
//!
//! Redis accepts an integer only in its canonical form: an optional `-`, then digits with no
//! leading zero (except `0` itself), no `+`, no spaces, and it must fit in an `i64`. The same rule
//! judges a multibulk count (`*3`), a bulk length (`$5`), `INCRBY 5`, `EXPIRE k 10` and whether a
//! string value "is an integer", so everything that parses a number from the wire uses this.
//!
//! Floats (a score, a score range, a timeout) go through the C library's `strtod`, whose grammar
//! is wider than Rust's `f64::from_str`: it also reads hex floats (`0x10` is 16, `0x1p-2` is
//! 0.25). [`parse_c_double`] reads that grammar and says whether `strtod` would have reported a
//! range error, which each caller judges as Redis does.

use std::fmt::Write as _;

/// Parse `bytes` as a canonical decimal `i64`; `None` for anything `string2ll` rejects.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match *bytes {
        // The usual header (`*2`, `$3`, `$10`): one or two digits, read without the loop.
        [d @ b'0'..=b'9'] => return Some(i64::from(d - b'0')),
        [t @ b'1'..=b'9', u @ b'0'..=b'9'] => {
            return Some(i64::from(t - b'0') * 10 + i64::from(u - b'0'));
        }
        [] => return None,
        [b'-', ref rest @ ..] => (true, rest),
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

/// A float as `strtod` read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CDouble {
    /// The value (possibly NaN or infinite).
    pub value: f64,
    /// `strtod` would set `ERANGE`: a finite literal overflowed to infinity, or a nonzero one
    /// underflowed to zero.
    pub range_error: bool,
}

/// C's `isspace` in the "C" locale (vertical tab and form feed too).
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What Redis accepts where it calls `strtod(text, &end)` itself and then checks `*end == '\0'`
/// (score ranges, SORT's numbers): leading white space skipped, then exactly one number; the
/// empty string is 0 (nothing converted, and the end it reports is the start, a NUL), while
/// white space alone is refused (the end reported is the start, a space).
pub fn parse_strtod(text: &[u8]) -> Option<CDouble> {
    if text.is_empty() {
        return Some(CDouble {
            value: 0.0,
            range_error: false,
        });
    }
    let blank = text.iter().take_while(|&&b| is_c_space(b)).count();
    parse_c_double(&text[blank..])
}

/// The whole of `text` as one C `strtod` number: `[+-]` then decimal (`1.5e3`), hex (`0x1.8p1`),
/// `inf`/`infinity` or `nan`, any case. `None` if it is not exactly one (empty, trailing bytes,
/// `1e`). Leading space is the caller's to judge (`strtod` skips it; Redis sometimes refuses it).
pub fn parse_c_double(text: &[u8]) -> Option<CDouble> {
    let (negative, body) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    let (magnitude, nonzero) = match body {
        [b'0', b'x' | b'X', hex @ ..] => parse_hex(hex)?,
        // Rust's grammar for the rest is C's (digits, point, exponent, inf, infinity, nan)
        // except for a sign, already taken off (so "+-1" stays refused).
        _ if body.first().is_some_and(|&b| b == b'+' || b == b'-') => return None,
        _ => {
            let value: f64 = std::str::from_utf8(body).ok()?.parse().ok()?;
            let digits = body
                .split(|&b| b == b'e' || b == b'E')
                .next()
                .unwrap_or(body);
            (value, digits.iter().any(|b| (b'1'..=b'9').contains(b)))
        }
    };
    let literal_inf = body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity");
    let range_error = (magnitude.is_infinite() && !literal_inf) || (magnitude == 0.0 && nonzero);
    Some(CDouble {
        value: if negative { -magnitude } else { magnitude },
        range_error,
    })
}

/// A hex float's body after `0x`: `hexdigits[.hexdigits][p[+-]digits]`, at least one hex
/// digit. Returns the magnitude and whether any digit was nonzero.
///
/// The first 60 bits of digits are kept exactly and any nonzero digit after them is folded
/// into the lowest bit (a *sticky* bit), so converting the 64-bit integer to `f64` rounds
/// exactly as `strtod` does (to nearest, ties to even). Scaling by a power of two is then
/// exact, except into the subnormal range, where this may round twice.
fn parse_hex(body: &[u8]) -> Option<(f64, bool)> {
    let (mut significand, mut exp, mut sticky) = (0u64, 0i64, false);
    let (mut digits, mut point, mut at) = (0usize, false, 0usize);
    while let Some(&b) = body.get(at) {
        if b == b'.' && !point {
            point = true;
        } else if let Some(d) = (b as char).to_digit(16) {
            digits += 1;
            if significand >> 60 == 0 {
                significand = significand << 4 | u64::from(d);
                exp -= if point { 4 } else { 0 };
            } else {
                sticky |= d != 0;
                exp += if point { 0 } else { 4 };
            }
        } else {
            break;
        }
        at += 1;
    }
    if digits == 0 {
        return None;
    }
    match &body[at..] {
        [] => {}
        [p, rest @ ..] if p.eq_ignore_ascii_case(&b'p') => {
            let (negative, decimal) = match rest {
                [b'-', d @ ..] => (true, d),
                [b'+', d @ ..] => (false, d),
                _ => (false, rest),
            };
            if decimal.is_empty() || !decimal.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Saturated: anything past a million is out of range either way.
            let e = decimal.iter().fold(0i64, |acc, &d| {
                (acc * 10 + i64::from(d - b'0')).min(1_000_000)
            });
            exp += if negative { -e } else { e };
        }
        _ => return None,
    }
    if significand == 0 {
        return Some((0.0, false));
    }
    let shift = significand.leading_zeros();
    significand = significand << shift | u64::from(sticky);
    exp -= i64::from(shift);
    // In steps that cannot overflow `powi` on the way: 2^±1000 are normal doubles.
    let mut value = significand as f64;
    while exp != 0 && value != 0.0 && value.is_finite() {
        let step = exp.clamp(-1000, 1000);
        value *= 2f64.powi(step as i32);
        exp -= step;
    }
    Some((value, true))
}

/// C's `printf("%.<digits>g")` (`digits` at least 1): that many significant digits, exponent
/// form when the exponent is below -4 or at least `digits`, trailing zeros (and a bare point)
/// removed; `inf`, `-inf`, `nan` and `-nan` as glibc prints them. Redis prints scores with 17
/// (`addReplyDouble`), Lua prints numbers with 14 (`LUA_NUMBER_FMT`).
pub fn format_g(out: &mut String, value: f64, precision: usize) {
    let precision = precision.max(1);
    if value.is_nan() {
        out.push_str(if value.is_sign_negative() {
            "-nan"
        } else {
            "nan"
        });
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "inf" } else { "-inf" });
        return;
    }
    // Integers print as themselves whenever they fit the digits: the common case, no
    // formatting machinery.
    if value.fract() == 0.0
        && value.abs() < 1e15
        && (value.abs() as u64).to_string().len() <= precision
    {
        if value == 0.0 && value.is_sign_negative() {
            out.push('-');
        }
        let _ = write!(out, "{}", value as i64);
        return;
    }
    // Rust's `{:.*e}` rounds the exact binary value to the digits asked, as glibc does.
    let scientific = format!("{value:.*e}", precision - 1);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if exponent < -4 || exponent >= precision as i32 {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        let rest = rest.trim_end_matches('0');
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
        return;
    }
    let (int_part, frac_part) = if exponent >= 0 {
        let split = exponent as usize + 1;
        (digits[..split].to_string(), digits[split..].to_string())
    } else {
        let zeros = "0".repeat((-exponent - 1) as usize);
        ("0".to_string(), format!("{zeros}{digits}"))
    };
    out.push_str(&int_part);
    let frac = frac_part.trim_end_matches('0');
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_c_double, parse_i64};

    #[test]
    fn reads_floats_as_strtod_does() {
        let ok: &[(&[u8], f64)] = &[
            (b"1.5", 1.5),
            (b"+1.5", 1.5),
            (b"-.5", -0.5),
            (b"1.", 1.0),
            (b"1e3", 1000.0),
            (b"inf", f64::INFINITY),
            (b"-Infinity", f64::NEG_INFINITY),
            (b"0x10", 16.0),
            (b"0X1p-2", 0.25),
            (b"-0x1.8p1", -3.0),
            (b"0x.8", 0.5),
            (b"0x20", 32.0),
            (b"0x1fffffffffffff", 9007199254740991.0),
            // 2^53 + 1 rounds to even (2^53); 2^53 + 1 and a bit more rounds up.
            (b"0x20000000000001", 9007199254740992.0),
            (
                b"0x200000000000010000000001",
                9007199254740994.0 * 2f64.powi(40),
            ),
            (b"0x1p-1074", f64::from_bits(1)),
        ];
        for &(text, value) in ok {
            let got = parse_c_double(text).unwrap_or_else(|| panic!("{:?}", text));
            assert_eq!(got.value, value, "{:?}", String::from_utf8_lossy(text));
            assert!(!got.range_error, "{:?}", String::from_utf8_lossy(text));
        }
        for text in [
            &b"1e400"[..],
            b"-1e400",
            b"1e-400",
            b"0x1p99999",
            b"0x1p-99999",
        ] {
            let got = parse_c_double(text).unwrap();
            assert!(got.range_error, "{:?}", String::from_utf8_lossy(text));
        }
        assert!(parse_c_double(b"nan").unwrap().value.is_nan());
        for text in [
            &b""[..],
            b"+",
            b"0x",
            b"0xg",
            b"1e",
            b"0x1p",
            b"+-1",
            b"1 ",
            b"0x1.2.3",
            b"--1",
        ] {
            assert_eq!(
                parse_c_double(text),
                None,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// Break checked: letting the two-digit fast path take a leading zero (`t @ b'0'..=b'9'`)
    /// accepts `09`.
    #[test]
    fn accepts_only_canonical_integers() {
        let ok: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"7", 7),
            (b"-7", -7),
            (b"10", 10),
            (b"42", 42),
            (b"99", 99),
            (b"100", 100),
            (b"-42", -42),
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
            b"09",
            b"0a",
            b"a0",
            b"1a",
            b"a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"1.5",
        ];
        for text in bad {
            assert_eq!(parse_i64(text), None, "{:?}", text);
        }
    }
}
