"""Checking a webhook's ``X-Visavis-Signature`` in a receiver.

A copy of ``visavis.server.webhooks.verify_signature`` (importing the server module builds the
whole app, WebRTC and speech engines included); ``tests/sdk`` checks the two agree.
"""

from __future__ import annotations

import hashlib
import hmac
import time

#: The headers a callback carries: its id (de-duplicate on it) and its signature.
WEBHOOK_ID_HEADER = "X-Visavis-Webhook-Id"
SIGNATURE_HEADER = "X-Visavis-Signature"


def verify_webhook(
    secret: str,
    body: bytes,
    signature_header: str,
    *,
    tolerance: float = 300,
    now: float | None = None,
) -> bool:
    """True if ``signature_header`` (``t=<unix time>,v1=<hex HMAC-SHA256>``) signs exactly
    ``body`` (the raw request bytes, not re-serialized JSON) with ``secret``, within
    ``tolerance`` seconds of now. Several ``v1`` values are accepted (secret rotation)."""
    try:
        fields = [part.split("=", 1) for part in signature_header.split(",")]
        timestamps = [int(v) for k, v in fields if k.strip() == "t"]
        candidates = [v.strip() for k, v in fields if k.strip() == "v1"]
    except ValueError:  # a part without "=", or a non-integer time
        return False
    if len(timestamps) != 1 or not candidates:
        return False
    t = timestamps[0]
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest refuses non-ASCII str, and the header is attacker input.
    return any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates)
