"""Resource ids: a one-letter prefix and 12 random hex digits, minted only here."""

from __future__ import annotations

import secrets

# The prefix says what an id names at a glance in logs and URLs, as the public API's ids do.
PERSONA = "p"
CONVERSATION = "c"
WEBHOOK = "w"
API_KEY = "k"
OBJECTIVES = "o"
GUARDRAIL = "g"
DOCUMENT = "d"
MEMORY = "m"
TOOL = "t"


def new_id(prefix: str) -> str:
    """A fresh id such as ``c1a2b3c4d5e6f``.

    48 random bits keep ids short in URLs; a collision needs ~16 million ids of one kind, and the
    primary key would reject it rather than overwrite a row.
    """
    return prefix + secrets.token_hex(6)
