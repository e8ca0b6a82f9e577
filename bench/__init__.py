"""Benchmarks against a real nats-server: transfer throughput and listing speed."""
