"""Benchmarks: how cost grows with the corpus and with concurrent users. `python -m benchmarks` runs
them all and prints one table; every figure is a ratio against a reference measured in the same run."""
