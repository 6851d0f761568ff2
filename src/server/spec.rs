//! What the command table says about each command beyond its function: its flags, its ACL
//! categories, and where its keys are (key specs). COMMAND reports all of it; dispatch reads the
//! flags; COMMAND GETKEYS finds keys with it; the issues to come read it too (MULTI refuses
//! `no_multi`, scripts refuse `noscript` and writes under `_RO`, the append-only file logs
//! `write` commands).
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md).
//!
//! Three typed sets, each written by name in the table as Redis's command definitions
//! (`src/commands/*.json`) write them and checked at compile time: a name Redis does not have
//! stops the build ([`Flags`], [`Categories`], [`KeyFlags`]).
//!
//! A **key spec** says where a command's keys are in two steps, as Redis 7.0 does: *begin
//! search* finds the first key (at a fixed index, or after a keyword such as `STREAMS`), then
//! *find keys* takes a range from there (`lastkey`, `keystep`, `limit`) or reads a count
//! (`numkeys` at `keynumidx`, then that many keys). Each spec also says how the command uses
//! those keys (`RO`, `RW`, `OW` overwrite, `RM` remove; `access`, `update`, `insert`,
//! `delete`). The older first/last/step triple COMMAND still shows is derived from the specs
//! ([`legacy_range`]), and so is the `movablekeys` flag: nothing is written twice.

/// A set of named bits, written by name at compile time (`from_names`) and shown in a fixed
/// order: the shape of each of the three sets below.
macro_rules! named_set {
    ($(#[$doc:meta])* $set:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $set(u64);

        impl $set {
            /// The set named by `names`. A name not in [`Self::NAMES`] is a compile-time
            /// error in a `const` table.
            pub const fn from_names(names: &[&str]) -> $set {
                let mut bits = 0;
                let mut i = 0;
                while i < names.len() {
                    bits |= $set::named(names[i]).0;
                    i += 1;
                }
                $set(bits)
            }

            /// The one member called `name`.
            pub const fn named(name: &str) -> $set {
                let mut j = 0;
                while j < $set::NAMES.len() {
                    if str_eq($set::NAMES[j], name) {
                        return $set(1 << j);
                    }
                    j += 1;
                }
                panic!(concat!("a ", $what, " Redis does not have"))
            }

            pub const fn contains(self, other: $set) -> bool {
                self.0 & other.0 == other.0
            }

            pub const fn with(self, other: $set) -> $set {
                $set(self.0 | other.0)
            }

            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Every member's name, in [`Self::NAMES`]'s order.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                $set::NAMES
                    .into_iter()
                    .enumerate()
                    .filter(move |&(j, _)| self.0 & (1 << j) != 0)
                    .map(|(_, name)| name)
            }
        }
    };
}

named_set!(
    /// A command's flags. `dispatch` asks `flags.contains(Flags::NO_AUTH)`; COMMAND lists
    /// them in Redis's order ([`Flags::shown`]).
    Flags,
    "command flag"
);

impl Flags {
    /// Every flag, in the order Redis's COMMAND lists them; then the ones COMMAND never shows
    /// (Redis hides them on purpose), from [`Flags::FIRST_HIDDEN`] on.
    pub const NAMES: [&'static str; 25] = [
        "write",
        "readonly",
        "denyoom",
        "module",
        "admin",
        "pubsub",
        "noscript",
        "blocking",
        "loading",
        "stale",
        "skip_monitor",
        "skip_slowlog",
        "asking",
        "fast",
        "no_auth",
        "no_mandatory_keys",
        "no_async_loading",
        "no_multi",
        "movablekeys",
        "allow_busy",
        // Hidden from here on.
        "may_replicate",
        "sentinel",
        "only_sentinel",
        "protected",
        "touches_arbitrary_keys",
    ];
    const FIRST_HIDDEN: usize = 20;
    pub const WRITE: Flags = Flags::named("write");
    pub const READONLY: Flags = Flags::named("readonly");
    pub const DENYOOM: Flags = Flags::named("denyoom");
    pub const ADMIN: Flags = Flags::named("admin");
    pub const PUBSUB: Flags = Flags::named("pubsub");
    pub const NOSCRIPT: Flags = Flags::named("noscript");
    pub const BLOCKING: Flags = Flags::named("blocking");
    pub const LOADING: Flags = Flags::named("loading");
    pub const STALE: Flags = Flags::named("stale");
    pub const SKIP_MONITOR: Flags = Flags::named("skip_monitor");
    pub const SKIP_SLOWLOG: Flags = Flags::named("skip_slowlog");
    pub const FAST: Flags = Flags::named("fast");
    pub const NO_AUTH: Flags = Flags::named("no_auth");
    pub const NO_MANDATORY_KEYS: Flags = Flags::named("no_mandatory_keys");
    pub const NO_MULTI: Flags = Flags::named("no_multi");
    pub const MOVABLEKEYS: Flags = Flags::named("movablekeys");
    pub const ALLOW_BUSY: Flags = Flags::named("allow_busy");
    pub const MAY_REPLICATE: Flags = Flags::named("may_replicate");

    /// The names COMMAND shows, in Redis's order (hidden ones left out).
    pub fn shown(self) -> impl Iterator<Item = &'static str> {
        Flags(self.0 & ((1 << Flags::FIRST_HIDDEN) - 1)).names()
    }
}

named_set!(
    /// A command's ACL categories (`@read`, `@string`, ...), in Redis's order. The table
    /// writes the ones Redis's definitions name; [`Categories::of`] adds the ones Redis
    /// derives from flags.
    Categories,
    "ACL category"
);

impl Categories {
    /// Redis's categories in its order: what COMMAND shows and `FILTERBY ACLCAT` accepts.
    pub const NAMES: [&'static str; 21] = [
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];

    /// The categories of a command: `named` (from its definition) and those Redis derives from
    /// its flags (`setImplicitACLCategories`): `write` → @write, `readonly` → @read (not for
    /// scripting commands), `admin` → @admin @dangerous, `pubsub` → @pubsub, `fast` → @fast,
    /// `blocking` → @blocking, and @slow for whatever is not @fast.
    pub const fn of(named: Categories, flags: Flags) -> Categories {
        let c = Categories::named;
        let mut all = named;
        if flags.contains(Flags::WRITE) {
            all = all.with(c("write"));
        }
        if flags.contains(Flags::READONLY) && !named.contains(c("scripting")) {
            all = all.with(c("read"));
        }
        if flags.contains(Flags::ADMIN) {
            all = all.with(c("admin")).with(c("dangerous"));
        }
        if flags.contains(Flags::PUBSUB) {
            all = all.with(c("pubsub"));
        }
        if flags.contains(Flags::FAST) {
            all = all.with(c("fast"));
        }
        if flags.contains(Flags::BLOCKING) {
            all = all.with(c("blocking"));
        }
        if !all.contains(c("fast")) {
            all = all.with(c("slow"));
        }
        all
    }
}

named_set!(
    /// How a command uses the keys of one key spec, named as COMMAND shows them.
    KeyFlags,
    "key spec flag"
);

impl KeyFlags {
    pub const NAMES: [&'static str; 11] = [
        "RO",
        "RW",
        "OW",
        "RM",
        "access",
        "update",
        "insert",
        "delete",
        "not_key",
        "incomplete",
        "variable_flags",
    ];
    pub const NOT_KEY: KeyFlags = KeyFlags::named("not_key");
    pub const INCOMPLETE: KeyFlags = KeyFlags::named("incomplete");
    pub const VARIABLE_FLAGS: KeyFlags = KeyFlags::named("variable_flags");
}

/// Where a key spec's search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// At this argument (the command name is 0).
    Index(i32),
    /// After the first argument equal to `keyword` (any case), searching from `startfrom`
    /// (negative: from the end, backwards).
    Keyword {
        keyword: &'static str,
        startfrom: i32,
    },
    /// Not known from the arguments' positions (SORT's `BY` patterns).
    Unknown,
}

/// How a key spec takes its keys from where the search began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Find {
    /// `lastkey` relative to the first key (negative: counted from the end; with `limit` > 0,
    /// `-1` means a `1/limit` share of what is left), every `keystep`th argument.
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    /// The count at `keynumidx` (relative to the first key), then that many keys from
    /// `firstkey` (relative too), every `keystep`th.
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
    Unknown,
}

/// One key spec: where some of a command's keys are, and how it uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub notes: Option<&'static str>,
    pub flags: KeyFlags,
    pub begin: Begin,
    pub find: Find,
}

impl KeySpec {
    /// The key at `index`, alone (`GET key`: `index(1, ...)`); widen it with
    /// [`KeySpec::range`] or count it with [`KeySpec::keynum`].
    pub const fn index(index: i32, flags: &[&str]) -> KeySpec {
        KeySpec {
            notes: None,
            flags: KeyFlags::from_names(flags),
            begin: Begin::Index(index),
            find: Find::Range {
                lastkey: 0,
                keystep: 1,
                limit: 0,
            },
        }
    }

    /// The key after `keyword`, alone.
    pub const fn keyword(keyword: &'static str, startfrom: i32, flags: &[&str]) -> KeySpec {
        let mut spec = KeySpec::index(0, flags);
        spec.begin = Begin::Keyword { keyword, startfrom };
        spec
    }

    /// Keys Redis cannot place by position.
    pub const fn unknown(flags: &[&str]) -> KeySpec {
        let mut spec = KeySpec::index(0, flags);
        spec.begin = Begin::Unknown;
        spec.find = Find::Unknown;
        spec
    }

    pub const fn range(mut self, lastkey: i32, keystep: i32, limit: i32) -> KeySpec {
        self.find = Find::Range {
            lastkey,
            keystep,
            limit,
        };
        self
    }

    pub const fn keynum(mut self, keynumidx: i32, firstkey: i32, keystep: i32) -> KeySpec {
        self.find = Find::Keynum {
            keynumidx,
            firstkey,
            keystep,
        };
        self
    }

    pub const fn unknown_keys(mut self) -> KeySpec {
        self.find = Find::Unknown;
        self
    }

    pub const fn notes(mut self, notes: &'static str) -> KeySpec {
        self.notes = Some(notes);
        self
    }
}

/// The first/last/step triple COMMAND still shows, and whether the keys move (`movablekeys`),
/// derived from the key specs as Redis 7.0 does (`populateCommandLegacyRangeSpec`): the
/// plain specs (a fixed index, a range with step 1, each starting right after the previous
/// one) merge into one range; any other spec makes the keys movable.
pub const fn legacy_range(specs: &[KeySpec]) -> ((i32, i32, i32), bool) {
    if specs.is_empty() {
        return ((0, 0, 0), false);
    }
    let (mut first, mut last, mut prev_last) = (i32::MAX, 0i32, 0i32);
    let mut movable = false;
    let mut i = 0;
    while i < specs.len() {
        let spec = specs[i];
        i += 1;
        let (
            Begin::Index(at),
            Find::Range {
                lastkey, keystep, ..
            },
        ) = (spec.begin, spec.find)
        else {
            movable = true;
            continue;
        };
        if specs.len() == 1 {
            let last = if lastkey >= 0 { at + lastkey } else { lastkey };
            let incomplete = spec.flags.contains(KeyFlags::INCOMPLETE);
            return ((at, last, keystep), incomplete);
        }
        if keystep != 1 || (prev_last != 0 && prev_last != at - 1) {
            movable = true;
            continue;
        }
        if spec.flags.contains(KeyFlags::INCOMPLETE) {
            movable = true;
        }
        if at < first {
            first = at;
        }
        let absolute = if lastkey >= 0 { lastkey + at } else { lastkey };
        // Compared as unsigned, as Redis does: a negative (counted from the end) wins.
        if (absolute as u32) > (last as u32) {
            last = absolute;
        }
        prev_last = last;
    }
    if first == i32::MAX {
        return ((0, 0, 0), true);
    }
    ((first, last, 1), movable)
}

/// The positions of a command's keys among `args` (the command name at 0) and each one's
/// flags, found from its key specs as Redis's `getKeysUsingKeySpecs`. `None` when a spec does
/// not fit the arguments (a count that is not a number, keys past the end) or is incomplete:
/// Redis then asks the command's own key finder, and without one reports the arguments
/// invalid. Specs flagged `not_key` are skipped.
pub fn keys_by_specs(specs: &[KeySpec], args: &[&[u8]]) -> Option<Vec<(usize, KeyFlags)>> {
    let argc = args.len() as i64;
    let mut keys = Vec::new();
    for spec in specs {
        if spec.flags.contains(KeyFlags::NOT_KEY) {
            continue;
        }
        let first = match spec.begin {
            Begin::Index(at) => i64::from(at),
            Begin::Keyword { keyword, startfrom } => {
                // Forwards up to the last argument but one, or backwards down to the
                // second: a keyword needs a key after it and an argument before it.
                let found = if startfrom > 0 {
                    (i64::from(startfrom)..argc - 1).find(|&i| is_keyword(args, i, keyword))
                } else {
                    (2..=argc + i64::from(startfrom))
                        .rev()
                        .find(|&i| is_keyword(args, i, keyword))
                };
                match found {
                    Some(at) => at + 1,
                    None => continue,
                }
            }
            Begin::Unknown => return None,
        };
        let (first, last, step) = match spec.find {
            Find::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    first + i64::from(lastkey)
                } else if limit == 0 {
                    argc + i64::from(lastkey)
                } else {
                    first + ((argc - first) / i64::from(limit) + i64::from(lastkey))
                };
                (first, last, i64::from(keystep))
            }
            Find::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = usize::try_from(first + i64::from(keynumidx)).ok()?;
                let count = crate::resp::number::parse_i64(args.get(at)?)?;
                if count < 0 {
                    return None;
                }
                let first = first + i64::from(firstkey);
                (first, first + count - 1, i64::from(keystep))
            }
            Find::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut at = first;
        while at <= last {
            keys.push((at as usize, spec.flags));
            at += step.max(1);
        }
        if spec.flags.contains(KeyFlags::INCOMPLETE) {
            return None;
        }
    }
    Some(keys)
}

fn is_keyword(args: &[&[u8]], at: i64, keyword: &str) -> bool {
    usize::try_from(at)
        .ok()
        .and_then(|at| args.get(at))
        .is_some_and(|arg| arg.eq_ignore_ascii_case(keyword.as_bytes()))
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

#[cfg(test)]
mod tests {
    use crate::server::spec::*;

    #[test]
    fn flags_are_a_typed_set_shown_in_redis_order() {
        let flags = Flags::from_names(&["fast", "sentinel", "write", "no_auth", "may_replicate"]);
        assert!(flags.contains(Flags::NO_AUTH) && flags.contains(Flags::WRITE));
        assert!(flags.contains(Flags::MAY_REPLICATE));
        assert!(!flags.contains(Flags::READONLY));
        // Redis's order, the hidden `sentinel` and `may_replicate` left out.
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

    fn categories(named: &[&str], flags: &[&str]) -> Vec<&'static str> {
        Categories::of(Categories::from_names(named), Flags::from_names(flags))
            .names()
            .collect()
    }

    /// Break checked: dropping the `!named.contains(scripting)` test puts @read on EVAL_RO.
    #[test]
    fn acl_categories_add_what_redis_derives_from_flags_in_redis_order() {
        // Each case is what redis-server 7.0.15 reports.
        assert_eq!(
            categories(&["string"], &["readonly", "fast"]),
            ["read", "string", "fast"]
        );
        assert_eq!(
            categories(&["keyspace", "dangerous"], &["readonly"]),
            ["keyspace", "read", "slow", "dangerous"]
        );
        assert_eq!(
            categories(&[], &["admin", "noscript", "loading", "stale"]),
            ["admin", "slow", "dangerous"]
        );
        assert_eq!(
            categories(&["list"], &["write", "blocking"]),
            ["write", "list", "slow", "blocking"]
        );
        assert_eq!(
            categories(&["scripting"], &["readonly", "noscript"]),
            ["slow", "scripting"]
        );
        assert_eq!(categories(&[], &[]), ["slow"]);
    }

    /// Break checked: taking a single spec's `lastkey` as absolute gives MSET (1, -1, 2)
    /// still, but GETRANGE-like (1, 0, 1); merging non-adjacent specs loses `movablekeys`.
    #[test]
    fn the_legacy_triple_and_movablekeys_follow_from_the_key_specs() {
        let get = [KeySpec::index(1, &["RO"])];
        assert_eq!(legacy_range(&get), ((1, 1, 1), false));
        let mset = [KeySpec::index(1, &["OW"]).range(-1, 2, 0)];
        assert_eq!(legacy_range(&mset), ((1, -1, 2), false));
        // RENAME: two adjacent single keys merge.
        let rename = [KeySpec::index(1, &["RW"]), KeySpec::index(2, &["OW"])];
        assert_eq!(legacy_range(&rename), ((1, 2, 1), false));
        // LMPOP: a counted spec only: no triple, movable.
        let lmpop = [KeySpec::index(1, &["RW"]).keynum(0, 1, 1)];
        assert_eq!(legacy_range(&lmpop), ((0, 0, 0), true));
        // ZUNIONSTORE: the destination, then counted sources.
        let zunionstore = [
            KeySpec::index(1, &["OW"]),
            KeySpec::index(2, &["RO"]).keynum(0, 1, 1),
        ];
        assert_eq!(legacy_range(&zunionstore), ((1, 1, 1), true));
        assert_eq!(legacy_range(&[]), ((0, 0, 0), false));
    }

    fn positions(specs: &[KeySpec], line: &str) -> Option<Vec<usize>> {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        keys_by_specs(specs, &args).map(|keys| keys.into_iter().map(|(at, _)| at).collect())
    }

    /// Break checked: searching a keyword up to the last argument finds `STREAMS` with no key
    /// after it; reading `numkeys` from the first key's position instead of `keynumidx` finds
    /// the wrong keys.
    #[test]
    fn keys_are_found_by_their_specs_as_redis_finds_them() {
        let mset = [KeySpec::index(1, &["OW"]).range(-1, 2, 0)];
        assert_eq!(positions(&mset, "mset a 1 b 2"), Some(vec![1, 3]));
        let lmpop = [KeySpec::index(1, &["RW"]).keynum(0, 1, 1)];
        assert_eq!(positions(&lmpop, "lmpop 2 a b left"), Some(vec![2, 3]));
        assert_eq!(positions(&lmpop, "lmpop 0 a left"), None);
        assert_eq!(positions(&lmpop, "lmpop 3 a left"), None);
        assert_eq!(positions(&lmpop, "lmpop x a left"), None);
        let blmpop = [KeySpec::index(2, &["RW"]).keynum(0, 1, 1)];
        assert_eq!(positions(&blmpop, "blmpop 0 2 a b left"), Some(vec![3, 4]));
        let xread = [KeySpec::keyword("STREAMS", 1, &["RO"]).range(-1, 1, 2)];
        assert_eq!(
            positions(&xread, "xread count 2 streams a b 0 0"),
            Some(vec![4, 5])
        );
        assert_eq!(positions(&xread, "xread count 2 streams"), Some(vec![]));
        let blpop = [KeySpec::index(1, &["RW"]).range(-2, 1, 0)];
        assert_eq!(positions(&blpop, "blpop a b 0"), Some(vec![1, 2]));
        let not_key = [KeySpec::index(1, &["not_key"])];
        assert_eq!(positions(&not_key, "x a"), Some(vec![]));
        assert_eq!(positions(&[KeySpec::unknown(&["RO"])], "sort a"), None);
    }
}
