"""cloudlet benchmarks: `python -m benchmarks --help`. Not part of the test suite."""
