"""API key secrets: how a plaintext key is made, split and checked against its stored hash.

A plaintext key reads ``vv_<key_id>_<secret>``. The key id finds the row without scanning; the
secret is 256 random bits, so a fast salted HMAC-SHA256 is enough (slow password hashes exist
for low-entropy secrets and would only add latency to every request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "vv"


def make_secret() -> tuple[str, str]:
    """A fresh (secret, salt) pair."""
    return secrets.token_urlsafe(32), secrets.token_hex(16)


def hash_secret(secret: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode(), hashlib.sha256).hexdigest()


def format_key(key_id: str, secret: str) -> str:
    return f"{PREFIX}_{key_id}_{secret}"


def split_key(plaintext: str) -> tuple[str, str] | None:
    """(key_id, secret) of a well-formed key, else None; the secret may itself contain '_'."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, salt: str, key_hash: str) -> bool:
    # Constant-time, so response timing does not reveal how much of a guess was right.
    return hmac.compare_digest(hash_secret(secret, salt), key_hash)
