//! (being written)
use super::command::Command;

pub const COMMANDS: &[Command] = &[];
pub const REDIS_VERSION: &str = "7.0.15";
