//! `cjson`: JSON for scripts, as Redis ships it (lua-cjson 2.1.0).
//!
//! `cjson.encode(value)` and `cjson.decode(text)`, with lua-cjson's rules, which scripts
//! written for Redis rely on: a table whose keys are all positive integers is an array (holes
//! are `null`; one too sparse is an error), any other table an object, an empty table `{}`;
//! numbers printed `%.14g`; `/` escaped as `\/`; `null` decodes to `cjson.null` (a light
//! userdata), not nil, so that it survives in a table. The settings functions
//! (`encode_max_depth`, `decode_max_depth`, `encode_invalid_numbers`, ...) change the VM's
//! settings and answer the current values.
//!
//! Redis counterpart: `deps/lua/src/lua_cjson.c`.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{LightUserData, Lua, Table, Value, Variadic};

use super::super::convert::lua_number_text;
use super::super::engine::{lua_number, raise_message};

/// The settings a script can change, for the life of the VM.
#[derive(Debug, Clone, Copy)]
struct Settings {
    encode_max_depth: i64,
    decode_max_depth: i64,
    /// 0: NaN and infinities are an error; 1: written `nan`, `inf`; 2: written `null`.
    encode_invalid_numbers: u8,
    decode_invalid_numbers: bool,
    sparse_convert: bool,
    sparse_ratio: i64,
    sparse_safe: i64,
    keep_buffer: bool,
    precision: i64,
}

const DEFAULTS: Settings = Settings {
    encode_max_depth: 1000,
    decode_max_depth: 1000,
    encode_invalid_numbers: 0,
    decode_invalid_numbers: true,
    sparse_convert: false,
    sparse_ratio: 2,
    sparse_safe: 10,
    keep_buffer: true,
    precision: 14,
};

/// `cjson.null`: the light userdata whose pointer is NULL.
fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

/// The `cjson` table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let cjson = lua.create_table()?;
    let settings = Rc::new(Cell::new(DEFAULTS));
    let current = settings.clone();
    cjson.set(
        "encode",
        lua.create_function(move |lua, args: Variadic<Value>| {
            if args.len() != 1 {
                return Err(raise_message(
                    lua,
                    "bad argument #1 to 'encode' (expected 1 argument)",
                ));
            }
            let mut out = Vec::new();
            let encoder = Encoder {
                settings: current.get(),
            };
            match encoder.value(lua, &args[0], 0, &mut out) {
                Ok(()) => lua.create_string(&out),
                Err(message) => Err(raise_message(lua, &message)),
            }
        })?,
    )?;
    let current = settings.clone();
    cjson.set(
        "decode",
        lua.create_function(move |lua, args: Variadic<Value>| {
            let text = match args.as_slice() {
                [Value::String(text)] => text.as_bytes().to_vec(),
                [Value::Number(n)] => lua_number_text(*n).into_bytes(),
                [Value::Integer(n)] => lua_number_text(*n as f64).into_bytes(),
                [_] => {
                    let got = args[0].type_name();
                    let message =
                        format!("bad argument #1 to 'decode' (string expected, got {got})");
                    return Err(raise_message(lua, &message));
                }
                _ => {
                    return Err(raise_message(
                        lua,
                        "bad argument #1 to 'decode' (expected 1 argument)",
                    ));
                }
            };
            let mut decoder = Decoder {
                text: &text,
                at: 0,
                depth: 0,
                settings: current.get(),
            };
            decoder
                .document(lua)
                .map_err(|message| raise_message(lua, &message))
        })?,
    )?;
    cjson.set("null", null())?;
    cjson.set("_NAME", "cjson")?;
    cjson.set("_VERSION", "2.1.0")?;
    setting(lua, &cjson, &settings, "encode_max_depth", |s| {
        &mut s.encode_max_depth
    })?;
    setting(lua, &cjson, &settings, "decode_max_depth", |s| {
        &mut s.decode_max_depth
    })?;
    setting(lua, &cjson, &settings, "encode_number_precision", |s| {
        &mut s.precision
    })?;
    switch(lua, &cjson, &settings, "encode_keep_buffer", |s| {
        &mut s.keep_buffer
    })?;
    switch(lua, &cjson, &settings, "decode_invalid_numbers", |s| {
        &mut s.decode_invalid_numbers
    })?;
    let current = settings.clone();
    cjson.set(
        "encode_invalid_numbers",
        lua.create_function(move |lua, args: Variadic<Value>| {
            let mut s = current.get();
            match args.first() {
                Some(Value::Boolean(on)) => s.encode_invalid_numbers = u8::from(*on),
                Some(Value::String(text)) if &*text.as_bytes() == b"null" => {
                    s.encode_invalid_numbers = 2;
                }
                _ => {}
            }
            current.set(s);
            Ok(match s.encode_invalid_numbers {
                0 => Value::Boolean(false),
                1 => Value::Boolean(true),
                _ => Value::String(lua.create_string("null")?),
            })
        })?,
    )?;
    let current = settings;
    cjson.set(
        "encode_sparse_array",
        lua.create_function(move |_, args: Variadic<Value>| {
            let mut s = current.get();
            if let Some(Value::Boolean(on)) = args.first() {
                s.sparse_convert = *on;
            }
            if let Some(ratio) = args.get(1).and_then(lua_number) {
                s.sparse_ratio = ratio as i64;
            }
            if let Some(safe) = args.get(2).and_then(lua_number) {
                s.sparse_safe = safe as i64;
            }
            current.set(s);
            Ok((s.sparse_convert, s.sparse_ratio, s.sparse_safe))
        })?,
    )?;
    Ok(cjson)
}

/// A setting that is on or off: `cjson.name(true)` sets it, `cjson.name()` reads it.
fn switch(
    lua: &Lua,
    cjson: &Table,
    settings: &Rc<Cell<Settings>>,
    name: &'static str,
    field: fn(&mut Settings) -> &mut bool,
) -> mlua::Result<()> {
    let current = settings.clone();
    cjson.set(
        name,
        lua.create_function(move |_, args: Variadic<Value>| {
            let mut s = current.get();
            if let Some(Value::Boolean(on)) = args.first() {
                *field(&mut s) = *on;
            }
            current.set(s);
            Ok(*field(&mut s))
        })?,
    )?;
    Ok(())
}

/// A numeric setting: `cjson.name(n)` sets it (1 and up), `cjson.name()` reads it.
fn setting(
    lua: &Lua,
    cjson: &Table,
    settings: &Rc<Cell<Settings>>,
    name: &'static str,
    field: fn(&mut Settings) -> &mut i64,
) -> mlua::Result<()> {
    let current = settings.clone();
    cjson.set(
        name,
        lua.create_function(move |lua, args: Variadic<Value>| {
            let mut s = current.get();
            if let Some(value) = args.first().and_then(lua_number) {
                if value < 1.0 {
                    let message = format!(
                        "bad argument #1 to '{name}' (expected integer between 1 and 2147483647)"
                    );
                    return Err(raise_message(lua, &message));
                }
                *field(&mut s) = value as i64;
            }
            current.set(s);
            Ok(*field(&mut s))
        })?,
    )?;
    Ok(())
}

struct Encoder {
    settings: Settings,
}

impl Encoder {
    fn value(&self, lua: &Lua, value: &Value, depth: i64, out: &mut Vec<u8>) -> Result<(), String> {
        match value {
            Value::String(s) => string(&s.as_bytes(), out),
            Value::Number(n) => self.number(*n, "number", out)?,
            Value::Integer(n) => self.number(*n as f64, "number", out)?,
            Value::Boolean(true) => out.extend_from_slice(b"true"),
            Value::Boolean(false) => out.extend_from_slice(b"false"),
            Value::Nil => out.extend_from_slice(b"null"),
            Value::LightUserData(data) if data.0.is_null() => out.extend_from_slice(b"null"),
            Value::Table(table) => {
                let depth = depth + 1;
                if depth > self.settings.encode_max_depth {
                    return Err(format!("Cannot serialise, excessive nesting ({depth})"));
                }
                match self.array_length(table)? {
                    Some(len) if len > 0 => {
                        out.push(b'[');
                        for index in 1..=len {
                            if index > 1 {
                                out.push(b',');
                            }
                            let element = table.raw_get::<Value>(index).unwrap_or(Value::Nil);
                            self.value(lua, &element, depth, out)?;
                        }
                        out.push(b']');
                    }
                    _ => self.object(lua, table, depth, out)?,
                }
            }
            other => {
                return Err(format!(
                    "Cannot serialise {}: type not supported",
                    other.type_name()
                ));
            }
        }
        Ok(())
    }

    fn number(&self, n: f64, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
        if n.is_nan() || n.is_infinite() {
            match self.settings.encode_invalid_numbers {
                0 => return Err(format!("Cannot serialise {what}: must not be NaN or Inf")),
                1 if n.is_nan() => {
                    out.extend_from_slice(b"nan");
                    return Ok(());
                }
                1 => {}
                _ => {
                    out.extend_from_slice(b"null");
                    return Ok(());
                }
            }
        }
        let mut text = String::new();
        crate::resp::number::format_g(&mut text, n, self.settings.precision.clamp(1, 17) as usize);
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// The table's length as an array (its largest key), `None` if it is an object.
    fn array_length(&self, table: &Table) -> Result<Option<i64>, String> {
        let (mut max, mut items) = (0i64, 0i64);
        for pair in table.pairs::<Value, Value>() {
            let (key, _) = pair.map_err(|e| e.to_string())?;
            let k = match key {
                Value::Number(k) => k,
                Value::Integer(k) => k as f64,
                _ => return Ok(None),
            };
            if k.floor() != k || k < 1.0 {
                return Ok(None);
            }
            max = max.max(k as i64);
            items += 1;
        }
        let s = &self.settings;
        if s.sparse_ratio > 0 && max > items * s.sparse_ratio && max > s.sparse_safe {
            if !s.sparse_convert {
                return Err("Cannot serialise table: excessively sparse array".to_string());
            }
            return Ok(None);
        }
        Ok(Some(max))
    }

    fn object(
        &self,
        lua: &Lua,
        table: &Table,
        depth: i64,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        out.push(b'{');
        let mut first = true;
        for pair in table.pairs::<Value, Value>() {
            let (key, value) = pair.map_err(|e| e.to_string())?;
            if !first {
                out.push(b',');
            }
            first = false;
            match &key {
                Value::Number(n) => {
                    out.push(b'"');
                    self.number(*n, "number", out)?;
                    out.extend_from_slice(b"\":");
                }
                Value::Integer(n) => {
                    out.push(b'"');
                    self.number(*n as f64, "number", out)?;
                    out.extend_from_slice(b"\":");
                }
                Value::String(s) => {
                    string(&s.as_bytes(), out);
                    out.push(b':');
                }
                other => {
                    return Err(format!(
                        "Cannot serialise {}: table key must be a number or string",
                        other.type_name()
                    ));
                }
            }
            self.value(lua, &value, depth, out)?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// A JSON string with lua-cjson's escapes (`/` too, and DEL as `\u007f`).
fn string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

struct Decoder<'t> {
    text: &'t [u8],
    at: usize,
    depth: i64,
    settings: Settings,
}

/// A token's name in lua-cjson's messages.
enum Found {
    Name(&'static str),
    Error(&'static str),
}

impl Decoder<'_> {
    fn document(&mut self, lua: &Lua) -> Result<Value, String> {
        if self.text.len() >= 2 && (self.text[0] == 0 || self.text[1] == 0) {
            return Err("JSON parser does not support UTF-16 or UTF-32".to_string());
        }
        let value = self.value(lua)?;
        self.skip_space();
        if self.at < self.text.len() && self.text[self.at] != 0 {
            let found = self.peek_name();
            return Err(self.expected("the end", self.at, found));
        }
        Ok(value)
    }

    fn skip_space(&mut self) {
        while matches!(self.text.get(self.at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.at += 1;
        }
    }

    fn expected(&self, what: &str, at: usize, found: Found) -> String {
        let found = match found {
            Found::Name(name) | Found::Error(name) => name,
        };
        format!("Expected {what} but found {found} at character {}", at + 1)
    }

    /// What the next token is, for an error message.
    fn peek_name(&self) -> Found {
        match self.text.get(self.at) {
            None | Some(0) => Found::Name("T_END"),
            Some(b'{') => Found::Name("T_OBJ_BEGIN"),
            Some(b'}') => Found::Name("T_OBJ_END"),
            Some(b'[') => Found::Name("T_ARR_BEGIN"),
            Some(b']') => Found::Name("T_ARR_END"),
            Some(b':') => Found::Name("T_COLON"),
            Some(b',') => Found::Name("T_COMMA"),
            Some(b'"') => Found::Name("T_STRING"),
            Some(b'-' | b'0'..=b'9') => Found::Name("T_NUMBER"),
            _ if self.text[self.at..].starts_with(b"true") => Found::Name("T_BOOLEAN"),
            _ if self.text[self.at..].starts_with(b"false") => Found::Name("T_BOOLEAN"),
            _ if self.text[self.at..].starts_with(b"null") => Found::Name("T_NULL"),
            _ => Found::Error("invalid token"),
        }
    }

    fn descend(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > self.settings.decode_max_depth {
            return Err(format!(
                "Found too many nested data structures ({}) at character {}",
                self.depth, self.at
            ));
        }
        Ok(())
    }

    fn value(&mut self, lua: &Lua) -> Result<Value, String> {
        self.skip_space();
        let start = self.at;
        let rest = &self.text[self.at.min(self.text.len())..];
        match rest.first() {
            Some(b'{') => {
                self.at += 1;
                self.object(lua)
            }
            Some(b'[') => {
                self.at += 1;
                self.array(lua)
            }
            Some(b'"') => {
                let bytes = self.string()?;
                lua.create_string(&bytes)
                    .map(Value::String)
                    .map_err(|e| e.to_string())
            }
            _ if rest.starts_with(b"true") => {
                self.at += 4;
                Ok(Value::Boolean(true))
            }
            _ if rest.starts_with(b"false") => {
                self.at += 5;
                Ok(Value::Boolean(false))
            }
            _ if rest.starts_with(b"null") => {
                self.at += 4;
                Ok(null())
            }
            Some(b'-' | b'0'..=b'9' | b'+' | b'i' | b'I' | b'n' | b'N')
                if self.looks_numeric(rest) =>
            {
                match self.number() {
                    Some(n) => Ok(Value::Number(n)),
                    None => Err(self.expected("value", start, Found::Error("invalid number"))),
                }
            }
            _ => {
                let found = self.peek_name();
                Err(self.expected("value", start, found))
            }
        }
    }

    /// Whether the text at a number's first character is read as one: a digit or `-`
    /// always; `+`, `inf` and `nan` only with `decode_invalid_numbers` (lua-cjson's
    /// `json_is_invalid_number`); anything else is an invalid token.
    fn looks_numeric(&self, rest: &[u8]) -> bool {
        match rest.first() {
            Some(b'-' | b'0'..=b'9') => true,
            Some(b'+') => self.settings.decode_invalid_numbers,
            _ => {
                let word = rest.get(..3).unwrap_or_default();
                self.settings.decode_invalid_numbers
                    && (word.eq_ignore_ascii_case(b"inf") || word.eq_ignore_ascii_case(b"nan"))
            }
        }
    }

    /// A number as lua-cjson reads one (with `decode_invalid_numbers`, Redis's default: hex,
    /// `inf`, `nan`, a leading `+` or zero too).
    fn number(&mut self) -> Option<f64> {
        let rest = &self.text[self.at..];
        let invalid = self.settings.decode_invalid_numbers;
        let (negative, body) = match rest.first() {
            Some(b'-') => (true, &rest[1..]),
            Some(b'+') if invalid => (false, &rest[1..]),
            _ => (false, rest),
        };
        let sign = if negative { -1.0 } else { 1.0 };
        let skip = rest.len() - body.len();
        let lower: Vec<u8> = body.iter().take(3).map(u8::to_ascii_lowercase).collect();
        if invalid && (lower == b"inf" || lower == b"nan") {
            let word = if body.len() >= 8 && body[..8].eq_ignore_ascii_case(b"infinity") {
                8
            } else {
                3
            };
            self.at += skip + word;
            return Some(if lower == b"inf" {
                sign * f64::INFINITY
            } else {
                f64::NAN
            });
        }
        if invalid && body.len() > 1 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            let digits = body[2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if digits == 0 {
                return None;
            }
            let text = std::str::from_utf8(&body[2..2 + digits]).ok()?;
            let value = u64::from_str_radix(text, 16).map_or(f64::INFINITY, |v| v as f64);
            self.at += skip + 2 + digits;
            return Some(sign * value);
        }
        if !invalid && body.len() > 1 && body[0] == b'0' && body[1].is_ascii_digit() {
            return None;
        }
        let mut end = 0;
        let digits = |from: usize| {
            body[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        end += digits(0);
        if body.get(end) == Some(&b'.') {
            end += 1 + digits(end + 1);
        }
        if end == 0 || (end == 1 && body[0] == b'.') {
            return None;
        }
        if matches!(body.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(body.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            let n = digits(exp);
            if n > 0 {
                end = exp + n;
            }
        }
        let value: f64 = std::str::from_utf8(&body[..end]).ok()?.parse().ok()?;
        self.at += skip + end;
        Some(sign * value)
    }

    fn string(&mut self) -> Result<Vec<u8>, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.text.get(self.at) else {
                return Err(self.expected(
                    "value",
                    self.at,
                    Found::Error("unexpected end of string"),
                ));
            };
            self.at += 1;
            match b {
                b'"' => return Ok(out),
                0 => {
                    return Err(self.expected(
                        "value",
                        self.at,
                        Found::Error("unexpected end of string"),
                    ));
                }
                b'\\' => {
                    let Some(&escape) = self.text.get(self.at) else {
                        return Err(self.expected(
                            "value",
                            self.at,
                            Found::Error("unexpected end of string"),
                        ));
                    };
                    self.at += 1;
                    match escape {
                        b'"' | b'\\' | b'/' => out.push(escape),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(code) = self.unicode_escape() else {
                                return Err(self.expected(
                                    "value",
                                    self.at,
                                    Found::Error("invalid unicode escape code"),
                                ));
                            };
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(code.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            return Err(self.expected(
                                "value",
                                self.at,
                                Found::Error("invalid escape code"),
                            ));
                        }
                    }
                }
                _ => out.push(b),
            }
        }
    }

    /// The code point of `\uXXXX` (the `\u` read), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let hex = |at: usize| -> Option<u32> {
            let text = std::str::from_utf8(self.text.get(at..at + 4)?).ok()?;
            u32::from_str_radix(text, 16).ok()
        };
        let first = hex(self.at)?;
        self.at += 4;
        if (0xDC00..0xE000).contains(&first) {
            return None;
        }
        if (0xD800..0xDC00).contains(&first) {
            if self.text.get(self.at..self.at + 2) != Some(b"\\u") {
                return None;
            }
            let second = hex(self.at + 2)?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            self.at += 6;
            return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
        }
        char::from_u32(first)
    }

    fn object(&mut self, lua: &Lua) -> Result<Value, String> {
        self.descend()?;
        let table = lua.create_table().map_err(|e| e.to_string())?;
        self.skip_space();
        if self.text.get(self.at) == Some(&b'}') {
            self.at += 1;
            self.depth -= 1;
            return Ok(Value::Table(table));
        }
        loop {
            self.skip_space();
            if self.text.get(self.at) != Some(&b'"') {
                let found = self.peek_name();
                return Err(self.expected("object key string", self.at, found));
            }
            let key = self.string()?;
            self.skip_space();
            if self.text.get(self.at) != Some(&b':') {
                let found = self.peek_name();
                return Err(self.expected("colon", self.at, found));
            }
            self.at += 1;
            let value = self.value(lua)?;
            let key = lua.create_string(&key).map_err(|e| e.to_string())?;
            table.raw_set(key, value).map_err(|e| e.to_string())?;
            self.skip_space();
            match self.text.get(self.at) {
                Some(b'}') => {
                    self.at += 1;
                    self.depth -= 1;
                    return Ok(Value::Table(table));
                }
                Some(b',') => self.at += 1,
                _ => {
                    let found = self.peek_name();
                    return Err(self.expected("comma or object end", self.at, found));
                }
            }
        }
    }

    fn array(&mut self, lua: &Lua) -> Result<Value, String> {
        self.descend()?;
        let table = lua.create_table().map_err(|e| e.to_string())?;
        self.skip_space();
        if self.text.get(self.at) == Some(&b']') {
            self.at += 1;
            self.depth -= 1;
            return Ok(Value::Table(table));
        }
        let mut index = 1i64;
        loop {
            let value = self.value(lua)?;
            table.raw_set(index, value).map_err(|e| e.to_string())?;
            index += 1;
            self.skip_space();
            match self.text.get(self.at) {
                Some(b']') => {
                    self.at += 1;
                    self.depth -= 1;
                    return Ok(Value::Table(table));
                }
                Some(b',') => self.at += 1,
                _ => {
                    let found = self.peek_name();
                    return Err(self.expected("comma or array end", self.at, found));
                }
            }
        }
    }
}
