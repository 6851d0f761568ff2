//! What the benchmark sends: the tests, their pre-encoded requests, and random keys written in
//! place.
//!
//! Every request of a test has the same bytes except its key, so a test is encoded once, before
//! the clock starts, into a [`Template`]. Each connection keeps a [`Batch`]: `-P` copies of the
//! template back to back. Before a batch goes out only the twelve characters of each
//! `__rand_int__` placeholder are overwritten with twelve digits; lengths never change, so the
//! `$16` in front of `key:__rand_int__` stays true. Nothing is formatted or allocated per
//! request. This is redis-benchmark's scheme too: it keeps the positions of the placeholders in
//! its output buffer and rewrites them between batches.
//!
//! Without `-r` the placeholder is sent as it is, so every request hits the one key
//! `key:__rand_int__`, exactly as redis-benchmark does.

use std::time::{SystemTime, UNIX_EPOCH};

use reactor::resp::reply;

/// The placeholder rewritten with a random key number when `-r` is given.
pub const RAND_PLACEHOLDER: &[u8] = b"__rand_int__";
/// One more than the largest key number that fits in the placeholder's twelve digits: the
/// upper bound for `-r`.
pub const MAX_KEYSPACE: u64 = 1_000_000_000_000;

/// The built-in tests, in the order they run whatever order `-t` names them in (as
/// redis-benchmark runs its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    PingInline,
    PingMbulk,
    Set,
    Get,
    Incr,
    Publish,
}

impl Builtin {
    pub const ALL: [Builtin; 6] = [
        Builtin::PingInline,
        Builtin::PingMbulk,
        Builtin::Set,
        Builtin::Get,
        Builtin::Incr,
        Builtin::Publish,
    ];

    /// The name printed in results (redis-benchmark's titles, upper case).
    pub fn title(self) -> &'static str {
        match self {
            Builtin::PingInline => "PING_INLINE",
            Builtin::PingMbulk => "PING_MBULK",
            Builtin::Set => "SET",
            Builtin::Get => "GET",
            Builtin::Incr => "INCR",
            Builtin::Publish => "PUBLISH",
        }
    }

    /// The `-t` names that select this test.
    fn names(self) -> &'static [&'static str] {
        match self {
            // As redis-benchmark: `-t ping` selects both PING tests.
            Builtin::PingInline => &["ping", "ping_inline"],
            Builtin::PingMbulk => &["ping", "ping_mbulk"],
            Builtin::Set => &["set"],
            Builtin::Get => &["get"],
            Builtin::Incr => &["incr"],
            Builtin::Publish => &["publish"],
        }
    }

    /// Tests selected by `-t` names (case-insensitive), in run order. No names: all of them.
    pub fn select(names: &[String]) -> Result<Vec<Builtin>, String> {
        if names.is_empty() {
            return Ok(Builtin::ALL.to_vec());
        }
        let mut chosen = Vec::new();
        for name in names {
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            let matching: Vec<Builtin> = Builtin::ALL
                .into_iter()
                .filter(|t| t.names().contains(&name.as_str()))
                .collect();
            if matching.is_empty() {
                return Err(format!(
                    "unknown test '{name}' (known: ping, ping_inline, ping_mbulk, set, get, incr, \
                     publish)"
                ));
            }
            for test in matching {
                if !chosen.contains(&test) {
                    chosen.push(test);
                }
            }
        }
        chosen.sort_by_key(|t| Builtin::ALL.iter().position(|a| a == t));
        Ok(chosen)
    }
}

/// One request, encoded, and where its placeholders are.
#[derive(Debug, Clone)]
pub struct Template {
    /// The name results are printed under.
    pub title: String,
    pub bytes: Vec<u8>,
    /// Offsets in `bytes` where a `__rand_int__` starts.
    pub rand_at: Vec<usize>,
}

impl Template {
    /// A built-in test; `value` is the `-d` payload for SET and PUBLISH.
    pub fn builtin(test: Builtin, data_size: usize) -> Template {
        let value = vec![b'x'; data_size];
        let title = test.title();
        match test {
            // The inline form is what a person types; it has no placeholder.
            Builtin::PingInline => Template {
                title: title.into(),
                bytes: b"PING\r\n".to_vec(),
                rand_at: Vec::new(),
            },
            Builtin::PingMbulk => Template::multibulk(title, &[b"PING"]),
            Builtin::Set => Template::multibulk(title, &[b"SET", b"key:__rand_int__", &value]),
            Builtin::Get => Template::multibulk(title, &[b"GET", b"key:__rand_int__"]),
            Builtin::Incr => Template::multibulk(title, &[b"INCR", b"counter:__rand_int__"]),
            Builtin::Publish => {
                Template::multibulk(title, &[b"PUBLISH", b"channel:__rand_int__", &value])
            }
        }
    }

    /// A command given on the command line (`reactor-bench -n 1000 ECHO hello`), titled with
    /// its words as redis-benchmark does.
    pub fn custom(words: &[String]) -> Template {
        let args: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        Template::multibulk(&words.join(" "), &args)
    }

    /// A request is an array of bulk strings: the same bytes the reply encoder writes for one.
    fn multibulk(title: &str, args: &[&[u8]]) -> Template {
        let mut bytes = Vec::new();
        let mut rand_at = Vec::new();
        reply::array(&mut bytes, args.len());
        for arg in args {
            reply::bulk(&mut bytes, arg);
            // The argument is the last thing written, just before its CRLF.
            let start = bytes.len() - 2 - arg.len();
            let mut at = 0;
            while let Some(found) = find(&arg[at..], RAND_PLACEHOLDER) {
                rand_at.push(start + at + found);
                at += found + RAND_PLACEHOLDER.len();
            }
        }
        Template {
            title: title.into(),
            bytes,
            rand_at,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One connection's outgoing requests: `depth` copies of a template, of which the first `count`
/// are the batch in flight.
#[derive(Debug)]
pub struct Batch {
    bytes: Vec<u8>,
    /// Placeholder offsets in `bytes`, all copies.
    rand_at: Vec<usize>,
    request_len: usize,
    /// Requests in the current batch (the last batch of a run may be short).
    count: usize,
}

impl Batch {
    pub fn new(template: &Template, depth: usize) -> Batch {
        let request_len = template.bytes.len();
        let rand_at = (0..depth)
            .flat_map(|copy| {
                template
                    .rand_at
                    .iter()
                    .map(move |at| copy * request_len + at)
            })
            .collect();
        Batch {
            bytes: template.bytes.repeat(depth),
            rand_at,
            request_len,
            count: 0,
        }
    }

    /// Make the next batch `count` requests long, giving each placeholder in it a fresh random
    /// number below `keyspace` (with `-r`). Rewrites bytes in place; allocates nothing.
    pub fn prepare(&mut self, count: usize, keyspace: Option<u64>, rng: &mut Rng) {
        self.count = count.min(self.bytes.len() / self.request_len.max(1));
        let Some(keyspace) = keyspace else {
            return;
        };
        let end = self.len();
        for &at in self.rand_at.iter().take_while(|&&at| at < end) {
            let digits = &mut self.bytes[at..at + RAND_PLACEHOLDER.len()];
            write_padded(digits, rng.below(keyspace));
        }
    }

    /// Requests in the current batch.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes of the current batch.
    pub fn len(&self) -> usize {
        self.count * self.request_len
    }

    /// The current batch's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len()]
    }
}

/// Write `value` as zero-padded decimal filling all of `digits` (`42` → `000000000042`).
fn write_padded(digits: &mut [u8], mut value: u64) {
    for d in digits.iter_mut().rev() {
        *d = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// A small, fast pseudo-random generator (xorshift64*): key choice needs spread, not secrecy,
/// and a dependency or a syscall per key would be out of place on the hot path.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded from the clock and the process id, so two runs pick different keys.
    pub fn from_clock() -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng::with_seed(nanos ^ (u64::from(std::process::id()) << 32))
    }

    pub fn with_seed(seed: u64) -> Rng {
        // xorshift must never hold zero.
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift: no division, bias below 2^-64 · n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_redis_benchmark_bytes() {
        let get = Template::builtin(Builtin::Get, 3);
        assert_eq!(get.bytes, b"*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n");
        assert_eq!(get.rand_at, vec![get.bytes.len() - 2 - 12]);
        let set = Template::builtin(Builtin::Set, 3);
        assert_eq!(
            set.bytes,
            b"*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n"
        );
        let ping = Template::builtin(Builtin::PingInline, 3);
        assert_eq!(ping.bytes, b"PING\r\n");
    }

    #[test]
    fn random_keys_are_written_in_place_within_the_keyspace() {
        let words = ["MGET", "a__rand_int__b__rand_int__", "x"].map(String::from);
        let template = Template::custom(&words);
        assert_eq!(template.title, "MGET a__rand_int__b__rand_int__ x");
        assert_eq!(template.rand_at.len(), 2);
        let mut batch = Batch::new(&template, 3);
        let mut rng = Rng::with_seed(7);
        batch.prepare(2, Some(100), &mut rng);
        assert_eq!(batch.count(), 2);
        let text = String::from_utf8(batch.bytes().to_vec()).unwrap();
        assert_eq!(
            text.matches("*3\r\n$4\r\nMGET\r\n$26\r\na0000000000")
                .count(),
            2
        );
        assert!(!text.contains("__rand_int__"));
        // The third copy lies beyond the batch and is left untouched.
        assert!(String::from_utf8_lossy(&batch.bytes).contains("__rand_int__"));
    }

    #[test]
    fn without_keyspace_the_placeholder_is_sent_literally() {
        let mut batch = Batch::new(&Template::builtin(Builtin::Get, 3), 2);
        batch.prepare(2, None, &mut Rng::with_seed(1));
        assert_eq!(
            batch.bytes(),
            b"*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n".repeat(2)
        );
    }

    #[test]
    fn select_follows_run_order_and_rejects_unknown_names() {
        let names = ["publish", "PING", "ping_inline"].map(String::from);
        assert_eq!(
            Builtin::select(&names).unwrap(),
            vec![Builtin::PingInline, Builtin::PingMbulk, Builtin::Publish]
        );
        assert!(Builtin::select(&["lpush".into()]).is_err());
    }

    #[test]
    fn below_stays_below() {
        let mut rng = Rng::with_seed(0);
        assert!((0..10_000).all(|_| rng.below(10) < 10));
    }
}
