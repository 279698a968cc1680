//! Secret, Signer, Verifier and Message: the receive and send paths.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hookwire::{ClaimRequest, Scheme, UnixTime};
use hookwire_stores::Store;
use napi::bindgen_prelude::{
    Either, Either3, Float64ArraySlice, FromNapiValue, JsObjectValue, Object, PromiseRaw, Unknown,
};
use napi::Env;
use napi_derive::napi;

use crate::direct;
use crate::errors::{argument, run, to_js};
use crate::event::Event;
use crate::input::{self, Options, Slice, Wanted};
use crate::replay::{self, Claim, SeenStore};
use crate::secret;

/// Options of `new Signer(secret, options)`.
#[napi(object)]
pub struct SignerOptions {
    /// The scheme (`SCHEMES`); default `hookwire`.
    pub scheme: Option<String>,
}

/// Options of `signer.sign(body, options)`.
#[napi(object)]
pub struct SignOptions {
    /// The message id; default: a random `msg_…`.
    pub id: Option<String>,
    /// Unix seconds; default: now.
    pub timestamp: Option<f64>,
    /// Sent in the scheme's event header, where it has one.
    pub event_type: Option<String>,
}

/// Signs outgoing webhooks with one or more secrets (one signature each, for rotation).
///
/// ```js
/// const headers = new Signer(secret, { scheme: 'hookwire' }).sign(body, { eventType: 'order.created' })
/// ```
#[napi]
pub struct Signer(hookwire::Signer);

#[napi]
impl Signer {
    #[napi(
        constructor,
        ts_args_type = "secret: string | Uint8Array | Secret | Array<string | Uint8Array | Secret>, options?: SignerOptions"
    )]
    pub fn new(env: Env, secret: Unknown<'_>, options: Unknown<'_>) -> napi::Result<Self> {
        let options = Options::read(&env, options, &["scheme"])?;
        let SignerOptions { scheme } = SignerOptions { scheme: options.get("scheme")? };
        let scheme = run(&env, || Scheme::from_name(scheme.as_deref().unwrap_or("hookwire")))?;
        let all = secret::secrets(&env, &secret)?;
        run(&env, || hookwire::Signer::try_from_secrets(scheme, all)).map(Signer)
    }

    /// The headers to send with `body` (lower-case names): signature(s), and the id, timestamp
    /// and event headers where the scheme has them.
    #[napi(ts_args_type = "body: Uint8Array | string, options?: SignOptions")]
    pub fn sign(
        &self,
        env: Env,
        body: Unknown<'_>,
        options: Unknown<'_>,
    ) -> napi::Result<HashMap<String, String>> {
        let options = Options::read(&env, options, &["id", "timestamp", "eventType"])?;
        let SignOptions { id, timestamp, event_type } = SignOptions {
            id: options.get("id")?,
            timestamp: options.get("timestamp")?,
            event_type: options.get("eventType")?,
        };
        let body: Slice<'_> = input::body(&env, &body)?;
        let id = match id {
            Some(id) => id,
            None => run(&env, || Ok(hookwire::new_message_id()))?,
        };
        let timestamp = match timestamp {
            Some(timestamp) => input::signed(&env, "timestamp", timestamp)?,
            None => hookwire::unix_now().as_secs(),
        };
        let headers = run(&env, || match &event_type {
            Some(event_type) => self.0.sign_event(&id, timestamp, event_type, body.bytes()),
            None => self.0.sign(&id, timestamp, body.bytes()),
        })?;
        Ok(headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect())
    }

    /// The scheme's name.
    #[napi(getter)]
    pub fn scheme(&self) -> String {
        self.0.scheme().name().to_owned()
    }
}

/// What `verify` hands the addon, in one object (`lib/message.js` builds it): the raw `body`,
/// the `values` of the headers the scheme reads (`headerNames`, in order: a string, several
/// strings, or null), and either `now` (the value of a `{ now }` options object, passed alone:
/// reading an object through napi costs more than the rest of a verification) or the caller's
/// whole `options` object, read and checked here by the one rule for options.
pub struct VerifyParts<'env> {
    body: Unknown<'env>,
    values: Unknown<'env>,
    now: Unknown<'env>,
    options: Unknown<'env>,
}

impl<'env> VerifyParts<'env> {
    fn read(env: &Env, parts: Unknown<'env>) -> napi::Result<VerifyParts<'env>> {
        if parts.get_type()? != napi::ValueType::Object {
            return Err(to_js(env, &argument("parts", "verify's parts object")));
        }
        let object = Object::from_unknown(parts)?;
        Ok(VerifyParts {
            body: object.get_named_property("body")?,
            values: object.get_named_property("values")?,
            now: object.get_named_property("now")?,
            options: object.get_named_property("options")?,
        })
    }
}

/// What the core read from a verified request (`verify` wraps it in a `Message`).
#[napi(object, object_from_js = false)]
pub struct Verified {
    /// Which configured secret matched (0 = the first).
    pub secret_index: u32,
    /// The timestamp (unix seconds), where the scheme has one.
    pub timestamp: Option<i64>,
    /// Whether the timestamp was part of the signed content.
    pub timestamp_signed: bool,
    /// The message id, where the scheme has one.
    pub id: Option<String>,
    /// The event type header, where the scheme has one.
    pub event_type: Option<String>,
    /// The replay claim, when the verifier has a store.
    pub claim: Option<Claim>,
}

/// A request that passed every check: its values, and the claim to make if there is a store.
struct Checked {
    verified: Verified,
    request: Option<ClaimRequest>,
    /// The `now` the caller gave, if any.
    given: Option<i64>,
}

impl Checked {
    fn with(mut self, claim: Option<Claim>) -> Verified {
        self.verified.claim = claim;
        self.verified
    }
}

#[napi]
pub struct Verifier {
    /// Shared with the [`Direct`] of each verify function (`verify`'s hot path).
    inner: Arc<hookwire::Verifier>,
    /// The headers the scheme reads (signature, id, timestamp, event, then the scheme's
    /// fallback names where it has them); a request's other headers are never converted.
    reads: Arc<[Option<Wanted>]>,
    /// Where verified messages are claimed; `None`: no replay protection.
    store: Option<Store>,
}

#[napi]
impl Verifier {
    /// Options (`VerifierOptions`, lib/api.d.ts): `scheme`, `tolerance` (s), `maxBody`,
    /// `seenStore` and `claimTtl` (s), or `replayCapacity` (the shorthand of
    /// `seenStore: SeenStore.memory(n)`).
    #[napi(
        constructor,
        ts_args_type = "secret: string | Uint8Array | Secret | Array<string | Uint8Array | Secret>, options?: VerifierOptions"
    )]
    pub fn new(env: Env, secret: Unknown<'_>, options: Unknown<'_>) -> napi::Result<Self> {
        let read = Options::read(
            &env,
            options,
            &["scheme", "tolerance", "maxBody", "seenStore", "claimTtl", "replayCapacity"],
        )?;
        let scheme: Option<String> = read.get("scheme")?;
        let tolerance: Option<f64> = read.get("tolerance")?;
        let max_body: Option<f64> = read.get("maxBody")?;
        let claim_ttl: Option<f64> = read.get("claimTtl")?;
        let replay_capacity: Option<f64> = read.get("replayCapacity")?;
        let seen_store = read.instance::<SeenStore>("seenStore")?.map(|store| store.0.clone());
        let store = match (seen_store, replay_capacity) {
            (Some(_), Some(_)) => {
                let reason = "give seenStore or its shorthand replayCapacity, not both";
                return Err(to_js(&env, &argument("replayCapacity", reason)));
            }
            (Some(store), None) => Some(store),
            (None, Some(capacity)) => {
                let capacity = input::whole(&env, "replayCapacity", capacity)?;
                Some(Store::memory(usize::try_from(capacity).unwrap_or(usize::MAX)))
            }
            (None, None) => None,
        };
        let scheme = run(&env, || Scheme::from_name(scheme.as_deref().unwrap_or("hookwire")))?;
        let secrets = secret::secrets(&env, &secret)?;
        let mut verifier = run(&env, || hookwire::Verifier::try_new(scheme, secrets))?;
        if let Some(tolerance) = tolerance {
            verifier = verifier.tolerance(Duration::from_secs(input::whole(&env, "tolerance", tolerance)?));
        }
        if let Some(limit) = max_body {
            let limit = input::whole(&env, "maxBody", limit)?;
            verifier = verifier.max_body(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        if let Some(ttl) = claim_ttl {
            verifier = verifier.claim_ttl(Duration::from_secs(input::whole(&env, "claimTtl", ttl)?));
        }
        let scheme = verifier.scheme();
        let fallback = scheme.fallback_headers().into_iter().take_while(Option::is_some);
        let reads: Vec<_> = scheme
            .read_headers()
            .into_iter()
            .chain(fallback)
            .map(|name| name.and_then(Wanted::new))
            .collect();
        Ok(Verifier { inner: Arc::new(verifier), reads: reads.into(), store })
    }

    /// The lower-case names of the headers the scheme reads: signature, id, timestamp, event
    /// (null where the scheme has none), then its fallback names (svix: `webhook-*`).
    /// `verify` (index.js) reads only these from a request.
    #[napi(getter, skip_typescript)]
    pub fn header_names(&self) -> Vec<Option<String>> {
        self.reads.iter().map(|w| w.as_ref().map(|w| w.name.as_str().to_owned())).collect()
    }

    /// The replay store messages are claimed in, if any.
    #[napi(getter)]
    pub fn seen_store(&self) -> Option<SeenStore> {
        self.store.clone().map(SeenStore)
    }

    /// The one native call of `verify` (`lib/message.js` picks the header values in JS, where
    /// reading JS objects is fast): `parts` is a [`VerifyParts`] object; the answer is what the
    /// core read, with the claim when there is a store. A network store is refused (it would
    /// block the event loop: `verifyAsync`).
    #[napi(skip_typescript)]
    pub fn verify_parts(&self, env: Env, parts: Unknown<'_>) -> napi::Result<Verified> {
        if let Some(store) = self.store.as_ref().filter(|store| replay::is_network(store)) {
            return Err(to_js(&env, &replay::would_block(store, "verify")));
        }
        let mut checked = self.check(&env, VerifyParts::read(&env, parts)?)?;
        let claim = match (&self.store, checked.request.take()) {
            (Some(store), Some(request)) => {
                Some(run(&env, || Claim::acquire(store, request, checked.given))?)
            }
            _ => None,
        };
        Ok(checked.with(claim))
    }

    /// The function of `verify`'s hot path for this verifier, `(body, now, ...values)` (see
    /// `direct.rs`; `lib/message.js` keeps one per verifier): a plain Node-API function bound to
    /// the verifier, without napi-rs's per-call checks of a class instance (issue 18). Not for a
    /// verifier with a replay store (its claim). `null` where it would not serve the scheme
    /// (see `direct::function`): `verify` then takes `verifyParts`.
    #[napi(skip_typescript)]
    pub fn direct_function<'env>(&self, env: &'env Env) -> napi::Result<Option<Unknown<'env>>> {
        if self.store.is_some() {
            let reason = "a verifier with a seenStore verifies through verify()";
            return Err(to_js(env, &argument("directFunction", reason)));
        }
        let direct = Direct { inner: Arc::clone(&self.inner), reads: Arc::clone(&self.reads) };
        direct::function(env, direct)
    }

    /// `verifyParts` for `verifyAsync`: the checks run at once (a failure throws), the claim is
    /// awaited for every store but memory (its answer is at once): a network store never
    /// blocks the event loop.
    #[napi(skip_typescript)]
    pub fn verify_parts_async<'env>(
        &self,
        env: &'env Env,
        parts: Unknown<'_>,
    ) -> napi::Result<Either<Verified, PromiseRaw<'env, Verified>>> {
        let mut checked = self.check(env, VerifyParts::read(env, parts)?)?;
        let (Some(store), Some(request)) = (self.store.clone(), checked.request.take()) else {
            return Ok(Either::A(checked.with(None)));
        };
        let memory = store.kind() == "memory";
        replay::settle(env, memory, async move {
            let claim = Claim::acquire_async(store, request, checked.given).await?;
            Ok(checked.with(Some(claim)))
        })
    }

    /// Not for use: the benchmark's reference (bench/verify.mjs), the core's `verify_at` of
    /// `body` and `values` (the scheme's header values as `verify` picks them, made once into
    /// the (name, value) pairs `verify` hands the core, its `HeaderSource` for pairs) run
    /// `iterations` times in Rust: the ratio to `verify` is the crossing alone. Nanoseconds per
    /// verification.
    #[napi(skip_typescript)]
    pub fn bench_verify_at(
        &self,
        env: Env,
        body: Unknown<'_>,
        values: Unknown<'_>,
        now: Unknown<'_>,
        iterations: Unknown<'_>,
    ) -> napi::Result<f64> {
        let body: Slice<'_> = input::body(&env, &body)?;
        let values: Vec<Unknown<'_>> = input::arg(&env, "values", values)?;
        let mut headers: Vec<(&str, String)> = Vec::with_capacity(self.reads.len());
        for (want, value) in self.reads.iter().zip(values) {
            if let Some(want) = want {
                input::header_values(&env, want.name.as_str(), value, &mut headers)?;
            }
        }
        let now = input::signed(&env, "now", input::arg(&env, "now", now)?)?;
        let iterations = input::count32(&env, "iterations", iterations)?.max(1);
        let headers = headers.as_slice();
        run(&env, || {
            self.inner.verify_at(headers, body.bytes(), now)?;
            let started = std::time::Instant::now();
            for _ in 0..iterations {
                std::hint::black_box(self.inner.verify_at(
                    std::hint::black_box(headers),
                    std::hint::black_box(body.bytes()),
                    now,
                )?);
            }
            Ok(started.elapsed().as_nanos() as f64 / f64::from(iterations))
        })
    }

    /// `message.event` (lib/message.js): the verified body as an event in the envelope of the
    /// scheme's senders (the core's `Scheme::parse_event`), the event header as type hint.
    #[napi(skip_typescript)]
    pub fn sent_event(&self, env: Env, body: Unknown<'_>, type_hint: Unknown<'_>) -> napi::Result<Event> {
        let type_hint = input::optional::<String>(&env, "typeHint", type_hint)?;
        let body: Slice<'_> = input::body(&env, &body)?;
        run(&env, || self.inner.scheme().parse_event(body.bytes(), type_hint.as_deref())).map(Event)
    }

    /// The scheme's name.
    #[napi(getter)]
    pub fn scheme(&self) -> String {
        self.inner.scheme().name().to_owned()
    }

    /// The dialect the scheme's senders write (the core's `Scheme::dialect`), `null` for a
    /// scheme whose senders write their own JSON: `message.event` parses in it (lib/message.js).
    #[napi(skip_typescript)]
    pub fn sender_dialect(&self) -> Option<&'static str> {
        self.inner.scheme().dialect().map(hookwire::Dialect::name)
    }
}

impl Verifier {
    /// Every check of the core but the claim, and the claim request when there is a store. The
    /// header values go to the core as (name, value) pairs (its `HeaderSource`): no
    /// `http::HeaderMap` is built, and a value is judged by the core's one rule.
    fn check(&self, env: &Env, parts: VerifyParts<'_>) -> napi::Result<Checked> {
        let now = match input::optional::<f64>(env, "now", parts.now)? {
            Some(now) => Some(now),
            None => Options::read(env, parts.options, &["now"])?.get::<f64>("now")?,
        };
        let body: Slice<'_> = input::body(env, &parts.body)?;
        let values: Vec<Unknown<'_>> = input::arg(env, "headers", parts.values)?;
        let mut headers: Vec<(&str, String)> = Vec::with_capacity(self.reads.len());
        for (want, value) in self.reads.iter().zip(values) {
            if let Some(want) = want {
                input::header_values(env, want.name.as_str(), value, &mut headers)?;
            }
        }
        let (given, now_secs, now) = now_of(env, now)?;
        run(env, || {
            let m = self.inner.check_at(headers.as_slice(), body.bytes(), now_secs)?;
            Ok(Checked {
                verified: verified_of(&m),
                request: self.store.as_ref().map(|_| self.inner.claim_request(&m, now)),
                given,
            })
        })
    }
}

/// What `verify`'s hot path shares with its verifier: the core's verifier and the names it reads.
pub struct Direct {
    pub(crate) inner: Arc<hookwire::Verifier>,
    pub(crate) reads: Arc<[Option<Wanted>]>,
}

/// The verify function's answer for values it does not take: -1, never a [`packed`] answer (those
/// are ≥ 0).
pub(crate) const NOT_DIRECT: f64 = -1.0;

/// What the core read for the verify function: the [`packed`] number (nearly always), the
/// [`SLOTS`] numbers (a value part of a header value given, or a number that does not fit), or
/// the [`Verified`] object (a value the core read that is in none of the values given).
pub(crate) enum DirectRead {
    Packed(f64),
    Slots([f64; SLOTS]),
    Verified(Verified),
}

/// The core's check for the verify function (`direct.rs`, which read the arguments): the header
/// values `headers` (value `i` from the argument `from[i]`) and `body` checked by `inner` at
/// `now_secs`. Makes no JS value and runs no JS: `body` may be borrowed from a JS typed array.
pub(crate) fn direct_check(
    inner: &hookwire::Verifier,
    headers: &[(&str, &[u8])],
    from: &[usize],
    body: &[u8],
    now_secs: i64,
) -> Result<DirectRead, hookwire::Error> {
    let m = inner.check_at(headers, body, now_secs)?;
    let id = m.id().map_or(Some(Place::Absent), |id| locate(headers, from, id.as_bytes()));
    let event = m.event_type().map_or(Some(Place::Absent), |event| locate(headers, from, event.as_bytes()));
    let (Some(id), Some(event)) = (id, event) else {
        return Ok(DirectRead::Verified(verified_of(&m)));
    };
    let read =
        Read { index: m.secret_index(), timestamp: m.timestamp(), signed: m.timestamp_signed(), id, event };
    Ok(match packed(&read) {
        Some(number) => DirectRead::Packed(number),
        None => DirectRead::Slots(read.slots()),
    })
}

/// [`direct_check`]'s outcome as the verify function's answer: one number (see [`packed`]), a small
/// `Float64Array` of the slots, the [`Verified`] object, or the core's error as its JS error.
pub(crate) fn direct_answer(
    env: &Env,
    checked: Result<DirectRead, hookwire::Error>,
) -> napi::Result<Either3<f64, Float64ArraySlice<'_>, Verified>> {
    Ok(match checked.map_err(|error| to_js(env, &error))? {
        DirectRead::Packed(number) => Either3::A(number),
        DirectRead::Slots(slots) => Float64ArraySlice::copy_from(env, slots).map(Either3::B)?,
        DirectRead::Verified(verified) => Either3::C(verified),
    })
}

/// The caller's `now` (unix seconds) checked, or the clock's.
pub(crate) fn now_secs(env: &Env, now: Option<f64>) -> napi::Result<i64> {
    now_of(env, now).map(|(_, secs, _)| secs)
}

/// How many numbers the verify function answers when they are not [`packed`]: secret index,
/// timestamp (NaN: none), whether it was signed (1/0), then for the id and the event type each:
/// the argument it is in (-1: none), and its UTF-8 byte range there (-1, -1: the whole value).
const SLOTS: usize = 9;

/// What the core read of a verified message, its id and event type placed in the arguments.
struct Read {
    index: usize,
    timestamp: Option<i64>,
    signed: bool,
    id: Place,
    event: Place,
}

/// Where a value the core read lies among the verify function's arguments.
#[derive(Clone, Copy)]
enum Place {
    /// The scheme has none, or the message gave none.
    Absent,
    /// All of the argument `.0`.
    Whole(usize),
    /// Bytes `.1..2` of the argument `.0`'s UTF-8.
    Part(usize, usize, usize),
}

impl Read {
    /// The [`SLOTS`] numbers.
    fn slots(&self) -> [f64; SLOTS] {
        let place = |place: Place| match place {
            Place::Absent => [-1.0, -1.0, -1.0],
            Place::Whole(arg) => [arg as f64, -1.0, -1.0],
            Place::Part(arg, start, end) => [arg as f64, start as f64, end as f64],
        };
        let ([id_at, id_start, id_end], [event_at, event_start, event_end]) =
            (place(self.id), place(self.event));
        let timestamp = self.timestamp.map_or(f64::NAN, |t| t as f64);
        let (index, signed) = (self.index as f64, f64::from(u8::from(self.signed)));
        [index, timestamp, signed, id_at, id_start, id_end, event_at, event_start, event_end]
    }
}

/// The usual read as one number, when it fits: no typed array made per verification (its
/// backing store's allocation and sweeping cost about as much as the rest of the crossing), and
/// made from the integers the core answers (going through the slots' doubles cost 10 ns).
/// Bits from the lowest: the argument of the id (4 bits, 15: none), of the event type (4 bits),
/// signed (1 bit), timestamp present (1 bit), secret index (4 bits), then the timestamp (34 bits:
/// up to the year 2514), 48 bits in all, exact in an f64. `None` (the slots are answered) when a
/// value is part of an argument rather than all of it, or a number does not fit.
fn packed(read: &Read) -> Option<f64> {
    let at = |place: Place| match place {
        Place::Absent => Some(15u64),
        Place::Whole(arg) if arg < 15 => Some(arg as u64),
        _ => None,
    };
    let (id, event) = (at(read.id)?, at(read.event)?);
    let time = match read.timestamp {
        None => 0,
        Some(t) => u64::try_from(t).ok().filter(|&t| t < 1 << 34)?,
    };
    if read.index >= 16 {
        return None;
    }
    let present = u64::from(read.timestamp.is_some());
    let bits = id | event << 4 | u64::from(read.signed) << 8 | present << 9 | (read.index as u64) << 10;
    Some((bits | time << 14) as f64)
}

/// Where `found` (a value the core read, borrowed from one of `headers`) is: the argument it
/// came from (`from`) and its byte range in it, or `None` if it is in none of them.
fn locate(headers: &[(&str, &[u8])], from: &[usize], found: &[u8]) -> Option<Place> {
    let at = found.as_ptr() as usize;
    headers.iter().zip(from).find_map(|((_, text), &arg)| {
        let base = text.as_ptr() as usize;
        if at < base || at + found.len() > base + text.len() {
            return None;
        }
        if found.len() == text.len() {
            return Some(Place::Whole(arg));
        }
        let start = at - base;
        Some(Place::Part(arg, start, start + found.len()))
    })
}

/// The caller's `now` (unix seconds) checked, or the clock's: (as given, seconds, instant).
fn now_of(env: &Env, now: Option<f64>) -> napi::Result<(Option<i64>, i64, UnixTime)> {
    Ok(match now.map(|now| input::signed(env, "now", now)).transpose()? {
        Some(secs) => (Some(secs), secs, UnixTime::from_secs(secs)),
        None => {
            let now = UnixTime::now();
            (None, now.as_secs(), now)
        }
    })
}

/// What the core read, as the JS object `verifyParts` answers (no claim yet).
fn verified_of(m: &hookwire::Verified<'_>) -> Verified {
    Verified {
        secret_index: u32::try_from(m.secret_index()).unwrap_or(u32::MAX),
        timestamp: m.timestamp(),
        timestamp_signed: m.timestamp_signed(),
        id: m.id().map(str::to_owned),
        event_type: m.event_type().map(str::to_owned),
        claim: None,
    }
}
