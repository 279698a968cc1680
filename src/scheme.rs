//! Signature schemes as data: which headers, which bytes are signed, how the MAC is written and
//! how the secret text becomes a key. Twelve presets and a builder for the ones we don't ship.

use std::borrow::Cow;
use std::ops::Range;

use http::HeaderName;

use crate::{Dialect, Error, Event};

/// A webhook signature scheme: the wire contract between a sender and a receiver.
///
/// A scheme is plain data (see [`SchemeBuilder`]); [`Signer`](crate::Signer) and
/// [`Verifier`](crate::Verifier) interpret it. The presets:
///
/// | name | signature header | signed bytes | key from secret text |
/// |---|---|---|---|
/// | `hookwire` | `X-Webhook-Signature: sha256=<hex>` | `{id}.{timestamp}.{body}` | `whsec_<base64>` decoded, else UTF-8 (≥ 16 bytes) |
/// | `standard-webhooks` | `webhook-signature: v1,<base64>` (`v1a` = ed25519) | `{id}.{timestamp}.{body}` | base64 (padding optional) after optional `whsec_` |
/// | `svix` | `svix-signature: v1,<base64>` (or the `webhook-*` headers) | `{id}.{timestamp}.{body}` | base64 (padding optional) after optional `whsec_` |
/// | `github` | `X-Hub-Signature-256: sha256=<hex>` | body | UTF-8 text |
/// | `stripe` | `Stripe-Signature: t=<ts>,v1=<hex>` | `{t}.{body}` | whole text (`whsec_` included), UTF-8 |
/// | `shopify` | `X-Shopify-Hmac-Sha256: <base64>` | body | UTF-8 text |
/// | `slack` | `X-Slack-Signature: v0=<hex>` | `v0:{timestamp}:{body}` | UTF-8 text |
/// | `device-service` | `X-Webhook-Signature: <hex>` | body | UTF-8 text |
/// | `ops-center` | `X-Webhook-Signature: <hex>` | body | UTF-8 text |
/// | `webnet` | `X-Webhook-Signature: sha256=<hex>` | body | UTF-8 text |
/// | `homechef` | `X-HomeChef-Signature: sha256=<hex>` | body | UTF-8 text |
/// | `auraconnect` | `X-AuraConnect-Signature: sha256=<hex>` | body | UTF-8 text |
///
/// Hex is lower case in every preset (all these providers send lower case; upper-case hex is
/// not a usable signature). AuraConnect sends `X-AuraConnect-Timestamp` without signing it: the
/// verifier still enforces the tolerance on it and reports it as unsigned.
///
/// Rules of every scheme, when verifying:
/// - A signature header may hold several entries (rotation), in one value or in repeated
///   headers, also when a framework joined the repeats with `,` (RFC 9110); at most
///   [`MAX_SIGNATURE_ENTRIES`] in all, more is `malformed_header`.
/// - Headers read once (id, timestamp, event type, Stripe's `t=`) may be repeated with the
///   same value; different values are `malformed_header` ("sent more than once with different
///   values"), so that the answer never depends on which copy a parser or a hash map keeps.
///
/// ```
/// use hookwire::Scheme;
///
/// let scheme = Scheme::from_name("standard-webhooks")?;
/// assert_eq!(scheme.name(), "standard-webhooks");
/// assert_eq!(Scheme::from_name("nope").unwrap_err().code(), "unknown_scheme");
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Scheme {
    pub(crate) name: Cow<'static, str>,
    pub(crate) signature: HeaderSpec,
    pub(crate) id: Option<HeaderSpec>,
    pub(crate) timestamp: Option<TimestampSpec>,
    pub(crate) event: Option<HeaderSpec>,
    pub(crate) content: Cow<'static, [Part]>,
    pub(crate) format: SignatureFormat,
    pub(crate) encoding: Encoding,
    pub(crate) key_rule: KeyRule,
    pub(crate) min_key_len: usize,
    /// Other names for the signature, id and timestamp headers, read when a request does not
    /// carry the scheme's own (Svix's SDKs accept the unbranded `webhook-*` headers).
    pub(crate) fallback: Option<Fallback>,
    pub(crate) dialect: Option<Dialect>,
}

/// The headers a scheme reads under other names, as a whole: see [`Scheme::fallback_headers`].
#[derive(Debug, Clone)]
pub(crate) struct Fallback {
    pub(crate) signature: HeaderSpec,
    pub(crate) id: Option<HeaderSpec>,
    pub(crate) timestamp: Option<HeaderSpec>,
}

/// The most signature entries a request may carry in its signature header (all its values
/// together, any version): more is `malformed_header`, before any hashing.
///
/// No real rotation comes near it (a sender signs once per secret it holds, two or three
/// during a rotation, Stripe adds `t=` and test-mode `v0=`), and it bounds the work a forged
/// header can cause: an ed25519 entry costs a hash of the whole body.
pub const MAX_SIGNATURE_ENTRIES: usize = 16;

/// A header name as matched on the wire (lower case) and as shown to people.
#[derive(Debug, Clone)]
pub(crate) struct HeaderSpec {
    pub(crate) name: HeaderName,
    pub(crate) display: Cow<'static, str>,
}

/// Where a scheme carries its timestamp, and whether it is part of the signed bytes.
#[derive(Debug, Clone)]
pub(crate) struct TimestampSpec {
    pub(crate) source: TimestampSource,
    pub(crate) signed: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum TimestampSource {
    Header(HeaderSpec),
    /// A `key=value` entry of the signature header, as Stripe's `t=`.
    SignatureParameter(Cow<'static, str>),
}

/// How the signature header value is laid out.
#[derive(Debug, Clone)]
pub(crate) struct SignatureFormat {
    /// `sha256`, `v1`, `v0`; `None` for a bare signature.
    pub(crate) version: Option<Cow<'static, str>>,
    /// The version of ed25519 entries (`v1a`), for schemes that have them.
    pub(crate) ed25519_version: Option<Cow<'static, str>>,
    /// Between version and signature: `=` or `,`.
    pub(crate) version_separator: char,
    /// Between entries: ` ` (rotation lists) or `,` (Stripe).
    pub(crate) list_separator: char,
}

/// One piece of the bytes a scheme signs; a scheme signs the concatenation of its parts.
///
/// ```
/// use hookwire::Part;
/// // Slack signs `v0:{timestamp}:{body}`.
/// let slack = [Part::literal("v0:"), Part::Timestamp, Part::literal(":"), Part::Body];
/// # let _ = slack;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The message id, as sent in the id header.
    Id,
    /// The timestamp, as the decimal digits sent in the timestamp header or parameter.
    Timestamp,
    /// The raw request body.
    Body,
    /// Fixed text, such as `.` or `v0:`.
    Literal(Cow<'static, str>),
}

impl Part {
    /// A fixed piece of text.
    pub fn literal(text: impl Into<Cow<'static, str>>) -> Part {
        Part::Literal(text.into())
    }
}

/// How a MAC is written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// Lower-case hexadecimal; upper case is refused.
    HexLower,
    /// Hexadecimal in either case (for senders that write upper case); written in lower case.
    HexAnyCase,
    /// Standard base64 (RFC 4648) with padding, canonical.
    Base64,
}

/// How the text of a [`Secret`](crate::Secret) becomes key bytes under a scheme.
///
/// The rule runs when a [`Signer`](crate::Signer) or [`Verifier`](crate::Verifier) is built; a
/// text it cannot use is `invalid_secret`, naming the scheme and the reason. "Base64" here is
/// the standard alphabet with its complete padding or with none (`MfKQ…LaS` and `MfKQ…LaS=`
/// are the same key), as the reference libraries of Standard Webhooks and Svix read it.
/// Secrets made with [`Secret::from_bytes`](crate::Secret::from_bytes) are used as they are
/// under every rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyRule {
    /// `whsec_<base64>` is decoded (`whsec_` followed by anything else is refused); any other
    /// text is used as its UTF-8 bytes (hookwire).
    PrefixedBase64OrText,
    /// An optional `whsec_` prefix is dropped and the rest base64-decoded (Standard Webhooks,
    /// Svix, as their reference libraries do).
    Base64,
    /// The whole text, `whsec_` included, as UTF-8 bytes (Stripe, GitHub, Slack, ...).
    Text,
}

/// A signature entry found in a signature header, before any cryptography.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureEntry<'a> {
    /// The version tag (`v1`, `sha256`, `t` for a Stripe timestamp), `None` for bare signatures.
    pub version: Option<&'a str>,
    /// The value after the version separator.
    pub value: &'a str,
}

/// Declares the presets once: their names (in the order of the table on [`Scheme`]) and the
/// constructor of each, so `names`, `from_name` and the error's list of known names agree.
macro_rules! presets {
    ($($name:literal => $make:ident,)*) => {
        const NAMES: &[&str] = &[$($name),*];

        fn preset(name: &str) -> Option<Scheme> {
            match name {
                $($name => Some(Scheme::$make()),)*
                _ => None,
            }
        }
    };
}

presets! {
    "hookwire" => hookwire,
    "standard-webhooks" => standard_webhooks,
    "svix" => svix,
    "github" => github,
    "stripe" => stripe,
    "shopify" => shopify,
    "slack" => slack,
    "device-service" => device_service,
    "ops-center" => ops_center,
    "webnet" => webnet,
    "homechef" => homechef,
    "auraconnect" => auraconnect,
}

const ID_TIMESTAMP_BODY: &[Part] = &[
    Part::Id,
    Part::Literal(Cow::Borrowed(".")),
    Part::Timestamp,
    Part::Literal(Cow::Borrowed(".")),
    Part::Body,
];
const BODY: &[Part] = &[Part::Body];

fn header(display: &'static str) -> HeaderSpec {
    // Header names are matched lower case; `from_bytes` lower-cases the display spelling.
    let name = HeaderName::from_bytes(display.as_bytes()).expect("preset header names are valid");
    HeaderSpec { name, display: Cow::Borrowed(display) }
}

fn format(version: Option<&'static str>, version_separator: char) -> SignatureFormat {
    SignatureFormat {
        version: version.map(Cow::Borrowed),
        ed25519_version: None,
        version_separator,
        list_separator: ' ',
    }
}

/// A preset that signs only the body with HMAC-SHA256 in lower-case hex.
fn body_hex(name: &'static str, signature: &'static str, version: Option<&'static str>) -> Scheme {
    Scheme {
        name: Cow::Borrowed(name),
        signature: header(signature),
        id: None,
        timestamp: None,
        event: None,
        content: Cow::Borrowed(BODY),
        format: format(version, '='),
        encoding: Encoding::HexLower,
        key_rule: KeyRule::Text,
        min_key_len: 1,
        fallback: None,
        dialect: None,
    }
}

fn standard_like(name: &'static str, headers: [&'static str; 3]) -> Scheme {
    let [signature, id, timestamp] = headers;
    let mut format = format(Some("v1"), ',');
    format.ed25519_version = Some(Cow::Borrowed("v1a"));
    Scheme {
        name: Cow::Borrowed(name),
        signature: header(signature),
        id: Some(header(id)),
        timestamp: Some(TimestampSpec { source: TimestampSource::Header(header(timestamp)), signed: true }),
        event: None,
        content: Cow::Borrowed(ID_TIMESTAMP_BODY),
        format,
        encoding: Encoding::Base64,
        key_rule: KeyRule::Base64,
        min_key_len: 1,
        fallback: None,
        // The Standard Webhooks payload `{"type","timestamp","data"}` is the native envelope.
        dialect: Some(Dialect::Hookwire),
    }
}

impl Scheme {
    /// Every preset name, in the order of the table above.
    pub fn names() -> &'static [&'static str] {
        NAMES
    }

    /// The preset called `name`: case-insensitive, `_` may stand for `-`, and the other
    /// spellings every preset list accepts (`standardwebhooks`, `opscenter`, `thermoworks`).
    /// Errors: `unknown_scheme`, listing the names.
    pub fn from_name(name: &str) -> Result<Scheme, Error> {
        preset(&crate::names::canonical(name))
            .ok_or_else(|| Error::UnknownScheme { scheme: name.to_owned(), known: NAMES })
    }

    /// hookwire's native scheme: `{id}.{timestamp}.{body}`, `sha256=<hex>`, keys ≥ 16 bytes.
    pub fn hookwire() -> Scheme {
        Scheme {
            name: Cow::Borrowed("hookwire"),
            signature: header("X-Webhook-Signature"),
            id: Some(header("X-Webhook-Id")),
            timestamp: Some(TimestampSpec {
                source: TimestampSource::Header(header("X-Webhook-Timestamp")),
                signed: true,
            }),
            event: Some(header("X-Webhook-Event")),
            content: Cow::Borrowed(ID_TIMESTAMP_BODY),
            format: format(Some("sha256"), '='),
            encoding: Encoding::HexLower,
            key_rule: KeyRule::PrefixedBase64OrText,
            min_key_len: 16,
            fallback: None,
            dialect: Some(Dialect::Hookwire),
        }
    }

    /// [Standard Webhooks](https://www.standardwebhooks.com/): `webhook-*` headers, `v1,<base64>`,
    /// and `v1a` ed25519 signatures with `whsk_`/`whpk_` keys.
    pub fn standard_webhooks() -> Scheme {
        standard_like("standard-webhooks", ["webhook-signature", "webhook-id", "webhook-timestamp"])
    }

    /// Svix: Standard Webhooks with `svix-*` header names. Like Svix's own libraries, it reads
    /// the unbranded `webhook-*` headers instead when the `svix-*` ones are not all there (see
    /// [`fallback_headers`](Scheme::fallback_headers)).
    pub fn svix() -> Scheme {
        let mut scheme = standard_like("svix", ["svix-signature", "svix-id", "svix-timestamp"]);
        scheme.fallback = Some(Fallback {
            signature: header("webhook-signature"),
            id: Some(header("webhook-id")),
            timestamp: Some(header("webhook-timestamp")),
        });
        scheme
    }

    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body; id in `X-GitHub-Delivery`.
    pub fn github() -> Scheme {
        let mut scheme = body_hex("github", "X-Hub-Signature-256", Some("sha256"));
        scheme.id = Some(header("X-GitHub-Delivery"));
        scheme.event = Some(header("X-GitHub-Event"));
        scheme
    }

    /// Stripe: `Stripe-Signature: t=<ts>,v1=<hex>` over `{t}.{body}`; the whole secret text is
    /// the key. `v0` entries are skipped.
    pub fn stripe() -> Scheme {
        let mut scheme = body_hex("stripe", "Stripe-Signature", Some("v1"));
        scheme.timestamp = Some(TimestampSpec {
            source: TimestampSource::SignatureParameter(Cow::Borrowed("t")),
            signed: true,
        });
        scheme.content = Cow::Borrowed(&[Part::Timestamp, Part::Literal(Cow::Borrowed(".")), Part::Body]);
        scheme.format.list_separator = ',';
        scheme
    }

    /// Shopify: bare base64 in `X-Shopify-Hmac-Sha256` over the body.
    pub fn shopify() -> Scheme {
        let mut scheme = body_hex("shopify", "X-Shopify-Hmac-Sha256", None);
        scheme.encoding = Encoding::Base64;
        scheme.id = Some(header("X-Shopify-Webhook-Id"));
        scheme.event = Some(header("X-Shopify-Topic"));
        scheme
    }

    /// Slack: `X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`.
    pub fn slack() -> Scheme {
        let mut scheme = body_hex("slack", "X-Slack-Signature", Some("v0"));
        scheme.timestamp = Some(TimestampSpec {
            source: TimestampSource::Header(header("X-Slack-Request-Timestamp")),
            signed: true,
        });
        scheme.content = Cow::Borrowed(&[
            Part::Literal(Cow::Borrowed("v0:")),
            Part::Timestamp,
            Part::Literal(Cow::Borrowed(":")),
            Part::Body,
        ]);
        scheme
    }

    /// Device Service (ThermoWorks): bare hex in `X-Webhook-Signature` over the body.
    pub fn device_service() -> Scheme {
        let mut scheme = body_hex("device-service", "X-Webhook-Signature", None);
        scheme.dialect = Some(Dialect::DeviceService);
        scheme
    }

    /// Ops Center: bare hex in `X-Webhook-Signature` over the body.
    pub fn ops_center() -> Scheme {
        let mut scheme = body_hex("ops-center", "X-Webhook-Signature", None);
        scheme.dialect = Some(Dialect::OpsCenter);
        scheme
    }

    /// webnet: `X-Webhook-Signature: sha256=<hex>` over the body.
    pub fn webnet() -> Scheme {
        let mut scheme = body_hex("webnet", "X-Webhook-Signature", Some("sha256"));
        scheme.dialect = Some(Dialect::Webnet);
        scheme
    }

    /// HomeChef: `X-HomeChef-Signature: sha256=<hex>` over the body.
    pub fn homechef() -> Scheme {
        let mut scheme = body_hex("homechef", "X-HomeChef-Signature", Some("sha256"));
        scheme.dialect = Some(Dialect::HomeChef);
        scheme
    }

    /// AuraConnect: `X-AuraConnect-Signature: sha256=<hex>` over the body, with an unsigned
    /// `X-AuraConnect-Timestamp` that is still checked against the tolerance.
    pub fn auraconnect() -> Scheme {
        let mut scheme = body_hex("auraconnect", "X-AuraConnect-Signature", Some("sha256"));
        scheme.id = Some(header("X-AuraConnect-Event-Id"));
        scheme.event = Some(header("X-AuraConnect-Event"));
        scheme.timestamp = Some(TimestampSpec {
            source: TimestampSource::Header(header("X-AuraConnect-Timestamp")),
            signed: false,
        });
        scheme.dialect = Some(Dialect::AuraConnect);
        scheme
    }

    /// Starts a custom scheme for a provider hookwire does not ship.
    ///
    /// ```
    /// use hookwire::{Encoding, KeyRule, Part, Scheme, Secret, Signer, Verifier};
    ///
    /// // Acme signs `{timestamp}:{body}` and sends `X-Acme-Signature: v2=<base64>`.
    /// let acme = Scheme::builder("acme")
    ///     .signature_header("X-Acme-Signature")
    ///     .version("v2", '=')
    ///     .encoding(Encoding::Base64)
    ///     .timestamp_header("X-Acme-Timestamp")
    ///     .content([Part::Timestamp, Part::literal(":"), Part::Body])
    ///     .key_rule(KeyRule::Text)
    ///     .build()?;
    ///
    /// let secret = Secret::parse("acme-shared-secret")?;
    /// let headers = Signer::new(acme.clone(), secret.clone()).sign("m1", 1_700_000_000, b"{}")?;
    /// assert!(headers["x-acme-signature"].to_str().unwrap().starts_with("v2="));
    /// Verifier::new(acme, [secret]).verify_at(&headers, b"{}", 1_700_000_000)?;
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn builder(name: &str) -> SchemeBuilder {
        SchemeBuilder {
            name: name.to_owned(),
            signature: None,
            id: None,
            timestamp: None,
            timestamp_signed: true,
            event: None,
            content: None,
            version: None,
            version_separator: '=',
            list_separator: ' ',
            encoding: Encoding::HexLower,
            key_rule: KeyRule::Text,
            min_key_len: 1,
            dialect: None,
        }
    }

    /// The scheme's name (`hookwire`, `stripe`, or a custom name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The header carrying the signature, as the scheme spells it.
    pub fn signature_header(&self) -> &str {
        &self.signature.display
    }

    /// The header carrying the message id, if the scheme has one.
    pub fn id_header(&self) -> Option<&str> {
        self.id.as_ref().map(|h| &*h.display)
    }

    /// The header carrying the timestamp, if the scheme sends it in a header of its own.
    pub fn timestamp_header(&self) -> Option<&str> {
        match &self.timestamp.as_ref()?.source {
            TimestampSource::Header(h) => Some(&h.display),
            TimestampSource::SignatureParameter(_) => None,
        }
    }

    /// The header carrying the event type, if the scheme has one (never signed).
    pub fn event_header(&self) -> Option<&str> {
        self.event.as_ref().map(|h| &*h.display)
    }

    /// The envelope the senders of this scheme write their events in, which
    /// [`Verified::event`](crate::Verified::event) reads:
    ///
    /// | schemes | dialect |
    /// |---|---|
    /// | `hookwire`, `standard-webhooks`, `svix` | [`Dialect::Hookwire`] (`{"id","type","timestamp","data"}`, the Standard Webhooks payload; the id is optional) |
    /// | `ops-center`, `webnet`, `homechef`, `auraconnect`, `device-service` | that system's own |
    /// | `github`, `stripe`, `shopify`, `slack`, custom schemes without [`SchemeBuilder::dialect`] | none: their bodies are the provider's own JSON (read them as JSON) |
    ///
    /// ```
    /// use hookwire::{Dialect, Scheme};
    /// assert_eq!(Scheme::auraconnect().dialect(), Some(Dialect::AuraConnect));
    /// assert_eq!(Scheme::svix().dialect(), Some(Dialect::Hookwire));
    /// assert_eq!(Scheme::github().dialect(), None);
    /// ```
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect
    }

    /// Reads `body`, sent under this scheme, as an event in the sender's
    /// [`dialect`](Scheme::dialect), with `type_hint` (the event header or a route) where the
    /// envelope has no type. What [`Verified::event`](crate::Verified::event) does.
    ///
    /// Errors: `invalid_payload` when the body is not in that envelope, and for a scheme
    /// without a dialect (GitHub, Stripe, Shopify, Slack send their own JSON: read it as JSON,
    /// or name a dialect with [`Dialect::parse`]).
    ///
    /// ```
    /// use hookwire::Scheme;
    /// let body = br#"{"id":"evt_1","type":"order.created","created":1700000000,"data":{"object":{"id":1001}}}"#;
    /// assert_eq!(Scheme::auraconnect().parse_event(body, None)?.event_type(), "order.created");
    /// assert_eq!(Scheme::github().parse_event(b"{}", Some("push")).unwrap_err().code(), "invalid_payload");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn parse_event(&self, body: &[u8], type_hint: Option<&str>) -> Result<Event, Error> {
        crate::event::parse_sent(self.dialect, body, type_hint)
    }

    /// Every header a verification reads, in this order: signature, id, timestamp, event
    /// (`None` where the scheme has none). Bindings convert only these from a request.
    ///
    /// ```
    /// let github = hookwire::Scheme::github();
    /// assert_eq!(github.read_headers(), [Some("X-Hub-Signature-256"), Some("X-GitHub-Delivery"), None, Some("X-GitHub-Event")]);
    /// ```
    pub fn read_headers(&self) -> [Option<&str>; 4] {
        [Some(self.signature_header()), self.id_header(), self.timestamp_header(), self.event_header()]
    }

    /// The headers a verification reads instead of the signature, id and timestamp headers of
    /// [`read_headers`](Scheme::read_headers), in the same four places (the event header has
    /// no other name), when a request does not carry all of those: for `svix`, the unbranded
    /// `webhook-signature`, `webhook-id` and `webhook-timestamp` that Svix's SDKs accept too.
    /// All `None` for the other schemes. Bindings pass these on beside `read_headers`.
    ///
    /// The names are read as a whole, never mixed: the scheme's own when all its signature, id
    /// and timestamp headers are present, else these when all of them are, else the scheme's
    /// own again (so a request with neither is told which `svix-*` header is missing).
    ///
    /// ```
    /// let svix = hookwire::Scheme::svix();
    /// assert_eq!(svix.fallback_headers(), [Some("webhook-signature"), Some("webhook-id"), Some("webhook-timestamp"), None]);
    /// assert_eq!(hookwire::Scheme::github().fallback_headers(), [None; 4]);
    /// ```
    pub fn fallback_headers(&self) -> [Option<&str>; 4] {
        match &self.fallback {
            Some(f) => [
                Some(&*f.signature.display),
                f.id.as_ref().map(|h| &*h.display),
                f.timestamp.as_ref().map(|h| &*h.display),
                None,
            ],
            None => [None; 4],
        }
    }

    /// The names of the scheme's own signature, id and timestamp headers.
    pub(crate) fn own_names(&self) -> Names<'_> {
        Names {
            signature: &self.signature,
            id: self.id.as_ref(),
            timestamp: match self.timestamp.as_ref().map(|t| &t.source) {
                Some(TimestampSource::Header(spec)) => Some(spec),
                _ => None,
            },
        }
    }

    /// The other names of those headers, read when a request does not carry all of the
    /// scheme's own (see [`fallback_headers`](Scheme::fallback_headers)).
    pub(crate) fn fallback_names(&self) -> Option<Names<'_>> {
        self.fallback.as_ref().map(|fallback| Names {
            signature: &fallback.signature,
            id: fallback.id.as_ref(),
            timestamp: fallback.timestamp.as_ref(),
        })
    }

    /// The signed bytes, as the parts concatenated in this order.
    pub fn content(&self) -> &[Part] {
        &self.content
    }

    /// Whether the scheme carries a timestamp, and whether that timestamp is signed.
    pub fn timestamp(&self) -> Option<TimestampKind> {
        self.timestamp
            .as_ref()
            .map(|t| if t.signed { TimestampKind::Signed } else { TimestampKind::Unsigned })
    }

    /// Splits one signature header value into its entries, without judging them.
    ///
    /// Entries are separated by the scheme's list separator, and also by `,` with optional
    /// spaces: the RFC 9110 list join that proxies and frameworks apply to a repeated header
    /// (WSGI/Django `META` joins with `,`, fetch `Headers` with `, `), so a joined value reads
    /// as the separate ones would. No signature encoding contains `,` or a space, so no real
    /// entry is cut. Empty entries (doubled separators) are dropped; an entry without the
    /// version separator has `version: None` when the scheme is versioned too, and is later
    /// refused as unusable.
    ///
    /// ```
    /// use hookwire::{Scheme, SignatureEntry};
    /// let entries: Vec<_> = Scheme::stripe().signature_entries("t=17,v1=ab,v0=cd").collect();
    /// assert_eq!(entries[0], SignatureEntry { version: Some("t"), value: "17" });
    /// assert_eq!(entries.len(), 3);
    ///
    /// // Two `webhook-signature` headers, joined by a framework.
    /// let joined: Vec<_> = Scheme::standard_webhooks().signature_entries("v1,aGk=, v1,aG8=").collect();
    /// assert_eq!(joined, [SignatureEntry { version: Some("v1"), value: "aGk=" }, SignatureEntry { version: Some("v1"), value: "aG8=" }]);
    /// ```
    pub fn signature_entries<'v>(&self, value: &'v str) -> impl Iterator<Item = SignatureEntry<'v>> + 'v {
        Entries {
            rest: value,
            versioned: self.format.version.is_some(),
            version_separator: self.format.version_separator,
            list_separator: self.format.list_separator,
        }
    }

    pub(crate) fn signs(&self, part: &Part) -> bool {
        self.content.contains(part)
    }
}

/// The signature, id and timestamp headers one verification reads.
#[derive(Clone, Copy)]
pub(crate) struct Names<'s> {
    pub(crate) signature: &'s HeaderSpec,
    pub(crate) id: Option<&'s HeaderSpec>,
    pub(crate) timestamp: Option<&'s HeaderSpec>,
}

/// The entries of a signature header value (see [`Scheme::signature_entries`]).
struct Entries<'v> {
    rest: &'v str,
    versioned: bool,
    version_separator: char,
    list_separator: char,
}

impl Entries<'_> {
    fn is_separator(&self, c: char) -> bool {
        // `,` and spaces are the RFC 9110 list join; tabs are the optional whitespace it allows.
        c == self.list_separator || c == ',' || c == ' ' || c == '\t'
    }
}

impl<'v> Iterator for Entries<'v> {
    type Item = SignatureEntry<'v>;

    fn next(&mut self) -> Option<SignatureEntry<'v>> {
        if self.version_separator.is_ascii() && self.list_separator.is_ascii() {
            self.next_ascii()
        } else {
            self.next_chars()
        }
    }
}

impl<'v> Entries<'v> {
    fn next_chars(&mut self) -> Option<SignatureEntry<'v>> {
        let rest = self.rest.trim_start_matches(|c| self.is_separator(c));
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        let token_end = |text: &str| text.find(|c| self.is_separator(c)).unwrap_or(text.len());
        if self.versioned {
            // A version runs to the version separator; the value after it runs to the next
            // separator (it may hold the version separator: base64 padding after `=`).
            let end =
                rest.find(|c| c == self.version_separator || self.is_separator(c)).unwrap_or(rest.len());
            if let Some(after) = rest[end..].strip_prefix(self.version_separator) {
                let value_end = token_end(after);
                self.rest = &after[value_end..];
                return Some(SignatureEntry { version: Some(&rest[..end]), value: &after[..value_end] });
            }
        }
        let end = token_end(rest);
        self.rest = &rest[end..];
        Some(SignatureEntry { version: None, value: &rest[..end] })
    }

    /// [`Iterator::next`] when both separators are ASCII (every preset): the same splitting
    /// over bytes ([`split_ascii`]). An ASCII byte is always a character boundary, so the
    /// slices are the ones the other path makes.
    fn next_ascii(&mut self) -> Option<SignatureEntry<'v>> {
        // Both are ASCII here, so `as u8` keeps them whole.
        let (list, version) = (self.list_separator as u8, self.version_separator as u8);
        let text = self.rest;
        let Some((version_at, value_at)) = split_ascii(text.as_bytes(), self.versioned, version, list) else {
            self.rest = &text[text.len()..];
            return None;
        };
        self.rest = &text[value_at.end..];
        Some(SignatureEntry { version: version_at.map(|at| &text[at]), value: &text[value_at] })
    }
}

/// The next entry of a signature header value whose separators are both ASCII, as the places
/// of its version (when it has one) and of its value in `rest`; the rest of the value starts
/// where the value ends. `None` when only separators are left. Splitting is where
/// verification spends its time outside the hash, so it runs over bytes; see
/// [`Scheme::signature_entries`] for the rules.
pub(crate) fn split_ascii(
    rest: &[u8],
    versioned: bool,
    version: u8,
    list: u8,
) -> Option<(Option<Range<usize>>, Range<usize>)> {
    let is_separator = |b: u8| b == list || b == b',' || b == b' ' || b == b'\t';
    // The scheme's list separator when it is not one of the three every scheme splits on.
    let own = (!matches!(list, b',' | b' ' | b'\t')).then_some(list);
    let token_end = |from: usize| {
        // A signature runs 44 to 88 characters without a separator: it is passed over eight
        // bytes at a time, a word with no separator in one test, and only the bytes from the
        // word that may hold one are looked at one by one.
        let bytes = &rest[from..];
        let clear = bytes.chunks_exact(8).take_while(|word| !may_separate(word, own)).count() * 8;
        // No separator in the whole words: the bytes after them are tested as the last eight
        // bytes, in one word too.
        let tail_clear = bytes.len() - clear < 8
            && bytes.len().checked_sub(8).is_some_and(|last| !may_separate(&bytes[last..], own));
        if tail_clear {
            return rest.len();
        }
        from + clear + bytes[clear..].iter().position(|&b| is_separator(b)).unwrap_or(bytes.len() - clear)
    };
    let start = rest.iter().position(|&b| !is_separator(b))?;
    if versioned {
        // A version runs to the version separator; the value after it runs to the next
        // separator (it may hold the version separator: base64 padding after `=`).
        let end = rest[start..]
            .iter()
            .position(|&b| b == version || is_separator(b))
            .map_or(rest.len(), |at| start + at);
        if rest.get(end) == Some(&version) {
            return Some((Some(start..end), end + 1..token_end(end + 1)));
        }
    }
    Some((None, start..token_end(start)))
}

/// A signature entry as the verifier reads it, over the bytes of a header value that was
/// checked to be visible ASCII: [`SignatureEntry`] without the UTF-8 check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawEntry<'a> {
    pub(crate) version: Option<&'a [u8]>,
    pub(crate) value: &'a [u8],
}

impl Scheme {
    /// Whether the scheme's separators are both ASCII (every preset), and then how
    /// [`split_ascii`] splits its values: (versioned, version separator, list separator).
    pub(crate) fn ascii_format(&self) -> Option<(bool, u8, u8)> {
        let format = &self.format;
        let (version, list) = (format.version_separator, format.list_separator);
        // Both are ASCII here, so `as u8` keeps them whole.
        (version.is_ascii() && list.is_ascii()).then_some((
            format.version.is_some(),
            version as u8,
            list as u8,
        ))
    }

    /// [`signature_entries`](Scheme::signature_entries) of a value of visible ASCII given as
    /// bytes (the verifier checks that first): the same entries, with no UTF-8 check when
    /// both separators are ASCII (every preset).
    pub(crate) fn raw_entries<'v>(&self, value: &'v [u8]) -> impl Iterator<Item = RawEntry<'v>> + 'v {
        let format = &self.format;
        let (versioned, version, list) =
            (format.version.is_some(), format.version_separator, format.list_separator);
        let mut rest = if version.is_ascii() && list.is_ascii() { value } else { &[] };
        // A scheme with a separator beyond ASCII splits the value as text (ASCII is UTF-8).
        let mut chars = if version.is_ascii() && list.is_ascii() {
            None
        } else {
            std::str::from_utf8(value).ok().map(|text| self.signature_entries(text))
        };
        std::iter::from_fn(move || {
            if let Some(chars) = chars.as_mut() {
                return chars
                    .next()
                    .map(|e| RawEntry { version: e.version.map(str::as_bytes), value: e.value.as_bytes() });
            }
            // Both are ASCII here, so `as u8` keeps them whole.
            let (version_at, value_at) = split_ascii(rest, versioned, version as u8, list as u8)?;
            let entry = RawEntry { version: version_at.map(|at| &rest[at]), value: &rest[value_at.clone()] };
            rest = &rest[value_at.end..];
            Some(entry)
        })
    }
}

/// Whether the 8-byte `word` may hold a separator: `false` only when none of its bytes is `,`,
/// space, tab or `own` (the scheme's other list separator), so that a word of signature text is
/// passed in a few word operations; a word it holds true for is read byte by byte. Space and
/// tab are the bytes below 0x21 it looks for: `(x - 0x21..) & !x & 0x80..` is non-zero when
/// some byte is below 0x21 (it may also flag other control bytes, which are read byte by
/// byte); a byte equal to a needle is zero after the xor, and `(x - 0x01..) & !x & 0x80..`
/// is non-zero exactly when some byte of `x` is zero.
fn may_separate(word: &[u8], own: Option<u8>) -> bool {
    use crate::headers::{as_word, HIGH, ONES};
    let word = as_word(word);
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let equal = |needle: u8| below(word ^ (ONES * u64::from(needle)), 1);
    let hits = below(word, 0x21) | equal(b',') | own.map_or(0, equal);
    hits != 0
}

/// Whether a scheme's timestamp is covered by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampKind {
    /// Part of the signed bytes: a replayed message cannot be made fresh.
    Signed,
    /// Sent and checked, but not signed (AuraConnect): only a hint of freshness.
    Unsigned,
}

/// Builds a custom [`Scheme`]; see [`Scheme::builder`].
///
/// Defaults: HMAC-SHA256, lower-case hex, entries separated by spaces, key = secret text,
/// content = the body alone. [`build`](SchemeBuilder::build) checks that the scheme is
/// consistent (for example, signing the id requires an id header).
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemeBuilder {
    name: String,
    signature: Option<String>,
    id: Option<String>,
    timestamp: Option<TimestampSourceSpec>,
    timestamp_signed: bool,
    event: Option<String>,
    content: Option<Vec<Part>>,
    version: Option<String>,
    version_separator: char,
    list_separator: char,
    encoding: Encoding,
    key_rule: KeyRule,
    min_key_len: usize,
    dialect: Option<Dialect>,
}

#[derive(Debug, Clone)]
enum TimestampSourceSpec {
    Header(String),
    Parameter(String),
}

impl SchemeBuilder {
    /// The header that carries the signature (required).
    pub fn signature_header(mut self, name: &str) -> Self {
        self.signature = Some(name.to_owned());
        self
    }

    /// Signatures are written `<version><separator><mac>` (`sha256=…`, `v1,…`); entries with
    /// another version are skipped when verifying.
    pub fn version(mut self, version: &str, separator: char) -> Self {
        self.version = Some(version.to_owned());
        self.version_separator = separator;
        self
    }

    /// The character between several signatures in one header (default: space).
    pub fn list_separator(mut self, separator: char) -> Self {
        self.list_separator = separator;
        self
    }

    /// How the MAC is written (default: lower-case hex).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The header carrying the message id.
    pub fn id_header(mut self, name: &str) -> Self {
        self.id = Some(name.to_owned());
        self
    }

    /// The header carrying the unix timestamp (seconds): signed when the content includes
    /// [`Part::Timestamp`], otherwise only checked against the tolerance.
    pub fn timestamp_header(mut self, name: &str) -> Self {
        self.timestamp = Some(TimestampSourceSpec::Header(name.to_owned()));
        self
    }

    /// The timestamp travels as a `key=value` entry of the signature header (Stripe's `t=`).
    pub fn timestamp_parameter(mut self, key: &str) -> Self {
        self.timestamp = Some(TimestampSourceSpec::Parameter(key.to_owned()));
        self
    }

    /// The timestamp is sent and checked but not part of the signed bytes.
    pub fn unsigned_timestamp(mut self) -> Self {
        self.timestamp_signed = false;
        self
    }

    /// The header carrying the event type (informational, never signed).
    pub fn event_header(mut self, name: &str) -> Self {
        self.event = Some(name.to_owned());
        self
    }

    /// The signed bytes, as the concatenation of these parts (default: `[Part::Body]`).
    pub fn content(mut self, parts: impl IntoIterator<Item = Part>) -> Self {
        self.content = Some(parts.into_iter().collect());
        self
    }

    /// How secret text becomes key bytes (default: [`KeyRule::Text`]).
    pub fn key_rule(mut self, rule: KeyRule) -> Self {
        self.key_rule = rule;
        self
    }

    /// The shortest key accepted, in bytes (default 1).
    pub fn min_key_len(mut self, bytes: usize) -> Self {
        self.min_key_len = bytes;
        self
    }

    /// The envelope this provider's events are written in, for
    /// [`Verified::event`](crate::Verified::event) (default: none, the body is the provider's
    /// own JSON).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = Some(dialect);
        self
    }

    /// Checks the description and makes the scheme; `invalid_argument` says what is missing.
    pub fn build(self) -> Result<Scheme, Error> {
        let to_header = |name: &str, arg: &'static str| -> Result<HeaderSpec, Error> {
            let parsed = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::argument(arg, format!("`{name}` is not a valid header name")))?;
            Ok(HeaderSpec { name: parsed, display: Cow::Owned(name.to_owned()) })
        };
        if self.name.is_empty() {
            return Err(Error::argument("name", "a scheme needs a name"));
        }
        let signature = match &self.signature {
            Some(name) => to_header(name, "signature_header")?,
            None => return Err(Error::argument("signature_header", "a scheme needs a signature header")),
        };
        let content = self.content.unwrap_or_else(|| vec![Part::Body]);
        if !content.contains(&Part::Body) {
            return Err(Error::argument("content", "the signed content must include the body"));
        }
        let id = self.id.as_deref().map(|n| to_header(n, "id_header")).transpose()?;
        if content.contains(&Part::Id) && id.is_none() {
            return Err(Error::argument(
                "content",
                "the content signs the id but the scheme has no id header",
            ));
        }
        let timestamp = match &self.timestamp {
            None => None,
            Some(TimestampSourceSpec::Header(name)) => {
                Some(TimestampSource::Header(to_header(name, "timestamp_header")?))
            }
            Some(TimestampSourceSpec::Parameter(key)) => {
                if self.version.is_none() || key.is_empty() {
                    return Err(Error::argument(
                        "timestamp_parameter",
                        "a timestamp parameter needs a versioned signature format (`key=value` entries)",
                    ));
                }
                Some(TimestampSource::SignatureParameter(Cow::Owned(key.clone())))
            }
        };
        let signs_timestamp = content.contains(&Part::Timestamp);
        if signs_timestamp && timestamp.is_none() {
            return Err(Error::argument("content", "the content signs a timestamp but the scheme has none"));
        }
        if signs_timestamp && !self.timestamp_signed {
            return Err(Error::argument("unsigned_timestamp", "the content signs the timestamp"));
        }
        if let Some(version) = &self.version {
            if version.is_empty()
                || version.contains(self.version_separator)
                || version.contains(self.list_separator)
                || version.contains([',', ' ', '\t'])
            {
                return Err(Error::argument(
                    "version",
                    "the version must be non-empty and free of separators (`,` and spaces included)",
                ));
            }
        }
        if self.version_separator == self.list_separator {
            return Err(Error::argument("list_separator", "the list and version separators must differ"));
        }
        if [' ', '\t'].contains(&self.version_separator) {
            return Err(Error::argument("version", "the version separator cannot be a space"));
        }
        let event = self.event.as_deref().map(|n| to_header(n, "event_header")).transpose()?;
        Ok(Scheme {
            name: Cow::Owned(self.name),
            signature,
            id,
            timestamp: timestamp.map(|source| TimestampSpec { source, signed: signs_timestamp }),
            event,
            content: Cow::Owned(content),
            format: SignatureFormat {
                version: self.version.map(Cow::Owned),
                ed25519_version: None,
                version_separator: self.version_separator,
                list_separator: self.list_separator,
            },
            encoding: self.encoding,
            key_rule: self.key_rule,
            min_key_len: self.min_key_len.max(1),
            fallback: None,
            dialect: self.dialect,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_resolves_to_a_scheme_of_that_name() {
        for name in Scheme::names() {
            assert_eq!(Scheme::from_name(name).unwrap().name(), *name);
            assert_eq!(Scheme::from_name(&name.to_uppercase().replace('-', "_")).unwrap().name(), *name);
        }
        let err = Scheme::from_name("paypal").unwrap_err();
        assert_eq!(err.code(), "unknown_scheme");
        assert!(err.to_string().contains("standard-webhooks"));
    }

    #[test]
    fn splits_entries_per_format() {
        let sw = Scheme::standard_webhooks();
        let entries: Vec<_> = sw.signature_entries("v1,abc  v2,def v1a,ghi nosep").collect();
        assert_eq!(
            entries,
            [
                SignatureEntry { version: Some("v1"), value: "abc" },
                SignatureEntry { version: Some("v2"), value: "def" },
                SignatureEntry { version: Some("v1a"), value: "ghi" },
                SignatureEntry { version: None, value: "nosep" },
            ]
        );
        let bare: Vec<_> = Scheme::shopify().signature_entries("a+b/c= d==").collect();
        assert_eq!(
            bare,
            [
                SignatureEntry { version: None, value: "a+b/c=" },
                SignatureEntry { version: None, value: "d==" }
            ]
        );
    }

    #[test]
    fn joined_values_split_like_separate_ones() {
        let e = |version: Option<&'static str>, value: &'static str| SignatureEntry { version, value };
        let cases: [(Scheme, &str, Vec<SignatureEntry<'static>>); 7] = [
            (
                Scheme::standard_webhooks(),
                "v1,aGk=, v1,aG8=",
                vec![e(Some("v1"), "aGk="), e(Some("v1"), "aG8=")],
            ),
            (
                Scheme::standard_webhooks(),
                "v1,aGk=,v1,aG8=",
                vec![e(Some("v1"), "aGk="), e(Some("v1"), "aG8=")],
            ),
            (
                Scheme::standard_webhooks(),
                "v1,a v1a,b,\tv2,c",
                vec![e(Some("v1"), "a"), e(Some("v1a"), "b"), e(Some("v2"), "c")],
            ),
            (
                Scheme::hookwire(),
                "sha256=ab,sha256=cd , sha256=ef",
                vec![e(Some("sha256"), "ab"), e(Some("sha256"), "cd"), e(Some("sha256"), "ef")],
            ),
            (
                Scheme::stripe(),
                "t=1,v1=ab, t=1,v1=cd",
                vec![e(Some("t"), "1"), e(Some("v1"), "ab"), e(Some("t"), "1"), e(Some("v1"), "cd")],
            ),
            (Scheme::shopify(), "aGk=,aG8=", vec![e(None, "aGk="), e(None, "aG8=")]),
            // Base64 padding after a `=` version separator stays in the value.
            (
                Scheme::builder("x").signature_header("X-S").version("v2", '=').build().unwrap(),
                "v2=aGk= v2=aG8=",
                vec![e(Some("v2"), "aGk="), e(Some("v2"), "aG8=")],
            ),
        ];
        for (scheme, value, expected) in cases {
            assert_eq!(
                scheme.signature_entries(value).collect::<Vec<_>>(),
                expected,
                "{} {value:?}",
                scheme.name()
            );
        }
    }

    #[test]
    fn raw_entries_are_the_character_splitting_as_bytes() {
        // Every string of up to five characters from an alphabet of separators and letters
        // (visible ASCII and tab, as the verifier passes them), under the presets' formats and
        // custom ones, with separators beyond ASCII too (split as text).
        let alphabet = ['v', '1', '=', ',', ' ', '\t', ';', 'a'];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(longer);
        }
        // Long ones (read eight bytes at a time), with each separator at every place.
        for separator in [',', ' ', '\t', ';', '='] {
            for place in 0..52 {
                let mut text: Vec<char> = format!("v1,{}", "A".repeat(49)).chars().collect();
                text[place] = separator;
                strings.push(text.into_iter().collect());
            }
        }
        let custom = |version: Option<(&str, char)>, list: char| {
            let builder = Scheme::builder("custom").signature_header("X-Sig").list_separator(list);
            let builder = match version {
                Some((v, separator)) => builder.version(v, separator),
                None => builder,
            };
            builder.build().expect("a valid custom scheme")
        };
        let schemes = [
            Scheme::standard_webhooks(),
            Scheme::hookwire(),
            Scheme::stripe(),
            Scheme::shopify(),
            custom(Some(("v1", '=')), ';'),
            custom(Some(("v1", 'é')), ' '),
            custom(Some(("v1", '=')), '§'),
            custom(None, '§'),
        ];
        for scheme in &schemes {
            for text in &strings {
                let raw: Vec<_> = scheme.raw_entries(text.as_bytes()).collect();
                // The character splitting, the reference the byte splitting is held to.
                let format = &scheme.format;
                let mut chars = Entries {
                    rest: text,
                    versioned: format.version.is_some(),
                    version_separator: format.version_separator,
                    list_separator: format.list_separator,
                };
                let entries: Vec<_> = std::iter::from_fn(|| chars.next_chars())
                    .map(|e| RawEntry { version: e.version.map(str::as_bytes), value: e.value.as_bytes() })
                    .collect();
                assert_eq!(raw, entries, "{} {text:?}", scheme.name());
            }
        }
    }

    #[test]
    fn word_test_never_misses_a_separator_and_passes_signature_text() {
        // Every byte value at every place of a word, beside every other byte value there,
        // under the presets' separators and a custom one.
        for own in [None, Some(b';')] {
            let separators: Vec<u8> = [b',', b' ', b'\t'].into_iter().chain(own).collect();
            for place in 0..8 {
                for byte in 0..=255u8 {
                    for other in [b'a', b'=', b'+', 0x00, 0x01, 0x80, 0xff, b','] {
                        let mut word = [other; 8];
                        word[place] = byte;
                        let separated = word.iter().any(|b| separators.contains(b));
                        let text = word.iter().all(|&b| (0x21..0x7f).contains(&b) && !separated);
                        if separated {
                            assert!(may_separate(&word, own), "{word:?} {own:?}");
                        }
                        if text {
                            assert!(!may_separate(&word, own), "{word:?} {own:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn ascii_splitting_matches_the_character_splitting() {
        // Every string of up to five characters from an alphabet of separators, letters and a
        // non-ASCII letter, under the separators of the presets and a custom one.
        let alphabet = ['v', '1', '=', ',', ' ', '\t', ';', 'é'];
        let formats = [(',', ' '), ('=', ' '), ('=', ','), ('=', ';')];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(longer);
        }
        // And long ones (whole words of 8 bytes are scanned at once), mostly letters.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let len = (seed >> 33) % 100;
            let text: String = (0..len)
                .map(|i| {
                    let pick = (seed >> (i % 50)).wrapping_mul(i + 1) % 64;
                    alphabet.get(pick as usize).copied().unwrap_or('a')
                })
                .collect();
            strings.push(text);
        }
        for (version_separator, list_separator) in formats {
            for versioned in [true, false] {
                for text in &strings {
                    let entries = || Entries { rest: text, versioned, version_separator, list_separator };
                    let (mut bytes, mut chars) = (entries(), entries());
                    loop {
                        let (b, c) = (bytes.next_ascii(), chars.next_chars());
                        assert_eq!(b, c, "{text:?} {version_separator:?} {list_separator:?} {versioned}");
                        if b.is_none() {
                            break;
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn builder_refuses_inconsistent_schemes() {
        let base = || Scheme::builder("x").signature_header("X-Sig");
        let code = |b: SchemeBuilder| b.build().unwrap_err().code();
        assert_eq!(code(Scheme::builder("x")), "invalid_argument");
        assert_eq!(code(base().signature_header("bad header")), "invalid_argument");
        assert_eq!(code(base().content([Part::Id, Part::Body])), "invalid_argument");
        assert_eq!(code(base().content([Part::Timestamp, Part::Body])), "invalid_argument");
        assert_eq!(code(base().content([Part::Id])), "invalid_argument");
        assert_eq!(code(base().timestamp_parameter("t")), "invalid_argument");
        assert_eq!(code(base().version("v1", ' ')), "invalid_argument");
        assert_eq!(code(base().version("v,1", '=')), "invalid_argument");
        assert_eq!(code(base().version("v1", ' ').list_separator(';')), "invalid_argument");
        let ok = base().timestamp_header("X-Ts").content([Part::Timestamp, Part::Body]).build().unwrap();
        assert_eq!(ok.timestamp(), Some(TimestampKind::Signed));
        let unsigned = base().timestamp_header("X-Ts").unsigned_timestamp().build().unwrap();
        assert_eq!(unsigned.timestamp(), Some(TimestampKind::Unsigned));
    }
}
