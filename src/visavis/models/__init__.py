"""Model files: the pinned manifest, the local cache, and the installer."""

from visavis.models.manifest import MANIFEST, ModelEntry, ModelFile, data_entries, get_entry
from visavis.models.store import (
    ModelUnavailableError,
    locate,
    models_dir,
    verify_models,
)


def install_models(*args: object, **kwargs: object) -> list[str]:
    """Install missing models (see ``visavis.models.install.install_models``)."""
    # Imported lazily: the installer pulls subprocess/zip machinery the run time never needs.
    from visavis.models.install import install_models as _install

    return _install(*args, **kwargs)  # type: ignore[arg-type]


__all__ = [
    "MANIFEST",
    "ModelEntry",
    "ModelFile",
    "ModelUnavailableError",
    "data_entries",
    "get_entry",
    "install_models",
    "locate",
    "models_dir",
    "verify_models",
]
