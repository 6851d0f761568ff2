//! How redis.conf writes values: sizes with units, booleans as `yes`/`no`, integers with a
//! range. One parser for each, used by the command-line flags, the config file and
//! `CONFIG SET`, so `--client-query-buffer-limit 1mb`, `client-query-buffer-limit 1mb` in a
//! file and `CONFIG SET client-query-buffer-limit 1mb` mean the same thing and fail with the
//! same words.
//!
//! The error texts are Redis 7.0's (`config.c`), because clients and operators read them:
//! `argument must be a memory value`, `argument must be 'yes' or 'no'`,
//! `argument couldn't be parsed into an integer`, `argument must be between A and B inclusive`.

/// `argument must be a memory value`: a size that [`parse_memory`] refuses.
pub const NOT_A_MEMORY_VALUE: &str = "argument must be a memory value";
/// `argument must be 'yes' or 'no'`: a boolean that [`parse_bool`] refuses.
pub const NOT_YES_OR_NO: &str = "argument must be 'yes' or 'no'";
/// `argument couldn't be parsed into an integer`.
pub const NOT_AN_INTEGER: &str = "argument couldn't be parsed into an integer";

/// A memory size as redis.conf writes it: digits, then optionally `b`, `k` (1000), `kb` (1024),
/// `m`, `mb`, `g`, `gb`, any case. Like Redis's `memtoull`, no digits at all means 0, and a
/// result that does not fit wraps (usually negative, failing the range check that follows).
pub fn parse_memory(text: &[u8]) -> Option<i64> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    // Redis copies the digits into a 128-byte buffer and refuses more.
    if digits >= 128 {
        return None;
    }
    let (number, unit) = text.split_at(digits);
    let unit = unit.to_ascii_lowercase();
    let multiplier: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    // Saturate on overflow as `strtoull` does (ERANGE gives ULLONG_MAX).
    let value = number.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    // Redis 7.0 multiplies without an overflow check; we wrap the same way, so the same input
    // is accepted or refused with the same message (20000000000gb is accepted there, as
    // 3028092406290448384 bytes).
    Some(value.wrapping_mul(multiplier) as i64)
}

/// A size in bytes between `min` and `max`, with Redis's messages for both ways to fail.
pub fn parse_size(text: &[u8], min: i64, max: i64) -> Result<i64, String> {
    let n = parse_memory(text).ok_or(NOT_A_MEMORY_VALUE)?;
    in_range(n, min, max)
}

/// A redis.conf boolean: `yes` or `no`, any case.
pub fn parse_bool(text: &[u8]) -> Result<bool, &'static str> {
    if text.eq_ignore_ascii_case(b"yes") {
        Ok(true)
    } else if text.eq_ignore_ascii_case(b"no") {
        Ok(false)
    } else {
        Err(NOT_YES_OR_NO)
    }
}

/// A plain integer (no units) between `min` and `max`, as Redis's numeric configs.
pub fn parse_integer(text: &[u8], min: i64, max: i64) -> Result<i64, String> {
    let n = crate::resp::number::parse_i64(text).ok_or(NOT_AN_INTEGER)?;
    in_range(n, min, max)
}

fn in_range(n: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "argument must be between {min} and {max} inclusive"
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::units::*;

    #[test]
    fn memory_values_parse_like_redis() {
        assert_eq!(parse_memory(b"1048576"), Some(1_048_576));
        assert_eq!(parse_memory(b"2mb"), Some(2 * 1024 * 1024));
        assert_eq!(parse_memory(b"2M"), Some(2_000_000));
        assert_eq!(parse_memory(b"1Gb"), Some(1 << 30));
        assert_eq!(parse_memory(b"3k"), Some(3000));
        assert_eq!(parse_memory(b"1KB"), Some(1024));
        assert_eq!(parse_memory(b"mb"), Some(0));
        assert_eq!(parse_memory(b"18446744073709551615"), Some(-1));
        assert_eq!(parse_memory(b"99999999999999999999gb"), Some(-(1 << 30)));
        assert_eq!(
            parse_memory(b"20000000000gb"),
            Some(3_028_092_406_290_448_384)
        );
        assert_eq!(parse_memory(b"abc"), None);
        assert_eq!(parse_memory("1".repeat(128).as_bytes()), None);
        assert_eq!(parse_memory(b"-1"), None);
        assert_eq!(parse_memory(b"1 mb"), None);
    }

    #[test]
    fn sizes_booleans_and_integers_fail_with_redis_words() {
        assert_eq!(parse_size(b"1mb", 0, i64::MAX), Ok(1 << 20));
        assert_eq!(
            parse_size(b"1xb", 0, i64::MAX),
            Err(NOT_A_MEMORY_VALUE.into())
        );
        assert_eq!(
            parse_size(b"1k", 1 << 20, i64::MAX),
            Err("argument must be between 1048576 and 9223372036854775807 inclusive".into())
        );
        assert_eq!(parse_bool(b"YES"), Ok(true));
        assert_eq!(parse_bool(b"no"), Ok(false));
        assert_eq!(parse_bool(b"maybe"), Err(NOT_YES_OR_NO));
        assert_eq!(parse_integer(b"65535", 0, 65535), Ok(65535));
        assert_eq!(parse_integer(b"1k", 0, 65535), Err(NOT_AN_INTEGER.into()));
        assert_eq!(
            parse_integer(b"70000", 0, 65535),
            Err("argument must be between 0 and 65535 inclusive".into())
        );
    }
}
