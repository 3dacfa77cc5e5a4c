import asyncio
from pathlib import Path

import numpy as np
import pytest

from visavis.paths import SCENARIOS_FILE as SCENARIOS
from visavis.runtime.clock import RealtimeClock, VirtualClock
from visavis.sim.camera import PatientCamera
from visavis.sim.camera_motion import NOD_AMPLITUDE, SWING_HZ
from visavis.sim.patient import SimulatedPatient
from visavis.sim.scenarios import ScenarioError, get_scenario, load_scenarios
from visavis.speech.tts.base import SynthesizedSpeech

LIN_SKIN = np.array([0xF3, 0xCF, 0xB6])
SAM_SKIN = np.array([0x8D, 0x5A, 0x3B])


def skin_pixels(image: np.ndarray, skin: np.ndarray) -> int:
    return int((np.abs(image.astype(int) - skin).max(axis=2) < 12).sum())


def sweep(camera: PatientCamera, start: float, end: float, channel: str) -> np.ndarray:
    return np.array([getattr(camera.params_at(t), channel) for t in np.arange(start, end, 0.01)])


async def test_frames_have_the_camera_size_and_clock_times():
    clock = VirtualClock()
    try:
        await clock.sleep(0.25)
        frames = [f async for f in PatientCamera(fps=10).frames(clock, 1.0)]
    finally:
        clock.close()
    assert [round(f.t, 6) for f in frames] == [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    for frame in frames:
        assert frame.image.shape == (480, 640, 3) and frame.image.dtype == np.uint8
    assert not np.array_equal(frames[0].image, frames[-1].image)  # idle life and noise


async def test_realtime_frames_keep_pace_and_leave_the_loop_free():
    clock = RealtimeClock()
    gaps: list[float] = []

    async def tick() -> None:  # would starve if frames rendered on the event loop
        last = clock.now()
        while True:
            await asyncio.sleep(0.005)
            gaps.append(clock.now() - last)
            last = clock.now()

    ticker = asyncio.create_task(tick())
    try:
        camera = PatientCamera(size=(320, 240), fps=20)
        frames = [(f.t, clock.now()) async for f in camera.frames(clock, 0.4)]
    finally:
        ticker.cancel()
        clock.close()
    assert len(frames) >= 6
    assert all(now >= t - 1e-3 and now - t < 0.2 for t, now in frames)
    assert max(gaps) < 0.1


def test_replays_film_the_same_frames():
    scenario = get_scenario(SCENARIOS, "hesitant_visual")
    one, two = (PatientCamera.for_scenario(scenario) for _ in range(2))
    for camera in (one, two):
        camera.on_answer(scenario.responses["medications"][0], 2.0)
    for t in (0.0, 1.3, 3.0, 5.7):
        assert np.array_equal(one.render(t).image, two.render(t).image)
    assert PatientCamera(seed=1).params_at(2.0) != PatientCamera(seed=2).params_at(2.0)


def test_look_away_and_frown_hold_for_their_duration():
    camera = PatientCamera()
    camera.look_away(2.0, 1.5, "up_left")
    camera.frown(2.0, 1.5)
    during, before, after = camera.params_at(2.75), camera.params_at(1.9), camera.params_at(3.6)
    assert during.gaze_x < -0.5 and during.gaze_y < -0.3 and during.head_yaw < -0.2
    assert during.brow_furrow > 0.6 and during.smile < 0
    for p in (before, after):
        assert abs(p.gaze_x) < 0.3 and p.brow_furrow == 0.0
    camera.look_away(5.0, 1.0, "down_right")
    assert camera.params_at(5.5).gaze_x > 0.5 and camera.params_at(5.5).gaze_y > 0.3
    with pytest.raises(ValueError, match="direction"):
        camera.look_away(9.0, 1.0, "sideways")


@pytest.mark.parametrize(("behaviour", "channel"), [("nod", "head_pitch"), ("shake", "head_yaw")])
def test_nods_and_shakes_are_clear_oscillations(behaviour: str, channel: str):
    plain, moving = PatientCamera(seed=3), PatientCamera(seed=3)
    getattr(moving, behaviour)(1.0, 3)
    span = 3 / SWING_HZ
    swing = sweep(moving, 1.0, 1.0 + span, channel) - sweep(plain, 1.0, 1.0 + span, channel)
    assert swing.max() > 0.45 and swing.min() < -0.45  # ~10 degrees each way
    crossings = np.count_nonzero(np.diff(np.sign(swing[2:-2])))
    assert crossings == 5  # 3 cycles at 2.5 Hz in 1.2 s
    assert np.allclose(sweep(moving, 0.0, 0.99, channel), sweep(plain, 0.0, 0.99, channel))
    after = 1.0 + span + 0.01
    assert np.allclose(
        sweep(moving, after, after + 1, channel), sweep(plain, after, after + 1, channel)
    )
    assert NOD_AMPLITUDE > 0.45


def test_the_mouth_moves_only_while_speaking_and_shuts_in_pauses():
    camera = PatientCamera()
    camera.speaking(1.0, 2.0)
    jaw = sweep(camera, 1.0, 2.0, "jaw_open")
    assert jaw.max() > 0.3 and jaw.min() < 0.15  # opens and closes, syllable by syllable
    assert sweep(camera, 0.0, 0.99, "jaw_open").max() == 0.0
    assert sweep(camera, 2.0, 3.0, "jaw_open").max() == 0.0
    rate = 16000
    t = np.arange(rate) / rate
    voice = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    audio = np.concatenate([voice, np.zeros(rate // 2), voice]).astype(np.float32)
    camera.speaking(5.0, 7.5, audio, rate)
    assert sweep(camera, 5.1, 5.9, "jaw_open").mean() > 0.3
    assert sweep(camera, 6.1, 6.4, "jaw_open").max() == 0.0  # the pause
    assert sweep(camera, 6.6, 7.4, "jaw_open").mean() > 0.3


def test_leave_gives_an_empty_room_and_a_visitor_adds_a_face():
    camera = PatientCamera(avatar="lin")
    camera.leave(2.0, 3.0)
    camera.second_person(6.0, 3.0, avatar="sam")
    assert [camera.presence_at(t) for t in (1.9, 2.25, 3.5, 5.0)] == [1.0, pytest.approx(0.5), 0, 1]
    assert camera.second_person_at(5.9) == 0 and camera.second_person_at(7.5) == 1
    here, gone = camera.render(1.0).image, camera.render(3.5).image
    assert skin_pixels(here, LIN_SKIN) > 2000
    assert skin_pixels(gone, LIN_SKIN) == 0
    # Nobody there: nothing moves, so frames with the same noise pattern are identical.
    assert np.array_equal(gone, camera.render(3.8).image)
    alone, visited = camera.render(1.0).image, camera.render(7.5).image
    assert skin_pixels(visited, SAM_SKIN) > skin_pixels(alone, SAM_SKIN) + 1000
    right = np.s_[:, 460:]
    diff = np.abs(alone[right].astype(int) - visited[right]).max(axis=2)
    assert (diff > 40).mean() > 0.2


def test_answers_play_their_scripted_cues_from_their_start():
    scenario = get_scenario(SCENARIOS, "hesitant_visual")
    camera = PatientCamera.for_scenario(scenario)
    assert camera.avatar == "lin"
    line = scenario.responses["medications"][0]
    camera.on_answer(line, 10.0, end=15.3)
    assert camera.params_at(9.9).brow_furrow == 0.0
    assert camera.params_at(11.2).brow_furrow > 0.6 and camera.params_at(11.2).gaze_x < -0.5
    assert camera.params_at(13.0).gaze_x > 0.5  # the second search, up and to the right
    assert camera.params_at(14.4).head_pitch > 0.4  # nodding "yes all of them"
    assert camera.params_at(10.5).jaw_open > 0.0 or camera.params_at(10.55).jaw_open > 0.0
    camera.on_answer("Not a scripted line.", 20.0)  # just talks
    assert camera.params_at(20.5).brow_furrow == 0.0 and camera.motion.speaking_at(20.5)


def test_call_wide_events_come_from_the_scenario(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenarios:\n  x:\n    description: d\n    patient_id: p\n    responses: {dob: [hi]}\n"
        "    camera:\n      avatar: ava\n      events:\n"
        "        - {leave: 4, at: 30}\n        - {second_person: 3, at: 40, avatar: lin}\n"
    )
    camera = PatientCamera.for_scenario(load_scenarios(path)["x"])
    assert camera.avatar == "ava"
    assert camera.presence_at(32.0) == 0 and camera.second_person_at(41.5) == 1
    assert camera.shot_at(41.5).visitor_avatar == "lin"


class _Voice:
    name, sample_rate = "fake", 16000

    def synthesize(self, text: str) -> SynthesizedSpeech:
        return SynthesizedSpeech(np.full(8000, 0.2, dtype=np.float32), 16000)


async def test_the_simulated_patient_tells_its_camera_when_it_speaks():
    scenario = get_scenario(SCENARIOS, "hesitant_visual")
    camera = PatientCamera.for_scenario(scenario)
    clock = VirtualClock()
    try:
        patient = SimulatedPatient(scenario, clock, recognizer=None, voice=_Voice(), camera=camera)  # type: ignore[arg-type]
        await clock.sleep(3.0)
        await patient.say(scenario.responses["identity"][0])
    finally:
        clock.close()
    assert camera.motion.speaking_at(3.5) and not camera.motion.speaking_at(5.0)
    assert camera.params_at(3.1).head_pitch > 0.4  # the scripted nod on "Yes"


VALID = "scenarios:\n  x:\n    description: d\n    patient_id: p\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "    responses: {dob: [{say: hi, camera: [{wink: 1}]}]}\n",
            r"responses\.dob\.0\.camera\.0\.wink",
        ),
        (
            "    responses: {dob: [{say: hi, camera: [{look_away: -1}]}]}\n",
            r"camera\.0\.look_away: .*greater than 0",
        ),
        (
            "    responses: {dob: [{say: hi, camera: [{look_away: 1, frown: 1}]}]}\n",
            "exactly one of .*got look_away, frown",
        ),
        (
            "    responses: {dob: [{say: hi, camera: [{frown: 1, direction: up}]}]}\n",
            "direction only applies to look_away",
        ),
        (
            "    responses: {dob: [{say: hi, camera: [{look_away: 1, direction: sideways}]}]}\n",
            r"camera\.0\.direction",
        ),
        ("    responses: {dob: [{camera: [{nod: 1}]}]}\n", r"responses\.dob\.0\.say"),
        (
            "    responses: {dob: [hi]}\n    camera: {avatar: bob}\n",
            r"camera\.avatar: unknown avatar 'bob'.*lin",
        ),
        ("    responses: {dob: [hi]}\n    camera: {leave_at: 3}\n", r"camera\.leave_at"),
        (
            "    responses: {dob: [hi]}\n    camera: {events: [{nod: 0}]}\n",
            r"camera\.events\.0\.nod",
        ),
        (
            "    responses:\n      dob: [{say: hi, camera: [{nod: 1}]}]\n"
            "      greeting: [{say: hi, camera: [{nod: 2}]}]\n",
            "other camera cues at responses.dob.0",
        ),
    ],
)
def test_bad_camera_entries_name_the_field(tmp_path: Path, body: str, message: str):
    path = tmp_path / "s.yaml"
    path.write_text(VALID + body)
    with pytest.raises(ScenarioError, match=message):
        load_scenarios(path)


def test_existing_scenarios_load_unchanged_and_hesitant_visual_exists():
    scenarios = load_scenarios(SCENARIOS)
    for name, scenario in scenarios.items():
        if name == "hesitant_visual":
            continue
        assert scenario.camera.avatar == "lin" and not scenario.camera.events
        assert all(isinstance(x, str) for lines in scenario.responses.values() for x in lines)
        assert not any(
            scenario.camera_cues(x) for lines in scenario.responses.values() for x in lines
        )
    visual, plain = scenarios["hesitant_visual"], scenarios["hesitant"]
    # The hesitant patient on camera (its own, shorter pauses: the cue times follow them).
    assert visual.responses.keys() == plain.responses.keys()
    assert {c.kind for c in visual.camera_cues(visual.responses["medications"][0])} == {
        "look_away",
        "frown",
        "nod",
    }
