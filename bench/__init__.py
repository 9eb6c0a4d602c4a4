"""Benchmarks that print figures, never pass/fail on time. Run `python -m bench` from the repo root."""
