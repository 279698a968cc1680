//! The pooled client and its guarded connector.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hookwire::{Failure, Host, UrlGuard};
use http::{HeaderMap, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::Resolver;

/// Why the connector refused or failed, kept in the error chain so the worker can classify it.
#[derive(Debug)]
pub(crate) enum ConnectError {
    Blocked(hookwire::Error),
    Dns(std::io::Error),
    Connect(std::io::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Blocked(err) => write!(f, "{err}"),
            ConnectError::Dns(err) => write!(f, "dns: {err}"),
            ConnectError::Connect(err) => write!(f, "connect: {err}"),
        }
    }
}

impl StdError for ConnectError {}

/// Resolves, guards, connects to the checked address.
#[derive(Clone)]
pub(crate) struct GuardedConnector {
    guard: UrlGuard,
    resolver: Resolver,
}

impl tower_service::Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let (guard, resolver) = (self.guard.clone(), self.resolver.clone());
        Box::pin(async move {
            let checked = guard.check_uri(&uri).map_err(ConnectError::Blocked)?;
            let ip = match checked.host() {
                Host::Ip(ip) => *ip,
                Host::Name(name) => {
                    let addrs = resolver.resolve(name, checked.port()).await.map_err(ConnectError::Dns)?;
                    guard.check_resolved(&addrs).map_err(ConnectError::Blocked)?
                }
            };
            let stream = TcpStream::connect((ip, checked.port())).await.map_err(ConnectError::Connect)?;
            // Webhooks are small request/response pairs: do not wait to fill packets.
            let _ = stream.set_nodelay(true);
            Ok(TokioIo::new(stream))
        })
    }
}

type Pool = Client<HttpsConnector<GuardedConnector>, Full<Bytes>>;

/// The outbox's HTTP client, for other tools that send webhooks the same way (the `hookwire`
/// command line's `send` and `listen --forward-to`): keep-alive pools over rustls (`ring`),
/// names resolved by the client itself, **every** address checked with the destination's
/// [`UrlGuard`] (see [`url_guard`](crate::url_guard)) and the checked address connected to;
/// redirects are never followed. Cloning is cheap and shares the pools.
///
/// Two pools inside: one for destinations that allow private networks and one for those that
/// do not, so a connection opened under the wider guard is never reused under the strict one.
///
/// ```no_run
/// use std::time::Duration;
/// use hookwire_outbox::{HttpClient, Resolver};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = HttpClient::new(Resolver::system())?;
/// let request = http::Request::post("https://hooks.example.com/in").body(b"{}".to_vec())?;
/// match client.send(request, false, Duration::from_secs(30), 20 * 1024).await {
///     Ok(response) => println!("answered {}", response.status),
///     Err(err) => println!("no answer: {} ({})", err.failure.name(), err.message),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    strict: Pool,
    private: Pool,
}

/// A response, its body read up to the limit given to [`HttpClient::send`].
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The start of the body, at most the limit.
    pub body: Vec<u8>,
    /// Whether the body was longer than the limit (and cut).
    pub truncated: bool,
}

/// Why no response arrived: the core's transport [`Failure`] kind (for
/// [`Outcome::transport`](hookwire::Outcome::transport)) and what happened, for people.
#[derive(Debug)]
pub struct SendError {
    /// `timeout`, `connect`, `tls`, `dns`, `blocked` or `other`.
    pub failure: Failure,
    /// The client's error chain.
    pub message: String,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.failure.name(), self.message)
    }
}

impl StdError for SendError {}

fn pool(guard: UrlGuard, resolver: Resolver) -> crate::Result<Pool> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| {
            crate::Error::Core(hookwire::Error::Internal { reason: format!("tls: {err}").into() })
        })?
        .with_root_certificates(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() })
        .with_no_client_auth();
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(GuardedConnector { guard, resolver });
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        .build(https))
}

impl HttpClient {
    /// A client whose names are resolved by `resolver`. Errors: `internal` when TLS cannot be
    /// set up.
    pub fn new(resolver: Resolver) -> crate::Result<HttpClient> {
        Ok(HttpClient {
            strict: pool(crate::decisions::url_guard(false), resolver.clone())?,
            private: pool(crate::decisions::url_guard(true), resolver)?,
        })
    }

    /// Sends one request within `timeout` (connecting included), reading at most `body_limit`
    /// bytes of the answer. `allow_private` lets loopback and private networks through the
    /// guard (see [`url_guard`](crate::url_guard)); link-local and the other refused ranges
    /// stay refused.
    pub async fn send(
        &self,
        request: Request<Vec<u8>>,
        allow_private: bool,
        timeout: Duration,
        body_limit: usize,
    ) -> Result<HttpResponse, SendError> {
        let pool = if allow_private { &self.private } else { &self.strict };
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = pool.request(request).await.map_err(classify)?;
            let (parts, mut body) = response.into_parts();
            let mut kept = Vec::new();
            let mut truncated = false;
            while let Some(frame) = body.frame().await {
                let frame =
                    frame.map_err(|err| SendError { failure: Failure::Other, message: err.to_string() })?;
                if let Some(data) = frame.data_ref() {
                    let room = body_limit.saturating_sub(kept.len());
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                    if data.len() > room {
                        // Enough kept: stop reading (the connection is dropped, not reused).
                        truncated = true;
                        break;
                    }
                }
            }
            Ok(HttpResponse { status: parts.status.as_u16(), headers: parts.headers, body: kept, truncated })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => {
                Err(SendError { failure: Failure::Timeout, message: format!("no answer within {timeout:?}") })
            }
        }
    }
}

/// Turns the client's error chain into the core's failure kinds.
fn classify(err: hyper_util::client::legacy::Error) -> SendError {
    let message = chain(&err);
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    while let Some(current) = source {
        if let Some(connect) = current.downcast_ref::<ConnectError>() {
            let failure = match connect {
                ConnectError::Blocked(_) => Failure::Blocked,
                ConnectError::Dns(_) => Failure::Dns,
                ConnectError::Connect(_) => Failure::Connect,
            };
            return SendError { failure, message };
        }
        if current.downcast_ref::<rustls::Error>().is_some() {
            return SendError { failure: Failure::Tls, message };
        }
        if let Some(hyper) = current.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() || hyper.is_canceled() || hyper.is_closed() {
                return SendError { failure: Failure::Connect, message };
            }
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) {
                return SendError { failure: Failure::Connect, message };
            }
        }
        source = current.source();
    }
    SendError { failure: Failure::Other, message }
}

fn chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(next) = source {
        let part = next.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = next.source();
    }
    text
}
