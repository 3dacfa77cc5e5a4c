"""Log lines leave the process redacted, whoever wrote them."""

from __future__ import annotations

import io
import logging

from visavis.logs import RedactingFilter


def test_a_log_line_with_personal_data_is_redacted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("visavis.test_logs")
    log.addHandler(handler)
    try:
        log.warning("patient said %s", "call me at 555-123-4567, my date of birth is 03/14/1952")
        try:
            raise ValueError("provider echoed: email maria.lopez@example.com")
        except ValueError:
            log.exception("provider failed")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "555-123-4567" not in text and "03/14/1952" not in text
    assert "maria.lopez@example.com" not in text
    assert "patient said" in text and "provider failed" in text
