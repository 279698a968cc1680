//! Secrets: parse, generate, redact, zeroize; ed25519 keys (`whsk_` / `whpk_`).

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::scheme::KeyRule;
use crate::Error;

const HMAC_PREFIX: &str = "whsec_";
const SIGNING_KEY_PREFIX: &str = "whsk_";
const VERIFYING_KEY_PREFIX: &str = "whpk_";

/// A webhook secret: an HMAC key, or an ed25519 signing or verifying key.
///
/// Parse the text your provider gave you with [`Secret::parse`]; how that text becomes key bytes
/// depends on the scheme (see [`KeyRule`]) and is decided when the secret is given to a
/// [`Signer`](crate::Signer) or [`Verifier`](crate::Verifier). The key material is zeroized on
/// drop and never printed: `Debug` shows `Secret(whsec_…redacted)`.
///
/// | text | meaning |
/// |---|---|
/// | `whsec_<base64>` | HMAC key (Standard Webhooks / Svix / hookwire form) |
/// | `whsk_<base64 of 64 bytes>` | ed25519 signing key, seed ‖ public key (signs `v1a`) |
/// | `whpk_<base64 of 32 bytes>` | ed25519 verifying key (verifies `v1a`) |
/// | anything else | a plain-text HMAC secret (GitHub, Stripe, Slack, ...) |
///
/// ```
/// use hookwire::Secret;
///
/// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// assert_eq!(format!("{secret:?}"), "Secret(whsec_…redacted)");
///
/// // Common mistakes are refused with a reason.
/// let err = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap_err();
/// assert_eq!(err.code(), "invalid_secret");
///
/// // A fresh secret for a new endpoint: 32 random bytes, shown once to the user.
/// let fresh = Secret::generate();
/// assert!(fresh.expose_text().unwrap().starts_with("whsec_"));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    material: Material,
}

#[derive(Clone)]
enum Material {
    /// Text as given; `decoded` holds the bytes after `whsec_` when the text has that prefix.
    Text { text: Zeroizing<String>, decoded: Option<Zeroizing<Vec<u8>>> },
    /// Raw key bytes from [`Secret::from_bytes`].
    Bytes(Zeroizing<Vec<u8>>),
    /// `whsk_`: zeroized on drop by ed25519-dalek.
    SigningKey(Box<SigningKey>),
    /// `whpk_`: public, but kept behind the same redaction for uniformity.
    VerifyingKey(VerifyingKey),
}

/// What a secret becomes once a scheme's [`KeyRule`] is applied.
pub(crate) enum Key {
    Hmac(Zeroizing<Vec<u8>>),
    Sign(SigningKey),
    Verify(VerifyingKey),
}

impl Secret {
    /// Parses a secret from its text form (see the table on [`Secret`]).
    ///
    /// Fails with `invalid_secret` when the text is empty, has leading or trailing whitespace
    /// (often a newline read from a file), has a `whsec_`/`whsk_`/`whpk_` prefix followed by
    /// something that is not the base64 that prefix promises, or decodes to no bytes. The error
    /// never contains the secret.
    pub fn parse(text: &str) -> Result<Secret, Error> {
        if text.is_empty() {
            return Err(Error::secret("the secret is empty"));
        }
        if text.trim() != text {
            return Err(Error::secret(
                "the secret has leading or trailing whitespace (a newline from a file or an \
                 environment variable?); strip it before parsing",
            ));
        }
        let material = if let Some(rest) = text.strip_prefix(HMAC_PREFIX) {
            let decoded = decode_base64(rest, HMAC_PREFIX)?;
            if decoded.is_empty() {
                return Err(Error::secret("the secret has no key bytes after `whsec_`"));
            }
            Material::Text { text: Zeroizing::new(text.to_owned()), decoded: Some(decoded) }
        } else if let Some(rest) = text.strip_prefix(SIGNING_KEY_PREFIX) {
            let bytes = decode_base64(rest, SIGNING_KEY_PREFIX)?;
            let pair: Zeroizing<[u8; 64]> = Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
                Error::secret("a `whsk_` key must hold 64 bytes (ed25519 seed followed by public key)")
            })?);
            let key = SigningKey::from_keypair_bytes(&pair).map_err(|_| {
                Error::secret("the public half of this `whsk_` key does not belong to its seed")
            })?;
            Material::SigningKey(Box::new(key))
        } else if let Some(rest) = text.strip_prefix(VERIFYING_KEY_PREFIX) {
            let bytes = decode_base64(rest, VERIFYING_KEY_PREFIX)?;
            let bytes: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| Error::secret("a `whpk_` key must hold 32 bytes (ed25519 public key)"))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| Error::secret("this `whpk_` key is not a valid ed25519 public key"))?;
            Material::VerifyingKey(key)
        } else {
            Material::Text { text: Zeroizing::new(text.to_owned()), decoded: None }
        };
        Ok(Secret { material })
    }

    /// Uses these bytes as the HMAC key, whatever the scheme's [`KeyRule`] says about text.
    ///
    /// ```
    /// let secret = hookwire::Secret::from_bytes(&[7u8; 32])?;
    /// assert!(secret.expose_text().is_none());
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Secret, Error> {
        if bytes.is_empty() {
            return Err(Error::secret("the key is empty"));
        }
        Ok(Secret { material: Material::Bytes(Zeroizing::new(bytes.to_vec())) })
    }

    /// A new random HMAC secret: 32 bytes from the operating system's CSPRNG, as `whsec_<base64>`.
    ///
    /// # Panics
    /// Only if the operating system has no random source at all (a broken platform), never on
    /// input.
    pub fn generate() -> Secret {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill_random(&mut bytes[..]);
        let text = Zeroizing::new(format!("{HMAC_PREFIX}{}", BASE64.encode(&bytes[..])));
        Secret { material: Material::Text { text, decoded: Some(Zeroizing::new(bytes.to_vec())) } }
    }

    /// A new random ed25519 signing key (`whsk_…`), for the `v1a` signatures of Standard
    /// Webhooks. Give [`Secret::public_key`] to receivers.
    ///
    /// ```
    /// let key = hookwire::Secret::generate_ed25519();
    /// let public = key.public_key().unwrap();
    /// assert!(public.expose_text().unwrap().starts_with("whpk_"));
    /// ```
    pub fn generate_ed25519() -> Secret {
        let mut seed = Zeroizing::new([0u8; 32]);
        fill_random(&mut seed[..]);
        Secret { material: Material::SigningKey(Box::new(SigningKey::from_bytes(&seed))) }
    }

    /// The `whpk_` verifying key of an ed25519 secret; `None` for HMAC secrets.
    pub fn public_key(&self) -> Option<Secret> {
        let key = match &self.material {
            Material::SigningKey(key) => key.verifying_key(),
            Material::VerifyingKey(key) => *key,
            _ => return None,
        };
        Some(Secret { material: Material::VerifyingKey(key) })
    }

    /// The text form of this secret, to show or store it once (for example right after
    /// [`Secret::generate`]). `None` for secrets made with [`Secret::from_bytes`].
    ///
    /// The returned text is zeroized when dropped; do not log it.
    pub fn expose_text(&self) -> Option<Zeroizing<String>> {
        match &self.material {
            Material::Text { text, .. } => Some(text.clone()),
            Material::Bytes(_) => None,
            Material::SigningKey(key) => {
                let mut pair = Zeroizing::new(key.to_keypair_bytes());
                let text = format!("{SIGNING_KEY_PREFIX}{}", BASE64.encode(&pair[..]));
                zeroize::Zeroize::zeroize(&mut *pair);
                Some(Zeroizing::new(text))
            }
            Material::VerifyingKey(key) => {
                Some(Zeroizing::new(format!("{VERIFYING_KEY_PREFIX}{}", BASE64.encode(key.as_bytes()))))
            }
        }
    }

    /// Applies a scheme's key rule: the key this secret stands for under that scheme.
    pub(crate) fn key_for(&self, rule: KeyRule, min_len: usize, scheme: &str) -> Result<Key, Error> {
        let hmac_key = match (&self.material, rule) {
            (Material::SigningKey(key), _) => return Ok(Key::Sign((**key).clone())),
            (Material::VerifyingKey(key), _) => return Ok(Key::Verify(*key)),
            (Material::Bytes(bytes), _) => bytes.clone(),
            (
                Material::Text { decoded: Some(bytes), .. },
                KeyRule::PrefixedBase64OrText | KeyRule::Base64,
            ) => bytes.clone(),
            (Material::Text { text, .. }, KeyRule::Text | KeyRule::PrefixedBase64OrText) => {
                Zeroizing::new(text.as_bytes().to_vec())
            }
            (Material::Text { text, decoded: None }, KeyRule::Base64) => {
                let bytes = BASE64.decode(text.as_bytes()).map_err(|_| {
                    Error::secret(format!(
                        "the {scheme} scheme expects a base64 secret, usually written `whsec_<base64>`"
                    ))
                })?;
                let bytes = Zeroizing::new(bytes);
                if bytes.is_empty() {
                    return Err(Error::secret("the secret decodes to no key bytes"));
                }
                bytes
            }
        };
        if hmac_key.len() < min_len {
            return Err(Error::secret(format!(
                "the {scheme} scheme needs a key of at least {min_len} bytes, this one has {}; \
                 use Secret::generate()",
                hmac_key.len()
            )));
        }
        Ok(Key::Hmac(hmac_key))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.material {
            Material::Text { decoded: Some(_), .. } => HMAC_PREFIX,
            Material::Text { decoded: None, .. } => "",
            Material::Bytes(_) => "bytes:",
            Material::SigningKey(_) => SIGNING_KEY_PREFIX,
            Material::VerifyingKey(_) => VERIFYING_KEY_PREFIX,
        };
        write!(f, "Secret({kind}…redacted)")
    }
}

fn decode_base64(text: &str, prefix: &'static str) -> Result<Zeroizing<Vec<u8>>, Error> {
    BASE64.decode(text.as_bytes()).map(Zeroizing::new).map_err(|_| {
        Error::secret(format!("the text after `{prefix}` is not valid base64 (RFC 4648, with padding)"))
    })
}

pub(crate) fn fill_random(buf: &mut [u8]) {
    // A platform without an OS random source cannot make secrets at all; there is no safe
    // fallback, and this never depends on caller input.
    getrandom::fill(buf).expect("the operating system's random source is unavailable");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        match Secret::parse(text) {
            Err(Error::InvalidSecret { reason }) => reason.into_owned(),
            other => panic!("expected invalid_secret for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn rejects_empty_whitespace_and_bad_base64_with_a_reason() {
        assert!(reason("").contains("empty"));
        assert!(reason(" whsec_AAAAAAAAAAAAAAAAAAAAAA==").contains("whitespace"));
        assert!(reason("whsec_AAAAAAAAAAAAAAAAAAAAAA==\n").contains("whitespace"));
        assert!(reason("whsec_!!!notbase64").contains("not valid base64"));
        assert!(reason("whsec_").contains("no key bytes"));
        assert!(reason("whsk_AAAA").contains("64 bytes"));
        assert!(reason("whpk_AAAA").contains("32 bytes"));
    }

    #[test]
    fn debug_never_shows_key_material() {
        for text in ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "plain-text-secret-value"] {
            let shown = format!("{:?}", Secret::parse(text).unwrap());
            assert!(!shown.contains("MfKQ") && !shown.contains("plain"), "{shown}");
            assert!(shown.ends_with("…redacted)"));
        }
        let key = Secret::generate_ed25519();
        assert_eq!(format!("{key:?}"), "Secret(whsk_…redacted)");
    }

    #[test]
    fn generated_secrets_are_distinct_32_byte_whsec() {
        let a = Secret::generate();
        let b = Secret::generate();
        let (ta, tb) = (a.expose_text().unwrap(), b.expose_text().unwrap());
        assert_ne!(*ta, *tb);
        let reparsed = Secret::parse(&ta).unwrap();
        match reparsed.key_for(KeyRule::Base64, 16, "test").unwrap() {
            Key::Hmac(bytes) => assert_eq!(bytes.len(), 32),
            _ => panic!("expected an HMAC key"),
        }
    }

    #[test]
    fn ed25519_text_round_trips_and_checks_the_public_half() {
        let key = Secret::generate_ed25519();
        let text = key.expose_text().unwrap();
        let again = Secret::parse(&text).unwrap();
        assert_eq!(
            *again.public_key().unwrap().expose_text().unwrap(),
            *key.public_key().unwrap().expose_text().unwrap()
        );
        // Swap in another key's public half: must be refused.
        let other = Secret::generate_ed25519();
        let mut pair = BASE64.decode(&text[SIGNING_KEY_PREFIX.len()..]).unwrap();
        let other_pair = BASE64.decode(&other.expose_text().unwrap()[SIGNING_KEY_PREFIX.len()..]).unwrap();
        pair[32..].copy_from_slice(&other_pair[32..]);
        assert!(reason(&format!("whsk_{}", BASE64.encode(&pair))).contains("does not belong"));
    }

    #[test]
    fn key_rules_turn_the_same_text_into_the_documented_bytes() {
        let secret = Secret::parse("whsec_AAECAwQFBgcICQoLDA0ODw==").unwrap();
        let hmac = |rule| match secret.key_for(rule, 0, "test").unwrap() {
            Key::Hmac(bytes) => bytes.to_vec(),
            _ => panic!("expected an HMAC key"),
        };
        assert_eq!(hmac(KeyRule::Base64), (0u8..16).collect::<Vec<_>>());
        assert_eq!(hmac(KeyRule::PrefixedBase64OrText), (0u8..16).collect::<Vec<_>>());
        assert_eq!(hmac(KeyRule::Text), b"whsec_AAECAwQFBgcICQoLDA0ODw==".to_vec());
        let plain = Secret::parse("not base64 at all").unwrap();
        assert_eq!(plain.key_for(KeyRule::Base64, 0, "svix").err().unwrap().code(), "invalid_secret");
        assert_eq!(
            plain.key_for(KeyRule::PrefixedBase64OrText, 32, "hookwire").err().unwrap().code(),
            "invalid_secret"
        );
    }
}
