//! Turning packets into text and JSON, for the CLI, the tests and (later) the GUI's export.

pub mod json;
pub mod text;
