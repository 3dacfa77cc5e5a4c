"""The cohort: enough varied profiles, each a valid scenario with its expected outcome."""

from __future__ import annotations

import pytest

from visavis.eval.cohort import cohort
from visavis.eval.profiles import KINDS
from visavis.eval.runner import jobs_for, write_cohort
from visavis.sim.scenarios import load_scenarios


def test_at_least_thirty_profiles_covering_every_kind() -> None:
    profiles = cohort()
    assert len(profiles) >= 30
    assert {p.kind for p in profiles} == set(KINDS)
    assert len({p.name for p in profiles}) == len(profiles)


def test_voices_and_rates_vary() -> None:
    profiles = cohort()
    voices = {p.voice_label for p in profiles}
    assert len(voices) >= 8
    assert {p.scenario.voice.engine for p in profiles} == {"piper", "espeak"}
    rates = {p.scenario.voice.rate_wpm for p in profiles if p.scenario.voice.engine == "espeak"}
    assert max(rates) >= 200 and min(rates) <= 130


def test_every_profile_says_what_should_happen() -> None:
    for p in cohort():
        assert p.scenario.expect, p.name
        assert "escalated" in p.scenario.expect, p.name
        assert p.scenario.expect["escalated"] is p.escalate, p.name


def test_red_flags_must_escalate_and_well_patients_must_not() -> None:
    by_kind = {p.kind: p for p in cohort()}
    assert by_kind["red_flag"].escalate and by_kind["worsening"].escalate
    assert not by_kind["adherent"].escalate and not by_kind["background_noise"].escalate


def test_sim_features_are_used() -> None:
    by_name = {p.name: p.scenario for p in cohort()}
    assert by_name["hangs_up_early_1"].hang_up_after == "medications"
    assert by_name["silent_stretches_2"].silences["symptoms"] >= 8.0
    noise = by_name["background_noise_1"].noise
    assert noise is not None and noise.kind == "pink"
    assert by_name["interrupter_1"].interruptions


def test_seeded_and_reproducible() -> None:
    assert [p.scenario for p in cohort(seed=3)] == [p.scenario for p in cohort(seed=3)]
    assert [p.voice_label for p in cohort(seed=3)] != [p.voice_label for p in cohort(seed=4)]


def test_count_is_round_robin_over_kinds() -> None:
    first = cohort(len(KINDS))
    assert {p.kind for p in first} == set(KINDS)


def test_only_by_kind_or_name() -> None:
    assert {p.name for p in cohort(only=["red_flag"])} == {"red_flag_1", "red_flag_2"}
    assert [p.name for p in cohort(only=["hesitant_2"])] == ["hesitant_2"]
    with pytest.raises(ValueError, match="unknown profile or kind: nope"):
        cohort(only=["nope"])


def test_cohort_file_replays_as_scenarios(tmp_path) -> None:
    profiles = cohort()
    path = tmp_path / "cohort.yaml"
    write_cohort(profiles, path)
    loaded = load_scenarios(path)
    assert list(loaded) == [p.name for p in profiles]
    for p in profiles:
        again = loaded[p.name].model_copy(update={"name": p.name})
        assert again == p.scenario, p.name
    jobs = jobs_for(profiles, path, tmp_path / "calls")
    assert jobs[0].out_dir == tmp_path / "calls" / profiles[0].name
