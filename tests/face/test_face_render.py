from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from visavis.face.avatar import AvatarError, list_avatars, load_avatar
from visavis.face.params import FaceParams, preset
from visavis.face.render import Renderer, make_renderer
from visavis.face.video import snapshot


def test_builtin_avatars_load_and_differ() -> None:
    names = list_avatars()
    assert len(names) >= 2
    a, b = (load_avatar(n) for n in names[:2])
    assert a.skin.base != b.skin.base and a.hair != b.hair and a.face != b.face


def test_malformed_avatar_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (Path(__file__).parents[2] / "src/visavis/face/avatars/ava.yaml").read_text()
    bad.write_text(text.replace('base: "#e8b896"', 'base: "pink"'))
    with pytest.raises(AvatarError, match=r"bad\.yaml.*skin\.base"):
        load_avatar(bad)
    with pytest.raises(AvatarError, match="unknown avatar"):
        load_avatar("nobody")


@pytest.mark.parametrize("size", [512, 200])
def test_render_shape_and_determinism(size: int) -> None:
    r = make_renderer("ava", size)
    assert isinstance(r, Renderer)
    p = preset("speaking")
    a = r.render(p).copy()
    r.render(preset("concerned"))
    b = make_renderer("ava", size).render(p)
    assert a.shape == (size, size, 3) and a.dtype == np.uint8
    assert a.tobytes() == r.render(p).tobytes() == b.tobytes()


def test_parameters_change_the_picture() -> None:
    r = make_renderer("sam", 256)
    base = r.render(FaceParams()).copy()
    for change in ({"jaw_open": 1.0}, {"blink_left": 1.0}, {"head_yaw": 0.8}, {"smile": 0.9}):
        assert np.abs(r.render(FaceParams(**change)).astype(int) - base).sum() > 0, change


def test_snapshot_writes_png(tmp_path: Path) -> None:
    out = snapshot("sam", "concerned", 128, tmp_path / "s.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
