//! Endpoint: where a sender delivers and everything it decides for it (the core's
//! `hookwire::Endpoint`): URL, scheme and every secret, subscription, custom headers, retry
//! policy, pace, timeout, largest body, and the URL guard; `request()` builds each attempt's
//! signed request.

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::{Buffer, ClassInstance, FromNapiValue, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::delivery::RetryPolicy;
use crate::errors::{argument, run, to_js};
use crate::event::Event;
use crate::input::{self, Options, Slice};
use crate::outbox::RateLimit;
use crate::secret;
use crate::subscription::Subscription;

/// One attempt's request, ready for `fetch` (repeated headers joined with `, `).
#[napi(object)]
pub struct SignedRequest {
    /// `POST`.
    pub method: String,
    /// The endpoint's URL.
    pub url: String,
    /// Content-Type, User-Agent, the custom headers and the scheme's signature headers.
    pub headers: HashMap<String, String>,
    /// The body, exactly as signed.
    pub body: Buffer,
}

/// One destination of webhooks: URL, scheme and every active secret (each signs every request,
/// so rotation needs no downtime), its subscription, headers, retry policy, pace, timeout.
///
/// ```js
/// const endpoint = new Endpoint('https://hooks.example.com/orders', ['whsec_new…', 'whsec_old…'], {
///   scheme: 'standard-webhooks', subscription: new Subscription({ patterns: ['order.*'] }),
///   retry: 'standard-webhooks', timeoutMs: 10_000,
/// })
/// const { method, url, headers, body } = endpoint.request({ body: json, msgId: 'msg_1', eventType: 'order.created' })
/// await fetch(url, { method, headers, body, redirect: 'manual' })
/// ```
#[napi]
pub struct Endpoint(hookwire::Endpoint);

const OPTIONS: [&str; 8] =
    ["scheme", "subscription", "retry", "headers", "timeoutMs", "rateLimit", "maxPayload", "allowPrivate"];

#[napi]
impl Endpoint {
    #[napi(
        constructor,
        ts_args_type = "url: string, secret: string | Uint8Array | Secret | Array<string | Uint8Array | Secret>, options?: EndpointConfig"
    )]
    pub fn new(
        env: Env,
        url: Unknown<'_>,
        secret: Unknown<'_>,
        options: Unknown<'_>,
    ) -> napi::Result<Endpoint> {
        let url: String = input::arg(&env, "url", url)?;
        let read = Options::read(&env, options, &OPTIONS)?;
        let scheme: Option<String> = read.get("scheme")?;
        let scheme = run(&env, || hookwire::Scheme::from_name(scheme.as_deref().unwrap_or("hookwire")))?;
        let secrets = secret::secrets(&env, &secret)?;
        let mut endpoint = run(&env, || hookwire::Endpoint::new(&url, scheme, secrets))?;
        if let Some(subscription) = read.instance::<Subscription>("subscription")? {
            endpoint = endpoint.with_subscription(subscription.0.clone());
        }
        if let Some(retry) = read.raw("retry")? {
            endpoint = endpoint.with_retry_policy(retry_policy(&env, retry)?);
        }
        if let Some(headers) = read.raw("headers")? {
            for (name, value) in header_pairs(&env, headers)? {
                endpoint = run(&env, || endpoint.with_header(&name, &value))?;
            }
        }
        if let Some(ms) = read.get::<f64>("timeoutMs")? {
            let timeout = Duration::from_millis(input::whole(&env, "timeoutMs", ms)?);
            endpoint = run(&env, || endpoint.with_timeout(timeout))?;
        }
        if let Some(rate) = read.raw("rateLimit")? {
            let rate = rate_limit(&env, rate)?;
            endpoint = endpoint.with_rate_limit(rate);
        }
        if let Some(bytes) = read.get::<f64>("maxPayload")? {
            let bytes = input::whole(&env, "maxPayload", bytes)?;
            endpoint = endpoint.with_max_payload(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
        if read.get::<bool>("allowPrivate")?.unwrap_or(false) {
            endpoint = endpoint.with_url_guard(hookwire::UrlGuard::allowing_private_networks());
        }
        Ok(Endpoint(endpoint))
    }

    /// The request of one attempt: `POST` to the URL with `body`, signed at `now` by every
    /// secret, with the endpoint's headers. Throws `PayloadTooLarge`, `BlockedUrl` (the URL's
    /// guard), `InvalidArgument`.
    #[napi(ts_args_type = "options: RequestOptions")]
    pub fn request(&self, env: Env, options: Unknown<'_>) -> napi::Result<SignedRequest> {
        if matches!(options.get_type()?, ValueType::Undefined | ValueType::Null) {
            return Err(to_js(&env, &argument("options", "give { body, msgId }")));
        }
        let read = Options::read(&env, options, &["body", "msgId", "eventType", "now"])?;
        let Some(body) = read.raw("body")? else {
            return Err(to_js(&env, &argument("body", "is required")));
        };
        let body: Slice<'_> = input::body(&env, &body)?;
        let Some(msg_id) = read.get::<String>("msgId")? else {
            return Err(to_js(&env, &argument("msgId", "is required")));
        };
        let event_type: Option<String> = read.get("eventType")?;
        let now = match read.raw("now")? {
            Some(now) => input::instant(&env, "now", now)?,
            None => hookwire::UnixTime::now(),
        };
        let mut message = hookwire::OutgoingMessage::new(msg_id, body.bytes());
        if let Some(event_type) = event_type {
            message = message.with_event_type(event_type);
        }
        let request = run(&env, || self.0.request(&message, now))?;
        Ok(SignedRequest {
            method: request.method().as_str().to_owned(),
            url: request.uri().to_string(),
            headers: joined(request.headers()),
            body: Buffer::from(request.into_body()),
        })
    }

    /// Whether `event` goes to this endpoint (its subscription).
    #[napi(ts_args_type = "event: Event | WebhookEvent")]
    pub fn matches(&self, env: Env, event: Unknown<'_>) -> napi::Result<bool> {
        let event = input::instance::<Event>(&env, "event", event)?;
        Ok(self.0.subscription().matches(event.inner()))
    }

    /// The URL.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.0.url().to_string()
    }

    /// The scheme's name.
    #[napi(getter)]
    pub fn scheme(&self) -> String {
        self.0.signer().scheme().name().to_owned()
    }

    /// How many secrets sign each request.
    #[napi(getter)]
    pub fn secret_count(&self) -> u32 {
        u32::try_from(self.0.signer().secret_count()).unwrap_or(u32::MAX)
    }

    /// Which events go there.
    #[napi(getter)]
    pub fn subscription(&self) -> Subscription {
        Subscription(self.0.subscription().clone())
    }

    /// The custom headers (repeated ones joined with `, `).
    #[napi(getter)]
    pub fn headers(&self) -> HashMap<String, String> {
        joined(self.0.headers())
    }

    /// The retry policy.
    #[napi(getter)]
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy(self.0.retry_policy().clone())
    }

    /// How long the receiver has to answer (ms).
    #[napi(getter)]
    pub fn timeout_ms(&self) -> f64 {
        input::ms(self.0.timeout())
    }

    /// The pace, or null.
    #[napi(getter)]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.0
            .rate_limit()
            .map(|rate| RateLimit { count: rate.capacity(), period_ms: input::ms(rate.period()) })
    }

    /// The largest body sent (bytes).
    #[napi(getter)]
    pub fn max_payload(&self) -> f64 {
        self.0.max_payload() as f64
    }

    /// `Endpoint(https://hooks.example.com/…)`: never a secret.
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// Headers as a plain object, a repeated one's values joined with `, ` (RFC 9110's list form,
/// what fetch's `Headers` does too).
fn joined(headers: &http::HeaderMap) -> HashMap<String, String> {
    let mut joined: HashMap<String, String> = HashMap::with_capacity(headers.keys_len());
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        joined
            .entry(name.as_str().to_owned())
            .and_modify(|had| {
                had.push_str(", ");
                had.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    joined
}

/// A `RetryPolicy` or a preset name.
fn retry_policy(env: &Env, value: Unknown<'_>) -> napi::Result<hookwire::RetryPolicy> {
    if value.get_type()? == ValueType::String {
        let name = String::from_unknown(value)?;
        return run(env, || hookwire::RetryPolicy::from_name(&name));
    }
    match ClassInstance::<RetryPolicy>::from_unknown(value) {
        Ok(policy) => Ok(policy.0.clone()),
        Err(_) => Err(to_js(
            env,
            &argument(
                "retry",
                format!("must be a RetryPolicy or a preset name, got {}", input::type_of(&value)),
            ),
        )),
    }
}

/// `{ name: value }` with string values.
fn header_pairs(env: &Env, value: Unknown<'_>) -> napi::Result<Vec<(String, String)>> {
    let map: serde_json::Map<String, serde_json::Value> = input::arg(env, "headers", value)?;
    map.into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name, text)),
            _ => Err(to_js(env, &argument("headers", format!("the value of `{name}` must be a string")))),
        })
        .collect()
}

/// `{ count, periodMs }`.
fn rate_limit(env: &Env, value: Unknown<'_>) -> napi::Result<hookwire::RateLimit> {
    let read = Options::read(env, value, &["count", "periodMs"])?;
    let (Some(count), Some(period)) = (read.get::<f64>("count")?, read.get::<f64>("periodMs")?) else {
        return Err(to_js(env, &argument("rateLimit", "give { count, periodMs }")));
    };
    let count = input::whole(env, "count", count)?;
    let count = u32::try_from(count)
        .map_err(|_| to_js(env, &argument("count", format!("must be at most {}, got {count}", u32::MAX))))?;
    let period = Duration::from_millis(input::whole(env, "periodMs", period)?);
    run(env, || hookwire::RateLimit::new(count, period))
}
