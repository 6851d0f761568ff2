//! Values across the border: a command's reply into Lua, a script's result into a reply.
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../../../docs/23-a-handler-that-does-not-return.md).
//!
//! `redis.call` runs a command exactly as a client's, into a scratch buffer, and then reads
//! the RESP it wrote back into Lua values: Redis does the same (its "not connected client"),
//! so that scripts need no second API of the keyspace. The rules both ways are Redis's:
//!
//! ```text
//! reply  -> Lua                           Lua -> reply
//! :5        5 (a number)                  number    :n, truncated toward zero
//! $3 abc    "abc"                         string    $n bulk
//! $-1, *-1  false                         true      :1
//! +OK       {ok = "OK"}                   false/nil $-1
//! -ERR x    {err = "ERR x"}               {ok = s}  +s      {err = s}  -s
//! *2 ...    {a, b} (a table)              table     *n, elements 1.. up to the first nil
//! ```
//!
//! Redis counterpart: `script_lua.c` (`redisProtocolToLuaType_*`, `luaReplyToRedisReply`,
//! `luaPushErrorBuff`).

use mlua::{Lua, Table, Value};

use crate::resp::{number, reply};

/// How deep a result's tables may nest before the reply gives up (Redis stops where its Lua
/// stack runs out, at about this depth): a table that holds itself must not recurse forever.
const NESTING_MAX: usize = 7_000;

/// A Redis error as a Lua table, as Redis's `luaPushErrorBuff` builds it: `-CODE message`
/// gives `{err = "CODE message"}`; text without the leading `-` gets the code `ERR`; line
/// ends trimmed. `counted`: the error was already counted in the error statistics when the
/// command replied it, so the script's reply must not count it again.
pub fn error_table(lua: &Lua, text: &[u8], counted: bool) -> mlua::Result<Table> {
    error_table_of(lua, &error_text(text), counted)
}

/// `{err = full}`, for text already in its final form (`CODE message`).
pub fn error_table_of(lua: &Lua, full: &[u8], counted: bool) -> mlua::Result<Table> {
    let table = lua.create_table_with_capacity(0, 2)?;
    table.raw_set("err", lua.create_string(full)?)?;
    if counted {
        table.raw_set("ignore_error_stats_update", true)?;
    }
    Ok(table)
}

/// The text of [`error_table`]'s `err`: `CODE message`.
pub fn error_text(text: &[u8]) -> Vec<u8> {
    let (code, message): (&[u8], &[u8]) = match text.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&b| b == b' ') {
            Some(space) => (&rest[..space], &rest[space + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", text),
    };
    let trim = |b: &u8| *b != b'\r' && *b != b'\n';
    let start = message.iter().position(trim).unwrap_or(message.len());
    let end = message.iter().rposition(trim).map_or(start, |at| at + 1);
    let mut full = Vec::with_capacity(code.len() + 1 + end - start);
    full.extend_from_slice(code);
    full.push(b' ');
    full.extend_from_slice(message.get(start..end).unwrap_or_default());
    full
}

/// A number as Lua prints it (`%.14g`): what `tostring` and string coercion give.
pub fn lua_number_text(n: f64) -> String {
    let mut text = String::new();
    number::format_g(&mut text, n, 14);
    text
}

/// A number passed to `redis.call`, as Redis prints it (`%.17g`, so no precision is lost).
pub fn arg_number_text(n: f64, out: &mut Vec<u8>) {
    let mut text = String::new();
    number::format_g(&mut text, n, 17);
    out.extend_from_slice(text.as_bytes());
}

/// One reply written by a command (RESP2, as this server writes it) as a Lua value; errors
/// as error tables (already counted). Anything unreadable (which the server never writes)
/// reads as `nil`.
pub fn reply_to_lua(lua: &Lua, bytes: &[u8]) -> mlua::Result<Value> {
    let mut at = 0;
    read_reply(lua, bytes, &mut at, 0)
}

fn read_line<'b>(bytes: &'b [u8], at: &mut usize) -> Option<&'b [u8]> {
    let rest = bytes.get(*at..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    *at += end + 2;
    rest.get(..end)
}

fn read_reply(lua: &Lua, bytes: &[u8], at: &mut usize, depth: usize) -> mlua::Result<Value> {
    let Some(&kind) = bytes.get(*at) else {
        return Ok(Value::Nil);
    };
    *at += 1;
    let Some(line) = read_line(bytes, at) else {
        return Ok(Value::Nil);
    };
    let count = || number::parse_i64(line);
    Ok(match kind {
        b'+' => {
            let table = lua.create_table_with_capacity(0, 1)?;
            table.raw_set("ok", lua.create_string(line)?)?;
            Value::Table(table)
        }
        b'-' => {
            let mut text = Vec::with_capacity(line.len() + 1);
            text.push(b'-');
            text.extend_from_slice(line);
            Value::Table(error_table(lua, &text, true)?)
        }
        b':' => count().map_or(Value::Nil, |n| Value::Number(n as f64)),
        b'$' => match count() {
            Some(len) if len >= 0 => {
                let start = *at;
                let end = start.saturating_add(len as usize);
                *at = end.saturating_add(2);
                match bytes.get(start..end) {
                    Some(data) => Value::String(lua.create_string(data)?),
                    None => Value::Nil,
                }
            }
            _ => Value::Boolean(false),
        },
        b'*' => match count() {
            Some(len) if len >= 0 && depth < NESTING_MAX => {
                // Capacity from the count, bounded by what the bytes can hold.
                let len = len as usize;
                let table = lua.create_table_with_capacity(len.min(bytes.len() / 3), 0)?;
                for _ in 0..len {
                    let value = read_reply(lua, bytes, at, depth + 1)?;
                    table.raw_push(value)?;
                }
                Value::Table(table)
            }
            _ => Value::Boolean(false),
        },
        _ => Value::Nil,
    })
}

/// A script's result as a reply, appended to `out`. Error replies it writes are reported to
/// `count_error` (the statistics), except those a command already counted.
pub fn write_result(out: &mut Vec<u8>, value: &Value, count_error: &mut dyn FnMut(&[u8])) {
    write_value(out, value, 0, count_error);
}

fn write_value(out: &mut Vec<u8>, value: &Value, depth: usize, count_error: &mut dyn FnMut(&[u8])) {
    match value {
        Value::String(s) => reply::bulk(out, &s.as_bytes()),
        Value::Boolean(true) => reply::integer(out, 1),
        Value::Number(n) => reply::integer(out, truncate(*n)),
        Value::Integer(n) => reply::integer(out, *n),
        Value::Table(table) => {
            if depth >= NESTING_MAX {
                let message = b"ERR reached lua stack limit";
                count_error(message);
                reply::error_bytes(out, message);
                return;
            }
            write_table(out, table, depth, count_error);
        }
        _ => reply::null(out),
    }
}

/// A table: an error, a status, one of the RESP3 shapes (written as RESP2 writes them), or
/// an array up to the first nil.
fn write_table(out: &mut Vec<u8>, table: &Table, depth: usize, count_error: &mut dyn FnMut(&[u8])) {
    let field = |name: &str| table.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(text) = field("err") {
        let text = text.as_bytes();
        if !matches!(field("ignore_error_stats_update"), Value::Boolean(true)) {
            count_error(&text);
        }
        reply::error_bytes(out, &text);
        return;
    }
    if let Value::String(text) = field("ok") {
        let text = text.as_bytes();
        out.push(b'+');
        out.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        out.extend_from_slice(b"\r\n");
        return;
    }
    if let Value::Number(n) = field("double") {
        let mut text = String::new();
        number::format_g(&mut text, n, 17);
        reply::bulk(out, text.as_bytes());
        return;
    }
    if let Value::String(text) = field("big_number") {
        let text: Vec<u8> = text
            .as_bytes()
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        reply::bulk(out, &text);
        return;
    }
    if let Value::Table(verbatim) = field("verbatim_string")
        && let (Ok(Value::String(_)), Ok(Value::String(text))) = (
            verbatim.raw_get::<Value>("format"),
            verbatim.raw_get::<Value>("string"),
        )
    {
        reply::bulk(out, &text.as_bytes());
        return;
    }
    if let Value::Table(map) = field("map") {
        let pairs: Vec<(Value, Value)> = map.pairs().filter_map(Result::ok).collect();
        reply::array(out, pairs.len() * 2);
        for (key, value) in &pairs {
            write_value(out, key, depth + 1, count_error);
            write_value(out, value, depth + 1, count_error);
        }
        return;
    }
    if let Value::Table(set) = field("set") {
        let members: Vec<Value> = set
            .pairs::<Value, Value>()
            .filter_map(|pair| pair.ok().map(|(key, _)| key))
            .collect();
        reply::array(out, members.len());
        for member in &members {
            write_value(out, member, depth + 1, count_error);
        }
        return;
    }
    // An array: elements 1, 2, ... up to the first nil. The header is written once the length
    // is known, as Redis's deferred length.
    let mut elements = Vec::new();
    for index in 1.. {
        match table.raw_get::<Value>(index) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(value) => elements.push(value),
        }
    }
    reply::array(out, elements.len());
    for element in &elements {
        write_value(out, element, depth + 1, count_error);
    }
}

/// A Lua number as Redis's `(long long)` cast gives it: truncated toward zero; what does not
/// fit (and NaN) is what x86's conversion gives, the smallest integer.
fn truncate(n: f64) -> i64 {
    if n.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        return i64::MIN;
    }
    n as i64
}
