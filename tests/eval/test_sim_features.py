"""Simulated patient features the cohort needs: noise, silences, an early hang-up."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from visavis.sim.noise import loop_slice, noise_loop
from visavis.sim.patient import SimulatedPatient
from visavis.sim.scenarios import Noise, Scenario


def scenario(**extra: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "description": "d",
            "patient_id": "maria-lopez",
            "responses": {"identity": ["Yes."]},
            **extra,
        }
    )


@pytest.mark.parametrize("kind", ["pink", "brown", "hum"])
def test_noise_has_the_asked_level_and_loops(kind: str) -> None:
    loop = noise_loop(Noise(kind=kind, level_db=-40.0), 16000, seed=3)
    level = 20 * np.log10(np.sqrt(np.mean(np.square(loop))))
    assert abs(level + 40.0) < 0.1
    assert np.array_equal(loop_slice(loop, len(loop) - 5, 10)[5:], loop[:5])
    assert np.array_equal(loop, noise_loop(Noise(kind=kind, level_db=-40.0), 16000, seed=3))


def test_patient_microphone_carries_the_noise_between_lines() -> None:
    quiet = SimulatedPatient(scenario(), None, None, None)  # type: ignore[arg-type]
    noisy = SimulatedPatient(
        scenario(noise={"kind": "pink", "level_db": -35}),
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
    )
    assert not quiet.mouth(1.0, 320).any()
    frame = noisy.mouth(1.0, 320)
    assert 0.002 < np.sqrt(np.mean(np.square(frame))) < 0.1
    assert np.array_equal(frame, noisy.mouth(1.0, 320))  # same time, same noise


def test_scenario_fields_are_validated() -> None:
    s = scenario(silences={"symptoms": 10}, hang_up_after="medications")
    assert s.silences == {"symptoms": 10.0} and s.hang_up_after == "medications"
    with pytest.raises(ValueError):
        scenario(silences={"symptoms": 60})
    with pytest.raises(ValueError):
        scenario(hang_up_after="lunch")
    with pytest.raises(ValueError):
        scenario(noise={"kind": "pink", "level_db": -5})


async def test_a_line_said_again_comes_more_slowly() -> None:
    from visavis.engines import load_engines
    from visavis.runtime.clock import VirtualClock
    from visavis.sim.patient import REPEAT_RATE

    engines = load_engines()
    voice = engines.voice("espeak", "en+m3", 225, 50)
    slower = engines.voice("espeak", "en+m3", round(225 * REPEAT_RATE), 50)
    clock = VirtualClock()
    patient = SimulatedPatient(scenario(), clock, None, voice, repeat_voice=slower)  # type: ignore[arg-type]
    line = "March fourteenth, nineteen fifty two."
    lengths = []
    for _ in range(2):
        await patient.say(line)
        lengths.append(patient.spans[-1][1] - patient.spans[-1][0])
    clock.close()
    assert lengths[1] > lengths[0] * 1.1
