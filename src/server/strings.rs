//! (being written)
use super::command::Command;

pub const COMMANDS: &[Command] = &[];
