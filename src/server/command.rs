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

/// Signature of a command implementation.
pub type CommandFn = fn(&mut Exec<'_, '_>, &Request<'_>);

/// A command's flags as a typed set: checked without comparing strings (`dispatch` asks
/// `flags.contains(Flags::NO_AUTH)`), listed by COMMAND in Redis's order. The table writes
/// them by name, as Redis's command definitions do; [`Flags::from_names`] turns the names
/// into the set at compile time, and a name Redis does not have stops the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(u32);

impl Flags {
    /// Every flag, in the order Redis's COMMAND lists them; the hidden ones (which COMMAND
    /// never shows) last.
    pub const ALL: [(&'static str, Flags); 21] = [
        ("write", Flags::WRITE),
        ("readonly", Flags::READONLY),
        ("denyoom", Flags::DENYOOM),
        ("module", Flags(1 << 3)),
        ("admin", Flags::ADMIN),
        ("pubsub", Flags::PUBSUB),
        ("noscript", Flags::NOSCRIPT),
        ("blocking", Flags::BLOCKING),
        ("loading", Flags::LOADING),
        ("stale", Flags::STALE),
        ("skip_monitor", Flags(1 << 10)),
        ("skip_slowlog", Flags(1 << 11)),
        ("asking", Flags(1 << 12)),
        ("fast", Flags::FAST),
        ("no_auth", Flags::NO_AUTH),
        ("no_mandatory_keys", Flags(1 << 15)),
        ("no_async_loading", Flags(1 << 16)),
        ("no_multi", Flags::NO_MULTI),
        ("movablekeys", Flags::MOVABLEKEYS),
        ("allow_busy", Flags::ALLOW_BUSY),
        // Hidden: never shown by COMMAND.
        ("sentinel", Flags::HIDDEN),
    ];
    pub const WRITE: Flags = Flags(1 << 0);
    pub const READONLY: Flags = Flags(1 << 1);
    pub const DENYOOM: Flags = Flags(1 << 2);
    pub const ADMIN: Flags = Flags(1 << 4);
    pub const PUBSUB: Flags = Flags(1 << 5);
    pub const NOSCRIPT: Flags = Flags(1 << 6);
    pub const BLOCKING: Flags = Flags(1 << 7);
    pub const LOADING: Flags = Flags(1 << 8);
    pub const STALE: Flags = Flags(1 << 9);
    pub const FAST: Flags = Flags(1 << 13);
    pub const NO_AUTH: Flags = Flags(1 << 14);
    pub const NO_MULTI: Flags = Flags(1 << 17);
    pub const MOVABLEKEYS: Flags = Flags(1 << 18);
    pub const ALLOW_BUSY: Flags = Flags(1 << 19);
    /// Flags Redis has but COMMAND never shows (`sentinel`, `may_replicate`, ...): kept so
    /// the table can say what Redis's definitions say.
    pub const HIDDEN: Flags = Flags(1 << 31);

    /// The set named by `names` (Redis's flag names). A name not in [`Flags::ALL`] (or one of
    /// the hidden `may_replicate`, `only_sentinel`, `protected`) is a compile-time error in a
    /// `const` table.
    pub const fn from_names(names: &[&str]) -> Flags {
        let mut bits = 0;
        let mut i = 0;
        while i < names.len() {
            bits |= Flags::named(names[i]).0;
            i += 1;
        }
        Flags(bits)
    }

    const fn named(name: &str) -> Flags {
        let mut j = 0;
        while j < Flags::ALL.len() {
            if str_eq(Flags::ALL[j].0, name) {
                return Flags::ALL[j].1;
            }
            j += 1;
        }
        if str_eq(name, "may_replicate")
            || str_eq(name, "only_sentinel")
            || str_eq(name, "protected")
        {
            return Flags::HIDDEN;
        }
        panic!("a command flag Redis does not have")
    }

    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names COMMAND shows, in Redis's order (hidden ones left out).
    pub fn shown(self) -> impl Iterator<Item = &'static str> {
        Flags::ALL
            .into_iter()
            .filter(move |&(_, flag)| flag != Flags::HIDDEN && self.contains(flag))
            .map(|(name, _)| name)
    }
}

/// `a == b` for a `const fn` (`str`'s `==` is not const).
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One entry of the command table.
#[derive(Debug)]
pub struct Command {
    /// Lowercase name.
    pub name: &'static str,
    /// Redis arity: exact if positive, minimum if negative; counts the name.
    pub arity: i32,
    /// Flags reported by `COMMAND` (`readonly`, `write`, `fast`, ...) and read by dispatch.
    pub flags: Flags,
    /// Key positions reported by `COMMAND`: first, last (negative counts from the end), step.
    pub keys: (i32, i32, i32),
    /// For a command whose keys are counted by an argument (`LMPOP numkeys key ...`, flagged
    /// `movablekeys`): that argument's position; the keys follow it.
    pub numkeys_at: Option<usize>,
    pub run: CommandFn,
}

impl Command {
    /// One table entry: name, arity, flags, key positions (first, last, step), function.
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: &'static [&'static str],
        keys: (i32, i32, i32),
        run: CommandFn,
    ) -> Command {
        Command {
            name,
            arity,
            flags: Flags::from_names(flags),
            keys,
            numkeys_at: None,
            run,
        }
    }

    /// The same command, its keys counted by the argument at `at` (see [`Command::numkeys_at`]).
    pub const fn numkeys_at(mut self, at: usize) -> Command {
        self.numkeys_at = Some(at);
        self
    }

    /// Whether `argc` arguments (name included) satisfy this command's arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        arity_ok(self.arity, argc)
    }
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

/// One subcommand of a container command (`CLIENT LIST`, `CONFIG GET`): its full name as
/// Redis reports it (`client|list`, in CLIENT LIST's `cmd=` and in arity errors), its own
/// arity (counting the container's name and its own), and its function. Every container
/// runs its subcommands from such a table, through [`Exec::run_subcommand`].
pub struct Subcommand {
    pub full_name: &'static str,
    pub arity: i32,
    pub run: fn(&mut Exec<'_, '_>, &Request<'_>),
}

impl Subcommand {
    pub const fn new(
        full_name: &'static str,
        arity: i32,
        run: fn(&mut Exec<'_, '_>, &Request<'_>),
    ) -> Subcommand {
        Subcommand {
            full_name,
            arity,
            run,
        }
    }

    /// The name after the container's (`list` of `client|list`).
    pub fn name(&self) -> &'static str {
        self.full_name
            .split_once('|')
            .map_or(self.full_name, |(_, sub)| sub)
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
        self.state.stats.error_replies += 1;
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
    pub fn run_subcommand(&mut self, container: &str, table: &[Subcommand], req: &Request<'_>) {
        let sub = req.arg(1);
        let Some(found) = table
            .iter()
            .find(|s| sub.eq_ignore_ascii_case(s.name().as_bytes()))
        else {
            return self.unknown_subcommand(sub, container);
        };
        // Recorded even when the count is wrong, as Redis records the subcommand it looked up.
        self.client.last_command = found.full_name;
        if arity_ok(found.arity, req.len()) {
            (found.run)(self, req);
        } else {
            self.arity_error(found.full_name);
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

/// The merged command table: sorted by name for listing, hashed for lookup.
pub struct Table {
    commands: Vec<&'static Command>,
    /// Open addressing with linear probing: a command sits at or after `hash(name) & mask`,
    /// before the next empty slot. At most a quarter full, so probes are short; and since
    /// nothing is inserted after construction, the longest probe is fixed whatever a client
    /// sends.
    index: Vec<Option<&'static Command>>,
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
        let size = (commands.len() * 4).next_power_of_two();
        let mut index = vec![None; size];
        for &command in &commands {
            let hash = command.name.bytes().fold(NAME_HASH_START, name_hash);
            let mut at = hash as usize & (size - 1);
            while index[at].is_some() {
                at = (at + 1) & (size - 1);
            }
            index[at] = Some(command);
        }
        Table { commands, index }
    }

    /// Find a command by name, case-insensitively, without allocating.
    pub fn lookup(&self, name: &[u8]) -> Option<&'static Command> {
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
            let command = (*self.index.get(at)?)?;
            if command.name.as_bytes() == lower {
                return Some(command);
            }
            at = (at + 1) & mask;
        }
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
    fn flags_are_a_typed_set_shown_in_redis_order() {
        let flags = Flags::from_names(&["fast", "sentinel", "write", "no_auth"]);
        assert!(flags.contains(Flags::NO_AUTH) && flags.contains(Flags::WRITE));
        assert!(!flags.contains(Flags::READONLY));
        // Redis's order, the hidden `sentinel` left out.
        assert_eq!(
            flags.shown().collect::<Vec<_>>(),
            ["write", "fast", "no_auth"]
        );
    }

    #[test]
    #[should_panic(expected = "a command flag Redis does not have")]
    fn an_unknown_flag_name_is_refused() {
        Flags::from_names(&["custom"]);
    }

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
