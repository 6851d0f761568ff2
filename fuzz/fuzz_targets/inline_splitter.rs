//! Fuzz target `inline_splitter`: the inline splitter.
//!
//! Any line splits as Redis's `sdssplitargs` does (a statement-by-statement port is the
//! reference), and arguments quoted in any of several styles split back to themselves, also as
//! an inline request through the request parser.
//!
//! The property and the input layout are `reactor_fuzz::inline::check_fuzz_input` in
//! fuzz/src/lib.rs, which tests/fuzz_properties.rs also runs on stable: a crash input replays
//! there unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| reactor_fuzz::inline::check_fuzz_input(data));
