"""natsobj-gui: a desktop object browser for the NATS JetStream Object Store."""

__version__ = "0.1.0"
