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


_warned = False


def load_perception(settings: PerceptionSettings | None = None) -> PerceptionKit:
    """The embedded perception for one call (see ``Engines.new_perception``)."""
    global _warned
    from visavis.models import ModelUnavailableError
    from visavis.perception.prosody import ProsodyTracker, summarize
    from visavis.perception.vision.analyzer import FrameAnalyzer

    analyzer: FrameAnalyzer | None
    try:
        # "auto": the MediaPipe models, or OpenCV's Haar cascade (boxes only) without them.
        analyzer = FrameAnalyzer()
        if analyzer.backend == "haar" and not _warned:
            log.warning(
                "face models unavailable (%s): the camera is analysed with OpenCV's Haar "
                "cascade only (presence and count, no pose, gaze or expression); run "
                "`visavis models install`",
                analyzer.fallback_reason,
            )
            _warned = True
    except ModelUnavailableError as exc:
        if not _warned:
            log.warning("the camera will not be analysed: %s", exc)
            _warned = True
        analyzer = None
    return PerceptionKit(
        analyzer=analyzer,
        prosody=ProsodyTracker(),
        summarize=summarize,
        settings=settings or PerceptionSettings(),
    )
