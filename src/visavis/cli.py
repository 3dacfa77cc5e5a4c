"""The ``visavis`` command: ``demo``, ``talk``, ``eval``, ``serve``, ``keys``, ``avatar`` and
``models``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from rich.console import Console

from visavis.turns.settings import TurnSettings

console = Console(stderr=True)


def _turn_settings(args: argparse.Namespace) -> TurnSettings | None:
    """The turn options given, or None for the defaults (a scenario may bring its own)."""
    if args.turn_detector == "fused" and not args.patience and args.end_of_turn_silence is None:
        return None
    turns = TurnSettings(detector=args.turn_detector)
    if args.patience:
        turns.set_patience(args.patience)
    if args.end_of_turn_silence is not None:
        turns.end_of_turn_silence = args.end_of_turn_silence
    return turns


def _seconds(text: str) -> float:
    value = float(text)
    if not 0.05 <= value <= 5.0:
        raise argparse.ArgumentTypeError("must be between 0.05 and 5 seconds")
    return value


def _demo(args: argparse.Namespace) -> int:
    from visavis.demo import SCENARIOS, list_scenarios, run_demo
    from visavis.progress import CallProgress
    from visavis.sim.scenarios import ScenarioError

    path = Path(args.scenarios) if args.scenarios else SCENARIOS
    try:
        scenarios = list_scenarios(path)
    except ScenarioError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    if args.list:
        for name, scenario in scenarios.items():
            print(f"{name:16s} {scenario.description}")
        return 0
    if args.scenario not in scenarios:
        console.print(
            f"[red]error:[/red] unknown scenario '{args.scenario}'; "
            f"choose one of: {', '.join(scenarios)} (see `visavis demo --list`)"
        )
        return 2
    out_dir = Path(args.out)
    clock = "realtime" if args.realtime else "virtual"
    # --svg records the terminal view of the call (the README's picture comes from it).
    view = Console(record=True, width=110, stderr=True) if args.svg else console
    with CallProgress(view, args.scenario, clock, quiet=args.quiet) as progress:
        engines = progress.load_engines()
        result = asyncio.run(
            run_demo(
                args.scenario,
                out_dir,
                clock_kind=clock,
                scenarios_path=path,
                engines=engines,
                on_event=progress.on_event,
                turns=_turn_settings(args),
                video=not args.no_video,
                avatar=args.avatar,
                on_progress=progress.note,
                memory_dir=Path(args.memory),
            )
        )
    summary = {k: result.outcome.get(k) for k in ("escalated", "follow_up_booked", "end_reason")}
    view.print(f"outcome: {json.dumps(summary)}  duration {result.duration:.1f} s")
    names = ["timeline.jsonl", "transcript.txt", "call.wav", "outcome.json"]
    for name in names + (["call.mp4"] if result.video else []):
        view.print(f"  wrote {out_dir / name}")
    if result.video:
        view.print(
            f"  (video: {result.video.frames} frames rendered and encoded "
            f"in {result.video.seconds:.1f} s)"
        )
    if args.svg:
        view.save_svg(args.svg, title=f"visavis demo --scenario {args.scenario}")
    if result.problems:
        view.print("[red]the call did not reach the scenario's expected outcome:[/red]")
        for problem in result.problems:
            view.print(f"  - {problem}")
        return 1
    return 0


def _talk(args: argparse.Namespace) -> int:
    from visavis.progress import CallProgress
    from visavis.runtime.media import AudioFormatError
    from visavis.talk import run_talk

    out_dir = Path(args.out)
    clock = "realtime" if args.realtime else "virtual"
    try:
        with CallProgress(console, Path(args.audio).name, clock, quiet=args.quiet) as progress:
            engines = progress.load_engines()
            record = asyncio.run(
                run_talk(
                    Path(args.audio),
                    out_dir,
                    patient_id=args.patient,
                    clock_kind=clock,
                    engines=engines,
                    on_event=progress.on_event,
                    turns=_turn_settings(args),
                )
            )
    except AudioFormatError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    summary = {k: record.outcome.get(k) for k in ("escalated", "follow_up_booked", "end_reason")}
    console.print(f"outcome: {json.dumps(summary)}  duration {record.duration:.1f} s")
    console.print(f"  wrote timeline.jsonl, transcript.txt, call.wav, outcome.json in {out_dir}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from visavis.eval.command import rebuild, run_eval

    if args.rebuild:
        return rebuild(console, Path(args.report))

    only = [name for item in args.only or [] for name in item.split(",") if name]
    return run_eval(
        console,
        Path(args.report),
        profiles=args.profiles,
        only=only or None,
        workers=args.workers,
        seed=args.seed,
        quiet=args.quiet,
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _avatar_list(args: argparse.Namespace) -> int:
    from visavis.face import list_avatars

    for name in list_avatars():
        print(name)
    return 0


def _avatar_snapshot(args: argparse.Namespace) -> int:
    from visavis.face import PRESETS, AvatarError, snapshot

    if args.preset not in PRESETS:
        console.print(
            f"[red]error:[/red] unknown preset '{args.preset}'; choose one of: "
            + ", ".join(sorted(PRESETS))
        )
        return 2
    if not 16 <= args.size <= 4096:
        console.print("[red]error:[/red] --size must be between 16 and 4096 pixels")
        return 2
    try:
        path = snapshot(args.avatar, args.preset, args.size, Path(args.out))
    except AvatarError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    console.print(f"wrote {path}")
    return 0


def _models(args: argparse.Namespace) -> int:
    from visavis.models.install import main as models_main

    argv = [args.action] + (["--dir", args.dir] if args.dir else [])
    return models_main(argv)


def _call_options(parser: argparse.ArgumentParser, out: str) -> None:
    """Options every command that runs a call takes."""
    parser.add_argument("--out", default=out, help="folder for the call's files")
    parser.add_argument("--realtime", action="store_true", help="run on the real clock")
    parser.add_argument("--quiet", action="store_true", help="no live progress display")
    parser.add_argument(
        "--turn-detector",
        choices=("fused", "silence"),
        default="fused",
        help="end-of-turn detection: the fused model (default) or a fixed silence",
    )
    parser.add_argument(
        "--patience",
        choices=("low", "medium", "high"),
        help="turn_taking_patience: how sure the agent must be you have finished",
    )
    parser.add_argument(
        "--end-of-turn-silence",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="with --turn-detector silence: the silence that ends a turn (default 0.5)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visavis", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run a whole simulated post-discharge call")
    demo.add_argument("--scenario", default="adherent_books", help="scenario name (see --list)")
    demo.add_argument("--list", action="store_true", help="list the scenarios and exit")
    demo.add_argument("--scenarios", help="a scenario YAML file (default: the flagship's)")
    demo.add_argument("--svg", help="also save the terminal view of the call as an SVG file")
    demo.add_argument("--no-video", action="store_true", help="do not render call.mp4")
    demo.add_argument(
        "--memory",
        default="out/memory",
        help="folder of the patients' memory stores (a SQLite file) for scenarios with a "
        "memory_store: run dizzy_first, then dizzy_second (default out/memory)",
    )
    demo.add_argument("--avatar", help="avatar for call.mp4 (default: the persona's)")
    _call_options(demo, "out/demo")
    demo.set_defaults(func=_demo)

    talk = sub.add_parser("talk", help="take a call whose caller is a recorded audio file")
    talk.add_argument("--audio", required=True, help="the caller's audio (WAV, FLAC, OGG)")
    talk.add_argument("--patient", default="maria-lopez", help="patient record to call")
    _call_options(talk, "out/talk")
    talk.set_defaults(func=_talk)

    evaluate = sub.add_parser(
        "eval", help="run the simulated patient cohort and write an HTML report"
    )
    evaluate.add_argument("--report", default="out/eval", help="folder for the report and calls")
    evaluate.add_argument("--profiles", type=_positive, help="run only the first N profiles")
    evaluate.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="profile or kind names (repeat, or comma-separated), e.g. red_flag,hesitant_1",
    )
    evaluate.add_argument("--workers", type=_positive, default=2, help="worker processes")
    evaluate.add_argument("--seed", type=int, default=7, help="seed of voices, gaps and noise")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.add_argument(
        "--rebuild", action="store_true", help="rewrite the report from the calls in --report"
    )
    evaluate.set_defaults(func=_eval)

    from visavis.server.launch import add_commands

    add_commands(sub)

    avatar = sub.add_parser("avatar", help="the built-in avatars: list them, render a still")
    avatar_sub = avatar.add_subparsers(dest="avatar_command", required=True)
    avatar_sub.add_parser("list", help="the built-in avatars").set_defaults(func=_avatar_list)
    snap = avatar_sub.add_parser("snapshot", help="render one still frame to a PNG file")
    snap.add_argument("--avatar", default="ava", help="avatar name or YAML file")
    snap.add_argument("--preset", default="neutral_listening", help="expression preset")
    snap.add_argument("--size", type=int, default=512, help="width and height in pixels")
    snap.add_argument("--out", default="avatar.png", help="PNG file to write")
    snap.set_defaults(func=_avatar_snapshot)

    models = sub.add_parser("models", help="install, verify or list the embedded model files")
    models.add_argument("action", choices=["install", "verify", "list"])
    models.add_argument("--dir", help="model cache (default: $VISAVIS_MODELS_DIR or ~/.cache)")
    models.set_defaults(func=_models)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from visavis.logs import configure

    configure(logging.DEBUG if args.verbose else logging.WARNING)
    from visavis.face import AvatarError
    from visavis.mind import MindConfigError
    from visavis.models import ModelUnavailableError

    try:
        return int(args.func(args))
    except (ModelUnavailableError, MindConfigError, AvatarError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
