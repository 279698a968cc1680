//! A bare loop of `Event::from_json` on issue 18's order event (933 bytes), for profilers:
//! `perf record` it, or count its instructions with `valgrind --tool=callgrind` (exact, and
//! unmoved by load).
//!
//! `cargo run --release -p hookwire-benches --example parse_loop -- <contender> [calls]` where
//! the contender is `event` (`Event::from_json`), `value` (`serde_json::Value`, the speed bench's
//! reference) or `none` (the set-up alone, to subtract).

use std::hint::black_box;

use hookwire::Event;

fn main() {
    let mut args = std::env::args().skip(1);
    let contender = args.next().unwrap_or_else(|| "event".to_owned());
    let calls: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let order = hookwire_benches::order_event();
    match contender.as_str() {
        "event" => {
            for _ in 0..calls {
                black_box(Event::from_json(black_box(&order)).expect("parses"));
            }
        }
        "value" => {
            for _ in 0..calls {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(&order)).expect("parses"));
            }
        }
        "none" => {}
        other => {
            eprintln!("unknown contender `{other}`: event, value or none");
            std::process::exit(2);
        }
    }
}
