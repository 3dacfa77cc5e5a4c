"""The local model cache: where files live, and checking them at run time without a network.

Layout: ``<root>/<entry name>/<file name>`` plus ``<root>/<entry name>/.stamp.json``, which
records the size, mtime and sha256 of each file as the installer verified it. The stamp lets a
repeated ``make models`` finish in well under a second; ``locate`` at run time still hashes each
file once per process (memoized), because a wrong model fails later in ways that are far harder
to diagnose than one clear error here.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from visavis.models.manifest import MANIFEST, ModelEntry, ModelFile, get_entry

ENV_MODELS_DIR = "VISAVIS_MODELS_DIR"
STAMP_NAME = ".stamp.json"
FIX_HINT = "run `make models` (or `visavis models install`)"


class ModelUnavailableError(RuntimeError):
    """A model needed at run time is missing or damaged; the message says how to fix it."""


def models_dir() -> Path:
    """The cache root: ``$VISAVIS_MODELS_DIR`` or ``~/.cache/visavis/models``."""
    configured = os.environ.get(ENV_MODELS_DIR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "visavis" / "models"


def entry_dir(entry: ModelEntry, root: Path | None = None) -> Path:
    return (root or models_dir()) / entry.name


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Keyed by (path, size, mtime_ns) so a file replaced during the process is hashed again.
_HASH_MEMO: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def _memo_sha256(path: Path, stat: os.stat_result) -> str:
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _HASH_LOCK:
        if key not in _HASH_MEMO:
            _HASH_MEMO[key] = sha256_file(path)
        return _HASH_MEMO[key]


@dataclass(slots=True)
class FileProblem:
    path: Path
    problem: str


def _check_file(path: Path, spec: ModelFile, *, full: bool, stamp: dict[str, dict]) -> str | None:
    """What is wrong with one cached file, or None. ``full=False`` trusts a matching stamp."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "is missing"
    if stat.st_size != spec.size:
        return f"has {stat.st_size} bytes, expected {spec.size}"
    if not full:
        recorded = stamp.get(spec.filename)
        if (
            recorded
            and recorded.get("size") == stat.st_size
            and recorded.get("mtime_ns") == stat.st_mtime_ns
            and recorded.get("sha256") == spec.sha256
        ):
            return None
    actual = _memo_sha256(path, stat) if not full else sha256_file(path)
    if actual != spec.sha256:
        return f"has sha256 {actual[:12]}..., expected {spec.sha256[:12]}... (corrupt or changed)"
    return None


def read_stamp(directory: Path) -> dict[str, dict]:
    try:
        data = json.loads((directory / STAMP_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, OSError):
        return {}
    files = data.get("files", {}) if isinstance(data, dict) else {}
    return files if isinstance(files, dict) else {}


def write_stamp(directory: Path, entry: ModelEntry) -> None:
    files = {}
    for spec in entry.files:
        stat = (directory / spec.filename).stat()
        files[spec.filename] = {
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": spec.sha256,
        }
    payload = {"package": entry.package, "version": entry.version, "files": files}
    (directory / STAMP_NAME).write_text(json.dumps(payload, indent=1), encoding="utf-8")


def problems(
    entry: ModelEntry, root: Path | None = None, *, full: bool = False, trust_stamp: bool = False
) -> list[FileProblem]:
    """Everything wrong with an entry's cached files (empty when it is usable).

    ``trust_stamp`` accepts files whose size and mtime match the installer's stamp without
    hashing (the installer's quick path); otherwise each file is hashed, memoized per process
    unless ``full`` forces a fresh hash.
    """
    directory = entry_dir(entry, root)
    stamp = read_stamp(directory) if trust_stamp and not full else {}
    found = []
    for spec in entry.files:
        path = directory / spec.filename
        problem = _check_file(path, spec, full=full, stamp=stamp)
        if problem:
            found.append(FileProblem(path, problem))
    return found


def locate(name: str | ModelEntry, root: Path | None = None) -> Path:
    """The local path of a verified model: its primary file, or its directory.

    Never touches the network. Raises ``ModelUnavailableError`` naming the model, the path,
    what is wrong and the command that fixes it.
    """
    entry = get_entry(name) if isinstance(name, str) else name
    directory = entry_dir(entry, root)
    found = problems(entry, root)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more file(s) with problems)" if len(found) > 1 else ""
        raise ModelUnavailableError(
            f"model {entry.name!r} is not usable: {first.path} {first.problem}{more}. "
            f"To fix it, {FIX_HINT}; it fetches {entry.requirement} into {directory.parent}."
        )
    return directory / entry.primary if entry.primary else directory


def verify_models(
    root: Path | None = None, *, full: bool = True, entries: tuple[ModelEntry, ...] = MANIFEST
) -> dict[str, list[FileProblem]]:
    """Problems per entry name (empty lists mean verified). ``full`` re-hashes every file."""
    return {entry.name: problems(entry, root, full=full, trust_stamp=not full) for entry in entries}
