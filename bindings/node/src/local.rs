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
//! thread made once (once per load of `index.js`, see [`Hooks`]): two wake-ups, as in the Rust
//! call. The Promise is made and settled by the
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

use crate::errors::to_js;

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

/// One install of the package layer's hooks (one load of `index.js`). A thread can have
/// several: `index.js` loaded again (a fresh module registry, as Jest makes per test file) installs
/// its own, used by new tasks, while a task made under an older one is polled, woken and settled
/// through that one (its `wake` reads its own `slot`, its Promise is in its own `pending`).
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
    /// The installs by number: the current one (new tasks) and older ones with tasks pending.
    installs: HashMap<u32, Hooks>,
    current: Option<u32>,
    next_install: u32,
    /// Each task with the number of the install it was made under.
    tasks: HashMap<u32, (u32, Task)>,
    next: u32,
}

impl Local {
    /// Drops the older installs no task uses any more (their functions, slot and threadsafe
    /// function), so a reloaded `index.js` does not keep the old one alive.
    fn prune(&mut self) -> Vec<Hooks> {
        let used: Vec<u32> = self.tasks.values().map(|(install, _)| *install).collect();
        let unused: Vec<u32> = (self.installs.keys().copied())
            .filter(|install| Some(*install) != self.current && !used.contains(install))
            .collect();
        unused.iter().filter_map(|install| self.installs.remove(install)).collect()
    }
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
    let install = LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        let install = local.next_install;
        local.next_install = install.wrapping_add(1);
        install
    });
    // The callback polls the tasks of its own install: its `wake` reads its own `slot`.
    let wakeup: Wakeup = wake
        .build_threadsafe_function::<()>()
        .weak::<true>()
        .build_callback(move |ctx| Ok(poll_woken(&ctx.env, install)))?;
    let woken = Arc::new(Woken { ids: Mutex::new(Vec::new()), wakeup });
    let hooks = Hooks {
        defer: defer.create_ref()?,
        settle: settle.create_ref()?,
        slot: slot.create_ref()?,
        woken,
        runtime,
    };
    let dropped = LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        local.installs.insert(install, hooks);
        local.current = Some(install);
        local.prune()
    });
    drop(dropped);
    Ok(())
}

/// Whether the package layer registered its hooks (not when the addon is loaded without
/// `index.js`: the caller then uses napi's own bridge).
pub fn installed() -> bool {
    LOCAL.with(|local| local.borrow().current.is_some())
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
    let (id, install, dropped) = LOCAL.with(|local| -> napi::Result<_> {
        let mut local = local.borrow_mut();
        let install = local.current.ok_or_else(|| napi::Error::from_reason("promise hooks missing"))?;
        let dropped = local.prune();
        let id = local.next;
        local.next = id.wrapping_add(1);
        local.tasks.insert(id, (install, task));
        Ok((id, install, dropped))
    })?;
    drop(dropped);
    // Polled first: its work (an SQLite write on the blocking pool) runs while `defer` makes
    // the Promise. A wake-up cannot come before `defer`: it is handled on this thread, after
    // this call returns.
    let settled = poll(env, id);
    // Taken out of `LOCAL` before the call into JS, which may call the addon again.
    let defer = hook(install, |hooks| hooks.defer.borrow_back(env));
    let promise = defer.and_then(|defer| defer.call(FnArgs::from((id,))));
    let promise = promise.inspect_err(|_| {
        // No Promise to settle: the task is dropped (its work, if started, still completes).
        LOCAL.with(|local| local.borrow_mut().tasks.remove(&id));
    })?;
    if let Some((ok, value)) = settled {
        settle(env, install, id, ok, value);
    }
    Ok(promise)
}

/// `get` of install `install`'s hooks, read while `LOCAL` is borrowed: what it gives (a JS
/// value) is used after, so that a call into JS never runs inside the borrow.
fn hook<R>(install: u32, get: impl FnOnce(&Hooks) -> napi::Result<R>) -> napi::Result<R> {
    LOCAL.with(|local| {
        let local = local.borrow();
        let hooks =
            local.installs.get(&install).ok_or_else(|| napi::Error::from_reason("promise hooks missing"))?;
        get(hooks)
    })
}

/// Polls every task of install `install` woken since the last time (its threadsafe function's
/// callback): settles each finished one but the last through `settle`, and hands the last to the
/// call of `wake` that follows (its value in `slot[0]`).
fn poll_woken(env: &Env, install: u32) -> WakeArgs {
    let ids = hook(install, |hooks| Ok(Arc::clone(&hooks.woken)))
        .ok()
        .and_then(|woken| woken.ids.lock().ok().map(|mut ids| std::mem::take(&mut *ids)));
    let mut last: Option<(u32, bool, Unknown<'_>)> = None;
    for id in ids.unwrap_or_default() {
        if let Some((ok, value)) = poll(env, id) {
            if let Some((id, ok, value)) = last.replace((id, ok, value)) {
                settle(env, install, id, ok, value);
            }
        }
    }
    let handed = last.and_then(|(id, ok, value)| {
        let placed =
            hook(install, |hooks| hooks.slot.get_value(env)).and_then(|mut slot| slot.set_element(0, value));
        match placed {
            Ok(()) => Some((id, ok)),
            Err(_) => {
                settle(env, install, id, ok, value);
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
    let (install, mut task, woken, runtime) = LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        let (install, task) = local.tasks.remove(&id)?;
        let hooks = local.installs.get(&install)?;
        Some((install, task, Arc::clone(&hooks.woken), hooks.runtime.clone()))
    })?;
    let waker = Waker::from(Arc::new(TaskWaker { id, woken }));
    let polled = catch_unwind(AssertUnwindSafe(|| {
        let _context = runtime.enter();
        task.as_mut().poll(&mut Context::from_waker(&waker))
    }));
    let settle = match polled {
        Ok(Poll::Pending) => {
            LOCAL.with(|local| local.borrow_mut().tasks.insert(id, (install, task)));
            return None;
        }
        Ok(Poll::Ready(settle)) => settle,
        Err(_) => settle_with(|_| {
            Err(napi::Error::from_reason("a bug in hookwire (caught panic); please report it"))
        }),
    };
    let error = match settle(env) {
        Ok(value) => return Some((true, value)),
        Err(error) => error,
    };
    // The task is gone: its Promise is rejected whatever happens here, never left pending.
    let value = error.into_unknown(env).or_else(|error| {
        let reason = format!("a bug in hookwire (the answer could not be made a JS value: {})", error.reason);
        to_js(env, &hookwire::Error::Internal { reason: reason.into() }).into_unknown(env)
    });
    Some((false, value.or_else(|_| ().into_unknown(env)).ok()?))
}

/// Settles Promise `id` of install `install` through its `settle`.
fn settle(env: &Env, install: u32, id: u32, ok: bool, value: Unknown<'_>) {
    let settle = hook(install, |hooks| hooks.settle.borrow_back(env)).and_then(|settle| {
        Function::<FnArgs<(u32, bool, Unknown<'_>)>, Unknown<'_>>::from_unknown(settle.to_unknown())
    });
    if let Ok(settle) = settle {
        let _ = settle.call(FnArgs::from((id, ok, value)));
    }
}
