//! The hot paths as plain Node-API functions: each verifier's own verify function (`verify` by
//! a verifier without a replay store), and `parseEventParts` for a byte body, its options given
//! as values and its data written on the package's tape ([`parts_function`], at the end). The
//! one place this crate calls Node-API itself.
//!
//! Every `#[napi]` function pays napi-rs's per-call bookkeeping before its body runs: a borrow
//! scope (an `Arc<Mutex<…>>` allocated and freed per call, thread-local stacks pushed and
//! popped), and for an `External` argument two look-ups in process-wide `Mutex<HashMap>`s (the
//! payload's type, the borrow), and each string read allocates a `Vec` after a call for its
//! length. On a 1 KB `verify` that was a quarter of the time beside the core's own work (a perf
//! profile: malloc and free 8 % of the samples, napi-rs's own code 6 %; issue 18). None of it
//! protects anything here: the callback borrows no class instance (the verifier is the
//! function's own Node-API data, see [`function`]), and no JS runs while a value it read is in
//! use.
//!
//! The verifier was first found by a number, in a thread-local table of handles: one shared
//! function, a handle argument. A function per verifier is faster (the handle's read and
//! look-up cost about 35 ns of the 1 KB `verify`'s 1.04 µs; a call site that sees many
//! verifiers' functions costs back about 20 of them) and it is a capability: no number names a
//! verifier, and a function keeps its verifier alive for as long as it can be called.
//!
//! The function is called `(body, now, given, v0, …, v7)`: `given` says which of `now` and the
//! values are passed (its bit 8 `now`, bit `i` value `i`; the others are not read, so an absent
//! header costs nothing). It reads them with the plain Node-API calls, into stack buffers: the
//! body (a `Uint8Array`'s bytes in place, or a string's UTF-8), `now`, and each header value as
//! UTF-16, narrowed when it is ASCII. Anything else (a value given that is not one ASCII string,
//! a longer one than the buffer holds, a body of another kind, a `now` or `given` that is not a
//! number) answers [`NOT_DIRECT`] with nothing checked, and `verify` takes `verifyParts`, whose
//! reading and errors are the one rule for those. What it read goes to
//! [`crate::verify::direct_check`] (the core's check, no JS value made while the body is
//! borrowed), then [`crate::verify::direct_answer`] makes the answer or the error.
//!
//! Panics are caught here and become the `internal` error, as [`crate::errors::run`] does for
//! the core's calls: none reaches Node.

use std::cell::Cell;
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::{Either3, FromNapiValue, ToNapiValue, Unknown};
use napi::{sys, Env, JsError};

use crate::errors::{caught, panicked};
use crate::verify::{direct_answer, direct_check, now_secs, Direct, NOT_DIRECT};

/// The most header values a verify function takes (its arguments after the body, `now` and
/// which are given).
pub const MAX_VALUES: usize = 8;
/// The bit of a verify function's `given` argument that says `now` is given (bits 0 to 7: the
/// values).
const NOW_GIVEN: u32 = 1 << 8;
/// UTF-16 units of the header values read on the stack, all values together: a request whose
/// values are longer goes by `verifyParts` (signature lists of a few dozen secrets fit).
const UNITS: usize = 1024;

thread_local! {
    // How many verify functions of this thread are alive (made, not yet finalized): what the
    // tests watch to see that a collected function frees its verifier.
    static ALIVE: Cell<u32> = const { Cell::new(0) };
}

/// The verify function of `direct`: a JS function whose Node-API data is `direct` itself, freed
/// by the function's finalizer when it is collected. The function is the capability: nothing
/// else names the verifier (no table, no number to forge or to outlive it), and it is alive for
/// as long as anything can call it. `None` (`verify` then goes by `verifyParts`) when its
/// scheme reads more headers than the function takes values.
pub fn function<'env>(env: &'env Env, direct: Direct) -> napi::Result<Option<Unknown<'env>>> {
    if direct.reads.len() > MAX_VALUES {
        return Ok(None);
    }
    let raw = env.raw();
    let data = Box::into_raw(Box::new(direct)).cast::<c_void>();
    // SAFETY: `data` outlives the function: it is freed by the function's finalizer, added
    // next, or below when that could not be added.
    let made = unsafe { make_function(raw, "verifyDirect", verify_direct, data) };
    let finalized = made.and_then(|made| {
        // SAFETY: `made` is the function just made; `finalize` frees `data` once, when it goes.
        ok(unsafe {
            sys::napi_add_finalizer(raw, made, data, Some(finalize), ptr::null_mut(), ptr::null_mut())
        })
        .map(|()| made)
    });
    let made = match finalized {
        Ok(made) => made,
        Err(error) => {
            // SAFETY: no finalizer owns `data`, and the function (if made) is never handed out.
            drop(unsafe { Box::from_raw(data.cast::<Direct>()) });
            return Err(error);
        }
    };
    ALIVE.with(|alive| alive.set(alive.get() + 1));
    // SAFETY: a value just made in this env.
    unsafe { Unknown::from_napi_value(raw, made) }.map(Some)
}

/// A JS function named `name` whose calls run `callback`, with `data` as its Node-API data.
///
/// # Safety
/// `env` is live, and `data` is what `callback` expects, alive for as long as the function is.
unsafe fn make_function(
    env: sys::napi_env,
    name: &str,
    callback: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
    data: *mut c_void,
) -> napi::Result<sys::napi_value> {
    let mut made = ptr::null_mut();
    // SAFETY: as the caller promises; the name is `name.len()` bytes; `made` is written by the
    // call.
    ok(unsafe {
        sys::napi_create_function(
            env,
            name.as_ptr().cast(),
            name.len() as isize,
            Some(callback),
            data,
            &mut made,
        )
    })?;
    Ok(made)
}

/// Frees a verify function's [`Direct`] (the function was collected).
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Box<Direct>` made by `function` for this function alone, and
    // Node-API calls a finalizer once.
    drop(unsafe { Box::from_raw(data.cast::<Direct>()) });
    let _ = ALIVE.try_with(|alive| alive.set(alive.get().saturating_sub(1)));
}

/// How many verify functions of this thread are alive (for the tests).
pub fn alive() -> u32 {
    ALIVE.with(Cell::get)
}

/// A verify function's body, `(body, now, given, v0, …, v7)`: see the module's documentation and
/// [`direct_check`].
///
/// # Safety
/// Called by Node-API only, as the callback of a function made by [`function`] (its data a
/// live `Direct`), with the `env` and `info` of a call on the JS thread.
pub unsafe extern "C" fn verify_direct(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: as this function's caller promises.
    unsafe { guarded(env, info, call) }
}

/// Runs `body` (a callback's body) with its error thrown into JS and its panic caught as the
/// `internal` error: nothing unwinds into Node.
///
/// # Safety
/// `env` and `info` are those of a Node-API callback running now, and `body` may be called
/// with them.
unsafe fn guarded(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: unsafe fn(sys::napi_env, sys::napi_callback_info) -> napi::Result<sys::napi_value>,
) -> sys::napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `env` and `info` are this callback's, as Node-API passed them.
        let result = unsafe { body(env, info) };
        result.unwrap_or_else(|error| {
            // SAFETY: throwing into the callback's own env; nothing is returned with it.
            unsafe { JsError::from(error).throw_into(env) };
            ptr::null_mut()
        })
    }));
    outcome.unwrap_or_else(|_| {
        // A panic outside the core's own call (which runs under `caught`, a panic there being
        // the `internal` error already).
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let error = panicked(&Env::from_raw(env));
            // SAFETY: as above.
            unsafe { JsError::from(error).throw_into(env) };
        }));
        ptr::null_mut()
    })
}

/// A Node-API status as a result.
fn ok(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(napi::Status::from(status), "a Node-API call of the addon failed"))
    }
}

/// # Safety
/// `env` and `info` are those of a Node-API callback running now.
unsafe fn call(env: sys::napi_env, info: sys::napi_callback_info) -> napi::Result<sys::napi_value> {
    // SAFETY: `env` is this callback's.
    let not_direct = || unsafe { double(env, NOT_DIRECT) };
    let mut argv = [ptr::null_mut(); 3 + MAX_VALUES];
    let mut argc = argv.len();
    let mut data = ptr::null_mut();
    // SAFETY: `argv` holds `argc` values; Node-API fills the ones not passed with `undefined`.
    ok(unsafe {
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data)
    })?;
    let js = Env::from_raw(env);
    // SAFETY: this callback is only made by `function`, with a `Box<Direct>` as its data, freed
    // by the function's finalizer: not before the function is collected, which it cannot be
    // while it is being called.
    let direct = unsafe { &*data.cast::<Direct>() };

    // SAFETY (each call below): `env` is live and every value is one of this call's arguments,
    // alive until it returns. A read of the wrong kind fails without throwing (Node-API's
    // `napi_*_expected`): the kind is asked only of the body when it is not a typed array.
    // Which arguments are given first: `now` (bit 8) and each value (bit `i`), one number read,
    // where asking an absent one's kind (`napi_typeof`, whose last question is `null`) cost
    // 15 ns each. Then `now`: refusing it makes a JS error (the error factory runs), which must
    // happen before the body is borrowed.
    let given = match unsafe { number(env, argv[2]) } {
        Some(given) if (0.0..512.0).contains(&given) && given.fract() == 0.0 => given as u32,
        _ => return not_direct(),
    };
    let now = if given & NOW_GIVEN == 0 {
        None
    } else {
        match unsafe { number(env, argv[1]) } {
            Some(now) => Some(now),
            None => return not_direct(),
        }
    };
    let now_secs = now_secs(&js, now)?;

    // The body: a Uint8Array's (or Buffer's) bytes where they are, or a string's UTF-8.
    let text: Vec<u8>;
    let mut shared = Vec::new();
    let body: &[u8] = match unsafe { uint8_bytes(env, argv[0], &mut shared) } {
        Some(bytes) => bytes,
        None if unsafe { type_of(env, argv[0]) }? == sys::ValueType::napi_string => {
            text = unsafe { String::from_napi_value(env, argv[0]) }?.into_bytes();
            &text
        }
        None => return not_direct(),
    };

    // Every value's UTF-16 units, one after the other; value `from[i]` (of the header
    // `names[i]`) is `ranges[i]` of them. Not zeroed first: Node-API writes the units read.
    // No verify function is made for a verifier reading more than `MAX_VALUES` headers
    // (`function`).
    let reads = &direct.reads;
    let mut units = [MaybeUninit::<u16>::uninit(); UNITS];
    let mut names = [""; MAX_VALUES];
    let mut ranges = [(0usize, 0usize); MAX_VALUES];
    let mut from = [0usize; MAX_VALUES];
    let (mut used, mut count) = (0, 0);
    for (at, want) in reads.iter().enumerate() {
        let Some(want) = want.as_ref().filter(|_| given & 1 << at != 0) else { continue };
        let value = argv[3 + at];
        let room = &mut units[used..];
        let mut copied = 0;
        // SAFETY: `room` has `room.len()` units; Node-API writes at most `room.len() - 1` and a
        // terminating zero, and says how many it wrote (a value that is not a string: none).
        let status = unsafe {
            sys::napi_get_value_string_utf16(env, value, room.as_mut_ptr().cast(), room.len(), &mut copied)
        };
        if status != sys::Status::napi_ok {
            return not_direct();
        }
        // A full buffer may hold a cut value: the slow path reads it whole.
        if copied + 1 >= room.len() {
            return not_direct();
        }
        (names[count], ranges[count], from[count]) = (want.name.as_str(), (used, used + copied), at);
        used += copied;
        count += 1;
    }
    // SAFETY: Node-API wrote the first `used` units (each value's, back to back).
    let units: &[u16] = unsafe { std::slice::from_raw_parts(units.as_ptr().cast(), used) };
    // Narrowed to bytes, and all units OR-ed together: ASCII (each unit its byte) when that is
    // below 0x80. One pass without an early exit, which the compiler vectorises. Not zeroed
    // first either (zeroing the whole buffer cost more than narrowing the values).
    let mut room = [MaybeUninit::<u8>::uninit(); UNITS];
    let mut all = 0u16;
    for (byte, &unit) in room.iter_mut().zip(units) {
        byte.write(unit as u8);
        all |= unit;
    }
    if all >= 0x80 {
        return not_direct();
    }
    // SAFETY: the loop above wrote the first `used` bytes (`units` has `used` of them).
    let bytes: &[u8] = unsafe { std::slice::from_raw_parts(room.as_ptr().cast(), used) };
    let mut pairs: [(&str, &[u8]); MAX_VALUES] = [("", &[]); MAX_VALUES];
    for ((pair, name), &(start, end)) in pairs.iter_mut().zip(names).zip(&ranges).take(count) {
        *pair = (name, &bytes[start..end]);
    }
    let checked = caught(|| direct_check(&direct.inner, &pairs[..count], &from[..count], body, now_secs));
    // The body's last use was the line above: JS may run from here on (the error factory, the
    // answer's objects).
    let answer = direct_answer(&js, checked)?;
    match answer {
        // SAFETY: `env` is this callback's.
        Either3::A(number) => unsafe { double(env, number) },
        // SAFETY: converting this call's answer in its own env.
        other => unsafe { Either3::to_napi_value(env, other) },
    }
}

/// `number` as a JS number.
///
/// # Safety
/// `env` is live.
unsafe fn double(env: sys::napi_env, number: f64) -> napi::Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: as the caller promises; `value` is written by the call.
    ok(unsafe { sys::napi_create_double(env, number, &mut value) }).map(|()| value)
}

/// # Safety
/// `env` is live and `value` one of its values.
unsafe fn type_of(env: sys::napi_env, value: sys::napi_value) -> napi::Result<sys::napi_valuetype> {
    let mut kind = 0;
    // SAFETY: as the caller promises; `kind` is written by the call.
    ok(unsafe { sys::napi_typeof(env, value, &mut kind) })?;
    Ok(kind)
}

/// `value` when it is a number (`None`, nothing thrown, when it is not).
///
/// # Safety
/// `env` is live and `value` one of its values.
unsafe fn number(env: sys::napi_env, value: sys::napi_value) -> Option<f64> {
    let mut number = 0.0;
    // SAFETY: as the caller promises; `number` is written by the call.
    let status = unsafe { sys::napi_get_value_double(env, value, &mut number) };
    (status == sys::Status::napi_ok).then_some(number)
}

/// A copy of the bytes of `value` when it is a `Uint8Array` over a `SharedArrayBuffer`, read
/// once (see [`uint8_bytes`]); `None` for anything else. For the `#[napi]` functions' bodies
/// (`crate::input::body`), which napi-rs would otherwise borrow where they lie.
pub fn shared_copy(env: &Env, value: &Unknown<'_>) -> Option<Vec<u8>> {
    // SAFETY: `env` is live and `value` one of its values (an argument of the running call).
    match unsafe { uint8_view(env.raw(), napi::JsValue::raw(value)) }? {
        // SAFETY: as `uint8_view` says of a view it finds.
        View::Shared(data, length) => Some(unsafe { copy_of(data, length) }),
        View::Own(..) => None,
    }
}

/// The bytes of `value` when it is a `Uint8Array` (a `Buffer` is one); `None` for any other
/// object. The bytes of an array over a `SharedArrayBuffer` are copied into `shared` first:
/// another thread may write that memory at any time, and the core reads a body more than once
/// (its UTF-8 checked, then its text sliced and copied), so a borrowed one could change between
/// the two (a `str` that is not UTF-8: `chars()` read past its end).
///
/// # Safety
/// `env` is live and `value` an argument of the running callback. The slice borrows the typed
/// array's memory: no JS may run while it is in use (JS could detach or resize its buffer). The
/// callers keep to that: between this read and their core call ([`direct_check`], the parse of
/// [`parts_call`] and the copy of the body into its answer), none of which makes a JS value,
/// only Node-API reads of strings, numbers and the tape's array run, and every error or answer
/// is made after it.
unsafe fn uint8_bytes(env: sys::napi_env, value: sys::napi_value, shared: &mut Vec<u8>) -> Option<&[u8]> {
    // SAFETY: as the caller promises.
    Some(match unsafe { uint8_view(env, value) }? {
        // SAFETY: Node-API's `data` points at the array's first element (the offset applied),
        // and a Uint8Array of `length` elements holds `length` bytes from there; the caller
        // keeps to the borrow's rule above.
        View::Own(data, length) => unsafe { std::slice::from_raw_parts(data, length) },
        View::Shared(data, length) => {
            // SAFETY: as `uint8_view` says of a view it finds.
            *shared = unsafe { copy_of(data, length) };
            shared.as_slice()
        }
    })
}

/// Where a `Uint8Array`'s bytes lie, and whether another thread may write them.
enum View {
    /// In an `ArrayBuffer` (or none: an empty array, its pointer dangling but never read).
    Own(*const u8, usize),
    /// In a `SharedArrayBuffer`.
    Shared(*const u8, usize),
}

/// The bytes of `value` when it is a `Uint8Array` (a `Buffer` is one); `None` for any other
/// object. The pointer is Node-API's `data` (the array's first element, its offset applied),
/// valid for `length` bytes while no JS runs; an empty array's is a dangling non-null one.
///
/// # Safety
/// `env` is live and `value` an argument of the running callback.
unsafe fn uint8_view(env: sys::napi_env, value: sys::napi_value) -> Option<View> {
    let (mut kind, mut length, mut data) = (0, 0, ptr::null_mut());
    let (mut buffer, mut offset) = (ptr::null_mut(), 0);
    // SAFETY: as the caller promises; every out-pointer is a local. Fails (not napi_ok) for an
    // object that is not a typed array.
    let status = unsafe {
        sys::napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, &mut buffer, &mut offset)
    };
    if status != sys::Status::napi_ok || kind != sys::TypedarrayType::uint8_array {
        return None;
    }
    if length == 0 || data.is_null() {
        return Some(View::Own(ptr::NonNull::dangling().as_ptr(), 0));
    }
    // A `SharedArrayBuffer` is not an `ArrayBuffer` to Node-API.
    let mut unshared = false;
    // SAFETY: as the caller promises; `buffer` is the array's buffer, `unshared` a local.
    let status = unsafe { sys::napi_is_arraybuffer(env, buffer, &mut unshared) };
    let data = data.cast::<u8>().cast_const();
    Some(if status == sys::Status::napi_ok && unshared {
        View::Own(data, length)
    } else {
        View::Shared(data, length)
    })
}

/// `length` bytes from `data`, read once into a `Vec` of their own (no reference to the memory
/// is made: another thread may write it).
///
/// # Safety
/// `data` is valid for reads of `length` bytes.
unsafe fn copy_of(data: *const u8, length: usize) -> Vec<u8> {
    let mut copy = Vec::with_capacity(length);
    // SAFETY: `data` holds `length` bytes (as the caller promises), `copy` has room for them,
    // which the copy writes.
    unsafe {
        ptr::copy_nonoverlapping(data, copy.as_mut_ptr(), length);
        copy.set_len(length);
    }
    copy
}

/// The memory of `value`, in doubles, when it is an `ArrayBuffer` whose memory holds doubles
/// (the package's tape, see `crate::tape`); `None` for anything else.
///
/// # Safety
/// `env` is live and `value` an argument of the running callback. The memory is the buffer's:
/// written only while no JS runs (JS could detach it).
unsafe fn tape_memory(env: sys::napi_env, value: sys::napi_value) -> Option<(*mut f64, usize)> {
    let (mut data, mut length) = (ptr::null_mut(), 0);
    // SAFETY: as the caller promises; the out-pointers are locals. Fails (not napi_ok) for a
    // value that is not an ArrayBuffer.
    let status = unsafe { sys::napi_get_arraybuffer_info(env, value, &mut data, &mut length) };
    let aligned = data.cast::<f64>().is_aligned();
    (status == sys::Status::napi_ok && !data.is_null() && aligned)
        .then(|| (data.cast::<f64>(), length / std::mem::size_of::<f64>()))
}

/// `parseEventParts` as a plain Node-API function, made once (`partsFunction()` in
/// src/event.rs), called `(body, tape)` or `(body, tape, dialect, typeHint, strict)` with the
/// options as `parseEvent` read them (two arguments: none to read). A `Uint8Array` (or
/// `Buffer`) body is read where it lies and parsed. With `tape`, the `ArrayBuffer` of the
/// package's `Float64Array`, the data goes on it (`crate::tape`; the answer as
/// [`crate::event::parts_on_tape`] writes it), else the parts are `parseEventParts`'s string:
/// one-byte when ASCII, as it nearly always is, which V8 copies without decoding. Anything it
/// does not take (a body of another kind; an option that is neither absent nor a string, or a
/// boolean for `strict`; a name longer than its buffer) answers [`NOT_DIRECT`] with nothing
/// parsed, and `lib/event.js` asks `parseEventParts`, whose reading and errors are the one rule
/// for those. Against the `#[napi]` function on the order event it saved about 0.1 µs without
/// options (napi-rs's per-call borrow scope and mutex, its UTF-8 decoding of the answer),
/// 1.5 µs with them (napi-rs reads an options object key by key).
pub fn parts_function(env: &Env) -> napi::Result<Unknown<'_>> {
    // SAFETY: `env` is live; the callback takes no data.
    let made = unsafe { make_function(env.raw(), "parseEventPartsDirect", parts_direct, ptr::null_mut()) }?;
    // SAFETY: a value just made in this env.
    unsafe { Unknown::from_napi_value(env.raw(), made) }
}

thread_local! {
    // The tape's slots as written, before they are copied into the package's array (one
    // `Vec` kept, not one per call).
    static SLOTS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
    // How many bodies this thread's parts function took (the tests see `parseEvent` use it).
    static PARTS_TAKEN: Cell<u64> = const { Cell::new(0) };
    // How many of them it answered with the data on the tape (the tests see the tape used).
    static TAPES_WRITTEN: Cell<u64> = const { Cell::new(0) };
}

/// How many events' data the parts function wrote on the tape on this thread (for the tests).
pub fn tapes_written() -> u64 {
    TAPES_WRITTEN.with(Cell::get)
}

/// How many bodies the parts function took on this thread (for the tests).
pub fn parts_taken() -> u64 {
    PARTS_TAKEN.with(Cell::get)
}

/// The body of [`parts_function`]'s function.
///
/// # Safety
/// Called by Node-API only, as the callback of a function made by [`parts_function`], with the
/// `env` and `info` of a call on the JS thread.
unsafe extern "C" fn parts_direct(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: as this function's caller promises.
    unsafe { guarded(env, info, parts_call) }
}

/// # Safety
/// `env` and `info` are those of a Node-API callback running now.
unsafe fn parts_call(env: sys::napi_env, info: sys::napi_callback_info) -> napi::Result<sys::napi_value> {
    // SAFETY: `env` is this callback's.
    let not_direct = || unsafe { double(env, NOT_DIRECT) };
    let mut argv = [ptr::null_mut(); 5];
    let mut argc = argv.len();
    // SAFETY: `argv` holds `argc` values; Node-API fills the ones not passed with `undefined`.
    ok(unsafe {
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut())
    })?;
    // The options first, as `parseEvent` reads them (before the body), when there are any (a
    // call without them passes two arguments). Names and types are short: a longer one (past
    // 63 and 255 bytes) is read by `parseEventParts`.
    let mut dialect_room = [0u8; 63 + CUT_MARGIN + 1];
    let mut hint_room = [0u8; 255 + CUT_MARGIN + 1];
    let (dialect, type_hint, strict) = if argc > 2 {
        // SAFETY (each): `env` is live and every value is one of this call's arguments.
        let Some(dialect) = (unsafe { absent_or_text(env, argv[2], &mut dialect_room) })? else {
            return not_direct();
        };
        let Some(type_hint) = (unsafe { absent_or_text(env, argv[3], &mut hint_room) })? else {
            return not_direct();
        };
        let strict = match unsafe { type_of(env, argv[4]) }? {
            sys::ValueType::napi_undefined => false,
            sys::ValueType::napi_boolean => {
                let mut value = false;
                // SAFETY: as above; `value` is written by the call.
                ok(unsafe { sys::napi_get_value_bool(env, argv[4], &mut value) })?;
                value
            }
            _ => return not_direct(),
        };
        (dialect, type_hint, strict)
    } else {
        (None, None, false)
    };
    // SAFETY: as above; no JS runs while the bytes are read: the parse below makes no JS
    // value, and every answer or error is made after it.
    let mut shared = Vec::new();
    let Some(body) = (unsafe { uint8_bytes(env, argv[0], &mut shared) }) else {
        return not_direct();
    };
    // SAFETY: as above; written below before any JS runs.
    let tape = unsafe { tape_memory(env, argv[1]) };
    PARTS_TAKEN.with(|taken| taken.set(taken.get() + 1));
    let parsed = caught(|| crate::event::parse_bytes(body, dialect, type_hint, strict));
    // On a refusal JS runs (the error factory) and the body is not read again; an event's
    // answer is written (the body copied into it) before any JS runs.
    let js = Env::from_raw(env);
    let event = parsed.map_err(|error| crate::errors::to_js(&js, &error))?;
    // The answer: on the tape when the package gave one and the data goes on it (a one-byte
    // string when ASCII, the body's bytes at its end as latin1 characters; else UTF-8), else
    // `parseEventParts`'s string. Written before any JS runs: the body is still borrowed.
    let on_tape = tape.and_then(|(at, room)| {
        SLOTS.with_borrow_mut(|slots| {
            let answer = crate::event::parts_on_tape(&event, slots, room, body)?;
            // `Tape::put` keeps to `room` (the two slots before the data's are pushed without
            // it): checked again where the memory is written, so that the copy's bound does not
            // rest on the serializer.
            if slots.len() > room {
                return None;
            }
            // SAFETY: `at` holds `room` doubles (`tape_memory`), at least `slots.len()`, and no
            // JS has run since it was read (the parse and the writing above make no JS value).
            unsafe { ptr::copy_nonoverlapping(slots.as_ptr(), at, slots.len()) };
            TAPES_WRITTEN.with(|written| written.set(written.get() + 1));
            Some(answer)
        })
    });
    let (text, one_byte) = match on_tape {
        Some((text, wide)) => (text, !wide),
        None => {
            let text = crate::event::parts_of(&event).map_err(napi::Error::from_reason)?;
            let ascii = text.is_ascii();
            (text.into_bytes(), ascii)
        }
    };
    let mut value = ptr::null_mut();
    // SAFETY: `env` is live; the text is `text.len()` bytes, made a one-byte (latin1) string
    // when it is ASCII or an ASCII tape's (whose body bytes are latin1 characters by design),
    // UTF-8 otherwise; `value` is written by the call.
    ok(unsafe {
        if one_byte {
            sys::napi_create_string_latin1(env, text.as_ptr().cast(), text.len() as isize, &mut value)
        } else {
            sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut value)
        }
    })?;
    Ok(value)
}

/// The longest UTF-8 character: what a value cut by Node-API may leave unwritten of `room`.
const CUT_MARGIN: usize = 4;

/// `Some(None)` for `undefined`, `Some(Some(text))` for a string whose UTF-8 fits `room` (read
/// into it), `None` for anything else: what the caller hands on.
///
/// # Safety
/// `env` is live and `value` one of its values.
unsafe fn absent_or_text(
    env: sys::napi_env,
    value: sys::napi_value,
    room: &mut [u8],
) -> napi::Result<Option<Option<&str>>> {
    let mut written = 0;
    // SAFETY: as the caller promises; Node-API writes at most `room.len() - 1` bytes and a
    // terminating zero, and says how many it wrote; a value that is not a string fails.
    let status = unsafe {
        sys::napi_get_value_string_utf8(env, value, room.as_mut_ptr().cast(), room.len(), &mut written)
    };
    if status != sys::Status::napi_ok {
        // SAFETY: as the caller promises.
        return Ok((unsafe { type_of(env, value) }? == sys::ValueType::napi_undefined).then_some(None));
    }
    // Node-API writes at most `room.len() - 1` bytes and stops before a character that does
    // not fit: a value it cut has at least `room.len() - CUT_MARGIN` bytes written. Such a one
    // (or a value as long) is read whole by the slow path.
    if written + CUT_MARGIN >= room.len() {
        return Ok(None);
    }
    // Node-API wrote UTF-8 (lone surrogates as U+FFFD, as napi-rs's reading does).
    Ok(std::str::from_utf8(&room[..written]).ok().map(Some))
}
