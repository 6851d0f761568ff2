//! Glob-style pattern matching with the exact semantics of Redis.
//!
//! `KEYS pattern`, `SCAN ... MATCH pattern` and `PSUBSCRIBE pattern` all select
//! keys or channels with a small shell-like glob language. Redis implements it
//! in `stringmatchlen` (`src/util.c`); this module is an independent
//! implementation of the same language, byte for byte, including its corner
//! cases, but with a matching algorithm whose running time is bounded by
//! `O(len(pattern) * len(string))`.
//!
//! # The language
//!
//! Patterns and subjects are arbitrary bytes (not necessarily UTF-8).
//!
//! | token         | matches                                             |
//! |---------------|-----------------------------------------------------|
//! | `*`           | any run of bytes, even none; `**` is the same       |
//! | `?`           | exactly one byte                                    |
//! | `[abc]`       | one byte that is `a`, `b` or `c`                    |
//! | `[^abc]`      | one byte that is none of them                       |
//! | `[a-z]`       | one byte in the range; `[z-a]` is the same range    |
//! | `\x`          | the byte `x` literally (also inside `[...]`)        |
//! | anything else | that byte                                           |
//!
//! With `nocase`, bytes are compared after ASCII lower-casing (C `tolower` in
//! the "C" locale, which is what Redis runs with: only `A`-`Z` are folded).
//!
//! # Corner cases reproduced from Redis
//!
//! These are not documented by Redis but follow from how `stringmatchlen` is
//! written; we copy them so that a client sees the same keys from us as from
//! Redis. Each was checked against a real Redis 7.0.15 server (see the tests).
//!
//! * An **empty subject matches only the empty pattern**: `*` does not match
//!   `""`. (Redis' `KEYS *` and `SCAN` without `MATCH` still list an empty key
//!   because they short-circuit the literal pattern `*` before matching; that
//!   shortcut belongs to the callers, not to this function.)
//! * A `[` without a closing `]` is a class that **runs to the end of the
//!   pattern**: `[ab` matches `a` or `b`. A pattern ending right after `[`
//!   is an empty class and matches nothing; one ending after `[^` is an empty
//!   negated class and matches any single byte.
//! * A `]` immediately after `[` (or `[^`) closes the class, so `[]` is an empty
//!   class (never matches) and `[^]` matches any byte.
//! * Ranges are recognised greedily as `x-y` whenever three bytes remain, even
//!   when `y` is `]`: `[a-]` is the range `]`..`a` and the class stays open.
//!   A `-` that cannot start or end a range is literal (`[-a]`, `[a-`).
//! * Inside a class, `\x` is compared **case-sensitively** even with `nocase`;
//!   outside a class it honours `nocase` like any other literal.
//! * A lone `\` at the end of the pattern (or of an unterminated class) is a
//!   literal backslash.
//! * Range bounds and the subject byte are compared as C `char`, which is
//!   **signed** on x86-64 (the platform Redis is overwhelmingly run on): bytes
//!   `0x80..=0xFF` sort below `0x00`, so `[a-\xff]` means `\xff`..`a`, i.e.
//!   `0xFF` plus `0x00..=0x61`. Redis built for a platform whose `char` is
//!   unsigned (e.g. ARM) behaves differently there; we follow x86-64.
//! * With `nocase`, a range is first put in order and *then* both bounds are
//!   lower-cased, so `[A-z]` becomes `a`-`z` (dropping `[`..`` ` ``) and
//!   `[Z-a]` becomes the empty range `z`-`a`.
//! * Redis matches recursively and refuses to nest more than 1000 stars deep:
//!   if the pattern contains more than 1000 `*` groups and the 1001st one is
//!   not the last token, nothing matches. We have no recursion, but keep the
//!   rule so that answers agree.
//!
//! # Why matching is polynomial
//!
//! The obvious way to match `*` is recursion: try the rest of the pattern
//! against every suffix of the subject. With `k` stars each recursion level
//! retries the next one at every position, so a failing match such as
//! `a*a*a*a*a*b` against `aaaa...a` explores on the order of `n^k` ways of
//! splitting the subject: exponential in the number of stars.
//!
//! The key observation is that every token other than `*` consumes **exactly
//! one byte**. Consider the last star seen so far, at string position `s`, and
//! suppose the pattern after it fails to match from `s`. Only two choices are
//! left: let that star swallow one more byte, or revisit an earlier star. The
//! tokens between the two stars have a fixed width, so an earlier star
//! swallowing more bytes only makes the last star *start* later; since the
//! last star can itself swallow any number of bytes, every string position
//! reachable that way is also reachable by letting the last star eat more.
//! So earlier stars never need to be revisited, and only one resume point
//! (the pattern position after the last star, and the string position where it
//! was last tried) has to be remembered. On a mismatch we resume there with
//! one more byte consumed by the star; meeting a new star replaces the resume
//! point. The resume string position only grows, and between two resumptions
//! the pattern is walked at most once, so the work is at most
//! `(len(string) + 1) * (len(pattern) + 1)` token steps.
//!
//! (Later 7.0 patch releases, fixing CVE-2022-36021, made `stringmatchlen`
//! use the same argument inside its recursion: once an inner star has failed
//! at every position, outer stars are abandoned. The answers are unchanged;
//! we simply never recurse.)

/// Redis' recursive matcher gives up when stars are nested deeper than this;
/// see the module documentation.
const MAX_STAR_NESTING: usize = 1000;

/// Does `string` match the glob `pattern`? (Redis `stringmatchlen` semantics.)
///
/// `nocase` folds ASCII letters before comparing, as `stringmatchlen` does
/// when its `nocase` flag is set. Never panics; runs in
/// `O(pattern.len() * string.len())` time and constant space.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut steps = 0;
    match_counting(pattern, string, nocase, &mut steps)
}

/// The matcher proper. `steps` counts loop iterations so tests can check the
/// complexity bound without relying on wall-clock time.
fn match_counting(pattern: &[u8], string: &[u8], nocase: bool, steps: &mut u64) -> bool {
    // Redis only enters its matching loop while both inputs are non-empty, so
    // an empty subject matches nothing but the empty pattern, not even `*`.
    if string.is_empty() {
        return pattern.is_empty();
    }
    if exceeds_star_nesting(pattern) {
        return false;
    }

    let mut p = 0; // next pattern byte to read
    let mut s = 0; // next subject byte to match
    // Where to resume after a mismatch: the pattern position just after the
    // last star, and the subject position that star's continuation was last
    // tried from. `None` until a star has been seen: then a mismatch is final.
    let mut resume: Option<(usize, usize)> = None;

    loop {
        *steps += 1;

        let Some(&c) = string.get(s) else {
            // Subject used up: only stars, which may match nothing, may
            // remain. No need to resume: making the last star longer would
            // run out of subject even earlier in the pattern, leaving at least
            // the non-star token that follows that star unmatched.
            return pattern
                .get(p..)
                .is_some_and(|rest| rest.iter().all(|&b| b == b'*'));
        };

        match next_token(pattern, p) {
            Some((Token::Star, next)) => {
                if next == pattern.len() {
                    // A trailing star swallows whatever is left.
                    return true;
                }
                // First try letting the star match nothing.
                resume = Some((next, s));
                p = next;
                continue;
            }
            Some((token, next)) if token.matches(c, nocase) => {
                p = next;
                s += 1;
                continue;
            }
            // Either this token rejects `c` or the pattern ended with subject
            // left over: handled below.
            _ => {}
        }

        // Mismatch: let the last star swallow one more byte and retry the rest
        // of the pattern from there (see the module docs for why earlier stars
        // never need revisiting).
        let Some((star_next, star_s)) = resume else {
            return false;
        };
        let star_s = star_s + 1;
        resume = Some((star_next, star_s));
        p = star_next;
        s = star_s;
    }
}

/// Reproduces Redis' recursion limit: true if the pattern has more than
/// [`MAX_STAR_NESTING`] star groups and the first one over the limit is
/// followed by more pattern. Such a pattern can never match in Redis, because
/// every successful match has to walk through that star with subject left.
fn exceeds_star_nesting(pattern: &[u8]) -> bool {
    // Cheap filter: that many star groups, each followed by something, need
    // at least two bytes per group.
    if pattern.len() <= 2 * MAX_STAR_NESTING {
        return false;
    }
    let mut stars = 0;
    let mut p = 0;
    while let Some((token, next)) = next_token(pattern, p) {
        if matches!(token, Token::Star) {
            stars += 1;
            if stars > MAX_STAR_NESTING {
                return next < pattern.len();
            }
        }
        p = next;
    }
    false
}

/// One unit of pattern syntax. Everything except [`Token::Star`] matches
/// exactly one subject byte, which is what makes the single resume point of
/// [`match_counting`] sufficient.
#[derive(Clone, Copy, Debug)]
enum Token<'a> {
    /// One or more consecutive `*`.
    Star,
    /// `?`
    Any,
    /// A plain or `\`-escaped byte, compared honouring `nocase`.
    Byte(u8),
    /// `[...]`
    Class(Class<'a>),
}

impl Token<'_> {
    /// Does this single-byte token accept `c`? (`Star` is handled by the
    /// caller and never reaches here; answering `true` would be harmless.)
    fn matches(&self, c: u8, nocase: bool) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Byte(b) => bytes_eq(*b, c, nocase),
            Token::Class(class) => class.matches(c, nocase),
        }
    }
}

/// Reads the token starting at `pattern[p]`, returning it with the position
/// just after it, or `None` at the end of the pattern.
///
/// Tokenising depends only on the pattern, never on the subject, so the same
/// position always yields the same token and the same end.
fn next_token(pattern: &[u8], p: usize) -> Option<(Token<'_>, usize)> {
    let &b = pattern.get(p)?;
    let token = match b {
        b'*' => {
            // Collapse a run of stars: `**` means exactly what `*` means,
            // and treating it as one token keeps the resume point meaningful.
            let mut next = p + 1;
            while pattern.get(next) == Some(&b'*') {
                next += 1;
            }
            (Token::Star, next)
        }
        b'?' => (Token::Any, p + 1),
        b'[' => {
            let class = Class::parse(pattern, p + 1);
            (Token::Class(class), class.end())
        }
        b'\\' => match pattern.get(p + 1) {
            Some(&escaped) => (Token::Byte(escaped), p + 2),
            // Nothing left to escape: the backslash stands for itself.
            None => (Token::Byte(b'\\'), p + 1),
        },
        _ => (Token::Byte(b), p + 1),
    };
    Some(token)
}

/// A bracket expression: an optional `^` followed by items (see
/// [`ClassItems`]) up to a closing `]` or the end of the pattern.
#[derive(Clone, Copy, Debug)]
struct Class<'a> {
    negated: bool,
    items: ClassItems<'a>,
}

impl<'a> Class<'a> {
    /// `start` is the position just after the opening `[`.
    fn parse(pattern: &'a [u8], start: usize) -> Self {
        let negated = pattern.get(start) == Some(&b'^');
        let body = if negated { start + 1 } else { start };
        Class {
            negated,
            items: ClassItems {
                pattern,
                pos: body,
                done: false,
            },
        }
    }

    /// Position just after the class: after its `]`, or the pattern's end
    /// if it is unterminated.
    fn end(&self) -> usize {
        let mut items = self.items;
        items.by_ref().for_each(drop);
        items.pos
    }

    fn matches(&self, c: u8, nocase: bool) -> bool {
        let mut items = self.items;
        let hit = items.any(|item| item.matches(c, nocase));
        hit != self.negated
    }
}

/// Iterator over the members of a class, starting just after `[` / `[^`.
/// Once exhausted, `pos` is the position just after the class.
#[derive(Clone, Copy, Debug)]
struct ClassItems<'a> {
    pattern: &'a [u8],
    pos: usize,
    done: bool,
}

impl Iterator for ClassItems<'_> {
    type Item = ClassItem;

    fn next(&mut self) -> Option<ClassItem> {
        if self.done {
            return None;
        }
        let rest = self.pattern.get(self.pos..).unwrap_or_default();
        // The order of these arms is Redis' precedence: an escape wins over
        // `]` (so `\]` is a member), `]` wins over a range (so `[]-a]` is an
        // empty class followed by `-a]`), and a range is taken whenever three
        // bytes remain, even `a-]`.
        let (item, len) = match rest {
            [] => {
                // Unterminated: the class swallowed the rest of the pattern.
                self.done = true;
                return None;
            }
            [b'\\', escaped, ..] => (ClassItem::Exact(*escaped), 2),
            [b']', ..] => {
                self.pos += 1;
                self.done = true;
                return None;
            }
            [lo, b'-', hi, ..] => (ClassItem::Range(*lo, *hi), 3),
            // Includes a lone `\` at the very end: it is a literal member.
            [b, ..] => (ClassItem::Byte(*b), 1),
        };
        self.pos += len;
        Some(item)
    }
}

/// One member of a bracket class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClassItem {
    /// `\x`: Redis compares escaped class members exactly, ignoring `nocase`.
    Exact(u8),
    /// A plain byte, compared honouring `nocase`.
    Byte(u8),
    /// `lo-hi`, in either order.
    Range(u8, u8),
}

impl ClassItem {
    fn matches(self, c: u8, nocase: bool) -> bool {
        match self {
            ClassItem::Exact(b) => b == c,
            ClassItem::Byte(b) => bytes_eq(b, c, nocase),
            ClassItem::Range(lo, hi) => {
                // Redis compares C `char`s, signed on x86-64; see module docs.
                let (mut lo, mut hi, mut c) = (lo as i8, hi as i8, c as i8);
                if lo > hi {
                    std::mem::swap(&mut lo, &mut hi);
                }
                // Folding happens after ordering, so it can empty the range.
                if nocase {
                    lo = fold_signed(lo);
                    hi = fold_signed(hi);
                    c = fold_signed(c);
                }
                lo <= c && c <= hi
            }
        }
    }
}

/// Byte equality, ASCII-case-insensitive when `nocase`.
fn bytes_eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// `tolower` on a signed C `char` in the "C" locale: only `A`-`Z` change, and
/// those are all non-negative, so the round trip through `u8` is exact.
fn fold_signed(c: i8) -> i8 {
    (c as u8).to_ascii_lowercase() as i8
}

#[cfg(test)]
#[path = "../../tests/support/glob_reference.rs"]
mod glob_reference;

#[cfg(test)]
mod tests {
    use crate::server::glob::*;
    use proptest::prelude::*;

    /// `(pattern, subject, nocase, expected)`.
    ///
    /// Verified against a real Redis 7.0.15 server on x86-64: every subject
    /// below (plus all strings of up to 3 bytes over `aAb-]^[\*?_`) was
    /// stored as a key, and for every case-sensitive pattern `KEYS pattern`
    /// returned exactly the keys this matcher accepts. The only difference
    /// is the literal pattern `*`, which `KEYS` short-circuits so that it
    /// also lists the empty key. `nocase` rows whose subject is a command name
    /// (`get`) were checked through `COMMAND LIST FILTERBY PATTERN`, which is
    /// case-insensitive in 7.0. Rows marked "redis" are the surprising ones.
    /// 100,000 random patterns of up to 11 bytes (with some `\x00`, `\x80`,
    /// `\x90`, `\xff`) against that key set, and 25,000 random nocase patterns
    /// against the 366 command names, also agreed.
    const CASES: &[(&[u8], &[u8], bool, bool)] = &[
        // Empty inputs. `*` vs "" is false in Redis (redis: `SET "" v`,
        // `KEYS **` does not list it; `KEYS *` does only via a shortcut).
        (b"", b"", false, true),
        (b"", b"a", false, false),
        (b"a", b"", false, false),
        (b"*", b"", false, false),
        (b"**", b"", false, false),
        (b"?", b"", false, false),
        (b"[^", b"", false, false),
        // Literals.
        (b"abc", b"abc", false, true),
        (b"abc", b"abd", false, false),
        (b"abc", b"ab", false, false),
        (b"ab", b"abc", false, false),
        (b"\xff\x00", b"\xff\x00", false, true),
        (b"a\x00", b"a", false, false),
        // Stars.
        (b"*", b"a", false, true),
        (b"*", b"anything at all", false, true),
        (b"**", b"abc", false, true),
        (b"a*", b"a", false, true),
        (b"a**", b"a", false, true),
        (b"a*?", b"a", false, false),
        (b"a*?", b"ab", false, true),
        (b"a*b", b"ab", false, true),
        (b"a*b", b"axxb", false, true),
        (b"a*b", b"axxbx", false, false),
        (b"a*b", b"abab", false, true),
        (b"*b", b"b", false, true),
        (b"*a*", b"bab", false, true),
        (b"*a*", b"bbb", false, false),
        (b"a*\x00*", b"a", false, false),
        (b"*ab*ab", b"abxabyab", false, true),
        (b"*aab", b"aaab", false, true),
        // `?`.
        (b"?", b"a", false, true),
        (b"?", b"ab", false, false),
        (b"??", b"ab", false, true),
        (b"a?c", b"a\xffc", false, true),
        // Classes.
        (b"[abc]", b"b", false, true),
        (b"[abc]", b"d", false, false),
        (b"[abc]", b"", false, false),
        (b"[abc]", b"ab", false, false),
        (b"[^abc]", b"d", false, true),
        (b"[^abc]", b"a", false, false),
        (b"[a-c]", b"b", false, true),
        (b"[a-c]", b"d", false, false),
        (b"[c-a]", b"b", false, true), // reversed range is swapped
        (b"[c-a]", b"d", false, false),
        (b"[a-c-e]", b"-", false, true),
        (b"[a-c-e]", b"e", false, true),
        (b"[a-c-e]", b"d", false, false),
        (b"[-a]", b"-", false, true),
        (b"[*]", b"*", false, true),
        (b"[*]", b"a", false, false),
        (b"[?]", b"?", false, true),
        (b"[?]", b"a", false, false),
        (b"[[]", b"[", false, true),
        // `]` right after `[` closes an empty class (redis).
        (b"[]", b"]", false, false),
        (b"[]a]", b"a]", false, false),
        (b"[]a]", b"]", false, false),
        (b"[^]", b"x", false, true),
        (b"[^]]", b"a]", false, true),
        (b"[^]]", b"a", false, false),
        (b"[^]a", b"xa", false, true),
        // Range ending in `]` keeps the class open (redis).
        (b"[a-]", b"_", false, true),
        (b"[a-]", b"a", false, true),
        (b"[a-]", b"-", false, false),
        (b"[a-]", b"b", false, false),
        (b"[a-]x", b"x", false, true),
        (b"[a-]x", b"_x", false, false),
        // Unterminated classes run to the end of the pattern (redis).
        (b"[", b"[", false, false),
        (b"[", b"a", false, false),
        (b"[^", b"x", false, true),
        (b"[^", b"xy", false, false),
        (b"[ab", b"b", false, true),
        (b"[ab", b"ab", false, false),
        (b"[ab", b"[", false, false),
        (b"[a-", b"-", false, true),
        (b"[a-", b"b", false, false),
        (b"[a-c", b"b", false, true),
        (b"[^a", b"b", false, true),
        (b"[^a", b"a", false, false),
        (b"x[ab*", b"x*", false, true),
        (b"x[ab*", b"xab", false, false),
        // Escapes inside classes (redis).
        (b"[\\]]", b"]", false, true),
        (b"[\\]]", b"\\", false, false),
        (b"[\\]", b"]", false, true), // escaped `]`, class unterminated
        (b"[\\]", b"\\", false, false),
        (b"[\\", b"\\", false, true), // lone `\` at the end is literal
        (b"[a\\", b"\\", false, true),
        (b"[\\-a]", b"-", false, true),
        (b"[\\-a]", b"b", false, false),
        (b"[\\^a]", b"^", false, true),
        (b"[^\\]]", b"]", false, false),
        (b"[^\\]]", b"a", false, true),
        // Escapes outside classes.
        (b"\\*", b"*", false, true),
        (b"\\*", b"a", false, false),
        (b"\\?", b"?", false, true),
        (b"\\?", b"x", false, false),
        (b"\\[", b"[", false, true),
        (b"\\\\", b"\\", false, true),
        (b"\\a", b"a", false, true),
        // Trailing lone `\` is a literal backslash (redis).
        (b"\\", b"\\", false, true),
        (b"\\", b"", false, false),
        (b"a\\", b"a\\", false, true),
        (b"a\\", b"a", false, false),
        (b"*\\", b"xyz\\", false, true),
        // Signed-char ranges (redis, x86-64).
        (b"[a-\xff]", b"\xff", false, true),
        (b"[a-\xff]", b"\x00", false, true),
        (b"[a-\xff]", b"a", false, true),
        (b"[a-\xff]", b"b", false, false),
        (b"[a-\xff]", b"\x80", false, false),
        (b"[\x80-\xff]", b"\x90", false, true),
        (b"[\x80-\xff]", b"a", false, false),
        // nocase.
        (b"HeLLo", b"hello", true, true),
        (b"HeLLo", b"hello", false, false),
        (b"h*O", b"HELLO", true, true),
        (b"[A-C]", b"b", true, true),
        (b"[a-c]", b"B", true, true),
        (b"[A-C]", b"b", false, false),
        (b"[^A]", b"a", true, false),
        (b"[xY]", b"y", true, true),
        (b"\xc4", b"\xe4", true, false), // only ASCII folds
        // Bounds are folded after ordering (redis: `[Z-h]et` does not
        // select `get` with nocase).
        (b"[A-z]", b"_", false, true),
        (b"[A-z]", b"_", true, false),
        (b"[Z-a]", b"_", false, true),
        (b"[Z-a]", b"_", true, false),
        (b"[Z-a]", b"a", true, false),
        (b"[Z-h]et", b"get", true, false),
        (b"[a-Z]", b"b", true, false),
        // Escaped class members ignore nocase; escaped literals outside a
        // class do not (redis).
        (b"[\\G]et", b"get", true, false),
        (b"[\\g]et", b"get", true, true),
        (b"\\Get", b"get", true, true),
    ];

    #[test]
    fn table() {
        for &(pattern, string, nocase, expected) in CASES {
            assert_eq!(
                glob_match(pattern, string, nocase),
                expected,
                "pattern {:?} string {:?} nocase {nocase}",
                pattern.escape_ascii().to_string(),
                string.escape_ascii().to_string(),
            );
            // The reference must agree too, or the proptest below proves
            // nothing.
            assert_eq!(
                reference(pattern, string, nocase),
                expected,
                "reference: pattern {:?} string {:?} nocase {nocase}",
                pattern.escape_ascii().to_string(),
                string.escape_ascii().to_string(),
            );
        }
    }

    #[test]
    fn star_nesting_limit() {
        // redis: the 1001st star group, when followed by more pattern, makes
        // the match fail; 1000 groups, or a trailing 1001st, are fine.
        let a = vec![b'a'; 1001];
        let over = b"*a".repeat(1001);
        let at_limit = b"*a".repeat(1000);
        let trailing = [b"*a".repeat(1000), b"*".to_vec()].concat();
        let trailing_stars = [b"*a".repeat(1000), b"***".to_vec()].concat();
        assert!(!glob_match(&over, &a, false));
        assert!(glob_match(&at_limit, &a[..1000], false));
        assert!(glob_match(&at_limit, &a, false));
        assert!(glob_match(&trailing, &a, false));
        assert!(glob_match(&trailing_stars, &a, false));
        // Escaped or bracketed stars are not star groups.
        let escaped = b"\\*a".repeat(1001);
        assert!(glob_match(&escaped, &b"*a".repeat(1001), false));
    }

    #[test]
    fn pathological_pattern_is_polynomial() {
        // Naive recursion needs about n^10 / 10! steps here.
        let pattern = b"a*a*a*a*a*a*a*a*a*a*b";
        let string = vec![b'a'; 10_000];
        let mut steps = 0;
        assert!(!match_counting(pattern, &string, false, &mut steps));
        let bound = (string.len() as u64 + 1) * (pattern.len() as u64 + 1);
        assert!(steps <= bound, "{steps} steps exceeds {bound}");
        // In fact only the last star ever backtracks: about two steps per byte.
        assert!(steps < 3 * string.len() as u64, "{steps} steps");

        // And the matching counterpart still succeeds.
        let mut string = string;
        string.push(b'b');
        let mut steps = 0;
        assert!(match_counting(pattern, &string, false, &mut steps));
        assert!(steps < 3 * string.len() as u64, "{steps} steps");
    }

    #[test]
    fn worst_case_stays_within_bound() {
        // Many stars with a failing tail, every token forcing a rescan.
        let pattern = [b"*?".repeat(50), b"b".to_vec()].concat();
        let string = vec![b'a'; 2_000];
        let mut steps = 0;
        assert!(!match_counting(&pattern, &string, false, &mut steps));
        let bound = (string.len() as u64 + 1) * (pattern.len() as u64 + 1);
        assert!(steps <= bound, "{steps} steps exceeds {bound}");
    }

    // The reference matcher lives in its own file, shared with the fuzz crate.
    use crate::server::glob::glob_reference::reference;

    fn bytes_from(alphabet: &'static [u8], max_len: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(alphabet), 0..=max_len)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn agrees_with_reference(
            pattern in bytes_from(b"ab*?[]^-\\A", 10),
            string in bytes_from(b"abAB-]^[\\*?_", 10),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(
                glob_match(&pattern, &string, nocase),
                reference(&pattern, &string, nocase),
                "pattern {:?} string {:?}",
                pattern.escape_ascii().to_string(),
                string.escape_ascii().to_string(),
            );
        }

        #[test]
        fn agrees_with_reference_on_arbitrary_bytes(
            pattern in proptest::collection::vec(any::<u8>(), 0..8),
            string in proptest::collection::vec(any::<u8>(), 0..8),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(
                glob_match(&pattern, &string, nocase),
                reference(&pattern, &string, nocase),
            );
        }
    }
}
