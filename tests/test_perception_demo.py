"""A whole call on camera: the simulated patient looks away and frowns while searching for a
medication's name, and the agent's perception, mind and face notice (issue: perception).

The camera is the patient's face rendered by ``visavis.sim.camera`` and analysed by the real
embedded face models (BlazeFace, the face mesh, the expression model) on the virtual clock."""

import asyncio

import pytest

from visavis.demo import run_demo
from visavis.face.animator import Animator
from visavis.runtime.events import PerceptionAnalysis, PerceptionCue, Utterance
from visavis.runtime.timeline import read_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def call(engines, tmp_path_factory):
    out = tmp_path_factory.mktemp("hesitant_visual")
    result = asyncio.run(run_demo("hesitant_visual", out, engines=engines, video=False))
    return result, read_jsonl(out / "timeline.jsonl")


def test_the_call_still_reaches_its_outcome(call):
    result, _ = call
    assert result.problems == [] and result.reason == "completed"


def test_searching_for_a_word_shows_as_cues_while_the_patient_names_the_medication(call):
    _, events = call
    medications = next(
        e for e in events if isinstance(e, Utterance) and "water pill" in e.speech.lower()
    )
    starts = {
        e.cue
        for e in events
        if isinstance(e, PerceptionCue)
        and e.phase == "start"
        and medications.start - 1.0 <= e.start <= medications.end
    }
    assert {"looks_away", "frowning"} <= starts
    # The mind's summary of that turn says so, next to the words (stripped from transcripts).
    assert medications.user_visual_analysis is not None
    assert "looked away" in medications.user_visual_analysis
    assert "frowned" in medications.user_visual_analysis
    assert medications.user_audio_analysis
    # An answer given looking at the camera does not.
    plain = next(e for e in events if isinstance(e, Utterance) and e.speech.startswith("No,"))
    assert plain.user_visual_analysis.startswith("The user mostly looked at the camera.")
    assert "Does the patient seem unsure or to be searching for words? No." in (
        plain.user_visual_analysis
    )


def test_nods_are_seen(call):
    _, events = call
    assert any(isinstance(e, PerceptionCue) and e.cue == "nodding" for e in events)


def test_the_agents_face_reacts_to_the_frown(call):
    _, events = call
    frown = next(
        e
        for e in events
        if isinstance(e, PerceptionCue) and e.cue == "frowning" and e.phase == "start"
    )
    seeing, blind = Animator(seed=1), Animator(seed=1)
    for event in events:
        seeing.on_event(event)
        if not isinstance(event, PerceptionCue):
            blind.on_event(event)
    t = frown.t + 0.6  # the expression eases in
    assert seeing.params_at(t).brow_furrow > blind.params_at(t).brow_furrow + 0.2


def test_the_end_of_call_report(call):
    result, events = call
    analysis = next(e for e in events if isinstance(e, PerceptionAnalysis)).analysis
    assert analysis["camera"] is True and analysis["face_visible_share"] > 0.95
    assert 0.6 < analysis["attention_share"] < 1.0
    assert analysis["cue_counts"]["looks_away"] >= 2 and analysis["cue_counts"]["frowning"] >= 1
    assert any(m["cue"] == "looks_away" and m["duration"] > 0.5 for m in analysis["moments"])
    assert analysis["frames_analyzed"] > 5 * result.duration  # about 10 per second
