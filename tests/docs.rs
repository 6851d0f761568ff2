//! The docs cannot rot. For `README.md` and every `docs/*.md`:
//!
//! 1. every backticked path under `src/`, `tests/`, `examples/`, `benches/` or `docs/` exists,
//!    and every relative Markdown link points at a file that exists;
//! 2. every backticked function (`service_read()`, `EventLoop::run`, `reply::simple`) is defined
//!    as `fn NAME` somewhere in `src/`, `examples/`, `tests/` or `benches/`, and every test named
//!    in a "Tests that pin this" list (`` - `tests/pitfalls.rs`: `name` ``) is a `fn` in that
//!    file;
//! 3. every fenced block whose info string is `transcript` runs, against a fresh
//!    `reactor-server` (see [`run_transcript`] for the format);
//! 4. every fenced block that quotes a source file (its first line names it: `// src/x.rs`)
//!    matches that file's current text (see [`quote_matches`]).
//!
//! A failure names the file and line, and every failure is reported, not only the first.
//! `cargo test --test docs parser_figures -- --nocapture` prints the parser figures that
//! chapter 4 quotes.

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::Binary;
use reactor::resp::{Limits, Parsed, RequestParser};

/// How long one transcript command may run before it is killed and reported.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// The port the docs use; a transcript command (and a `# server:` line) has every occurrence
/// replaced by the test server's real port.
const DOC_PORT: &str = "6380";
/// A second port a transcript may use (a TLS or dashboard listener): replaced, in the server's
/// flags and in every command, by a port that was free just before the server started.
const DOC_SECOND_PORT: &str = "6381";

/// Path prefixes whose backticked mentions must exist.
const CHECKED_DIRS: &[&str] = &["src/", "tests/", "examples/", "benches/", "docs/"];

/// Roots of `a::b` paths that belong to other crates or to std, so are not looked up here.
const EXTERNAL_ROOTS: &[&str] = &[
    "std",
    "core",
    "alloc",
    "mio",
    "slab",
    "libc",
    "log",
    "clap",
    "redis",
    "proptest",
    "signal_hook",
    "signal_hook_mio",
    "simple_logger",
    "io",
    "mem",
    "fs",
    "net",
    "thread",
    "process",
    "ptr",
    "Arc",
    "AtomicBool",
    "Box",
    "BufRead",
    "BufReader",
    "Cell",
    "Duration",
    "ErrorKind",
    "Events",
    "HashMap",
    "HashSet",
    "Instant",
    "Interest",
    "IpAddr",
    "Mutex",
    "Option",
    "Path",
    "PathBuf",
    "Poll",
    "Rc",
    "Read",
    "RefCell",
    "Registry",
    "Result",
    "Slab",
    "String",
    "TcpListener",
    "TcpStream",
    "Token",
    "Vec",
    "VecDeque",
    "Waker",
    "Write",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One Markdown file: its path relative to the repository, and its lines.
struct Doc {
    name: String,
    lines: Vec<String>,
}

impl Doc {
    /// `file:line` for messages (`line` is 0-based here, 1-based in the message).
    fn at(&self, line: usize) -> String {
        format!("{}:{}", self.name, line + 1)
    }
}

/// `README.md` and every `docs/*.md`, in name order.
fn docs() -> Vec<Doc> {
    let root = repo();
    let mut names: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    names.sort();
    names.insert(0, "README.md".to_string());
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name))
                .unwrap_or_else(|e| panic!("read {name}: {e}"));
            Doc {
                name,
                lines: text.lines().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// The info string of a fence line (```` ```transcript ````), or `None` if not a fence.
fn fence(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    trimmed
        .strip_prefix("```")
        .or_else(|| trimmed.strip_prefix("~~~"))
        .map(|rest| rest.trim_start_matches(['`', '~']).trim())
}

/// Line numbers (0-based) of the lines outside fenced code blocks.
fn prose(doc: &Doc) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (i, line) in doc.lines.iter().enumerate() {
        if fence(line).is_some() {
            in_fence = !in_fence;
        } else if !in_fence {
            out.push(i);
        }
    }
    out
}

/// The inline code spans of one line: `` `a` `` and ``` ``a`b`` ``` alike.
fn code_spans(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let start = i + run;
        let mut j = start;
        let mut closed = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let other = bytes[j..].iter().take_while(|&&b| b == b'`').count();
                if other == run {
                    closed = Some(j);
                    break;
                }
                j += other;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => {
                spans.push(line[start..end].trim());
                i = end + run;
            }
            None => i = start,
        }
    }
    spans
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names after `fn` in `source`, outside `//` comment lines.
fn fn_names(source: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    for line in source.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("fn ") {
            let word_start = at == 0 || !is_ident(rest.as_bytes()[at - 1]);
            rest = &rest[at + 3..];
            if !word_start {
                continue;
            }
            let name: String = rest
                .trim_start()
                .bytes()
                .take_while(|&b| is_ident(b))
                .map(char::from)
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every function defined in the code (this file excluded: it only checks the others).
fn all_fn_names() -> HashSet<String> {
    let root = repo();
    let mut files = Vec::new();
    for dir in ["src", "examples", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    let this = root.join("tests/docs.rs");
    files
        .iter()
        .filter(|f| **f != this)
        .flat_map(|f| fn_names(&std::fs::read_to_string(f).unwrap_or_default()))
        .collect()
}

/// Report every failure at once.
fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Paths and links
// ---------------------------------------------------------------------------------------------

/// The repository path a code span names, if it names one (`src/x.rs`, `src/x.rs:42`,
/// `tests/pitfalls.rs` in `` `tests/pitfalls.rs`: ``).
fn span_path(span: &str) -> Option<&str> {
    let first = span.split_whitespace().next()?;
    if !CHECKED_DIRS.iter().any(|d| first.starts_with(d)) {
        return None;
    }
    let path = first.trim_end_matches([',', ';', '.', ')', ':']);
    // `file.rs:42` or `file.rs:12-30`: the file.
    Some(path.split(':').next().unwrap_or(path))
}

/// Whether `path` (relative to the repository, maybe with a `*` in its last part) exists.
fn exists(path: &str) -> bool {
    let root = repo();
    let Some(star) = path.find('*') else {
        return root.join(path).exists();
    };
    let (dir, pattern) = match path[..star].rfind('/') {
        Some(slash) => (&path[..slash], &path[slash + 1..]),
        None => ("", path),
    };
    let (before, after) = pattern.split_once('*').unwrap_or((pattern, ""));
    std::fs::read_dir(root.join(dir)).is_ok_and(|entries| {
        entries.filter_map(|e| e.ok()).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(before) && name.ends_with(after)
        })
    })
}

/// The relative targets of Markdown links `[text](target)` on one line.
fn link_targets(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else {
            break;
        };
        let target = rest[..end].split_whitespace().next().unwrap_or_default();
        rest = &rest[end..];
        let external = target.contains("://") || target.starts_with("mailto:");
        if !external && !target.is_empty() && !target.starts_with('#') {
            out.push(target.split('#').next().unwrap_or(target));
        }
    }
    out
}

#[test]
fn backticked_paths_and_links_exist() {
    let mut failures = Vec::new();
    for doc in docs() {
        let dir = Path::new(&doc.name).parent().unwrap_or(Path::new(""));
        for i in prose(&doc) {
            let line = &doc.lines[i];
            for span in code_spans(line) {
                if let Some(path) = span_path(span)
                    && !exists(path)
                {
                    failures.push(format!("{}: `{path}` does not exist", doc.at(i)));
                }
            }
            // Links are checked outside code spans only.
            let mut plain = line.clone();
            for span in code_spans(line) {
                plain = plain.replacen(span, "", 1);
            }
            for target in link_targets(&plain) {
                let resolved = dir.join(target);
                if !repo().join(&resolved).exists() {
                    failures.push(format!("{}: link to `{target}`: no such file", doc.at(i)));
                }
            }
        }
    }
    assert_no_failures("paths or links in the docs name nothing", &failures);
}

// ---------------------------------------------------------------------------------------------
// 4. Quoted code
// ---------------------------------------------------------------------------------------------

/// Whether `quote` (a code block's lines after its `// path` line) is in `source`. Compared
/// without whitespace, so a quote may wrap or indent differently from the file; a line that is
/// only `...` or `// ...` elides code, so the pieces around it must each be found, in order.
fn quote_matches(quote: &[String], source: &str) -> bool {
    let squeeze = |text: &str| -> String { text.chars().filter(|c| !c.is_whitespace()).collect() };
    let source = squeeze(source);
    let mut pieces = vec![String::new()];
    for line in quote {
        let trimmed = line.trim();
        if trimmed == "..." || trimmed == "// ..." {
            pieces.push(String::new());
        } else if let Some(piece) = pieces.last_mut() {
            piece.push_str(&squeeze(trimmed));
        }
    }
    let mut from = 0;
    for piece in pieces.iter().filter(|p| !p.is_empty()) {
        match source[from..].find(piece.as_str()) {
            Some(at) => from += at + piece.len(),
            None => return false,
        }
    }
    true
}

/// Break checked: quoting `desired_interest` as `if self.pending_output() > 0` (what
/// chapter 8 said before the code changed) fails it, naming chapter 8's line.
#[test]
fn quoted_code_matches_its_source() {
    let mut failures = Vec::new();
    let mut quotes = 0;
    for doc in docs() {
        let mut i = 0;
        while i < doc.lines.len() {
            if fence(&doc.lines[i]).is_none() {
                i += 1;
                continue;
            }
            let end = (i + 1..doc.lines.len())
                .find(|&j| fence(&doc.lines[j]).is_some())
                .unwrap_or(doc.lines.len());
            let first = doc.lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
            let quoted = first
                .strip_prefix("// ")
                .filter(|path| CHECKED_DIRS.iter().any(|dir| path.starts_with(dir)));
            if let Some(path) = quoted.filter(|_| i + 1 < end) {
                quotes += 1;
                match std::fs::read_to_string(repo().join(path)) {
                    Ok(source) if quote_matches(&doc.lines[i + 2..end], &source) => {}
                    Ok(_) => failures.push(format!(
                        "{}: the quote of `{path}` no longer matches the file",
                        doc.at(i + 1)
                    )),
                    Err(e) => failures.push(format!("{}: `{path}`: {e}", doc.at(i + 1))),
                }
            }
            i = end + 1;
        }
    }
    assert_no_failures("quoted code drifted from its source", &failures);
    assert!(quotes >= 3, "only {quotes} quotes found");
}

// ---------------------------------------------------------------------------------------------
// 2. Functions and tests
// ---------------------------------------------------------------------------------------------

/// The function a code span names, if it names one in a form this check understands:
/// `name()`, `Type::name`, `Type::name()`, `module::name`. Paths rooted in std or another
/// crate (`mio::Poll::poll`, `Vec::new()`) and method calls on a value (`event.is_readable()`)
/// are not ours to check.
fn span_function(span: &str) -> Option<&str> {
    let (path, called) = match span.strip_suffix("()") {
        Some(p) => (p, true),
        None => (span, false),
    };
    if path.is_empty() {
        return None;
    }
    // `event.is_read_closed()`: a method on a value whose type this check cannot know (often
    // another crate's), so it is left alone.
    if path.contains('.') {
        return None;
    }
    let segments: Vec<&str> = path.split("::").collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || !s.bytes().all(is_ident))
    {
        return None;
    }
    let name = *segments.last()?;
    let lowercase = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    if !lowercase || (!called && segments.len() < 2) {
        return None;
    }
    if segments.len() >= 2 && EXTERNAL_ROOTS.contains(&segments[0]) {
        return None;
    }
    Some(name)
}

/// A "Tests that pin this" line: `` - `tests/pitfalls.rs`: `a`, `b` `` → the file and names.
fn pinned_tests(line: &str) -> Option<(&str, Vec<&str>)> {
    let item = line
        .trim_start()
        .strip_prefix("- ")
        .or_else(|| line.trim_start().strip_prefix("* "))?;
    if !item.starts_with('`') {
        return None;
    }
    let spans = code_spans(item);
    let file = *spans.first()?;
    let after_file = item.get(file.len() + 2..)?;
    if !file.ends_with(".rs") || !after_file.starts_with(':') {
        return None;
    }
    Some((file, spans[1..].to_vec()))
}

#[test]
fn named_functions_and_pinned_tests_exist() {
    let defined = all_fn_names();
    let mut failures = Vec::new();
    for doc in docs() {
        let mut in_pins = false;
        for i in prose(&doc) {
            let line = &doc.lines[i];
            if line.starts_with('#') {
                in_pins = line.to_ascii_lowercase().contains("tests that pin this");
                continue;
            }
            for span in code_spans(line) {
                if let Some(name) = span_function(span)
                    && !defined.contains(name)
                {
                    failures.push(format!(
                        "{}: `{span}`: no `fn {name}` in src/, examples/, tests/ or benches/",
                        doc.at(i)
                    ));
                }
            }
            match pinned_tests(line) {
                Some((file, names)) => {
                    let source = std::fs::read_to_string(repo().join(file)).unwrap_or_default();
                    let in_file = fn_names(&source);
                    if source.is_empty() {
                        failures.push(format!("{}: `{file}` cannot be read", doc.at(i)));
                    } else if names.is_empty() {
                        failures.push(format!("{}: no test named after `{file}`:", doc.at(i)));
                    }
                    for name in names {
                        if !in_file.contains(name) {
                            failures.push(format!("{}: no `fn {name}` in `{file}`", doc.at(i)));
                        }
                    }
                }
                None if in_pins && line.trim_start().starts_with("- ") => failures.push(format!(
                    "{}: under \"Tests that pin this\", write items as \
                     - `tests/FILE.rs`: `test_name`, `other_test`",
                    doc.at(i)
                )),
                None => {}
            }
        }
    }
    assert_no_failures(
        "functions or tests named in the docs do not exist",
        &failures,
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Transcripts
// ---------------------------------------------------------------------------------------------

/// One `$ ` command of a transcript and the stdout it must print.
struct Step {
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// One ```` ```transcript ```` block.
struct Transcript {
    line: usize,
    flags: Vec<String>,
    steps: Vec<Step>,
}

/// The transcript blocks of `doc`, or a message for a malformed one.
fn transcripts(doc: &Doc) -> Result<Vec<Transcript>, String> {
    let mut out = Vec::new();
    let mut current: Option<Transcript> = None;
    let mut in_other_fence = false;
    for (i, line) in doc.lines.iter().enumerate() {
        if let Some(info) = fence(line) {
            if let Some(block) = current.take() {
                if block.steps.is_empty() {
                    return Err(format!("{}: transcript without a `$ ` command", doc.at(i)));
                }
                out.push(block);
            } else if in_other_fence {
                in_other_fence = false;
            } else if info == "transcript" {
                current = Some(Transcript {
                    line: i,
                    flags: Vec::new(),
                    steps: Vec::new(),
                });
            } else {
                in_other_fence = true;
            }
            continue;
        }
        let Some(block) = current.as_mut() else {
            continue;
        };
        if let Some(flags) = line.strip_prefix("# server:")
            && block.steps.is_empty()
            && block.flags.is_empty()
        {
            block.flags = flags.split_whitespace().map(str::to_string).collect();
        } else if let Some(command) = line.strip_prefix("$ ") {
            block.steps.push(Step {
                line: i,
                command: command.to_string(),
                expected: Vec::new(),
            });
        } else if let Some(step) = block.steps.last_mut() {
            step.expected.push(line.clone());
        } else if !line.trim().is_empty() {
            return Err(format!(
                "{}: transcript output before any `$ ` command",
                doc.at(i)
            ));
        }
    }
    if let Some(block) = current {
        return Err(format!(
            "{}: transcript block never closed",
            doc.at(block.line)
        ));
    }
    Ok(out)
}

/// Lines with trailing whitespace trimmed, trailing empty lines dropped.
fn normalise<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| l.as_ref().trim_end().to_string())
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// What one shell command did.
struct Output {
    stdout: String,
    stderr: String,
    status: Option<i32>,
    timed_out: bool,
}

/// Run `script` with `sh -c` in the repository, `bin_dir` first on `PATH`, killing its whole
/// process group if it runs past [`COMMAND_TIMEOUT`].
fn run_shell(script: &str, bin_dir: &Path) -> Output {
    use std::os::unix::process::CommandExt;
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("sh")
        .args(["-c", script])
        .current_dir(repo())
        .env("PATH", path)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("run sh");
    // Read both pipes to their end on threads: a background job can hold them open after `sh`
    // exits, and the deadline must cover that too.
    let (tx, rx) = mpsc::channel();
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let tx_err = tx.clone();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        let _ = tx.send((true, text));
    });
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = tx_err.send((false, text));
    });
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let (mut out, mut err) = (None, None);
    let mut timed_out = false;
    while out.is_none() || err.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, text)) => out = Some(text),
            Ok((false, text)) => err = Some(text),
            Err(_) => {
                timed_out = true;
                // Our own process group, by its id.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                break;
            }
        }
    }
    if timed_out {
        let _ = child.kill();
    }
    let status = child.wait().ok().and_then(|s| s.code());
    Output {
        stdout: out.unwrap_or_default(),
        stderr: err.unwrap_or_default(),
        status,
        timed_out,
    }
}

/// Run one transcript against a fresh server; `Err` describes the first step that went wrong.
///
/// The format, shared by every chapter:
///
/// - a fenced block whose info string is exactly `transcript`;
/// - an optional first line `# server: FLAGS`: extra flags for the `reactor-server` started
///   for this block (always with `--port 0`, which `--port 6380` there overrides); every
///   `6380` and `6381` in them is a free port chosen for the block, and so is every `6381` in
///   the commands;
/// - every line starting with `$ ` is a command, run with `sh -c` in the repository root after
///   every `6380` in it is replaced by the server's real port, with the directory of the
///   `reactor-server` binary first on `PATH`;
/// - the lines after a command, up to the next `$ ` line or the end of the block, are its
///   expected stdout, compared after trimming each line's trailing whitespace (so `\r\n` from
///   `nc` compares as a line end) and dropping trailing empty lines.
///
/// A command must finish within [`COMMAND_TIMEOUT`] and must not exit with 126 or 127 (a tool
/// that is missing); the server must still be running when the block ends.
fn run_transcript(doc: &Doc, block: &Transcript, bin_dir: &Path) -> Result<(), String> {
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port().to_string())
            .expect("a free port")
    };
    let (first, second) = (free_port(), free_port());
    let flags: Vec<String> = block
        .flags
        .iter()
        .map(|f| {
            f.replace(DOC_PORT, &first)
                .replace(DOC_SECOND_PORT, &second)
        })
        .collect();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut server = Binary::start(&flags);
    let port = server.addr.port().to_string();
    for step in &block.steps {
        let script = step
            .command
            .replace(DOC_PORT, &port)
            .replace(DOC_SECOND_PORT, &second);
        let output = run_shell(&script, bin_dir);
        let actual = normalise(&output.stdout.lines().collect::<Vec<_>>());
        let expected = normalise(&step.expected);
        let problem = if output.timed_out {
            Some(format!("did not finish within {COMMAND_TIMEOUT:?}"))
        } else if matches!(output.status, Some(126 | 127)) {
            Some(format!("exited with {:?}: a missing tool?", output.status))
        } else if actual != expected {
            Some("printed something else".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(format!(
                "{}: `{}` {problem}\n--- expected ---\n{}\n--- actual ---\n{}\n--- stderr ---\n{}",
                doc.at(step.line),
                step.command,
                expected.join("\n"),
                actual.join("\n"),
                output.stderr.trim_end()
            ));
        }
    }
    if let Ok(Some(status)) = server.child.try_wait() {
        return Err(format!(
            "{}: the server exited ({status}) during this transcript",
            doc.at(block.line)
        ));
    }
    Ok(())
}

#[test]
fn transcripts_run() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_reactor-server"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let mut failures = Vec::new();
    let mut ran = 0;
    for doc in docs() {
        let blocks = match transcripts(&doc) {
            Ok(blocks) => blocks,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for block in &blocks {
            ran += 1;
            if let Err(e) = run_transcript(&doc, block, &bin_dir) {
                failures.push(e);
            }
        }
    }
    assert_no_failures("transcripts failed", &failures);
    assert!(ran > 0, "no transcript blocks found in the docs");
}

// ---------------------------------------------------------------------------------------------
// Figures quoted by the chapters
// ---------------------------------------------------------------------------------------------

/// Feed `stream` to a fresh parser in `piece`-byte reads, keeping every unconsumed byte (as the
/// loop does), until one request completes. Returns (bytes examined by the parser, bytes a
/// parser that restarts from the first byte on every read would have to look at again).
fn examined(stream: &[u8], piece: usize) -> (u64, u64) {
    let mut parser = RequestParser::new();
    let mut buffer = Vec::with_capacity(stream.len());
    let mut rescan = 0u64;
    for chunk in stream.chunks(piece) {
        buffer.extend_from_slice(chunk);
        rescan += buffer.len() as u64;
        match parser.parse(&buffer, &Limits::default()) {
            Ok(Parsed::Incomplete) => {}
            Ok(Parsed::Request { .. }) => return (parser.bytes_examined(), rescan),
            other => panic!("unexpected parse result {other:?}"),
        }
    }
    panic!("the request never completed");
}

/// One figure chapter 4 quotes: a request, the read size it arrives in, and the exact counts.
struct Figure {
    what: &'static str,
    stream: Vec<u8>,
    piece: usize,
    /// (bytes examined, bytes a parser restarting on every read would look at)
    counts: (u64, u64),
}

/// The figures chapter 4 (`docs/04-parsing-resp.md`) quotes. They are exact counts, not
/// timings, so they are asserted: if the parser changes them, update the chapter too.
#[test]
fn parser_figures() {
    let mut set = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$8388608\r\n".to_vec();
    set.extend(std::iter::repeat_n(b'v', 8 * 1024 * 1024));
    set.extend_from_slice(b"\r\n");
    let mut inline = b"ECHO ".to_vec();
    inline.extend(std::iter::repeat_n(b'x', 60 * 1024));
    inline.extend_from_slice(b"\r\n");
    let mut many = b"*2000\r\n".to_vec();
    for i in 0..2000 {
        let arg = format!("arg{i}");
        many.extend(format!("${}\r\n{arg}\r\n", arg.len()).bytes());
    }
    let figures = [
        Figure {
            what: "8 MiB SET in 1 KiB reads",
            stream: set,
            piece: 1024,
            counts: (18, 34_372_321_314),
        },
        Figure {
            what: "60 KiB inline line in 1 KiB reads",
            stream: inline,
            piece: 1024,
            counts: (61_447, 1_935_367),
        },
        Figure {
            what: "2,000 arguments in 1-byte reads",
            stream: many,
            piece: 1,
            counts: (8_007, 309_942_753),
        },
    ];
    let mut failures = Vec::new();
    for figure in &figures {
        let got = examined(&figure.stream, figure.piece);
        println!(
            "{}: {} bytes received, {} examined; restarting on every read: {}",
            figure.what,
            figure.stream.len(),
            got.0,
            got.1
        );
        if got != figure.counts {
            failures.push(format!(
                "{}: (examined, rescan) = {got:?}, chapter 4 says {:?}",
                figure.what, figure.counts
            ));
        }
    }
    assert_no_failures(
        "parser figures differ from docs/04-parsing-resp.md",
        &failures,
    );
}
