//! How the command ends: exit codes and error lines scripts can rely on.

use std::process::ExitCode;

/// A failure to report: a stable code (the library's `Error::code()`) and a message.
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl From<hookwire_outbox::Error> for Failure {
    fn from(err: hookwire_outbox::Error) -> Failure {
        Failure { code: err.code(), message: err.to_string() }
    }
}

impl From<hookwire::Error> for Failure {
    fn from(err: hookwire::Error) -> Failure {
        Failure { code: err.code(), message: err.to_string() }
    }
}

impl Failure {
    /// A failure with the core's `invalid_argument` code.
    pub fn argument(message: impl Into<String>) -> Failure {
        Failure { code: "invalid_argument", message: message.into() }
    }

    /// A failure of the machine rather than of the input (no runtime, no signal handler).
    pub fn internal(message: impl Into<String>) -> Failure {
        Failure { code: "internal", message: message.into() }
    }
}

/// What a command returns: `Ok(true)` success, `Ok(false)` a clean "no" (exit 1 after the
/// command said why, e.g. `--until-idle` timing out, a message not delivered).
pub type Outcome = Result<bool, Failure>;

/// Exit 0 on success, 1 on failure with `error: <code>: <message>` on stderr.
pub fn finish(result: Outcome) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(failure) => {
            eprintln!("error: {}: {}", failure.code, failure.message);
            ExitCode::from(1)
        }
    }
}

/// Ends the process as clap does for a bad command line (the message, the usage line of the
/// subcommand at `path`, exit 2), for the rules clap cannot express: a secret may come from a
/// flag, a file or the environment.
pub fn usage(path: &[&str], message: &str) -> ! {
    use clap::CommandFactory as _;
    let mut command = crate::Cli::command();
    command.build();
    for name in path {
        match command.find_subcommand(name) {
            Some(sub) => command = sub.clone(),
            None => break,
        }
    }
    command.error(clap::error::ErrorKind::MissingRequiredArgument, message).exit()
}

/// The command line, parsed; a bad one ends the process with exit 2 and the error. clap
/// shows the usage line with some errors only (not with an invalid value): every usage
/// error here carries the usage of the subcommand it is about.
pub fn parse_args() -> crate::Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let mut command = crate::Cli::command();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let err = match command
        .try_get_matches_from_mut(&args)
        .and_then(|matches| crate::Cli::from_arg_matches(&matches))
    {
        Ok(cli) => return cli,
        Err(err) => err,
    };
    let text = err.render().to_string();
    if !err.use_stderr() || text.contains("Usage:") {
        err.exit();
    }
    command.build();
    for arg in args.iter().skip(1).filter_map(|arg| arg.to_str()) {
        match command.find_subcommand(arg) {
            Some(sub) => command = sub.clone(),
            None if arg.starts_with('-') => continue,
            None => break,
        }
    }
    let usage = command.render_usage().to_string();
    let text = match text.find("\nFor more information") {
        Some(at) => format!("{}\n{usage}\n{}", &text[..at], &text[at..]),
        None => format!("{text}\n{usage}\n"),
    };
    eprint!("{text}");
    std::process::exit(2);
}

/// Logs (tracing) go to stderr when `HOOKWIRE_LOG` is set, e.g. `HOOKWIRE_LOG=info` or
/// `HOOKWIRE_LOG=hookwire_outbox=debug`.
pub fn init_logging() {
    let Ok(filter) = std::env::var("HOOKWIRE_LOG") else { return };
    let Ok(targets) = filter.parse::<tracing_subscriber::filter::Targets>() else {
        eprintln!(
            "warning: HOOKWIRE_LOG=`{filter}` is not a filter such as `info` or `hookwire_outbox=debug`"
        );
        return;
    };
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(targets)
        .try_init();
}
