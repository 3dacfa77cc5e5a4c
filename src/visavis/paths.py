"""Where the bundled examples live (the repository's ``examples/`` folder)."""

from __future__ import annotations

import os
from pathlib import Path

#: ``examples/`` of a source checkout (``make`` installs visavis editable, so this resolves).
EXAMPLES_DIR = Path(
    os.environ.get("VISAVIS_EXAMPLES", Path(__file__).resolve().parents[2] / "examples")
)
POST_DISCHARGE_DIR = EXAMPLES_DIR / "post_discharge"
SCENARIOS_FILE = POST_DISCHARGE_DIR / "scenarios.yaml"
