"""Avatars as data: one YAML file per character in ``face/avatars/``, validated with pydantic.

Keeping the look in data lets a product team add or tune a character without touching drawing
code, and a malformed file fails at load time with the file name and the offending fields rather
than as a strange picture.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_AVATAR = "ava"

Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb")]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class AvatarError(ValueError):
    """An avatar could not be found or its file is malformed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skin(_Strict):
    base: Color
    shadow: Color  # the terminator side of the face, under the jaw, inside the ears
    highlight: Color
    blush: Color
    lip: Color


class Hair(_Strict):
    style: Literal["long", "bob", "short", "curly"]
    color: Color
    highlight: Color
    volume: Annotated[float, Field(ge=0.5, le=1.6)] = 1.0
    parting: Annotated[float, Field(ge=-1.0, le=1.0)] = -0.3  # where the fringe splits


class FaceShape(_Strict):
    # Half-width and half-height of the head in pixels on the 512x512 design canvas.
    width: Annotated[float, Field(ge=90, le=140)] = 112
    height: Annotated[float, Field(ge=115, le=170)] = 145
    jaw: Unit = 0.55  # 0 narrow pointed chin .. 1 square jaw
    cheek: Unit = 0.5  # fullness of the cheeks
    eye_size: Annotated[float, Field(ge=0.7, le=1.4)] = 1.0
    eye_spacing: Annotated[float, Field(ge=0.8, le=1.2)] = 1.0
    nose_length: Annotated[float, Field(ge=0.7, le=1.3)] = 1.0
    mouth_width: Annotated[float, Field(ge=0.8, le=1.3)] = 1.0
    lip_fullness: Annotated[float, Field(ge=0.6, le=1.5)] = 1.0
    brow_thickness: Annotated[float, Field(ge=0.5, le=1.8)] = 1.0


class Avatar(_Strict):
    """One character: identity, colours and proportions."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    display_name: str
    skin: Skin
    hair: Hair
    face: FaceShape = FaceShape()
    iris: Color
    brow: Color
    shirt: Color
    collar: Color
    background: tuple[Color, Color]  # centre and edge of a soft radial backdrop


def avatar_dir() -> Path:
    return Path(str(resources.files("visavis.face") / "avatars"))


def list_avatars() -> list[str]:
    """Names of the built-in avatars."""
    return sorted(p.stem for p in avatar_dir().glob("*.yaml"))


def load_avatar_file(path: Path) -> Avatar:
    """Parse and validate one avatar file; raises ``AvatarError`` saying what is wrong where."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AvatarError(f"cannot read avatar file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise AvatarError(f"avatar file {path} must hold a mapping, got {type(data).__name__}")
    try:
        return Avatar.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise AvatarError(f"malformed avatar file {path}: {problems}") from exc


def load_avatar(name_or_path: str | Path = DEFAULT_AVATAR) -> Avatar:
    """A built-in avatar by name, or any avatar file by path."""
    if isinstance(name_or_path, Path) or str(name_or_path).endswith((".yaml", ".yml")):
        return load_avatar_file(Path(name_or_path))
    path = avatar_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(list_avatars())
        raise AvatarError(f"unknown avatar {name_or_path!r}; built-in avatars: {known}")
    return load_avatar_file(path)
