//! `Secret`: a signing or verifying key that never shows itself.

use std::sync::Arc;

use crate::error::{run, WebhookError};

/// A webhook secret (`whsec_…`, a provider's text secret, raw bytes, or an ed25519 key
/// `whsk_…` / `whpk_…`). Its `toString()` / `description` never shows the key.
///
/// ```kotlin
/// val secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
/// val fresh = Secret.generate()
/// ```
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Secret(pub(crate) hookwire::Secret);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[uniffi::export]
impl Secret {
    /// Parses a secret's text. Errors: `invalid_secret` (empty, whitespace around it, bad
    /// base64 after `whsec_`, ...).
    #[uniffi::constructor]
    pub fn new(text: String) -> Result<Arc<Secret>, WebhookError> {
        let text = zeroize::Zeroizing::new(text);
        run(|| Ok(Arc::new(Secret(hookwire::Secret::parse(&text)?))))
    }

    /// A secret from raw key bytes.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Secret>, WebhookError> {
        let bytes = zeroize::Zeroizing::new(bytes);
        run(|| Ok(Arc::new(Secret(hookwire::Secret::from_bytes(&bytes)?))))
    }

    /// A new random secret: `whsec_` and 32 random bytes.
    #[uniffi::constructor]
    pub fn generate() -> Arc<Secret> {
        Arc::new(Secret(hookwire::Secret::generate()))
    }

    /// A new ed25519 signing key (`whsk_…`); [`public_key`](Secret::public_key) gives the key
    /// receivers verify with.
    #[uniffi::constructor]
    pub fn generate_ed25519() -> Arc<Secret> {
        Arc::new(Secret(hookwire::Secret::generate_ed25519()))
    }

    /// The public key (`whpk_…`) of an ed25519 signing key; none for other secrets.
    pub fn public_key(&self) -> Option<Arc<Secret>> {
        self.0.public_key().map(|key| Arc::new(Secret(key)))
    }

    /// The secret's text, to store it (`whsec_…`, `whsk_…`, `whpk_…` or the text it was parsed
    /// from); none for a secret made from raw bytes.
    pub fn expose_text(&self) -> Option<String> {
        self.0.expose_text().map(|text| text.to_string())
    }
}
