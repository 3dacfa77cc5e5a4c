"""What a conversation perceives with: the parts, chosen once per process and shared by calls.

``PerceptionKit()`` (no parts) still notices long thinking pauses from the speech events;
``load_perception()`` adds the embedded models: the face analyser (when its model files are
installed) and the prosody tracker."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from visavis.perception.stage import FrameAnalyzer, PerceptionSettings, ProsodyTracker

log = logging.getLogger(__name__)


@dataclass
class PerceptionKit:
    analyzer: FrameAnalyzer | None = None
    #: A fresh tracker per call (it keeps a per-speaker pitch baseline).
    prosody: ProsodyTracker | None = None
    summarize: Any = None
    settings: PerceptionSettings = field(default_factory=PerceptionSettings)
