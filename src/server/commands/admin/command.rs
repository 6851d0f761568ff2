//! COMMAND: the command table described to clients (redis-cli builds its hints from it).
//!
//! See the parent module [`super`] for what is left out and why.

use crate::resp::{Request, reply};

use crate::server::command::{Command, Exec, Flags, Subcommand};
use crate::server::glob::glob_match;

/// Entries of our table that are not commands to Redis: `POST` and `Host:` exist only so that
/// an HTTP request closes the connection (see `connection.rs`); Redis catches them before its
/// command lookup, so COMMAND must not list them.
const NOT_COMMANDS: [&str; 2] = ["post", "host:"];

/// ACL category names, in Redis's order (what `COMMAND LIST FILTERBY ACLCAT` accepts), space
/// separated.
const ACL_CATEGORIES: &str = "keyspace read write set sortedset list hash string bitmap \
    hyperloglog geo stream pubsub admin fast slow blocking dangerous connection transaction scripting";

/// `COMMAND [subcommand ...]`; with no subcommand, every command's description.
pub(super) fn command(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() == 1 {
        let all: Vec<&Command> = visible_commands(exec).collect();
        return command_infos(exec, all.into_iter().map(Some));
    }
    // DOCS is deliberately absent: see the module docs.
    exec.run_subcommand("COMMAND", COMMAND, req);
}

#[rustfmt::skip]
const COMMAND: &[Subcommand] = &[
    Subcommand::new("command|count", 2, command_count),
    Subcommand::new("command|info", -2, command_info_subcommand),
    Subcommand::new("command|list", -2, command_list),
    Subcommand::new("command|getkeys", -4, command_getkeys),
    Subcommand::new("command|help", 2, command_help),
];

fn command_count(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let count = visible_commands(exec).count();
    exec.integer(count as i64);
}

/// `COMMAND INFO [name ...]`; with no names every command (Redis 7.0).
fn command_info_subcommand(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let wanted: Vec<Option<&Command>> = if req.len() == 2 {
        visible_commands(exec).map(Some).collect()
    } else {
        req.args()
            .skip(2)
            .map(|name| lookup_visible(exec, name))
            .collect()
    };
    command_infos(exec, wanted.into_iter());
}

fn command_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "command",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    );
}

fn visible_commands<'t>(exec: &'t Exec<'_, '_>) -> impl Iterator<Item = &'static Command> + 't {
    exec.state
        .table
        .iter()
        .filter(|c| !NOT_COMMANDS.contains(&c.name))
}

fn lookup_visible(exec: &Exec<'_, '_>, name: &[u8]) -> Option<&'static Command> {
    exec.state
        .table
        .lookup(name)
        .filter(|c| !NOT_COMMANDS.contains(&c.name))
}

/// An array of descriptions, a null bulk for each unknown name (as Redis's `COMMAND INFO`).
fn command_infos<'c>(
    exec: &mut Exec<'_, '_>,
    commands: impl ExactSizeIterator<Item = Option<&'c Command>>,
) {
    exec.array(commands.len());
    for command in commands {
        match command {
            Some(command) => command_info(exec.out, command),
            None => exec.null(),
        }
    }
}

/// One command as Redis 7.0 describes it, a 10-element array:
///
/// ```text
/// *10  $name  :arity  *flags(+readonly ...)  :first-key  :last-key  :step
///      *acl-categories(+@read ...)  *0 tips  *0 key-specs  *0 subcommands
/// ```
///
/// Tips, key specs and subcommands are empty: the table does not record them, and clients
/// that need key positions use first/last/step, which are exact for every command here.
fn command_info(out: &mut Vec<u8>, command: &Command) {
    reply::array(out, 10);
    reply::bulk(out, command.name.as_bytes());
    reply::integer(out, i64::from(command.arity));
    let flags = shown_flags(command);
    reply::array(out, flags.len());
    for flag in flags {
        reply::simple(out, flag);
    }
    let (first, last, step) = command.keys;
    reply::integer(out, i64::from(first));
    reply::integer(out, i64::from(last));
    reply::integer(out, i64::from(step));
    let categories = acl_categories(command);
    reply::array(out, categories.len());
    for category in categories {
        reply::simple(out, category);
    }
    for _ in 0..3 {
        reply::array(out, 0);
    }
}

/// The command's flags as Redis shows them: in Redis's order, without the hidden ones.
fn shown_flags(command: &Command) -> Vec<&'static str> {
    command.flags.shown().collect()
}

/// The ACL categories Redis derives from flags alone (`setImplicitACLCategories`), in its
/// order. Redis adds others from its command definitions (`@string`, `@keyspace`,
/// `@connection`, `@dangerous` for INFO...), which our table does not record.
fn acl_categories(command: &Command) -> Vec<&'static str> {
    let has = |flag: Flags| command.flags.contains(flag);
    let mut categories = Vec::new();
    if has(Flags::READONLY) {
        categories.push("@read");
    }
    if has(Flags::WRITE) {
        categories.push("@write");
    }
    if has(Flags::PUBSUB) {
        categories.push("@pubsub");
    }
    if has(Flags::ADMIN) {
        categories.push("@admin");
    }
    categories.push(if has(Flags::FAST) { "@fast" } else { "@slow" });
    if has(Flags::BLOCKING) {
        categories.push("@blocking");
    }
    if has(Flags::ADMIN) {
        categories.push("@dangerous");
    }
    categories
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`: command names.
fn command_list(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let names: Vec<&'static str> = match req.len() {
        2 => visible_commands(exec).map(|c| c.name).collect(),
        5 if req.arg(2).eq_ignore_ascii_case(b"filterby") => {
            let (kind, value) = (req.arg(3), req.arg(4));
            if kind.eq_ignore_ascii_case(b"module") {
                // No modules here.
                Vec::new()
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                let known = ACL_CATEGORIES
                    .split_whitespace()
                    .any(|c| c.as_bytes().eq_ignore_ascii_case(value));
                visible_commands(exec)
                    .filter(|c| {
                        known
                            && acl_categories(c)
                                .iter()
                                .any(|cat| cat.as_bytes()[1..].eq_ignore_ascii_case(value))
                    })
                    .map(|c| c.name)
                    .collect()
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                visible_commands(exec)
                    .filter(|c| glob_match(value, c.name.as_bytes(), true))
                    .map(|c| c.name)
                    .collect()
            } else {
                return exec.syntax_error();
            }
        }
        _ => return exec.syntax_error(),
    };
    exec.array(names.len());
    for name in names {
        exec.bulk(name.as_bytes());
    }
}

/// `COMMAND GETKEYS command arg ...`: the arguments of a full command that are keys, found
/// from the command's first/last/step positions (Redis's "legacy range" rule).
fn command_getkeys(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let args: Vec<&[u8]> = req.args().skip(2).collect();
    let Some(command) = lookup_visible(exec, req.arg(2)) else {
        return exec.error("ERR Invalid command specified");
    };
    if command.keys.0 <= 0 && command.numkeys_at.is_none() {
        return exec.error("ERR The command has no key arguments");
    }
    if !command.arity_ok(args.len()) {
        return exec.error("ERR Invalid number of arguments specified for command");
    }
    let positions = match command.numkeys_at {
        None => key_positions(command.keys, args.len()),
        Some(at) => counted_key_positions(command.keys, at, &args),
    };
    let Some(positions) = positions else {
        return exec.error("ERR Invalid arguments specified for command");
    };
    let keys: Vec<&[u8]> = positions
        .iter()
        .filter_map(|&j| args.get(j).copied())
        .collect();
    exec.array(keys.len());
    for key in keys {
        exec.bulk(key);
    }
}

/// Positions of the keys among `argc` arguments (the command name is position 0) for a
/// command whose keys are at `first`, `first + step`, ... up to `last` (negative: counted from
/// the end). `None` when that finds no key, or runs past the arguments: a variadic command
/// given too few arguments for its key pattern (Redis leaves that error to the command).
fn key_positions((first, last, step): (i32, i32, i32), argc: usize) -> Option<Vec<usize>> {
    let first = usize::try_from(first).ok().filter(|&f| f > 0)?;
    let last = if last < 0 {
        argc.checked_sub(last.unsigned_abs() as usize)?
    } else {
        last as usize
    };
    let step = usize::try_from(step).unwrap_or(1).max(1);
    let positions: Vec<usize> = (first..=last).step_by(step).collect();
    let fits = positions.iter().all(|&j| j < argc);
    (fits && !positions.is_empty()).then_some(positions)
}

/// Key positions of a command whose keys are counted by the argument at `at` (Redis's
/// "keynum" key spec), after any fixed keys (`ZUNIONSTORE`'s destination). `None` if the count
/// is not a positive number or runs past the arguments.
fn counted_key_positions(fixed: (i32, i32, i32), at: usize, args: &[&[u8]]) -> Option<Vec<usize>> {
    let mut positions = if fixed.0 > 0 {
        key_positions(fixed, args.len())?
    } else {
        Vec::new()
    };
    let n = crate::resp::number::parse_i64(args.get(at)?)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0)?;
    let end = at.checked_add(1)?.checked_add(n)?;
    if end > args.len() {
        return None;
    }
    positions.extend(at + 1..end);
    Some(positions)
}

#[cfg(test)]
mod tests {
    use crate::server::commands::admin::command::*;
    use crate::server::commands::admin::info::time;
    fn categories_for(flags: &'static [&'static str]) -> Vec<&'static str> {
        let command = Command {
            name: "x",
            arity: 1,
            flags: Flags::from_names(flags),
            keys: (0, 0, 0),
            numkeys_at: None,
            run: time,
        };
        acl_categories(&command)
    }

    #[test]
    fn acl_categories_are_derived_from_flags_in_redis_order() {
        // Each case is the flag-derived part of what redis-server 7.0.15 reports.
        assert_eq!(categories_for(&["readonly", "fast"]), ["@read", "@fast"]);
        assert_eq!(categories_for(&["write", "denyoom"]), ["@write", "@slow"]);
        assert_eq!(
            categories_for(&["admin", "noscript", "loading", "stale"]),
            ["@admin", "@slow", "@dangerous"]
        );
        assert_eq!(
            categories_for(&["pubsub", "loading", "stale", "fast"]),
            ["@pubsub", "@fast"]
        );
        assert_eq!(
            categories_for(&["write", "blocking"]),
            ["@write", "@slow", "@blocking"]
        );
        assert_eq!(categories_for(&[]), ["@slow"]);
    }

    #[test]
    fn flags_are_shown_in_redis_order_without_hidden_ones() {
        let command = Command {
            name: "x",
            arity: 1,
            flags: Flags::from_names(&[
                "allow_busy",
                "fast",
                "sentinel",
                "noscript",
                "may_replicate",
            ]),
            keys: (0, 0, 0),
            numkeys_at: None,
            run: time,
        };
        assert_eq!(shown_flags(&command), ["noscript", "fast", "allow_busy"]);
    }

    #[test]
    fn key_positions_follow_first_last_step() {
        // GET key
        assert_eq!(key_positions((1, 1, 1), 2), Some(vec![1]));
        // MSET k v k v
        assert_eq!(key_positions((1, -1, 2), 5), Some(vec![1, 3]));
        // DEL k k k
        assert_eq!(key_positions((1, -1, 1), 4), Some(vec![1, 2, 3]));
        // RENAME old new
        assert_eq!(key_positions((1, 2, 1), 3), Some(vec![1, 2]));
        // Too few arguments for the pattern, or no keys at all.
        assert_eq!(key_positions((1, 2, 1), 2), None);
        assert_eq!(key_positions((0, 0, 0), 3), None);
        assert_eq!(key_positions((1, -5, 1), 3), None);
        // A zero step is taken as 1 rather than looping forever.
        assert_eq!(key_positions((1, 2, 0), 3), Some(vec![1, 2]));
    }
}
