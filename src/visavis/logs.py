"""Logging without personal data: every record visavis's handlers write is redacted first.

Logs leave the database's access control (they go to terminals, files, log shippers), so
phone numbers, emails, dates of birth, card and social security numbers and street addresses
are replaced before a line is written, whichever module logged it and whatever an exception's
message carried (a provider's error text may echo the prompt, which holds the patient's words).
"""

from __future__ import annotations

import logging

from visavis.mind.guardrails.redaction import redact


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) with PII redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure(level: int) -> None:
    """The CLI's logging: one stderr handler at ``level`` that redacts every record."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
