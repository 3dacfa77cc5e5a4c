"""Checking a webhook's ``X-Visavis-Signature`` in a receiver (see ``visavis.webhook_signature``,
shared with the server that signs)."""

from __future__ import annotations

from visavis.webhook_signature import SIGNATURE_HEADER, WEBHOOK_ID_HEADER, verify_signature

__all__ = ["SIGNATURE_HEADER", "WEBHOOK_ID_HEADER", "verify_webhook"]

#: ``verify_webhook(secret, raw_body, signature_header, *, tolerance=300, now=None) -> bool``
verify_webhook = verify_signature
