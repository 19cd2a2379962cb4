"""Benchmark harness: bulk loader, baseline views (served only when BENCH_MODE is on) and the load driver."""
