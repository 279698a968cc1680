//! Secrets: parse, generate, redact, zeroize; ed25519 keys (`whsk_` / `whpk_`).

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD as BASE64};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::scheme::KeyRule;
use crate::Error;

const HMAC_PREFIX: &str = "whsec_";
const SIGNING_KEY_PREFIX: &str = "whsk_";
const VERIFYING_KEY_PREFIX: &str = "whpk_";

/// A webhook secret: an HMAC key, or an ed25519 signing or verifying key.
///
/// Parse the text your provider gave you with [`Secret::parse`]; the text is kept as it is, and
/// how it becomes key bytes is the scheme's business (see [`KeyRule`]), decided when the secret
/// is given to a [`Signer`](crate::Signer) or [`Verifier`](crate::Verifier). The key material
/// is zeroized on drop and never printed: `Debug` shows `Secret(whsec_…redacted)`.
///
/// | text | meaning |
/// |---|---|
/// | `whsec_<base64>` | HMAC key: decoded by base64 schemes (Standard Webhooks, Svix) and by hookwire's own; the whole text is the key for text schemes (Stripe's `whsec_…` secrets) |
/// | `whsk_<base64 of 64 bytes>` | ed25519 signing key, seed ‖ public key (signs `v1a`) |
/// | `whpk_<base64 of 32 bytes>` | ed25519 verifying key (verifies `v1a`) |
/// | anything else | a plain-text HMAC secret (GitHub, Stripe, Slack, ...), or bare base64 for base64 schemes |
///
/// ```
/// use hookwire::{Scheme, Secret, Verifier};
///
/// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// assert_eq!(format!("{secret:?}"), "Secret(whsec_…redacted)");
///
/// // Common mistakes are refused with a reason.
/// let err = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap_err();
/// assert_eq!(err.code(), "invalid_secret");
///
/// // Stripe's test secret is not base64 after `whsec_`, and need not be: Stripe keys with the
/// // whole text. A base64 scheme cannot use it, and says so when the verifier is built.
/// let stripe = Secret::parse("whsec_test_secret")?;
/// assert!(Verifier::try_new(Scheme::stripe(), [stripe.clone()]).is_ok());
/// let err = Verifier::try_new(Scheme::svix(), [stripe]).unwrap_err();
/// assert!(err.to_string().contains("svix"), "{err}");
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
    /// Text as given: the scheme's key rule decides what it stands for.
    Text(Zeroizing<String>),
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
    /// The text is kept as it is: whether a scheme can use it is checked when the secret is
    /// given to a [`Signer`](crate::Signer) or [`Verifier`](crate::Verifier) (a `whsec_` text
    /// that is not base64 is a fine Stripe secret and no Svix secret at all). Refused here with
    /// `invalid_secret` is only what no scheme can use: an empty text, leading or trailing
    /// whitespace (often a newline read from a file), and a `whsk_`/`whpk_` key that is not the
    /// base64 ed25519 key its prefix promises. The error never contains the secret.
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
        let material = if let Some(rest) = text.strip_prefix(SIGNING_KEY_PREFIX) {
            let bytes = decode_key_base64(rest, SIGNING_KEY_PREFIX)?;
            let pair: Zeroizing<[u8; 64]> = Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
                Error::secret("a `whsk_` key must hold 64 bytes (ed25519 seed followed by public key)")
            })?);
            let key = SigningKey::from_keypair_bytes(&pair).map_err(|_| {
                Error::secret("the public half of this `whsk_` key does not belong to its seed")
            })?;
            Material::SigningKey(Box::new(key))
        } else if let Some(rest) = text.strip_prefix(VERIFYING_KEY_PREFIX) {
            let bytes = decode_key_base64(rest, VERIFYING_KEY_PREFIX)?;
            let bytes: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| Error::secret("a `whpk_` key must hold 32 bytes (ed25519 public key)"))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| Error::secret("this `whpk_` key is not a valid ed25519 public key"))?;
            Material::VerifyingKey(key)
        } else {
            Material::Text(Zeroizing::new(text.to_owned()))
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
        Secret { material: Material::Text(text) }
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
            Material::Text(text) => Some(text.clone()),
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

    /// Applies a scheme's key rule: the key this secret stands for under that scheme. Every
    /// refusal names the scheme, so a secret given to the wrong scheme says which one.
    pub(crate) fn key_for(&self, rule: KeyRule, min_len: usize, scheme: &str) -> Result<Key, Error> {
        let refuse = |why: &str| Error::secret(format!("the {scheme} scheme cannot use this secret: {why}"));
        let hmac_key = match (&self.material, rule) {
            (Material::SigningKey(key), _) => return Ok(Key::Sign((**key).clone())),
            (Material::VerifyingKey(key), _) => return Ok(Key::Verify(*key)),
            (Material::Bytes(bytes), _) => bytes.clone(),
            (Material::Text(text), KeyRule::Text) => Zeroizing::new(text.as_bytes().to_vec()),
            (Material::Text(text), KeyRule::Base64) => {
                let encoded = text.strip_prefix(HMAC_PREFIX).unwrap_or(text);
                base64_key(encoded).ok_or_else(|| {
                    refuse(
                        "it reads the secret as base64 (standard alphabet, padding optional) after an \
                         optional `whsec_`, and this text is not that",
                    )
                })?
            }
            (Material::Text(text), KeyRule::PrefixedBase64OrText) => match text.strip_prefix(HMAC_PREFIX) {
                Some(encoded) => base64_key(encoded).ok_or_else(|| {
                    refuse("the text after `whsec_` is not base64 (standard alphabet, padding optional)")
                })?,
                None => Zeroizing::new(text.as_bytes().to_vec()),
            },
        };
        if hmac_key.is_empty() {
            return Err(refuse("it holds no key bytes"));
        }
        if hmac_key.len() < min_len {
            return Err(refuse(&format!(
                "it needs a key of at least {min_len} bytes, this one has {}; use Secret::generate()",
                hmac_key.len()
            )));
        }
        Ok(Key::Hmac(hmac_key))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.material {
            Material::Text(text) if text.starts_with(HMAC_PREFIX) => HMAC_PREFIX,
            Material::Text(_) => "",
            Material::Bytes(_) => "bytes:",
            Material::SigningKey(_) => SIGNING_KEY_PREFIX,
            Material::VerifyingKey(_) => VERIFYING_KEY_PREFIX,
        };
        write!(f, "Secret({kind}…redacted)")
    }
}

/// The base64 of a `whsk_`/`whpk_` key: hookwire's own format, so one spelling only (padded,
/// canonical).
fn decode_key_base64(text: &str, prefix: &'static str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut bytes = Zeroizing::new(Vec::new());
    BASE64.decode_vec(text.as_bytes(), &mut bytes).map_err(|_| {
        Error::secret(format!("the text after `{prefix}` is not valid base64 (RFC 4648, with padding)"))
    })?;
    Ok(bytes)
}

/// Padded base64 that tolerates set trailing bits, as the reference libraries' decoders do
/// (a secret is chosen by its owner, so a second spelling of the same key is harmless).
const SECRET_PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);
/// The same without padding.
const SECRET_UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// The bytes of a base64 HMAC secret: standard alphabet, with its complete padding or with none
/// (Standard Webhooks' and Svix's libraries accept both). `None` if the text is not that.
fn base64_key(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let engine = if text.ends_with('=') { &SECRET_PADDED } else { &SECRET_UNPADDED };
    // Decoded straight into zeroized memory of the final size, so no copy of the key is left
    // behind by a reallocation.
    let mut bytes = Zeroizing::new(vec![0u8; text.len().div_ceil(4) * 3]);
    let len = engine.decode_slice(text.as_bytes(), &mut bytes[..]).ok()?;
    bytes.truncate(len);
    Some(bytes)
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

    fn hmac(secret: &Secret, rule: KeyRule) -> Result<Vec<u8>, Error> {
        match secret.key_for(rule, 0, "test")? {
            Key::Hmac(bytes) => Ok(bytes.to_vec()),
            _ => panic!("expected an HMAC key"),
        }
    }

    #[test]
    fn parse_refuses_only_what_no_scheme_can_use() {
        assert!(reason("").contains("empty"));
        assert!(reason(" whsec_AAAAAAAAAAAAAAAAAAAAAA==").contains("whitespace"));
        assert!(reason("whsec_AAAAAAAAAAAAAAAAAAAAAA==\n").contains("whitespace"));
        assert!(reason("whsk_AAAA").contains("64 bytes"));
        assert!(reason("whpk_AAAA").contains("32 bytes"));
        assert!(reason("whpk_!!!").contains("not valid base64"));
        // Text a text-key scheme can use is kept, whatever follows `whsec_`.
        for usable in
            ["whsec_test_secret", "whsec_!!!notbase64", "whsec_", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"]
        {
            assert!(Secret::parse(usable).is_ok(), "{usable}");
        }
    }

    #[test]
    fn debug_never_shows_key_material() {
        for text in ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "plain-text-secret-value", "whsec_test_secret"]
        {
            let shown = format!("{:?}", Secret::parse(text).unwrap());
            assert!(
                !shown.contains("MfKQ") && !shown.contains("plain") && !shown.contains("test"),
                "{shown}"
            );
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
        assert_eq!(hmac(&reparsed, KeyRule::Base64).unwrap().len(), 32);
        assert_eq!(hmac(&a, KeyRule::PrefixedBase64OrText).unwrap().len(), 32);
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
        let sixteen = (0u8..16).collect::<Vec<_>>();
        assert_eq!(hmac(&secret, KeyRule::Base64).unwrap(), sixteen);
        assert_eq!(hmac(&secret, KeyRule::PrefixedBase64OrText).unwrap(), sixteen);
        assert_eq!(hmac(&secret, KeyRule::Text).unwrap(), b"whsec_AAECAwQFBgcICQoLDA0ODw==".to_vec());
        let plain = Secret::parse("not base64 at all").unwrap();
        assert_eq!(hmac(&plain, KeyRule::Base64).unwrap_err().code(), "invalid_secret");
        assert_eq!(hmac(&plain, KeyRule::PrefixedBase64OrText).unwrap(), b"not base64 at all".to_vec());
        assert_eq!(
            plain.key_for(KeyRule::PrefixedBase64OrText, 32, "hookwire").err().unwrap().code(),
            "invalid_secret"
        );
    }

    #[test]
    fn base64_secrets_decode_with_or_without_padding() {
        // Table: text, bytes under the base64 rule (None: refused).
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("whsec_AAECAwQFBgcICQoLDA0ODw==", Some(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])),
            ("whsec_AAECAwQFBgcICQoLDA0ODw", Some(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])),
            ("AAECAwQFBgcICQoLDA0ODw", Some(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])),
            ("whsec_AAEC", Some(&[0, 1, 2])),
            ("whsec_AAE", Some(&[0, 1])),
            ("whsec_AAE=", Some(&[0, 1])),
            // Set trailing bits: the reference decoders accept them, so do we.
            ("whsec_AAF", Some(&[0, 1])),
            // Incomplete padding, a lone sixth-bit group, URL-safe alphabet, inner padding.
            ("whsec_AA=", None),
            ("whsec_AAECA", None),
            ("whsec_AA-_", None),
            ("whsec_AA==AAAA", None),
            ("whsec_test_secret", None),
            ("whsec_", None),
        ];
        for (text, bytes) in cases {
            let got = hmac(&Secret::parse(text).unwrap(), KeyRule::Base64).ok();
            assert_eq!(got.as_deref(), *bytes, "{text}");
        }
    }

    #[test]
    fn every_key_rule_refusal_names_the_scheme_and_the_reason() {
        let cases = [
            ("whsec_test_secret", KeyRule::Base64, 1, "base64"),
            ("whsec_test_secret", KeyRule::PrefixedBase64OrText, 16, "after `whsec_` is not base64"),
            ("whsec_", KeyRule::PrefixedBase64OrText, 16, "no key bytes"),
            ("whsec_", KeyRule::Base64, 1, "no key bytes"),
            ("short", KeyRule::PrefixedBase64OrText, 16, "at least 16 bytes"),
        ];
        for (text, rule, min, why) in cases {
            let err = Secret::parse(text).unwrap().key_for(rule, min, "acme").err().unwrap();
            assert_eq!(err.code(), "invalid_secret");
            let shown = err.to_string();
            assert!(shown.contains("the acme scheme") && shown.contains(why), "{text}: {shown}");
            assert!(!shown.contains("test_secret"), "{shown}");
        }
    }
}
