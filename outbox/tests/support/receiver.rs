//! A real HTTP receiver on 127.0.0.1 for the outbox's tests and benchmark: keep-alive
//! HTTP/1.1 (hyper), every request recorded, each answer chosen by the test.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Seen {
    /// The value of `name`, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status, with these headers.
    Status(u16, Vec<(&'static str, String)>),
    /// Wait, then answer with the status.
    Slow(Duration, u16),
    /// Close the connection without an answer.
    Close,
}

impl Reply {
    pub fn status(code: u16) -> Reply {
        Reply::Status(code, Vec::new())
    }
}

type Answer = dyn Fn(&Seen) -> Reply + Send + Sync;

/// The receiver; stops when dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct Closed;
impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("closed on purpose")
    }
}
impl std::error::Error for Closed {}

impl Receiver {
    /// Starts on a free port; `answer` decides every reply.
    pub async fn start(answer: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let task = tokio::spawn({
            let seen = Arc::clone(&seen);
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let _ = stream.set_nodelay(true);
                    let (seen, answer) = (Arc::clone(&seen), Arc::clone(&answer));
                    tokio::spawn(async move {
                        let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let (seen, answer) = (Arc::clone(&seen), Arc::clone(&answer));
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                                let request = Seen {
                                    path: parts.uri.path().to_owned(),
                                    headers: parts.headers,
                                    body,
                                    at: Instant::now(),
                                };
                                let reply = answer(&request);
                                seen.lock().expect("seen").push(request);
                                let (status, headers) = match reply {
                                    Reply::Status(status, headers) => (status, headers),
                                    Reply::Slow(wait, status) => {
                                        tokio::time::sleep(wait).await;
                                        (status, Vec::new())
                                    }
                                    Reply::Close => return Err(Closed),
                                };
                                let mut response = hyper::Response::new(Full::new(Bytes::from_static(b"ok")));
                                *response.status_mut() = http::StatusCode::from_u16(status).expect("status");
                                for (name, value) in headers {
                                    response.headers_mut().insert(name, value.parse().expect("header value"));
                                }
                                Ok::<_, Closed>(response)
                            }
                        });
                        let _ = http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        });
        Receiver { addr, seen, task }
    }

    /// Answers every request with `status`.
    pub async fn answering(status: u16) -> Receiver {
        Receiver::start(move |_| Reply::status(status)).await
    }

    /// `http://127.0.0.1:<port><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }

    /// How many requests so far.
    pub fn count(&self) -> usize {
        self.seen.lock().expect("seen").len()
    }

    /// Waits (up to 10 s) until `count` requests have arrived; the caller asserts what it got.
    pub async fn until_count(&self, count: usize) {
        let started = Instant::now();
        while self.count() < count && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
