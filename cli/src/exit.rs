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
}

/// What a command returns: `Ok(true)` success, `Ok(false)` a clean "no" (exit 1 without an
/// error line, e.g. `--until-idle` timing out after saying so).
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
