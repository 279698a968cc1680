//! Signer: the headers a sender attaches to a webhook.

use std::io::Write as _;

use ed25519_dalek::Signer as _;
use http::{HeaderMap, HeaderValue};

use crate::mac::{Content, PreparedKey, MAX_ENCODED};
use crate::scheme::{HeaderSpec, Scheme, TimestampSource};
use crate::time::MAX_TIMESTAMP;
use crate::{Error, Secret};

/// The longest message id accepted, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// A new random message id: `msg_` and 24 hex digits (96 random bits), for senders that have
/// no id of their own. Retries of one message must reuse its id.
///
/// ```
/// let id = hookwire::new_message_id();
/// assert!(id.starts_with("msg_") && id.len() == 28);
/// assert_ne!(id, hookwire::new_message_id());
/// ```
pub fn new_message_id() -> String {
    let mut bytes = [0u8; 12];
    crate::secret::fill_random(&mut bytes);
    let mut hex = [0u8; 24];
    let hex = base16ct::lower::encode_str(&bytes, &mut hex).unwrap_or_default();
    format!("msg_{hex}")
}

/// Signs outgoing webhooks for one scheme with one or more secrets.
///
/// With several secrets ([`with_secret`](Signer::with_secret),
/// [`from_secrets`](Signer::from_secrets)) every message carries one signature per secret, so
/// receivers can move from the old secret to the new one at their own pace: rotation without
/// downtime.
///
/// ```
/// use hookwire::{Scheme, Secret, Signer};
///
/// let signer = Signer::new(Scheme::hookwire(), Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
/// let headers = signer.sign_event("msg_2Kx", 1_700_000_000, "order.created", br#"{"id":1}"#)?;
/// assert_eq!(headers["x-webhook-id"], "msg_2Kx");
/// assert_eq!(headers["x-webhook-timestamp"], "1700000000");
/// assert_eq!(headers["x-webhook-event"], "order.created");
/// assert!(headers["x-webhook-signature"].to_str().unwrap().starts_with("sha256="));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    scheme: Scheme,
    /// An invalid secret is kept as its error so that [`Signer::new`] stays infallible; every
    /// call then reports it.
    keys: Result<Vec<PreparedKey>, Error>,
}

impl Signer {
    /// A signer for `scheme` with one secret.
    ///
    /// A secret that the scheme cannot use (too short, a `whpk_` public key, ...) makes every
    /// [`sign`](Signer::sign) fail with `invalid_secret`; use [`Signer::try_new`] to learn it
    /// at once.
    pub fn new(scheme: Scheme, secret: Secret) -> Signer {
        let keys = signing_key(&secret, &scheme).map(|key| vec![key]);
        Signer { scheme, keys }
    }

    /// Like [`Signer::new`], but fails at once with `invalid_secret`.
    pub fn try_new(scheme: Scheme, secret: Secret) -> Result<Signer, Error> {
        let signer = Signer::new(scheme, secret);
        signer.keys.as_ref().map_err(Clone::clone)?;
        Ok(signer)
    }

    /// A signer for `scheme` with every secret of `secrets` (rotation: one signature each), as
    /// [`Verifier::new`](crate::Verifier::new) takes them. No secret, or one the scheme cannot
    /// use, makes every [`sign`](Signer::sign) fail with `invalid_secret`; use
    /// [`try_from_secrets`](Signer::try_from_secrets) to learn it at once.
    ///
    /// ```
    /// use hookwire::{Scheme, Secret, Signer};
    ///
    /// let (old, new) = (Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?, Secret::generate());
    /// let signer = Signer::try_from_secrets(Scheme::standard_webhooks(), [old, new])?;
    /// let headers = signer.sign("msg_1", 1_700_000_000, b"{}")?;
    /// assert_eq!(headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn from_secrets(scheme: Scheme, secrets: impl IntoIterator<Item = Secret>) -> Signer {
        let keys = secrets.into_iter().map(|secret| signing_key(&secret, &scheme)).collect();
        let keys = match keys {
            Ok(keys) if Vec::is_empty(&keys) => {
                Err(Error::secret(format!("no secret was given to the {} signer", scheme.name)))
            }
            other => other,
        };
        Signer { scheme, keys }
    }

    /// Like [`from_secrets`](Signer::from_secrets), but fails at once with `invalid_secret`.
    pub fn try_from_secrets(
        scheme: Scheme,
        secrets: impl IntoIterator<Item = Secret>,
    ) -> Result<Signer, Error> {
        let signer = Signer::from_secrets(scheme, secrets);
        signer.keys.as_ref().map_err(Clone::clone)?;
        Ok(signer)
    }

    /// Like [`with_secret`](Signer::with_secret), but fails at once with `invalid_secret` (on
    /// this secret or an earlier one).
    pub fn try_with_secret(self, secret: Secret) -> Result<Signer, Error> {
        let signer = self.with_secret(secret);
        signer.keys.as_ref().map_err(Clone::clone)?;
        Ok(signer)
    }

    /// Adds a secret: each message is signed once more with it (rotation).
    pub fn with_secret(mut self, secret: Secret) -> Signer {
        if let Ok(keys) = &mut self.keys {
            match signing_key(&secret, &self.scheme) {
                Ok(key) => keys.push(key),
                Err(err) => self.keys = Err(err),
            }
        }
        self
    }

    /// The scheme this signer writes.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// How many secrets sign each message (0 when a secret was refused: see
    /// [`try_new`](Signer::try_new)).
    pub fn secret_count(&self) -> usize {
        self.keys.as_ref().map_or(0, Vec::len)
    }

    /// Every header the scheme sends for this message: signature(s), and the id and timestamp
    /// headers where the scheme has them.
    ///
    /// `id` must be 1–256 visible ASCII characters without `.` (a `.` would make
    /// `{id}.{timestamp}.{body}` ambiguous); `timestamp` is unix seconds, not negative. Both are
    /// checked for every scheme, so a message id valid for one is valid for all.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<HeaderMap, Error> {
        self.sign_inner(id, timestamp, None, body)
    }

    /// [`sign`](Signer::sign), plus the event type header where the scheme has one
    /// (`X-Webhook-Event`, `X-GitHub-Event`, `X-Shopify-Topic`, `X-AuraConnect-Event`).
    pub fn sign_event(
        &self,
        id: &str,
        timestamp: i64,
        event_type: &str,
        body: &[u8],
    ) -> Result<HeaderMap, Error> {
        self.sign_inner(id, timestamp, Some(event_type), body)
    }

    /// Signs `request`'s body and sets the scheme's headers on it, replacing earlier ones (so
    /// a retry can be signed again with a fresh timestamp).
    ///
    /// ```
    /// use hookwire::{Scheme, Secret, Signer};
    ///
    /// let signer = Signer::new(Scheme::github(), Secret::parse("It's a Secret to Everybody")?);
    /// let mut request = http::Request::post("https://example.com/hook").body(b"Hello, World!".to_vec()).unwrap();
    /// signer.sign_request(&mut request, "delivery-1", 1_700_000_000)?;
    /// assert_eq!(
    ///     request.headers()["x-hub-signature-256"],
    ///     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    /// );
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn sign_request<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        id: &str,
        timestamp: i64,
    ) -> Result<(), Error> {
        let headers = self.sign(id, timestamp, request.body().as_ref())?;
        for (name, value) in headers {
            if let Some(name) = name {
                request.headers_mut().insert(name, value);
            }
        }
        Ok(())
    }

    fn sign_inner(
        &self,
        id: &str,
        timestamp: i64,
        event_type: Option<&str>,
        body: &[u8],
    ) -> Result<HeaderMap, Error> {
        let keys = self.keys.as_ref().map_err(Clone::clone)?;
        check_id(id)?;
        if !(0..=MAX_TIMESTAMP).contains(&timestamp) {
            return Err(Error::argument("timestamp", "must be unix seconds, from 0 to 10^18 - 1"));
        }
        if let Some(event) = event_type {
            if event.is_empty() || !event.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::argument("event_type", "must be non-empty visible ASCII"));
            }
        }
        const TS_ROOM: usize = 20;
        let mut ts_buf = [0u8; TS_ROOM];
        let ts_len = {
            let mut cursor = &mut ts_buf[..];
            write!(cursor, "{timestamp}").map_err(|_| Error::argument("timestamp", "too large"))?;
            TS_ROOM - cursor.len()
        };
        let ts_text = &ts_buf[..ts_len];
        let scheme = &self.scheme;
        let content = Content { parts: &scheme.content, id: id.as_bytes(), timestamp: ts_text, body };
        let signature = self.signature_value(keys, &content)?;

        let mut headers = HeaderMap::with_capacity(4);
        let mut set = |spec: &HeaderSpec, value: &[u8]| -> Result<(), Error> {
            let value = HeaderValue::from_bytes(value)
                .map_err(|_| Error::Internal { reason: "built an invalid header value".into() })?;
            headers.insert(spec.name.clone(), value);
            Ok(())
        };
        set(&scheme.signature, signature.as_bytes())?;
        if let Some(spec) = &scheme.id {
            set(spec, id.as_bytes())?;
        }
        if let Some(TimestampSource::Header(spec)) = scheme.timestamp.as_ref().map(|t| &t.source) {
            set(spec, ts_text)?;
        }
        if let (Some(spec), Some(event)) = (&scheme.event, event_type) {
            set(spec, event.as_bytes())?;
        }
        Ok(headers)
    }

    fn signature_value(&self, keys: &[PreparedKey], content: &Content<'_>) -> Result<String, Error> {
        let format = &self.scheme.format;
        let mut value = String::with_capacity(keys.len() * 72 + 16);
        let mut push = |version: Option<&str>, text: &str| {
            if !value.is_empty() {
                value.push(format.list_separator);
            }
            if let Some(version) = version {
                value.push_str(version);
                value.push(format.version_separator);
            }
            value.push_str(text);
        };
        if let Some(TimestampSource::SignatureParameter(key)) =
            self.scheme.timestamp.as_ref().map(|t| &t.source)
        {
            push(Some(key), std::str::from_utf8(content.timestamp).unwrap_or_default());
        }
        let mut buf = [0u8; MAX_ENCODED];
        for key in keys {
            match key {
                PreparedKey::Hmac(mac) => {
                    let n = self.scheme.encoding.encode(&content.hmac(mac), &mut buf)?;
                    push(format.version.as_deref(), std::str::from_utf8(&buf[..n]).unwrap_or_default());
                }
                PreparedKey::Sign(signing) => {
                    let signature = signing.sign(&content.to_vec()).to_bytes();
                    let n = crate::scheme::Encoding::Base64.encode(&signature, &mut buf)?;
                    push(
                        format.ed25519_version.as_deref(),
                        std::str::from_utf8(&buf[..n]).unwrap_or_default(),
                    );
                }
                PreparedKey::Verify(_) => {
                    return Err(Error::Internal { reason: "a verifying key reached the signer".into() })
                }
            }
        }
        Ok(value)
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secrets = self.keys.as_ref().map(Vec::len).unwrap_or(0);
        f.debug_struct("Signer").field("scheme", &self.scheme.name).field("secrets", &secrets).finish()
    }
}

fn signing_key(secret: &Secret, scheme: &Scheme) -> Result<PreparedKey, Error> {
    let key = PreparedKey::new(secret, scheme)?;
    if let PreparedKey::Verify(_) = key {
        return Err(Error::secret(format!(
            "the {} scheme cannot sign with a whpk_ public key, which only verifies; sign with the whsk_ key",
            scheme.name
        )));
    }
    Ok(key)
}

/// Checks a message id: 1–256 visible ASCII characters, no `.`.
pub(crate) fn check_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(Error::argument("id", "must be 1 to 256 characters"));
    }
    if !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::argument("id", "must be visible ASCII (it travels in a header)"));
    }
    if id.contains('.') {
        return Err(Error::argument("id", "must not contain `.`, which separates the signed parts"));
    }
    Ok(())
}
