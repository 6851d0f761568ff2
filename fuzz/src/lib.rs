//! The properties the fuzzers check, written once and checked twice.
//!
//! The cargo-fuzz targets in `fuzz_targets/` (nightly, libFuzzer) feed these functions
//! coverage-guided inputs. `tests/fuzz_properties.rs` compiles this very file as a module and
//! feeds the same functions proptest inputs, so plain `cargo test` on stable checks the same
//! properties in CI, and a crash input found by the fuzzer replays on stable through the same
//! `check_fuzz_input` function it crashed in (see `fuzz/README.md`).
//!
//! Every `check_*` function panics with a description when its property fails: a panic is what
//! libFuzzer reports as a crash and what proptest shrinks.
//!
//! - [`request`]: the resumable request parser gives the same requests, the same `consumed`
//!   counts and the same error whether a stream arrives in one piece or in any chunking; agrees
//!   with a naive, non-resumable reference parser; examines each byte once (plus at most one
//!   re-look per call); and never allocates more than a small multiple of the bytes it was
//!   given, whatever sizes the stream *declares*.
//! - [`inline`]: the inline splitter agrees with a line-by-line port of Redis's `sdssplitargs`,
//!   and arguments quoted in any of several styles split back to themselves.
//! - [`glob`]: `glob_match` agrees with an obviously correct memoised matcher on short inputs
//!   and terminates (within libFuzzer's timeout) on long ones.

/// `bytes` escaped for a failure message, the middle elided when long (stretched fuzz inputs
/// are 64 KiB).
pub fn show(bytes: &[u8]) -> String {
    const KEEP: usize = 600;
    if bytes.len() <= 2 * KEEP {
        return bytes.escape_ascii().to_string();
    }
    format!(
        "{}<... {} bytes ...>{}",
        bytes[..KEEP].escape_ascii(),
        bytes.len() - 2 * KEEP,
        bytes[bytes.len() - KEEP..].escape_ascii()
    )
}

/// The request parser (`reactor::resp::RequestParser`).
pub mod request {
    use reactor::resp::request::INLINE_MAX;
    use reactor::resp::{Limits, Parsed, ProtocolError, RequestParser};

    /// What a request stream produced, in order. Offsets are absolute positions in the stream,
    /// so two traces agree only if every `consumed` agreed too.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Event {
        /// A request: its arguments, and the stream offset just after it.
        Request { args: Vec<Vec<u8>>, end: usize },
        /// A request without arguments (empty inline line, `*0`, `*-1`), ending at `end`.
        Empty { end: usize },
        /// A protocol error: the connection closes, nothing after it is parsed.
        Error(ProtocolError),
    }

    /// The most a single `parse` call may request from the allocator, given the bytes it was
    /// handed: a fixed allowance (the argument list's first reservation is up to 1024 ranges of
    /// 16 bytes) plus a small multiple of the input (argument ranges and unescaped inline bytes
    /// are proportional to bytes that actually arrived, doubled by `Vec` growth). A parser that
    /// reserved from a declared `*N` or `$N` would blow through this at once.
    pub fn alloc_budget(input_len: usize) -> u64 {
        64 * 1024 + 64 * input_len as u64
    }

    /// One connection's side of the contract: the buffer of unconsumed bytes, the parser, and
    /// the invariants every single call must keep.
    struct Driver {
        parser: RequestParser,
        limits: Limits,
        /// Unconsumed bytes; `base` is the stream offset of `buf[0]`.
        buf: Vec<u8>,
        base: usize,
        events: Vec<Event>,
        calls: u64,
        fed: usize,
        dead: bool,
    }

    impl Driver {
        fn new(limits: Limits) -> Self {
            Driver {
                parser: RequestParser::new(),
                limits,
                buf: Vec::new(),
                base: 0,
                events: Vec::new(),
                calls: 0,
                fed: 0,
                dead: false,
            }
        }

        /// Append `chunk` and parse every request that is now whole, as the server does.
        fn feed(&mut self, chunk: &[u8]) {
            if self.dead {
                return;
            }
            self.buf.extend_from_slice(chunk);
            self.fed += chunk.len();
            loop {
                self.calls += 1;
                let input_len = self.buf.len();
                let result = self.parser.parse(&self.buf, &self.limits);
                let (event, consumed) = match result {
                    Ok(Parsed::Incomplete) => {
                        self.check_reserved(input_len);
                        assert_eq!(
                            self.parser.in_progress(),
                            input_len > 0,
                            "in_progress() after Incomplete on {input_len} bytes"
                        );
                        return;
                    }
                    Ok(Parsed::Empty { consumed }) => (Event::Empty { end: 0 }, consumed),
                    Ok(Parsed::Request { request, consumed }) => {
                        assert!(!request.is_empty(), "a Request with no arguments");
                        assert_eq!(request.args().len(), request.len());
                        let args: Vec<Vec<u8>> = request.args().map(<[u8]>::to_vec).collect();
                        for (i, arg) in args.iter().enumerate() {
                            assert_eq!(request.arg(i), &arg[..], "arg({i}) disagrees with args()");
                        }
                        assert!(request.arg(args.len()).is_empty(), "arg past the end");
                        (Event::Request { args, end: 0 }, consumed)
                    }
                    Err(error) => {
                        self.events.push(Event::Error(error));
                        self.dead = true;
                        return;
                    }
                };
                // A zero `consumed` would make the server loop forever on the same bytes.
                assert!(
                    consumed > 0 && consumed <= input_len,
                    "consumed {consumed} of {input_len} bytes"
                );
                assert!(
                    !self.parser.in_progress(),
                    "parser still in progress after a whole request"
                );
                self.check_reserved(input_len);
                self.base += consumed;
                let end = self.base;
                self.events.push(match event {
                    Event::Request { args, .. } => Event::Request { args, end },
                    Event::Empty { .. } => Event::Empty { end },
                    Event::Error(error) => Event::Error(error),
                });
                self.buf.drain(..consumed);
            }
        }

        /// Memory the parser holds is proportional to bytes received, never to a size the peer
        /// declared (`RequestParser::reserved_bytes`).
        fn check_reserved(&self, input_len: usize) {
            let reserved = self.parser.reserved_bytes() as u64;
            assert!(
                reserved <= alloc_budget(input_len),
                "the parser holds {reserved} bytes after a call on {input_len} bytes"
            );
        }

        /// The parser never rescans: each byte fed is examined at most once, plus at most one
        /// byte per call (a header's `\r` that arrived without the byte after it is looked at
        /// again by the next call).
        fn check_linear(&self) {
            let examined = self.parser.bytes_examined();
            let bound = self.fed as u64 + self.calls;
            assert!(
                examined <= bound,
                "examined {examined} bytes for {} bytes fed in {} calls",
                self.fed,
                self.calls
            );
        }
    }

    /// Parse `stream` delivered in pieces of the given lengths (used cyclically; a 0 is a call
    /// with nothing new, as after a spurious wake-up). Empty `chunks` means one byte at a time.
    pub fn run(stream: &[u8], limits: Limits, chunks: &[usize]) -> Vec<Event> {
        let mut driver = Driver::new(limits);
        let mut lengths = chunks.iter().copied().cycle();
        let all_zero = chunks.iter().all(|&n| n == 0);
        let mut rest = stream;
        while !rest.is_empty() && !driver.dead {
            let n = if all_zero {
                1
            } else {
                lengths.next().unwrap_or(1)
            };
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            driver.feed(chunk);
            rest = tail;
        }
        driver.check_linear();
        driver.events
    }

    /// Whole and chunked parses of one stream agree: the same events, except where Redis's own
    /// rule for over-long header lines (which this parser copies on purpose) makes the last
    /// event depend on how the bytes arrived. A header line is "too big" when more than
    /// `INLINE_MAX` bytes after its start have been searched without finding its `\r`; once
    /// the `\r` is there it is judged by its content instead (an over-long number is
    /// "invalid", a missing `$` is "expected '$'"), and a `\r` that is the very last byte
    /// received means "wait for the byte after it", however long the line. So for streams
    /// longer than `INLINE_MAX` only, a chunked parse that ends in `TooBig*Count` may face, in
    /// one piece, the same error named by content, or (stream ending in that `\r`) nothing
    /// yet. Either way no request differs, and every one of these is, or becomes on the next
    /// byte, a protocol error that closes the connection.
    fn agree(stream: &[u8], whole: &[Event], chunked: &[Event]) -> bool {
        use ProtocolError::*;
        if whole == chunked {
            return true;
        }
        if stream.len() <= INLINE_MAX {
            return false;
        }
        let Some((Event::Error(too_big @ (TooBigMultibulkCount | TooBigBulkCount)), before)) =
            chunked.split_last()
        else {
            return false;
        };
        if whole == before {
            return stream.ends_with(b"\r");
        }
        let Some((Event::Error(named), whole_before)) = whole.split_last() else {
            return false;
        };
        whole_before == before
            && matches!(
                (named, too_big),
                (InvalidMultibulkLength, TooBigMultibulkCount)
                    | (InvalidBulkLength | ExpectedDollar(_), TooBigBulkCount)
            )
    }

    /// All the request-parser properties for one stream, one limit set and one chunking.
    pub fn check(stream: &[u8], limits: Limits, chunks: &[usize]) {
        let shown = || super::show(stream);
        let whole = run(stream, limits, &[stream.len()]);
        let expected = reference(stream, &limits);
        assert_eq!(
            whole,
            expected,
            "parser vs reference, limits {limits:?}, stream {:?}",
            shown()
        );
        for plan in [chunks, &[]] {
            let chunked = run(stream, limits, plan);
            assert!(
                agree(stream, &whole, &chunked),
                "one piece vs chunks {plan:?}, limits {limits:?}, stream {:?}\n whole: {whole:?}\n chunked: {chunked:?}",
                shown()
            );
        }
    }

    /// Limits picked by one fuzz byte: Redis's defaults, tiny ones (so that a declared size is
    /// over the limit after a few bytes), absurd ones (`i64::MAX`: nothing is over the limit,
    /// so only the absence of preallocation protects memory) and negative ones.
    pub fn limits_from(selector: u8) -> Limits {
        let small = i64::from(selector >> 3);
        match selector & 7 {
            0 | 1 => Limits::default(),
            2 => Limits {
                max_bulk_len: small,
                max_multibulk: small,
                ..Limits::default()
            },
            3 => Limits {
                max_bulk_len: small,
                max_multibulk: i64::MAX,
                ..Limits::default()
            },
            4 => Limits {
                max_bulk_len: i64::MAX,
                max_multibulk: i64::MAX,
                ..Limits::default()
            },
            5 => Limits {
                max_bulk_len: -small,
                max_multibulk: -small,
                ..Limits::default()
            },
            _ => Limits {
                max_bulk_len: 4,
                max_multibulk: 2,
                ..Limits::default()
            },
        }
    }

    /// The fuzz target's input layout: byte 0 picks the limits (see [`limits_from`]); byte 1's
    /// low four bits say how many chunk lengths follow, and its high four bits equal to 1 ask
    /// for a *stretched* stream (1 in 16: stretched inputs are slow); then the chunk-length bytes (0..=255, used cyclically); everything after is the
    /// stream. Missing bytes mean defaults.
    ///
    /// Stretching inserts `INLINE_MAX` copies of the stream's middle byte at its middle, so that
    /// the paths for over-long headers and inline lines (which libFuzzer's default 4 KiB inputs
    /// never reach) are fuzzed too.
    pub fn check_fuzz_input(data: &[u8]) {
        let selector = data.first().copied().unwrap_or(0);
        let control = data.get(1).copied().unwrap_or(0);
        let lengths = data.get(2..).unwrap_or_default();
        let n = usize::from(control % 16).min(lengths.len());
        let chunks: Vec<usize> = lengths[..n].iter().map(|&b| usize::from(b)).collect();
        let mut stream = lengths[n..].to_vec();
        if control >> 4 == 1
            && let Some(&byte) = stream.get(stream.len() / 2)
        {
            let mid = stream.len() / 2;
            stream.splice(mid..mid, std::iter::repeat_n(byte, INLINE_MAX));
        }
        check(&stream, limits_from(selector), &chunks);
    }

    // ----- reference parser --------------------------------------------------------------------
    //
    // Deliberately the obvious formulation: every call starts from the first byte of the input
    // and parses a whole request or gives up, remembering nothing (quadratic when fed byte by
    // byte, which is why the real parser is not written this way). It shares no code with the
    // parser: integers are judged by a round trip through Rust's own formatting, and inline
    // lines by the port of `sdssplitargs` in `super::inline`.

    enum Step {
        Incomplete,
        Empty(usize),
        Request(Vec<Vec<u8>>, usize),
        Error(ProtocolError),
    }

    /// Every event in `stream`, parsing each request from scratch.
    pub fn reference(stream: &[u8], limits: &Limits) -> Vec<Event> {
        let mut events = Vec::new();
        let mut pos = 0;
        loop {
            match reference_one(&stream[pos..], limits) {
                Step::Incomplete => return events,
                Step::Error(error) => {
                    events.push(Event::Error(error));
                    return events;
                }
                Step::Empty(n) => {
                    pos += n;
                    events.push(Event::Empty { end: pos });
                }
                Step::Request(args, n) => {
                    pos += n;
                    events.push(Event::Request { args, end: pos });
                }
            }
        }
    }

    /// Redis's integer syntax: exactly the strings an `i64` formats back to.
    fn integer(bytes: &[u8]) -> Option<i64> {
        let text = std::str::from_utf8(bytes).ok()?;
        let n: i64 = text.parse().ok()?;
        (n.to_string() == text).then_some(n)
    }

    enum Line {
        /// The index of the header's `\r`; the byte after it has arrived too.
        Complete(usize),
        Incomplete,
        /// No `\r` in more than `INLINE_MAX` bytes.
        TooLong,
    }

    /// The header line starting at `from`. Redis requires the byte after the `\r` to be there
    /// but skips it without checking that it is a `\n`.
    fn header_line(input: &[u8], from: usize) -> Line {
        match input[from..].iter().position(|&b| b == b'\r') {
            Some(i) if from + i + 1 < input.len() => Line::Complete(from + i),
            Some(_) => Line::Incomplete,
            None if input.len() - from > INLINE_MAX => Line::TooLong,
            None => Line::Incomplete,
        }
    }

    fn reference_one(input: &[u8], limits: &Limits) -> Step {
        match input.first() {
            None => Step::Incomplete,
            Some(b'*') => reference_multibulk(input, limits),
            Some(_) => reference_inline(input),
        }
    }

    fn reference_multibulk(input: &[u8], limits: &Limits) -> Step {
        let eol = match header_line(input, 0) {
            Line::Complete(eol) => eol,
            Line::Incomplete => return Step::Incomplete,
            Line::TooLong => return Step::Error(ProtocolError::TooBigMultibulkCount),
        };
        let Some(count) = integer(&input[1..eol]).filter(|&n| n <= limits.max_multibulk) else {
            return Step::Error(ProtocolError::InvalidMultibulkLength);
        };
        if count <= 0 {
            return Step::Empty(eol + 2);
        }
        let mut args = Vec::new();
        let mut pos = eol + 2;
        for _ in 0..count {
            if pos >= input.len() {
                return Step::Incomplete;
            }
            let eol = match header_line(input, pos) {
                Line::Complete(eol) => eol,
                Line::Incomplete => return Step::Incomplete,
                Line::TooLong => return Step::Error(ProtocolError::TooBigBulkCount),
            };
            if input[pos] != b'$' {
                return Step::Error(ProtocolError::ExpectedDollar(input[pos]));
            }
            let Some(len) = integer(&input[pos + 1..eol])
                .filter(|&n| (0..=limits.max_bulk_len).contains(&n))
                .and_then(|n| usize::try_from(n).ok())
            else {
                return Step::Error(ProtocolError::InvalidBulkLength);
            };
            let data = eol + 2;
            // The payload is followed by two bytes that Redis skips unchecked.
            let Some(next) = data.checked_add(len).and_then(|end| end.checked_add(2)) else {
                return Step::Error(ProtocolError::InvalidBulkLength);
            };
            if next > input.len() {
                return Step::Incomplete;
            }
            args.push(input[data..data + len].to_vec());
            pos = next;
        }
        Step::Request(args, pos)
    }

    fn reference_inline(input: &[u8]) -> Step {
        // Redis finds the line's end with C's `strchr`, which stops at a NUL byte: a line with
        // a NUL before its `\n` never ends.
        let end = input.iter().position(|&b| b == b'\n' || b == 0);
        let Some(newline) = end.filter(|&at| input[at] == b'\n') else {
            return if input.len() > INLINE_MAX {
                Step::Error(ProtocolError::TooBigInline)
            } else {
                Step::Incomplete
            };
        };
        if newline > INLINE_MAX {
            return Step::Error(ProtocolError::TooBigInline);
        }
        // As Redis's processInlineBuffer: a `\r` before the `\n` is cut off, then the line is
        // split. (The parser instead lets the splitter treat it as whitespace; this checks that
        // the two agree.)
        let mut line = &input[..newline];
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        match super::inline::reference_split(line) {
            None => Step::Error(ProtocolError::UnbalancedQuotes),
            Some(args) if args.is_empty() => Step::Empty(newline + 1),
            Some(args) => Step::Request(args, newline + 1),
        }
    }
}

/// The inline splitter (`reactor::resp::inline::split_inline`).
pub mod inline {
    use reactor::resp::inline::split_inline;
    use reactor::resp::{Limits, Parsed, RequestParser};

    /// `split_inline`'s answer as owned arguments; `None` for unbalanced quotes.
    pub fn split(line: &[u8]) -> Option<Vec<Vec<u8>>> {
        let (mut out, mut ranges) = (Vec::new(), Vec::new());
        split_inline(line, &mut out, &mut ranges).ok()?;
        let args = ranges.into_iter().map(|r| out[r].to_vec()).collect();
        Some(args)
    }

    /// A statement-by-statement port of Redis 7.0's `sdssplitargs` (sds.c), C string and all:
    /// `at(p)` reads the byte at `p`, or the terminating NUL past the end, so an embedded NUL
    /// ends the line exactly as it does in C. Kept in C's shape on purpose: it is the reference,
    /// so it should be checkable against the original line by line. `None` is Redis's `NULL`
    /// (unbalanced quotes).
    pub fn reference_split(line: &[u8]) -> Option<Vec<Vec<u8>>> {
        let at = |p: usize| line.get(p).copied().unwrap_or(0);
        // C `isspace` in the "C" locale.
        let isspace = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        let hex = |c: u8| char::from(c).to_digit(16);
        let mut p = 0;
        let mut args = Vec::new();
        loop {
            // skip blanks
            while at(p) != 0 && isspace(at(p)) {
                p += 1;
            }
            if at(p) == 0 {
                return Some(args);
            }
            // get a token
            let (mut inq, mut insq, mut done) = (false, false, false);
            let mut current = Vec::new();
            while !done {
                if inq {
                    if let (b'\\', b'x', Some(hi), Some(lo)) =
                        (at(p), at(p + 1), hex(at(p + 2)), hex(at(p + 3)))
                    {
                        current.push((hi * 16 + lo) as u8);
                        p += 3;
                    } else if at(p) == b'\\' && at(p + 1) != 0 {
                        p += 1;
                        current.push(match at(p) {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            c => c,
                        });
                    } else if at(p) == b'"' {
                        // closing quote must be followed by a space or nothing at all
                        if at(p + 1) != 0 && !isspace(at(p + 1)) {
                            return None;
                        }
                        done = true;
                    } else if at(p) == 0 {
                        // unterminated quotes
                        return None;
                    } else {
                        current.push(at(p));
                    }
                } else if insq {
                    if at(p) == b'\\' && at(p + 1) == b'\'' {
                        p += 1;
                        current.push(b'\'');
                    } else if at(p) == b'\'' {
                        if at(p + 1) != 0 && !isspace(at(p + 1)) {
                            return None;
                        }
                        done = true;
                    } else if at(p) == 0 {
                        return None;
                    } else {
                        current.push(at(p));
                    }
                } else {
                    match at(p) {
                        b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                        b'"' => inq = true,
                        b'\'' => insq = true,
                        c => current.push(c),
                    }
                }
                if at(p) != 0 {
                    p += 1;
                }
            }
            args.push(current);
        }
    }

    /// The splitter agrees with the port of Redis on any line (and does not panic).
    pub fn check_split(line: &[u8]) {
        assert_eq!(
            split(line),
            reference_split(line),
            "line {:?}",
            line.escape_ascii().to_string()
        );
    }

    /// Ways to write an argument on an inline line. Each falls back to [`Style::Hex`] for an
    /// argument it cannot express.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Style {
        /// `"..."`, printable ASCII as is, `"` and `\` escaped, everything else `\xHH`.
        Hex,
        /// `"..."`, every byte as is except `"`, `\` and NUL, and the named escapes
        /// `\n \r \t \b \a` for their bytes.
        Named,
        /// `'...'`, with `\'` for a quote (impossible with a NUL, or a trailing `\`, which would
        /// escape the closing quote).
        Single,
        /// Bare bytes, then, from the first byte that cannot stay bare, a `"..."` section glued
        /// on (`ab"c d"` is the one argument `abc d`).
        Bare,
    }

    impl Style {
        pub fn from_byte(b: u8) -> Style {
            match b % 4 {
                0 => Style::Hex,
                1 => Style::Named,
                2 => Style::Single,
                _ => Style::Bare,
            }
        }
    }

    /// Separators between arguments. Each starts with a byte that ends a bare argument (`\v`
    /// and `\f` do not: inside a bare argument they are ordinary bytes).
    pub const SEPARATORS: &[&[u8]] = &[b" ", b"\t", b"  \t ", b"\r", b" \x0b\x0c "];

    fn hex_quoted(arg: &[u8], q: &mut Vec<u8>) {
        q.push(b'"');
        for &b in arg {
            match b {
                b'"' | b'\\' => q.extend([b'\\', b]),
                b' '..=b'~' => q.push(b),
                _ => q.extend(format!("\\x{b:02x}").bytes()),
            }
        }
        q.push(b'"');
    }

    /// `arg` written in `style`, so that the splitter gives it back unchanged.
    pub fn quote(arg: &[u8], style: Style) -> Vec<u8> {
        let mut q = Vec::new();
        match style {
            Style::Hex => hex_quoted(arg, &mut q),
            Style::Named => {
                q.push(b'"');
                for &b in arg {
                    match b {
                        b'"' | b'\\' => q.extend([b'\\', b]),
                        b'\n' => q.extend(b"\\n"),
                        b'\r' => q.extend(b"\\r"),
                        b'\t' => q.extend(b"\\t"),
                        0x08 => q.extend(b"\\b"),
                        0x07 => q.extend(b"\\a"),
                        0 => q.extend(b"\\x00"),
                        _ => q.push(b),
                    }
                }
                q.push(b'"');
            }
            Style::Single if arg.contains(&0) || arg.ends_with(b"\\") => hex_quoted(arg, &mut q),
            Style::Single => {
                q.push(b'\'');
                for &b in arg {
                    if b == b'\'' {
                        q.push(b'\\');
                    }
                    q.push(b);
                }
                q.push(b'\'');
            }
            Style::Bare => {
                // `\v` and `\f` are ordinary bytes inside a bare argument but would be skipped
                // as whitespace before it.
                let stays_bare = |(i, &b): (usize, &u8)| match b {
                    0 | b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' => false,
                    0x0b | 0x0c => i > 0,
                    _ => true,
                };
                let bare = arg
                    .iter()
                    .enumerate()
                    .take_while(|&x| stays_bare(x))
                    .count();
                q.extend_from_slice(&arg[..bare]);
                if bare < arg.len() || arg.is_empty() {
                    hex_quoted(&arg[bare..], &mut q);
                }
            }
        }
        q
    }

    /// How the arguments of a round-trip line are laid out: which [`SEPARATORS`] go between
    /// them (picked cyclically; none means single spaces), and whether whitespace also comes
    /// before the first and after the last.
    #[derive(Debug, Clone, Default)]
    pub struct Layout {
        pub seps: Vec<u8>,
        pub lead: bool,
        pub trail: bool,
    }

    /// `args` written in their styles and laid out as `layout` says.
    pub fn build_line(args: &[(Vec<u8>, Style)], layout: &Layout) -> Vec<u8> {
        let mut picks = layout.seps.iter().cycle();
        let mut sep = |line: &mut Vec<u8>| {
            let pick = picks
                .next()
                .map_or(0, |&b| usize::from(b) % SEPARATORS.len());
            line.extend_from_slice(SEPARATORS[pick]);
        };
        let mut line = Vec::new();
        if layout.lead {
            sep(&mut line);
        }
        for (i, (arg, style)) in args.iter().enumerate() {
            if i > 0 {
                sep(&mut line);
            }
            line.extend(quote(arg, *style));
        }
        if layout.trail {
            sep(&mut line);
        }
        line
    }

    /// Quoted arguments split back to themselves, through the splitter and, as an inline
    /// request, through the request parser.
    pub fn check_round_trip(args: &[(Vec<u8>, Style)], layout: &Layout) {
        let line = build_line(args, layout);
        let want: Vec<Vec<u8>> = args.iter().map(|(arg, _)| arg.clone()).collect();
        let shown = line.escape_ascii().to_string();
        assert_eq!(split(&line), Some(want.clone()), "line {shown:?}");
        assert_eq!(
            reference_split(&line),
            Some(want.clone()),
            "reference, line {shown:?}"
        );
        // A raw `\n` (possible in single quotes or bare) would end the request early, and a
        // leading `*` would make it multibulk: those lines are for the splitter alone.
        if line.contains(&b'\n') || line.first() == Some(&b'*') {
            return;
        }
        let mut request = line;
        request.extend_from_slice(b"\r\n");
        let mut parser = RequestParser::new();
        match parser.parse(&request, &Limits::default()) {
            Ok(Parsed::Request {
                request: r,
                consumed,
            }) => {
                assert_eq!(consumed, request.len(), "line {shown:?}");
                assert_eq!(r.args().map(<[u8]>::to_vec).collect::<Vec<_>>(), want);
            }
            Ok(Parsed::Empty { consumed }) => {
                assert_eq!(consumed, request.len(), "line {shown:?}");
                assert!(want.is_empty(), "line {shown:?} parsed as empty");
            }
            other => panic!("line {shown:?} parsed as {other:?}"),
        }
    }

    /// The fuzz target's input layout: byte 0 says how to read the rest. Even: the rest is one
    /// line, checked against the reference. Odd: the rest is a list of arguments, each as a
    /// header byte (style in the low two bits, the separator before it in the others), a length
    /// byte (`% 32`) and that many bytes, for the round trip; bits 6 and 7 of byte 0 ask for
    /// leading and trailing whitespace.
    pub fn check_fuzz_input(data: &[u8]) {
        let Some((&mode, mut rest)) = data.split_first() else {
            return;
        };
        if mode % 2 == 0 {
            check_split(rest);
            return;
        }
        let mut args = Vec::new();
        let mut layout = Layout {
            seps: Vec::new(),
            lead: mode & 0x40 != 0,
            trail: mode & 0x80 != 0,
        };
        while let [header, len, tail @ ..] = rest {
            let len = usize::from(*len % 32).min(tail.len());
            args.push((tail[..len].to_vec(), Style::from_byte(*header)));
            layout.seps.push(*header >> 2);
            rest = &tail[len..];
        }
        check_round_trip(&args, &layout);
    }
}

/// Glob matching (`reactor::server::glob::glob_match`).
/// The reference glob matcher, shared with `src/server/glob.rs`'s unit tests.
#[path = "../../tests/support/glob_reference.rs"]
mod glob_reference;

pub mod glob {
    use reactor::server::glob::glob_match;

    /// Inputs up to this length (each) are compared with the reference, whose memo is
    /// `O(len(pattern) * len(string))` entries.
    pub const REFERENCE_MAX: usize = 48;

    /// `glob_match` does not panic, terminates, agrees with [`reference`] where that is cheap,
    /// and keeps two facts that hold for any length: a non-empty string matches `*`, and
    /// matches itself with every byte escaped.
    pub fn check(pattern: &[u8], string: &[u8], nocase: bool) {
        let got = glob_match(pattern, string, nocase);
        let shown = || {
            format!(
                "pattern {:?} string {:?} nocase {nocase}",
                pattern.escape_ascii().to_string(),
                string.escape_ascii().to_string()
            )
        };
        if string.len() <= 8 || (pattern.len() <= REFERENCE_MAX && string.len() <= REFERENCE_MAX) {
            assert_eq!(got, reference(pattern, string, nocase), "{}", shown());
        }
        if !string.is_empty() {
            assert!(glob_match(b"*", string, nocase), "`*` vs {}", shown());
            let escaped: Vec<u8> = string.iter().flat_map(|&b| [b'\\', b]).collect();
            assert!(glob_match(&escaped, string, nocase), "escaped {}", shown());
        }
    }

    /// The fuzz target's input layout: byte 0's low bit is `nocase`, byte 1 picks where the
    /// rest splits into pattern and string (`% (len + 1)`).
    pub fn check_fuzz_input(data: &[u8]) {
        let nocase = data.first().is_some_and(|&b| b & 1 == 1);
        let cut = data.get(1).copied().map_or(0, usize::from);
        let rest = data.get(2..).unwrap_or_default();
        let (pattern, string) = rest.split_at(cut % (rest.len() + 1));
        check(pattern, string, nocase);
    }

    // The reference matcher, shared with `src/server/glob.rs`'s unit tests.
    pub use super::glob_reference::reference;
}
