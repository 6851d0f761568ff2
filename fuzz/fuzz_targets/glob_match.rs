//! Fuzz target `glob_match`: glob matching.
//!
//! No panic, termination (libFuzzer's `-timeout`), agreement with the memoised reference
//! matcher on short inputs, and a non-empty string matches `*` and its own fully escaped form.
//!
//! The property and the input layout are `reactor_fuzz::glob::check_fuzz_input` in
//! fuzz/src/lib.rs, which tests/fuzz_properties.rs also runs on stable: a crash input replays
//! there unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| reactor_fuzz::glob::check_fuzz_input(data));
