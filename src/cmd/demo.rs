//! `secrets demo`: placeholder replaced below.
use crate::cli::DemoArgs;
use crate::report::Failure;
/// Runs the tour.
pub fn run(_args: &DemoArgs) -> Result<u8, Failure> {
    Ok(0)
}
