//! The MAC (or ed25519 signature) over a scheme's signed content, shared by signer and verifier.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::scheme::{Encoding, Part, Scheme};
use crate::secret::{Key, Secret};
use crate::Error;

pub(crate) type HmacSha256 = hmac::Hmac<Sha256>;

/// Length of an HMAC-SHA256 tag.
pub(crate) const MAC_LEN: usize = 32;
/// Length of an ed25519 signature.
pub(crate) const ED25519_LEN: usize = 64;
/// Room for the longest encoded signature: 64 bytes in base64 is 88 characters.
pub(crate) const MAX_ENCODED: usize = 88;

/// A secret made ready for one scheme, once, when a signer or verifier is built.
#[derive(Clone)]
pub(crate) enum PreparedKey {
    /// HMAC-SHA256 with the inner and outer hash states already keyed: each message clones
    /// them instead of hashing the padded key twice again. Zeroized on drop.
    Hmac(HmacSha256),
    Sign(Box<SigningKey>),
    Verify(VerifyingKey),
}

impl PreparedKey {
    pub(crate) fn new(secret: &Secret, scheme: &Scheme) -> Result<PreparedKey, Error> {
        let key = secret.key_for(scheme.key_rule, scheme.min_key_len, &scheme.name)?;
        if !matches!(key, Key::Hmac(_)) && scheme.format.ed25519_version.is_none() {
            return Err(Error::secret(format!(
                "the {} scheme has no ed25519 signatures; give it an HMAC secret, not a whsk_/whpk_ key",
                scheme.name
            )));
        }
        Ok(match key {
            Key::Hmac(bytes) => PreparedKey::Hmac(
                HmacSha256::new_from_slice(&bytes)
                    .map_err(|_| Error::Internal { reason: "HMAC refused a key length".into() })?,
            ),
            Key::Sign(key) => PreparedKey::Sign(Box::new(key)),
            Key::Verify(key) => PreparedKey::Verify(key),
        })
    }
}

/// The bytes a scheme signs, kept as pieces so they stream into the MAC without being copied
/// into one buffer.
pub(crate) struct Content<'a> {
    pub(crate) parts: &'a [Part],
    pub(crate) id: &'a [u8],
    pub(crate) timestamp: &'a [u8],
    pub(crate) body: &'a [u8],
}

impl Content<'_> {
    fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for part in self.parts {
            match part {
                Part::Id => f(self.id),
                Part::Timestamp => f(self.timestamp),
                Part::Body => f(self.body),
                Part::Literal(text) => f(text.as_bytes()),
            }
        }
    }

    pub(crate) fn hmac(&self, key: &HmacSha256) -> [u8; MAC_LEN] {
        let mut mac = key.clone();
        self.for_each(|bytes| mac.update(bytes));
        mac.finalize().into_bytes().into()
    }

    /// The content in one buffer, for ed25519, whose API needs the whole message.
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        let mut all = Vec::new();
        self.for_each(|bytes| all.extend_from_slice(bytes));
        all
    }
}

impl Encoding {
    /// For an encoding with one spelling per tag (lower-case hex, canonical base64): the length
    /// of an HMAC tag's text, and every character that text can hold. `None` for hex in any case.
    pub(crate) fn one_spelling(self) -> Option<(usize, &'static [u8])> {
        match self {
            Encoding::HexLower => Some((MAC_LEN * 2, b"0123456789abcdef")),
            Encoding::Base64 => Some((
                MAC_LEN.div_ceil(3) * 4,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
            )),
            Encoding::HexAnyCase => None,
        }
    }

    /// Writes `mac` into `out` and returns the text.
    pub(crate) fn encode(self, mac: &[u8], out: &mut [u8; MAX_ENCODED]) -> Result<usize, Error> {
        let written = match self {
            Encoding::HexLower | Encoding::HexAnyCase => {
                base16ct::lower::encode(mac, out).map(<[u8]>::len).ok()
            }
            Encoding::Base64 => BASE64.encode_slice(mac, out).ok(),
        };
        written.ok_or(Error::Internal { reason: "encoded signature larger than its buffer".into() })
    }

    /// Decodes a received signature of exactly `len` bytes into `out`; `None` when the text is
    /// not such a signature in this encoding (wrong length, wrong alphabet, wrong case).
    pub(crate) fn decode<'o>(
        self,
        text: &(impl AsRef<[u8]> + ?Sized),
        len: usize,
        out: &'o mut [u8; ED25519_LEN + 2],
    ) -> Option<&'o [u8]> {
        let text = text.as_ref();
        let decoded = match self {
            Encoding::HexLower | Encoding::HexAnyCase if text.len() != len * 2 => return None,
            Encoding::HexLower => base16ct::lower::decode(text, &mut out[..len]).ok()?,
            Encoding::HexAnyCase => base16ct::mixed::decode(text, &mut out[..len]).ok()?,
            Encoding::Base64 => {
                if text.len() != len.div_ceil(3) * 4 {
                    return None;
                }
                let n = BASE64.decode_slice(text, out).ok()?;
                &out[..n]
            }
        };
        (decoded.len() == len).then_some(decoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_accepts_exactly_one_spelling_per_encoding() {
        let mut buf = [0u8; ED25519_LEN + 2];
        let hex = "ab".repeat(MAC_LEN);
        assert_eq!(Encoding::HexLower.decode(&hex, MAC_LEN, &mut buf), Some(&[0xab; MAC_LEN][..]));
        assert_eq!(Encoding::HexLower.decode(&hex.to_uppercase(), MAC_LEN, &mut buf), None);
        assert!(Encoding::HexAnyCase.decode(&hex.to_uppercase(), MAC_LEN, &mut buf).is_some());
        assert_eq!(Encoding::HexLower.decode(&hex[2..], MAC_LEN, &mut buf), None);
        assert_eq!(Encoding::HexLower.decode(&format!("{}zz", &hex[2..]), MAC_LEN, &mut buf), None);

        let b64 = BASE64.encode([0xab; MAC_LEN]);
        assert!(Encoding::Base64.decode(&b64, MAC_LEN, &mut buf).is_some());
        assert_eq!(Encoding::Base64.decode(b64.trim_end_matches('='), MAC_LEN, &mut buf), None);
        // Non-canonical last character (trailing bits set) is refused.
        let mut bent = b64.clone().into_bytes();
        bent[42] = b'v';
        assert_eq!(Encoding::Base64.decode(std::str::from_utf8(&bent).unwrap(), MAC_LEN, &mut buf), None);
        assert!(Encoding::Base64.decode(&BASE64.encode([1u8; ED25519_LEN]), ED25519_LEN, &mut buf).is_some());
    }

    #[test]
    fn streamed_content_equals_the_concatenation() {
        let key = HmacSha256::new_from_slice(b"key").unwrap();
        let content = Content {
            parts: &[Part::Id, Part::literal("."), Part::Timestamp, Part::literal("."), Part::Body],
            id: b"msg_1",
            timestamp: b"1700000000",
            body: b"{\"a\":1}",
        };
        let mut whole = key.clone();
        whole.update(b"msg_1.1700000000.{\"a\":1}");
        assert_eq!(content.hmac(&key), <[u8; 32]>::from(whole.finalize().into_bytes()));
        assert_eq!(content.to_vec(), b"msg_1.1700000000.{\"a\":1}");
    }
}
