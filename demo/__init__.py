"""Demo news for a laptop and the benchmarks: `seed_demo` and `seed_demo_if_empty`."""
