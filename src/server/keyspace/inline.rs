//! Short byte strings kept in place: a key or a string value of up to 22 bytes costs no
//! allocation of its own.
//!
//! Chapter: [docs/24-every-byte-of-a-key.md](../../../docs/24-every-byte-of-a-key.md).
//!
//! Most keys are short (`user:1000`, `session:8f3a…`), and so are most string values (a
//! counter, a flag, a token). Stored as a `Box<[u8]>` or a `Vec<u8>`, each is a pointer in the
//! table and an allocation elsewhere: 16 or 24 bytes of pointer and length, then the
//! allocator's smallest chunk (32 bytes in glibc, for even one byte). Kept inline, the bytes sit
//! in the space the pointer would have taken, beside a length byte. Redis does the same for
//! values up to 44 bytes (`embstr`: the object header and the bytes in one allocation); here
//! the table's node is the object header, so a short key and a short value together cost the
//! node and nothing else.
//!
//! The sizes are what fits in the space already there: a [`Key`] is 24 bytes either way (a
//! tag, then 23 bytes: a length and 22 bytes of key, or a boxed slice), and a short string
//! value takes the same 23 bytes inside [`super::db::Value`]'s 32.

use std::fmt;
use std::ops::Deref;

/// Up to `N` bytes (`N` < 256) stored in place.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Inline<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> Inline<N> {
    /// `bytes` inline, if they fit.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let len = u8::try_from(bytes.len())
            .ok()
            .filter(|&len| usize::from(len) <= N)?;
        let mut inline = Inline { len, bytes: [0; N] };
        inline.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(inline)
    }

    /// Make these `bytes`, which must fit (else nothing changes).
    pub fn set(&mut self, bytes: &[u8]) {
        if let (Some(to), Ok(len)) = (self.bytes.get_mut(..bytes.len()), u8::try_from(bytes.len()))
        {
            to.copy_from_slice(bytes);
            self.len = len;
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[..usize::from(self.len)]
    }
}

impl<const N: usize> Deref for Inline<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<const N: usize> fmt::Debug for Inline<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// The longest key kept inline.
pub const INLINE_KEY: usize = 22;

/// A key: inline up to [`INLINE_KEY`] bytes, boxed beyond. 24 bytes either way.
#[derive(Clone, PartialEq, Eq)]
pub enum Key {
    Inline(Inline<INLINE_KEY>),
    Boxed(Box<[u8]>),
}

impl Key {
    pub fn new(bytes: &[u8]) -> Key {
        match Inline::new(bytes) {
            Some(inline) => Key::Inline(inline),
            None => Key::Boxed(bytes.into()),
        }
    }

    /// The bytes the key owns on the heap (none when inline).
    pub fn heap_size(&self) -> usize {
        match self {
            Key::Inline(_) => 0,
            Key::Boxed(bytes) => bytes.len(),
        }
    }
}

impl Deref for Key {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Key::Inline(inline) => inline.as_bytes(),
            Key::Boxed(bytes) => bytes,
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_24_bytes_and_short_ones_are_inline() {
        assert_eq!(std::mem::size_of::<Key>(), 24);
        let short = Key::new(b"key:000000000001");
        assert!(matches!(short, Key::Inline(_)));
        assert_eq!(&*short, b"key:000000000001");
        let edge = Key::new(&[7; INLINE_KEY]);
        assert!(matches!(edge, Key::Inline(_)));
        let long = Key::new(&[7; INLINE_KEY + 1]);
        assert!(matches!(long, Key::Boxed(_)));
        assert_eq!(long.len(), INLINE_KEY + 1);
        assert_eq!(&*Key::new(b""), b"");
        assert!(Inline::<3>::new(b"abcd").is_none());
        assert!(Inline::<255>::new(&[0; 256]).is_none());
    }
}
