//! INCRBYFLOAT's arithmetic, reproduced bit for bit: x86-64 `long double` in software.
//!
//! Redis computes `INCRBYFLOAT` in C's `long double`, which on x86-64 is the x87 80-bit
//! extended format (a 64-bit significand, against a `f64`'s 53), and prints the sum with
//! `%.17Lf` before trimming trailing zeros. The extra precision is visible: `10.5` plus `0.1`
//! is `10.6` in `long double` but `10.59999999999999964` in `f64` at 17 decimals. Rust has no
//! 80-bit float, so this module does what the C library and the FPU do, exactly:
//!
//! 1. **Parse** like glibc's `strtold` behind Redis's `string2ld`: decimal or hex (`0x1p-3`),
//!    `inf`/`infinity`, correctly rounded (half to even); NaN, leading space, trailing bytes,
//!    overflow, and underflow to zero are "not a valid float".
//! 2. **Add** like the x87 `fadd`: the exact sum, rounded once to 64 significant bits.
//! 3. **Format** like glibc's `printf("%.17Lf")`: the exact binary value rounded half to even
//!    at the 17th decimal, then Redis's trimming (`ld2string` in `util.c`, `LD_STR_HUMAN`).
//!
//! All three are "exact value, then one rounding", done on a small big-integer type. None of it
//! is on a hot path (an `INCRBYFLOAT` costs microseconds); inputs are bounded by Redis's limit
//! of 5119 bytes per number, which bounds every big integer to about 34,000 bits.

use std::cmp::Ordering;

use crate::resp::number::is_c_space;

/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` rejects a number of this many bytes or more.
const MAX_CHARS: usize = 5 * 1024;
/// Significand bits of the x87 extended format (the integer bit is explicit).
const PRECISION: i64 = 64;
/// A finite value is `sig * 2^exp`. The smallest exponent: subnormals and the smallest normal
/// (`2^63 * 2^-16445 = 2^-16382`) share it.
const EXP_MIN: i64 = -16445;
/// The largest exponent: the largest finite value is `(2^64 - 1) * 2^16320`, just under
/// `2^16384` (about 1.19e4932).
const EXP_MAX: i64 = 16320;
/// A decimal with `m` digits before the point (counting from its first nonzero digit, so
/// `10^(m-1) <= value < 10^m`) overflows when `m` is above this: it is at least 1e4933.
const DECIMAL_OVERFLOW: i64 = 4933;
/// ... and rounds to zero when `m` is below this: it is under 1e-4952, less than half the
/// smallest subnormal (about 3.6e-4951).
const DECIMAL_UNDERFLOW: i64 = -4951;
/// The same two bounds for hex input, in powers of two.
const BINARY_OVERFLOW: i64 = EXP_MAX + PRECISION + 1;
const BINARY_UNDERFLOW: i64 = EXP_MIN - 2;

/// Why INCRBYFLOAT fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatError {
    /// `-ERR value is not a valid float` (the stored value or the increment).
    NotAFloat,
    /// `-ERR increment would produce NaN or Infinity`.
    NanOrInfinity,
}

/// `current + increment` as Redis's INCRBYFLOAT computes and prints it; `None` is a missing key
/// (zero). The text is appended to `out`.
pub fn incr_by_float(
    current: Option<&[u8]>,
    increment: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), FloatError> {
    let zero = Number::Finite(Finite::ZERO);
    // Redis parses the stored value first, then the increment; both fail with the same text.
    let value = match current {
        Some(text) => parse(text).ok_or(FloatError::NotAFloat)?,
        None => zero,
    };
    let increment = parse(increment).ok_or(FloatError::NotAFloat)?;
    let (Number::Finite(a), Number::Finite(b)) = (value, increment) else {
        // inf + x is inf, inf - inf is NaN: either way the sum is refused.
        return Err(FloatError::NanOrInfinity);
    };
    let sum = add(a, b).ok_or(FloatError::NanOrInfinity)?;
    format_human(sum, out);
    Ok(())
}

/// A parsed number: Redis accepts `inf` as input (only to refuse the sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    Finite(Finite),
    Infinite,
}

/// A finite extended-precision value: `(-1)^neg * sig * 2^exp`, with `sig` below 2^64 and
/// `exp` in `EXP_MIN..=EXP_MAX`. Zero has `sig == 0` and keeps its sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Finite {
    neg: bool,
    sig: u64,
    exp: i64,
}

impl Finite {
    const ZERO: Finite = Finite {
        neg: false,
        sig: 0,
        exp: 0,
    };
}

/// What rounding an exact value produced.
enum Rounded {
    Value(Finite),
    /// Past the largest finite value (strtold: `HUGE_VALL` with `ERANGE`).
    Overflow,
    /// Nonzero, but rounded to zero (strtold: 0 with `ERANGE`).
    Underflow,
}

/// Parse `text` as Redis's `string2ld` does: the whole string must be one `strtold` number, not
/// starting with a space, shorter than `MAX_CHARS`, and neither NaN nor out of range.
fn parse(text: &[u8]) -> Option<Number> {
    if text.is_empty() || text.len() >= MAX_CHARS || text.first().is_some_and(|&b| is_c_space(b)) {
        return None;
    }
    let (neg, body) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(Number::Infinite);
    }
    let rounded = match body {
        [b'0', b'x' | b'X', hex @ ..] => parse_hex(neg, hex)?,
        _ => parse_decimal(neg, body)?,
    };
    match rounded {
        Rounded::Value(value) => Some(Number::Finite(value)),
        Rounded::Overflow | Rounded::Underflow => None,
    }
}

/// The parts of `digits[.digits][(e|p)[sign]digits]`, if `body` is exactly that.
struct Literal<'a> {
    int: &'a [u8],
    frac: &'a [u8],
    /// The exponent, saturated far beyond any meaningful value.
    exp: i64,
}

/// Split `body` into mantissa digits and exponent. `is_digit` decides decimal or hex digits;
/// `marker` is `e` or `p`. Anything left over (an `e` without digits, a second point, a space)
/// means strtold would stop early, which Redis rejects.
fn split_literal(body: &[u8], is_digit: fn(u8) -> bool, marker: u8) -> Option<Literal<'_>> {
    let int_len = body.iter().take_while(|&&b| is_digit(b)).count();
    let (int, rest) = body.split_at(int_len);
    let (frac, rest) = match rest {
        [b'.', after @ ..] => {
            let frac_len = after.iter().take_while(|&&b| is_digit(b)).count();
            after.split_at(frac_len)
        }
        _ => (&rest[..0], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match rest {
        [] => 0,
        [m, exp @ ..] if m.eq_ignore_ascii_case(&marker) => {
            let (neg, digits) = match exp {
                [b'-', d @ ..] => (true, d),
                [b'+', d @ ..] => (false, d),
                _ => (false, exp),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Saturate: any exponent past a billion is already far out of range.
            let magnitude = digits.iter().fold(0i64, |acc, &d| {
                (acc * 10 + i64::from(d - b'0')).min(1_000_000_000)
            });
            if neg { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    Some(Literal { int, frac, exp })
}

fn parse_decimal(neg: bool, body: &[u8]) -> Option<Rounded> {
    let literal = split_literal(body, |b| b.is_ascii_digit(), b'e')?;
    let digits = literal.int.iter().chain(literal.frac);
    let significant: Vec<u8> = digits.skip_while(|&&d| d == b'0').copied().collect();
    if significant.is_empty() {
        return Some(Rounded::Value(Finite {
            neg,
            ..Finite::ZERO
        }));
    }
    // value = significant * 10^exp10, and 10^(magnitude-1) <= value < 10^magnitude.
    let exp10 = literal.exp - literal.frac.len() as i64;
    let magnitude = exp10 + significant.len() as i64;
    if magnitude > DECIMAL_OVERFLOW {
        return Some(Rounded::Overflow);
    }
    if magnitude < DECIMAL_UNDERFLOW {
        return Some(Rounded::Underflow);
    }
    let mut num = Big::default();
    for chunk in significant.chunks(9) {
        let chunk_value = chunk
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        num.mul_add_small(10u32.pow(chunk.len() as u32), chunk_value);
    }
    let mut den = Big::from_u64(1);
    if exp10 >= 0 {
        num.mul_pow10(exp10.unsigned_abs());
    } else {
        den.mul_pow10(exp10.unsigned_abs());
    }
    Some(round(neg, num, den, 0))
}

fn parse_hex(neg: bool, body: &[u8]) -> Option<Rounded> {
    // "0x" without a hex digit after it: strtold reads the "0" and stops at the "x".
    let literal = split_literal(body, |b| b.is_ascii_hexdigit(), b'p')?;
    let mut num = Big::default();
    for &d in literal.int.iter().chain(literal.frac) {
        let nibble = (d as char).to_digit(16).unwrap_or(0);
        num.mul_add_small(16, nibble);
    }
    if num.is_zero() {
        return Some(Rounded::Value(Finite {
            neg,
            ..Finite::ZERO
        }));
    }
    let exp2 = literal.exp - 4 * literal.frac.len() as i64;
    let magnitude = exp2 + num.bits();
    if magnitude > BINARY_OVERFLOW {
        return Some(Rounded::Overflow);
    }
    if magnitude < BINARY_UNDERFLOW {
        return Some(Rounded::Underflow);
    }
    Some(round(neg, num, Big::from_u64(1), exp2))
}

/// The exact sum `a + b`, rounded once, as the x87 `fadd` does. `None` if it overflows.
fn add(a: Finite, b: Finite) -> Option<Finite> {
    if a.sig == 0 && b.sig == 0 {
        // -0 + -0 is -0; any other sum of zeros is +0 (round to nearest).
        return Some(Finite {
            neg: a.neg && b.neg,
            ..Finite::ZERO
        });
    }
    if a.sig == 0 {
        return Some(b);
    }
    if b.sig == 0 {
        return Some(a);
    }
    // Line both up on the smaller exponent: the exact sum is an integer times 2^exp.
    let exp = a.exp.min(b.exp);
    let mut x = Big::from_u64(a.sig);
    x.shl((a.exp - exp).unsigned_abs());
    let mut y = Big::from_u64(b.sig);
    y.shl((b.exp - exp).unsigned_abs());
    let (neg, magnitude) = if a.neg == b.neg {
        x.add_assign(&y);
        (a.neg, x)
    } else {
        match x.cmp(&y) {
            Ordering::Equal => return Some(Finite::ZERO),
            Ordering::Greater => {
                x.sub_assign(&y);
                (a.neg, x)
            }
            Ordering::Less => {
                y.sub_assign(&x);
                (b.neg, y)
            }
        }
    };
    match round(neg, magnitude, Big::from_u64(1), exp) {
        Rounded::Value(sum) => Some(sum),
        Rounded::Overflow => None,
        // A nonzero sum of representable values is a multiple of the smallest subnormal.
        Rounded::Underflow => Some(Finite {
            neg,
            ..Finite::ZERO
        }),
    }
}

/// The extended value nearest `num / den * 2^exp` (`num`, `den` > 0), ties to even, with
/// gradual underflow: this is the one rounding step that parsing and adding share.
fn round(neg: bool, mut num: Big, mut den: Big, exp: i64) -> Rounded {
    // With L = bits(num) - bits(den) + exp, the value v lies in (2^(L-1), 2^(L+1)). Take a
    // quotient q = floor(v / 2^e0) with e0 = L - 66, so 2^65 <= q < 2^67: at least two bits
    // below the 64 kept, for the round bit, and a sticky flag for everything lower.
    let e0 = num.bits() - den.bits() + exp - (PRECISION + 2);
    let shift = exp - e0; // = 66 - bits(num) + bits(den): small, whatever `exp` is.
    if shift >= 0 {
        num.shl(shift.unsigned_abs());
    } else {
        den.shl(shift.unsigned_abs());
    }
    let (q, sticky) = divide(num, &den, 67);
    let q_bits = i64::from(128 - q.leading_zeros());
    // Keep 64 bits, or fewer for a subnormal (the exponent cannot go below EXP_MIN).
    let mut e = (e0 + q_bits - PRECISION).max(EXP_MIN);
    let drop = (e - e0).unsigned_abs(); // at least 2
    let (mut kept, half, rest) = if drop >= 128 {
        (0, false, true)
    } else {
        let low = q & ((1u128 << (drop - 1)) - 1);
        (q >> drop, (q >> (drop - 1)) & 1 == 1, low != 0 || sticky)
    };
    if half && (rest || kept & 1 == 1) {
        kept += 1;
    }
    if kept == 1u128 << PRECISION {
        // Rounding carried into a new bit: 2^64 * 2^e is 2^63 * 2^(e+1).
        kept >>= 1;
        e += 1;
    }
    if kept == 0 {
        return Rounded::Underflow;
    }
    if e > EXP_MAX {
        return Rounded::Overflow;
    }
    Rounded::Value(Finite {
        neg,
        sig: kept as u64,
        exp: e,
    })
}

/// `floor(num / den)` for a quotient known to fit in `bits` bits, and whether a remainder is
/// left. Binary long division: `bits` compare-and-subtract steps.
fn divide(mut num: Big, den: &Big, bits: u32) -> (u128, bool) {
    let mut d = den.clone();
    d.shl(u64::from(bits - 1));
    let mut q = 0u128;
    for i in (0..bits).rev() {
        if num.cmp(&d) != Ordering::Less {
            num.sub_assign(&d);
            q |= 1 << i;
        }
        d.shr(1);
    }
    (q, !num.is_zero())
}

/// Append `value` as `ld2string(..., LD_STR_HUMAN)` prints it: `%.17Lf`, trailing zeros and a
/// trailing point removed, and `-0` turned into `0`.
fn format_human(value: Finite, out: &mut Vec<u8>) {
    const DECIMALS: usize = 17;
    // n = round_half_even(|value| * 10^17), computed exactly.
    let mut n = Big::from_u64(value.sig);
    n.mul_pow10(DECIMALS as u64);
    if value.exp >= 0 {
        n.shl(value.exp.unsigned_abs());
    } else {
        let drop = value.exp.unsigned_abs();
        let half = n.bit(drop - 1);
        let rest = n.any_bits_below(drop - 1);
        n.shr(drop);
        if half && (rest || n.bit(0)) {
            n.mul_add_small(1, 1);
        }
    }
    let mut digits = n.to_decimal();
    if digits.len() <= DECIMALS {
        // At least one digit before the point: 0.00000000000000001.
        let mut padded = vec![b'0'; DECIMALS + 1 - digits.len()];
        padded.extend_from_slice(&digits);
        digits = padded;
    }
    let (int, frac) = digits.split_at(digits.len() - DECIMALS);
    let start = out.len();
    if value.neg {
        out.push(b'-');
    }
    out.extend_from_slice(int);
    let frac_len = frac.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    if frac_len > 0 {
        out.push(b'.');
        out.extend_from_slice(&frac[..frac_len]);
    }
    if out.get(start..) == Some(b"-0") {
        out.truncate(start);
        out.push(b'0');
    }
}

/// A minimal unsigned big integer: little-endian 32-bit limbs, no zero limb at the top.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Big {
    limbs: Vec<u32>,
}

impl Big {
    fn from_u64(n: u64) -> Big {
        let mut big = Big {
            limbs: vec![n as u32, (n >> 32) as u32],
        };
        big.trim();
        big
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Number of significant bits (0 for zero).
    fn bits(&self) -> i64 {
        match self.limbs.last() {
            None => 0,
            Some(&top) => self.limbs.len() as i64 * 32 - i64::from(top.leading_zeros()),
        }
    }

    fn bit(&self, i: u64) -> bool {
        self.limbs
            .get((i / 32) as usize)
            .is_some_and(|&limb| (limb >> (i % 32)) & 1 == 1)
    }

    /// Whether any of the bits below bit `n` is set.
    fn any_bits_below(&self, n: u64) -> bool {
        let (words, bits) = ((n / 32) as usize, (n % 32) as u32);
        self.limbs.iter().take(words).any(|&limb| limb != 0)
            || (bits > 0
                && self
                    .limbs
                    .get(words)
                    .is_some_and(|&limb| limb & ((1u32 << bits) - 1) != 0))
    }

    /// `self = self * mul + add`.
    fn mul_add_small(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.limbs {
            let t = u64::from(*limb) * u64::from(mul) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
        self.trim();
    }

    /// `self *= 10^n`.
    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 {
            self.mul_add_small(10u32.pow(n as u32), 0);
        }
    }

    /// `self <<= n`.
    fn shl(&mut self, n: u64) {
        if self.is_zero() {
            return;
        }
        let (words, bits) = ((n / 32) as usize, (n % 32) as u32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let v = *limb;
                *limb = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
        if words > 0 {
            self.limbs.splice(0..0, std::iter::repeat_n(0, words));
        }
    }

    /// `self >>= n`.
    fn shr(&mut self, n: u64) {
        let (words, bits) = ((n / 32) as usize, (n % 32) as u32);
        if words >= self.limbs.len() {
            self.limbs.clear();
            return;
        }
        self.limbs.drain(..words);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in self.limbs.iter_mut().rev() {
                let v = *limb;
                *limb = (v >> bits) | carry;
                carry = v << (32 - bits);
            }
        }
        self.trim();
    }

    fn add_assign(&mut self, other: &Big) {
        if self.limbs.len() < other.limbs.len() {
            self.limbs.resize(other.limbs.len(), 0);
        }
        let mut carry = 0u64;
        for (i, limb) in self.limbs.iter_mut().enumerate() {
            let t = u64::from(*limb) + u64::from(other.limbs.get(i).copied().unwrap_or(0)) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
    }

    /// `self -= other`, for `other <= self`.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0u64;
        for (i, limb) in self.limbs.iter_mut().enumerate() {
            let subtrahend = u64::from(other.limbs.get(i).copied().unwrap_or(0)) + borrow;
            let minuend = u64::from(*limb);
            if minuend >= subtrahend {
                *limb = (minuend - subtrahend) as u32;
                borrow = 0;
            } else {
                *limb = (minuend + (1 << 32) - subtrahend) as u32;
                borrow = 1;
            }
        }
        self.trim();
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }

    /// `self /= d`, returning the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / u64::from(d)) as u32;
            rem = cur % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    /// Decimal digits, most significant first (`"0"` for zero).
    fn to_decimal(&self) -> Vec<u8> {
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        let mut digits = Vec::with_capacity(chunks.len() * 9 + 1);
        match chunks.split_last() {
            None => digits.push(b'0'),
            Some((top, lower)) => {
                digits.extend_from_slice(top.to_string().as_bytes());
                for chunk in lower.iter().rev() {
                    digits.extend_from_slice(format!("{chunk:09}").as_bytes());
                }
            }
        }
        digits
    }
}

#[cfg(test)]
mod tests {
    use crate::server::commands::strings::long_double::*;

    fn incr(current: Option<&str>, by: &str) -> Result<String, FloatError> {
        let mut out = Vec::new();
        incr_by_float(current.map(str::as_bytes), by.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    /// Expected results captured from redis-server 7.0.15 on x86-64.
    #[test]
    fn matches_redis_results() {
        let ok: &[(Option<&str>, &str, &str)] = &[
            (Some("10.5"), "0.1", "10.6"),
            (Some("3.0e3"), "0", "3000"),
            (None, "5.0e3", "5000"),
            (None, "0x10p1", "32"),
            (None, "-0", "0"),
            (None, "1e-4940", "0"),
            (Some("5"), "0x1p-18", "5.00000381469726562"),
            // An exact tie at the 17th decimal rounds to even.
            (None, "0x1p-18", "0.00000381469726562"),
            (None, "1.5e-17", "0.00000000000000002"),
            (None, "0.000000000000000005", "0"),
            (None, "0.000000000000000015", "0.00000000000000002"),
            (None, "-0.000000000000000001", "0"),
            (Some("1.0"), ".5", "1.5"),
            (Some("1.5"), "5.", "6.5"),
            (Some("6.5"), "0x.8", "7"),
            // Exact ties when parsing (65 significant bits): to the even significand.
            (None, "18446744073709551617", "18446744073709551616"),
            (None, "18446744073709551619", "18446744073709551620"),
        ];
        for (current, by, want) in ok {
            assert_eq!(
                incr(*current, by).as_deref(),
                Ok(*want),
                "{current:?} + {by}"
            );
        }
        let big = incr(Some("5000"), "1e400").unwrap_or_default();
        assert!(big.starts_with("10000000000000000000281880683947586514586453433629"));
        assert!(big.ends_with("734806343732497430221946880") && big.len() == 401);
    }

    #[test]
    fn rejects_what_redis_rejects() {
        for bad in [
            "nan", " 1", "1 ", "1e", "1e+", ".", "infin", "0x", "1_0", "", "1e4933", "1e-5000",
        ] {
            assert_eq!(incr(None, bad), Err(FloatError::NotAFloat), "{bad:?}");
        }
        assert_eq!(incr(Some(""), "1"), Err(FloatError::NotAFloat));
        for inf in ["inf", "INF", "infinity", "-Infinity"] {
            assert_eq!(
                incr(Some("1"), inf),
                Err(FloatError::NanOrInfinity),
                "{inf}"
            );
        }
        assert_eq!(
            incr(Some("1e4932"), "1e4932"),
            Err(FloatError::NanOrInfinity)
        );
        // 5119 bytes is the longest number Redis reads.
        let longest = format!("0.{}", "1".repeat(MAX_CHARS - 3));
        assert_eq!(incr(None, &longest).as_deref(), Ok("0.11111111111111111"));
        assert_eq!(
            incr(None, &format!("{longest}1")),
            Err(FloatError::NotAFloat)
        );
    }
}
