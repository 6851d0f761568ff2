//! COMMAND DOCS's data: each command's summary, version, group, complexity, history and
//! argument tree, sorted by full name (`client|list`) for a binary search.
//!
//! Written by `scripts/command-docs.py` from Redis 7.0's own descriptions of its commands
//! (`src/commands/*.json`, Copyright (c) Salvatore Sanfilippo and Redis contributors,
//! BSD-3-Clause), keeping only the commands our tables hold. Do not edit by hand: add the
//! command to its family's table and run the script again (see the docs of [`super`]).

use super::{Arg, Docs, Group};

#[rustfmt::skip]
pub(super) static DOCS: &[Docs] = &[
    Docs::new("append", Group::String, "2.0.0", "Append a value to a key")
        .complexity("O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.")
        .args(&[
            Arg::key("key", 0),
            Arg::string("value"),
        ]),
    Docs::new("auth", Group::Connection, "1.0.0", "Authenticate to the server")
        .complexity("O(N) where N is the number of passwords defined for the user")
        .history(&[("6.0.0", "Added ACL style (username and password).")])
        .args(&[
            Arg::string("username").optional().since("6.0.0"),
            Arg::string("password"),
        ]),
    Docs::new("blmove", Group::List, "6.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available")
        .complexity("O(1)")
        .args(&[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::oneof("wherefrom", &[Arg::pure_token("left", "LEFT"), Arg::pure_token("right", "RIGHT")]),
            Arg::oneof("whereto", &[Arg::pure_token("left", "LEFT"), Arg::pure_token("right", "RIGHT")]),
            Arg::double("timeout"),
        ]),
    Docs::new("blmpop", Group::List, "7.0.0", "Pop elements from a list, or block until one is available")
        .complexity("O(N+M) where N is the number of provided keys and M is the number of elements returned.")
        .args(&[
            Arg::double("timeout"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::oneof("where", &[Arg::pure_token("left", "LEFT"), Arg::pure_token("right", "RIGHT")]),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("blpop", Group::List, "2.0.0", "Remove and get the first element in a list, or block until one is available")
        .complexity("O(N) where N is the number of provided keys.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[
            Arg::key("key", 0).multiple(),
            Arg::double("timeout"),
        ]),
    Docs::new("brpop", Group::List, "2.0.0", "Remove and get the last element in a list, or block until one is available")
        .complexity("O(N) where N is the number of provided keys.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[
            Arg::key("key", 0).multiple(),
            Arg::double("timeout"),
        ]),
    Docs::new("brpoplpush", Group::List, "2.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available")
        .complexity("O(1)")
        .deprecated("6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::double("timeout"),
        ]),
    Docs::new("bzmpop", Group::SortedSet, "7.0.0", "Remove and return members with scores in a sorted set or block until one is available")
        .complexity("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[
            Arg::double("timeout"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::oneof("where", &[Arg::pure_token("min", "MIN"), Arg::pure_token("max", "MAX")]),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("bzpopmax", Group::SortedSet, "5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available")
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[
            Arg::key("key", 0).multiple(),
            Arg::double("timeout"),
        ]),
    Docs::new("bzpopmin", Group::SortedSet, "5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available")
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[
            Arg::key("key", 0).multiple(),
            Arg::double("timeout"),
        ]),
    Docs::new("client", Group::Connection, "2.4.0", "A container for client connection commands")
        .complexity("Depends on subcommand."),
    Docs::new("client|getname", Group::Connection, "2.6.9", "Get the current connection name")
        .complexity("O(1)"),
    Docs::new("client|getredir", Group::Connection, "6.0.0", "Get tracking notifications redirection client ID if any")
        .complexity("O(1)"),
    Docs::new("client|help", Group::Connection, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("client|id", Group::Connection, "5.0.0", "Returns the client ID for the current connection")
        .complexity("O(1)"),
    Docs::new("client|info", Group::Connection, "6.2.0", "Returns information about the current client connection.")
        .complexity("O(1)"),
    Docs::new("client|kill", Group::Connection, "2.4.0", "Kill the connection of a client")
        .complexity("O(N) where N is the number of client connections")
        .history(&[("2.8.12", "Added new filter format."), ("2.8.12", "`ID` option."), ("3.2.0", "Added `master` type in for `TYPE` option."), ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."), ("6.2.0", "`LADDR` option.")])
        .args(&[
            Arg::oneof("filter", &[Arg::string("ip:port").deprecated_since("2.8.12"), Arg::oneof("new-format", &[Arg::integer("client-id").token("ID").optional().since("2.8.12"), Arg::oneof("normal_master_slave_pubsub", &[Arg::pure_token("normal", "NORMAL"), Arg::pure_token("master", "MASTER").since("3.2.0"), Arg::pure_token("slave", "SLAVE"), Arg::pure_token("replica", "REPLICA").since("5.0.0"), Arg::pure_token("pubsub", "PUBSUB")]).token("TYPE").optional().since("2.8.12"), Arg::string("username").token("USER").optional(), Arg::string("ip:port").token("ADDR").optional(), Arg::string("ip:port").token("LADDR").optional().since("6.2.0"), Arg::string("yes/no").token("SKIPME").optional()]).multiple()]),
        ]),
    Docs::new("client|list", Group::Connection, "2.4.0", "Get the list of client connections")
        .complexity("O(N) where N is the number of client connections")
        .history(&[("2.8.12", "Added unique client `id` field."), ("5.0.0", "Added optional `TYPE` filter."), ("6.0.0", "Added `user` field."), ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."), ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."), ("7.0.3", "Added `ssub` field.")])
        .args(&[
            Arg::oneof("normal_master_replica_pubsub", &[Arg::pure_token("normal", "NORMAL"), Arg::pure_token("master", "MASTER"), Arg::pure_token("replica", "REPLICA"), Arg::pure_token("pubsub", "PUBSUB")]).token("TYPE").optional().since("5.0.0"),
            Arg::block("id", &[Arg::integer("client-id").multiple()]).token("ID").optional().since("6.2.0"),
        ]),
    Docs::new("client|no-evict", Group::Connection, "7.0.0", "Set client eviction mode for the current connection")
        .complexity("O(1)")
        .args(&[
            Arg::oneof("enabled", &[Arg::pure_token("on", "ON"), Arg::pure_token("off", "OFF")]),
        ]),
    Docs::new("client|pause", Group::Connection, "2.9.50", "Stop processing commands from clients for some time")
        .complexity("O(1)")
        .history(&[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")])
        .args(&[
            Arg::integer("timeout"),
            Arg::oneof("mode", &[Arg::pure_token("write", "WRITE"), Arg::pure_token("all", "ALL")]).optional().since("6.2.0"),
        ]),
    Docs::new("client|reply", Group::Connection, "3.2.0", "Instruct the server whether to reply to commands")
        .complexity("O(1)")
        .args(&[
            Arg::oneof("on_off_skip", &[Arg::pure_token("on", "ON"), Arg::pure_token("off", "OFF"), Arg::pure_token("skip", "SKIP")]),
        ]),
    Docs::new("client|setname", Group::Connection, "2.6.9", "Set the current connection name")
        .complexity("O(1)")
        .args(&[
            Arg::string("connection-name"),
        ]),
    Docs::new("client|unblock", Group::Connection, "5.0.0", "Unblock a client blocked in a blocking command from a different connection")
        .complexity("O(log N) where N is the number of client connections")
        .args(&[
            Arg::integer("client-id"),
            Arg::oneof("timeout_error", &[Arg::pure_token("timeout", "TIMEOUT"), Arg::pure_token("error", "ERROR")]).optional(),
        ]),
    Docs::new("client|unpause", Group::Connection, "6.2.0", "Resume processing of clients that were paused")
        .complexity("O(N) Where N is the number of paused clients"),
    Docs::new("command", Group::Server, "2.8.13", "Get array of Redis command details")
        .complexity("O(N) where N is the total number of Redis commands"),
    Docs::new("command|count", Group::Server, "2.8.13", "Get total number of Redis commands")
        .complexity("O(1)"),
    Docs::new("command|docs", Group::Server, "7.0.0", "Get array of specific Redis command documentation")
        .complexity("O(N) where N is the number of commands to look up")
        .args(&[
            Arg::string("command-name").optional().multiple(),
        ]),
    Docs::new("command|getkeys", Group::Server, "2.8.13", "Extract keys given a full Redis command")
        .complexity("O(N) where N is the number of arguments to the command"),
    Docs::new("command|getkeysandflags", Group::Server, "7.0.0", "Extract keys and access flags given a full Redis command")
        .complexity("O(N) where N is the number of arguments to the command"),
    Docs::new("command|help", Group::Server, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("command|info", Group::Server, "2.8.13", "Get array of specific Redis command details, or all when no argument is given.")
        .complexity("O(N) where N is the number of commands to look up")
        .history(&[("7.0.0", "Allowed to be called with no argument to get info on all commands.")])
        .args(&[
            Arg::string("command-name").optional().multiple(),
        ]),
    Docs::new("command|list", Group::Server, "7.0.0", "Get an array of Redis command names")
        .complexity("O(N) where N is the total number of Redis commands")
        .args(&[
            Arg::oneof("filterby", &[Arg::string("module-name").token("MODULE"), Arg::string("category").token("ACLCAT"), Arg::pattern("pattern").token("PATTERN")]).token("FILTERBY").optional(),
        ]),
    Docs::new("config", Group::Server, "2.0.0", "A container for server configuration commands")
        .complexity("Depends on subcommand."),
    Docs::new("config|get", Group::Server, "2.0.0", "Get the values of configuration parameters")
        .complexity("O(N) when N is the number of configuration parameters provided")
        .history(&[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")])
        .args(&[
            Arg::block("parameter", &[Arg::string("parameter")]).multiple(),
        ]),
    Docs::new("config|help", Group::Server, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("config|resetstat", Group::Server, "2.0.0", "Reset the stats returned by INFO")
        .complexity("O(1)"),
    Docs::new("config|rewrite", Group::Server, "2.8.0", "Rewrite the configuration file with the in memory configuration")
        .complexity("O(1)"),
    Docs::new("config|set", Group::Server, "2.0.0", "Set configuration parameters to the given values")
        .complexity("O(N) when N is the number of configuration parameters provided")
        .history(&[("7.0.0", "Added the ability to set multiple parameters in one call.")])
        .args(&[
            Arg::block("parameter_value", &[Arg::string("parameter"), Arg::string("value")]).multiple(),
        ]),
    Docs::new("copy", Group::Generic, "6.2.0", "Copy a key")
        .complexity("O(N) worst case for collections, where N is the number of nested items. O(1) for string values.")
        .args(&[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::integer("destination-db").token("DB").optional(),
            Arg::pure_token("replace", "REPLACE").optional(),
        ]),
    Docs::new("dbsize", Group::Server, "1.0.0", "Return the number of keys in the selected database")
        .complexity("O(1)"),
    Docs::new("decr", Group::String, "1.0.0", "Decrement the integer value of a key by one")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("decrby", Group::String, "1.0.0", "Decrement the integer value of a key by the given number")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("decrement"),
        ]),
    Docs::new("del", Group::Generic, "1.0.0", "Delete a key")
        .complexity("O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("discard", Group::Transactions, "2.0.0", "Discard all commands issued after MULTI")
        .complexity("O(N), when N is the number of queued commands"),
    Docs::new("echo", Group::Connection, "1.0.0", "Echo the given string")
        .complexity("O(1)")
        .args(&[
            Arg::string("message"),
        ]),
    Docs::new("eval", Group::Scripting, "2.6.0", "Execute a Lua script server side")
        .complexity("Depends on the script that is executed.")
        .args(&[
            Arg::string("script"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).optional().multiple(),
            Arg::string("arg").optional().multiple(),
        ]),
    Docs::new("eval_ro", Group::Scripting, "7.0.0", "Execute a read-only Lua script server side")
        .complexity("Depends on the script that is executed.")
        .args(&[
            Arg::string("script"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).optional().multiple(),
            Arg::string("arg").optional().multiple(),
        ]),
    Docs::new("evalsha", Group::Scripting, "2.6.0", "Execute a Lua script server side")
        .complexity("Depends on the script that is executed.")
        .args(&[
            Arg::string("sha1"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).optional().multiple(),
            Arg::string("arg").optional().multiple(),
        ]),
    Docs::new("evalsha_ro", Group::Scripting, "7.0.0", "Execute a read-only Lua script server side")
        .complexity("Depends on the script that is executed.")
        .args(&[
            Arg::string("sha1"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).optional().multiple(),
            Arg::string("arg").optional().multiple(),
        ]),
    Docs::new("exec", Group::Transactions, "1.2.0", "Execute all commands issued after MULTI")
        .complexity("Depends on commands in the transaction"),
    Docs::new("exists", Group::Generic, "1.0.0", "Determine if a key exists")
        .complexity("O(N) where N is the number of keys to check.")
        .history(&[("3.0.3", "Accepts multiple `key` arguments.")])
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("expire", Group::Generic, "1.0.0", "Set a key's time to live in seconds")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            Arg::key("key", 0),
            Arg::integer("seconds"),
            Arg::oneof("condition", &[Arg::pure_token("nx", "NX"), Arg::pure_token("xx", "XX"), Arg::pure_token("gt", "GT"), Arg::pure_token("lt", "LT")]).optional().since("7.0.0"),
        ]),
    Docs::new("expireat", Group::Generic, "1.2.0", "Set the expiration for a key as a UNIX timestamp")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            Arg::key("key", 0),
            Arg::unix_time("unix-time-seconds"),
            Arg::oneof("condition", &[Arg::pure_token("nx", "NX"), Arg::pure_token("xx", "XX"), Arg::pure_token("gt", "GT"), Arg::pure_token("lt", "LT")]).optional().since("7.0.0"),
        ]),
    Docs::new("expiretime", Group::Generic, "7.0.0", "Get the expiration Unix timestamp for a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("fcall", Group::Scripting, "7.0.0", "Invoke a function")
        .complexity("Depends on the function that is executed.")
        .args(&[
            Arg::string("function"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).optional().multiple(),
            Arg::string("arg").optional().multiple(),
        ]),
    Docs::new("fcall_ro", Group::Scripting, "7.0.0", "Invoke a read-only function")
        .complexity("Depends on the function that is executed.")
        .args(&[
            Arg::string("function"),
            Arg::integer("numkeys"),
            Arg::key("key", 0).optional().multiple(),
            Arg::string("arg").optional().multiple(),
        ]),
    Docs::new("flushall", Group::Server, "1.0.0", "Remove all keys from all databases")
        .complexity("O(N) where N is the total number of keys in all databases")
        .history(&[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")])
        .args(&[
            Arg::oneof("async", &[Arg::pure_token("async", "ASYNC").since("4.0.0"), Arg::pure_token("sync", "SYNC").since("6.2.0")]).optional(),
        ]),
    Docs::new("flushdb", Group::Server, "1.0.0", "Remove all keys from the current database")
        .complexity("O(N) where N is the number of keys in the selected database")
        .history(&[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")])
        .args(&[
            Arg::oneof("async", &[Arg::pure_token("async", "ASYNC").since("4.0.0"), Arg::pure_token("sync", "SYNC").since("6.2.0")]).optional(),
        ]),
    Docs::new("function", Group::Scripting, "7.0.0", "A container for function commands")
        .complexity("Depends on subcommand."),
    Docs::new("function|delete", Group::Scripting, "7.0.0", "Delete a function by name")
        .complexity("O(1)")
        .args(&[
            Arg::string("library-name"),
        ]),
    Docs::new("function|dump", Group::Scripting, "7.0.0", "Dump all functions into a serialized binary payload")
        .complexity("O(N) where N is the number of functions"),
    Docs::new("function|flush", Group::Scripting, "7.0.0", "Deleting all functions")
        .complexity("O(N) where N is the number of functions deleted")
        .args(&[
            Arg::oneof("async", &[Arg::pure_token("async", "ASYNC"), Arg::pure_token("sync", "SYNC")]).optional(),
        ]),
    Docs::new("function|help", Group::Scripting, "7.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("function|kill", Group::Scripting, "7.0.0", "Kill the function currently in execution.")
        .complexity("O(1)"),
    Docs::new("function|list", Group::Scripting, "7.0.0", "List information about all the functions")
        .complexity("O(N) where N is the number of functions")
        .args(&[
            Arg::string("library-name-pattern").token("LIBRARYNAME").optional(),
            Arg::pure_token("withcode", "WITHCODE").optional(),
        ]),
    Docs::new("function|load", Group::Scripting, "7.0.0", "Create a function with the given arguments (name, code, description)")
        .complexity("O(1) (considering compilation time is redundant)")
        .args(&[
            Arg::pure_token("replace", "REPLACE").optional(),
            Arg::string("function-code"),
        ]),
    Docs::new("function|restore", Group::Scripting, "7.0.0", "Restore all the functions on the given payload")
        .complexity("O(N) where N is the number of functions on the payload")
        .args(&[
            Arg::string("serialized-value"),
            Arg::oneof("policy", &[Arg::pure_token("flush", "FLUSH"), Arg::pure_token("append", "APPEND"), Arg::pure_token("replace", "REPLACE")]).optional(),
        ]),
    Docs::new("function|stats", Group::Scripting, "7.0.0", "Return information about the function currently running (name, description, duration)")
        .complexity("O(1)"),
    Docs::new("get", Group::String, "1.0.0", "Get the value of a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("getbit", Group::Bitmap, "2.2.0", "Returns the bit value at offset in the string value stored at key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("offset"),
        ]),
    Docs::new("getdel", Group::String, "6.2.0", "Get the value of a key and delete the key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("getex", Group::String, "6.2.0", "Get the value of a key and optionally set its expiration")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::oneof("expiration", &[Arg::integer("seconds").token("EX"), Arg::integer("milliseconds").token("PX"), Arg::unix_time("unix-time-seconds").token("EXAT"), Arg::unix_time("unix-time-milliseconds").token("PXAT"), Arg::pure_token("persist", "PERSIST")]).optional(),
        ]),
    Docs::new("getrange", Group::String, "2.4.0", "Get a substring of the string stored at a key")
        .complexity("O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("start"),
            Arg::integer("end"),
        ]),
    Docs::new("getset", Group::String, "1.0.0", "Set the string value of a key and return its old value")
        .complexity("O(1)")
        .deprecated("6.2.0", "`SET` with the `!GET` argument")
        .args(&[
            Arg::key("key", 0),
            Arg::string("value"),
        ]),
    Docs::new("hdel", Group::Hash, "2.0.0", "Delete one or more hash fields")
        .complexity("O(N) where N is the number of fields to be removed.")
        .history(&[("2.4.0", "Accepts multiple `field` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("field").multiple(),
        ]),
    Docs::new("hello", Group::Connection, "6.0.0", "Handshake with Redis")
        .complexity("O(1)")
        .history(&[("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")])
        .args(&[
            Arg::block("arguments", &[Arg::integer("protover"), Arg::block("username_password", &[Arg::string("username"), Arg::string("password")]).token("AUTH").optional(), Arg::string("clientname").token("SETNAME").optional()]).optional(),
        ]),
    Docs::new("hexists", Group::Hash, "2.0.0", "Determine if a hash field exists")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field"),
        ]),
    Docs::new("hget", Group::Hash, "2.0.0", "Get the value of a hash field")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field"),
        ]),
    Docs::new("hgetall", Group::Hash, "2.0.0", "Get all the fields and values in a hash")
        .complexity("O(N) where N is the size of the hash.")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("hincrby", Group::Hash, "2.0.0", "Increment the integer value of a hash field by the given number")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field"),
            Arg::integer("increment"),
        ]),
    Docs::new("hincrbyfloat", Group::Hash, "2.6.0", "Increment the float value of a hash field by the given amount")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field"),
            Arg::double("increment"),
        ]),
    Docs::new("hkeys", Group::Hash, "2.0.0", "Get all the fields in a hash")
        .complexity("O(N) where N is the size of the hash.")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("hlen", Group::Hash, "2.0.0", "Get the number of fields in a hash")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("hmget", Group::Hash, "2.0.0", "Get the values of all the given hash fields")
        .complexity("O(N) where N is the number of fields being requested.")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field").multiple(),
        ]),
    Docs::new("hmset", Group::Hash, "2.0.0", "Set multiple hash fields to multiple values")
        .complexity("O(N) where N is the number of fields being set.")
        .deprecated("4.0.0", "`HSET` with multiple field-value pairs")
        .args(&[
            Arg::key("key", 0),
            Arg::block("field_value", &[Arg::string("field"), Arg::string("value")]).multiple(),
        ]),
    Docs::new("hrandfield", Group::Hash, "6.2.0", "Get one or multiple random fields from a hash")
        .complexity("O(N) where N is the number of fields returned")
        .args(&[
            Arg::key("key", 0),
            Arg::block("options", &[Arg::integer("count"), Arg::pure_token("withvalues", "WITHVALUES").optional()]).optional(),
        ]),
    Docs::new("hscan", Group::Hash, "2.8.0", "Incrementally iterate hash fields and associated values")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("cursor"),
            Arg::pattern("pattern").token("MATCH").optional(),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("hset", Group::Hash, "2.0.0", "Set the string value of a hash field")
        .complexity("O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.")
        .history(&[("4.0.0", "Accepts multiple `field` and `value` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::block("field_value", &[Arg::string("field"), Arg::string("value")]).multiple(),
        ]),
    Docs::new("hsetnx", Group::Hash, "2.0.0", "Set the value of a hash field, only if the field does not exist")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field"),
            Arg::string("value"),
        ]),
    Docs::new("hstrlen", Group::Hash, "3.2.0", "Get the length of the value of a hash field")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("field"),
        ]),
    Docs::new("hvals", Group::Hash, "2.0.0", "Get all the values in a hash")
        .complexity("O(N) where N is the size of the hash.")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("incr", Group::String, "1.0.0", "Increment the integer value of a key by one")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("incrby", Group::String, "1.0.0", "Increment the integer value of a key by the given amount")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("increment"),
        ]),
    Docs::new("incrbyfloat", Group::String, "2.6.0", "Increment the float value of a key by the given amount")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::double("increment"),
        ]),
    Docs::new("info", Group::Server, "1.0.0", "Get information and statistics about the server")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added support for taking multiple section arguments.")])
        .args(&[
            Arg::string("section").optional().multiple(),
        ]),
    Docs::new("keys", Group::Generic, "1.0.0", "Find all keys matching the given pattern")
        .complexity("O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.")
        .args(&[
            Arg::pattern("pattern"),
        ]),
    Docs::new("latency", Group::Server, "2.8.13", "A container for latency diagnostics commands")
        .complexity("Depends on subcommand."),
    Docs::new("latency|doctor", Group::Server, "2.8.13", "Return a human readable latency analysis report.")
        .complexity("O(1)"),
    Docs::new("latency|graph", Group::Server, "2.8.13", "Return a latency graph for the event.")
        .complexity("O(1)")
        .args(&[
            Arg::string("event"),
        ]),
    Docs::new("latency|help", Group::Server, "2.8.13", "Show helpful text about the different subcommands.")
        .complexity("O(1)"),
    Docs::new("latency|histogram", Group::Server, "7.0.0", "Return the cumulative distribution of latencies of a subset of commands or all.")
        .complexity("O(N) where N is the number of commands with latency information being retrieved.")
        .args(&[
            Arg::string("command").optional().multiple(),
        ]),
    Docs::new("latency|history", Group::Server, "2.8.13", "Return timestamp-latency samples for the event.")
        .complexity("O(1)")
        .args(&[
            Arg::string("event"),
        ]),
    Docs::new("latency|latest", Group::Server, "2.8.13", "Return the latest latency samples for all events.")
        .complexity("O(1)"),
    Docs::new("latency|reset", Group::Server, "2.8.13", "Reset latency data for one or more events.")
        .complexity("O(1)")
        .args(&[
            Arg::string("event").optional().multiple(),
        ]),
    Docs::new("lcs", Group::String, "7.0.0", "Find longest common substring")
        .complexity("O(N*M) where N and M are the lengths of s1 and s2, respectively")
        .args(&[
            Arg::key("key1", 0),
            Arg::key("key2", 0),
            Arg::pure_token("len", "LEN").optional(),
            Arg::pure_token("idx", "IDX").optional(),
            Arg::integer("len").token("MINMATCHLEN").optional(),
            Arg::pure_token("withmatchlen", "WITHMATCHLEN").optional(),
        ]),
    Docs::new("lindex", Group::List, "1.0.0", "Get an element from a list by its index")
        .complexity("O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("index"),
        ]),
    Docs::new("linsert", Group::List, "2.2.0", "Insert an element before or after another element in a list")
        .complexity("O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).")
        .args(&[
            Arg::key("key", 0),
            Arg::oneof("where", &[Arg::pure_token("before", "BEFORE"), Arg::pure_token("after", "AFTER")]),
            Arg::string("pivot"),
            Arg::string("element"),
        ]),
    Docs::new("llen", Group::List, "1.0.0", "Get the length of a list")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("lmove", Group::List, "6.2.0", "Pop an element from a list, push it to another list and return it")
        .complexity("O(1)")
        .args(&[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::oneof("wherefrom", &[Arg::pure_token("left", "LEFT"), Arg::pure_token("right", "RIGHT")]),
            Arg::oneof("whereto", &[Arg::pure_token("left", "LEFT"), Arg::pure_token("right", "RIGHT")]),
        ]),
    Docs::new("lmpop", Group::List, "7.0.0", "Pop elements from a list")
        .complexity("O(N+M) where N is the number of provided keys and M is the number of elements returned.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::oneof("where", &[Arg::pure_token("left", "LEFT"), Arg::pure_token("right", "RIGHT")]),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("lpop", Group::List, "1.0.0", "Remove and get the first elements in a list")
        .complexity("O(N) where N is the number of elements returned")
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").optional().since("6.2.0"),
        ]),
    Docs::new("lpos", Group::List, "6.0.6", "Return the index of matching elements on a list")
        .complexity("O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.")
        .args(&[
            Arg::key("key", 0),
            Arg::string("element"),
            Arg::integer("rank").token("RANK").optional(),
            Arg::integer("num-matches").token("COUNT").optional(),
            Arg::integer("len").token("MAXLEN").optional(),
        ]),
    Docs::new("lpush", Group::List, "1.0.0", "Prepend one or multiple elements to a list")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("element").multiple(),
        ]),
    Docs::new("lpushx", Group::List, "2.2.0", "Prepend an element to a list, only if the list exists")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("element").multiple(),
        ]),
    Docs::new("lrange", Group::List, "1.0.0", "Get a range of elements from a list")
        .complexity("O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("start"),
            Arg::integer("stop"),
        ]),
    Docs::new("lrem", Group::List, "1.0.0", "Remove elements from a list")
        .complexity("O(N+M) where N is the length of the list and M is the number of elements removed.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count"),
            Arg::string("element"),
        ]),
    Docs::new("lset", Group::List, "1.0.0", "Set the value of an element in a list by its index")
        .complexity("O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("index"),
            Arg::string("element"),
        ]),
    Docs::new("ltrim", Group::List, "1.0.0", "Trim a list to the specified range")
        .complexity("O(N) where N is the number of elements to be removed by the operation.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("start"),
            Arg::integer("stop"),
        ]),
    Docs::new("memory", Group::Server, "4.0.0", "A container for memory diagnostics commands")
        .complexity("Depends on subcommand."),
    Docs::new("memory|doctor", Group::Server, "4.0.0", "Outputs memory problems report")
        .complexity("O(1)"),
    Docs::new("memory|help", Group::Server, "4.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("memory|stats", Group::Server, "4.0.0", "Show memory usage details")
        .complexity("O(1)"),
    Docs::new("memory|usage", Group::Server, "4.0.0", "Estimate the memory usage of a key")
        .complexity("O(N) where N is the number of samples.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").token("SAMPLES").optional(),
        ]),
    Docs::new("mget", Group::String, "1.0.0", "Get the values of all the given keys")
        .complexity("O(N) where N is the number of keys to retrieve.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("monitor", Group::Server, "1.0.0", "Listen for all requests received by the server in real time"),
    Docs::new("move", Group::Generic, "1.0.0", "Move a key to another database")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("db"),
        ]),
    Docs::new("mset", Group::String, "1.0.1", "Set multiple keys to multiple values")
        .complexity("O(N) where N is the number of keys to set.")
        .args(&[
            Arg::block("key_value", &[Arg::key("key", 0), Arg::string("value")]).multiple(),
        ]),
    Docs::new("msetnx", Group::String, "1.0.1", "Set multiple keys to multiple values, only if none of the keys exist")
        .complexity("O(N) where N is the number of keys to set.")
        .args(&[
            Arg::block("key_value", &[Arg::key("key", 0), Arg::string("value")]).multiple(),
        ]),
    Docs::new("multi", Group::Transactions, "1.2.0", "Mark the start of a transaction block")
        .complexity("O(1)"),
    Docs::new("object", Group::Generic, "2.2.3", "A container for object introspection commands")
        .complexity("Depends on subcommand."),
    Docs::new("object|encoding", Group::Generic, "2.2.3", "Inspect the internal encoding of a Redis object")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("object|freq", Group::Generic, "4.0.0", "Get the logarithmic access frequency counter of a Redis object")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("object|help", Group::Generic, "6.2.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("object|idletime", Group::Generic, "2.2.3", "Get the time since a Redis object was last accessed")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("object|refcount", Group::Generic, "2.2.3", "Get the number of references to the value of the key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("persist", Group::Generic, "2.2.0", "Remove the expiration from a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("pexpire", Group::Generic, "2.6.0", "Set a key's time to live in milliseconds")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            Arg::key("key", 0),
            Arg::integer("milliseconds"),
            Arg::oneof("condition", &[Arg::pure_token("nx", "NX"), Arg::pure_token("xx", "XX"), Arg::pure_token("gt", "GT"), Arg::pure_token("lt", "LT")]).optional().since("7.0.0"),
        ]),
    Docs::new("pexpireat", Group::Generic, "2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            Arg::key("key", 0),
            Arg::unix_time("unix-time-milliseconds"),
            Arg::oneof("condition", &[Arg::pure_token("nx", "NX"), Arg::pure_token("xx", "XX"), Arg::pure_token("gt", "GT"), Arg::pure_token("lt", "LT")]).optional().since("7.0.0"),
        ]),
    Docs::new("pexpiretime", Group::Generic, "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("ping", Group::Connection, "1.0.0", "Ping the server")
        .complexity("O(1)")
        .args(&[
            Arg::string("message").optional(),
        ]),
    Docs::new("psetex", Group::String, "2.6.0", "Set the value and expiration in milliseconds of a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("milliseconds"),
            Arg::string("value"),
        ]),
    Docs::new("psubscribe", Group::Pubsub, "2.0.0", "Listen for messages published to channels matching the given patterns")
        .complexity("O(N) where N is the number of patterns the client is already subscribed to.")
        .args(&[
            Arg::block("pattern", &[Arg::pattern("pattern")]).multiple(),
        ]),
    Docs::new("pttl", Group::Generic, "2.6.0", "Get the time to live for a key in milliseconds")
        .complexity("O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("publish", Group::Pubsub, "2.0.0", "Post a message to a channel")
        .complexity("O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).")
        .args(&[
            Arg::string("channel"),
            Arg::string("message"),
        ]),
    Docs::new("pubsub", Group::Pubsub, "2.8.0", "A container for Pub/Sub commands")
        .complexity("Depends on subcommand."),
    Docs::new("pubsub|channels", Group::Pubsub, "2.8.0", "List active channels")
        .complexity("O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)")
        .args(&[
            Arg::pattern("pattern").optional(),
        ]),
    Docs::new("pubsub|help", Group::Pubsub, "6.2.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("pubsub|numpat", Group::Pubsub, "2.8.0", "Get the count of unique patterns pattern subscriptions")
        .complexity("O(1)"),
    Docs::new("pubsub|numsub", Group::Pubsub, "2.8.0", "Get the count of subscribers for channels")
        .complexity("O(N) for the NUMSUB subcommand, where N is the number of requested channels")
        .args(&[
            Arg::string("channel").optional().multiple(),
        ]),
    Docs::new("punsubscribe", Group::Pubsub, "2.0.0", "Stop listening for messages posted to channels matching the given patterns")
        .complexity("O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).")
        .args(&[
            Arg::pattern("pattern").optional().multiple(),
        ]),
    Docs::new("quit", Group::Connection, "1.0.0", "Close the connection")
        .complexity("O(1)"),
    Docs::new("randomkey", Group::Generic, "1.0.0", "Return a random key from the keyspace")
        .complexity("O(1)"),
    Docs::new("rename", Group::Generic, "1.0.0", "Rename a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::key("newkey", 1),
        ]),
    Docs::new("renamenx", Group::Generic, "1.0.0", "Rename a key, only if the new key does not exist")
        .complexity("O(1)")
        .history(&[("3.2.0", "The command no longer returns an error when source and destination names are the same.")])
        .args(&[
            Arg::key("key", 0),
            Arg::key("newkey", 1),
        ]),
    Docs::new("reset", Group::Connection, "6.2.0", "Reset the connection")
        .complexity("O(1)"),
    Docs::new("rpop", Group::List, "1.0.0", "Remove and get the last elements in a list")
        .complexity("O(N) where N is the number of elements returned")
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").optional().since("6.2.0"),
        ]),
    Docs::new("rpoplpush", Group::List, "1.2.0", "Remove the last element in a list, prepend it to another list and return it")
        .complexity("O(1)")
        .deprecated("6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments")
        .args(&[
            Arg::key("source", 0),
            Arg::key("destination", 1),
        ]),
    Docs::new("rpush", Group::List, "1.0.0", "Append one or multiple elements to a list")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("element").multiple(),
        ]),
    Docs::new("rpushx", Group::List, "2.2.0", "Append an element to a list, only if the list exists")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("element").multiple(),
        ]),
    Docs::new("sadd", Group::Set, "1.0.0", "Add one or more members to a set")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("member").multiple(),
        ]),
    Docs::new("scan", Group::Generic, "2.8.0", "Incrementally iterate the keys space")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.")
        .history(&[("6.0.0", "Added the `TYPE` subcommand.")])
        .args(&[
            Arg::integer("cursor"),
            Arg::pattern("pattern").token("MATCH").optional(),
            Arg::integer("count").token("COUNT").optional(),
            Arg::string("type").token("TYPE").optional().since("6.0.0"),
        ]),
    Docs::new("scard", Group::Set, "1.0.0", "Get the number of members in a set")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("script", Group::Scripting, "2.6.0", "A container for Lua scripts management commands")
        .complexity("Depends on subcommand."),
    Docs::new("script|debug", Group::Scripting, "3.2.0", "Set the debug mode for executed scripts.")
        .complexity("O(1)")
        .args(&[
            Arg::oneof("mode", &[Arg::pure_token("yes", "YES"), Arg::pure_token("sync", "SYNC"), Arg::pure_token("no", "NO")]),
        ]),
    Docs::new("script|exists", Group::Scripting, "2.6.0", "Check existence of scripts in the script cache.")
        .complexity("O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).")
        .args(&[
            Arg::string("sha1").multiple(),
        ]),
    Docs::new("script|flush", Group::Scripting, "2.6.0", "Remove all the scripts from the script cache.")
        .complexity("O(N) with N being the number of scripts in cache")
        .history(&[("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers.")])
        .args(&[
            Arg::oneof("async", &[Arg::pure_token("async", "ASYNC"), Arg::pure_token("sync", "SYNC")]).optional().since("6.2.0"),
        ]),
    Docs::new("script|help", Group::Scripting, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("script|kill", Group::Scripting, "2.6.0", "Kill the script currently in execution.")
        .complexity("O(1)"),
    Docs::new("script|load", Group::Scripting, "2.6.0", "Load the specified Lua script into the script cache.")
        .complexity("O(N) with N being the length in bytes of the script body.")
        .args(&[
            Arg::string("script"),
        ]),
    Docs::new("sdiff", Group::Set, "1.0.0", "Subtract multiple sets")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("sdiffstore", Group::Set, "1.0.0", "Subtract multiple sets and store the resulting set in a key")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[
            Arg::key("destination", 0),
            Arg::key("key", 1).multiple(),
        ]),
    Docs::new("select", Group::Connection, "1.0.0", "Change the selected database for the current connection")
        .complexity("O(1)")
        .args(&[
            Arg::integer("index"),
        ]),
    Docs::new("set", Group::String, "1.0.0", "Set the string value of a key")
        .complexity("O(1)")
        .history(&[("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."), ("6.0.0", "Added the `KEEPTTL` option."), ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."), ("7.0.0", "Allowed the `NX` and `GET` options to be used together.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("value"),
            Arg::oneof("condition", &[Arg::pure_token("nx", "NX"), Arg::pure_token("xx", "XX")]).optional().since("2.6.12"),
            Arg::pure_token("get", "GET").optional().since("6.2.0"),
            Arg::oneof("expiration", &[Arg::integer("seconds").token("EX").since("2.6.12"), Arg::integer("milliseconds").token("PX").since("2.6.12"), Arg::unix_time("unix-time-seconds").token("EXAT").since("6.2.0"), Arg::unix_time("unix-time-milliseconds").token("PXAT").since("6.2.0"), Arg::pure_token("keepttl", "KEEPTTL").since("6.0.0")]).optional(),
        ]),
    Docs::new("setbit", Group::Bitmap, "2.2.0", "Sets or clears the bit at offset in the string value stored at key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("offset"),
            Arg::integer("value"),
        ]),
    Docs::new("setex", Group::String, "2.0.0", "Set the value and expiration of a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("seconds"),
            Arg::string("value"),
        ]),
    Docs::new("setnx", Group::String, "1.0.0", "Set the value of a key, only if the key does not exist")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("value"),
        ]),
    Docs::new("setrange", Group::String, "2.2.0", "Overwrite part of a string at key starting at the specified offset")
        .complexity("O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("offset"),
            Arg::string("value"),
        ]),
    Docs::new("shutdown", Group::Server, "1.0.0", "Synchronously save the dataset to disk and then shut down the server")
        .complexity("O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)")
        .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")])
        .args(&[
            Arg::oneof("nosave_save", &[Arg::pure_token("nosave", "NOSAVE"), Arg::pure_token("save", "SAVE")]).optional(),
            Arg::pure_token("now", "NOW").optional().since("7.0.0"),
            Arg::pure_token("force", "FORCE").optional().since("7.0.0"),
            Arg::pure_token("abort", "ABORT").optional().since("7.0.0"),
        ]),
    Docs::new("sinter", Group::Set, "1.0.0", "Intersect multiple sets")
        .complexity("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("sintercard", Group::Set, "7.0.0", "Intersect multiple sets and return the cardinality of the result")
        .complexity("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::integer("limit").token("LIMIT").optional(),
        ]),
    Docs::new("sinterstore", Group::Set, "1.0.0", "Intersect multiple sets and store the resulting set in a key")
        .complexity("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.")
        .args(&[
            Arg::key("destination", 0),
            Arg::key("key", 1).multiple(),
        ]),
    Docs::new("sismember", Group::Set, "1.0.0", "Determine if a given value is a member of a set")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("member"),
        ]),
    Docs::new("slowlog", Group::Server, "2.2.12", "A container for slow log commands")
        .complexity("Depends on subcommand."),
    Docs::new("slowlog|get", Group::Server, "2.2.12", "Get the slow log's entries")
        .complexity("O(N) where N is the number of entries returned")
        .history(&[("4.0.0", "Added client IP address, port and name to the reply.")])
        .args(&[
            Arg::integer("count").optional(),
        ]),
    Docs::new("slowlog|help", Group::Server, "6.2.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
    Docs::new("slowlog|len", Group::Server, "2.2.12", "Get the slow log's length")
        .complexity("O(1)"),
    Docs::new("slowlog|reset", Group::Server, "2.2.12", "Clear all entries from the slow log")
        .complexity("O(N) where N is the number of entries in the slowlog"),
    Docs::new("smembers", Group::Set, "1.0.0", "Get all the members in a set")
        .complexity("O(N) where N is the set cardinality.")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("smismember", Group::Set, "6.2.0", "Returns the membership associated with the given elements for a set")
        .complexity("O(N) where N is the number of elements being checked for membership")
        .args(&[
            Arg::key("key", 0),
            Arg::string("member").multiple(),
        ]),
    Docs::new("smove", Group::Set, "1.0.0", "Move a member from one set to another")
        .complexity("O(1)")
        .args(&[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::string("member"),
        ]),
    Docs::new("sort", Group::Generic, "1.0.0", "Sort the elements in a list, set or sorted set")
        .complexity("O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).")
        .args(&[
            Arg::key("key", 0),
            Arg::pattern("pattern").token("BY").key_spec(1).optional(),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
            Arg::pattern("pattern").token("GET").key_spec(1).optional().multiple().multiple_token(),
            Arg::oneof("order", &[Arg::pure_token("asc", "ASC"), Arg::pure_token("desc", "DESC")]).optional(),
            Arg::pure_token("sorting", "ALPHA").optional(),
            Arg::key("destination", 2).token("STORE").optional(),
        ]),
    Docs::new("sort_ro", Group::Generic, "7.0.0", "Sort the elements in a list, set or sorted set. Read-only variant of SORT.")
        .complexity("O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).")
        .args(&[
            Arg::key("key", 0),
            Arg::pattern("pattern").token("BY").key_spec(1).optional(),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
            Arg::pattern("pattern").token("GET").key_spec(1).optional().multiple().multiple_token(),
            Arg::oneof("order", &[Arg::pure_token("asc", "ASC"), Arg::pure_token("desc", "DESC")]).optional(),
            Arg::pure_token("sorting", "ALPHA").optional(),
        ]),
    Docs::new("spop", Group::Set, "1.0.0", "Remove and return one or multiple random members from a set")
        .complexity("Without the count argument O(1), otherwise O(N) where N is the value of the passed count.")
        .history(&[("3.2.0", "Added the `count` argument.")])
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").optional().since("3.2.0"),
        ]),
    Docs::new("srandmember", Group::Set, "1.0.0", "Get one or multiple random members from a set")
        .complexity("Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.")
        .history(&[("2.6.0", "Added the optional `count` argument.")])
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").optional().since("2.6.0"),
        ]),
    Docs::new("srem", Group::Set, "1.0.0", "Remove one or more members from a set")
        .complexity("O(N) where N is the number of members to be removed.")
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("member").multiple(),
        ]),
    Docs::new("sscan", Group::Set, "2.8.0", "Incrementally iterate Set elements")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("cursor"),
            Arg::pattern("pattern").token("MATCH").optional(),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("strlen", Group::String, "2.2.0", "Get the length of the value stored in a key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("subscribe", Group::Pubsub, "2.0.0", "Listen for messages published to the given channels")
        .complexity("O(N) where N is the number of channels to subscribe to.")
        .args(&[
            Arg::string("channel").multiple(),
        ]),
    Docs::new("substr", Group::String, "1.0.0", "Get a substring of the string stored at a key")
        .complexity("O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.")
        .deprecated("2.0.0", "`GETRANGE`")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("start"),
            Arg::integer("end"),
        ]),
    Docs::new("sunion", Group::Set, "1.0.0", "Add multiple sets")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("sunionstore", Group::Set, "1.0.0", "Add multiple sets and store the resulting set in a key")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[
            Arg::key("destination", 0),
            Arg::key("key", 1).multiple(),
        ]),
    Docs::new("swapdb", Group::Server, "4.0.0", "Swaps two Redis databases")
        .complexity("O(N) where N is the count of clients watching or blocking on keys from both databases.")
        .args(&[
            Arg::integer("index1"),
            Arg::integer("index2"),
        ]),
    Docs::new("time", Group::Server, "2.6.0", "Return the current server time")
        .complexity("O(1)"),
    Docs::new("touch", Group::Generic, "3.2.1", "Alters the last access time of a key(s). Returns the number of existing keys specified.")
        .complexity("O(N) where N is the number of keys that will be touched.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("ttl", Group::Generic, "1.0.0", "Get the time to live for a key in seconds")
        .complexity("O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("type", Group::Generic, "1.0.0", "Determine the type stored at key")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("unlink", Group::Generic, "4.0.0", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.")
        .complexity("O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("unsubscribe", Group::Pubsub, "2.0.0", "Stop listening for messages posted to the given channels")
        .complexity("O(N) where N is the number of clients already subscribed to a channel.")
        .args(&[
            Arg::string("channel").optional().multiple(),
        ]),
    Docs::new("unwatch", Group::Transactions, "2.2.0", "Forget about all watched keys")
        .complexity("O(1)"),
    Docs::new("watch", Group::Transactions, "2.2.0", "Watch the given keys to determine execution of the MULTI/EXEC block")
        .complexity("O(1) for every key.")
        .args(&[
            Arg::key("key", 0).multiple(),
        ]),
    Docs::new("zadd", Group::SortedSet, "1.2.0", "Add one or more members to a sorted set, or update its score if it already exists")
        .complexity("O(log(N)) for each item added, where N is the number of elements in the sorted set.")
        .history(&[("2.4.0", "Accepts multiple elements."), ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."), ("6.2.0", "Added the `GT` and `LT` options.")])
        .args(&[
            Arg::key("key", 0),
            Arg::oneof("condition", &[Arg::pure_token("nx", "NX"), Arg::pure_token("xx", "XX")]).optional().since("3.0.2"),
            Arg::oneof("comparison", &[Arg::pure_token("gt", "GT"), Arg::pure_token("lt", "LT")]).optional().since("6.2.0"),
            Arg::pure_token("change", "CH").optional().since("3.0.2"),
            Arg::pure_token("increment", "INCR").optional().since("3.0.2"),
            Arg::block("score_member", &[Arg::double("score"), Arg::string("member")]).multiple(),
        ]),
    Docs::new("zcard", Group::SortedSet, "1.2.0", "Get the number of members in a sorted set")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
        ]),
    Docs::new("zcount", Group::SortedSet, "2.0.0", "Count the members in a sorted set with scores within the given values")
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .args(&[
            Arg::key("key", 0),
            Arg::double("min"),
            Arg::double("max"),
        ]),
    Docs::new("zdiff", Group::SortedSet, "6.2.0", "Subtract multiple sorted sets")
        .complexity("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::pure_token("withscores", "WITHSCORES").optional(),
        ]),
    Docs::new("zdiffstore", Group::SortedSet, "6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key")
        .complexity("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.")
        .args(&[
            Arg::key("destination", 0),
            Arg::integer("numkeys"),
            Arg::key("key", 1).multiple(),
        ]),
    Docs::new("zincrby", Group::SortedSet, "1.2.0", "Increment the score of a member in a sorted set")
        .complexity("O(log(N)) where N is the number of elements in the sorted set.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("increment"),
            Arg::string("member"),
        ]),
    Docs::new("zinter", Group::SortedSet, "6.2.0", "Intersect multiple sorted sets")
        .complexity("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::integer("weight").token("WEIGHTS").optional().multiple(),
            Arg::oneof("aggregate", &[Arg::pure_token("sum", "SUM"), Arg::pure_token("min", "MIN"), Arg::pure_token("max", "MAX")]).token("AGGREGATE").optional(),
            Arg::pure_token("withscores", "WITHSCORES").optional(),
        ]),
    Docs::new("zintercard", Group::SortedSet, "7.0.0", "Intersect multiple sorted sets and return the cardinality of the result")
        .complexity("O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::integer("limit").token("LIMIT").optional(),
        ]),
    Docs::new("zinterstore", Group::SortedSet, "2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key")
        .complexity("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.")
        .args(&[
            Arg::key("destination", 0),
            Arg::integer("numkeys"),
            Arg::key("key", 1).multiple(),
            Arg::integer("weight").token("WEIGHTS").optional().multiple(),
            Arg::oneof("aggregate", &[Arg::pure_token("sum", "SUM"), Arg::pure_token("min", "MIN"), Arg::pure_token("max", "MAX")]).token("AGGREGATE").optional(),
        ]),
    Docs::new("zlexcount", Group::SortedSet, "2.8.9", "Count the number of members in a sorted set between a given lexicographical range")
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .args(&[
            Arg::key("key", 0),
            Arg::string("min"),
            Arg::string("max"),
        ]),
    Docs::new("zmpop", Group::SortedSet, "7.0.0", "Remove and return members with scores in a sorted set")
        .complexity("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::oneof("where", &[Arg::pure_token("min", "MIN"), Arg::pure_token("max", "MAX")]),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("zmscore", Group::SortedSet, "6.2.0", "Get the score associated with the given members in a sorted set")
        .complexity("O(N) where N is the number of members being requested.")
        .args(&[
            Arg::key("key", 0),
            Arg::string("member").multiple(),
        ]),
    Docs::new("zpopmax", Group::SortedSet, "5.0.0", "Remove and return members with the highest scores in a sorted set")
        .complexity("O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").optional(),
        ]),
    Docs::new("zpopmin", Group::SortedSet, "5.0.0", "Remove and return members with the lowest scores in a sorted set")
        .complexity("O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("count").optional(),
        ]),
    Docs::new("zrandmember", Group::SortedSet, "6.2.0", "Get one or multiple random elements from a sorted set")
        .complexity("O(N) where N is the number of elements returned")
        .args(&[
            Arg::key("key", 0),
            Arg::block("options", &[Arg::integer("count"), Arg::pure_token("withscores", "WITHSCORES").optional()]).optional(),
        ]),
    Docs::new("zrange", Group::SortedSet, "1.2.0", "Return a range of members in a sorted set")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.")
        .history(&[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("start"),
            Arg::string("stop"),
            Arg::oneof("sortby", &[Arg::pure_token("byscore", "BYSCORE"), Arg::pure_token("bylex", "BYLEX")]).optional().since("6.2.0"),
            Arg::pure_token("rev", "REV").optional().since("6.2.0"),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional().since("6.2.0"),
            Arg::pure_token("withscores", "WITHSCORES").optional(),
        ]),
    Docs::new("zrangebylex", Group::SortedSet, "2.8.9", "Return a range of members in a sorted set, by lexicographical range")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).")
        .deprecated("6.2.0", "`ZRANGE` with the `BYLEX` argument")
        .args(&[
            Arg::key("key", 0),
            Arg::string("min"),
            Arg::string("max"),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
        ]),
    Docs::new("zrangebyscore", Group::SortedSet, "1.0.5", "Return a range of members in a sorted set, by score")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).")
        .deprecated("6.2.0", "`ZRANGE` with the `BYSCORE` argument")
        .history(&[("2.0.0", "Added the `WITHSCORES` modifier.")])
        .args(&[
            Arg::key("key", 0),
            Arg::double("min"),
            Arg::double("max"),
            Arg::pure_token("withscores", "WITHSCORES").optional().since("2.0.0"),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
        ]),
    Docs::new("zrangestore", Group::SortedSet, "6.2.0", "Store a range of members from sorted set into another key")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.")
        .args(&[
            Arg::key("dst", 0),
            Arg::key("src", 1),
            Arg::string("min"),
            Arg::string("max"),
            Arg::oneof("sortby", &[Arg::pure_token("byscore", "BYSCORE"), Arg::pure_token("bylex", "BYLEX")]).optional(),
            Arg::pure_token("rev", "REV").optional(),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
        ]),
    Docs::new("zrank", Group::SortedSet, "2.0.0", "Determine the index of a member in a sorted set")
        .complexity("O(log(N))")
        .args(&[
            Arg::key("key", 0),
            Arg::string("member"),
        ]),
    Docs::new("zrem", Group::SortedSet, "1.2.0", "Remove one or more members from a sorted set")
        .complexity("O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.")
        .history(&[("2.4.0", "Accepts multiple elements.")])
        .args(&[
            Arg::key("key", 0),
            Arg::string("member").multiple(),
        ]),
    Docs::new("zremrangebylex", Group::SortedSet, "2.8.9", "Remove all members in a sorted set between the given lexicographical range")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.")
        .args(&[
            Arg::key("key", 0),
            Arg::string("min"),
            Arg::string("max"),
        ]),
    Docs::new("zremrangebyrank", Group::SortedSet, "2.0.0", "Remove all members in a sorted set within the given indexes")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("start"),
            Arg::integer("stop"),
        ]),
    Docs::new("zremrangebyscore", Group::SortedSet, "1.2.0", "Remove all members in a sorted set within the given scores")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.")
        .args(&[
            Arg::key("key", 0),
            Arg::double("min"),
            Arg::double("max"),
        ]),
    Docs::new("zrevrange", Group::SortedSet, "1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.")
        .deprecated("6.2.0", "`ZRANGE` with the `REV` argument")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("start"),
            Arg::integer("stop"),
            Arg::pure_token("withscores", "WITHSCORES").optional(),
        ]),
    Docs::new("zrevrangebylex", Group::SortedSet, "2.8.9", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).")
        .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments")
        .args(&[
            Arg::key("key", 0),
            Arg::string("max"),
            Arg::string("min"),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
        ]),
    Docs::new("zrevrangebyscore", Group::SortedSet, "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).")
        .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments")
        .history(&[("2.1.6", "`min` and `max` can be exclusive.")])
        .args(&[
            Arg::key("key", 0),
            Arg::double("max"),
            Arg::double("min"),
            Arg::pure_token("withscores", "WITHSCORES").optional(),
            Arg::block("offset_count", &[Arg::integer("offset"), Arg::integer("count")]).token("LIMIT").optional(),
        ]),
    Docs::new("zrevrank", Group::SortedSet, "2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low")
        .complexity("O(log(N))")
        .args(&[
            Arg::key("key", 0),
            Arg::string("member"),
        ]),
    Docs::new("zscan", Group::SortedSet, "2.8.0", "Incrementally iterate sorted sets elements and associated scores")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..")
        .args(&[
            Arg::key("key", 0),
            Arg::integer("cursor"),
            Arg::pattern("pattern").token("MATCH").optional(),
            Arg::integer("count").token("COUNT").optional(),
        ]),
    Docs::new("zscore", Group::SortedSet, "1.2.0", "Get the score associated with the given member in a sorted set")
        .complexity("O(1)")
        .args(&[
            Arg::key("key", 0),
            Arg::string("member"),
        ]),
    Docs::new("zunion", Group::SortedSet, "6.2.0", "Add multiple sorted sets")
        .complexity("O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.")
        .args(&[
            Arg::integer("numkeys"),
            Arg::key("key", 0).multiple(),
            Arg::integer("weight").token("WEIGHTS").optional().multiple(),
            Arg::oneof("aggregate", &[Arg::pure_token("sum", "SUM"), Arg::pure_token("min", "MIN"), Arg::pure_token("max", "MAX")]).token("AGGREGATE").optional(),
            Arg::pure_token("withscores", "WITHSCORES").optional(),
        ]),
    Docs::new("zunionstore", Group::SortedSet, "2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key")
        .complexity("O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.")
        .args(&[
            Arg::key("destination", 0),
            Arg::integer("numkeys"),
            Arg::key("key", 1).multiple(),
            Arg::integer("weight").token("WEIGHTS").optional().multiple(),
            Arg::oneof("aggregate", &[Arg::pure_token("sum", "SUM"), Arg::pure_token("min", "MIN"), Arg::pure_token("max", "MAX")]).token("AGGREGATE").optional(),
        ]),
];
