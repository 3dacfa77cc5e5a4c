"""One small wrapper around an ai-edge-litert interpreter: load once, run one input.

Each model gets its own interpreter with ``num_threads=1``: the call runs beside the voice loop on
a 2-core machine, and for these tiny graphs one thread is faster than two fighting over a core.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from visavis.models import ModelUnavailableError, locate

#: The model cache entries the vision models come from (see ``visavis.models.manifest``).
MEDIAPIPE_ENTRY = "face.mediapipe"
EXPRESSION_ENTRY = "face.expression"


class VisionModelError(ModelUnavailableError):
    """A vision model cannot run here (files missing or damaged, or no ai-edge-litert); the
    message says which and how to fix it."""


def model_path(entry: str, filename: str | None = None) -> Path:
    """The verified local path of a model file (never touches the network): the entry's primary
    file, or ``filename`` inside an entry that is a directory."""
    try:
        found = locate(entry)
    except ModelUnavailableError as exc:
        raise VisionModelError(str(exc)) from exc
    return found / filename if filename and found.is_dir() else found


class TfliteModel:
    """A loaded ``.tflite`` graph with one float32 input and named outputs, in output order."""

    def __init__(self, path: Path, num_threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:  # the package is a main dependency; say so when it is missing
            raise VisionModelError(
                "ai-edge-litert is not installed; run `pip install 'ai-edge-litert>=2.3,<3'` "
                "(or `make setup`)"
            ) from exc
        self.path = path
        self._interp = Interpreter(model_path=str(path), num_threads=num_threads)
        self._interp.allocate_tensors()
        detail = self._interp.get_input_details()[0]
        self._input_index = int(detail["index"])
        self.input_shape = tuple(int(v) for v in detail["shape"])
        self._outputs = [int(d["index"]) for d in self._interp.get_output_details()]
        # An interpreter is not re-entrant; analyzers may be shared between threads.
        self._lock = threading.Lock()

    def __call__(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run one input (already shaped like ``input_shape``); returns copies of the outputs."""
        tensor = np.ascontiguousarray(tensor, dtype=np.float32).reshape(self.input_shape)
        with self._lock:
            self._interp.set_tensor(self._input_index, tensor)
            self._interp.invoke()
            return [self._interp.get_tensor(i).copy() for i in self._outputs]
