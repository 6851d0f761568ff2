//! redis.conf files: reading one into directive lines, and writing the live values back into
//! it (`CONFIG REWRITE`).
//!
//! The format is Redis's: one directive per line, `#` starts a comment line, arguments are
//! split as Redis's `sdssplitargs` splits them (double quotes with `\n`, `\xHH` and friends,
//! single quotes with only `\'`, a closing quote must end the argument), and `include PATH`
//! reads another file at that point. Later lines win, so an included file can be overridden by
//! what follows it, and the command line (read after the file) overrides both.
//!
//! Redis counterpart: `config.c` (`loadServerConfig`, `loadServerConfigFromString`,
//! `rewriteConfig`) and `sds.c` (`sdssplitargs`).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::config::directives::{DIRECTIVES, Directive, Line, find};

/// Includes nest at most this deep (Redis has no limit, and an include loop never ends there).
const MAX_INCLUDE_DEPTH: usize = 16;

/// The most bytes read from a config file and everything it includes, together. Redis's own
/// redis.conf is 100 KiB; a file that never ends (`/dev/zero`, `include /dev/zero`) or an
/// include repeated a million times must stop start-up with an error, not fill the memory.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// Split a config line into arguments as Redis's `sdssplitargs` does; `None` for unbalanced
/// quotes (or a closing quote followed by something other than a space).
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut at = 0;
    loop {
        while at < line.len() && line[at].is_ascii_whitespace() {
            at += 1;
        }
        if at == line.len() {
            return Some(args);
        }
        let mut arg = Vec::new();
        // The argument runs to the next unquoted space; quotes may open anywhere in it.
        while at < line.len() && !line[at].is_ascii_whitespace() {
            match line[at] {
                b'"' => at = double_quoted(line, at + 1, &mut arg)?,
                b'\'' => at = single_quoted(line, at + 1, &mut arg)?,
                byte => {
                    arg.push(byte);
                    at += 1;
                }
            }
        }
        args.push(arg);
    }
}

/// After an opening `"`: append the quoted text to `arg`, return the index after the closing
/// quote (which must end the argument).
fn double_quoted(line: &[u8], mut at: usize, arg: &mut Vec<u8>) -> Option<usize> {
    loop {
        match *line.get(at)? {
            b'\\'
                if at + 3 < line.len()
                    && line[at + 1] == b'x'
                    && line[at + 2].is_ascii_hexdigit()
                    && line[at + 3].is_ascii_hexdigit() =>
            {
                let hex = std::str::from_utf8(&line[at + 2..at + 4]).ok()?;
                arg.push(u8::from_str_radix(hex, 16).ok()?);
                at += 4;
            }
            b'\\' if at + 1 < line.len() => {
                arg.push(match line[at + 1] {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => 0x08,
                    b'a' => 0x07,
                    other => other,
                });
                at += 2;
            }
            b'"' => return closing(line, at + 1),
            byte => {
                arg.push(byte);
                at += 1;
            }
        }
    }
}

/// After an opening `'`: only `\'` is an escape.
fn single_quoted(line: &[u8], mut at: usize, arg: &mut Vec<u8>) -> Option<usize> {
    loop {
        match *line.get(at)? {
            b'\\' if line.get(at + 1) == Some(&b'\'') => {
                arg.push(b'\'');
                at += 2;
            }
            b'\'' => return closing(line, at + 1),
            byte => {
                arg.push(byte);
                at += 1;
            }
        }
    }
}

/// A closing quote must be followed by a space or the end of the line.
fn closing(line: &[u8], after: usize) -> Option<usize> {
    match line.get(after) {
        None => Some(after),
        Some(byte) if byte.is_ascii_whitespace() => Some(after),
        Some(_) => None,
    }
}

/// Every directive line of `path` and the files it includes, in order, and the number of
/// lines of `path` itself (the command line's flags are numbered after them, as Redis numbers
/// them). The error is the whole message to print.
pub fn read(path: &Path) -> Result<(Vec<Line>, usize), String> {
    let mut lines = Vec::new();
    let mut budget = MAX_CONFIG_BYTES;
    let count = read_into(path, 0, &mut lines, &mut budget)?;
    Ok((lines, count))
}

/// Read `path` (at most `budget` bytes, which it uses up) into directive lines, following
/// includes.
fn read_into(
    path: &Path,
    depth: usize,
    out: &mut Vec<Line>,
    budget: &mut u64,
) -> Result<usize, String> {
    let text = super::read_at_most(path, *budget)
        .map_err(|e| {
            format!(
                "Fatal error, can't open config file '{}': {}",
                path.display(),
                io_reason(&e)
            )
        })?
        .ok_or_else(|| {
            format!(
                "Fatal error, config file '{}' is too large: at most {} MiB are read, \
                 includes counted",
                path.display(),
                MAX_CONFIG_BYTES >> 20
            )
        })?;
    *budget -= text.len() as u64;
    let mut count = 0;
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        count = index + 1;
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        let fail = |message: &str| {
            crate::config::directives::ConfigError {
                line: index + 1,
                text: String::from_utf8_lossy(trimmed).into_owned(),
                message: message.to_string(),
            }
            .to_string()
        };
        let Some(mut args) = split_args(trimmed) else {
            return Err(fail("Unbalanced quotes in configuration line"));
        };
        if args.is_empty() {
            continue;
        }
        let name = args.remove(0).to_ascii_lowercase();
        if name == b"include" {
            let [included] = args.as_slice() else {
                return Err(fail("Bad directive or wrong number of arguments"));
            };
            if depth >= MAX_INCLUDE_DEPTH {
                return Err(fail("Too many nested includes"));
            }
            let included = PathBuf::from(String::from_utf8_lossy(included).into_owned());
            read_into(&included, depth + 1, out, budget)?;
            continue;
        }
        out.push(Line {
            number: index + 1,
            text: String::from_utf8_lossy(trimmed).into_owned(),
            name,
            values: args,
        });
    }
    // A final newline does not start another line.
    if text.ends_with(b"\n") {
        count -= 1;
    }
    Ok(count)
}

/// `No such file or directory`, without Rust's ` (os error 2)`.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// `CONFIG REWRITE`: write `config`'s values back into its file, keeping everything else the
/// file says (comments, includes, directives this server ignores) where it was.
///
/// As Redis does: a directive already in the file gets its current value in place (a
/// repeated one keeps only its first line); one that is not there is appended, under a
/// `# Generated by CONFIG REWRITE` line, if its value differs from the default. The new text
/// goes to a temporary file beside the old one, then replaces it with a rename, so a crash
/// leaves one or the other, never half of each. (A synchronous write on the loop thread: this
/// is a rare administrative command, and Redis also does it inline.)
pub fn rewrite(config: &Config) -> Result<(), String> {
    let path = config
        .config_file
        .as_deref()
        .ok_or("The server is running without a config file")?;
    let old =
        std::fs::read(path).map_err(|e| format!("Rewriting config file: {}", io_reason(&e)))?;
    let defaults = Config::default();
    let mut done: Vec<&'static str> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    for raw in old.split_inclusive(|&b| b == b'\n') {
        let directive = split_args(raw.trim_ascii())
            .and_then(|args| args.into_iter().next())
            .and_then(|name| find(&name));
        match directive {
            Some(directive) if done.contains(&directive.name) => {} // a later repeat: dropped
            Some(directive) => {
                done.push(directive.name);
                out.extend_from_slice(&rewritten(directive, config));
            }
            None => {
                out.extend_from_slice(raw);
                if !raw.ends_with(b"\n") {
                    out.push(b'\n');
                }
            }
        }
    }
    let mut header = false;
    for directive in DIRECTIVES {
        if done.contains(&directive.name) || (directive.get)(config) == (directive.get)(&defaults) {
            continue;
        }
        if !header {
            out.extend_from_slice(b"# Generated by CONFIG REWRITE\n");
            header = true;
        }
        out.extend_from_slice(&rewritten(directive, config));
    }
    let temp = path.with_extension("rewrite.tmp");
    std::fs::write(&temp, &out)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| format!("Rewriting config file: {}", io_reason(&e)))
}

/// `name value` for the file, the value quoted when it needs to be.
fn rewritten(directive: &Directive, config: &Config) -> Vec<u8> {
    let mut line = directive.name.as_bytes().to_vec();
    for arg in (directive.get)(config) {
        line.push(b' ');
        line.extend_from_slice(&quote(arg.as_bytes()));
    }
    line.push(b'\n');
    line
}

/// An argument as `split_args` will read it back: bare when it can be, else double-quoted.
fn quote(arg: &[u8]) -> Vec<u8> {
    let plain = !arg.is_empty()
        && arg
            .iter()
            .all(|&b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\'));
    if plain {
        return arg.to_vec();
    }
    let mut out = vec![b'"'];
    for &b in arg {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(b),
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

#[cfg(test)]
mod tests {
    use crate::config::file::*;

    fn split(text: &str) -> Option<Vec<String>> {
        split_args(text.as_bytes()).map(|args| {
            args.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn arguments_split_as_redis_splits_them() {
        assert_eq!(split("port 6379").unwrap(), ["port", "6379"]);
        assert_eq!(split("  save ''  ").unwrap(), ["save", ""]);
        assert_eq!(
            split(r#"requirepass "a b\x41\n""#).unwrap(),
            ["requirepass", "a bA\n"]
        );
        assert_eq!(split(r"x 'it\'s'").unwrap(), ["x", "it's"]);
        assert_eq!(split(r#"x a"b c"d"#), None); // closing quote not followed by a space
        assert_eq!(split(r#"x a"b c""#).unwrap(), ["x", "ab c"]);
        assert_eq!(split(r#"daemonize "no"#), None);
        assert_eq!(split("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn quoted_values_read_back_as_written() {
        for value in [
            "plain",
            "",
            "two words",
            "q\"uote",
            "back\\slash",
            "nl\n",
            "\x01",
        ] {
            let line = [b"x ".to_vec(), quote(value.as_bytes())].concat();
            assert_eq!(split_args(&line).unwrap()[1], value.as_bytes(), "{value:?}");
        }
    }
}
