//! Turning packets into text and JSON, for the CLI, the tests and (later) the GUI's export.

pub mod handout;
pub mod har;
pub mod json;
pub mod messages;
pub mod save;
pub mod svg;
pub mod text;
