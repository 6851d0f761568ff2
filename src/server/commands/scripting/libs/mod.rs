//! The libraries Redis ships to scripts beside Lua's own: written in Rust here (Redis links
//! their C sources into its Lua; binding C code needs `unsafe`), with their behaviour and
//! their error texts, so that scripts written for Redis run unchanged.
//!
//! | module | library |
//! | --- | --- |
//! | [`bit`] | `bit`: LuaBitOp's bitwise operations on 32-bit integers |
//! | [`cjson`] | `cjson`: JSON encode and decode, lua-cjson's rules |
//! | [`cmsgpack`] | `cmsgpack`: MessagePack pack and unpack |
//! | [`lstruct`] | `struct`: binary pack, unpack and size by a format string |
//!
//! Each is installed as a global before the sandbox is built (`install`), which then gives
//! scripts a read-only view of it.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod lstruct;

use mlua::Lua;

/// Put every library in the VM's globals.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.raw_set("bit", bit::library(lua)?)?;
    globals.raw_set("cjson", cjson::library(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack::library(lua)?)?;
    globals.raw_set("struct", lstruct::library(lua)?)?;
    Ok(())
}
