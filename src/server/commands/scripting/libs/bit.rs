//! `bit`: LuaBitOp 1.0.2, the bitwise operations on 32-bit integers Redis ships to scripts.
//!
//! Every argument is first normalised as LuaBitOp does (`tobit`): the Lua number rounded to
//! an integer and wrapped into a signed 32-bit value, by adding 2^52 + 2^51 to the double and
//! keeping the low 32 bits of its representation, so that `bit.tobit(2^32 + 1)` is 1 on every
//! platform. Results are Lua numbers again.
//!
//! Redis counterpart: `deps/lua/src/lua_bit.c` (with Redis's fix for `tohex(x, INT32_MIN)`).

use mlua::{Lua, Table, Value, Variadic};

use super::super::engine::{lua_number, raise_message};

/// LuaBitOp's normalisation of a number to a signed 32-bit integer.
fn tobit(n: f64) -> i32 {
    (n + 6_755_399_441_055_744.0).to_bits() as u32 as i32
}

/// Argument `at` (1-based in messages) as a bit field, or Lua's "number expected" error.
fn arg(lua: &Lua, args: &[Value], at: usize, name: &str) -> mlua::Result<i32> {
    match args.get(at).and_then(lua_number) {
        Some(n) => Ok(tobit(n)),
        None => {
            let got = args.get(at).map_or("no value", Value::type_name);
            let message = format!(
                "bad argument #{} to '{name}' (number expected, got {got})",
                at + 1
            );
            Err(raise_message(lua, &message))
        }
    }
}

/// The `bit` table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let bit = lua.create_table()?;
    bit.set(
        "tobit",
        lua.create_function(|lua, args: Variadic<Value>| {
            Ok(f64::from(arg(lua, &args, 0, "tobit")?))
        })?,
    )?;
    bit.set(
        "bnot",
        lua.create_function(|lua, args: Variadic<Value>| {
            Ok(f64::from(!arg(lua, &args, 0, "bnot")?))
        })?,
    )?;
    for (name, op) in [
        ("band", (|a, b| a & b) as fn(i32, i32) -> i32),
        ("bor", |a, b| a | b),
        ("bxor", |a, b| a ^ b),
    ] {
        bit.set(
            name,
            lua.create_function(move |lua, args: Variadic<Value>| {
                let mut result = arg(lua, &args, 0, name)?;
                for at in 1..args.len() {
                    result = op(result, arg(lua, &args, at, name)?);
                }
                Ok(f64::from(result))
            })?,
        )?;
    }
    for (name, op) in [
        ("lshift", (|x: u32, n: u32| x << n) as fn(u32, u32) -> u32),
        ("rshift", |x, n| x >> n),
        ("arshift", |x, n| ((x as i32) >> n) as u32),
        ("rol", |x, n| x.rotate_left(n)),
        ("ror", |x, n| x.rotate_right(n)),
    ] {
        bit.set(
            name,
            lua.create_function(move |lua, args: Variadic<Value>| {
                let x = arg(lua, &args, 0, name)? as u32;
                let n = (arg(lua, &args, 1, name)? & 31) as u32;
                Ok(f64::from(op(x, n) as i32))
            })?,
        )?;
    }
    bit.set(
        "bswap",
        lua.create_function(|lua, args: Variadic<Value>| {
            Ok(f64::from(arg(lua, &args, 0, "bswap")?.swap_bytes()))
        })?,
    )?;
    bit.set(
        "tohex",
        lua.create_function(|lua, args: Variadic<Value>| {
            let x = arg(lua, &args, 0, "tohex")? as u32;
            let mut n = if args.len() > 1 {
                arg(lua, &args, 1, "tohex")?
            } else {
                8
            };
            // Redis's fix: -INT32_MIN does not exist.
            if n == i32::MIN {
                n = i32::MIN + 1;
            }
            let upper = n < 0;
            let n = n.unsigned_abs().min(8) as usize;
            let digits = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            Ok(digits[8 - n..].to_string())
        })?,
    )?;
    Ok(bit)
}
