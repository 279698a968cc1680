//! Stopping cleanly: SIGTERM and SIGINT (Ctrl-C) as one stream.

use crate::exit::Failure;

/// Receives once SIGTERM or SIGINT arrives.
pub fn stop_signal() -> Result<tokio::sync::mpsc::Receiver<()>, Failure> {
    use tokio::signal::unix::{signal, SignalKind};
    let fail = |err: std::io::Error| Failure::internal(format!("cannot watch signals: {err}"));
    let mut term = signal(SignalKind::terminate()).map_err(fail)?;
    let mut int = signal(SignalKind::interrupt()).map_err(fail)?;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        let _ = tx.send(()).await;
    });
    Ok(rx)
}

/// A multi-threaded runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::internal(format!("cannot start the runtime: {err}")))
}
