//! COMMAND DOCS: what each command is for and how it is called, for people and their tools.
//!
//! COMMAND INFO tells a *program* what a command does to the keyspace (flags, key specs);
//! COMMAND DOCS tells a *person* what it is for: a summary, the version it appeared in, its
//! group, its complexity, how it changed, and its arguments as a tree. `redis-cli` 7.0 reads
//! the whole reply when it starts (or at its first `help`) and builds its help pages and the
//! grey hints it types ahead of the cursor from it:
//!
//! ```text
//! 127.0.0.1:6380> ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
//!                          ^^^^^^^ a oneof, optional    ^^^^^^^^^^^^ a block, multiple
//! ```
//!
//! An argument ([`Arg`]) has a name and a type: a value (`string`, `integer`, `double`,
//! `key`, `pattern`, `unix-time`), a bare word (`pure-token`: `NX`), or a group of
//! arguments (`oneof`: exactly one of them; `block`: all of them in order). A value may be
//! introduced by a word (its `token`: `EX seconds`), be `optional`, repeat (`multiple`), and
//! repeat with its word before each (`multiple_token`); a key names the key spec that finds
//! it (`key_spec_index`), linking this tree to COMMAND INFO's specs.
//!
//! The facts themselves are Redis's: [`table`] is written by `scripts/command-docs.py`
//! from Redis 7.0's `src/commands/*.json`, the same files Redis generates its own table from,
//! keeping the commands our tables hold. The test
//! `command_docs_match_redis_for_every_implemented_command` compares every entry with a
//! running redis-server, and `every_command_has_docs` (below) keeps the two tables in step:
//! a command added to a family's table without running the script fails it.
//!
//! Redis counterparts: `commandDocsCommand`, `addReplyCommandDocs` and
//! `addReplyCommandArgList` (`server.c`).

use crate::resp::reply;
use crate::server::command::Command;

mod table;

use table::DOCS;

/// A command's documentation: COMMAND DOCS's map for one command.
pub struct Docs {
    /// Full name, lowercase (`get`, `client|list`): the key the entry is found by.
    pub name: &'static str,
    pub summary: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    pub group: Group,
    pub complexity: Option<&'static str>,
    /// The version that deprecated it and what to use instead.
    pub deprecated: Option<(&'static str, &'static str)>,
    /// A command meant for servers and tools rather than people (`syscmd`).
    pub syscmd: bool,
    /// `(version, change)`, oldest first.
    pub history: &'static [(&'static str, &'static str)],
    pub args: &'static [Arg],
}

impl Docs {
    pub const fn new(
        name: &'static str,
        group: Group,
        since: &'static str,
        summary: &'static str,
    ) -> Docs {
        Docs {
            name,
            summary,
            since,
            group,
            complexity: None,
            deprecated: None,
            syscmd: false,
            history: &[],
            args: &[],
        }
    }

    pub const fn complexity(self, complexity: &'static str) -> Docs {
        Docs {
            complexity: Some(complexity),
            ..self
        }
    }

    pub const fn deprecated(self, since: &'static str, replaced_by: &'static str) -> Docs {
        Docs {
            deprecated: Some((since, replaced_by)),
            ..self
        }
    }

    pub const fn syscmd(self) -> Docs {
        Docs {
            syscmd: true,
            ..self
        }
    }

    pub const fn history(self, history: &'static [(&'static str, &'static str)]) -> Docs {
        Docs { history, ..self }
    }

    pub const fn args(self, args: &'static [Arg]) -> Docs {
        Docs { args, ..self }
    }
}

/// Redis's command groups, named as COMMAND DOCS writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Generic,
    String,
    List,
    Set,
    SortedSet,
    Hash,
    Pubsub,
    Transactions,
    Connection,
    Server,
    Scripting,
    Hyperloglog,
    Cluster,
    Sentinel,
    Geo,
    Stream,
    Bitmap,
}

impl Group {
    pub const fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::Pubsub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::Hyperloglog => "hyperloglog",
            Group::Cluster => "cluster",
            Group::Sentinel => "sentinel",
            Group::Geo => "geo",
            Group::Stream => "stream",
            Group::Bitmap => "bitmap",
        }
    }
}

/// What an argument is, named as COMMAND DOCS writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    /// A bare word (`NX`), its `token`.
    PureToken,
    /// Exactly one of the nested arguments.
    Oneof,
    /// All of the nested arguments, in order.
    Block,
}

impl ArgType {
    pub const fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::Oneof => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// One argument in a command's argument tree.
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgType,
    /// The word that introduces it (`EX` before `seconds`), or a pure token's word.
    pub token: Option<&'static str>,
    /// For a key, the index of the key spec (COMMAND INFO) that finds it.
    pub key_spec: Option<u8>,
    pub optional: bool,
    pub multiple: bool,
    /// Repeats with its token before each value (`GET pattern [GET pattern ...]`).
    pub multiple_token: bool,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    /// A oneof's or a block's arguments.
    pub args: &'static [Arg],
}

impl Arg {
    const fn of(kind: ArgType, name: &'static str) -> Arg {
        Arg {
            name,
            kind,
            token: None,
            key_spec: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            since: None,
            deprecated_since: None,
            args: &[],
        }
    }

    pub const fn string(name: &'static str) -> Arg {
        Arg::of(ArgType::String, name)
    }

    pub const fn integer(name: &'static str) -> Arg {
        Arg::of(ArgType::Integer, name)
    }

    pub const fn double(name: &'static str) -> Arg {
        Arg::of(ArgType::Double, name)
    }

    pub const fn pattern(name: &'static str) -> Arg {
        Arg::of(ArgType::Pattern, name)
    }

    pub const fn unix_time(name: &'static str) -> Arg {
        Arg::of(ArgType::UnixTime, name)
    }

    /// A key, found by the command's key spec number `spec`.
    pub const fn key(name: &'static str, spec: u8) -> Arg {
        Arg::of(ArgType::Key, name).key_spec(spec)
    }

    pub const fn pure_token(name: &'static str, token: &'static str) -> Arg {
        Arg::of(ArgType::PureToken, name).token(token)
    }

    pub const fn oneof(name: &'static str, args: &'static [Arg]) -> Arg {
        Arg {
            args,
            ..Arg::of(ArgType::Oneof, name)
        }
    }

    pub const fn block(name: &'static str, args: &'static [Arg]) -> Arg {
        Arg {
            args,
            ..Arg::of(ArgType::Block, name)
        }
    }

    pub const fn token(self, token: &'static str) -> Arg {
        Arg {
            token: Some(token),
            ..self
        }
    }

    pub const fn key_spec(self, spec: u8) -> Arg {
        Arg {
            key_spec: Some(spec),
            ..self
        }
    }

    pub const fn optional(self) -> Arg {
        Arg {
            optional: true,
            ..self
        }
    }

    pub const fn multiple(self) -> Arg {
        Arg {
            multiple: true,
            ..self
        }
    }

    pub const fn multiple_token(self) -> Arg {
        Arg {
            multiple_token: true,
            ..self
        }
    }

    pub const fn since(self, version: &'static str) -> Arg {
        Arg {
            since: Some(version),
            ..self
        }
    }

    pub const fn deprecated_since(self, version: &'static str) -> Arg {
        Arg {
            deprecated_since: Some(version),
            ..self
        }
    }

    /// The flags COMMAND DOCS lists, in Redis's order.
    fn flags(&self) -> impl Iterator<Item = &'static str> + Clone {
        [
            (self.optional, "optional"),
            (self.multiple, "multiple"),
            (self.multiple_token, "multiple_token"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
    }
}

/// The documentation of the command with this full name.
pub fn docs_of(name: &str) -> Option<&'static Docs> {
    DOCS.binary_search_by(|docs| docs.name.cmp(name))
        .ok()
        .map(|at| &DOCS[at])
}

/// One command's map, fields in `addReplyCommandDocs`'s order: summary, since, group,
/// complexity, doc_flags, deprecated_since, replaced_by, history, arguments, subcommands;
/// each present only when the command has it (the group always).
pub(super) fn command_doc(out: &mut Vec<u8>, command: &Command) {
    // A command without docs (none: `every_command_has_docs`) would still show its group.
    let Some(docs) = docs_of(command.name) else {
        reply::array(out, 2);
        reply::bulk(out, b"group");
        return reply::bulk(out, b"generic");
    };
    let fields = 3
        + usize::from(docs.complexity.is_some())
        + usize::from(docs.deprecated.is_some() || docs.syscmd)
        + 2 * usize::from(docs.deprecated.is_some())
        + usize::from(!docs.history.is_empty())
        + usize::from(!docs.args.is_empty())
        + usize::from(!command.subcommands.is_empty());
    reply::array(out, fields * 2);
    field(out, "summary", docs.summary);
    field(out, "since", docs.since);
    field(out, "group", docs.group.name());
    if let Some(complexity) = docs.complexity {
        field(out, "complexity", complexity);
    }
    if docs.deprecated.is_some() || docs.syscmd {
        reply::bulk(out, b"doc_flags");
        let flags = [
            (docs.deprecated.is_some(), "deprecated"),
            (docs.syscmd, "syscmd"),
        ];
        simple_strings(out, flags.iter().filter(|f| f.0).map(|f| f.1));
    }
    if let Some((since, replaced_by)) = docs.deprecated {
        field(out, "deprecated_since", since);
        field(out, "replaced_by", replaced_by);
    }
    if !docs.history.is_empty() {
        reply::bulk(out, b"history");
        reply::array(out, docs.history.len());
        for (version, change) in docs.history {
            reply::array(out, 2);
            reply::bulk(out, version.as_bytes());
            reply::bulk(out, change.as_bytes());
        }
    }
    if !docs.args.is_empty() {
        reply::bulk(out, b"arguments");
        args(out, docs.args);
    }
    if !command.subcommands.is_empty() {
        reply::bulk(out, b"subcommands");
        reply::array(out, command.subcommands.len() * 2);
        for sub in command.subcommands {
            reply::bulk(out, sub.name.as_bytes());
            command_doc(out, sub);
        }
    }
}

/// An argument list, each argument a map in `addReplyCommandArgList`'s order: name, type,
/// key_spec_index, token, since, deprecated_since, flags, arguments.
fn args(out: &mut Vec<u8>, list: &[Arg]) {
    reply::array(out, list.len());
    for arg in list {
        let nested = matches!(arg.kind, ArgType::Oneof | ArgType::Block);
        let fields = 2
            + usize::from(arg.key_spec.is_some())
            + usize::from(arg.token.is_some())
            + usize::from(arg.since.is_some())
            + usize::from(arg.deprecated_since.is_some())
            + usize::from(arg.flags().next().is_some())
            + usize::from(nested);
        reply::array(out, fields * 2);
        field(out, "name", arg.name);
        field(out, "type", arg.kind.name());
        if let Some(index) = arg.key_spec {
            reply::bulk(out, b"key_spec_index");
            reply::integer(out, i64::from(index));
        }
        if let Some(token) = arg.token {
            field(out, "token", token);
        }
        if let Some(since) = arg.since {
            field(out, "since", since);
        }
        if let Some(since) = arg.deprecated_since {
            field(out, "deprecated_since", since);
        }
        if arg.flags().next().is_some() {
            reply::bulk(out, b"flags");
            simple_strings(out, arg.flags());
        }
        if nested {
            reply::bulk(out, b"arguments");
            args(out, arg.args);
        }
    }
}

fn field(out: &mut Vec<u8>, name: &str, value: &str) {
    reply::bulk(out, name.as_bytes());
    reply::bulk(out, value.as_bytes());
}

/// A set of flags as Redis writes one in RESP2: an array of simple strings (redis-cli
/// asserts that type when it reads argument flags).
fn simple_strings<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str> + Clone) {
    reply::array(out, items.clone().count());
    for item in items {
        reply::simple(out, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::commands::FAMILIES;

    /// Every command and subcommand in the tables has docs, and every docs entry is a
    /// command in the tables: adding a command without running `scripts/command-docs.py`
    /// (or removing one) fails here. Also checks the order a binary search needs, and that
    /// each key argument names a key spec the command has.
    ///
    /// Break checked: deleting the `getdel` entry from [`table`] fails it; so does
    /// swapping two entries.
    #[test]
    fn every_command_has_docs() {
        let mut named = Vec::new();
        for command in FAMILIES.iter().flat_map(|family| family.iter()) {
            if matches!(command.name, "post" | "host:") {
                continue;
            }
            for command in std::iter::once(command).chain(command.subcommands) {
                let docs = docs_of(command.name);
                assert!(docs.is_some(), "no docs for {}", command.name);
                named.push(command.name);
                for arg in docs.into_iter().flat_map(|docs| walk(docs.args)) {
                    if let Some(index) = arg.key_spec {
                        assert!(
                            usize::from(index) < command.key_specs.len(),
                            "{}: {} names key spec {index}",
                            command.name,
                            arg.name
                        );
                    }
                }
            }
        }
        for docs in DOCS {
            assert!(named.contains(&docs.name), "{} is not a command", docs.name);
        }
        assert!(DOCS.windows(2).all(|pair| pair[0].name < pair[1].name));
    }

    fn walk(args: &'static [Arg]) -> Vec<&'static Arg> {
        args.iter()
            .flat_map(|arg| std::iter::once(arg).chain(walk(arg.args)))
            .collect()
    }
}
