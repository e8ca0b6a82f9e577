"""Object-store core tests, all against a real nats-server."""
