//! Typed parsing of a 1 KiB order event and a 200-probe device event, beside parsing the same
//! bytes into `serde_json::Value`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hookwire::{Dialect, Event};

fn device_event() -> Vec<u8> {
    let probes: Vec<String> = (0..200)
        .map(|i| {
            format!(
                r#"{{"probe_id":"{i}","temperature":{}.5,"unit":"F","timestamp":"2025-07-20T14:30:00Z"}}"#,
                100 + i
            )
        })
        .collect();
    format!(
        r#"{{"device_id":"device_12345","device_name":"Signals","model":"Signals","battery_level":85,"signal_strength":92,"is_online":true,"probes":[{}]}}"#,
        probes.join(",")
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let order = hookwire_benches::order_event();
    let device = device_event();
    for (name, body, parse) in [
        (
            "order-1KiB",
            &order,
            (|b: &[u8]| Event::from_json(b)) as fn(&[u8]) -> Result<Event, hookwire::Error>,
        ),
        ("device-200-probes", &device, |b: &[u8]| {
            Dialect::DeviceService.parse(b, Some("temperature_update"))
        }),
    ] {
        parse(body).expect("the benchmarked event parses");
        let mut group = c.benchmark_group(format!("{name}-{}B", body.len()));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group
            .warm_up_time(Duration::from_millis(800))
            .measurement_time(Duration::from_secs(2))
            .sample_size(40);
        group.bench_function("hookwire-typed", |b| b.iter(|| parse(black_box(body)).unwrap()));
        group.bench_function("serde_json-value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)).unwrap())
        });
        let event = parse(body).unwrap();
        group.bench_function("hookwire-to-json", |b| b.iter(|| black_box(&event).to_json()));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
