//! Benchmarks for hookwire; see the `[[bench]]` targets.
