from __future__ import annotations

import pytest

from visavis.face.lipsync import VisemeTrack
from visavis.face.visemes import VISEMES, fold, viseme_of
from visavis.runtime.events import PhonemeTiming


@pytest.mark.parametrize("ph", ["m", "b", "p"])
def test_bilabials_close_the_lips(ph: str) -> None:
    assert viseme_of(ph) == "PP"
    assert VISEMES["PP"].jaw_open == 0.0


@pytest.mark.parametrize("ph", ["uː", "ˈuː", "ʊ", "ˈo", "oʊ", "ɔː", "w"])
def test_back_vowels_round(ph: str) -> None:
    assert VISEMES[viseme_of(ph)].lip_round >= 0.6


@pytest.mark.parametrize("ph", ["a", "ˈɑː", "ˌa", "ʌ"])
def test_open_vowels_open(ph: str) -> None:
    assert VISEMES[viseme_of(ph)].jaw_open >= 0.8


def test_marks_fold_and_pauses_rest() -> None:
    assert fold("ˈiːʲ") == "i"
    assert viseme_of("ˈiːʲ") == "IH"
    assert viseme_of("_") == "rest"
    assert viseme_of("tʃ") == "SH"


def test_closure_reaches_closed_and_lips_anticipate() -> None:
    phs = [
        PhonemeTiming(phoneme="ˈɑː", start=0.0, duration=0.2),
        PhonemeTiming(phoneme="m", start=0.2, duration=0.06),
        PhonemeTiming(phoneme="ˈɑː", start=0.26, duration=0.2),
    ]
    track = VisemeTrack(phs, 0.46)
    for tau in (0.2, 0.23, 0.26):  # shut through the whole /m/, however short
        assert track.at(tau).jaw_open == pytest.approx(0.0, abs=1e-9)
    assert track.at(0.1).jaw_open > 0.8
    # Anticipation: already closing 40 ms before the /m/ starts.
    assert track.at(0.16).jaw_open < track.at(0.1).jaw_open
