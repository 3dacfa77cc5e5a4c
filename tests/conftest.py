"""Shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def models_installed() -> None:
    """Make sure the embedded models are in the cache (a no-op in well under a second if so)."""
    from visavis.models import install_models

    install_models()


@pytest.fixture(scope="session")
def engines(models_installed: None):
    """The embedded VAD, ASR and TTS engines, loaded once for the session."""
    from visavis.engines import load_engines

    return load_engines()
