//! Bitmap commands: a string read and written one bit at a time.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! SETBIT key offset 0|1                    :the bit's old value (the string grows, zero-filled)
//! GETBIT key offset                        :the bit (0 past the end, or for a missing key)
//! ```
//!
//! Bit 0 is the most significant bit of byte 0, as Redis numbers them (`bitops.c`), so
//! `SETBIT k 1 1` on a missing key makes the string `"@"` (0x40). A string that SETBIT edits
//! moves to the heap ([`Db::string_mut`]), as Redis makes an `embstr` a `raw` string. The
//! offset is checked before the value and the key, with Redis's texts: an offset whose byte
//! would pass `proto-max-bulk-len` is out of range, so SETBIT grows a string no further than
//! SETRANGE may.
//!
//! Redis counterpart: `bitops.c` (`setbitCommand`, `getbitCommand`,
//! `getBitOffsetFromArgument`).
//!
//! [`Db::string_mut`]: crate::server::keyspace::db::Db::string_mut

use crate::resp::Request;
use crate::resp::number::parse_i64;
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{WrongType, read_as};
use crate::server::spec::KeySpec;

#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("setbit", 4, &["write", "denyoom"], setbit).acl(&["bitmap"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("getbit", 3, &["readonly", "fast"], getbit).acl(&["bitmap"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
];

const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_BIT: &str = "ERR bit is not an integer or out of range";

/// The bit offset argument, as Redis's `getBitOffsetFromArgument`: a non-negative integer
/// whose byte lies below `proto-max-bulk-len`.
fn bit_offset(exec: &Exec<'_, '_>, arg: &[u8]) -> Option<u64> {
    let offset = u64::try_from(parse_i64(arg)?).ok()?;
    let max = u64::try_from(exec.state.config.proto_max_bulk_len).unwrap_or(0);
    (offset >> 3 < max).then_some(offset)
}

/// The byte holding bit `offset`, and the mask of the bit in it.
fn locate(offset: u64) -> (usize, u8) {
    ((offset >> 3) as usize, 1 << (7 - (offset & 7)))
}

/// `SETBIT key offset value` → `:old bit`.
fn setbit(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (key, now) = (req.arg(1), exec.now_ms);
    let Some(offset) = bit_offset(exec, req.arg(2)) else {
        return exec.error(BAD_OFFSET);
    };
    let on = match parse_i64(req.arg(3)) {
        Some(bit @ (0 | 1)) => bit == 1,
        _ => return exec.error(BAD_BIT),
    };
    let (byte, mask) = locate(offset);
    let Some(bytes) = exec.state.db.string_mut(key, now) else {
        return exec.wrong_type();
    };
    if bytes.len() <= byte {
        bytes.resize(byte + 1, 0);
    }
    let old = match bytes.get_mut(byte) {
        Some(at) => {
            let old = *at & mask != 0;
            if on {
                *at |= mask;
            } else {
                *at &= !mask;
            }
            old
        }
        None => false,
    };
    exec.integer(i64::from(old));
}

/// `GETBIT key offset` → `:bit`.
fn getbit(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(offset) = bit_offset(exec, req.arg(2)) else {
        return exec.error(BAD_OFFSET);
    };
    let (byte, mask) = locate(offset);
    match read_as::<[u8]>(exec.state, req.arg(1), exec.now_ms) {
        Ok(bytes) => {
            let bit = bytes
                .and_then(|b| b.get(byte))
                .is_some_and(|b| b & mask != 0);
            exec.integer(i64::from(bit));
        }
        Err(WrongType) => exec.wrong_type(),
    }
}
