//! `MEMORY USAGE key [SAMPLES count]` and `MEMORY HELP`: how many bytes a key costs.
//!
//! Redis answers with `objectComputeSize`: the allocator's size of every allocation behind the
//! value, where an aggregate's elements are *sampled* (the first `count` of them, default 5,
//! `0` = all) and their average multiplied by the element count, plus the key and its slot in
//! the main dictionary. The estimate here is built the same way from this server's own
//! layout: the key (its bytes and the `Rc` header), the keyspace entry and its index slots,
//! the `Value` itself, and the value's heap bytes as each type reports them
//! ([`crate::server::keyspace::db::Value::memory_usage`]). Requested sizes, not allocator classes: there
//! is no allocator introspection here, so the number is a lower bound of what the allocator
//! holds, comparable across keys and with Redis's to within its size-class rounding.
//!
//! `DOCTOR`, `MALLOC-STATS`, `PURGE` and `STATS` describe an allocator and a memory budget this
//! server does not manage, so they are not offered (`unknown subcommand`, and HELP lists only
//! what is here).

use crate::resp::Request;

use crate::server::args::{Args, is_option};
use crate::server::command::{Command, Exec};
use crate::server::spec::KeySpec;

/// Redis's default number of sampled elements.
const DEFAULT_SAMPLES: usize = 5;

pub fn memory(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("MEMORY", MEMORY, req);
}

#[rustfmt::skip]
pub(super) const MEMORY: &[Command] = &[
    Command::new("memory|usage", -3, &["readonly"], memory_usage).keys(&[KeySpec::index(2, &["RO"])]),
    Command::new("memory|help", 2, &["loading", "stale"], memory_help),
];

fn memory_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "memory",
        &[
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}

/// `MEMORY USAGE key [SAMPLES count]`.
fn memory_usage(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // Options first, as Redis: `SAMPLES n` (n >= 0; 0 = every element), anything else a
    // syntax error.
    let mut samples = DEFAULT_SAMPLES;
    let mut args = Args::new(req, 3);
    while let Some(option) = args.next() {
        if is_option(option, "samples") && args.remaining() > 0 {
            let n = match args.int() {
                Ok(n) => n,
                Err(message) => return exec.error(message),
            };
            if n < 0 {
                return exec.syntax_error();
            }
            samples = if n == 0 { usize::MAX } else { n as usize };
        } else {
            return exec.syntax_error();
        }
    }
    let key = req.arg(2);
    match exec.state.db.memory_usage(key, samples, exec.now_ms) {
        Some(bytes) => exec.integer(bytes as i64),
        None => exec.null(),
    }
}
