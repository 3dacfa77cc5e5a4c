"""A live view of a call in the terminal: who is speaking, what was said, the last latency."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from visavis.engines import Engines, load_engines
from visavis.runtime.events import (
    BaseEvent,
    Escalation,
    ObjectiveCompleted,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    TurnLatency,
    UserStartedSpeaking,
    UserStoppedSpeaking,
    Utterance,
)


class CallProgress:
    """Context manager that renders call events as they arrive."""

    def __init__(self, console: Console, scenario: str, clock: str, quiet: bool = False) -> None:
        self.console = console
        self.scenario = scenario
        self.clock = clock
        self.quiet = quiet
        self.status = "starting"
        self.t = 0.0
        self.latency = ""
        self.objectives: list[str] = []
        self._live: Live | None = None

    def __enter__(self) -> CallProgress:
        if not self.quiet and self.console.is_terminal:
            self._live = Live(self._render(), console=self.console, refresh_per_second=8)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(exc_type, exc, tb)

    def load_engines(self) -> Engines:
        self.status = "loading models"
        self._refresh()
        started = time.perf_counter()
        engines = load_engines(deterministic=self.clock == "virtual")
        self.note(f"models loaded in {time.perf_counter() - started:.1f} s")
        self.status = f"call running ({self.clock} clock)"
        return engines

    def on_event(self, event: BaseEvent) -> None:
        self.t = event.t
        if isinstance(event, Utterance):
            who, style = ("Agent  ", "cyan") if event.role == "replica" else ("Patient", "green")
            cut = " [interrupted]" if event.interrupted else ""
            line = Text(f"{event.start:7.2f}s {who} ", style)
            line.append(event.speech + cut, "default")
            self._print(line)
        elif isinstance(event, UserStartedSpeaking):
            self.status = "patient speaking"
        elif isinstance(event, UserStoppedSpeaking):
            self.status = "patient paused"
        elif isinstance(event, ReplicaStartedSpeaking):
            self.status = "agent speaking"
        elif isinstance(event, ReplicaStoppedSpeaking):
            self.status = "agent interrupted" if event.interrupted else "listening"
        elif isinstance(event, TurnLatency):
            self.latency = f"last voice-to-voice {event.voice_to_voice_ms:.0f} ms"
        elif isinstance(event, ObjectiveCompleted):
            self.objectives.append(event.objective_name)
            self._print(Text(f"          objective completed: {event.objective_name}", "dim"))
        elif isinstance(event, Escalation):
            self._print(Text(f"          ESCALATED: {event.reason}", "bold red"))
        self._refresh()

    def note(self, text: str) -> None:
        """A line about work around the call (loading, rendering)."""
        self.status = text
        self._print(Text(text, "dim"))
        self._refresh()

    def _print(self, line: Text) -> None:
        if self._live is not None:
            self._live.console.print(line)
        elif not self.quiet:
            self.console.print(line)

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def _render(self) -> Group:
        status = Text(f"[{self.scenario}] {self.t:7.2f}s  {self.status}", "bold")
        if self.latency:
            status.append(f"   {self.latency}", "yellow")
        return Group(status)
