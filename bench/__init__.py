"""Benchmarks at company size: plain scripts run from the shell (see docs/benchmarks.md)."""
