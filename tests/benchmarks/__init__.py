"""Benchmarks of the app against floors measured in the same run: `python -m tests.benchmarks`.

Not part of the test run (no `test_*.py` files here); the README keeps the last table.
"""
