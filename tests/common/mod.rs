//! What the integration tests share: running the program ([`cli`]) and the window on a
//! sample ([`window`]).
// Each test binary uses only its share of this module.
#![allow(dead_code)]

pub mod cli;
#[cfg(feature = "gui")]
pub mod window;
