//! The `initsift` command line's logic; `src/bin/initsift.rs` only calls [`main`].
//!
//! Every number the command line prints is computed here or in the library crates; flags are
//! parsed by [`parse`] into the library's types. Usage errors ([`parse::UsageError`], and
//! clap's own) exit with status 2, other failures with 1.

pub mod args;
mod catalog;
mod compare;
pub mod files;
pub mod init;
pub mod parse;
mod plot;
pub mod problem;
mod progress;
pub mod search;
pub mod selection;
mod stats;
mod train;

use std::ffi::OsString;

use clap::Parser;

pub use args::Cli;
pub use parse::UsageError;

/// Runs the command line on `argv` (program name first) and returns the exit status: 0 on
/// success, 2 for usage errors, 1 for failures. Messages go to stderr.
pub fn main(argv: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> i32 {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match run(&cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.chain().any(|c| c.downcast_ref::<UsageError>().is_some()) {
                2
            } else {
                1
            }
        }
    }
}

/// Runs a parsed command.
pub fn run(cli: &Cli) -> anyhow::Result<()> {
    use args::Command;
    match &cli.command {
        Command::Search(a) => search::run(a, cli.quiet),
        Command::Merge(a) => search::merge(&a.shards, &a.out, cli.quiet),
        Command::Train(a) => train::run(a, cli.quiet),
        Command::Compare(a) => compare::run(a, cli.quiet),
        Command::Advise(a) => compare::advise(a, cli.quiet),
        Command::Init(a) => init::run(a, cli.quiet),
        Command::Datasets => catalog::datasets(),
        Command::Schemes => {
            catalog::schemes();
            Ok(())
        }
    }
}
