//! The worker: claims due deliveries, sends them, records what happened.
//!
//! One loop claims as many deliveries as it has free places (leaving out endpoints that are at
//! their in-flight limit or out of tokens), and hands each to one of a fixed set of slot tasks
//! (one per unit of concurrency, living as long as the worker: no task spawned per delivery),
//! which attempts it: sign with a fresh timestamp, send, classify, decide, record, all fenced by
//! the claim token. When a **success** is answered, its endpoint's in-flight allowance is free
//! at once, and its unit of concurrency (a place counted in flight) once the completion writer
//! has its record: nothing about the endpoint changes with a success, so the next request need
//! not wait for the write. Any other ending (a failure, a 410, a transport error) holds both
//! until its completion is written (group commit): the endpoint's new state (disabled, its
//! health) is recorded before another request goes to it, and a claim for the place would only
//! find deliveries it has to give back. Until a success was freed before its write
//! (2026-12-01), every attempt held its place until written, and a worker of 64 places had
//! about 26 requests on the wire: the rest waited for a batch (outbox/PERFORMANCE.md, "Eighth
//! look"). The slot task is free once it has handed the record over. The writer's queue holds
//! four records per place; when it is full, hand-overs wait, and a success's place stays held
//! meanwhile, so a writer that falls behind stops the claims. Answered but unwritten attempts
//! are at most that queue, the batch being written (up to 256) and one waiting hand-over per
//! place. Claims and batches of completions are separate calls to the store. A hand-over of
//! the claim to the completion writer, made in the transaction of its next batch (one commit
//! per round instead of two), ran on SQLite for a while: it stalled a worker when no
//! completion came, was turned off in `c741174` and is gone since; its last version is in
//! `f29b7e2`, and `outbox/PERFORMANCE.md` has the plan for bringing it back.
//! A lease is renewed while its request runs; a worker that dies leaves leases that simply
//! expire, and the deliveries become due again for any worker (at-least-once: a request that
//! reached the receiver just before the crash is sent again, with the same webhook id).

mod pacing;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinSet;
use tracing::Instrument;

use self::pacing::{Held, Pace, Paces, Slot};
use crate::decisions::{self, Next};
use crate::outbox::Inner;
use crate::store::{AttemptRow, ClaimRequest, Claimed, Completion, Store};
use crate::transport::{HttpClient, SendError};
use crate::{Error, Outbox, Resolver, Result, UnixTime};

/// Default number of requests a worker has in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// The most requests in flight a worker takes ([`WorkerBuilder::concurrency`]): each unit
/// is a task made when the worker starts, so a number no machine can hold is refused with
/// `invalid_argument` at [`spawn`](WorkerBuilder::spawn) rather than aborting the process.
pub const MAX_CONCURRENCY: usize = 65_536;
/// Default lease on a claimed delivery (renewed while its request runs).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Default time between polls when nothing wakes the worker.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How long a failed store call waits before the worker tries again.
const STORE_BACKOFF: Duration = Duration::from_millis(500);

/// Configures and starts a worker. From [`Outbox::worker`].
///
/// ```no_run
/// # async fn run(outbox: hookwire_outbox::Outbox) -> Result<(), hookwire_outbox::Error> {
/// use std::time::Duration;
///
/// let worker = outbox.worker().concurrency(16).spawn(&tokio::runtime::Handle::current())?;
/// // ... later, on shutdown: finish what is in flight for up to 10 s, release the rest.
/// let report = worker.stop(Duration::from_secs(10)).await;
/// println!("{} attempts", report.attempts);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WorkerBuilder {
    outbox: Outbox,
    concurrency: usize,
    lease: Duration,
    poll_interval: Duration,
    resolver: Resolver,
    id: Option<String>,
    /// Test only: the recorder writes nothing until the worker has stopped, and a stop waits
    /// past its deadline for every attempt to end before it aborts the rest (the window
    /// between the deadline and the abort, made wide and certain).
    #[cfg(test)]
    hold_batches_until_stopped: bool,
    /// Test only: slot tasks never take a job, so whatever is claimed stays queued until the
    /// stop's deadline.
    #[cfg(test)]
    hold_slots: bool,
}

/// Test only: what a worker's tests read of its inner state.
#[cfg(test)]
pub(crate) struct Probe {
    /// Jobs handed to the slot tasks' queue.
    pub(crate) queued: AtomicUsize,
    /// Whether a stop reached its deadline and aborted the slot tasks.
    pub(crate) deadline_reached: std::sync::atomic::AtomicBool,
    /// Opens the writes held by [`WorkerBuilder::hold_batches_until_stopped`] before the stop.
    batches_open: Arc<watch::Sender<bool>>,
}

#[cfg(test)]
impl Probe {
    /// Lets the recorder write the batches it holds, and every later one.
    pub(crate) fn open_batches(&self) {
        self.batches_open.send_replace(true);
    }
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorkerReport {
    /// Attempts recorded.
    pub attempts: u64,
    /// Of those, successes.
    pub succeeded: u64,
    /// Attempts whose lease was lost (nothing recorded; another worker has the delivery).
    pub lease_lost: u64,
    /// Claims given back unsent at shutdown.
    pub released: u64,
}

/// A running worker. Dropping it leaves the worker running; call [`stop`](WorkerHandle::stop).
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<WorkerReport>,
    deadline: watch::Sender<Duration>,
    id: String,
    #[cfg(test)]
    probe: Arc<Probe>,
}

impl WorkerHandle {
    /// This worker's id (recorded on its attempts).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stops claiming, lets requests in flight finish for up to `deadline`, then gives the
    /// rest back (due at once, for the next worker) and returns what the worker did.
    pub async fn stop(self, deadline: Duration) -> WorkerReport {
        let _ = self.deadline.send(deadline);
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }

    /// Whether the worker has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Test only: see [`Probe`].
    #[cfg(test)]
    pub(crate) fn probe(&self) -> Arc<Probe> {
        Arc::clone(&self.probe)
    }
}

impl WorkerBuilder {
    pub(crate) fn new(outbox: Outbox) -> WorkerBuilder {
        WorkerBuilder {
            outbox,
            concurrency: DEFAULT_CONCURRENCY,
            lease: DEFAULT_LEASE,
            poll_interval: DEFAULT_POLL_INTERVAL,
            resolver: Resolver::system(),
            id: None,
            #[cfg(test)]
            hold_batches_until_stopped: false,
            #[cfg(test)]
            hold_slots: false,
        }
    }

    /// At most `count` requests in flight (default 32; more than [`MAX_CONCURRENCY`] is
    /// refused by [`spawn`](WorkerBuilder::spawn) with `invalid_argument`).
    pub fn concurrency(mut self, count: usize) -> WorkerBuilder {
        self.concurrency = count.max(1);
        self
    }

    /// The lease on each claimed delivery (default 30 s): how long a crashed worker's
    /// deliveries wait before another worker takes them.
    pub fn lease(mut self, lease: Duration) -> WorkerBuilder {
        self.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// How often to look for due work when nothing wakes the worker (default 1 s; on
    /// PostgreSQL publishes wake it at once).
    pub fn poll_interval(mut self, interval: Duration) -> WorkerBuilder {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How endpoint names are resolved (default: the system's resolver).
    pub fn resolver(mut self, resolver: Resolver) -> WorkerBuilder {
        self.resolver = resolver;
        self
    }

    /// The id recorded on this worker's attempts (default: `wrk_` and random hex).
    pub fn id(mut self, id: &str) -> WorkerBuilder {
        self.id = Some(id.to_owned());
        self
    }

    /// Test only: see the field of the same name.
    #[cfg(test)]
    pub(crate) fn hold_batches_until_stopped(mut self) -> WorkerBuilder {
        self.hold_batches_until_stopped = true;
        self
    }

    /// Test only: see the field of the same name.
    #[cfg(test)]
    pub(crate) fn hold_slots(mut self) -> WorkerBuilder {
        self.hold_slots = true;
        self
    }

    /// Starts the worker on `runtime`.
    pub fn spawn(self, runtime: &tokio::runtime::Handle) -> Result<WorkerHandle> {
        if self.concurrency > MAX_CONCURRENCY {
            let reason = format!("at most {MAX_CONCURRENCY} requests in flight, got {}", self.concurrency);
            return Err(Error::argument("concurrency", reason));
        }
        let id = self.id.clone().unwrap_or_else(|| crate::id::new_id("wrk"));
        let client = HttpClient::new(self.resolver.clone())?;
        let (stop, stop_rx) = watch::channel(false);
        let (deadline, deadline_rx) = watch::channel(Duration::ZERO);
        let (recorder, completions) = mpsc::channel(4 * self.concurrency);
        let report = Arc::new(std::sync::Mutex::new(WorkerReport::default()));
        let written = Arc::new(Notify::new());
        let in_flight = Arc::new(AtomicUsize::new(0));
        #[cfg(test)]
        let (batches_open, batches_open_rx) = watch::channel(!self.hold_batches_until_stopped);
        #[cfg(test)]
        let batches_open = Arc::new(batches_open);
        #[cfg(test)]
        let probe = Arc::new(Probe {
            queued: AtomicUsize::new(0),
            deadline_reached: std::sync::atomic::AtomicBool::new(false),
            batches_open: Arc::clone(&batches_open),
        });
        let recorder_task = runtime.spawn(record_batches(
            Arc::clone(&self.outbox.inner),
            completions,
            Arc::clone(&report),
            self.lease,
            Arc::clone(&written),
            Arc::clone(&in_flight),
            #[cfg(test)]
            batches_open_rx,
        ));
        let shared = Arc::new(Shared {
            recorder,
            written,
            in_flight,
            running: AtomicUsize::new(0),
            inner: Arc::clone(&self.outbox.inner),
            client,
            id: id.clone(),
            lease: self.lease,
            paces: Paces::default(),
            report,
            jobs: std::sync::Mutex::new(Jobs {
                queue: VecDeque::new(),
                current: vec![None; self.concurrency],
                closed: false,
            }),
            job_ready: Notify::new(),
            #[cfg(test)]
            batches_open,
            #[cfg(test)]
            hold_slots: self.hold_slots,
            #[cfg(test)]
            probe: Arc::clone(&probe),
        });
        let config = LoopConfig { concurrency: self.concurrency, poll_interval: self.poll_interval };
        let report_handle = Arc::clone(&shared.report);
        let task = runtime.spawn({
            let _guard = runtime.enter();
            let listener =
                self.outbox.inner.store.postgres().map(|pg| pg.listen(Arc::clone(&self.outbox.inner.wake)));
            async move {
                run(shared, config, stop_rx, deadline_rx).await;
                if let Some(listener) = listener {
                    listener.abort();
                }
                // Every sender is gone with the attempts: the recorder ends after its last batch.
                let _ = recorder_task.await;
                let report = report_handle.lock().map(|r| *r).unwrap_or_default();
                tracing::info!(attempts = report.attempts, released = report.released, "worker stopped");
                report
            }
        });
        Ok(WorkerHandle {
            stop,
            task,
            deadline,
            id,
            #[cfg(test)]
            probe,
        })
    }

    /// Runs a worker until every delivery is final (waiting for scheduled retries), then
    /// stops it. Errors: `timeout` when `timeout` passes first (the worker is stopped then too).
    /// Dropping the future before it ends (a cancelled task, an interrupted call from Python)
    /// stops the worker as well, giving back what it had in flight.
    pub async fn run_until_idle(self, timeout: Duration) -> Result<WorkerReport> {
        let inner = Arc::clone(&self.outbox.inner);
        let worker = StopOnDrop(Some(self.spawn(&tokio::runtime::Handle::current())?));
        let started = Instant::now();
        loop {
            match inner.store.active_count().await {
                Ok(0) => return Ok(worker.stop(Duration::from_secs(5)).await),
                Ok(remaining) if started.elapsed() >= timeout => {
                    worker.stop(Duration::from_secs(5)).await;
                    return Err(Error::Timeout { waited: started.elapsed(), remaining });
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "cannot count active deliveries"),
            }
            let wait = Duration::from_millis(100).min(timeout.saturating_sub(started.elapsed()));
            let _ = tokio::time::timeout(wait, inner.progress.notified()).await;
        }
    }
}

/// A worker that is told to stop (at once: what is in flight is given back) when this is
/// dropped before [`stop`](StopOnDrop::stop) is called.
struct StopOnDrop(Option<WorkerHandle>);

impl StopOnDrop {
    async fn stop(mut self, deadline: Duration) -> WorkerReport {
        match self.0.take() {
            Some(handle) => handle.stop(deadline).await,
            None => WorkerReport::default(),
        }
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            let _ = handle.deadline.send(Duration::ZERO);
            let _ = handle.stop.send(true);
        }
    }
}

struct Shared {
    inner: Arc<Inner>,
    /// Completions go through one recorder task that writes them in batches (group commit).
    recorder: mpsc::Sender<Record>,
    /// Signalled by the recorder after each batch (the endpoint slots it held are free again),
    /// by a success handed to the recorder, and by an attempt that ends without a completion
    /// to write.
    written: Arc<Notify>,
    /// Attempts dispatched and still holding their place: until a success's record is handed to
    /// the recorder, or until any other ending is written (it holds its lease and its
    /// endpoint's slot until then, and counts against the concurrency); one that ends without a
    /// completion (lease lost, a panic) stops counting when it ends. The loop reads this, not its slots: an attempt's
    /// end frees no place of its own, so it does not wake the loop.
    in_flight: Arc<AtomicUsize>,
    /// Attempts handed to the slots and not ended yet (queued, or their request may be over and
    /// their record not yet handed over): none left means the loop claims for whatever is free.
    running: AtomicUsize,
    /// Claimed deliveries on their way to the slot tasks, and what each slot is attempting.
    jobs: std::sync::Mutex<Jobs>,
    /// Wakes a slot task waiting for a job (and all of them when the jobs are closed).
    job_ready: Notify,
    client: HttpClient,
    id: String,
    lease: Duration,
    paces: Paces,
    report: Arc<std::sync::Mutex<WorkerReport>>,
    /// Test only: see [`WorkerBuilder::hold_batches_until_stopped`].
    #[cfg(test)]
    batches_open: Arc<watch::Sender<bool>>,
    /// Test only: see [`WorkerBuilder::hold_slots`].
    #[cfg(test)]
    hold_slots: bool,
    #[cfg(test)]
    probe: Arc<Probe>,
}

struct LoopConfig {
    concurrency: usize,
    poll_interval: Duration,
}

impl Shared {
    /// The jobs, whatever panicked while holding them before: nothing under this lock leaves
    /// the queue or the slots' deliveries half-changed (a push, a pop, a store of one value),
    /// and a worker that gave up on the lock would claim deliveries it can never send.
    fn jobs(&self) -> MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, update: impl FnOnce(&mut WorkerReport)) {
        if let Ok(mut report) = self.report.lock() {
            update(&mut report);
        }
    }

    /// The endpoint's pacing state at `version`, (re)loading it from the store.
    async fn pace(&self, endpoint_id: &str, version: i64) -> Result<Arc<Pace>> {
        if let Some(pace) = self.paces.get(endpoint_id, version) {
            return Ok(pace);
        }
        let row = self
            .inner
            .store
            .endpoint_row(endpoint_id)
            .await?
            .ok_or_else(|| Error::not_found("endpoint", endpoint_id))?;
        let pace = Arc::new(Pace::new(&row)?);
        self.paces.insert(endpoint_id, Arc::clone(&pace));
        Ok(pace)
    }
}

async fn run(
    shared: Arc<Shared>,
    config: LoopConfig,
    mut stop: watch::Receiver<bool>,
    deadline: watch::Receiver<Duration>,
) {
    let store = &shared.inner.store;
    // One long-lived task per slot, fed claimed deliveries: no task spawned per delivery.
    let mut tasks: JoinSet<()> = JoinSet::new();
    let mut slots: HashMap<tokio::task::Id, usize> = HashMap::new();
    for index in 0..config.concurrency {
        let handle = tasks.spawn(run_slot(Arc::clone(&shared), index));
        slots.insert(handle.id(), index);
    }
    tracing::info!(worker = %shared.id, concurrency = config.concurrency, "worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        // A slot task ends before the stop when an attempt panicked: its delivery's lease
        // expires (as a task of its own per delivery left it), and the slot starts again. One
        // that ends by itself found the jobs closed, which only the stop does: the queue is
        // broken, so the worker stops (releasing what it holds) instead of starting slots
        // that would end again at once while it claims deliveries nobody sends.
        let mut broken = false;
        while let Some(done) = tasks.try_join_next_with_id() {
            if let Some(index) = slots.remove(&finished_id(&done)) {
                if done.is_ok() {
                    broken = true;
                    continue;
                }
                shared.jobs().current[index] = None;
                let handle = tasks.spawn(run_slot(Arc::clone(&shared), index));
                slots.insert(handle.id(), index);
            }
        }
        if broken {
            tracing::error!(worker = %shared.id, "a slot task ended before the stop; the worker stops");
            break;
        }
        // A request holds its place until a success's record is handed over or any other
        // ending's completion is written: claiming for slots whose endpoint is still held would
        // find nothing to take (a claim that walks the whole due queue past the held endpoint's
        // deliveries) or take what it must give back at once.
        let busy = shared.in_flight.load(Ordering::SeqCst);
        let free = config.concurrency.saturating_sub(busy);
        let now = UnixTime::now();
        let mut more = false;
        let mut pause = config.poll_interval;
        // Claim in batches: wait for a quarter of the slots to free up, unless idle. A claim is
        // a round trip to the store; fewer, larger ones keep the loop from waiting on them.
        let worth_a_claim = free > 0
            && (free >= config.concurrency.div_ceil(4) || shared.running.load(Ordering::SeqCst) == 0);
        if worth_a_claim {
            let request = claim_request(&shared, free, now);
            let excluding = !request.exclude.is_empty();
            let claimed = store.claim(request).await;
            match claimed {
                Ok(claims) => {
                    more = claims.len() == free;
                    let claimed_some = !claims.is_empty();
                    for claim in claims {
                        dispatch(&shared, claim).await;
                    }
                    if claimed_some && !more {
                        // Nothing else is due now; finishing tasks wake the loop anyway.
                        pause = Duration::from_millis(50).min(config.poll_interval);
                    } else if !more {
                        pause = match store.next_due().await {
                            // Due but not claimed: its endpoint is saturated, or another worker
                            // is taking it; look again soon rather than spin.
                            Ok(Some(due)) if due <= now || excluding => {
                                Duration::from_millis(20).min(config.poll_interval)
                            }
                            Ok(Some(due)) => due.duration_since(now).min(config.poll_interval),
                            Ok(None) => config.poll_interval,
                            Err(_) => STORE_BACKOFF,
                        };
                    }
                }
                Err(err) => {
                    tracing::warn!(worker = %shared.id, error = %err, "claim failed; retrying");
                    pause = STORE_BACKOFF;
                }
            }
        }
        if more {
            continue;
        }
        tokio::select! {
            _ = shared.inner.wake.notified() => {}
            // An endpoint left out as saturated may have room again.
            _ = shared.written.notified() => {}
            _ = tokio::time::sleep(pause) => {}
            // Only a sent stop: a dropped handle ("leaves the worker running") closes the
            // channel, and `changed` then fails at once, every time, which would wake this
            // loop again and again instead of letting it sleep its poll interval.
            Ok(()) = stop.changed() => {}
        }
    }
    let deadline = *deadline.borrow();
    shutdown(&shared, tasks, deadline).await;
    #[cfg(test)]
    shared.batches_open.send_replace(true);
}

/// Largest number of completions written in one transaction.
const BATCH: usize = 256;

/// A claim for `free` slots, with a fresh token, leaving out the endpoints paced to a stop.
fn claim_request(shared: &Shared, free: usize, now: UnixTime) -> ClaimRequest {
    ClaimRequest {
        worker: shared.id.clone(),
        token: crate::id::new_id("clm"),
        now,
        lease: shared.lease,
        limit: u32::try_from(free).unwrap_or(u32::MAX),
        exclude: shared.paces.saturated(now),
    }
}

/// A completion on its way to the store, with the endpoint slot and the place in flight it
/// keeps until it is written when it is not a success (so an endpoint that just answered 410
/// gets no further request before it is disabled); a success freed its slot at its answer and
/// its place when the record was handed over.
struct Record {
    completion: Completion,
    /// Held, never read: dropping it once the batch is written frees the endpoint's slot.
    _slot: Option<Slot>,
    succeeded: bool,
    /// Dropped after the slot: the attempt stops counting in flight however the record ends
    /// (written, refused by a recorder that is gone, or dropped with a recorder that panicked),
    /// so a worker never waits for a slot no batch will free.
    counted: Option<Counted>,
}

impl Record {
    /// The completion to write, and what waits for the write (the slot, the count in flight).
    fn split(self) -> (Completion, Waiting) {
        let Record { completion, _slot, succeeded, counted } = self;
        let attempted = completion.attempt.is_some();
        (completion, Waiting { _slot, succeeded, attempted, counted })
    }
}

/// A record whose completion went to the store: its slot and count, held until the write ends
/// (the slot dropped first, as in [`Record`]).
struct Waiting {
    _slot: Option<Slot>,
    succeeded: bool,
    attempted: bool,
    counted: Option<Counted>,
}

/// An attempt's place in [`Shared::in_flight`], given up when dropped; the loop is woken then,
/// unless the recorder wakes it once for a whole written batch (`wake` false).
struct Counted {
    in_flight: Arc<AtomicUsize>,
    written: Arc<Notify>,
    wake: bool,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.wake {
            self.written.notify_one();
        }
    }
}

/// Writes completions as they come, batching whatever queued up while the previous batch was
/// being written (group commit: one transaction for many attempts under load, one for one
/// when idle). A batch the store refuses is tried again until the lease would have expired;
/// after that the deliveries are simply claimed again (at least once).
async fn record_batches(
    inner: Arc<Inner>,
    mut records: mpsc::Receiver<Record>,
    report: Arc<std::sync::Mutex<WorkerReport>>,
    lease: Duration,
    written: Arc<Notify>,
    in_flight: Arc<AtomicUsize>,
    #[cfg(test)] mut batches_open: watch::Receiver<bool>,
) {
    // Ends once every sender is gone with the attempts and the loop: nothing more will come.
    while let Some(first) = records.recv().await {
        #[cfg(test)]
        let _ = batches_open.wait_for(|open| *open).await;
        let mut batch = vec![first];
        for round in 0..2 {
            while batch.len() < BATCH {
                match records.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            // Other attempts are out: let the tasks already woken (answers arrived) run first,
            // so their completions join this batch instead of costing a transaction each.
            // (A success no longer counts in flight: only the records that hold their place do.)
            let holding = batch.iter().filter(|record| record.counted.is_some()).count();
            if round == 0 && in_flight.load(Ordering::SeqCst) > holding {
                tokio::task::yield_now().await;
            } else {
                break;
            }
        }
        // The completions move to the store, written without a clone however often the write
        // is tried; what waits for it stays here.
        let (completions, mut waiting): (Vec<Completion>, Vec<Waiting>) =
            batch.into_iter().map(Record::split).unzip();
        let results = write_batch(&inner, completions.into(), lease).await;
        written_batch(&waiting, &results, &report);
        // Frees each record's endpoint slot and its place in flight; one wake-up for them all.
        for counted in waiting.iter_mut().filter_map(|record| record.counted.as_mut()) {
            counted.wake = false;
        }
        drop(waiting);
        written.notify_one();
        inner.progress.notify_waiters();
    }
}

/// Writes a batch, trying again until the lease would have expired; after that the
/// deliveries are simply claimed again (at least once). Empty when it could not be written.
async fn write_batch(inner: &Inner, completions: Arc<[Completion]>, lease: Duration) -> Vec<Result<()>> {
    let give_up_at = Instant::now() + lease;
    loop {
        match inner.store.complete(Arc::clone(&completions)).await {
            Ok(results) => break results,
            Err(err) if Instant::now() < give_up_at => {
                tracing::warn!(error = %err, "could not record attempts; retrying");
                tokio::time::sleep(STORE_BACKOFF).await;
            }
            Err(err) => {
                tracing::error!(error = %err, "could not record attempts; their leases expire and they are sent again");
                break Vec::new();
            }
        }
    }
}

/// Counts a written batch into the report.
fn written_batch(batch: &[Waiting], results: &[Result<()>], report: &std::sync::Mutex<WorkerReport>) {
    if let Ok(mut report) = report.lock() {
        for (record, result) in batch.iter().zip(results) {
            match result {
                Ok(()) if record.attempted => {
                    report.attempts += 1;
                    report.succeeded += u64::from(record.succeeded);
                }
                Ok(()) => {}
                Err(Error::LeaseLost { delivery }) => {
                    report.lease_lost += 1;
                    tracing::warn!(delivery, "lease lost before the attempt was recorded");
                }
                Err(_) => {}
            }
        }
    }
}

fn finished_id(done: &Result<(tokio::task::Id, ()), tokio::task::JoinError>) -> tokio::task::Id {
    match done {
        Ok((id, ())) => *id,
        Err(err) => err.id(),
    }
}

/// Lets the slots finish the attempts in flight and those already handed to them until
/// `deadline`, then aborts the rest and gives their deliveries back, due at once.
async fn shutdown(shared: &Shared, mut tasks: JoinSet<()>, deadline: Duration) {
    shared.jobs().closed = true;
    shared.job_ready.notify_waiters();
    let drained = tokio::time::timeout(deadline, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        #[cfg(test)]
        shared.probe.deadline_reached.store(true, Ordering::SeqCst);
        #[cfg(test)]
        if !*shared.batches_open.borrow() {
            while shared.running.load(Ordering::SeqCst) > 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
    // Drained or not, every slot task has ended here. Drained, the queue is empty and no slot
    // holds a delivery, unless a slot panicked (its attempt never handed over) or the loop
    // stopped on a broken queue (jobs left in it); those are released too, and dropping the
    // queued jobs drops their hold on the worker (each keeps it alive until then). What is left is exactly what no attempt handed to the recorder: a slot clears its
    // delivery right after the hand-over, with no await between (an abort lands only at an
    // await), and jobs still queued were never started. An attempt that ended between the
    // deadline and the abort has cleared its slot, so its delivery, whose record the recorder
    // is about to write, is not given back (a release would let that write be refused as a
    // lost lease and the delivery be sent again).
    let (mut left, queued): (Vec<(String, String)>, Vec<Job>) = {
        let mut jobs = shared.jobs();
        let queued = jobs.queue.drain(..).collect();
        (jobs.current.iter_mut().filter_map(Option::take).collect(), queued)
    };
    left.extend(queued.into_iter().map(|job| (job.claim.delivery_id, job.claim.token)));
    let now = UnixTime::now();
    for (delivery, token) in &left {
        match shared.inner.store.release(delivery, token, now).await {
            Ok(true) => shared.count(|r| r.released += 1),
            Ok(false) => {}
            Err(err) => tracing::warn!(delivery, error = %err, "could not release; its lease will expire"),
        }
    }
}

/// Claimed deliveries waiting for a slot, and the delivery (id, claim token) each slot is
/// attempting, under one lock.
struct Jobs {
    queue: VecDeque<Job>,
    current: Vec<Option<(String, String)>>,
    /// No more jobs: slots finish the queue and end.
    closed: bool,
}

/// A claimed delivery handed to a slot, with its place in flight and its running count.
struct Job {
    claim: Claimed,
    /// `None`: its endpoint was disabled meanwhile (it ends without an attempt).
    paced: Option<(Arc<Pace>, Slot)>,
    counted: Counted,
    attempting: Attempting,
}

/// A slot: takes the next claimed delivery, attempts it, and takes the next, until the jobs
/// are closed and none is left.
async fn run_slot(shared: Arc<Shared>, index: usize) {
    while let Some(job) = next_job(&shared, index).await {
        let Job { claim, paced, counted, attempting } = job;
        match paced {
            None => finish_disabled(&shared, counted, claim).await,
            Some((pace, slot)) => {
                let span = tracing::info_span!(
                    "attempt",
                    delivery = %claim.delivery_id,
                    message = %claim.message_id,
                    endpoint = %claim.endpoint_id,
                    number = claim.attempts + 1,
                );
                attempt(&shared, counted, pace, slot, claim).instrument(span).await;
            }
        }
        drop(attempting);
        // No await since the attempt handed its record over (or lost its lease): see `shutdown`.
        shared.jobs().current[index] = None;
    }
}

/// The next job for slot `index` (recorded as its current delivery), or `None` once the jobs
/// are closed and the queue is empty.
async fn next_job(shared: &Shared, index: usize) -> Option<Job> {
    #[cfg(test)]
    if shared.hold_slots {
        std::future::pending::<()>().await;
    }
    loop {
        let ready = shared.job_ready.notified();
        tokio::pin!(ready);
        // Registered before the queue is read: a job pushed after the read still wakes it.
        ready.as_mut().enable();
        {
            let mut jobs = shared.jobs();
            if let Some(job) = jobs.queue.pop_front() {
                jobs.current[index] = Some((job.claim.delivery_id.clone(), job.claim.token.clone()));
                return Some(job);
            }
            if jobs.closed {
                return None;
            }
        }
        ready.await;
    }
}

/// Hands a job to the slots. One of them is idle for it: a job counts in flight from its
/// dispatch, and the loop claims no more than the places not in flight, one per slot task.
fn hand_to_slot(shared: &Shared, job: Job) {
    shared.jobs().queue.push_back(job);
    #[cfg(test)]
    shared.probe.queued.fetch_add(1, Ordering::SeqCst);
    shared.job_ready.notify_one();
}

/// Hands a claimed delivery to the slots, or gives the claim back when its endpoint cannot
/// take it now.
async fn dispatch(shared: &Arc<Shared>, claim: Claimed) {
    let store = &shared.inner.store;
    let now = UnixTime::now();
    if !claim.endpoint_enabled {
        let (attempting, counted) = Attempting::start(shared);
        hand_to_slot(shared, Job { claim, paced: None, counted, attempting });
        return;
    }
    let pace = match shared.pace(&claim.endpoint_id, claim.endpoint_version).await {
        Ok(pace) => pace,
        Err(err) => {
            tracing::warn!(endpoint = %claim.endpoint_id, error = %err, "endpoint unusable; delivery put back");
            let _ = store.release(&claim.delivery_id, &claim.token, now + STORE_BACKOFF).await;
            return;
        }
    };
    match pace.admit(now) {
        Ok(slot) => {
            let (attempting, counted) = Attempting::start(shared);
            hand_to_slot(shared, Job { claim, paced: Some((pace, slot)), counted, attempting });
        }
        Err(held) => {
            let due = match held {
                Held::Busy => now,
                Held::Throttled(wait) => now + wait,
            };
            let _ = store.release(&claim.delivery_id, &claim.token, due).await;
        }
    }
}

/// A claimed delivery whose endpoint was disabled meanwhile: it ends without an attempt.
async fn finish_disabled(shared: &Shared, counted: Counted, claim: Claimed) {
    let completion = Completion {
        delivery_id: claim.delivery_id,
        endpoint_id: claim.endpoint_id,
        token: claim.token,
        now: UnixTime::now(),
        attempt: None,
        outcome: None,
        health: hookwire::HealthPolicy::default(),
        next: Next::GiveUp { reason: decisions::ENDPOINT_DISABLED },
        last_error: Some("endpoint disabled".into()),
    };
    record(shared, counted, completion, None, false).await;
}

/// One attempt: sign afresh, send (renewing the lease), classify, decide, record. A lost lease
/// records nothing: `counted` is dropped, and the slot is free again.
async fn attempt(shared: &Shared, counted: Counted, pace: Arc<Pace>, slot: Slot, claim: Claimed) {
    let started_at = UnixTime::now();
    let clock = Instant::now();
    let sent = match decisions::request(
        &pace.endpoint,
        &claim.message_id,
        &claim.event_type,
        &claim.payload,
        started_at,
    ) {
        Ok(request) => {
            let send = shared.client.send(
                request,
                pace.allow_private,
                pace.timeout,
                hookwire::DEFAULT_RESPONSE_BODY_LIMIT,
            );
            match with_lease(shared, &claim, send).await {
                Some(sent) => sent,
                None => {
                    shared.count(|r| r.lease_lost += 1);
                    tracing::warn!("lease lost while sending; another worker owns the delivery now");
                    return;
                }
            }
        }
        // A request that cannot be built is permanent (blocked, or invalid as configured):
        // retrying the same request cannot help.
        Err(err) => Err(SendError { failure: decisions::build_failure(&err), message: err.to_string() }),
    };
    let elapsed = clock.elapsed();
    let now = UnixTime::now();
    let (outcome, attempt, last_error) = match sent {
        Ok(response) => {
            let outcome = decisions::response_outcome(response.status, &response.headers, elapsed);
            let headers = response
                .headers
                .iter()
                .map(|(name, value)| {
                    (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
                })
                .collect();
            let error = (!outcome.is_success()).then(|| format!("HTTP {}", response.status));
            let row = AttemptRow {
                number: claim.attempts + 1,
                started_at,
                duration: elapsed,
                status: Some(response.status),
                class: outcome.class().name(),
                failure: None,
                error: error.clone(),
                response_headers: headers,
                response_body: String::from_utf8_lossy(&response.body).into_owned(),
                response_truncated: response.truncated,
                manual: claim.run.manual,
                worker: shared.id.clone(),
            };
            (outcome, row, error)
        }
        Err(SendError { failure, message }) => {
            let outcome = decisions::failure_outcome(failure, elapsed);
            let row = AttemptRow {
                number: claim.attempts + 1,
                started_at,
                duration: elapsed,
                status: None,
                class: outcome.class().name(),
                failure: Some(failure.name()),
                error: Some(message.clone()),
                response_headers: Vec::new(),
                response_body: String::new(),
                response_truncated: false,
                manual: claim.run.manual,
                worker: shared.id.clone(),
            };
            (outcome, row, Some(format!("{}: {message}", failure.name())))
        }
    };
    let next = decisions::next(pace.endpoint.retry_policy(), &claim.run, &outcome, now);
    tracing::debug!(class = outcome.class().name(), status = ?outcome.status(), next = ?next, "attempt done");
    let succeeded = outcome.is_success();
    // A success changes nothing its endpoint's next request must wait for: the endpoint's slot
    // goes at once, the place in flight once the record is with the recorder (`record`).
    let slot = if succeeded {
        drop(slot);
        None
    } else {
        Some(slot)
    };
    let completion = Completion {
        delivery_id: claim.delivery_id,
        endpoint_id: claim.endpoint_id,
        token: claim.token,
        now,
        attempt: Some(attempt),
        outcome: Some(outcome),
        health: *pace.endpoint.health_policy(),
        next,
        last_error,
    };
    record(shared, counted, completion, slot, succeeded).await;
}

/// Runs `send` while renewing the lease every third of it; `None` when the lease was lost
/// (the request is dropped: another worker owns the delivery).
async fn with_lease<F, T>(shared: &Shared, claim: &Claimed, send: F) -> Option<T>
where
    F: std::future::Future<Output = T>,
{
    tokio::pin!(send);
    let every = shared.lease / 3;
    loop {
        tokio::select! {
            result = &mut send => return Some(result),
            _ = tokio::time::sleep(every) => {
                let now = UnixTime::now();
                match shared.inner.store.renew(&claim.delivery_id, &claim.token, now + shared.lease, now).await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    // The store is down: keep sending; the completion is fenced anyway.
                    Err(err) => tracing::warn!(error = %err, "lease renewal failed"),
                }
            }
        }
    }
}

/// Hands a completion to the recorder (waiting only when it is behind: backpressure). A
/// success's place in flight is free once the recorder has its record; any other ending's
/// travels with the record and is free once it is written. Held while the hand-over waits, a
/// success's place keeps a recorder that falls behind from letting the loop claim for slots
/// that are not idle (their deliveries would wait, their leases not renewed). A recorder that
/// is gone hands the record back, and dropping it frees the slot and the count.
async fn record(
    shared: &Shared,
    counted: Counted,
    completion: Completion,
    slot: Option<Slot>,
    succeeded: bool,
) {
    let (held, handed) = if succeeded { (None, Some(counted)) } else { (Some(counted), None) };
    let record = Record { completion, _slot: slot, succeeded, counted: held };
    if shared.recorder.send(record).await.is_err() {
        tracing::error!("the recorder stopped; the lease expires and the delivery is sent again");
    }
    drop(handed);
}

/// Held by an attempt from its dispatch until it ends in its slot (`Shared::running`). Its
/// place in flight is the [`Counted`] it starts with, which travels with the attempt (into its
/// [`Record`] unless it is a success, whose place is free once the record is handed over):
/// dropped wherever the attempt ends (its lease lost, the recorder gone, a panic, an abort at
/// shutdown, a success handed over, or its completion written), it stops counting the attempt
/// and wakes the loop.
struct Attempting {
    shared: Arc<Shared>,
}

impl Attempting {
    fn start(shared: &Arc<Shared>) -> (Attempting, Counted) {
        shared.in_flight.fetch_add(1, Ordering::SeqCst);
        shared.running.fetch_add(1, Ordering::SeqCst);
        let counted = Counted {
            in_flight: Arc::clone(&shared.in_flight),
            written: Arc::clone(&shared.written),
            wake: true,
        };
        (Attempting { shared: Arc::clone(shared) }, counted)
    }
}

impl Drop for Attempting {
    fn drop(&mut self) {
        self.shared.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A wake-up shared by an outbox's publishes and its workers.
pub(crate) fn wake() -> Arc<Notify> {
    Arc::new(Notify::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_worker_refuses_more_requests_in_flight_than_it_can_hold() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
        let outbox = crate::Outbox::open(&url).await.unwrap();
        let runtime = tokio::runtime::Handle::current();
        for count in [MAX_CONCURRENCY + 1, usize::MAX] {
            let refused = outbox.worker().concurrency(count).spawn(&runtime).err().map(|err| err.code());
            assert_eq!(refused, Some("invalid_argument"), "{count}");
            let refused = outbox.worker().concurrency(count).run_until_idle(Duration::from_secs(1)).await;
            assert_eq!(refused.err().map(|err| err.code()), Some("invalid_argument"), "{count}");
        }
        let worker = outbox.worker().concurrency(MAX_CONCURRENCY).spawn(&runtime).unwrap();
        worker.stop(Duration::from_secs(5)).await;
    }
}
