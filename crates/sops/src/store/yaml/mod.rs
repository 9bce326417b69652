//! YAML store: granit-parser events in, go-yaml v3–compatible text out.

mod comments;
mod emit;
mod parse;
pub mod resolve;

pub use emit::{emit_documents, emit_value};
pub use parse::parse;
