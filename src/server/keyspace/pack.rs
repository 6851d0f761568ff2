//! The byte-level pieces of the packed encodings: small hashes ([`super::hash`]), small sorted
//! sets ([`super::zset`]) and list nodes ([`super::list`]) keep their entries back to back in
//! one `Vec<u8>`, as Redis's listpack does, and read them with these.
//!
//! - **LEB128 varints** (7 bits a byte, low group first, high bit = "more follows"): one byte
//!   below 128, so a short string's length costs one byte.
//! - **Backlens**: an entry's length written *after* it, the same groups in reverse order, so
//!   that reading leftwards from the entry's end meets the low group first and every byte but
//!   the leftmost says "more to the left". With a backlen an encoding can be walked from its
//!   right end (ZREVRANGE, LRANGE with negative indexes, popping the last entry) without an
//!   index: Redis's listpack has the same field.
//!
//! ```text
//!   [len]bytes[back]   len = 3, back = 4 (the header and the bytes):   03 66 6f 6f 04
//! ```
//!
//! Readers return `None` on bytes these writers never produce, so a corrupt buffer is an empty
//! answer, not a panic.

/// `n` as LEB128: the bytes and how many are used.
pub fn varint(mut n: u64) -> ([u8; 10], usize) {
    let mut buf = [0u8; 10];
    let mut i = 0;
    while n >= 0x80 {
        buf[i] = (n as u8 & 0x7F) | 0x80;
        n >>= 7;
        i += 1;
    }
    buf[i] = n as u8;
    (buf, i + 1)
}

/// Append `n` as LEB128.
pub fn put_varint(out: &mut Vec<u8>, n: usize) {
    let (buf, len) = varint(n as u64);
    out.extend_from_slice(&buf[..len]);
}

/// Bytes the LEB128 of `n` takes.
pub fn varint_len(mut n: usize) -> usize {
    let mut bytes = 1;
    while n >= 0x80 {
        n >>= 7;
        bytes += 1;
    }
    bytes
}

/// Read a varint at `*at`, advancing past it.
pub fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n: u64 = 0;
    let mut shift = 0u32;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7F).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(n);
        }
        shift += 7;
    }
}

/// Read a length-prefixed string at `*at`, advancing past it.
pub fn get_str<'a>(bytes: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(get_varint(bytes, at)?).ok()?;
    let s = bytes.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(s)
}

/// Length-prefixed strings back to back (a packed set's members; a packed hash's fields
/// and values in turn), from the left.
pub struct Strings<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Strings<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Strings { bytes, at: 0 }
    }
}

impl<'a> Iterator for Strings<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        get_str(self.bytes, &mut self.at)
    }
}

/// The backlen of an entry of `inner` bytes: the bytes and how many are used.
pub fn backlen(inner: usize) -> ([u8; 10], usize) {
    let mut buf = [0u8; 10];
    let groups = varint_len(inner);
    for (slot, i) in buf.iter_mut().zip((0..groups).rev()) {
        let group = ((inner >> (7 * i)) & 0x7F) as u8;
        *slot = if i == groups - 1 { group } else { group | 0x80 };
    }
    (buf, groups)
}

/// Append the backlen of an entry of `inner` bytes.
pub fn put_backlen(out: &mut Vec<u8>, inner: usize) {
    let (buf, len) = backlen(inner);
    out.extend_from_slice(&buf[..len]);
}

/// Where the entry whose backlen ends at `end` starts.
pub fn entry_start(bytes: &[u8], end: usize) -> Option<usize> {
    let (mut inner, mut shift, mut i) = (0usize, 0u32, end);
    loop {
        i = i.checked_sub(1)?;
        let byte = *bytes.get(i)?;
        inner |= usize::from(byte & 0x7F).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return i.checked_sub(inner);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::pack::*;

    /// Lengths of one to six bytes of varint read back from the left, and entries read back
    /// from the right by their backlens; bytes no writer makes read as nothing.
    ///
    /// Break checked: a backlen without its "more to the left" bits fails it from 128 on.
    #[test]
    fn varints_and_backlens_read_back_from_both_ends() {
        for n in [0usize, 1, 127, 128, 300, 16_383, 16_384, 1 << 40] {
            let mut buf = vec![0xEE];
            put_varint(&mut buf, n);
            assert_eq!(buf.len() - 1, varint_len(n));
            let mut at = 1;
            assert_eq!(get_varint(&buf, &mut at), Some(n as u64));
            assert_eq!(at, buf.len());
            // An entry of `n` bytes, then its backlen: read from the right, it starts at 1.
            let mut entry = vec![0xEE; n.min(1000) + 1];
            put_backlen(&mut entry, n.min(1000));
            assert_eq!(entry_start(&entry, entry.len()), Some(1));
        }
        assert_eq!(get_varint(&[0x80], &mut 0), None);
        assert_eq!(entry_start(&[0x05], 1), None);
    }
}
