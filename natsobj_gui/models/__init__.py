"""Qt item models: thin adapters over the core dataclasses (one module per model)."""
