//! Fuzz target `request_parser`: the resumable request parser.
//!
//! The first input bytes pick the limits and the split points; the rest is the stream. Checks
//! that in one piece, in the chosen chunks and byte by byte the stream gives the same requests,
//! `consumed` offsets and errors, the same as a naive reference parser; that `consumed` is never
//! 0 nor past the input; that bytes are examined once; and that memory requested stays
//! proportional to bytes received, whatever sizes the stream declares.
//!
//! The property and the input layout are `reactor_fuzz::request::check_fuzz_input` in
//! fuzz/src/lib.rs, which tests/fuzz_properties.rs also runs on stable: a crash input replays
//! there unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| reactor_fuzz::request::check_fuzz_input(data));
