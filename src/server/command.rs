//! The command table and the shape every command shares: look up, check arity, run, reply.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md).
//!
//! Each family file (`strings.rs`, `keys.rs`, `connection.rs`, `admin.rs`) exports a
//! `COMMANDS` slice of [`Command`]s. They are merged into one table, and a request's name is
//! found by hashing it while lowercasing it into a stack buffer, then probing a small
//! open-addressed index: one byte comparison per lookup, no allocation. (The binary search over
//! the sorted names it replaces made seven `memcmp` calls, about 270 instructions a request:
//! see docs/performance.md.) Arity follows Redis's convention: `n > 0` means exactly `n`
//! arguments (the name included), `n < 0` at least `-n`.
//!
//! A command is a plain function from an [`Exec`] (the server state, this client, its output)
//! and the parsed [`Request`] to bytes appended to `exec.out`. Redis counterparts:
//! `commands.def` / `lookupCommand` / `processCommand` in `server.c`.

use crate::reactor::{ConnId, Ctx};
use crate::resp::{Request, reply};

use crate::server::Session;
use crate::server::State;
use crate::server::client::Client;
use crate::server::spec::{Categories, Flags, KeyFlags, KeySpec, keys_by_specs, legacy_range};

/// Signature of a command implementation.
pub type CommandFn = fn(&mut Exec<'_, '_>, &Request<'_>);

/// One entry of the command table: a command, or a subcommand of a container (`client|list`),
/// described as Redis 7.0 describes it (see [`crate::server::spec`]).
#[derive(Debug)]
pub struct Command {
    /// Lowercase name; a subcommand's is its full name, `container|sub`, as Redis reports it
    /// (in CLIENT LIST's `cmd=`, in arity errors, in COMMAND).
    pub name: &'static str,
    /// Redis arity: exact if positive, minimum if negative; counts the name (and for a
    /// subcommand, the container's name too).
    pub arity: i32,
    /// Flags read by dispatch and reported by COMMAND; `movablekeys` is derived from the key
    /// specs, never written.
    pub flags: Flags,
    /// ACL categories, those derived from the flags included ([`Categories::of`]).
    pub categories: Categories,
    /// Where the keys are, and how they are used.
    pub key_specs: &'static [KeySpec],
    /// First key, last key (negative counts from the end), step: the triple COMMAND shows
    /// before key specs existed, derived from them ([`legacy_range`]).
    pub legacy_keys: (i32, i32, i32),
    /// Redis's hints to cluster proxies and test tools (`nondeterministic_output`, ...).
    pub tips: &'static [&'static str],
    /// A container's subcommands, each a full entry.
    pub subcommands: &'static [Command],
    /// For a command whose key flags depend on its arguments (key spec flagged
    /// `variable_flags`: `SET k v GET` reads the key, `SET k v` overwrites it): its own key
    /// finder, as Redis's `getkeys_proc`.
    pub keys_of: Option<KeysFn>,
    pub run: CommandFn,
}

/// A command's own key finder: the keys' positions among the arguments and their flags.
pub type KeysFn = fn(&[&[u8]]) -> Vec<(usize, KeyFlags)>;

impl Command {
    /// One table entry: name, arity, flags (Redis's names), function. The builders below add
    /// what Redis's definition of the command adds: ACL categories, key specs, tips,
    /// subcommands.
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: &'static [&'static str],
        run: CommandFn,
    ) -> Command {
        let flags = Flags::from_names(flags);
        Command {
            name,
            arity,
            flags,
            categories: Categories::of(Categories::from_names(&[]), flags),
            key_specs: &[],
            legacy_keys: (0, 0, 0),
            tips: &[],
            subcommands: &[],
            keys_of: None,
            run,
        }
    }

    /// The ACL categories Redis's definition names (`string`, `keyspace`, ...), without `@`.
    pub const fn acl(mut self, names: &[&str]) -> Command {
        self.categories = Categories::of(Categories::from_names(names), self.flags);
        self
    }

    /// The key specs; the legacy triple and `movablekeys` follow from them.
    pub const fn keys(mut self, specs: &'static [KeySpec]) -> Command {
        let (legacy, movable) = legacy_range(specs);
        self.key_specs = specs;
        self.legacy_keys = legacy;
        if movable {
            self.flags = self.flags.with(Flags::MOVABLEKEYS);
        }
        self
    }

    pub const fn tips(mut self, tips: &'static [&'static str]) -> Command {
        self.tips = tips;
        self
    }

    pub const fn subcommands(mut self, subcommands: &'static [Command]) -> Command {
        self.subcommands = subcommands;
        self
    }

    /// The command finds its keys itself (see [`Command::keys_of`]).
    pub const fn keys_of(mut self, keys_of: KeysFn) -> Command {
        self.keys_of = Some(keys_of);
        self
    }

    /// Whether `argc` arguments (name included) satisfy this command's arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        arity_ok(self.arity, argc)
    }

    /// A subcommand's name after its container's (`list` of `client|list`); a command's name.
    pub fn sub_name(&self) -> &'static str {
        self.name.split_once('|').map_or(self.name, |(_, sub)| sub)
    }

    /// Whether COMMAND GETKEYS may find keys in it: a key spec that is not `not_key`, or its
    /// own key finder (Redis's `doesCommandHaveKeys`).
    pub fn has_keys(&self) -> bool {
        self.keys_of.is_some()
            || self
                .key_specs
                .iter()
                .any(|spec| !spec.flags.contains(KeyFlags::NOT_KEY))
    }

    /// The keys among `args` (the command name at 0) with their flags, as Redis's
    /// `getKeysFromCommandWithSpecs`: from the key specs when their flags do not vary, else
    /// (or when the specs do not fit the arguments) from the command's own finder; `None`
    /// when neither finds them.
    pub fn keys_in(&self, args: &[&[u8]]) -> Option<Vec<(usize, KeyFlags)>> {
        let variable = self
            .key_specs
            .iter()
            .any(|spec| spec.flags.contains(KeyFlags::VARIABLE_FLAGS));
        if !variable && let Some(keys) = keys_by_specs(self.key_specs, args) {
            return Some(keys);
        }
        self.keys_of
            .map(|find| find(args))
            .filter(|keys| !keys.is_empty())
    }
}

/// The subcommand of `table` called `name` (any case), with its place in the table.
pub fn find_subcommand<'t>(table: &'t [Command], name: &[u8]) -> Option<(usize, &'t Command)> {
    table
        .iter()
        .enumerate()
        .find(|(_, s)| name.eq_ignore_ascii_case(s.sub_name().as_bytes()))
}

/// Redis's arity convention: `arity >= 0` means exactly that many arguments (the name
/// included), negative means at least `-arity`.
pub fn arity_ok(arity: i32, argc: usize) -> bool {
    let argc = argc as i64;
    let arity = i64::from(arity);
    if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    }
}

/// Everything a command may touch while it runs.
pub struct Exec<'a, 'c> {
    pub state: &'a mut State,
    pub ctx: &'a mut Ctx<'c, Session>,
    pub id: ConnId,
    pub client: &'a mut Client,
    /// This client's output buffer: replies go here.
    pub out: &'a mut Vec<u8>,
    /// Wall-clock time for this batch of requests, Unix milliseconds (expiry is judged by it).
    pub now_ms: i64,
    /// Whether the command runs for the first time or for a blocked client being served.
    pub mode: Mode,
    /// The running command's id in the table (a container's becomes its subcommand's), for
    /// its statistics.
    pub command: usize,
    /// Set when the command was refused before it ran (a subcommand unknown, or its arity
    /// wrong): counted as rejected, not as a call or as processed.
    pub rejected: bool,
}

/// How a command is being run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As the client sent it.
    Normal,
    /// Again, for a blocked client whose key became ready ([`crate::server::blocking::serve_ready`]).
    /// A command that still cannot be answered sets `still_blocked` (through `Exec::block`)
    /// and the client keeps waiting where it was.
    Serving { still_blocked: bool },
}

impl Exec<'_, '_> {
    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"+OK\r\n");
    }
    pub fn simple(&mut self, text: &str) {
        reply::simple(self.out, text);
    }
    /// The one way a command replies with an error: written, and counted (INFO's
    /// `total_error_replies`). `message` starts with its code (`ERR`, `WRONGTYPE`, ...).
    pub fn error(&mut self, message: &str) {
        self.error_bytes(message.as_bytes());
    }
    /// [`Exec::error`] for a message that quotes the client's bytes (which need not be UTF-8).
    pub fn error_bytes(&mut self, message: &[u8]) {
        self.state.stats.count_error(message);
        reply::error_bytes(self.out, message);
    }
    pub fn integer(&mut self, n: i64) {
        reply::integer(self.out, n);
    }
    pub fn bulk(&mut self, bytes: &[u8]) {
        reply::bulk(self.out, bytes);
    }
    pub fn null(&mut self) {
        reply::null(self.out);
    }
    pub fn array(&mut self, n: usize) {
        reply::array(self.out, n);
    }
    pub fn syntax_error(&mut self) {
        self.error(crate::server::args::SYNTAX);
    }
    pub fn not_integer(&mut self) {
        self.error(crate::server::args::NOT_INTEGER);
    }
    pub fn wrong_type(&mut self) {
        self.error("WRONGTYPE Operation against a key holding the wrong kind of value");
    }
    /// `-ERR wrong number of arguments for 'name' command` (name as `client|setname` for
    /// subcommands).
    pub fn arity_error(&mut self, name: &str) {
        let mut message = b"ERR wrong number of arguments for '".to_vec();
        message.extend_from_slice(name.as_bytes());
        message.extend_from_slice(b"' command");
        self.error_bytes(&message);
    }
    /// The one subcommand path: find `req.arg(1)` (any case) in `container`'s table, reply
    /// Redis's error if it is unknown or its argument count is wrong, else record it as the
    /// client's last command and run it.
    pub fn run_subcommand(&mut self, container: &str, table: &[Command], req: &Request<'_>) {
        let sub = req.arg(1);
        let Some((nth, found)) = find_subcommand(table, sub) else {
            // Redis finds no command at all here: nothing is counted, not even as processed.
            self.command = usize::MAX;
            self.rejected = true;
            return self.unknown_subcommand(sub, container);
        };
        // Recorded even when the count is wrong, as Redis records the subcommand it looked up;
        // its statistics are the subcommand's, not the container's.
        self.client.last_command = found.name;
        self.command = self.state.table.subcommand_id(self.command, nth);
        if found.arity_ok(req.len()) {
            (found.run)(self, req);
        } else {
            self.rejected = true;
            self.arity_error(found.name);
        }
    }

    /// `-ERR unknown subcommand 'x'. Try CONTAINER HELP.`
    pub fn unknown_subcommand(&mut self, sub: &[u8], container: &str) {
        let mut message = b"ERR unknown subcommand '".to_vec();
        message.extend(sub.iter().take(128));
        message.extend_from_slice(b"'. Try ");
        message.extend_from_slice(container.as_bytes());
        message.extend_from_slice(b" HELP.");
        self.error_bytes(&message);
    }

    /// `-ERR unknown subcommand or wrong number of arguments for 'x'. Try CONTAINER HELP.`:
    /// what Redis answers when a container checks a subcommand's arguments itself.
    pub fn subcommand_syntax(&mut self, sub: &[u8], container: &str) {
        let mut message = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
        message.extend(sub.iter().take(128));
        message.extend_from_slice(b"'. Try ");
        message.extend_from_slice(container.as_bytes());
        message.extend_from_slice(b" HELP.");
        self.error_bytes(&message);
    }

    /// `CONTAINER HELP`, as Redis's `addReplyHelp` writes it: a header naming the container,
    /// the subcommand lines, and a footer for HELP itself.
    pub fn help(&mut self, container: &str, lines: &[&str]) {
        self.array(lines.len() + 3);
        let mut header = container.to_ascii_uppercase();
        header.push_str(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        self.simple(&header);
        for line in lines {
            self.simple(line);
        }
        self.simple("HELP");
        self.simple("    Prints this help.");
    }

    /// Redis's reply for an unknown command:
    /// `-ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
    pub fn unknown_command(&mut self, request: &Request<'_>) {
        let mut message = b"ERR unknown command '".to_vec();
        message.extend(request.arg(0).iter().take(128));
        message.extend_from_slice(b"', with args beginning with: ");
        // Like Redis: quote arguments while the list is under 128 bytes, each cut to what is
        // left.
        let start = message.len();
        for arg in request.args().skip(1) {
            let used = message.len() - start;
            if used >= 128 {
                break;
            }
            message.push(b'\'');
            message.extend(arg.iter().take(128 - used));
            message.extend_from_slice(b"' ");
        }
        self.error_bytes(&message);
    }
}

/// The merged command table: sorted by name for listing, hashed for lookup. Every command and
/// subcommand also has an *id*, its place in [`Table::all`], by which its statistics are kept
/// (`Stats::commands`): dispatch finds the id with the command, no hashing of its own.
pub struct Table {
    commands: Vec<&'static Command>,
    /// The commands, then every container's subcommands after them: ids are places here.
    all: Vec<&'static Command>,
    /// For each command id, the id of its first subcommand (the others follow it).
    first_sub: Vec<usize>,
    /// Open addressing with linear probing: a command sits at or after `hash(name) & mask`,
    /// before the next empty slot. At most a quarter full, so probes are short; and since
    /// nothing is inserted after construction, the longest probe is fixed whatever a client
    /// sends.
    index: Vec<Option<(&'static Command, usize)>>,
}

/// Longest command name looked up; longer names are unknown without hashing (Redis's longest
/// is under 32 bytes).
const NAME_MAX: usize = 32;

/// FNV-1a, folded with the lowercasing: a fixed table of trusted names needs no keyed hash.
fn name_hash(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
}
const NAME_HASH_START: u64 = 0xCBF2_9CE4_8422_2325;

impl Table {
    pub fn new(families: &[&'static [Command]]) -> Table {
        let mut commands: Vec<&'static Command> = families.iter().flat_map(|f| f.iter()).collect();
        commands.sort_by_key(|c| c.name);
        let mut all = commands.clone();
        let mut first_sub = Vec::with_capacity(commands.len());
        for command in &commands {
            first_sub.push(all.len());
            all.extend(command.subcommands);
        }
        let size = (commands.len() * 4).next_power_of_two();
        let mut index = vec![None; size];
        for (id, &command) in commands.iter().enumerate() {
            let hash = command.name.bytes().fold(NAME_HASH_START, name_hash);
            let mut at = hash as usize & (size - 1);
            while index[at].is_some() {
                at = (at + 1) & (size - 1);
            }
            index[at] = Some((command, id));
        }
        Table {
            commands,
            all,
            first_sub,
            index,
        }
    }

    /// Find a command by name, case-insensitively, without allocating.
    pub fn lookup(&self, name: &[u8]) -> Option<&'static Command> {
        self.lookup_with_id(name).map(|(command, _)| command)
    }

    /// [`Table::lookup`], with the command's id.
    pub fn lookup_with_id(&self, name: &[u8]) -> Option<(&'static Command, usize)> {
        let mut lower = [0u8; NAME_MAX];
        let lower = lower.get_mut(..name.len())?;
        let mut hash = NAME_HASH_START;
        for (dst, src) in lower.iter_mut().zip(name) {
            *dst = src.to_ascii_lowercase();
            hash = name_hash(hash, *dst);
        }
        let lower: &[u8] = lower;
        let mask = self.index.len() - 1;
        let mut at = hash as usize & mask;
        // Ends at an empty slot: the table is at most a quarter full.
        loop {
            let (command, id) = (*self.index.get(at)?)?;
            if command.name.as_bytes() == lower {
                return Some((command, id));
            }
            at = (at + 1) & mask;
        }
    }

    /// A command or subcommand by its full name (`get`, `client|list`), with its id, as Redis's
    /// `lookupCommandBySds`: a container's name alone is the container.
    pub fn lookup_full(&self, name: &[u8]) -> Option<(&'static Command, usize)> {
        let mut parts = name.split(|&b| b == b'|');
        let (command, id) = self.lookup_with_id(parts.next()?)?;
        match (parts.next(), parts.next()) {
            (None, _) => Some((command, id)),
            (Some(sub), None) => find_subcommand(command.subcommands, sub)
                .map(|(nth, found)| (found, self.subcommand_id(id, nth))),
            (Some(_), Some(_)) => None,
        }
    }

    /// The id of subcommand number `nth` of the command with id `container`.
    pub fn subcommand_id(&self, container: usize, nth: usize) -> usize {
        self.first_sub.get(container).map_or(0, |first| first + nth)
    }

    /// Every command and subcommand, by id.
    pub fn all(&self) -> &[&'static Command] {
        &self.all
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static Command> + '_ {
        self.commands.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use crate::server::command::*;

    #[test]
    fn lookup_finds_every_command_in_any_case_and_nothing_else() {
        let families: &[&'static [Command]] = &[
            crate::server::commands::connection::COMMANDS,
            crate::server::commands::strings::COMMANDS,
            crate::server::commands::keys::COMMANDS,
            crate::server::commands::admin::COMMANDS,
        ];
        let table = Table::new(families);
        for command in table.iter() {
            let upper = command.name.to_ascii_uppercase();
            for name in [command.name.as_bytes(), upper.as_bytes()] {
                assert_eq!(
                    table.lookup(name).map(|c| c.name),
                    Some(command.name),
                    "{name:?}"
                );
            }
        }
        for name in [
            &b""[..],
            b"ge",
            b"gett",
            b"nosuchcommand",
            &[b'g'; 40],
            b"g\xffet",
        ] {
            assert!(table.lookup(name).is_none(), "{name:?}");
        }
        assert!(Table::new(&[]).lookup(b"get").is_none());
    }
}
