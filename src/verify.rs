//! Verifier, and Verified: a message whose signature, timestamp and freshness were checked.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use http::HeaderName;

use crate::headers::{self, HeaderSource};
use crate::mac::{Content, HmacSha256, PreparedKey, ED25519_LEN, MAC_LEN, MAX_ENCODED};
use crate::replay::{ClaimRequest, ClaimToken, SeenStore, DEFAULT_CLAIM_TTL};
use crate::scheme::{
    split_ascii, Encoding, HeaderSpec, Names, Part, RawEntry, Scheme, TimestampSource, MAX_SIGNATURE_ENTRIES,
};
use crate::time::{check_tolerance, parse_timestamp, DEFAULT_TOLERANCE};
use crate::{Dialect, Error, Event, Secret, UnixTime};

/// Default largest body accepted: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Verifies incoming webhooks for one scheme against one or more secrets.
///
/// A message is accepted when ANY signature it carries matches ANY configured secret, so during
/// a rotation the receiver can hold the old and the new secret. Build one verifier per endpoint
/// at start-up and share it: verifying an HMAC signature allocates nothing but the result (an
/// ed25519 signature copies the signed content once; a replay store's key is a `String`).
///
/// ```
/// use hookwire::{Scheme, Secret, Signer, Verifier};
///
/// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let body = br#"{"type":"order.created"}"#;
/// let headers = Signer::new(Scheme::hookwire(), secret.clone()).sign("msg_1", 1_700_000_000, body)?;
///
/// let verifier = Verifier::new(Scheme::hookwire(), [secret]);
/// let message = verifier.verify_at(&headers, body, 1_700_000_030)?;
/// assert_eq!(message.id(), Some("msg_1"));
/// assert_eq!(message.timestamp(), Some(1_700_000_000));
///
/// // Ten minutes later the same request is refused.
/// let late = verifier.verify_at(&headers, body, 1_700_000_600).unwrap_err();
/// assert_eq!(late.code(), "timestamp_too_old");
/// # Ok::<(), hookwire::Error>(())
/// ```
pub struct Verifier {
    scheme: Scheme,
    /// An invalid secret is kept as its error so that [`Verifier::new`] stays infallible; every
    /// call then reports it.
    keys: Result<Vec<PreparedKey>, Error>,
    tolerance: u64,
    max_body: usize,
    seen: Option<Arc<dyn SeenStore>>,
    claim_ttl: Duration,
    /// Which kinds of signature entry some key can check; entries of another kind are skipped
    /// like unknown versions.
    has_hmac_keys: bool,
    has_ed25519_keys: bool,
    /// Whether the scheme signs the id (then it must be sent, without `.`).
    signs_id: bool,
    reads: Reads,
    whole: Option<WholeEntry>,
}

/// The signature header value a sender signing with the verifier's first secret writes when
/// it sends one entry: the version and its separator (`v1,`, `sha256=`, nothing for a bare
/// signature), then the tag in its one spelling. A request whose header is one value of that
/// length is not split when its header is read ([`Entries::add`]): it is compared whole with
/// the expected value, and split only when that fails. Made once per verifier, for schemes
/// where splitting such a value gives that one entry whatever the tag (the splitting itself
/// says so at construction) and whose timestamp is not read from the entries (Stripe's).
struct WholeEntry {
    prefix: Box<[u8]>,
    text_len: usize,
}

impl WholeEntry {
    fn of(scheme: &Scheme, keys: &Result<Vec<PreparedKey>, Error>) -> Option<WholeEntry> {
        if !matches!(keys.as_deref(), Ok([PreparedKey::Hmac(_), ..])) {
            return None;
        }
        let from_entries =
            |source: &TimestampSource| matches!(source, TimestampSource::SignatureParameter(_));
        if scheme.timestamp.as_ref().is_some_and(|t| from_entries(&t.source)) {
            return None;
        }
        let (versioned, version_separator, list) = scheme.ascii_format()?;
        let (text_len, alphabet) = scheme.encoding.one_spelling()?;
        let mut prefix = Vec::new();
        if let Some(version) = &scheme.format.version {
            prefix.extend_from_slice(version.as_bytes());
            prefix.push(version_separator);
        }
        // Whether a byte separates entries does not depend on its neighbours: the prefix with
        // every character of the alphabet after it splits as one entry exactly when the prefix
        // with any tag does.
        let sample = [&prefix[..], alphabet].concat();
        let version = versioned.then(|| 0..prefix.len().saturating_sub(1));
        let one_entry = Some((version, prefix.len()..sample.len()));
        (headers::is_text(&sample) && split_ascii(&sample, versioned, version_separator, list) == one_entry)
            .then(|| WholeEntry { prefix: prefix.into(), text_len })
    }

    fn len(&self) -> usize {
        self.prefix.len() + self.text_len
    }
}

/// The headers a verification reads, as handed to [`HeaderSource::each_value`] in one call:
/// the scheme's signature, id, timestamp and event headers, then the fallback's signature, id
/// and timestamp, each the scheme has (the order of [`Scheme::read_headers`] and
/// [`Scheme::fallback_headers`], so a binding that holds the values by those can hand them
/// over as they are), each name once (a custom scheme may read one header in
/// two roles: both read the same slot). Made once per verifier.
struct Reads {
    names: Vec<HeaderName>,
    own: Slots,
    fallback: Option<Slots>,
    event: Option<usize>,
}

/// Where in [`Reads::names`] one set of the signature, id and timestamp headers is.
#[derive(Clone, Copy)]
struct Slots {
    signature: usize,
    id: Option<usize>,
    timestamp: Option<usize>,
}

impl Reads {
    fn of(scheme: &Scheme) -> Reads {
        let mut names = Vec::new();
        let mut slot = |spec: &HeaderSpec| match names.iter().position(|name| *name == spec.name) {
            Some(at) => at,
            None => {
                names.push(spec.name.clone());
                names.len() - 1
            }
        };
        fn slots(n: Names<'_>, slot: &mut impl FnMut(&HeaderSpec) -> usize) -> Slots {
            Slots {
                signature: slot(n.signature),
                id: n.id.map(&mut *slot),
                timestamp: n.timestamp.map(&mut *slot),
            }
        }
        let own = slots(scheme.own_names(), &mut slot);
        let event = scheme.event.as_ref().map(&mut slot);
        let fallback = scheme.fallback_names().map(|n| slots(n, &mut slot));
        Reads { names, own, fallback, event }
    }
}

/// The most headers a verification reads ([`Reads`]): four of the scheme and three fallbacks.
const MAX_READS: usize = 7;

/// What one pass over the request's headers found of a header the verifier reads: its first
/// value, and whether a later one differs from it (a header read once must not).
#[derive(Clone, Copy, Default)]
struct Seen<'a> {
    first: Option<&'a [u8]>,
    differs: bool,
}

impl<'a> Seen<'a> {
    /// The value of a header the scheme reads once: repeats must agree, so the answer never
    /// depends on which copy a framework, a parser or a hash map would have kept.
    #[inline(always)]
    fn once(self, spec: &HeaderSpec) -> Result<Option<&'a [u8]>, Error> {
        if self.differs {
            return Err(malformed(spec, "sent more than once with different values"));
        }
        Ok(self.first)
    }

    /// [`once`](Seen::once), as non-empty text.
    #[inline(always)]
    fn text(self, spec: &HeaderSpec) -> Result<Option<Text<'a>>, Error> {
        match self.once(spec)? {
            None => Ok(None),
            Some(value) if !headers::is_text(value) => Err(malformed(spec, "the value is not visible ASCII")),
            Some([]) => Err(malformed(spec, "the value is empty")),
            Some(value) => {
                // `as_str` relies on it (a later caller that skipped `is_text` is caught in tests).
                debug_assert!(value.is_ascii());
                Ok(Some(Text(value)))
            }
        }
    }
}

/// The id, timestamp (as a number and as its digits) and event type of a request, checked.
struct Values<'a> {
    id: Option<Text<'a>>,
    timestamp: Option<(i64, &'a [u8])>,
    event_type: Option<Text<'a>>,
}

/// A header value checked to be text ([`headers::is_text`]: visible ASCII and tab), kept as
/// bytes: it is read as a `str` only when asked for, so a caller that never reads the id or
/// the event type does not pay for the UTF-8 check that proves again what was checked.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Text<'a>(&'a [u8]);

impl<'a> Text<'a> {
    fn as_str(self) -> &'a str {
        // ASCII is UTF-8: this never fails.
        std::str::from_utf8(self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A verified message. Everything in it borrows from the request that was checked.
///
/// Only the body, and the id and timestamp where [`Verified::timestamp_signed`] /
/// the scheme say so, are authenticated. The event type header is never signed by any scheme:
/// route on the type inside the body when it matters.
///
/// With a replay store, the message is **claimed**: call [`commit`](Verified::commit) once it
/// is handled, or [`release`](Verified::release) when handling failed so that the sender's
/// retry is accepted. A claim that is neither lapses after the verifier's claim time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    id: Option<Text<'a>>,
    timestamp: Option<i64>,
    /// The timestamp digits as signed; empty when the timestamp is absent or not signed.
    signed_timestamp: &'a [u8],
    id_signed: bool,
    event_type: Option<Text<'a>>,
    body: &'a [u8],
    secret_index: usize,
    /// Until when the message would pass the timestamp check again (exclusive): how long a
    /// committed message must be remembered.
    window_end: UnixTime,
    claim: Option<Claim>,
    /// The envelope of the scheme's senders, for [`Verified::event`].
    dialect: Option<Dialect>,
}

/// A held claim on a verified message: commit it once handled, release it when handling failed.
///
/// Clones share the claim (committing twice is harmless).
#[derive(Clone)]
pub struct Claim {
    store: Arc<dyn SeenStore>,
    request: ClaimRequest,
}

impl Claim {
    /// The replay key that was claimed.
    pub fn key(&self) -> &str {
        self.request.key()
    }

    /// The token that proves this claim.
    pub fn token(&self) -> &ClaimToken {
        self.request.token()
    }

    /// When the claim lapses if it is neither committed nor released.
    pub fn claim_until(&self) -> UnixTime {
        self.request.claim_until()
    }

    /// Records the message as handled until the end of its window; `false` when the claim had
    /// lapsed and another delivery of the message has taken it (theirs is left untouched).
    pub fn commit_at(&self, now: UnixTime) -> Result<bool, Error> {
        self.store.commit(self.key(), self.token(), self.request.keep_until(), now)
    }

    /// Gives the claim up so that the sender's retry is accepted; `false` when it was no longer
    /// held (lapsed and taken, or committed).
    pub fn release(&self) -> Result<bool, Error> {
        self.store.release(self.key(), self.token())
    }
}

impl std::fmt::Debug for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim").field("request", &self.request).finish_non_exhaustive()
    }
}

impl PartialEq for Claim {
    fn eq(&self, other: &Claim) -> bool {
        self.request == other.request
    }
}

impl Eq for Claim {}

impl<'a> Verified<'a> {
    /// The message id from the scheme's id header, if it has one and it was sent.
    pub fn id(&self) -> Option<&'a str> {
        self.id.map(Text::as_str)
    }

    /// The timestamp (unix seconds), if the scheme carries one.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// Whether the timestamp is covered by the signature (false for AuraConnect, whose
    /// timestamp header is checked but not signed, and for schemes without a timestamp).
    pub fn timestamp_signed(&self) -> bool {
        !self.signed_timestamp.is_empty()
    }

    /// The event type header, if the scheme has one and it was sent (not authenticated).
    pub fn event_type(&self) -> Option<&'a str> {
        self.event_type.map(Text::as_str)
    }

    /// The raw body that was verified.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Which configured secret matched (index in the order given): during a rotation, watch
    /// this to know when no sender uses the old secret any more.
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }

    /// The key under which a replay store records this message. It names the message, never
    /// the secret or signature that matched: the id where the scheme signs it; otherwise
    /// `sha256:` and the digest of the signed timestamp and the body (an unsigned id header can
    /// be changed by whoever replays the request, a signature list can be trimmed).
    pub fn replay_key(&self) -> String {
        if self.id_signed {
            return self.id().unwrap_or_default().to_owned();
        }
        let mut digest = Sha256::new();
        digest.update(self.signed_timestamp);
        digest.update(b".");
        digest.update(self.body);
        let mut hex = [0u8; 64];
        let hex = base16ct::lower::encode_str(&digest.finalize(), &mut hex).unwrap_or_default();
        format!("sha256:{hex}")
    }

    /// Until when a committed message must be refused as a replay (exclusive): one second past
    /// the last second its timestamp passes the tolerance check (for schemes without a signed
    /// timestamp, one tolerance after it was received).
    pub fn window_end(&self) -> UnixTime {
        self.window_end
    }

    /// The claim held on this message, when the verifier has a replay store.
    pub fn claim(&self) -> Option<&Claim> {
        self.claim.as_ref()
    }

    /// Records the message as handled (system clock): a later delivery of it is `replayed`.
    /// `Ok(false)` when there is nothing to commit (no replay store) or the claim had lapsed and
    /// another delivery took it; see [`Claim::commit_at`].
    pub fn commit(&self) -> Result<bool, Error> {
        match &self.claim {
            Some(claim) => claim.commit_at(UnixTime::now()),
            None => Ok(false),
        }
    }

    /// Gives the claim up (the handler failed): the sender's retry is accepted. `Ok(false)` when
    /// there is nothing to release; see [`Claim::release`].
    pub fn release(&self) -> Result<bool, Error> {
        match &self.claim {
            Some(claim) => claim.release(),
            None => Ok(false),
        }
    }

    /// The body as an event in the envelope of the scheme's senders ([`Scheme::dialect`]:
    /// native for `hookwire`, `standard-webhooks` and `svix`, each system's own for
    /// `auraconnect`, `ops-center`, ...), with the event type header (if any) as the type hint.
    ///
    /// Errors: `invalid_payload` when the body is not in that envelope (never an empty
    /// record), and for schemes whose senders write their own JSON (GitHub, Stripe, Shopify,
    /// Slack): read [`body`](Verified::body) as JSON, or use [`event_as`](Verified::event_as).
    ///
    /// ```
    /// use hookwire::{Payload, Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::parse("aura-secret")?;
    /// let body = br#"{"id":"evt_1","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"total_amount":45.99}}}"#;
    /// let headers = Signer::new(Scheme::auraconnect(), secret.clone()).sign("evt_1", 1_700_000_000, body)?;
    /// let message = Verifier::new(Scheme::auraconnect(), [secret]).verify_at(&headers, body, 1_700_000_000)?;
    /// let Payload::Order(order) = message.event()?.payload().clone() else { unreachable!() };
    /// assert_eq!(order.total_amount.unwrap().as_str(), "45.99");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn event(&self) -> Result<Event, Error> {
        crate::event::parse_sent(self.dialect, self.body, self.event_type())
    }

    /// The body as an event in `dialect`, with the event type header (if any) as the type hint.
    ///
    /// ```
    /// # use hookwire::{Dialect, Scheme, Secret, Signer, Verifier};
    /// # let secret = Secret::parse("s3cret")?;
    /// let body = br#"{"device_id":"device_12345","status":"online","battery_level":85}"#;
    /// # let headers = Signer::new(Scheme::device_service(), secret.clone()).sign("m", 0, body)?;
    /// let message = Verifier::new(Scheme::device_service(), [secret]).verify_at(&headers, body, 0)?;
    /// let event = message.event_as(Dialect::DeviceService)?;
    /// assert_eq!(event.event_type(), "device.status_changed");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn event_as(&self, dialect: Dialect) -> Result<Event, Error> {
        dialect.parse(self.body, self.event_type())
    }
}

impl Verifier {
    /// A verifier for `scheme` accepting signatures made with any of `secrets`.
    ///
    /// A secret the scheme cannot use makes every verification fail with `invalid_secret` (a
    /// misconfiguration must be loud); [`Verifier::try_new`] reports it at once. Defaults:
    /// tolerance 300 s both ways, body limit 1 MiB, no replay store.
    pub fn new(scheme: Scheme, secrets: impl IntoIterator<Item = Secret>) -> Verifier {
        let keys: Result<Vec<_>, _> = secrets.into_iter().map(|s| PreparedKey::new(&s, &scheme)).collect();
        let keys = match keys {
            Ok(keys) if keys.is_empty() => {
                Err(Error::secret(format!("no secret was given to the {} verifier", scheme.name)))
            }
            other => other,
        };
        let any = |hmac: bool| matches!(&keys, Ok(k) if k.iter().any(|k| matches!(k, PreparedKey::Hmac(_)) == hmac));
        let (has_hmac_keys, has_ed25519_keys) = (any(true), any(false));
        Verifier {
            signs_id: scheme.signs(&Part::Id),
            reads: Reads::of(&scheme),
            whole: WholeEntry::of(&scheme, &keys),
            scheme,
            keys,
            tolerance: DEFAULT_TOLERANCE.as_secs(),
            max_body: DEFAULT_MAX_BODY,
            seen: None,
            claim_ttl: DEFAULT_CLAIM_TTL,
            has_hmac_keys,
            has_ed25519_keys,
        }
    }

    /// Like [`Verifier::new`], but fails at once with `invalid_secret`.
    pub fn try_new(scheme: Scheme, secrets: impl IntoIterator<Item = Secret>) -> Result<Verifier, Error> {
        let verifier = Verifier::new(scheme, secrets);
        verifier.keys.as_ref().map_err(Clone::clone)?;
        Ok(verifier)
    }

    /// How far a timestamp may be from now, in either direction (default 300 s; whole seconds).
    pub fn tolerance(mut self, tolerance: Duration) -> Verifier {
        self.tolerance = tolerance.as_secs();
        self
    }

    /// The largest body accepted, checked before any hashing (default 1 MiB).
    pub fn max_body(mut self, bytes: usize) -> Verifier {
        self.max_body = bytes;
        self
    }

    /// Claims every verified message in `store`, so that a second delivery of it is refused:
    /// `replay_in_progress` (409) while the first is being handled, `replayed` (200) once it
    /// was committed.
    ///
    /// The key names the message ([`Verified::replay_key`]). A message reaches the store only
    /// after every other check has passed, so forged or broken requests never touch it.
    /// Committed messages are kept until their timestamp leaves the tolerance window (schemes
    /// without a signed timestamp: one tolerance after receipt, so there replay protection is
    /// only as long as that window).
    ///
    /// ```
    /// use hookwire::{MemorySeenStore, Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let headers = Signer::new(Scheme::hookwire(), secret.clone()).sign("msg_1", 1_700_000_000, b"{}")?;
    /// let verifier = Verifier::new(Scheme::hookwire(), [secret]).seen_store(MemorySeenStore::new(100_000));
    ///
    /// let message = verifier.verify_at(&headers, b"{}", 1_700_000_000)?;
    /// // While it is handled, a duplicate is told to come back later ...
    /// assert_eq!(verifier.verify_at(&headers, b"{}", 1_700_000_001).unwrap_err().code(), "replay_in_progress");
    /// // ... and once it is committed, that it was received.
    /// message.commit()?;
    /// assert_eq!(verifier.verify_at(&headers, b"{}", 1_700_000_002).unwrap_err().code(), "replayed");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn seen_store(mut self, store: impl SeenStore + 'static) -> Verifier {
        self.seen = Some(Arc::new(store));
        self
    }

    /// How long a verified message stays claimed when its handler neither commits nor
    /// releases it (it crashed): after that, the sender's retry is accepted. Default 60 s;
    /// make it longer than your slowest handler.
    pub fn claim_ttl(mut self, ttl: Duration) -> Verifier {
        self.claim_ttl = ttl;
        self
    }

    /// The claim this verifier would make for `message` at `now`: for a replay store that does
    /// I/O outside the verifier (an async store, see [`check_at`](Verifier::check_at)).
    pub fn claim_request(&self, message: &Verified<'_>, now: UnixTime) -> ClaimRequest {
        ClaimRequest::new(message.replay_key(), now, self.claim_ttl, message.window_end)
    }

    /// The scheme this verifier reads.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// Verifies with the system clock; see [`verify_at`](Verifier::verify_at).
    pub fn verify<'a, H: HeaderSource + ?Sized>(
        &self,
        headers: &'a H,
        body: &'a [u8],
    ) -> Result<Verified<'a>, Error> {
        let now = UnixTime::now();
        self.verify_time(headers, body, now.as_secs(), now)
    }

    /// Verifies the headers and raw body of a request, at time `now` (unix seconds), and claims
    /// the message in the replay store if there is one.
    ///
    /// Checks, in this order: the configured secrets (`invalid_secret`), body size, the signature
    /// header (present, at most [`MAX_SIGNATURE_ENTRIES`](crate::MAX_SIGNATURE_ENTRIES) entries),
    /// the id header, timestamp format and tolerance, the event header, signatures
    /// (constant-time), and last the replay claim. `body` must be the bytes as received: a body
    /// that was parsed and serialized again will not match.
    ///
    /// `headers` is any [`HeaderSource`]: an `http::HeaderMap`, or the `(name, value)` pairs of
    /// the request (names in any case), so a caller holding the values need not build a map.
    ///
    /// Headers the scheme reads once (id, timestamp, event type) may be repeated with the same
    /// value; different values are `malformed_header`, whatever their order. For `svix`, the
    /// `webhook-*` headers are read when the `svix-*` ones are not all there
    /// ([`Scheme::fallback_headers`]).
    pub fn verify_at<'a, H: HeaderSource + ?Sized>(
        &self,
        headers: &'a H,
        body: &'a [u8],
        now: i64,
    ) -> Result<Verified<'a>, Error> {
        self.verify_time(headers, body, now, UnixTime::from_secs(now))
    }

    /// `now_secs` is the clock of the timestamp check (any i64, as the wire allows 18 digits);
    /// `now` the same instant for the replay store (saturating far beyond year 292,000,000).
    fn verify_time<'a, H: HeaderSource + ?Sized>(
        &self,
        headers: &'a H,
        body: &'a [u8],
        now_secs: i64,
        now: UnixTime,
    ) -> Result<Verified<'a>, Error> {
        // Without a store the checks' result is the answer, handed on without a copy.
        let Some(store) = &self.seen else { return self.check_secs(headers, body, now_secs) };
        let mut message = self.check_secs(headers, body, now_secs)?;
        let request = self.claim_request(&message, now);
        request.resolve(store.claim(&request)?)?;
        message.claim = Some(Claim { store: store.clone(), request });
        Ok(message)
    }

    /// Every check of [`verify_at`](Verifier::verify_at) but the replay claim: for receivers
    /// whose replay store does I/O the verifier must not block on (an async store). Claim
    /// the message there with [`claim_request`](Verifier::claim_request); the configured
    /// [`seen_store`](Verifier::seen_store), if any, is not used.
    ///
    /// ```
    /// use hookwire::{ClaimOutcome, MemorySeenStore, Scheme, Secret, SeenStore, Signer, UnixTime, Verifier};
    ///
    /// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let headers = Signer::new(Scheme::hookwire(), secret.clone()).sign("msg_1", 1_700_000_000, b"{}")?;
    /// let verifier = Verifier::new(Scheme::hookwire(), [secret]);
    /// let message = verifier.check_at(&headers, b"{}", 1_700_000_000)?;
    /// let request = verifier.claim_request(&message, UnixTime::from_secs(1_700_000_000));
    /// let store = MemorySeenStore::new(10); // in an async server: a network store, awaited
    /// request.resolve(store.claim(&request)?)?;
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn check_at<'a, H: HeaderSource + ?Sized>(
        &self,
        headers: &'a H,
        body: &'a [u8],
        now: i64,
    ) -> Result<Verified<'a>, Error> {
        self.check_secs(headers, body, now)
    }

    fn check_secs<'a, H: HeaderSource + ?Sized>(
        &self,
        headers: &'a H,
        body: &'a [u8],
        now_secs: i64,
    ) -> Result<Verified<'a>, Error> {
        let keys = self.keys.as_ref().map_err(Clone::clone)?;
        if body.len() > self.max_body {
            return Err(Error::PayloadTooLarge { size: body.len(), limit: self.max_body });
        }
        let scheme = &self.scheme;
        let reads = &self.reads;
        // Every header is read in one pass; the signature values are split as they come.
        let mut seen = [Seen::default(); MAX_READS];
        let mut own_entries = Entries::new();
        let mut fallback_entries = reads.fallback.map(|_| Entries::new());
        let fallback_signature = reads.fallback.map(|slots| slots.signature);
        let whole_len = self.whole.as_ref().map(WholeEntry::len);
        headers.each_value(&reads.names, |index, value| {
            let Some(seen) = seen.get_mut(index) else { return };
            match seen.first {
                None => seen.first = Some(value),
                Some(first) => seen.differs |= first != value,
            }
            if index == reads.own.signature {
                own_entries.add(scheme, value, whole_len);
            }
            if Some(index) == fallback_signature {
                if let Some(entries) = fallback_entries.as_mut() {
                    entries.add(scheme, value, whole_len);
                }
            }
        });
        let sent = |slot: Option<usize>| slot.is_none_or(|at| seen[at].first.is_some());
        let all_sent = |slots: &Slots| sent(Some(slots.signature)) && sent(slots.id) && sent(slots.timestamp);
        // Svix's rule: the fallback names when the request carries all of them and not all of
        // the scheme's own.
        let (slots, names, entries) =
            match (&reads.fallback, scheme.fallback_names(), fallback_entries.as_mut()) {
                (Some(slots), Some(names), Some(entries)) if !all_sent(&reads.own) && all_sent(slots) => {
                    (*slots, names, entries)
                }
                _ => (reads.own, scheme.own_names(), &mut own_entries),
            };
        entries.check(names.signature)?;
        if seen[slots.signature].first.is_none() {
            return Err(missing(names.signature, scheme));
        }
        let values = self.read_values(&seen, slots, names, reads.event, entries.as_slice(), now_secs);
        let Values { id, timestamp, event_type } = match values {
            Ok(values) => values,
            // A held value was not split yet: a fault the split finds still comes first.
            Err(error) => {
                entries.settle(scheme);
                entries.check(names.signature)?;
                return Err(error);
            }
        };
        let signs_id = self.signs_id;

        let content = Content {
            parts: &scheme.content,
            id: id.map_or(&[][..], |id| id.0),
            timestamp: timestamp.map(|(_, text)| text).unwrap_or_default(),
            body,
        };
        let secret_index = self.match_signature(keys, names.signature, entries, &content)?;

        let signed_timestamp = match timestamp {
            Some((value, text)) if scheme.timestamp.as_ref().is_some_and(|t| t.signed) => Some((value, text)),
            _ => None,
        };
        // The last second in which the message passes the timestamp check again, plus one.
        let window_end = signed_timestamp
            .map_or(now_secs, |(value, _)| value)
            .saturating_add(i64::try_from(self.tolerance).unwrap_or(i64::MAX))
            .saturating_add(1);
        Ok(Verified {
            id,
            timestamp: timestamp.map(|(value, _)| value),
            signed_timestamp: signed_timestamp.map_or(&[][..], |(_, text)| text),
            id_signed: signs_id,
            event_type,
            body,
            secret_index,
            window_end: UnixTime::from_secs(window_end),
            claim: None,
            dialect: scheme.dialect,
        })
    }

    /// Verifies an `http::Request` with the system clock.
    ///
    /// ```
    /// # use hookwire::{Scheme, Secret, Signer, Verifier};
    /// # let secret = Secret::parse("It's a Secret to Everybody")?;
    /// # let mut request = http::Request::post("/hook").body(b"Hello, World!".to_vec()).unwrap();
    /// # Signer::new(Scheme::github(), secret.clone()).sign_request(&mut request, "d1", 0)?;
    /// let verifier = Verifier::new(Scheme::github(), [secret]);
    /// let message = verifier.verify_request(&request)?;
    /// assert_eq!(message.body(), b"Hello, World!");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn verify_request<'a, B: AsRef<[u8]>>(
        &self,
        request: &'a http::Request<B>,
    ) -> Result<Verified<'a>, Error> {
        self.verify(request.headers(), request.body().as_ref())
    }

    /// The id, timestamp and event headers, checked in that order (see
    /// [`verify_at`](Verifier::verify_at)); `signatures` for a timestamp sent among them.
    #[inline(always)]
    fn read_values<'a>(
        &self,
        seen: &[Seen<'a>; MAX_READS],
        slots: Slots,
        names: Names<'_>,
        event: Option<usize>,
        signatures: &[RawEntry<'a>],
        now_secs: i64,
    ) -> Result<Values<'a>, Error> {
        let scheme = &self.scheme;
        let id = match (names.id, slots.id) {
            (Some(spec), Some(at)) => seen[at].text(spec)?,
            _ => None,
        };
        if self.signs_id {
            let id_spec = names.id.ok_or_else(|| missing_id_spec(scheme))?;
            match id {
                None => return Err(missing(id_spec, scheme)),
                // Without an early exit, which the compiler turns into wide compares.
                Some(id) if id.0.iter().fold(false, |dot, &b| dot | (b == b'.')) => {
                    return Err(malformed(
                        id_spec,
                        "the id contains `.`, which makes the signed content ambiguous",
                    ))
                }
                Some(_) => {}
            }
        }

        let timestamp_header = match (names.timestamp, slots.timestamp) {
            (Some(spec), Some(at)) => Some((spec, seen[at])),
            _ => None,
        };
        let timestamp = self.timestamp(timestamp_header, names, signatures)?;
        if let Some((value, _)) = timestamp {
            check_tolerance(value, now_secs, self.tolerance)?;
        }
        let event_type = match (&scheme.event, event) {
            (Some(spec), Some(at)) => seen[at].text(spec)?,
            _ => None,
        };
        Ok(Values { id, timestamp, event_type })
    }

    /// The timestamp as a number and as the digits that were signed.
    /// `header` is the timestamp header and what was found of it, when the scheme has one.
    #[inline(always)]
    fn timestamp<'a>(
        &self,
        header: Option<(&HeaderSpec, Seen<'a>)>,
        names: Names<'_>,
        signatures: &[RawEntry<'a>],
    ) -> Result<Option<(i64, &'a [u8])>, Error> {
        let Some(spec) = &self.scheme.timestamp else { return Ok(None) };
        let (text, header): (&'a [u8], &HeaderSpec) = match (&spec.source, header) {
            (TimestampSource::Header(_), Some((header, seen))) => {
                let value = seen.once(header)?.ok_or_else(|| missing(header, &self.scheme))?;
                (value, header)
            }
            (TimestampSource::Header(_), None) => {
                return Err(Error::Internal {
                    reason: format!("scheme {} has a timestamp header without a name", self.scheme.name)
                        .into(),
                })
            }
            (TimestampSource::SignatureParameter(key), _) => {
                let mut found = signatures
                    .iter()
                    .filter(|entry| entry.version == Some(key.as_bytes()))
                    .map(|entry| entry.value);
                let Some(first) = found.next() else {
                    return Err(malformed(
                        names.signature,
                        format!("no timestamp entry (`{key}=`) in the header"),
                    ));
                };
                if found.any(|other| other != first) {
                    return Err(malformed(
                        names.signature,
                        format!(
                            "the timestamp entry (`{key}=`) is sent more than once with different values"
                        ),
                    ));
                }
                (first, names.signature)
            }
        };
        match parse_timestamp(text) {
            Some(value) => Ok(Some((value, text))),
            None => Err(malformed(header, "the timestamp is not unix seconds (1 to 18 digits)")),
        }
    }

    /// Finds the first secret that matches a usable signature entry; returns its index.
    fn match_signature(
        &self,
        keys: &[PreparedKey],
        header: &HeaderSpec,
        found: &mut Entries<'_>,
        content: &Content<'_>,
    ) -> Result<usize, Error> {
        let format = &self.scheme.format;
        let hmac_version = format.version.as_deref().map(str::as_bytes);
        let ed25519_version =
            format.ed25519_version.as_deref().map(str::as_bytes).filter(|_| self.has_ed25519_keys);
        let has_hmac_keys = self.has_hmac_keys;
        let mut buf = [0u8; ED25519_LEN + 2];

        // One pass over the entries decodes each once: it finds whether any is usable (none is
        // `malformed_header`, checked before any match) and, when the first key is an HMAC
        // key, compares each with that key's tag on the way (the usual, single-secret case).
        let encoding = self.scheme.encoding;
        let mut first = match keys.first() {
            Some(PreparedKey::Hmac(mac)) => Some(FirstTag::new(mac, content, encoding)),
            _ => None,
        };
        // In an encoding with one spelling per tag (lower-case hex, canonical base64), an entry
        // whose text is the first tag's spelling is that tag: it matches without being decoded
        // (the Standard Webhooks libraries compare text too). Any other entry is decoded and
        // compared as before, which also tells a wrong signature from an unusable one.
        let text_len = encoding.one_spelling().map(|(len, _)| len);
        // A header value held whole (of the length of one entry): the first tag's entry as
        // the sender writes it, compared without splitting the value.
        if let (Some(value), Some(whole), Some(first)) = (found.held, &self.whole, first.as_mut()) {
            let (prefix, text) = value.split_at(whole.prefix.len().min(value.len()));
            if headers::bytes_eq(prefix, &whole.prefix) && first.is_spelled(text) {
                return Ok(0);
            }
        }
        found.settle(&self.scheme);
        found.check(header)?;
        let signatures = found.as_slice();

        // The usable entries, lazily: (is ed25519, encoded signature).
        let same = |a: Option<&[u8]>, b: Option<&[u8]>| match (a, b) {
            (Some(a), Some(b)) => headers::bytes_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        let entries = || {
            signatures.iter().filter_map(move |entry| {
                if has_hmac_keys && same(entry.version, hmac_version) {
                    Some((false, entry.value))
                } else if entry.version.is_some() && same(entry.version, ed25519_version) {
                    Some((true, entry.value))
                } else {
                    None
                }
            })
        };
        let mut any_usable = false;
        for (ed25519, text) in entries() {
            if ed25519 {
                any_usable |= Encoding::Base64.decode(text, ED25519_LEN, &mut buf).is_some();
                continue;
            }
            if let Some(first) = first.as_mut().filter(|_| Some(text.len()) == text_len) {
                if first.is_spelled(text) {
                    return Ok(0);
                }
            }
            let Some(received) = encoding.decode(text, MAC_LEN, &mut buf) else { continue };
            any_usable = true;
            if let Some(first) = first.as_mut() {
                if ct_eq_bytes(first.tag(), received) {
                    return Ok(0);
                }
            }
        }
        if !any_usable {
            // The versions as the scheme spells them (text), for the message.
            let name = |version: &[u8]| String::from_utf8_lossy(version).into_owned();
            let expected = match (hmac_version.filter(|_| has_hmac_keys).map(name), ed25519_version.map(name))
            {
                (Some(v), Some(a)) => format!("no usable `{v}` or `{a}` signature"),
                (Some(v), None) | (None, Some(v)) => {
                    format!("no usable `{v}` signature (other versions are skipped)")
                }
                (None, None) => "no usable signature".to_owned(),
            };
            return Err(malformed(header, expected));
        }

        let mut message: Option<Vec<u8>> = None;
        // The first key was tried above if it is an HMAC key.
        let skip = usize::from(first.is_some());
        for (index, key) in keys.iter().enumerate().skip(skip) {
            match key {
                PreparedKey::Hmac(mac) => {
                    let tag = content.hmac(mac);
                    for (_, text) in entries().filter(|(ed25519, _)| !ed25519) {
                        let Some(received) = self.scheme.encoding.decode(text, MAC_LEN, &mut buf) else {
                            continue;
                        };
                        if ct_eq_bytes(&tag, received) {
                            return Ok(index);
                        }
                    }
                }
                PreparedKey::Sign(signing) => {
                    if verify_ed25519(&signing.verifying_key(), &entries, content, &mut message) {
                        return Ok(index);
                    }
                }
                PreparedKey::Verify(verifying) => {
                    if verify_ed25519(verifying, &entries, content, &mut message) {
                        return Ok(index);
                    }
                }
            }
        }
        Err(Error::InvalidSignature)
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme.name)
            .field("secrets", &self.keys.as_ref().map(Vec::len).unwrap_or(0))
            .field("tolerance_secs", &self.tolerance)
            .field("max_body", &self.max_body)
            .field("replay_protection", &self.seen.is_some())
            .finish()
    }
}

fn verify_ed25519<'e, I>(
    key: &VerifyingKey,
    entries: &impl Fn() -> I,
    content: &Content<'_>,
    message: &mut Option<Vec<u8>>,
) -> bool
where
    I: Iterator<Item = (bool, &'e [u8])>,
{
    let mut buf = [0u8; ED25519_LEN + 2];
    for (_, text) in entries().filter(|(ed25519, _)| *ed25519) {
        let Some(bytes) = Encoding::Base64.decode(text, ED25519_LEN, &mut buf) else { continue };
        let Ok(bytes) = <[u8; ED25519_LEN]>::try_from(bytes) else { continue };
        let message = message.get_or_insert_with(|| content.to_vec());
        if key.verify_strict(message, &Signature::from_bytes(&bytes)).is_ok() {
            return true;
        }
    }
    false
}

/// The first secret's tag of one message and the tag's spelling, each made when first needed
/// and then kept: a held value, an entry's text and a decoded entry are all compared with them.
struct FirstTag<'k, 'c> {
    mac: &'k HmacSha256,
    content: &'c Content<'c>,
    encoding: Encoding,
    tag: Option<[u8; MAC_LEN]>,
    spelled: [u8; MAX_ENCODED],
    spelled_len: Option<usize>,
}

impl<'k, 'c> FirstTag<'k, 'c> {
    fn new(mac: &'k HmacSha256, content: &'c Content<'c>, encoding: Encoding) -> FirstTag<'k, 'c> {
        FirstTag { mac, content, encoding, tag: None, spelled: [0; MAX_ENCODED], spelled_len: None }
    }

    fn tag(&mut self) -> &[u8; MAC_LEN] {
        self.tag.get_or_insert_with(|| self.content.hmac(self.mac))
    }

    /// Whether `text` is the tag's spelling (in constant time, in its contents), for an
    /// encoding with one spelling per tag.
    fn is_spelled(&mut self, text: &[u8]) -> bool {
        let tag = *self.tag();
        // Cannot fail (the buffer holds any tag); a failure compares unequal.
        let len = match self.spelled_len {
            Some(len) => len,
            None => *self.spelled_len.insert(self.encoding.encode(&tag, &mut self.spelled).unwrap_or(0)),
        };
        ct_eq_bytes(&self.spelled[..len], text)
    }
}

/// Compares a computed value with a received one in constant time (in their contents; the
/// length is public), as 64-bit words whose differences are or-ed into one: a single `subtle`
/// comparison instead of one per byte. Values of different lengths never match.
fn ct_eq_bytes(computed: &[u8], received: &[u8]) -> bool {
    if computed.len() != received.len() {
        return false;
    }
    let (words, tail) = (computed.chunks_exact(8), received.chunks_exact(8));
    // The bytes past the last whole word are compared as the last eight bytes of each (some
    // of them twice) when the values are that long: one word instead of up to seven bytes.
    let tails = match computed.len().checked_sub(8) {
        Some(last) if !words.remainder().is_empty() => {
            headers::as_word(&computed[last..]) ^ headers::as_word(&received[last..])
        }
        _ => words.remainder().iter().zip(tail.remainder()).fold(0u64, |acc, (a, b)| acc | u64::from(a ^ b)),
    };
    // The differences are or-ed together without a branch, and judged once.
    let difference =
        words.zip(tail).fold(tails, |acc, (a, b)| acc | (headers::as_word(a) ^ headers::as_word(b)));
    bool::from(difference.ct_eq(&0))
}

/// The entries of the signature header, all its values together, in order. Collected before
/// anything else is judged and capped, so a forged header of many entries costs no more than a
/// short one; the later steps read them from here instead of parsing again. The one exception
/// is a lone value of the length of the verifier's [`WholeEntry`], held unsplit until it fails
/// to match whole (or another check fails, whose error its split may outrank).
struct Entries<'a> {
    list: [RawEntry<'a>; MAX_SIGNATURE_ENTRIES],
    len: usize,
    /// More than [`MAX_SIGNATURE_ENTRIES`] were sent (`malformed_header`); the rest is not split.
    overflow: bool,
    /// The last value added, not split yet: a value of the length of the verifier's
    /// [`WholeEntry`] that came while no entry had been found (the header's first value, or
    /// one after values holding none). [`settle`](Entries::settle) splits it.
    held: Option<&'a [u8]>,
}

impl<'a> Entries<'a> {
    fn new() -> Entries<'a> {
        Entries {
            list: [RawEntry { version: None, value: &[] }; MAX_SIGNATURE_ENTRIES],
            len: 0,
            overflow: false,
            held: None,
        }
    }

    /// Adds one value of the signature header. A value of `whole_len` bytes that comes while no
    /// entry was found is held instead of split: the verifier compares it whole first, and
    /// splits it only if that fails or an error is found before (whose split may outrank it).
    fn add(&mut self, scheme: &Scheme, value: &'a [u8], whole_len: Option<usize>) {
        if let Some(held) = self.held.take() {
            self.split(scheme, held);
        } else if self.len == 0 && !self.overflow && Some(value.len()) == whole_len {
            self.held = Some(value);
            return;
        }
        self.split(scheme, value);
    }

    /// Splits the held value, if any: the entries are then all the values'.
    fn settle(&mut self, scheme: &Scheme) {
        if let Some(held) = self.held.take() {
            self.split(scheme, held);
        }
    }

    /// `malformed_header` when more than [`MAX_SIGNATURE_ENTRIES`] entries were sent.
    fn check(&self, header: &HeaderSpec) -> Result<(), Error> {
        if self.overflow {
            return Err(malformed(
                header,
                format!(
                    "more than {MAX_SIGNATURE_ENTRIES} signatures; no sender signs with that many secrets"
                ),
            ));
        }
        Ok(())
    }

    /// Adds the entries of one value of the signature header.
    fn split(&mut self, scheme: &Scheme, value: &'a [u8]) {
        // A value that is not text holds no usable entry; it is skipped like one.
        if self.overflow || !headers::is_text(value) {
            return;
        }
        let mut push = |entry| {
            let Some(slot) = self.list.get_mut(self.len) else {
                self.overflow = true;
                return false;
            };
            *slot = entry;
            self.len += 1;
            true
        };
        // Every preset's separators are ASCII: its values are split here, in one loop.
        let Some((versioned, version, list)) = scheme.ascii_format() else {
            for entry in scheme.raw_entries(value) {
                if !push(entry) {
                    return;
                }
            }
            return;
        };
        let mut rest = value;
        while let Some((version_at, value_at)) = split_ascii(rest, versioned, version, list) {
            let entry = RawEntry { version: version_at.map(|at| &rest[at]), value: &rest[value_at.clone()] };
            if !push(entry) {
                return;
            }
            rest = &rest[value_at.end..];
        }
    }

    fn as_slice(&self) -> &[RawEntry<'a>] {
        &self.list[..self.len]
    }
}

fn missing(spec: &HeaderSpec, scheme: &Scheme) -> Error {
    Error::MissingHeader { header: spec.display.clone(), scheme: scheme.name.clone() }
}

fn malformed(spec: &HeaderSpec, reason: impl Into<Cow<'static, str>>) -> Error {
    Error::MalformedHeader { header: spec.display.clone(), reason: reason.into() }
}

fn missing_id_spec(scheme: &Scheme) -> Error {
    Error::Internal { reason: format!("scheme {} signs an id but has no id header", scheme.name).into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifiers_split_gives_the_schemes_entries_up_to_the_limit() {
        // `Entries::split` has its own loop for ASCII separators: it must give what
        // `raw_entries` gives, cut at `MAX_SIGNATURE_ENTRIES` with `overflow` set past it.
        let alphabet = ['v', '1', '=', ',', ' ', '\t', ';', 'a'];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(longer);
        }
        for count in MAX_SIGNATURE_ENTRIES - 1..=MAX_SIGNATURE_ENTRIES + 2 {
            strings.push(vec!["v1,abc"; count].join(" "));
            strings.push(vec!["v1=abc"; count].join(";"));
        }
        let custom = |list: char| {
            let builder = Scheme::builder("custom").signature_header("X-Sig").list_separator(list);
            builder.version("v1", '=').build().expect("a valid custom scheme")
        };
        let mut schemes: Vec<Scheme> =
            Scheme::names().iter().map(|n| Scheme::from_name(n).unwrap()).collect();
        schemes.extend([custom(';'), custom('§')]);
        for scheme in &schemes {
            for text in &strings {
                let mut entries = Entries::new();
                entries.split(scheme, text.as_bytes());
                let all: Vec<RawEntry<'_>> = scheme.raw_entries(text.as_bytes()).collect();
                let kept = all.len().min(MAX_SIGNATURE_ENTRIES);
                assert_eq!(entries.as_slice(), &all[..kept], "{} {text:?}", scheme.name());
                assert_eq!(entries.overflow, all.len() > MAX_SIGNATURE_ENTRIES, "{} {text:?}", scheme.name());
            }
        }
    }

    #[test]
    fn a_value_of_one_entrys_length_is_held_and_split_when_settled() {
        let scheme = Scheme::standard_webhooks();
        let (one, other) = (&b"v1,abc"[..], &b"v1,defg v1,h"[..]);
        // The first value of that length is held; another length is split at once.
        let mut entries = Entries::new();
        entries.add(&scheme, one, Some(one.len()));
        assert_eq!((entries.held, entries.len), (Some(one), 0));
        entries.settle(&scheme);
        assert_eq!((entries.held, entries.as_slice().len()), (None, 1));
        let mut entries = Entries::new();
        entries.add(&scheme, other, Some(one.len()));
        assert_eq!((entries.held, entries.len), (None, 2));
        // A later value splits the held one first: the entries keep the values' order.
        let mut entries = Entries::new();
        entries.add(&scheme, one, Some(one.len()));
        entries.add(&scheme, other, Some(one.len()));
        entries.add(&scheme, one, Some(one.len()));
        let values: Vec<&[u8]> = entries.as_slice().iter().map(|e| e.value).collect();
        assert_eq!(values, [&b"abc"[..], b"defg", b"h", b"abc"]);
        assert_eq!(entries.held, None);
    }

    #[test]
    fn a_value_held_whole_gets_the_answer_its_split_gets() {
        // The verifier compares a signature header of one entry's length with the first
        // tag's entry before splitting it (`WholeEntry`). Every answer must be the one the
        // split alone gives: for the signed value with each byte replaced by each of a dozen
        // bytes, for a value of that length that holds too many entries, each with the other
        // headers' faults (whose errors the split's must still outrank), repeated, under
        // Svix's fallback names, with the secrets in either order; for every preset and for
        // custom schemes whose separators the tag's alphabet holds (never held) or not.
        let body = br#"{"a":1}"#;
        let now = 1_700_000_000;
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let other = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let custom = |name: &str, version: Option<(&str, char)>, list: char, encoding: Encoding| {
            let builder = Scheme::builder(name)
                .signature_header("x-sig")
                .id_header("x-id")
                .timestamp_header("x-ts")
                .list_separator(list)
                .encoding(encoding)
                .content([Part::Id, Part::literal("."), Part::Timestamp, Part::literal("."), Part::Body]);
            let builder = match version {
                Some((version, separator)) => builder.version(version, separator),
                None => builder,
            };
            builder.build().expect("a valid custom scheme")
        };
        let mut schemes: Vec<Scheme> =
            Scheme::names().iter().map(|n| Scheme::from_name(n).unwrap()).collect();
        schemes.extend([
            custom("semicolons", Some(("v1", '=')), ';', Encoding::Base64),
            custom("bare", None, ' ', Encoding::Base64),
            custom("pluses", Some(("v1", '=')), '+', Encoding::Base64),
            custom("equals", Some(("v1", ',')), '=', Encoding::Base64),
            custom("hex-a", Some(("v1", '=')), 'a', Encoding::HexLower),
        ]);
        let full = vec!["x"; MAX_SIGNATURE_ENTRIES].join(" ");
        let mut held_whole = Vec::new();
        for scheme in &schemes {
            let name = scheme.name();
            let signed = crate::Signer::new(scheme.clone(), secret.clone()).sign("m1", now, body).unwrap();
            let pairs: Vec<(String, Vec<u8>)> =
                signed.iter().map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec())).collect();
            let signature = scheme.signature_header().to_ascii_lowercase();
            let value = pairs.iter().find(|(n, _)| *n == signature).unwrap().1.clone();
            for secrets in [[secret.clone(), other.clone()], [other.clone(), secret.clone()]] {
                let held = Verifier::new(scheme.clone(), secrets.clone());
                let mut split = Verifier::new(scheme.clone(), secrets);
                if held.whole.as_ref().is_some_and(|whole| whole.len() == value.len()) {
                    held_whole.push(name.to_owned());
                }
                split.whole = None;

                let mut values =
                    vec![value.clone(), b"x ".repeat(value.len() / 2 + 1)[..value.len()].to_vec()];
                for at in 0..value.len() {
                    for byte in [b',', b' ', b'\t', b'=', b';', b'A', b'a', b'0', b'+', b'/', 0x7f, 0x80] {
                        let mut changed = value.clone();
                        changed[at] = byte;
                        values.push(changed);
                    }
                }
                for changed in values {
                    let with = |request: &[(String, Vec<u8>)], sent: &[&[u8]]| {
                        let mut out: Vec<(String, Vec<u8>)> =
                            request.iter().filter(|(n, _)| *n != signature).cloned().collect();
                        out.extend(sent.iter().map(|v| (signature.clone(), v.to_vec())));
                        out
                    };
                    let mut requests =
                        vec![(with(&pairs, &[&changed]), now), (with(&pairs, &[&changed]), now + 100_000)];
                    requests.push((with(&pairs, &[&changed, &value]), now));
                    requests.push((with(&pairs, &[&value, &changed]), now));
                    // A full list before it: the value must not be held past the cap.
                    requests.push((with(&pairs, &[full.as_bytes(), &changed]), now));
                    for (at, (header, _)) in pairs.iter().enumerate().filter(|(_, (n, _))| *n != signature) {
                        let mut without = pairs.clone();
                        without.remove(at);
                        let mut faulty = pairs.clone();
                        faulty[at] = (header.clone(), b"x.y".to_vec());
                        requests
                            .extend([(with(&without, &[&changed]), now), (with(&faulty, &[&changed]), now)]);
                    }
                    let renamed: Vec<(String, Vec<u8>)> = with(&pairs, &[&changed])
                        .into_iter()
                        .map(|(n, v)| (n.replace("svix-", "webhook-"), v))
                        .collect();
                    requests.push((renamed, now));
                    for (request, now) in requests {
                        let answer = |verifier: &Verifier| {
                            verifier
                                .verify_at(&request, body, now)
                                .map(|m| m.secret_index())
                                .map_err(|e| format!("{} {e}", e.code()))
                        };
                        assert_eq!(answer(&held), answer(&split), "{name} {request:?}");
                    }
                }
            }
        }
        // The presets and custom schemes whose senders write one entry of a fixed length hold
        // it; those whose timestamp is an entry, or whose separators a tag may hold, do not.
        for name in ["standard-webhooks", "svix", "hookwire", "github", "shopify", "semicolons", "bare"] {
            assert!(held_whole.iter().any(|held| held == name), "{name} {held_whole:?}");
        }
        for name in ["stripe", "pluses", "equals", "hex-a"] {
            assert!(!held_whole.iter().any(|held| held == name), "{name} {held_whole:?}");
        }
        // Nor a verifier whose first key is not an HMAC secret.
        let keys = [Secret::generate_ed25519(), secret.clone()];
        assert!(Verifier::new(Scheme::standard_webhooks(), keys).whole.is_none());
    }

    #[test]
    fn verified_shows_its_id_and_event_type_as_text() {
        // They are kept as checked bytes; `Debug` and the accessors still give text.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let headers = crate::Signer::new(Scheme::hookwire(), secret.clone())
            .sign("msg_1", 1_700_000_000, b"{}")
            .unwrap();
        let mut headers = headers.clone();
        headers.insert("x-webhook-event", http::HeaderValue::from_static("order.created"));
        let verifier = Verifier::new(Scheme::hookwire(), [secret]);
        let message = verifier.verify_at(&headers, b"{}", 1_700_000_000).unwrap();
        assert_eq!((message.id(), message.event_type()), (Some("msg_1"), Some("order.created")));
        let shown = format!("{message:?}");
        assert!(shown.contains(r#"id: Some("msg_1")"#), "{shown}");
        assert!(shown.contains(r#"event_type: Some("order.created")"#), "{shown}");
    }

    #[test]
    fn ct_eq_bytes_finds_a_difference_in_any_byte_of_any_length() {
        for len in 0..=MAX_ENCODED {
            let computed: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            assert!(ct_eq_bytes(&computed, &computed.clone()), "{len}");
            for place in 0..len {
                for flip in [0x01, 0x80, 0xff] {
                    let mut received = computed.clone();
                    received[place] ^= flip;
                    assert!(!ct_eq_bytes(&computed, &received), "{len} {place} {flip:#x}");
                }
            }
            // A prefix or an extension of the right value is another value.
            assert!(!ct_eq_bytes(&computed, &[&computed[..], b"="].concat()), "{len}");
            if let Some((_, prefix)) = computed.split_last() {
                assert!(!ct_eq_bytes(&computed, prefix), "{len}");
            }
        }
    }
}
