"""The ``visavis`` command as a user runs it: exit codes and messages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visavis.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_the_cli_says_what_is_wrong_with_a_corrupt_file(tmp_path: Path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"not audio at all")
    done = run_cli("talk", "--audio", str(path), "--out", str(tmp_path / "o"), "--quiet")
    assert done.returncode == 2
    assert "cannot decode" in done.stderr and "corrupt.wav" in done.stderr


def test_the_cli_refuses_a_malformed_persona_with_the_file_named(tmp_path: Path):
    from visavis.paths import POST_DISCHARGE_DIR

    examples = tmp_path / "examples"
    broken = examples / "post_discharge"
    broken.mkdir(parents=True)
    for file in POST_DISCHARGE_DIR.iterdir():
        if file.is_file():
            (broken / file.name).write_bytes(file.read_bytes())
    (broken / "persona.yaml").write_text("name: [unclosed\n")
    audio = tmp_path / "a.wav"
    soundfile.write(str(audio), np.zeros(16000, dtype=np.float32), 16000)
    done = run_cli(
        "talk",
        "--audio",
        str(audio),
        "--out",
        str(tmp_path / "o"),
        "--quiet",
        env={"VISAVIS_EXAMPLES": str(examples)},
    )
    assert done.returncode == 2
    assert "persona.yaml" in done.stderr


def test_the_cli_lists_scenarios_and_rejects_unknown_ones(tmp_path: Path):
    listed = run_cli("demo", "--list")
    assert listed.returncode == 0 and "red_flag" in listed.stdout
    unknown = run_cli("demo", "--scenario", "nope", "--out", str(tmp_path))
    assert unknown.returncode == 2 and "unknown scenario 'nope'" in unknown.stderr


@pytest.mark.slow
def test_the_cli_runs_a_demo_call_and_writes_its_files(tmp_path: Path):
    out = tmp_path / "demo"
    done = run_cli("demo", "--scenario", "red_flag", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    outcome = json.loads((out / "outcome.json").read_text())
    assert outcome["escalated"] is True


def test_missing_models_name_the_command_that_fixes_them(tmp_path: Path):
    done = run_cli(
        "demo",
        "--scenario",
        "red_flag",
        "--out",
        str(tmp_path / "o"),
        "--quiet",
        env={"VISAVIS_MODELS_DIR": str(tmp_path / "empty")},
    )
    assert done.returncode == 2
    assert "is missing" in done.stderr and "make models" in done.stderr
