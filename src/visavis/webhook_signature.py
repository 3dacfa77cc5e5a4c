"""How a webhook is signed and checked: one module, standard library only, shared by the server
(``visavis.server.webhooks`` signs) and the SDK (``visavis.sdk.verify_webhook`` checks).

``X-Visavis-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>``. The time is
signed too, so a captured request cannot be replayed after ``tolerance`` (Stripe's scheme,
familiar to receivers); several ``v1`` values are accepted so a secret can be rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import time

#: The headers a callback carries: its id (de-duplicate on it) and its signature.
WEBHOOK_ID_HEADER = "X-Visavis-Webhook-Id"
SIGNATURE_HEADER = "X-Visavis-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Visavis-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, body: bytes, header: str, *, tolerance: float = 300, now: float | None = None
) -> bool:
    """True if ``header`` signs exactly ``body`` (the raw request bytes, not re-serialized
    JSON) with ``secret``, within ``tolerance`` seconds of now."""
    try:
        fields = [part.split("=", 1) for part in header.split(",")]
        timestamps = [int(v) for k, v in fields if k.strip() == "t"]
        candidates = [v.strip() for k, v in fields if k.strip() == "v1"]
    except ValueError:  # a part without "=", or a non-integer time
        return False
    if len(timestamps) != 1 or not candidates:
        return False
    t = timestamps[0]
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = sign(secret, body, t).rsplit("v1=", 1)[1]
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header is attacker input.
    return any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates)
