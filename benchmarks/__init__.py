"""Benchmarks of the warehouse (`make bench`); never part of `make test`'s measurements."""
