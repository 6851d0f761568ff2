//! `cmsgpack`: MessagePack for scripts, as Redis ships it (lua-cmsgpack 0.4.0).
//!
//! `cmsgpack.pack(v1, v2, ...)` writes each value and concatenates them; `unpack(s)` reads
//! every value back (as multiple results), `unpack_one(s [, offset])` one and
//! `unpack_limit(s, limit [, offset])` up to `limit`, each first returning the offset to go
//! on from (-1 at the end). Numbers that are whole are written as the smallest integer
//! format, others as a float when a float holds them exactly, else a double; a table whose
//! keys are exactly 1..n is an array, any other a map; tables nested deeper than 16 are
//! written as nil, so a table that holds itself still packs.
//!
//! Redis counterpart: `deps/lua/src/lua_cmsgpack.c`.

use mlua::{Lua, MultiValue, Table, Value, Variadic};

use super::super::engine::{lua_number, raise_message};

/// Tables nested deeper than this are packed as nil (`LUACMSGPACK_MAX_NESTING`).
const MAX_NESTING: usize = 16;
/// Arrays and maps nested deeper than this are refused when unpacking: bounded recursion.
const UNPACK_NESTING: usize = 256;

/// The `cmsgpack` table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let cmsgpack = lua.create_table()?;
    cmsgpack.set(
        "pack",
        lua.create_function(|lua, args: Variadic<Value>| {
            if args.is_empty() {
                return Err(raise_message(
                    lua,
                    "bad argument #0 to 'pack' (MessagePack pack needs input.)",
                ));
            }
            let mut out = Vec::new();
            for arg in args.iter() {
                encode(arg, 0, &mut out);
            }
            lua.create_string(&out)
        })?,
    )?;
    cmsgpack.set(
        "unpack",
        lua.create_function(|lua, args: Variadic<Value>| unpack(lua, &args, "unpack", 0, 0))?,
    )?;
    cmsgpack.set(
        "unpack_one",
        lua.create_function(|lua, args: Variadic<Value>| {
            let offset = args.get(1).and_then(lua_number).unwrap_or(0.0) as i64;
            unpack(lua, &args, "unpack_one", 1, offset)
        })?,
    )?;
    cmsgpack.set(
        "unpack_limit",
        lua.create_function(|lua, args: Variadic<Value>| {
            let limit = args.get(1).and_then(lua_number).unwrap_or(0.0) as i64;
            let offset = args.get(2).and_then(lua_number).unwrap_or(0.0) as i64;
            unpack(lua, &args, "unpack_limit", limit, offset)
        })?,
    )?;
    cmsgpack.set("_NAME", "cmsgpack")?;
    cmsgpack.set("_VERSION", "lua-cmsgpack 0.4.0")?;
    cmsgpack.set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    cmsgpack.set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(cmsgpack)
}

fn encode(value: &Value, level: usize, out: &mut Vec<u8>) {
    match value {
        Value::String(s) => encode_bytes(&s.as_bytes(), out),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => encode_number(*n, out),
        Value::Integer(n) => encode_int(*n, out),
        Value::Table(table) if level < MAX_NESTING => encode_table(table, level, out),
        _ => out.push(0xc0),
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let len = bytes.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(bytes);
}

/// A number: an integer format when it is a whole number an `i64` holds, else a float when
/// one holds it exactly, else a double.
fn encode_number(n: f64, out: &mut Vec<u8>) {
    let whole = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n);
    if whole && (n as i64) as f64 == n {
        return encode_int(n as i64, out);
    }
    let f = n as f32;
    if f64::from(f) == n || n.is_nan() {
        out.push(0xca);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_header(n: usize, small: u8, wide: [u8; 2], out: &mut Vec<u8>) {
    if n <= 15 {
        out.push(small | n as u8);
    } else if n <= 0xffff {
        out.push(wide[0]);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(wide[1]);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// A table: an array if its keys are exactly 1..n (lua-cmsgpack's `table_is_an_array`),
/// else a map.
fn encode_table(table: &Table, level: usize, out: &mut Vec<u8>) {
    let pairs: Vec<(Value, Value)> = table.pairs().filter_map(Result::ok).collect();
    let (mut count, mut max) = (0i64, 0i64);
    let mut array = true;
    for (key, _) in &pairs {
        let n = match key {
            Value::Number(n) => *n,
            Value::Integer(n) => *n as f64,
            _ => {
                array = false;
                break;
            }
        };
        if n <= 0.0 || (n as i32) as f64 != n {
            array = false;
            break;
        }
        max = max.max(n as i64);
        count += 1;
    }
    if array && max == count {
        let len = table.raw_len();
        encode_header(len, 0x90, [0xdc, 0xdd], out);
        for index in 1..=len {
            let element = table.get::<Value>(index).unwrap_or(Value::Nil);
            encode(&element, level + 1, out);
        }
        return;
    }
    encode_header(pairs.len(), 0x80, [0xde, 0xdf], out);
    for (key, value) in &pairs {
        encode(key, level + 1, out);
        encode(value, level + 1, out);
    }
}

/// Why a value could not be read.
enum Bad {
    /// The input ends inside it.
    Missing,
    /// A byte that is no MessagePack type.
    Format,
}

/// `unpack`, `unpack_one`, `unpack_limit`: `limit` 0 and `offset` 0 read everything and
/// return only the values; otherwise the offset to go on from comes first.
fn unpack(
    lua: &Lua,
    args: &[Value],
    name: &str,
    limit: i64,
    offset: i64,
) -> mlua::Result<MultiValue> {
    let Some(Value::String(text)) = args.first() else {
        let got = args.first().map_or("no value", Value::type_name);
        return Err(raise_message(
            lua,
            &format!("bad argument #1 to '{name}' (string expected, got {got})"),
        ));
    };
    let bytes = text.as_bytes();
    let len = bytes.len() as i64;
    let all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return Err(raise_message(
            lua,
            &format!("Invalid request to unpack with offset of {offset} and limit of {len}."),
        ));
    }
    if offset > len {
        return Err(raise_message(
            lua,
            &format!("Start offset {offset} greater than input length {len}."),
        ));
    }
    let limit = if all { i64::MAX } else { limit };
    let mut at = offset as usize;
    let mut values = MultiValue::new();
    let mut count = 0;
    while at < bytes.len() && count < limit {
        match decode(lua, &bytes, &mut at, 0) {
            Ok(value) => values.push_back(value),
            Err(Bad::Missing) => return Err(raise_message(lua, "Missing bytes in input.")),
            Err(Bad::Format) => return Err(raise_message(lua, "Bad data format in input.")),
        }
        count += 1;
    }
    if !all {
        let next = if at >= bytes.len() { -1 } else { at as i64 };
        values.push_front(Value::Number(next as f64));
    }
    Ok(values)
}

fn take<'b>(bytes: &'b [u8], at: &mut usize, n: usize) -> Result<&'b [u8], Bad> {
    let slice = bytes
        .get(*at..at.checked_add(n).ok_or(Bad::Missing)?)
        .ok_or(Bad::Missing)?;
    *at += n;
    Ok(slice)
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |n, &b| (n << 8) | u64::from(b))
}

fn decode(lua: &Lua, bytes: &[u8], at: &mut usize, depth: usize) -> Result<Value, Bad> {
    let lua_err = |_| Bad::Format;
    let first = take(bytes, at, 1)?[0];
    let number = |n: f64| Ok(Value::Number(n));
    match first {
        0x00..=0x7f => number(f64::from(first)),
        0xe0..=0xff => number(f64::from(first as i8)),
        0xcc => number(be(take(bytes, at, 1)?) as f64),
        0xcd => number(be(take(bytes, at, 2)?) as f64),
        0xce => number(be(take(bytes, at, 4)?) as f64),
        0xcf => number(be(take(bytes, at, 8)?) as f64),
        0xd0 => number(f64::from(take(bytes, at, 1)?[0] as i8)),
        0xd1 => number(f64::from(be(take(bytes, at, 2)?) as u16 as i16)),
        0xd2 => number(f64::from(be(take(bytes, at, 4)?) as u32 as i32)),
        0xd3 => number(be(take(bytes, at, 8)?) as i64 as f64),
        0xc0 => Ok(Value::Nil),
        0xc3 => Ok(Value::Boolean(true)),
        0xc2 => Ok(Value::Boolean(false)),
        0xca => number(f64::from(f32::from_bits(be(take(bytes, at, 4)?) as u32))),
        0xcb => number(f64::from_bits(be(take(bytes, at, 8)?))),
        0xa0..=0xbf | 0xd9 | 0xda | 0xdb => {
            let len = match first {
                0xd9 => be(take(bytes, at, 1)?),
                0xda => be(take(bytes, at, 2)?),
                0xdb => be(take(bytes, at, 4)?),
                _ => u64::from(first & 0x1f),
            };
            let data = take(bytes, at, usize::try_from(len).map_err(|_| Bad::Missing)?)?;
            lua.create_string(data).map(Value::String).map_err(lua_err)
        }
        0x90..=0x9f | 0xdc | 0xdd | 0x80..=0x8f | 0xde | 0xdf => {
            if depth >= UNPACK_NESTING {
                return Err(Bad::Format);
            }
            let map = matches!(first, 0x80..=0x8f | 0xde | 0xdf);
            let len = match first {
                0xdc | 0xde => be(take(bytes, at, 2)?),
                0xdd | 0xdf => be(take(bytes, at, 4)?),
                _ => u64::from(first & 0x0f),
            };
            // Each element takes at least one byte: the count is bounded by the input.
            let len = usize::try_from(len).map_err(|_| Bad::Missing)?;
            let table = lua
                .create_table_with_capacity(if map { 0 } else { len.min(bytes.len()) }, 0)
                .map_err(lua_err)?;
            for index in 1..=len {
                if map {
                    let key = decode(lua, bytes, at, depth + 1)?;
                    let value = decode(lua, bytes, at, depth + 1)?;
                    if !matches!(key, Value::Nil) {
                        table.raw_set(key, value).map_err(lua_err)?;
                    }
                } else {
                    let value = decode(lua, bytes, at, depth + 1)?;
                    table.raw_set(index, value).map_err(lua_err)?;
                }
            }
            Ok(Value::Table(table))
        }
        _ => Err(Bad::Format),
    }
}
