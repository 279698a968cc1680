//! `hookwire`: webhooks from the command line. First the durable outbox (`hookwire outbox …`);
//! `sign`, `verify`, `listen`, `send`, `events`, `schemes` and `completions` come next, each
//! as a module beside `outbox`.
//!
//! Exit codes: 0 success, 1 refused or failed (the error's stable code is printed), 2 usage.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod exit;
mod outbox;
mod parse;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sign, verify, send and deliver webhooks.
#[derive(Debug, Parser)]
#[command(name = "hookwire", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The durable outbox: endpoints, publishing, the delivery worker and its log.
    Outbox(outbox::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit::init_logging();
    let result = match cli.command {
        Command::Outbox(args) => outbox::run(args),
    };
    exit::finish(result)
}
