//! One request: route, read the body, verify with the core, read the event, forward, answer.

use std::time::Duration;

use bytes::Bytes;
use hookwire::{Dialect, Error, Verified, Verifier, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT};
use hookwire_outbox::HttpClient;
use http::header::{HeaderName, ALLOW, CONTENT_TYPE};
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use serde_json::json;

use super::report::{Line, Report};
use crate::exit::Failure;

/// What `listen` checks requests against, shared by every connection.
pub struct Receiver {
    pub verifier: Verifier,
    pub path: String,
    pub dialect: Option<Dialect>,
    pub max_body: usize,
    pub forward: Option<Forward>,
    pub report: Report,
}

/// Where accepted requests go on.
pub struct Forward {
    url: Uri,
    client: HttpClient,
}

/// Headers that belong to one connection, not to the message: never passed on. Content-Length
/// is set again for the same bytes; Host names the new destination.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

fn passed_on(name: &HeaderName) -> bool {
    !HOP_BY_HOP.contains(&name.as_str()) && name != http::header::CONTENT_LENGTH
}

impl Forward {
    /// Forwarding to `url`: loopback and private networks are allowed (this is where a local
    /// application listens), the other ranges the URL guard refuses stay refused.
    pub fn new(url: &str, client: HttpClient) -> Result<Forward, Failure> {
        hookwire_outbox::url_guard(true).check_url(url).map_err(|err| {
            let mut failure = Failure::from(err);
            if url.contains("://localhost") {
                failure.message.push_str("; give the address instead, e.g. http://127.0.0.1:3000/");
            }
            failure
        })?;
        let url = url.parse().map_err(|_| Failure::argument(format!("`{url}` is not a URL")))?;
        Ok(Forward { url, client })
    }

    /// The destination.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// Sends the request on: the same method, the same headers (but those of the connection)
    /// and exactly the same body bytes.
    async fn send(
        &self,
        method: &Method,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Response<Full<Bytes>>, String> {
        let mut request = Request::new(body.to_vec());
        *request.method_mut() = method.clone();
        *request.uri_mut() = self.url.clone();
        for (name, value) in headers {
            if passed_on(name) {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        let answer = self
            .client
            .send(request, true, DEFAULT_TIMEOUT, DEFAULT_MAX_BODY)
            .await
            .map_err(|err| err.to_string())?;
        let mut response = Response::new(Full::new(Bytes::from(answer.body)));
        *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
        for (name, value) in &answer.headers {
            if passed_on(name) {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        Ok(response)
    }
}

fn json_response(status: u16, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// The answer to a refused request, as the framework helpers give it.
fn refusal(err: &Error) -> Response<Full<Bytes>> {
    let status = err.response_status();
    match err {
        Error::Replayed { .. } => json_response(status, json!({"duplicate": true})),
        _ => json_response(status, json!({"error": err.code(), "message": err.to_string()})),
    }
}

/// Whether `path` is the webhook path or below it, and what is below it (a route's event type).
fn route<'p>(base: &str, path: &'p str) -> Option<Option<&'p str>> {
    let rest = path.strip_prefix(base.trim_end_matches('/'))?;
    if rest.is_empty() || rest == "/" {
        return Some(None);
    }
    let rest = rest.strip_prefix('/')?;
    Some(rest.rsplit('/').find(|part| !part.is_empty()))
}

impl Receiver {
    /// Answers one request and reports it.
    pub async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let mut line = Line::new(parts.method.as_str(), parts.uri.path());
        let response = self.answer(&parts.method, &parts.uri, &parts.headers, body, &mut line).await;
        line.status = response.status().as_u16();
        self.report.print(&line);
        response
    }

    async fn answer(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Incoming,
        line: &mut Line,
    ) -> Response<Full<Bytes>> {
        let Some(route_type) = route(&self.path, uri.path()) else {
            line.message = Some(format!("not the webhook path {}", self.path));
            return json_response(404, json!({"error": "not_found", "path": self.path}));
        };
        if method != Method::POST {
            line.message = Some("webhooks are POSTed".to_owned());
            let mut response = json_response(405, json!({"error": "method_not_allowed"}));
            response.headers_mut().insert(ALLOW, http::HeaderValue::from_static("POST"));
            return response;
        }
        let body = match Limited::new(body, self.max_body).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
                let size = headers
                    .get(http::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(self.max_body + 1);
                return self.refuse(&Error::PayloadTooLarge { size, limit: self.max_body }, line);
            }
            Err(err) => {
                line.message = Some(format!("could not read the body: {err}"));
                return json_response(400, json!({"error": "unreadable_body"}));
            }
        };
        line.bytes = body.len();
        let message = match self.verifier.verify(headers, &body) {
            Ok(message) => message,
            Err(err) => return self.refuse(&err, line),
        };
        line.id = message.id().map(str::to_owned);
        match self.event(&message, route_type) {
            Ok(Some((event_type, id))) => {
                line.event_type = Some(event_type);
                line.id = line.id.take().or(id);
            }
            Ok(None) => line.event_type = message.event_type().map(str::to_owned),
            Err(err) => {
                release(&message);
                return self.refuse(&err, line);
            }
        }
        line.accepted = true;
        let response = match &self.forward {
            None => json_response(200, json!({"accepted": true})),
            Some(forward) => match forward.send(method, headers, &body).await {
                Ok(response) => {
                    line.forward_status = Some(response.status().as_u16());
                    response
                }
                Err(err) => {
                    line.forward_error = Some(err.clone());
                    json_response(502, json!({"error": "forward_failed", "message": err}))
                }
            },
        };
        // A claim is kept only once the message was handled: a failed forward lets the
        // sender's retry through.
        if response.status().is_success() {
            if let Err(err) = message.commit() {
                eprintln!("warning: could not record message as handled: {err}");
            }
        } else {
            release(&message);
        }
        response
    }

    /// The event's type and id: in the dialect asked for (refused with `invalid_payload` when
    /// the body is not one), else in the envelope of the scheme's senders, else from a native
    /// envelope when the body is one (what `send --type` sends under any scheme; only shown).
    fn event(
        &self,
        message: &Verified<'_>,
        route_type: Option<&str>,
    ) -> Result<Option<(String, Option<String>)>, Error> {
        let event = match self.dialect {
            Some(dialect) => dialect.parse(message.body(), route_type.or(message.event_type()))?,
            None => match message.event().or_else(|_| hookwire::Event::from_json(message.body())) {
                Ok(event) => event,
                Err(_) => return Ok(None),
            },
        };
        Ok(Some((event.event_type().to_owned(), event.id().map(str::to_owned))))
    }

    fn refuse(&self, err: &Error, line: &mut Line) -> Response<Full<Bytes>> {
        line.code = Some(err.code());
        line.message = Some(err.to_string());
        refusal(err)
    }
}

fn release(message: &Verified<'_>) {
    if let Err(err) = message.release() {
        eprintln!("warning: could not release the message's claim: {err}");
    }
}

/// How long `listen` waits for requests in flight when it stops.
pub const DRAIN: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_accepts_the_path_and_below_it() {
        let cases = [
            ("/webhooks", "/webhooks", Some(None)),
            ("/webhooks", "/webhooks/", Some(None)),
            ("/webhooks", "/webhooks/temperature_update", Some(Some("temperature_update"))),
            ("/webhooks", "/webhooks/device/temperature_update/", Some(Some("temperature_update"))),
            ("/webhooks", "/webhooksX", None),
            ("/webhooks", "/other", None),
            ("/", "/anything", Some(Some("anything"))),
            ("/", "/", Some(None)),
        ];
        for (base, path, expected) in cases {
            assert_eq!(route(base, path), expected, "{base} {path}");
        }
    }

    #[test]
    fn connection_headers_are_not_passed_on() {
        for name in ["connection", "host", "content-length", "transfer-encoding", "keep-alive"] {
            assert!(!passed_on(&HeaderName::from_static(name)), "{name}");
        }
        for name in ["webhook-signature", "content-type", "user-agent", "x-hub-signature-256"] {
            assert!(passed_on(&HeaderName::from_static(name)), "{name}");
        }
    }
}
