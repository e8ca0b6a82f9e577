"""The `natsobj` console script: `nats object` over the async core, without Qt."""
