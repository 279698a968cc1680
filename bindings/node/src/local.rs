//! Promises whose futures are polled on the JS thread, for the outbox's short operations.
//!
//! napi's own bridge (`Env::spawn_future_with_callback`) costs, per call, a threadsafe function
//! (a libuv handle opened and closed), an `Error` with a captured stack for the rejection trace,
//! two tokio tasks, and four thread wake-ups for an SQLite write: JS thread → runtime worker →
//! blocking pool → worker → JS thread. Issue 16 measured `publish` at 1.8× the Rust call for it.
//!
//! Here the future is polled on the JS thread, inside the runtime's context: the outbox's work
//! still runs off the event loop (SQLite on tokio's blocking pool, PostgreSQL's I/O on the
//! runtime's workers), and what it wakes is this thread, through one threadsafe function per JS
//! thread made once: two wake-ups, as in the Rust call. The Promise is made and settled by the
//! package layer (`lib/pending.js`, registered with [`set_promise_hooks`]), which also keeps the
//! event loop alive while any is pending, as a pending napi Promise does.
//!
//! A call from Rust into JS costs 1 to 3 µs on a 2-core machine, a few percent of an SQLite
//! `publish`, so an operation makes as few as it can (issue 16): the future is polled before its
//! Promise is made, so the database work has started while `defer` runs; and a task finished in
//! a wake-up is settled by the threadsafe function's own call into JS (`wake(id, ok)`, its value
//! left in `slot[0]`), not by a second call.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use napi::bindgen_prelude::{
    FnArgs, FromNapiValue, Function, FunctionRef, JsObjectValue, JsValue, Object, ObjectRef, ToNapiValue,
    Unknown,
};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::tokio::runtime::Handle;
use napi::{Env, Status};
use napi_derive::napi;

/// What a finished future leaves: made into the JS value (resolve) or error (reject) on the JS
/// thread, where values can be made.
type Settle = Box<dyn for<'env> FnOnce(&'env Env) -> napi::Result<Unknown<'env>>>;
type Task = Pin<Box<dyn Future<Output = Settle>>>;
type Hook = FunctionRef<FnArgs<(u32,)>, Unknown<'static>>;
/// What the threadsafe function's call hands `wake`: the task settled in this wake-up (none when
/// the woken tasks are still pending), and whether it resolved.
type WakeArgs = FnArgs<(Option<u32>, bool)>;
type Wakeup = ThreadsafeFunction<(), Unknown<'static>, WakeArgs, Status, false, true>;

/// The ids of the tasks woken since the JS thread last polled, and the way to wake it.
struct Woken {
    ids: Mutex<Vec<u32>>,
    wakeup: Wakeup,
}

/// A task's waker: marks it woken and, when it is the first since the last poll, wakes the JS
/// thread (one wake-up for any number of tasks).
struct TaskWaker {
    id: u32,
    woken: Arc<Woken>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let first = match self.woken.ids.lock() {
            Ok(mut ids) => {
                ids.push(self.id);
                ids.len() == 1
            }
            Err(_) => false,
        };
        if first {
            // `Closing` when the environment is going away: nothing is left to settle.
            let _ = self.woken.wakeup.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

struct Hooks {
    /// `defer(id)`: a new pending Promise, number `id`.
    defer: Hook,
    /// `settle(id, ok, value)`: resolves Promise `id` with `value` (ok) or rejects it.
    settle: Hook,
    /// `[value]`: where a wake-up leaves the value of the task `wake(id, ok)` settles.
    slot: ObjectRef<false>,
    woken: Arc<Woken>,
    /// napi's runtime, entered while a task is polled (its blocking pool, timers and sockets).
    runtime: Handle,
}

#[derive(Default)]
struct Local {
    hooks: Option<Hooks>,
    tasks: HashMap<u32, Task>,
    next: u32,
}

thread_local! {
    // One per JS thread: each worker thread loads the addon and registers its own hooks.
    static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

/// Registers the package layer's `defer(id)` (a new pending Promise) and `settle(id, ok,
/// value)`, and `wake(id, ok)`, the threadsafe function's own call: the woken tasks are polled
/// before it, and the one it settles (if any) left its value in `slot[0]`.
#[napi]
pub fn set_promise_hooks(
    defer: Function<FnArgs<(u32,)>, Unknown<'static>>,
    settle: Function<FnArgs<(u32,)>, Unknown<'static>>,
    wake: Function<WakeArgs, Unknown<'static>>,
    slot: Object<'_>,
) -> napi::Result<()> {
    let runtime = catch_unwind(|| napi::bindgen_prelude::within_runtime_if_available(Handle::current))
        .map_err(|_| napi::Error::from_reason("the async runtime is not available"))?;
    let wakeup: Wakeup = wake
        .build_threadsafe_function::<()>()
        .weak::<true>()
        .build_callback(|ctx| Ok(poll_woken(&ctx.env)))?;
    let woken = Arc::new(Woken { ids: Mutex::new(Vec::new()), wakeup });
    let hooks = Hooks {
        defer: defer.create_ref()?,
        settle: settle.create_ref()?,
        slot: slot.create_ref()?,
        woken,
        runtime,
    };
    LOCAL.with(|local| local.borrow_mut().hooks = Some(hooks));
    Ok(())
}

/// Whether the package layer registered its hooks (not when the addon is loaded without
/// `index.js`: the caller then uses napi's own bridge).
pub fn installed() -> bool {
    LOCAL.with(|local| local.borrow().hooks.is_some())
}

/// Makes the closure higher-ranked over the `Env`'s lifetime, as [`Settle`] is.
fn settle_with<F: for<'env> FnOnce(&'env Env) -> napi::Result<Unknown<'env>> + 'static>(f: F) -> Settle {
    Box::new(f)
}

/// `call` as a Promise (see [`installed`]): polled here at once and again on this thread
/// whenever it is woken; its answer converted by `convert`, its error by `reject`.
pub fn promise<'env, T, E, V, F>(
    env: &'env Env,
    call: F,
    convert: fn(T) -> V,
    reject: fn(&Env, &E) -> napi::Error,
) -> napi::Result<Unknown<'env>>
where
    T: 'static,
    E: 'static,
    V: ToNapiValue + 'static,
    F: Future<Output = Result<T, E>> + 'static,
{
    let task: Task = Box::pin(async move {
        let answer = call.await;
        settle_with(move |env| match answer {
            Ok(value) => convert(value).into_unknown(env),
            Err(error) => Err(reject(env, &error)),
        })
    });
    let id = LOCAL.with(|local| -> napi::Result<_> {
        let mut local = local.borrow_mut();
        if local.hooks.is_none() {
            return Err(napi::Error::from_reason("promise hooks missing"));
        }
        let id = local.next;
        local.next = id.wrapping_add(1);
        local.tasks.insert(id, task);
        Ok(id)
    })?;
    // Polled first: its work (an SQLite write on the blocking pool) runs while `defer` makes
    // the Promise. A wake-up cannot come before `defer`: it is handled on this thread, after
    // this call returns.
    let settled = poll(env, id);
    let promise = LOCAL.with(|local| -> napi::Result<_> {
        let local = local.borrow();
        let hooks = local.hooks.as_ref().ok_or_else(|| napi::Error::from_reason("promise hooks missing"))?;
        hooks.defer.borrow_back(env)?.call(FnArgs::from((id,)))
    });
    let promise = promise.inspect_err(|_| {
        // No Promise to settle: the task is dropped (its work, if started, still completes).
        LOCAL.with(|local| local.borrow_mut().tasks.remove(&id));
    })?;
    if let Some((ok, value)) = settled {
        settle(env, id, ok, value);
    }
    Ok(promise)
}

/// Polls every task woken since the last time (the threadsafe function's callback): settles
/// each finished one but the last through `settle`, and hands the last to the call of `wake`
/// that follows (its value in `slot[0]`).
fn poll_woken(env: &Env) -> WakeArgs {
    let ids = LOCAL.with(|local| {
        let local = local.borrow();
        let woken = local.hooks.as_ref().map(|hooks| Arc::clone(&hooks.woken));
        woken.and_then(|woken| woken.ids.lock().ok().map(|mut ids| std::mem::take(&mut *ids)))
    });
    let mut last: Option<(u32, bool, Unknown<'_>)> = None;
    for id in ids.unwrap_or_default() {
        if let Some((ok, value)) = poll(env, id) {
            if let Some((id, ok, value)) = last.replace((id, ok, value)) {
                settle(env, id, ok, value);
            }
        }
    }
    let handed = last.and_then(|(id, ok, value)| {
        let placed = LOCAL.with(|local| -> napi::Result<()> {
            let local = local.borrow();
            let Some(hooks) = local.hooks.as_ref() else { return Ok(()) };
            hooks.slot.get_value(env)?.set_element(0, value)
        });
        match placed {
            Ok(()) => Some((id, ok)),
            Err(_) => {
                settle(env, id, ok, value);
                None
            }
        }
    });
    match handed {
        Some((id, ok)) => FnArgs::from((Some(id), ok)),
        None => FnArgs::from((None, false)),
    }
}

/// Polls task `id` once, in the runtime's context: its answer (ok, value) when it is done.
fn poll<'env>(env: &'env Env, id: u32) -> Option<(bool, Unknown<'env>)> {
    // The task is taken out while it runs, so that what it calls may start others.
    let (mut task, woken, runtime) = LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        let task = local.tasks.remove(&id)?;
        let hooks = local.hooks.as_ref()?;
        Some((task, Arc::clone(&hooks.woken), hooks.runtime.clone()))
    })?;
    let waker = Waker::from(Arc::new(TaskWaker { id, woken }));
    let polled = catch_unwind(AssertUnwindSafe(|| {
        let _context = runtime.enter();
        task.as_mut().poll(&mut Context::from_waker(&waker))
    }));
    let settle = match polled {
        Ok(Poll::Pending) => {
            LOCAL.with(|local| local.borrow_mut().tasks.insert(id, task));
            return None;
        }
        Ok(Poll::Ready(settle)) => settle,
        Err(_) => settle_with(|_| {
            Err(napi::Error::from_reason("a bug in hookwire (caught panic); please report it"))
        }),
    };
    match settle(env) {
        Ok(value) => Some((true, value)),
        Err(error) => error.into_unknown(env).ok().map(|value| (false, value)),
    }
}

/// Settles Promise `id` through the package layer's `settle`.
fn settle(env: &Env, id: u32, ok: bool, value: Unknown<'_>) {
    let _ = LOCAL.with(|local| -> napi::Result<()> {
        let local = local.borrow();
        let Some(hooks) = local.hooks.as_ref() else { return Ok(()) };
        let settle = hooks.settle.borrow_back(env)?;
        let settle: Function<FnArgs<(u32, bool, Unknown<'_>)>, Unknown<'_>> =
            Function::from_unknown(settle.to_unknown())?;
        settle.call(FnArgs::from((id, ok, value)))?;
        Ok(())
    });
}
