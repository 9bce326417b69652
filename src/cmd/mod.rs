//! Glue between parsed arguments and the library: one module per verb.

pub mod context;
pub mod decrypt;
pub mod demo;
pub mod encrypt;
pub mod filestatus;
