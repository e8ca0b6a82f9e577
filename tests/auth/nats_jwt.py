"""Offline NATS decentralized auth for tests: nkeys, operator/account/user JWTs and creds files.

JWTs are `base64url(header).base64url(claims).base64url(ed25519 signature)`, signed with the
issuer's nkey seed, as nats.go's jwt/v2 package writes them; `jti` is the base32 SHA-256 of the
claims (the server does not check it, but nsc does, so we keep the format).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from typing import Any

import nkeys


@dataclass(frozen=True)
class Key:
    """An nkey pair: seed (S...) and public key (O..., A..., U...)."""

    seed: str
    public: str

    def sign(self, data: bytes) -> bytes:
        return nkeys.from_seed(self.seed.encode()).sign(data)


def new_key(prefix: int) -> Key:
    """A fresh random nkey of one role (nkeys.PREFIX_BYTE_OPERATOR / ACCOUNT / USER)."""
    seed = nkeys.encode_seed(os.urandom(32), prefix)
    kp = nkeys.from_seed(seed)
    return Key(seed.decode(), kp.public_key.decode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_jwt(
    issuer: Key, subject: str, name: str, nats: dict[str, Any], *, expires: int | None = None
) -> str:
    """A signed JWT with the given `nats` claim section (and an `exp` time if given)."""
    header = {"typ": "JWT", "alg": "ed25519-nkey"}
    claims: dict[str, Any] = {
        "jti": "",
        "iat": int(time.time()),
        "iss": issuer.public,
        "name": name,
        "sub": subject,
        "nats": {**nats, "version": 2},
    }
    if expires is not None:
        claims["exp"] = expires
    digest = hashlib.sha256(json.dumps(claims, separators=(",", ":")).encode()).digest()
    claims["jti"] = base64.b32encode(digest).decode().rstrip("=")
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":")).encode())
    )
    return signing_input + "." + _b64(issuer.sign(signing_input.encode()))


UNLIMITED_ACCOUNT = {
    "subs": -1,
    "data": -1,
    "payload": -1,
    "imports": -1,
    "exports": -1,
    "wildcards": True,
    "conn": -1,
    "leaf": -1,
}


@dataclass(frozen=True)
class Operator:
    """An operator, its system account and one JetStream-enabled account with one user."""

    operator: Key
    system: Key
    account: Key
    user: Key
    operator_jwt: str
    system_jwt: str
    account_jwt: str
    user_jwt: str

    def server_config(self) -> str:
        """nats-server config lines for operator mode with a memory resolver."""
        return (
            f"operator: {self.operator_jwt}\n"
            f"system_account: {self.system.public}\n"
            "resolver: MEMORY\n"
            "resolver_preload: {\n"
            f"  {self.system.public}: {self.system_jwt}\n"
            f"  {self.account.public}: {self.account_jwt}\n"
            "}\n"
        )

    def creds(self) -> str:
        """A .creds file for the user, in the format nsc writes."""
        return creds_text(self.user_jwt, self.user.seed)


def creds_text(jwt: str, seed: str) -> str:
    """The text of a NATS user credentials file."""
    return (
        "-----BEGIN NATS USER JWT-----\n"
        f"{jwt}\n"
        "------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n"
        f"{seed}\n"
        "------END USER NKEY SEED------\n\n"
        "*************************************************************\n"
    )


def make_operator(
    *, jetstream_bytes: int = 64 * 1024 * 1024, user_expires: int | None = None
) -> Operator:
    """Build an operator, a system account and a JetStream account with a user, offline."""
    op = new_key(nkeys.PREFIX_BYTE_OPERATOR)
    sys_acc = new_key(nkeys.PREFIX_BYTE_ACCOUNT)
    acc = new_key(nkeys.PREFIX_BYTE_ACCOUNT)
    user = new_key(nkeys.PREFIX_BYTE_USER)
    operator_jwt = encode_jwt(
        op, op.public, "TEST_OP", {"type": "operator", "system_account": sys_acc.public}
    )
    system_jwt = encode_jwt(
        op, sys_acc.public, "SYS", {"type": "account", "limits": dict(UNLIMITED_ACCOUNT)}
    )
    js_limits = {
        **UNLIMITED_ACCOUNT,
        "mem_storage": jetstream_bytes,
        "disk_storage": jetstream_bytes,
        "streams": -1,
        "consumer": -1,
    }
    account_jwt = encode_jwt(op, acc.public, "APP", {"type": "account", "limits": js_limits})
    user_jwt = encode_jwt(
        acc,
        user.public,
        "app-user",
        {"type": "user", "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1},
        expires=user_expires,
    )
    return Operator(op, sys_acc, acc, user, operator_jwt, system_jwt, account_jwt, user_jwt)
