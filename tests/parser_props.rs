//! Properties of the resumable request parser, driven directly (no sockets): PITFALLS.md rows 3,
//! 4 and 5 at the parser level.
//!
//! - However a valid stream is cut into reads, the same requests come out (row 3).
//! - Arbitrary bytes never panic, and every answer is consistent (row 5).
//! - A declared argument count never turns into a big allocation (row 5).
//! - Work is linear: bytes examined stay within 2x bytes received, however small the pieces
//!   (row 4).
//!
//! The parser is fed the way the server feeds it (see `Server::data`): a buffer holding every
//! unconsumed byte, oldest first; after `Request`/`Empty` the consumed prefix is dropped, after
//! `Incomplete` the buffer is kept and more bytes are appended.

use proptest::prelude::*;
use reactor::resp::{Limits, Parsed, ProtocolError, RequestParser};

/// What the parser reported for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Request(Vec<Vec<u8>>),
    Empty,
}

/// Feed `stream` cut at `cuts` (sorted offsets) and collect the events, the way the server does.
/// Also checks the parser's answers are consistent and returns the error that ended the stream.
fn feed(stream: &[u8], cuts: &[usize], limits: &Limits) -> (Vec<Event>, Option<ProtocolError>) {
    let mut parser = RequestParser::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    let mut from = 0;
    let ends = cuts
        .iter()
        .copied()
        .filter(|&c| c > 0 && c < stream.len())
        .chain([stream.len()]);
    for to in ends {
        if to <= from {
            continue;
        }
        pending.extend_from_slice(&stream[from..to]);
        from = to;
        loop {
            match parser.parse(&pending, limits) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Empty { consumed }) => {
                    assert!(consumed > 0 && consumed <= pending.len());
                    events.push(Event::Empty);
                    pending.drain(..consumed);
                }
                Ok(Parsed::Request { request, consumed }) => {
                    assert!(consumed > 0 && consumed <= pending.len());
                    assert!(!request.is_empty());
                    let args: Vec<Vec<u8>> = request.args().map(<[u8]>::to_vec).collect();
                    assert_eq!(args.len(), request.len());
                    events.push(Event::Request(args));
                    pending.drain(..consumed);
                }
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

/// One request as a client could send it, with the event it must produce.
#[derive(Debug, Clone)]
enum Wire {
    Multibulk(Vec<Vec<u8>>),
    /// Arguments written unquoted (when safe) or double-quoted with escapes.
    Inline(Vec<Vec<u8>>, bool),
    /// A line of only whitespace.
    Blank(&'static str),
    /// `*0` or a negative count.
    NoArgs(i64),
}

impl Wire {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Wire::Multibulk(args) => {
                out.extend(format!("*{}\r\n", args.len()).bytes());
                for arg in args {
                    out.extend(format!("${}\r\n", arg.len()).bytes());
                    out.extend_from_slice(arg);
                    out.extend_from_slice(b"\r\n");
                }
            }
            Wire::Inline(args, crlf) => {
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    let plain = !arg.is_empty()
                        && arg.iter().all(|b| b.is_ascii_alphanumeric())
                        && !(i == 0 && arg[0] == b'*');
                    if plain {
                        out.extend_from_slice(arg);
                    } else {
                        out.push(b'"');
                        for &b in arg {
                            match b {
                                b'"' | b'\\' => out.extend([b'\\', b]),
                                b' '..=b'~' => out.push(b),
                                _ => out.extend(format!("\\x{b:02x}").bytes()),
                            }
                        }
                        out.push(b'"');
                    }
                }
                out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
            Wire::Blank(line) => out.extend_from_slice(line.as_bytes()),
            Wire::NoArgs(n) => out.extend(format!("*{n}\r\n").bytes()),
        }
    }

    fn event(&self) -> Event {
        match self {
            Wire::Multibulk(args) | Wire::Inline(args, _) => Event::Request(args.clone()),
            Wire::Blank(_) | Wire::NoArgs(_) => Event::Empty,
        }
    }
}

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        // Bytes that matter to the framing.
        proptest::collection::vec(
            prop::sample::select(vec![b'\r', b'\n', b'*', b'$', b'"', b'\'', b' ', b'a']),
            0..8
        ),
        "[a-zA-Z0-9]{1,10}".prop_map(String::into_bytes),
    ]
}

fn wire() -> impl Strategy<Value = Wire> {
    prop_oneof![
        4 => proptest::collection::vec(arg(), 1..5).prop_map(Wire::Multibulk),
        3 => (proptest::collection::vec(arg(), 1..5), any::<bool>())
            .prop_map(|(args, crlf)| Wire::Inline(args, crlf)),
        1 => prop::sample::select(vec!["\r\n", "\n", "  \t\r\n", " \n"]).prop_map(Wire::Blank),
        1 => prop::sample::select(vec![0i64, -1, -5]).prop_map(Wire::NoArgs),
    ]
}

/// Byte soup with a bias towards the characters RESP cares about, so random input reaches
/// deep parser states rather than failing at the first byte.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"*".to_vec()),
        Just(b"$".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"-".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\x".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"PING".to_vec()),
        Just(b"9223372036854775807".to_vec()),
        Just(b"99999999999999999999".to_vec()),
        Just(b"1048577".to_vec()),
        Just(b"536870912".to_vec()),
        (0u32..20).prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

fn cuts(max: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..max.max(1), 0..12).prop_map(|mut c| {
        c.sort_unstable();
        c
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Row 3: a valid stream cut anywhere, any number of times, gives the requests it encodes.
    /// Break checked: `find_cr` remembers `scanned = eol + 1` when the CR is the last byte
    /// received (an off-by-one that only a split between CR and LF exposes) → the next call
    /// skips that CR and finds a later one, requests come out wrong, fails.
    #[test]
    fn any_split_of_a_valid_stream_yields_the_same_requests(
        requests in proptest::collection::vec(wire(), 1..12),
        cuts in cuts(600),
    ) {
        let mut stream = Vec::new();
        for r in &requests {
            r.encode(&mut stream);
        }
        let want: Vec<Event> = requests.iter().map(Wire::event).collect();
        let limits = Limits::default();
        let (whole, error) = feed(&stream, &[], &limits);
        prop_assert_eq!(error, None);
        prop_assert_eq!(&whole, &want);
        let (split, error) = feed(&stream, &cuts, &limits);
        prop_assert_eq!(error, None);
        prop_assert_eq!(&split, &want);
        // The extreme split: one byte at a time.
        let every: Vec<usize> = (1..stream.len()).collect();
        let (bytewise, error) = feed(&stream, &every, &limits);
        prop_assert_eq!(error, None);
        prop_assert_eq!(&bytewise, &want);
    }

    /// Row 5: arbitrary input never panics, and how it is cut never changes the outcome.
    #[test]
    fn arbitrary_bytes_never_panic_and_splits_agree(
        bytes in prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), soup()],
        cuts in cuts(256),
    ) {
        let limits = Limits::default();
        let whole = feed(&bytes, &[], &limits);
        let split = feed(&bytes, &cuts, &limits);
        prop_assert_eq!(whole, split);
    }

    /// Row 5: `*N` reserves a bounded number of argument slots whatever N is, even under a
    /// limit that lets N through, and a declared bulk length (up to 512 MiB) reserves nothing.
    /// Measured with `RequestParser::reserved_bytes`, the memory the parser holds for the
    /// request in progress.
    /// Break checked: `reserve(count)` instead of `reserve(count.min(ARGS_PREALLOC_MAX))` →
    /// 16 bytes per declared argument, up to 16 MiB for `*1048576`, fails.
    #[test]
    fn huge_multibulk_count_reserves_bounded_capacity(
        n in prop_oneof![1i64..=1024 * 1024, 1024 * 1024..=i64::from(i32::MAX)],
        permissive in any::<bool>(),
        rest in prop::sample::select(vec![
            &b""[..],
            b"$3\r\nGET\r\n",
            b"$5",
            b"$536870912\r\n",
            b"$3\r\nGET\r\n$536870912\r\nab",
        ]),
    ) {
        let limits = if permissive {
            Limits { max_multibulk: i64::MAX, ..Limits::default() }
        } else {
            Limits::default()
        };
        let mut input = format!("*{n}\r\n").into_bytes();
        input.extend_from_slice(rest);
        let mut parser = RequestParser::new();
        let result = parser.parse(&input, &limits).map(|p| matches!(p, Parsed::Incomplete));
        let largest = parser.reserved_bytes();
        if n > limits.max_multibulk {
            prop_assert_eq!(result, Err(ProtocolError::InvalidMultibulkLength));
        } else {
            // `*1` plus one whole argument completes; anything else needs more bytes.
            prop_assert!(result.is_ok());
        }
        prop_assert!(largest <= 64 * 1024, "*{} reserved {} bytes", n, largest);
    }
}

// ---------------------------------------------------------------------------------------------
// Row 4: linear work, whatever the piece size.
// ---------------------------------------------------------------------------------------------

/// Feed `stream` in `piece`-byte pieces into a growing buffer (the request is not consumed until
/// it completes), asserting after every call that bytes examined ≤ 2 × bytes received. Returns
/// the request's arguments.
fn feed_checking_linearity(stream: &[u8], piece: usize) -> Vec<Vec<u8>> {
    let mut parser = RequestParser::new();
    let limits = Limits::default();
    let mut buffer = Vec::with_capacity(stream.len());
    for chunk in stream.chunks(piece) {
        buffer.extend_from_slice(chunk);
        let done = match parser.parse(&buffer, &limits).expect("a valid request") {
            Parsed::Incomplete => None,
            Parsed::Request { request, consumed } => {
                assert_eq!(consumed, stream.len(), "the request ends with the stream");
                Some(request.args().map(<[u8]>::to_vec).collect())
            }
            Parsed::Empty { .. } => panic!("not an empty request"),
        };
        let examined = parser.bytes_examined();
        assert!(
            examined <= 2 * buffer.len() as u64,
            "examined {examined} bytes after receiving {}",
            buffer.len()
        );
        if let Some(args) = done {
            return args;
        }
    }
    panic!("the request never completed");
}

/// An 8 MiB SET arriving 1 KiB at a time. The payload holds CRs and LFs, so a parser that
/// searched the payload for line ends would both count them and be fooled by them.
///
/// Break checked: the `Bulk` state scans all the payload received so far on every call (what a
/// parser that searches the payload for its end does) → examined grows quadratically, fails.
/// Not caught here, and rightly: resetting to `Start` after `Incomplete` (re-parsing from the
/// first byte) costs only the ~30 header bytes per call when payloads are skipped by length,
/// which is linear; the next two tests catch that break.
#[test]
fn eight_mib_argument_in_one_kib_pieces_is_examined_linearly() {
    let value: Vec<u8> = (0..8 * 1024 * 1024)
        .map(|i| b"ab\r\ncd\n\r*$"[i % 10])
        .collect();
    let mut stream = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n".to_vec();
    stream.extend(format!("${}\r\n", value.len()).bytes());
    stream.extend_from_slice(&value);
    stream.extend_from_slice(b"\r\n");
    let args = feed_checking_linearity(&stream, 1024);
    assert_eq!(args.len(), 3);
    assert_eq!(args[0], b"SET");
    assert_eq!(args[1], b"key");
    assert!(args[2] == value, "the value comes back intact");
}

/// A 60 KiB inline line (just under the 64 KiB limit) arriving 1 KiB at a time.
/// Break checked: `inline()` searches from 0 instead of from `scanned` (rescan on every read)
/// → examined ≈ n²/2, fails.
#[test]
fn long_inline_line_in_one_kib_pieces_is_examined_linearly() {
    let mut stream = b"ECHO ".to_vec();
    stream.extend(std::iter::repeat_n(b'x', 60 * 1024));
    stream.extend_from_slice(b"\r\n");
    let args = feed_checking_linearity(&stream, 1024);
    assert_eq!(args.len(), 2);
    assert_eq!(args[1].len(), 60 * 1024);
}

/// A request of 2,000 small arguments arriving one byte at a time: every header is found once.
/// Break checked: `parse` resets the state to `Start` after `Incomplete` too (restart from the
/// first byte on every read) → examined grows quadratically, fails. (The inline test above
/// fails under that break as well.)
#[test]
fn many_small_arguments_one_byte_at_a_time_are_examined_linearly() {
    let mut stream = b"*2000\r\n".to_vec();
    for i in 0..2000 {
        let arg = format!("arg{i}");
        stream.extend(format!("${}\r\n{arg}\r\n", arg.len()).bytes());
    }
    let args = feed_checking_linearity(&stream, 1);
    assert_eq!(args.len(), 2000);
    assert_eq!(args[1999], b"arg1999");
}

/// After a request with many arguments, the parser gives their slots back at the next request,
/// so a connection does not keep a million arguments' bookkeeping for the rest of its life.
#[test]
fn argument_slots_of_a_huge_request_are_released_at_the_next_one() {
    let mut stream = b"*100000\r\n".to_vec();
    for _ in 0..100_000 {
        stream.extend_from_slice(b"$1\r\na\r\n");
    }
    let mut parser = RequestParser::new();
    let limits = Limits::default();
    match parser.parse(&stream, &limits) {
        Ok(Parsed::Request { request, .. }) => assert_eq!(request.len(), 100_000),
        other => panic!("expected the request, got {other:?}"),
    }
    assert!(parser.reserved_bytes() > 1_000_000);
    assert!(matches!(
        parser.parse(b"*1\r\n$4\r\nPING\r\n", &limits),
        Ok(Parsed::Request { .. })
    ));
    assert!(
        parser.reserved_bytes() <= 64 * 1024,
        "still holding {} bytes",
        parser.reserved_bytes()
    );
}
