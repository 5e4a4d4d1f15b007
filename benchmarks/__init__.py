"""Benchmarks of the ETL platform (`make bench`); see benchmarks/README.md."""
