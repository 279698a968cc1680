//! The retry scheduler at a million pending entries: schedule, pop and cancel, beside the
//! same operations on an ordered map (the alternative structure), plus `RetryPolicy::next`
//! and the memory each entry costs (counted by the allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use hookwire::{Outcome, RetryPolicy, Scheduler, UnixTime};

/// Counts live heap bytes so the bench can report memory per entry.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const PENDING: u64 = 1_000_000;
const BATCH: u64 = 100_000;

/// Pseudo-random due times over a day, reproducible.
fn due(i: u64) -> i64 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as i64 % 86_400_000
}

/// The alternative: an ordered map by (due, seq) beside a map of live keys.
#[derive(Clone, Default)]
struct OrderedMap {
    order: BTreeMap<(i64, u64), u64>,
    live: HashMap<u64, (i64, u64)>,
    seq: u64,
}

impl OrderedMap {
    fn schedule(&mut self, key: u64, due: i64) {
        self.seq += 1;
        if let Some(old) = self.live.insert(key, (due, self.seq)) {
            self.order.remove(&old);
        }
        self.order.insert((due, self.seq), key);
    }
    fn cancel(&mut self, key: &u64) -> bool {
        match self.live.remove(key) {
            Some(old) => self.order.remove(&old).is_some(),
            None => false,
        }
    }
    fn pop_due(&mut self, now: i64, limit: usize) -> Vec<(u64, i64)> {
        let mut out = Vec::new();
        while out.len() < limit {
            match self.order.first_key_value() {
                Some((&(due, _), _)) if due <= now => {}
                _ => break,
            }
            let Some(((due, _), key)) = self.order.pop_first() else { break };
            self.live.remove(&key);
            out.push((key, due));
        }
        out
    }
}

trait Pending: Clone {
    /// Room for `n` more entries (a clone has no spare capacity; growth is not what is timed).
    fn reserve_for(&mut self, n: u64);
    fn add(&mut self, key: u64, due: i64);
    fn remove(&mut self, key: u64) -> bool;
    fn pop(&mut self, limit: usize) -> usize;
}

impl Pending for Scheduler<u64> {
    fn reserve_for(&mut self, n: u64) {
        self.reserve(n as usize);
    }
    fn add(&mut self, key: u64, due: i64) {
        self.schedule(key, UnixTime::from_millis(due));
    }
    fn remove(&mut self, key: u64) -> bool {
        self.cancel(&key)
    }
    fn pop(&mut self, limit: usize) -> usize {
        self.pop_due(UnixTime::from_millis(i64::MAX), limit).len()
    }
}

impl Pending for OrderedMap {
    fn reserve_for(&mut self, n: u64) {
        self.live.reserve(n as usize);
    }
    fn add(&mut self, key: u64, due: i64) {
        self.schedule(key, due);
    }
    fn remove(&mut self, key: u64) -> bool {
        self.cancel(&key)
    }
    fn pop(&mut self, limit: usize) -> usize {
        self.pop_due(i64::MAX, limit).len()
    }
}

fn filled<P: Pending>(mut empty: P) -> P {
    for key in 0..PENDING {
        empty.add(key, due(key));
    }
    empty
}

/// Runs `op` `iters` times in batches of `BATCH` on a fresh copy of the full structure, timing
/// only the operations.
fn timed<P: Pending>(template: &P, iters: u64, mut op: impl FnMut(&mut P, u64)) -> Duration {
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let batch = BATCH.min(iters - done);
        let mut copy = template.clone();
        copy.reserve_for(batch);
        let start = Instant::now();
        for i in 0..batch {
            op(&mut copy, i);
        }
        total += start.elapsed();
        done += batch;
        drop(black_box(copy));
    }
    total
}

fn scheduler(c: &mut Criterion) {
    let heap = filled(Scheduler::<u64>::with_capacity(PENDING as usize));
    let map = filled(OrderedMap::default());
    let mut group = c.benchmark_group("scheduler-1M");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    macro_rules! three {
        ($name:literal, $template:expr) => {
            group.bench_function(concat!($name, "/schedule"), |b| {
                b.iter_custom(|iters| timed($template, iters, |s, i| s.add(PENDING + i, due(PENDING + i))))
            });
            // Popping in batches of 100, as a sender loop does: time per entry.
            group.bench_function(concat!($name, "/pop_due"), |b| {
                b.iter_custom(|iters| {
                    timed($template, iters.div_ceil(100), |s, _| {
                        black_box(s.pop(100));
                    }) / 100
                })
            });
            group.bench_function(concat!($name, "/cancel"), |b| {
                b.iter_custom(|iters| {
                    timed($template, iters, |s, i| {
                        black_box(s.remove(i * 7 % PENDING));
                    })
                })
            });
        };
    }
    three!("heap", &heap);
    three!("ordered-map", &map);
    group.finish();

    let policy = RetryPolicy::svix().with_seed(1);
    let failed = Outcome::from_response(503, &http::HeaderMap::new(), Duration::from_millis(80));
    c.bench_function("policy/next (svix, jitter, 503)", |b| {
        let mut attempt = 0;
        b.iter(|| {
            attempt = attempt % 7 + 1;
            black_box(policy.next(black_box(attempt), UnixTime::EPOCH, UnixTime::from_millis(1_000), &failed))
        })
    });

    // Memory per entry: live bytes after filling, over the entries.
    let report = |name: &str, key_bytes: usize, build: &dyn Fn() -> Box<dyn std::any::Any>| {
        let before = LIVE.load(Ordering::Relaxed);
        let held = build();
        let bytes = LIVE.load(Ordering::Relaxed) - before;
        drop(held);
        let per = bytes as f64 / PENDING as f64;
        println!(
            "memory {name}: {per:.1} B/entry ({:.1} B beyond the key's own {key_bytes} B)",
            per - key_bytes as f64
        );
    };
    report("heap<u64>", 8, &|| Box::new(filled(Scheduler::<u64>::new())));
    report("ordered-map<u64>", 8, &|| Box::new(filled(OrderedMap::default())));
    report("heap<String> (26-char ids)", 24 + 26, &|| {
        let mut s = Scheduler::<String>::new();
        for key in 0..PENDING {
            s.schedule(format!("msg_{key:022}"), UnixTime::from_millis(due(key)));
        }
        Box::new(s)
    });
}

criterion_group!(benches, scheduler);
criterion_main!(benches);
