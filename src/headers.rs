//! HeaderSource: where a verifier reads header values from, so that a caller holding the values
//! in another shape (a binding's arguments, a framework's own header type) need not build an
//! `http::HeaderMap` first.

use http::{HeaderMap, HeaderName};

/// Headers a [`Verifier`](crate::Verifier) can read: every value of a header, by name.
///
/// Implemented for [`http::HeaderMap`] and for lists of `(name, value)` pairs — slices, arrays
/// and `Vec`s whose names and values are `&str`, `String`, `&[u8]`, `Vec<u8>`,
/// `http::HeaderName`/`HeaderValue` or anything else that is `AsRef<[u8]>` — so a caller that
/// already holds the three or four values a scheme reads ([`crate::Scheme::read_headers`]) passes them
/// as they are. Every rule of verification holds the same for each form: repeated headers,
/// the Svix fallback names, the signature entry cap, and the errors with their codes.
///
/// A pair list is read as an HTTP request carries it: names match ASCII-case-insensitively,
/// a name may repeat (its values are read in order), and a value the HTTP grammar would not
/// give as text (bytes outside visible ASCII and tab) is treated as a `HeaderMap` value that
/// is not `to_str`-able is: skipped in the signature header, `malformed_header` elsewhere.
///
/// ```
/// use hookwire::{Scheme, Secret, Signer, Verifier};
///
/// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let body = br#"{"type":"order.created"}"#;
/// let signed = Signer::new(Scheme::standard_webhooks(), secret.clone()).sign("msg_1", 1_700_000_000, body)?;
/// let value = |name: &str| signed[name].to_str().unwrap().to_owned();
///
/// // The values as a server or a binding hands them over: no HeaderMap is built.
/// let headers = [
///     ("Webhook-Id", value("webhook-id")),
///     ("Webhook-Timestamp", value("webhook-timestamp")),
///     ("Webhook-Signature", value("webhook-signature")),
/// ];
/// let verifier = Verifier::new(Scheme::standard_webhooks(), [secret]);
/// let message = verifier.verify_at(&headers, body, 1_700_000_010)?;
/// assert_eq!(message.id(), Some("msg_1"));
///
/// // Byte values, as ASGI servers give them, and a missing header is still `missing_header`.
/// let raw: &[(&[u8], &[u8])] = &[(b"webhook-id", b"msg_1"), (b"webhook-signature", b"v1,AAAA")];
/// assert_eq!(verifier.verify_at(raw, body, 1_700_000_010).unwrap_err().code(), "missing_header");
/// # Ok::<(), hookwire::Error>(())
/// ```
///
/// To read another type (a framework's header map), implement the one method on a wrapper of
/// it; the values must be returned in the order they were received.
pub trait HeaderSource {
    /// Every value of the header `name`, in the order received; none when it is absent.
    ///
    /// `name` is lower case ([`HeaderName::as_str`]); a source whose names may be in any case
    /// compares them ASCII-case-insensitively.
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]>;

    /// Every value of each of `names` (lower case, each once): `found(i, value)` for each value
    /// of `names[i]`, each name's values in the order received (the order between different
    /// names is free). A verifier reads its headers through this, once per request.
    ///
    /// The default looks each name up with [`header_values`](HeaderSource::header_values); a
    /// source that can find them all in one pass over its headers does so instead.
    fn each_value<'s>(&'s self, names: &[HeaderName], mut found: impl FnMut(usize, &'s [u8])) {
        for (index, name) in names.iter().enumerate() {
            for value in self.header_values(name) {
                found(index, value);
            }
        }
    }
}

/// A `HeaderMap` of at most this many names per name read is walked once instead of being
/// looked up name by name: `http` hashes a name byte by byte (FNV, one multiply per byte),
/// about 16 ns for `webhook-signature`, while passing over an entry and comparing its name
/// with three is about 4 ns. A request of a dozen headers is still walked; beyond, the
/// lookups cost less.
const WALK_KEYS_PER_NAME: usize = 4;

impl HeaderSource for HeaderMap {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        self.get_all(name).iter().map(|value| value.as_bytes())
    }

    fn each_value<'s>(&'s self, names: &[HeaderName], mut found: impl FnMut(usize, &'s [u8])) {
        if self.keys_len() > WALK_KEYS_PER_NAME * names.len() {
            for (index, name) in names.iter().enumerate() {
                for value in self.get_all(name) {
                    found(index, value.as_bytes());
                }
            }
            return;
        }
        // `iter` gives all the values of a name together, in the order they were appended.
        for (key, value) in self {
            if let Some(index) = position(names, key.as_str().as_bytes(), bytes_eq) {
                found(index, value.as_bytes());
            }
        }
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> HeaderSource for [(N, V)] {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        // `name` is lower case, so only the pair's name needs folding.
        let name = std::slice::from_ref(name);
        self.iter()
            .filter(move |(n, _)| position(name, n.as_ref(), same_name).is_some())
            .map(|(_, value)| value.as_ref())
    }

    fn each_value<'s>(&'s self, names: &[HeaderName], mut found: impl FnMut(usize, &'s [u8])) {
        // One pass over the pairs, each name compared with the few the scheme reads.
        for (name, value) in self {
            if let Some(index) = position(names, name.as_ref(), same_name) {
                found(index, value.as_ref());
            }
        }
    }
}

/// Whether a pair's `name` (any case) is `wanted` (lower case, of the same length). Names
/// mostly come in lower case (HTTP/2, ASGI, most frameworks), compared at once; only another
/// spelling is folded.
fn same_name(name: &[u8], wanted: &[u8]) -> bool {
    bytes_eq(name, wanted) || name.eq_ignore_ascii_case(wanted)
}

/// `a == b` for the short strings a verifier compares (header names, signature versions),
/// eight bytes at a time in the caller instead of through a call to `memcmp`, whose call
/// and dispatch cost more than the comparison of a dozen bytes. Not constant-time: for
/// public text only.
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let Some(last) = a.len().checked_sub(8) else {
        return a.iter().zip(b).fold(true, |same, (x, y)| same & (x == y));
    };
    // Whole words, then the last eight bytes (overlapping the last word when the length is
    // not a multiple of eight).
    let words = a.chunks_exact(8).zip(b.chunks_exact(8)).all(|(x, y)| as_word(x) == as_word(y));
    words && as_word(&a[last..]) == as_word(&b[last..])
}

/// The index of `name` in `names` (lower case, each once), by `same` (given names of one
/// length). The last bytes are compared before whole names: the names of a scheme share a
/// prefix (`webhook-`) and often a length (`webhook-signature`, `webhook-timestamp`).
fn position(names: &[HeaderName], name: &[u8], same: impl Fn(&[u8], &[u8]) -> bool) -> Option<usize> {
    let last = name.last()?.to_ascii_lowercase();
    names.iter().position(|wanted| {
        let wanted = wanted.as_str().as_bytes();
        wanted.len() == name.len() && wanted.last() == Some(&last) && same(name, wanted)
    })
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>, const K: usize> HeaderSource for [(N, V); K] {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        self.as_slice().header_values(name)
    }

    fn each_value<'s>(&'s self, names: &[HeaderName], found: impl FnMut(usize, &'s [u8])) {
        self.as_slice().each_value(names, found)
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> HeaderSource for Vec<(N, V)> {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        self.as_slice().header_values(name)
    }

    fn each_value<'s>(&'s self, names: &[HeaderName], found: impl FnMut(usize, &'s [u8])) {
        self.as_slice().each_value(names, found)
    }
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        (**self).header_values(name)
    }

    fn each_value<'s>(&'s self, names: &[HeaderName], found: impl FnMut(usize, &'s [u8])) {
        (**self).each_value(names, found)
    }
}

/// Whether a header value is text, as `http::HeaderValue::to_str` judges it (visible ASCII
/// and tab): the one test every source goes through, so a pair list and a `HeaderMap` agree.
pub(crate) fn is_text(value: &[u8]) -> bool {
    // Eight bytes at a time, the last eight as one more word when the length is not a multiple
    // of eight (some bytes tested twice), the results or-ed and judged once: printable ASCII
    // passes without a branch per word. A value that fails (a tab, or a byte that is not text)
    // is judged again byte by byte.
    let words = value.chunks_exact(8);
    let tail = words.remainder();
    let mut flags = words.fold(0, |flags, word| flags | not_printable(as_word(word)));
    match value.len().checked_sub(8) {
        Some(last) if !tail.is_empty() => flags |= not_printable(as_word(&value[last..])),
        Some(_) => {}
        None => flags |= u64::from(tail.iter().any(|&b| !(0x20..0x7f).contains(&b))),
    }
    flags == 0 || value.iter().all(|&b| visible(b))
}

/// `0x01` and `0x80` in every byte of a word: the constants of the word-at-a-time byte tests
/// (`not_printable` here, `may_separate` in the scheme's signature splitting).
pub(crate) const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
pub(crate) const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

/// The 8 bytes of `word` as one number.
pub(crate) fn as_word(word: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(word);
    u64::from_ne_bytes(bytes)
}

/// Whether a byte is text in a header value: visible ASCII or tab.
fn visible(b: u8) -> bool {
    (0x20..0x7f).contains(&b) | (b == b'\t')
}

/// Non-zero exactly when some byte of the 8-byte word `x` is outside 0x20..=0x7e:
/// `(x - 0x20..) & !x & 0x80..` is non-zero exactly when some byte is below 0x20,
/// `((x + 0x01..) | x) & 0x80..` when some byte is 0x7f or above (a carry only leaves a byte
/// of 0xff, which is caught itself).
fn not_printable(x: u64) -> u64 {
    let below = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let above = (x.wrapping_add(ONES) | x) & HIGH;
    below | above
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn text_accepts_what_header_value_to_str_accepts() {
        for byte in 0..=255u8 {
            let value = [b'a', byte, b'z'];
            let via_http = HeaderValue::from_bytes(&value).ok().map(|v| v.to_str().is_ok()).unwrap_or(false);
            assert_eq!(is_text(&value), via_http, "byte {byte:#04x}");
        }
    }

    #[test]
    fn text_judges_every_byte_of_long_values_as_header_value_to_str() {
        // Values long enough to be read a word at a time: every byte value at every place of
        // the first three words and of the tail, in printable text and beside a tab; every
        // length up to 17 covers both sides of the short path and each overlap of the last word.
        assert!(is_text(b""));
        for len in (1..=17).chain([23, 24, 47]) {
            for place in 0..len {
                for byte in 0..=255u8 {
                    for filler in [b'a', b'\t', b'~'] {
                        let mut value = vec![filler; len];
                        value[place] = byte;
                        let via_http =
                            HeaderValue::from_bytes(&value).ok().map(|v| v.to_str().is_ok()).unwrap_or(false);
                        assert_eq!(is_text(&value), via_http, "{value:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn bytes_eq_is_byte_equality_at_every_length() {
        // Lengths on both sides of a word and of two, with a difference in each byte: the
        // inline comparison reads whole words and an overlapping last word.
        for len in 0..=25usize {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(bytes_eq(&a, &a.clone()), "{len}");
            for place in 0..len {
                let mut b = a.clone();
                b[place] ^= 0x20;
                assert!(!bytes_eq(&a, &b), "{len} {place}");
            }
            assert!(!bytes_eq(&a, &[&a[..], b"x"].concat()), "{len}");
            if let Some((_, shorter)) = a.split_last() {
                assert!(!bytes_eq(&a, shorter), "{len}");
            }
        }
    }

    #[test]
    fn pairs_match_names_in_any_case_and_keep_repeats_in_order() {
        let name = HeaderName::from_static("x-sig");
        let pairs = [("X-Sig", "a"), ("other", "b"), ("x-SIG", "c"), ("x-sig2", "d")];
        assert_eq!(pairs.header_values(&name).collect::<Vec<_>>(), [&b"a"[..], b"c"]);
        let mut map = HeaderMap::new();
        map.append("x-sig", HeaderValue::from_static("a"));
        map.append("x-sig", HeaderValue::from_static("c"));
        assert_eq!(map.header_values(&name).collect::<Vec<_>>(), [&b"a"[..], b"c"]);
        assert_eq!(pairs[1..2].header_values(&name).count(), 0);
    }
}
