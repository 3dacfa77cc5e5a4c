"""The `visavis eval` command line (no call is run)."""

from __future__ import annotations

import pytest

from visavis.cli import build_parser, main


def test_eval_options_parse() -> None:
    args = build_parser().parse_args(
        [
            "eval",
            "--report",
            "r",
            "--profiles",
            "4",
            "--only",
            "red_flag,hesitant_1",
            "--workers",
            "1",
            "--seed",
            "3",
        ]
    )
    assert (args.report, args.profiles, args.workers, args.seed) == ("r", 4, 1, 3)
    assert args.only == ["red_flag,hesitant_1"]


def test_workers_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["eval", "--workers", "0"])


def test_unknown_profile_is_bad_input(tmp_path) -> None:
    assert main(["eval", "--only", "nobody", "--report", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()
