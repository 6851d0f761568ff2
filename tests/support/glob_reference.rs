//! A reference glob matcher for tests: the obvious, slow formulation of Redis's
//! `stringmatchlen`, against which `src/server/glob.rs` is checked (its unit proptests, and the
//! `glob_match` fuzz target in `fuzz/`, both include this file with `#[path]`).

use std::collections::HashMap;

/// Redis gives up (matches nothing) past this many separate star runs: its recursion limit,
/// restated here rather than imported, so the reference shares nothing with the matcher.
const MAX_STAR_NESTING: usize = 1000;

//
// Deliberately the obvious formulation: a star either matches nothing or
// eats one byte and stays; every other token eats one byte. Memoised on
// the remaining lengths so small random inputs stay cheap. It shares no
// code with the matcher in src/server/glob.rs (bracket syntax is re-parsed by slice
// patterns on the remaining pattern).

pub fn reference(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    if reference_star_groups_block(pattern) {
        return false;
    }
    let mut memo = HashMap::new();
    reference_rec(pattern, string, nocase, &mut memo)
}

fn reference_rec(
    pattern: &[u8],
    string: &[u8],
    nocase: bool,
    memo: &mut HashMap<(usize, usize), bool>,
) -> bool {
    let key = (pattern.len(), string.len());
    if let Some(&known) = memo.get(&key) {
        return known;
    }
    let result = match (pattern, string) {
        ([], _) => string.is_empty(),
        ([b'*', rest @ ..], _) => {
            reference_rec(rest, string, nocase, memo)
                || match string {
                    [_, tail @ ..] => reference_rec(pattern, tail, nocase, memo),
                    [] => false,
                }
        }
        (_, []) => false,
        (_, [c, tail @ ..]) => {
            let (ok, rest) = reference_one(pattern, *c, nocase);
            ok && reference_rec(rest, tail, nocase, memo)
        }
    };
    memo.insert(key, result);
    result
}

/// Matches the single-byte token at the head of `pattern` against `c`;
/// returns the verdict and the pattern after the token.
fn reference_one(pattern: &[u8], c: u8, nocase: bool) -> (bool, &[u8]) {
    let fold = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    match pattern {
        [b'?', rest @ ..] => (true, rest),
        [b'\\', e, rest @ ..] => (fold(*e) == fold(c), rest),
        [b'[', b'^', rest @ ..] => {
            let (hit, rest) = reference_class(rest, c, nocase);
            (!hit, rest)
        }
        [b'[', rest @ ..] => reference_class(rest, c, nocase),
        [b, rest @ ..] => (fold(*b) == fold(c), rest),
        [] => (false, pattern),
    }
}

fn reference_class(mut body: &[u8], c: u8, nocase: bool) -> (bool, &[u8]) {
    let fold = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    let mut hit = false;
    loop {
        match body {
            [] => return (hit, body),
            [b'\\', e, rest @ ..] => {
                hit |= *e == c;
                body = rest;
            }
            [b']', rest @ ..] => return (hit, rest),
            [lo, b'-', hi, rest @ ..] => {
                // As C would: widen signed chars to int, order, then fold.
                let signed = |b: u8| i32::from(b as i8);
                let (lo, hi) = (signed(*lo), signed(*hi));
                let (lo, hi) = (lo.min(hi), lo.max(hi));
                let lower = |v: i32| {
                    if nocase && (i32::from(b'A')..=i32::from(b'Z')).contains(&v) {
                        v + 32
                    } else {
                        v
                    }
                };
                hit |= (lower(lo)..=lower(hi)).contains(&lower(signed(c)));
                body = rest;
            }
            [b, rest @ ..] => {
                hit |= fold(*b) == fold(c);
                body = rest;
            }
        }
    }
}

/// The Redis recursion limit, recomputed by counting star runs with the
/// reference tokenizer.
fn reference_star_groups_block(mut pattern: &[u8]) -> bool {
    let mut groups = 0;
    while !pattern.is_empty() {
        if let [b'*', ..] = pattern {
            let run = pattern.iter().take_while(|&&b| b == b'*').count();
            pattern = &pattern[run..];
            groups += 1;
            if groups > MAX_STAR_NESTING && !pattern.is_empty() {
                return true;
            }
        } else {
            // Any byte will do: only the token's extent matters here.
            pattern = reference_one(pattern, 0, false).1;
        }
    }
    false
}
