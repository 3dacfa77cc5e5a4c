"""Model files: the pinned manifest, the local cache, and the installer."""

from visavis.models.install import ModelInstallError, install_models
from visavis.models.manifest import MANIFEST, ModelEntry, ModelFile, data_entries, get_entry
from visavis.models.store import (
    ModelUnavailableError,
    locate,
    models_dir,
    verify_models,
)

__all__ = [
    "MANIFEST",
    "ModelEntry",
    "ModelFile",
    "ModelInstallError",
    "ModelUnavailableError",
    "data_entries",
    "get_entry",
    "install_models",
    "locate",
    "models_dir",
    "verify_models",
]
