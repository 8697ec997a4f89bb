//! mcpcheck: conformance tests for MCP servers (revision 2026-07-28).
//!
//! `transport` speaks Streamable HTTP; `scenario` loads the YAML format; `engine` runs scenarios
//! and `checks` judges exchanges; `cli` is the binary's glue.

pub mod auth;
pub mod baseline;
pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod embedded;
pub mod engine;
pub mod fuzz;
#[doc(hidden)]
pub mod fuzzing;
pub mod library;
pub mod lint;
pub mod scenario;
pub mod sse;
pub mod stdio;
pub mod transport;
pub mod util;
pub mod wire;
