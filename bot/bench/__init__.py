"""`bot bench`: the benchmark of docs/benchmarks.md (see bot/bench/run.py)."""
