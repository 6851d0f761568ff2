//! `struct`: binary packing for scripts, as Redis ships it (Roberto Ierusalimschy's
//! `struct` library).
//!
//! `struct.pack(fmt, ...)`, `struct.unpack(fmt, s [, pos])` (the values, then the position
//! after them) and `struct.size(fmt)`. A format is a string of options: `<` `>` little or big
//! endian (little is the native order here), `!n` the alignment, `b B h H l L T i[n] I[n]`
//! signed and unsigned integers of 1, 2, 8, 8, 4 (or n) bytes, `f d` float and double, `x` a
//! zero byte, `c[n]` n bytes of a string (`c0`: all of it when packing, the length given by
//! the previous value when unpacking), `s` a zero-terminated string.
//!
//! Redis counterpart: `deps/lua/src/lua_struct.c`.

use mlua::{Lua, MultiValue, Table, Value, Variadic};

use super::super::engine::{lua_number, raise_message};

/// The largest integer size (`MAXINTSIZE`).
const MAX_INT_SIZE: usize = 32;
/// The default alignment of `!` (`MAXALIGN` on x86-64).
const MAX_ALIGN: usize = 8;

/// The `struct` table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let lib = lua.create_table()?;
    lib.set(
        "pack",
        lua.create_function(|lua, args: Variadic<Value>| pack(lua, &args))?,
    )?;
    lib.set(
        "unpack",
        lua.create_function(|lua, args: Variadic<Value>| unpack(lua, &args))?,
    )?;
    lib.set(
        "size",
        lua.create_function(|lua, args: Variadic<Value>| size(lua, &args))?,
    )?;
    Ok(lib)
}

/// The format and where it is read, with the options in force.
struct Format<'f> {
    fmt: &'f [u8],
    at: usize,
    little: bool,
    align: usize,
}

/// `bad argument #n to 'name' (message)`, where the script called it.
fn bad(lua: &Lua, n: usize, name: &str, message: &str) -> mlua::Error {
    raise_message(lua, &format!("bad argument #{n} to '{name}' ({message})"))
}

fn expected(lua: &Lua, args: &[Value], n: usize, name: &str, what: &str) -> mlua::Error {
    let got = args.get(n - 1).map_or("no value", Value::type_name);
    bad(lua, n, name, &format!("{what} expected, got {got}"))
}

fn string_arg(lua: &Lua, args: &[Value], n: usize, name: &str) -> mlua::Result<Vec<u8>> {
    match args.get(n - 1) {
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(v @ (Value::Number(_) | Value::Integer(_))) => {
            Ok(super::super::engine::lua_text(v).unwrap_or_default())
        }
        _ => Err(expected(lua, args, n, name, "string")),
    }
}

impl Format<'_> {
    fn number(&mut self, lua: &Lua, default: usize) -> mlua::Result<usize> {
        if !self.fmt.get(self.at).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut n: usize = 0;
        while let Some(&d) = self.fmt.get(self.at).filter(|d| d.is_ascii_digit()) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(usize::from(d - b'0')))
                .filter(|&n| n <= i32::MAX as usize)
                .ok_or_else(|| raise_message(lua, "integral size overflow"))?;
            self.at += 1;
        }
        Ok(n)
    }

    /// The size of option `opt` (reading its digits), 0 for the control options.
    fn size(&mut self, lua: &Lua, opt: u8) -> mlua::Result<usize> {
        Ok(match opt {
            b'B' | b'b' | b'x' => 1,
            b'H' | b'h' => 2,
            b'L' | b'l' | b'T' | b'd' => 8,
            b'f' => 4,
            b'c' => self.number(lua, 1)?,
            b'i' | b'I' => {
                let size = self.number(lua, 4)?;
                if size > MAX_INT_SIZE {
                    return Err(raise_message(
                        lua,
                        &format!("integral size {size} is larger than limit of {MAX_INT_SIZE}"),
                    ));
                }
                size
            }
            _ => 0,
        })
    }

    /// Padding before an option of `size` at `len` (`gettoalign`).
    fn padding(&self, len: usize, opt: u8, size: usize) -> usize {
        if size == 0 || opt == b'c' {
            return 0;
        }
        let size = size.min(self.align);
        (size - (len & (size - 1))) & (size - 1)
    }

    /// The options that only change how the rest is read.
    fn control(&mut self, lua: &Lua, opt: u8, name: &str) -> mlua::Result<()> {
        match opt {
            b' ' => {}
            b'>' => self.little = false,
            b'<' => self.little = true,
            b'!' => {
                let align = self.number(lua, MAX_ALIGN)?;
                if !align.is_power_of_two() {
                    return Err(raise_message(
                        lua,
                        &format!("alignment {align} is not a power of 2"),
                    ));
                }
                self.align = align;
            }
            _ => {
                let message = format!("invalid format option '{}'", char::from(opt));
                return Err(bad(lua, 1, name, &message));
            }
        }
        Ok(())
    }
}

fn format<'f>(fmt: &'f [u8]) -> Format<'f> {
    Format {
        fmt,
        at: 0,
        little: true,
        align: 1,
    }
}

fn pack(lua: &Lua, args: &[Value]) -> mlua::Result<mlua::LuaString> {
    let fmt = string_arg(lua, args, 1, "pack")?;
    let mut f = format(&fmt);
    let mut out: Vec<u8> = Vec::new();
    let mut arg = 2;
    while let Some(&opt) = f.fmt.get(f.at) {
        f.at += 1;
        let mut size = f.size(lua, opt)?;
        let pad = f.padding(out.len(), opt, size);
        out.resize(out.len() + pad, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let Some(n) = args.get(arg - 1).and_then(lua_number) else {
                    return Err(expected(lua, args, arg, "pack", "number"));
                };
                arg += 1;
                let mut value = if n < 0.0 { n as i64 as u64 } else { n as u64 };
                let mut bytes = vec![0u8; size];
                for i in 0..size {
                    let at = if f.little { i } else { size - 1 - i };
                    bytes[at] = (value & 0xff) as u8;
                    value = value.checked_shr(8).unwrap_or(0);
                }
                out.extend_from_slice(&bytes);
            }
            b'x' => out.push(0),
            b'f' | b'd' => {
                let Some(n) = args.get(arg - 1).and_then(lua_number) else {
                    return Err(expected(lua, args, arg, "pack", "number"));
                };
                arg += 1;
                let mut bytes = if opt == b'f' {
                    (n as f32).to_le_bytes().to_vec()
                } else {
                    n.to_le_bytes().to_vec()
                };
                if !f.little {
                    bytes.reverse();
                }
                out.extend_from_slice(&bytes);
            }
            b'c' | b's' => {
                let s = string_arg(lua, args, arg, "pack")?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    return Err(bad(lua, arg, "pack", "string too short"));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => f.control(lua, opt, "pack")?,
        }
    }
    lua.create_string(&out)
}

fn unpack(lua: &Lua, args: &[Value]) -> mlua::Result<MultiValue> {
    let fmt = string_arg(lua, args, 1, "unpack")?;
    let data = string_arg(lua, args, 2, "unpack")?;
    let start = match args.get(2) {
        None | Some(Value::Nil) => 1.0,
        Some(v) => lua_number(v).ok_or_else(|| expected(lua, args, 3, "unpack", "number"))?,
    };
    if start < 1.0 {
        return Err(bad(lua, 3, "unpack", "offset must be 1 or greater"));
    }
    let mut pos = start as usize - 1;
    let mut f = format(&fmt);
    let mut values = MultiValue::new();
    let too_short = |lua: &Lua| bad(lua, 2, "unpack", "data string too short");
    while let Some(&opt) = f.fmt.get(f.at) {
        f.at += 1;
        let mut size = f.size(lua, opt)?;
        pos += f.padding(pos, opt, size);
        if size > data.len() || pos > data.len() - size {
            return Err(too_short(lua));
        }
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let bytes = &data[pos..pos + size];
                let mut value: u64 = 0;
                for i in 0..size {
                    let byte = if f.little {
                        bytes[size - 1 - i]
                    } else {
                        bytes[i]
                    };
                    value = value.checked_shl(8).unwrap_or(0) | u64::from(byte);
                }
                let n = if opt.is_ascii_lowercase() {
                    let mask = u64::MAX
                        .checked_shl((size * 8).saturating_sub(1) as u32)
                        .unwrap_or(0);
                    if value & mask != 0 {
                        value |= mask;
                    }
                    value as i64 as f64
                } else {
                    value as f64
                };
                values.push_back(Value::Number(n));
            }
            b'x' => {}
            b'f' | b'd' => {
                let mut bytes = data[pos..pos + size].to_vec();
                if !f.little {
                    bytes.reverse();
                }
                let n = if opt == b'f' {
                    f64::from(f32::from_le_bytes(bytes.try_into().unwrap_or_default()))
                } else {
                    f64::from_le_bytes(bytes.try_into().unwrap_or_default())
                };
                values.push_back(Value::Number(n));
            }
            b'c' => {
                if size == 0 {
                    let previous = values.back().and_then(lua_number);
                    let Some(previous) = previous else {
                        return Err(raise_message(lua, "format 'c0' needs a previous size"));
                    };
                    values.pop_back();
                    size = previous.max(0.0) as usize;
                    if size > data.len() || pos > data.len() - size {
                        return Err(too_short(lua));
                    }
                }
                values.push_back(Value::String(lua.create_string(&data[pos..pos + size])?));
            }
            b's' => {
                let Some(end) = data[pos..].iter().position(|&b| b == 0) else {
                    return Err(raise_message(lua, "unfinished string in data"));
                };
                size = end + 1;
                values.push_back(Value::String(lua.create_string(&data[pos..pos + end])?));
            }
            _ => f.control(lua, opt, "unpack")?,
        }
        pos += size;
    }
    values.push_back(Value::Number((pos + 1) as f64));
    Ok(values)
}

fn size(lua: &Lua, args: &[Value]) -> mlua::Result<f64> {
    let fmt = string_arg(lua, args, 1, "size")?;
    let mut f = format(&fmt);
    let mut pos = 0;
    while let Some(&opt) = f.fmt.get(f.at) {
        f.at += 1;
        let size = f.size(lua, opt)?;
        pos += f.padding(pos, opt, size);
        if opt == b's' {
            return Err(bad(lua, 1, "size", "option 's' has no fixed size"));
        }
        if opt == b'c' && size == 0 {
            return Err(bad(lua, 1, "size", "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            f.control(lua, opt, "size")?;
        }
        pos += size;
    }
    Ok(pos as f64)
}
