//! `hookwire listen`: a local receiver that verifies every request with the core, answers
//! as the framework helpers do (the core's status per error code), prints one line per
//! request and can pass accepted requests on, byte for byte, to the application behind it.

mod receive;
mod report;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args as ClapArgs;
use hookwire::{Dialect, MemorySeenStore, Scheme, DEFAULT_MAX_BODY};
use hookwire_outbox::{HttpClient, Resolver};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::exit::{Failure, Outcome};
use crate::parse;
use crate::secrets::{self, SecretArgs};
use crate::signal;

use self::receive::{Forward, Receiver};
use self::report::Report;

const EXAMPLES: &str = "\
Examples:
  # Verify what a sender posts to http://127.0.0.1:8765/webhooks:
  export HOOKWIRE_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  hookwire listen --scheme standard-webhooks

  # In another shell, send it a signed test event:
  hookwire send http://127.0.0.1:8765/webhooks --scheme standard-webhooks \\
      --type order.created --allow-private

  # Pass verified requests on, unchanged, to the application on port 3000:
  hookwire listen --scheme github --secret-file secret.txt --forward-to http://127.0.0.1:3000/hooks

  # One JSON object per request, for scripts; Ops Center envelopes checked too:
  hookwire listen --scheme ops-center --dialect ops-center --port 9000 --json

Each request gets one line: accepted or refused, the status answered, the error code, the
event type and the message id. Answers follow the core's response_status, as the framework
helpers do: 401 not authentic, 400 malformed, 413 too large, 200 for a replay (with
--reject-replays). Ctrl-C or SIGTERM stops cleanly.";

/// `hookwire listen`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The port to listen on (0: any free port; the address is printed on standard error).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The path webhooks are posted to. Paths below it are accepted too; their last part is
    /// the event type for dialects that take it from the route (device-service).
    #[arg(long, default_value = "/webhooks", value_parser = path)]
    path: String,
    /// The signature scheme the sender uses (see `hookwire schemes`).
    #[arg(long, value_name = "SCHEME")]
    scheme: String,
    #[command(flatten)]
    secrets: SecretArgs,
    /// Also require the body to be an event of this dialect (hookwire, ops-center, webnet,
    /// homechef, auraconnect, device-service): refused with invalid_payload (400) otherwise.
    /// Without it, native hookwire envelopes are read when they are one.
    #[arg(long, value_name = "DIALECT")]
    dialect: Option<String>,
    /// Pass every accepted request on to URL (loopback and private addresses allowed): the
    /// same method, headers and exact body bytes; its answer goes back to the sender.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Remember accepted message ids: a second delivery is refused as replayed (answered 200,
    /// so the sender stops) or replay_in_progress (409) while the first is being forwarded.
    #[arg(long)]
    reject_replays: bool,
    /// How far a timestamp may be from now, either way (default 300s).
    #[arg(long, value_name = "SECS", value_parser = parse::duration)]
    tolerance: Option<Duration>,
    /// The largest body accepted, in bytes (larger ones: payload_too_large, 413).
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// One JSON object per request on standard output: accepted, status, code, message,
    /// type, id, method, path, bytes, forward_status, forward_error, received_at.
    #[arg(long)]
    json: bool,
}

fn path(text: &str) -> Result<String, String> {
    if text.starts_with('/') && !text.contains(['?', '#', ' ']) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not a path such as /webhooks"))
    }
}

/// Listens until SIGINT or SIGTERM.
pub fn run(args: Args) -> Outcome {
    let secrets = args.secrets.load(&["listen"])?;
    let scheme = Scheme::from_name(&args.scheme)?;
    let mut verifier = secrets::verifier(scheme, secrets)?.max_body(args.max_body);
    if let Some(tolerance) = args.tolerance {
        verifier = verifier.tolerance(tolerance);
    }
    if args.reject_replays {
        verifier = verifier.seen_store(MemorySeenStore::new(100_000));
    }
    let dialect = args.dialect.as_deref().map(Dialect::from_name).transpose()?;
    signal::runtime()?.block_on(async move {
        let forward = match &args.forward_to {
            Some(url) => Some(Forward::new(url, HttpClient::new(Resolver::system())?)?),
            None => None,
        };
        let listener = TcpListener::bind((args.host, args.port)).await.map_err(|err| {
            Failure::argument(format!(
                "cannot listen on {}:{}: {err}; choose another --port (or 0 for any free one)",
                args.host, args.port
            ))
        })?;
        let addr = listener.local_addr().map_err(|err| Failure::internal(err.to_string()))?;
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let forwarding =
            forward.as_ref().map_or_else(String::new, |f| format!(", forwarding to {}", f.url()));
        eprintln!(
            "listening on http://{host}:{}{} for {} webhooks{forwarding}; Ctrl-C stops",
            addr.port(),
            args.path,
            verifier.scheme().name()
        );
        let receiver = Arc::new(Receiver {
            verifier,
            path: args.path.clone(),
            dialect,
            max_body: args.max_body,
            forward,
            report: Report::new(args.json),
        });
        serve(receiver, listener).await
    })
}

async fn serve(receiver: Arc<Receiver>, listener: TcpListener) -> Outcome {
    let graceful = GracefulShutdown::new();
    let mut stop = signal::stop_signal()?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        eprintln!("warning: accept: {err}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let receiver = Arc::clone(&receiver);
                let service = service_fn(move |request| {
                    let receiver = Arc::clone(&receiver);
                    async move { Ok::<_, std::convert::Infallible>(receiver.handle(request).await) }
                });
                let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = watched.await;
                });
            }
            _ = stop.recv() => break,
        }
    }
    drop(listener);
    // Requests being handled (and forwarded) finish; idle keep-alive connections close.
    if tokio::time::timeout(receive::DRAIN, graceful.shutdown()).await.is_err() {
        eprintln!("warning: requests still open after {:?} were cut off", receive::DRAIN);
    }
    let (accepted, refused) = receiver.report.counts();
    eprintln!("stopped: {accepted} accepted, {refused} refused");
    Ok(true)
}
