"""Typed errors with messages a person can act on."""

from __future__ import annotations


class ObjectStoreError(Exception):
    """Base of every error the core raises; str() is a human sentence."""


class InvalidNameError(ObjectStoreError, ValueError):
    pass


class InvalidMetaError(ObjectStoreError, ValueError):
    """An object's description, headers or metadata cannot be stored."""


class BucketNotFoundError(ObjectStoreError):
    def __init__(self, bucket: str) -> None:
        super().__init__(f"bucket {bucket!r} not found")
        self.bucket = bucket


class BucketExistsError(ObjectStoreError):
    def __init__(self, bucket: str) -> None:
        super().__init__(f"bucket {bucket!r} already exists with a different configuration")
        self.bucket = bucket


class ObjectNotFoundError(ObjectStoreError):
    def __init__(self, bucket: str, name: str) -> None:
        super().__init__(f"object {name!r} not found in bucket {bucket!r}")
        self.bucket = bucket
        self.name = name


class ObjectExistsError(ObjectStoreError):
    pass


class BucketSealedError(ObjectStoreError):
    def __init__(self, bucket: str) -> None:
        super().__init__(f"bucket {bucket!r} is sealed: it can no longer be changed")
        self.bucket = bucket


class BucketFullError(ObjectStoreError):
    def __init__(self, bucket: str) -> None:
        super().__init__(f"bucket {bucket!r} is full: its maximum size would be exceeded")
        self.bucket = bucket


class InsufficientStorageError(ObjectStoreError):
    def __init__(self, detail: str = "") -> None:
        msg = "the server has insufficient storage"
        super().__init__(f"{msg} ({detail})" if detail else msg)


class AccountLimitError(ObjectStoreError):
    def __init__(self, detail: str = "") -> None:
        msg = "the account's JetStream resource limits would be exceeded"
        super().__init__(f"{msg} ({detail})" if detail else msg)


class PermissionDeniedError(ObjectStoreError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"permission denied: {detail}")


class JetStreamNotEnabledError(ObjectStoreError):
    def __init__(self) -> None:
        super().__init__("JetStream is not enabled on this server or account")


class DigestMismatchError(ObjectStoreError):
    def __init__(self, name: str, expected: str, actual: str) -> None:
        super().__init__(f"object {name!r} is corrupt: digest {actual} does not match {expected}")


class SizeMismatchError(ObjectStoreError):
    def __init__(self, name: str, expected: int, actual: int) -> None:
        super().__init__(f"object {name!r} is corrupt: read {actual} bytes, expected {expected}")


class MissingChunksError(ObjectStoreError):
    def __init__(self, name: str, got: int, expected: int, idle: float) -> None:
        super().__init__(
            f"object {name!r} is incomplete: no chunk arrived for {idle:g}s after "
            f"{got} of {expected} chunks"
        )


class BucketUnavailableError(ObjectStoreError):
    def __init__(self, bucket: str) -> None:
        super().__init__(
            f"bucket {bucket!r} is unavailable: its stream has no leader right now "
            "(a cluster failover?); try again"
        )
        self.bucket = bucket


class LinkError(ObjectStoreError):
    pass


class ServerTimeoutError(ObjectStoreError):
    def __init__(self, what: str) -> None:
        super().__init__(f"the server did not answer in time ({what})")


class ConnectionFailedError(ObjectStoreError):
    pass


class NotConnectedError(ObjectStoreError):
    def __init__(self) -> None:
        super().__init__("not connected to a NATS server")


class DamagedObjectError(ObjectStoreError):
    """An object's info was written broken (or hostile): it cannot be read or changed."""

    def __init__(self, bucket: str, name: str, reason: str, hint: str = "") -> None:
        msg = f"object {name!r} in bucket {bucket!r} is damaged: {reason}"
        super().__init__(f"{msg}; {hint}" if hint else msg)
        self.bucket = bucket
        self.name = name
        self.reason = reason


class ConcurrentUpdateError(ObjectStoreError):
    """Another client changed the object between our read and our write."""


class ConnectionLostError(NotConnectedError):
    """The connection dropped during an operation; the text says what state it left."""

    def __init__(self, detail: str = "") -> None:
        ObjectStoreError.__init__(self, detail or "the connection to the NATS server was lost")
