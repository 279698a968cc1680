//! `Signer`: the headers to send with a webhook.

use std::collections::HashMap;
use std::sync::Arc;

use hookwire::Scheme;

use crate::convert::header_pairs;
use crate::error::{run, WebhookError};
use crate::secret::Secret;

/// Signs outgoing webhooks with one or more secrets (one signature each: rotation).
///
/// ```kotlin
/// val signer = Signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme = "standard-webhooks")
/// val headers: Map<String, String> = signer.sign(body, msgId = "msg_1")
/// ```
#[derive(uniffi::Object)]
pub struct Signer(hookwire::Signer);

#[uniffi::export]
impl Signer {
    /// A signer with one secret (its text) for `scheme` (`hookwire`, `standard-webhooks`,
    /// `svix`, `github`, `stripe`, ...; see `schemes()`). Errors: `invalid_secret`,
    /// `unknown_scheme`.
    #[uniffi::constructor(default(scheme = "hookwire"))]
    pub fn new(secret: String, scheme: String) -> Result<Arc<Signer>, WebhookError> {
        let secret = zeroize::Zeroizing::new(secret);
        run(|| signer(&scheme, vec![hookwire::Secret::parse(&secret)?]))
    }

    /// A signer with several secrets (rotation: every message carries one signature per
    /// secret), or with byte or ed25519 secrets.
    #[uniffi::constructor(default(scheme = "hookwire"))]
    pub fn with_secrets(secrets: Vec<Arc<Secret>>, scheme: String) -> Result<Arc<Signer>, WebhookError> {
        run(|| signer(&scheme, secrets.iter().map(|s| s.0.clone()).collect()))
    }

    /// The headers to send with `body`: signature(s), and the id, timestamp and event headers
    /// where the scheme has them. `msg_id` defaults to a random id, `timestamp` (unix seconds)
    /// to now. Errors: `invalid_argument` (an id with `.`, a negative timestamp, ...).
    #[uniffi::method(default(msg_id = None, timestamp = None, event_type = None))]
    pub fn sign(
        &self,
        body: Vec<u8>,
        msg_id: Option<String>,
        timestamp: Option<i64>,
        event_type: Option<String>,
    ) -> Result<HashMap<String, String>, WebhookError> {
        run(|| {
            let id = msg_id.unwrap_or_else(hookwire::new_message_id);
            let timestamp = timestamp.unwrap_or_else(|| hookwire::unix_now().as_secs());
            let headers = match &event_type {
                Some(event_type) => self.0.sign_event(&id, timestamp, event_type, &body)?,
                None => self.0.sign(&id, timestamp, &body)?,
            };
            Ok(header_pairs(&headers))
        })
    }

    /// The scheme's name.
    pub fn scheme(&self) -> String {
        self.0.scheme().name().to_owned()
    }
}

fn signer(scheme: &str, secrets: Vec<hookwire::Secret>) -> Result<Arc<Signer>, WebhookError> {
    let scheme = Scheme::from_name(scheme)?;
    Ok(Arc::new(Signer(hookwire::Signer::try_from_secrets(scheme, secrets)?)))
}
