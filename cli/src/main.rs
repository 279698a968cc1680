//! `hookwire`: webhooks from the command line. `sign`, `verify`, `listen` and `send` do by
//! hand what senders and receivers do in code, for every scheme the core knows; `events` and
//! `schemes` show what the core knows; `outbox` drives the durable outbox. Every decision
//! (signing, verifying, retry schedule, outcome class, the status a receiver answers) is the
//! core's: this crate only reads arguments, does the I/O and prints.
//!
//! Exit codes: 0 success, 1 refused or failed (the error's stable code is printed), 2 usage.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod completions;
mod events;
mod exit;
mod input;
mod listen;
mod outbox;
mod output;
mod parse;
mod schemes;
mod secrets;
mod send;
mod sign;
mod signal;
mod terminal;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  export HOOKWIRE_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  hookwire listen --scheme standard-webhooks &
  hookwire send http://127.0.0.1:8765/webhooks --scheme standard-webhooks --type order.created --allow-private
  hookwire sign --scheme github --data @payload.json --curl https://example.com/hooks
  hookwire verify --scheme stripe --header @headers.txt --data @body.json
  hookwire events order.created

Secrets come from --secret, --secret-file or the HOOKWIRE_SECRET environment variable; the
command line never prints one. Exit status: 0 success, 1 refused or failed (the error's stable
code is printed, e.g. `error: invalid_signature: …`), 2 a usage error. `--json` wherever a
program reads the output. Colour only on a terminal, never with NO_COLOR set.";

/// Sign, verify, receive and send webhooks of twelve schemes; deliver them durably.
#[derive(Debug, Parser)]
#[command(name = "hookwire", version, about, after_long_help = EXAMPLES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign a body: the headers a sender attaches, as lines, JSON or a curl command.
    Sign(sign::Args),
    /// Verify a received request (headers and raw body) as a receiver would.
    Verify(verify::Args),
    /// Receive webhooks on a local port: verify each, print a line, optionally forward it.
    Listen(listen::Args),
    /// Sign and deliver webhooks to a URL, with retries; each attempt shown.
    Send(send::Args),
    /// The catalog of event types, or one type's sample event.
    Events(events::Args),
    /// The twelve signature schemes and their headers.
    Schemes(schemes::Args),
    /// A shell completion script: bash, zsh, fish, elvish or powershell.
    Completions(completions::Args),
    /// The durable outbox: endpoints, publishing, the delivery worker and its log.
    Outbox(outbox::Args),
}

fn main() -> ExitCode {
    let cli = exit::parse_args();
    exit::init_logging();
    let result = match cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Listen(args) => listen::run(args),
        Command::Send(args) => send::run(args),
        Command::Events(args) => events::run(args),
        Command::Schemes(args) => schemes::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Outbox(args) => outbox::run(args),
    };
    exit::finish(result)
}
