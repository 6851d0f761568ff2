//! Micro-benchmarks of the glob matcher behind `KEYS`, `SCAN ... MATCH` and `PSUBSCRIBE`.
//!
//! `cargo bench --bench glob` (divan). Bytes per second count the subject bytes matched.
//!
//! *Typical* patterns are what applications send: a prefix and a star, a `?`, a class. The
//! *pathological* ones are what makes a recursive matcher (Redis's `stringmatchlen` before
//! the CVE-2022-36021 fix) take exponential time: many stars and a subject that almost matches.
//! `glob_match` keeps one resume point instead of recursing, so its cost is bounded by
//! pattern length × subject length; the pathological figures show the bound is not just a
//! theory (microseconds, where a naive matcher takes longer than the benchmark would run).

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use reactor::server::glob::glob_match;

fn main() {
    divan::main();
}

/// 1,000 keys as applications name them: `user:<n>:session`, `cache:<n>`, ...
fn keys() -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| match i % 4 {
            0 => format!("user:{i}:session"),
            1 => format!("cache:page:/articles/{i}"),
            2 => format!("queue:jobs:{i}"),
            _ => format!("user:{i}:profile"),
        })
        .map(String::into_bytes)
        .collect()
}

/// Match `pattern` against every key; count subject bytes.
fn over_keys(bencher: Bencher, pattern: &[u8], nocase: bool) {
    let keys = keys();
    let bytes: usize = keys.iter().map(Vec::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        keys.iter()
            .filter(|key| glob_match(black_box(pattern), key, nocase))
            .count()
    });
}

mod typical {
    use super::*;

    /// `KEYS user:*`: a prefix and a trailing star (the commonest pattern).
    #[divan::bench]
    fn prefix_star(bencher: Bencher) {
        over_keys(bencher, b"user:*", false);
    }

    /// `user:*:session`: a star in the middle.
    #[divan::bench]
    fn infix_star(bencher: Bencher) {
        over_keys(bencher, b"user:*:session", false);
    }

    /// `*:[0-9]?[0-9]:*`: classes and `?` between stars.
    #[divan::bench]
    fn classes(bencher: Bencher) {
        over_keys(bencher, b"*:[0-9]?[0-9]:*", false);
    }

    /// `USER:*:SESSION` with NOCASE folding.
    #[divan::bench]
    fn nocase(bencher: Bencher) {
        over_keys(bencher, b"USER:*:SESSION", true);
    }
}

mod pathological {
    use super::*;

    /// `a*a*...*a*b` (`stars` stars) against 1,000 `a`s: it never matches, and a recursive
    /// matcher tries every way of splitting the subject among the stars.
    #[divan::bench(args = [4, 16, 64])]
    fn many_stars_no_match(bencher: Bencher, stars: usize) {
        let mut pattern = b"a*".repeat(stars);
        pattern.push(b'b');
        let subject = vec![b'a'; 1000];
        bencher
            .counter(BytesCount::of_slice(&subject))
            .bench_local(|| glob_match(black_box(&pattern), black_box(&subject), false));
    }

    /// `*a*a*...*a` against a subject where the last `a` is at the end: matches, after backing
    /// off at each star.
    #[divan::bench(args = [4, 16, 64])]
    fn many_stars_late_match(bencher: Bencher, stars: usize) {
        let pattern = b"*a".repeat(stars);
        let mut subject = vec![b'x'; 1000];
        for i in 0..stars {
            subject[1000 - stars + i] = b'a';
        }
        bencher
            .counter(BytesCount::of_slice(&subject))
            .bench_local(|| {
                assert!(glob_match(black_box(&pattern), black_box(&subject), false));
            });
    }

    /// A 64 KiB subject against `*[a-f][a-f][a-f]z` (classes re-tried at every position).
    #[divan::bench]
    fn long_subject_classes(bencher: Bencher) {
        let subject: Vec<u8> = (0..64 * 1024).map(|i| b"abcdef"[i % 6]).collect();
        bencher
            .counter(BytesCount::of_slice(&subject))
            .bench_local(|| glob_match(black_box(b"*[a-f][a-f][a-f]z"), black_box(&subject), true));
    }
}
