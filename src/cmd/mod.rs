//! Glue between parsed arguments and the library: one module per verb.

pub mod conflicts;
pub mod context;
pub mod decrypt;
pub mod demo;
pub mod deploy;
pub mod docs;
pub mod edit;
pub mod encrypt;
pub mod exec;
pub mod filestatus;
pub mod git;
pub mod hook;
pub mod init;
pub mod keygen;
pub mod log;
pub mod merge;
pub mod modify;
pub mod recipients;
pub mod rotate;
pub mod scan;
pub mod set;
pub mod status;
pub mod updatekeys;
pub mod verify;
