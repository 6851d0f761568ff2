//! Fault injection: make the rare paths of the loop happen on every call.
//!
//! Chapter: [docs/14-limits-faults-fuzzing.md](../../docs/14-limits-faults-fuzzing.md).
//!
//! On loopback a `read` usually returns everything the peer wrote and a `write` usually takes the
//! whole reply, so the code for short reads, short writes and budget stops is rarely exercised,
//! and a bug there survives every casual test. These switches force those paths: the tests use
//! them to pin each pitfall in `PITFALLS.md`, and the docs use them for "break it" steps
//! (`reactor-server --fault-max-read 1` makes every request arrive one byte at a time).
//!
//! All are off by default (`None`) and cost one comparison when off.

/// Fault-injection switches for one event loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Ask the kernel for at most this many bytes per `read` (forces short reads).
    pub max_read: Option<usize>,
    /// Hand the kernel at most this many bytes per `write` (forces short writes).
    pub max_write: Option<usize>,
    /// Reads per readiness event before yielding to other connections (overrides the default
    /// fairness budget; 1 makes every budget stop happen).
    pub read_budget: Option<usize>,
    /// Accepts per listener event before yielding (1 forces the accept ready-queue path).
    pub accept_budget: Option<usize>,
}

impl Faults {
    /// Cap a read request of `want` bytes.
    pub fn read_len(&self, want: usize) -> usize {
        self.max_read.map_or(want, |cap| want.min(cap.max(1)))
    }

    /// Cap a write of `want` bytes.
    pub fn write_len(&self, want: usize) -> usize {
        self.max_write.map_or(want, |cap| want.min(cap.max(1)))
    }
}
