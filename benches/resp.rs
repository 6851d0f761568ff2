//! Micro-benchmarks of the wire format: the request parser and the reply encoder.
//!
//! `cargo bench --bench resp` (divan; add `-- parse` to run only the parser). Each benchmark
//! reports time per iteration and bytes per second over the bytes parsed or encoded, so the
//! figures compare directly with a socket's bandwidth. Results and the machine they ran on are
//! in docs/performance.md.
//!
//! The parser is fed the way the event loop feeds it: every unconsumed byte so far, and again
//! with more appended while a request is incomplete. `bulk_in_1kib_pieces` is the case the
//! resumable design exists for: an 8 MiB `SET` arriving 1 KiB at a time must cost time linear
//! in its size (the benchmark runs 1 to 8 MiB, so constant bytes/s across sizes is linear time;
//! a parser that rescanned from the start would lose a factor of 2 per doubling).

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use reactor::resp::reply;
use reactor::resp::{Limits, Parsed, RequestParser};

fn main() {
    // Work done, before timing it: bytes the parser examined (line-end searches and headers)
    // for a SET whose value arrives 1 KiB at a time. Payload bytes are skipped by length, so
    // this stays at the header size whatever the value's size: the linear-time promise.
    let limits = Limits::default();
    for mib in [1, 2, 4, 8] {
        let input = big_set(mib);
        let mut parser = RequestParser::new();
        let (mut end, mut calls) = (0, 0);
        loop {
            end = (end + 1024).min(input.len());
            calls += 1;
            if !matches!(parser.parse(&input[..end], &limits), Ok(Parsed::Incomplete)) {
                break;
            }
        }
        println!(
            "SET of {mib} MiB in 1 KiB pieces: {calls} parse calls, {} bytes examined of {}",
            parser.bytes_examined(),
            input.len()
        );
    }
    divan::main();
}

/// `SET key <mib MiB of 'v'>` as one multibulk request.
fn big_set(mib: usize) -> Vec<u8> {
    let len = mib * 1024 * 1024;
    let mut input = format!("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n${len}\r\n").into_bytes();
    input.resize(input.len() + len, b'v');
    input.extend_from_slice(b"\r\n");
    input
}

/// Parse every whole request in `input`; returns (requests, bytes consumed).
fn parse_all(parser: &mut RequestParser, input: &[u8], limits: &Limits) -> (usize, usize) {
    let (mut requests, mut offset) = (0, 0);
    loop {
        match parser.parse(&input[offset..], limits) {
            Ok(Parsed::Request { request, consumed }) => {
                // Touch the arguments as a command would.
                for arg in request.args() {
                    black_box(arg);
                }
                requests += 1;
                offset += consumed;
            }
            Ok(Parsed::Empty { consumed }) => offset += consumed,
            Ok(Parsed::Incomplete) | Err(_) => return (requests, offset),
        }
    }
}

/// What `redis-benchmark -t set` sends, one request at a time.
const SET: &[u8] = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000000\r\n$3\r\nxxx\r\n";
/// What `redis-benchmark -t get` sends.
const GET: &[u8] = b"*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000000\r\n";

mod parse {
    use super::*;

    /// One multibulk `SET`, as a client library sends it.
    #[divan::bench]
    fn multibulk_set(bencher: Bencher) {
        let (mut parser, limits) = (RequestParser::new(), Limits::default());
        bencher
            .counter(BytesCount::of_slice(SET))
            .bench_local(|| parse_all(&mut parser, black_box(SET), &limits));
    }

    /// One inline `SET` (what a person types into nc; `redis-benchmark -t ping_inline`).
    #[divan::bench]
    fn inline_set(bencher: Bencher) {
        let input = b"SET key:000000000000 xxx\r\n";
        let (mut parser, limits) = (RequestParser::new(), Limits::default());
        bencher
            .counter(BytesCount::of_slice(input))
            .bench_local(|| parse_all(&mut parser, black_box(input), &limits));
    }

    /// A pipelined batch of 100 `GET`s in one buffer (`redis-benchmark -P 100`).
    #[divan::bench]
    fn pipelined_100_get(bencher: Bencher) {
        let input = GET.repeat(100);
        let (mut parser, limits) = (RequestParser::new(), Limits::default());
        bencher
            .counter(BytesCount::of_slice(&input))
            .bench_local(|| {
                let (requests, _) = parse_all(&mut parser, black_box(&input), &limits);
                assert_eq!(requests, 100);
            });
    }

    /// A `SET` whose value is `mib` MiB, fed to the parser 1 KiB more at a time (each call sees
    /// the whole unconsumed prefix, as from the connection's input buffer).
    #[divan::bench(args = [1, 2, 4, 8])]
    fn bulk_in_1kib_pieces(bencher: Bencher, mib: usize) {
        let input = big_set(mib);
        let (mut parser, limits) = (RequestParser::new(), Limits::default());
        bencher
            .counter(BytesCount::of_slice(&input))
            .bench_local(|| {
                let mut end = 0;
                loop {
                    end = (end + 1024).min(input.len());
                    match parser.parse(black_box(&input[..end]), &limits) {
                        Ok(Parsed::Incomplete) => continue,
                        Ok(Parsed::Request { consumed, .. }) => return consumed,
                        _ => unreachable!("a well-formed request"),
                    }
                }
            });
    }

    /// The same, and also accumulating the pieces into a growing buffer as the event loop
    /// does for a partial request (so this includes the copies the parser's caller makes).
    #[divan::bench(args = [1, 8])]
    fn bulk_in_1kib_pieces_accumulated(bencher: Bencher, mib: usize) {
        let input = big_set(mib);
        let (mut parser, limits) = (RequestParser::new(), Limits::default());
        bencher
            .counter(BytesCount::of_slice(&input))
            .bench_local(|| {
                let mut buffer = Vec::new();
                for piece in input.chunks(1024) {
                    buffer.extend_from_slice(piece);
                    if let Ok(Parsed::Request { consumed, .. }) = parser.parse(&buffer, &limits) {
                        return consumed;
                    }
                }
                unreachable!("a well-formed request")
            });
    }
}

mod encode {
    use super::*;

    /// 1,000 integer replies of assorted sizes (`:n\r\n`).
    #[divan::bench]
    fn integers(bencher: Bencher) {
        let numbers: Vec<i64> = (0..1000i64)
            .map(|i| (i * 7919) % 1_000_003 * if i % 3 == 0 { -1 } else { 1 })
            .collect();
        let mut out = Vec::new();
        for &n in &numbers {
            reply::integer(&mut out, n);
        }
        bencher.counter(BytesCount::of_slice(&out)).bench_local(|| {
            out.clear();
            for &n in black_box(&numbers) {
                reply::integer(&mut out, n);
            }
            out.len()
        });
    }

    /// 1,000 short bulk strings (a `GET` reply each: `$3\r\nxxx\r\n`).
    #[divan::bench]
    fn bulk_strings(bencher: Bencher) {
        let mut out = Vec::new();
        bencher
            .counter(BytesCount::new(1000 * 9usize))
            .bench_local(|| {
                out.clear();
                for _ in 0..1000 {
                    reply::bulk(&mut out, black_box(b"xxx"));
                }
                out.len()
            });
    }

    /// One 64 KiB bulk string (a large `GET`: a copy, plus the header).
    #[divan::bench]
    fn bulk_64kib(bencher: Bencher) {
        let value = vec![b'v'; 64 * 1024];
        let mut out = Vec::new();
        bencher
            .counter(BytesCount::new(value.len() + 9))
            .bench_local(|| {
                out.clear();
                reply::bulk(&mut out, black_box(&value));
                out.len()
            });
    }

    /// An array of 100 bulk strings of 16 bytes (an `MGET` or `KEYS` reply).
    #[divan::bench]
    fn array_of_100(bencher: Bencher) {
        let keys: Vec<Vec<u8>> = (0..100)
            .map(|i| format!("key:{i:012}").into_bytes())
            .collect();
        let mut out = Vec::new();
        reply::array(&mut out, keys.len());
        for key in &keys {
            reply::bulk(&mut out, key);
        }
        bencher.counter(BytesCount::of_slice(&out)).bench_local(|| {
            out.clear();
            reply::array(&mut out, keys.len());
            for key in black_box(&keys) {
                reply::bulk(&mut out, key);
            }
            out.len()
        });
    }
}
