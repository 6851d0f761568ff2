//! COMMAND: the command table described to clients (redis-cli builds its hints from it).
//!
//! See the parent module [`super`] for what is left out and why.

use crate::resp::{Request, reply};

use crate::server::command::{Command, Exec, find_subcommand};
use crate::server::glob::glob_match;
use crate::server::spec::{Begin, Categories, Find, KeyFlags, KeySpec};

/// Entries of our table that are not commands to Redis: `POST` and `Host:` exist only so that
/// an HTTP request closes the connection (see `connection.rs`); Redis catches them before its
/// command lookup, so COMMAND must not list them.
const NOT_COMMANDS: [&str; 2] = ["post", "host:"];

/// `COMMAND [subcommand ...]`; with no subcommand, every command's description.
pub(super) fn command(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() == 1 {
        let all: Vec<&Command> = visible_commands(exec).collect();
        return command_infos(exec, all.into_iter().map(Some));
    }
    exec.run_subcommand("COMMAND", COMMAND, req);
}

#[rustfmt::skip]
pub(super) const COMMAND: &[Command] = &[
    Command::new("command|docs", -2, &["loading", "stale", "sentinel"], command_docs).acl(&["connection"]).tips(&["nondeterministic_output_order"]),
    Command::new("command|count", 2, &["loading", "stale", "sentinel"], command_count).acl(&["connection"]),
    Command::new("command|info", -2, &["loading", "stale", "sentinel"], command_info_subcommand).acl(&["connection"]).tips(&["nondeterministic_output_order"]),
    Command::new("command|list", -2, &["loading", "stale", "sentinel"], command_list).acl(&["connection"]).tips(&["nondeterministic_output_order"]),
    Command::new("command|getkeys", -4, &["loading", "stale", "sentinel"], command_getkeys).acl(&["connection"]),
    Command::new("command|getkeysandflags", -4, &["loading", "stale", "sentinel"], command_getkeysandflags).acl(&["connection"]),
    Command::new("command|help", 2, &["loading", "stale", "sentinel"], command_help).acl(&["connection"]),
];

/// The number of commands, subcommands not counted (as Redis).
fn command_count(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let count = visible_commands(exec).count();
    exec.integer(count as i64);
}

/// `COMMAND INFO [name ...]`; with no names every command (Redis 7.0). A name may be a
/// subcommand's full name (`client|list`).
fn command_info_subcommand(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let wanted: Vec<Option<&Command>> = if req.len() == 2 {
        visible_commands(exec).map(Some).collect()
    } else {
        req.args()
            .skip(2)
            .map(|name| lookup_full_name(exec, name))
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
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
}

fn visible_commands<'t>(exec: &'t Exec<'_, '_>) -> impl Iterator<Item = &'static Command> + 't {
    exec.state
        .table
        .iter()
        .filter(|c| !NOT_COMMANDS.contains(&c.name))
}

/// Every command and, after each container, its subcommands: what COMMAND LIST walks.
fn commands_and_subcommands<'t>(
    exec: &'t Exec<'_, '_>,
) -> impl Iterator<Item = &'static Command> + 't {
    visible_commands(exec).flat_map(|c| std::iter::once(c).chain(c.subcommands))
}

fn lookup_visible(exec: &Exec<'_, '_>, name: &[u8]) -> Option<&'static Command> {
    exec.state
        .table
        .lookup(name)
        .filter(|c| !NOT_COMMANDS.contains(&c.name))
}

/// A command's subcommand named `sub`, any case.
fn subcommand(container: &'static Command, sub: &[u8]) -> Option<&'static Command> {
    find_subcommand(container.subcommands, sub).map(|(_, found)| found)
}

/// A command by its full name (`get`, `client|list`), as Redis's `lookupCommandBySds`; a
/// container's name alone is the container.
fn lookup_full_name(exec: &Exec<'_, '_>, name: &[u8]) -> Option<&'static Command> {
    let (command, _) = exec.state.table.lookup_full(name)?;
    (!NOT_COMMANDS.contains(&command.name)).then_some(command)
}

/// The command a full command line names, as Redis's `lookupCommand`: a container followed
/// by an argument is that subcommand.
fn lookup_command_line(exec: &Exec<'_, '_>, args: &[&[u8]]) -> Option<&'static Command> {
    let command = lookup_visible(exec, args.first()?)?;
    match args.get(1) {
        Some(sub) if !command.subcommands.is_empty() => subcommand(command, sub),
        _ => Some(command),
    }
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
///      *acl-categories(+@read ...)  *tips($nondeterministic_output ...)
///      *key-specs(one map each)  *subcommands(one such array each)
/// ```
fn command_info(out: &mut Vec<u8>, command: &Command) {
    reply::array(out, 10);
    reply::bulk(out, command.name.as_bytes());
    reply::integer(out, i64::from(command.arity));
    let flags: Vec<&str> = command.flags.shown().collect();
    simple_strings(out, &flags);
    let (first, last, step) = command.legacy_keys;
    reply::integer(out, i64::from(first));
    reply::integer(out, i64::from(last));
    reply::integer(out, i64::from(step));
    let categories: Vec<String> = command
        .categories
        .names()
        .map(|c| format!("@{c}"))
        .collect();
    reply::array(out, categories.len());
    for category in categories {
        reply::simple(out, &category);
    }
    reply::array(out, command.tips.len());
    for tip in command.tips {
        reply::bulk(out, tip.as_bytes());
    }
    reply::array(out, command.key_specs.len());
    for spec in command.key_specs {
        key_spec(out, spec);
    }
    reply::array(out, command.subcommands.len());
    for sub in command.subcommands {
        command_info(out, sub);
    }
}

fn simple_strings(out: &mut Vec<u8>, items: &[&str]) {
    reply::array(out, items.len());
    for item in items {
        reply::simple(out, item);
    }
}

/// One key spec as Redis's `addReplyCommandKeySpecs` writes it (a map, flattened in RESP2):
/// `notes` (when there are some), `flags`, `begin_search` and `find_keys`, each of the last
/// two a `type` and a `spec`.
fn key_spec(out: &mut Vec<u8>, spec: &KeySpec) {
    let fields = if spec.notes.is_some() { 8 } else { 6 };
    reply::array(out, fields);
    if let Some(notes) = spec.notes {
        reply::bulk(out, b"notes");
        reply::bulk(out, notes.as_bytes());
    }
    reply::bulk(out, b"flags");
    key_flags(out, spec.flags);
    reply::bulk(out, b"begin_search");
    match spec.begin {
        Begin::Index(index) => typed_spec(out, "index", &[("index", Field::Int(index))]),
        Begin::Keyword { keyword, startfrom } => typed_spec(
            out,
            "keyword",
            &[
                ("keyword", Field::Text(keyword)),
                ("startfrom", Field::Int(startfrom)),
            ],
        ),
        Begin::Unknown => typed_spec(out, "unknown", &[]),
    }
    reply::bulk(out, b"find_keys");
    match spec.find {
        Find::Range {
            lastkey,
            keystep,
            limit,
        } => typed_spec(
            out,
            "range",
            &[
                ("lastkey", Field::Int(lastkey)),
                ("keystep", Field::Int(keystep)),
                ("limit", Field::Int(limit)),
            ],
        ),
        Find::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => typed_spec(
            out,
            "keynum",
            &[
                ("keynumidx", Field::Int(keynumidx)),
                ("firstkey", Field::Int(firstkey)),
                ("keystep", Field::Int(keystep)),
            ],
        ),
        Find::Unknown => typed_spec(out, "unknown", &[]),
    }
}

fn key_flags(out: &mut Vec<u8>, flags: KeyFlags) {
    let names: Vec<&str> = flags.names().collect();
    simple_strings(out, &names);
}

enum Field {
    Int(i32),
    Text(&'static str),
}

/// `type <kind> spec <map of fields>`, as key specs nest them.
fn typed_spec(out: &mut Vec<u8>, kind: &str, fields: &[(&str, Field)]) {
    reply::array(out, 4);
    reply::bulk(out, b"type");
    reply::bulk(out, kind.as_bytes());
    reply::bulk(out, b"spec");
    reply::array(out, fields.len() * 2);
    for (name, value) in fields {
        reply::bulk(out, name.as_bytes());
        match value {
            Field::Int(n) => reply::integer(out, i64::from(*n)),
            Field::Text(text) => reply::bulk(out, text.as_bytes()),
        }
    }
}

/// `COMMAND DOCS [name ...]`: a map from full name to documentation; with no names every
/// command (subcommands inside their container's entry), with names only those found (a
/// container's name gives it with all its subcommands; `client|list` one subcommand).
fn command_docs(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let commands: Vec<&'static Command> = if req.len() == 2 {
        visible_commands(exec).collect()
    } else {
        req.args()
            .skip(2)
            .filter_map(|name| lookup_full_name(exec, name))
            .collect()
    };
    exec.array(commands.len() * 2);
    for command in commands {
        exec.bulk(command.name.as_bytes());
        super::docs::command_doc(exec.out, command);
    }
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`: the names of
/// commands and subcommands (`client|list`), as Redis 7.0 lists them.
fn command_list(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let names: Vec<&'static str> = match req.len() {
        2 => commands_and_subcommands(exec).map(|c| c.name).collect(),
        5 if req.arg(2).eq_ignore_ascii_case(b"filterby") => {
            let (kind, value) = (req.arg(3), req.arg(4));
            if kind.eq_ignore_ascii_case(b"module") {
                // No modules here.
                Vec::new()
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                let category = Categories::NAMES
                    .into_iter()
                    .find(|c| c.as_bytes().eq_ignore_ascii_case(value))
                    .map(Categories::named);
                commands_and_subcommands(exec)
                    .filter(|c| category.is_some_and(|category| c.categories.contains(category)))
                    .map(|c| c.name)
                    .collect()
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                commands_and_subcommands(exec)
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

/// `COMMAND GETKEYS command arg ...`: the arguments of a full command that are keys.
fn command_getkeys(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    getkeys(exec, req, false);
}

/// `COMMAND GETKEYSANDFLAGS command arg ...`: each key with how the command uses it.
fn command_getkeysandflags(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    getkeys(exec, req, true);
}

/// Both GETKEYS forms, as Redis's `getKeysSubcommandImpl`: the command line is looked up
/// (a container's subcommand included), its arity checked, then its keys found by its key
/// specs ([`Command::keys_in`]).
fn getkeys(exec: &mut Exec<'_, '_>, req: &Request<'_>, with_flags: bool) {
    let args: Vec<&[u8]> = req.args().skip(2).collect();
    let Some(command) = lookup_command_line(exec, &args) else {
        return exec.error("ERR Invalid command specified");
    };
    if !command.has_keys() {
        return exec.error("ERR The command has no key arguments");
    }
    if !command.arity_ok(args.len()) {
        return exec.error("ERR Invalid number of arguments specified for command");
    }
    // No keys at all is as invalid as arguments the specs do not fit (Redis: zero keys).
    let Some(keys) = command.keys_in(&args).filter(|keys| !keys.is_empty()) else {
        if command
            .flags
            .contains(crate::server::spec::Flags::NO_MANDATORY_KEYS)
        {
            return exec.array(0);
        }
        return exec.error("ERR Invalid arguments specified for command");
    };
    exec.array(keys.len());
    for (at, flags) in keys {
        if with_flags {
            exec.array(2);
            exec.bulk(args[at]);
            key_flags(exec.out, flags);
        } else {
            exec.bulk(args[at]);
        }
    }
}
