"""Phonemes (IPA, as the TTS engines emit them) to a small set of mouth shapes (visemes).

Fifteen visemes are enough for a stylised face: what a viewer checks is that the lips close on
m/b/p, round on oo/o/w, spread on ee and open on a; finer distinctions are not visible at 25 fps.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mouth:
    """The mouth part of ``FaceParams`` that speech drives."""

    jaw_open: float = 0.0
    lip_spread: float = 0.0
    lip_round: float = 0.0

    def lerp(self, other: Mouth, w: float) -> Mouth:
        return Mouth(
            self.jaw_open + (other.jaw_open - self.jaw_open) * w,
            self.lip_spread + (other.lip_spread - self.lip_spread) * w,
            self.lip_round + (other.lip_round - self.lip_round) * w,
        )

    def scaled(self, k: float) -> Mouth:
        return Mouth(min(1.0, self.jaw_open * k), self.lip_spread, self.lip_round)


REST = Mouth()

VISEMES: dict[str, Mouth] = {
    "rest": REST,
    "PP": Mouth(0.0, 0.05, 0.0),  # m b p: lips pressed shut
    "FF": Mouth(0.08, 0.25, 0.0),  # f v: lower lip under the teeth
    "TH": Mouth(0.2, 0.15, 0.0),
    "DD": Mouth(0.22, 0.2, 0.0),  # t d n: tongue behind the teeth
    "L": Mouth(0.3, 0.15, 0.0),
    "SS": Mouth(0.1, 0.5, 0.0),  # s z: teeth nearly together
    "SH": Mouth(0.18, 0.0, 0.6),  # sh ch j zh: lips pushed forward
    "RR": Mouth(0.22, 0.0, 0.5),
    "WW": Mouth(0.1, 0.0, 0.95),
    "KK": Mouth(0.3, 0.12, 0.0),  # k g ng h: back of the tongue, jaw half open
    "AA": Mouth(0.85, 0.2, 0.0),
    "EH": Mouth(0.55, 0.4, 0.0),  # ae eh schwa
    "IH": Mouth(0.28, 0.8, 0.0),  # ee ih y
    "OW": Mouth(0.55, 0.0, 0.7),
    "UW": Mouth(0.25, 0.0, 0.95),
}

CLOSURES = frozenset({"PP"})

_BY_SYMBOL: dict[str, str] = {}
for _viseme, _symbols in {
    "rest": "_ .,;:!?-",
    "PP": "mbpɱ",
    "FF": "fv",
    "TH": "θð",
    "DD": "tdnɾɗ",
    "L": "lɫɬ",
    "SS": "szç",
    "SH": "ʃʒʧʤ",
    "RR": "ɹrɚɝɜɻʁ",
    "WW": "wʍ",
    "KK": "kgɡŋhxɣqʔ",
    "AA": "aɑɐʌɒä",
    "EH": "æɛeəɘ",
    "IH": "iɪjᵻɨyʏ",
    "OW": "oɔøœɵ",
    "UW": "uʊɯ",
}.items():
    for _s in _symbols:
        _BY_SYMBOL[_s] = _viseme

# Stress and length marks, tie bars and palatalisation carry no mouth shape of their own.
_MARKS = set("ˈˌːˑʲʰʷ̩̯͡‿")


def fold(phoneme: str) -> str:
    """The phoneme without stress, length and diacritic marks (``ˈiːʲ`` -> ``i``)."""
    base = unicodedata.normalize("NFD", phoneme)
    return "".join(ch for ch in base if ch not in _MARKS and not unicodedata.combining(ch))


def stress(phoneme: str) -> int:
    """2 for primary stress, 1 for secondary, 0 otherwise."""
    return 2 if "ˈ" in phoneme else 1 if "ˌ" in phoneme else 0


def viseme_of(phoneme: str) -> str:
    """The viseme name for one TTS phoneme; the first symbol that has a shape decides."""
    folded = fold(phoneme)
    if not folded:
        return "rest"
    if folded in ("tʃ", "dʒ", "ts", "dz"):  # affricates look like their fricative
        return "SH" if folded[1] in "ʃʒ" else "SS"
    for ch in folded:
        name = _BY_SYMBOL.get(ch)
        if name is not None:
            return name
    # An unknown symbol is almost always some consonant: a half-open neutral shape is safer than
    # freezing the mouth shut in the middle of a word.
    return "DD"
