"""The embedded objectives engine: the default, offline mind.

``plan`` works on a deep copy of the call state and records what ``commit`` must do (events,
tool calls) as actions, so a speculative plan can be thrown away without a trace. Read-only
tool calls (finding free slots) do run during ``plan``; writes (bookings, escalations) only in
``commit``.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from visavis.mind.actions import ActionRunner
from visavis.mind.base import CommitResult, ReplyPlan, outcome_record
from visavis.mind.conditions import parse_condition
from visavis.mind.engine_config import check_phrasing
from visavis.mind.escalation import escalate_if_needed
from visavis.mind.interpret import Situation, read, unexplained_caveat
from visavis.mind.objectives import IDENTITY_KINDS, Objective, ObjectiveSet
from visavis.mind.patients import Patient
from visavis.mind.persona import Persona, render
from visavis.mind.progress import restore
from visavis.mind.slot_offers import FIND_SLOTS, offer_slots, slot_words
from visavis.mind.state import CallState
from visavis.mind.tools.base import Tool
from visavis.mind.turn import Turn, question_heard
from visavis.mind.understanding.repeat import asks_to_repeat
from visavis.mind.understanding.text import spoken_list
from visavis.runtime.events import BaseEvent

if TYPE_CHECKING:
    from visavis.perception.summary import TurnPerception

#: Misheard answers (``Reading.counts`` False) asked again before they count as attempts: a bad
#: line should not end an identity check that is limited to ``max_clarifications`` guesses.
MAX_MISHEARD = 2
#: Answers heard better without the call's vocabulary as the recogniser's context.
WITHOUT_VOCABULARY = frozenset({"date_of_birth", "phone_digits"})


class ObjectivesMind:
    """Runs a persona's objectives for one patient call (implements ``visavis.mind.base.Mind``)."""

    def __init__(
        self,
        persona: Persona,
        objectives: ObjectiveSet,
        patient: Patient,
        tools: dict[str, Tool],
        today: date,
        objectives_source: Path | str = "<objectives>",
    ) -> None:
        self.persona, self.objectives, self.patient = persona, objectives, patient
        self.tools, self.today = tools, today
        check_phrasing(persona, objectives, objectives_source)
        self._state = CallState()
        self._actions = ActionRunner(self)
        #: What memory recalled from earlier calls ({remembered} in ``<question>_recalled``).
        self.remembered = ""

    # --- the Mind interface ------------------------------------------------------------------

    def greet(self) -> ReplyPlan:
        turn = self._turn()
        turn.say(self.persona.greeting)
        self._activate(turn, self.objectives.data[0].objective_name)
        self._ask_next(turn)
        return turn.plan(None, interruptible=True)

    def plan(
        self,
        user_text: str,
        heard_reply: str | None = None,
        perception: TurnPerception | None = None,
    ) -> ReplyPlan:
        turn = self._turn()
        s = turn.state
        if s.done:
            return turn.plan(user_text)
        s.turn += 1
        if escalate_if_needed(turn, user_text, self.objectives, self.persona.phrasing):
            return turn.plan(user_text, emotion="concerned")
        if s.awaiting_confirmation:
            turn.say(self.persona.phrasing.waiting)
            return turn.plan(user_text)
        if s.pending_var is None:
            self._ask_next(turn)
            return turn.plan(user_text)
        self._answer(turn, user_text, heard_reply, perception)
        return turn.plan(user_text)

    def reprompt(self) -> ReplyPlan:
        turn = self._turn()
        s = turn.state
        if s.unspoken:
            turn.say(s.unspoken)
            s.unspoken = []
        elif not s.done and s.question:
            turn.say(self.persona.phrasing.reprompt, question=" ".join(s.question))
        return turn.plan(None)

    def commit(self, plan: ReplyPlan) -> CommitResult:
        new: CallState = plan.state
        if new.base != self._state.version:
            raise ValueError(
                f"stale plan: made from state {new.base}, current is "
                f"{self._state.version}; plan again"
            )
        new.version = self._state.version + 1
        new.last_reply = list(plan.sentences) or new.last_reply
        self._state = new
        result = CommitResult()
        self._actions.run(plan.actions, result)
        result.done = self._state.done
        return result

    def resume(self, completed: list[str], values: dict[str, dict[str, Any]]) -> ReplyPlan:
        """Start from progress made elsewhere (an LLM mind that failed; see ``progress``):
        activate the next objective and ask its next question. Commit instead of ``greet``."""
        turn = self._turn()
        name, ends = restore(self.objectives, turn.state, completed, values)
        s = turn.state
        if name is not None:
            self._activate(turn, name)
            self._ask_next(turn)
        elif not s.done:
            self._finish(turn, None if ends else self.persona.phrasing.closing)
        return turn.plan(None)

    def confirm_objective(self, name: str) -> list[BaseEvent]:
        """The application confirms a manual objective; the next question is spoken by the
        next ``reprompt()`` (or answered around by the next user turn)."""
        if self._state.awaiting_confirmation != name:
            raise ValueError(
                f"objective {name!r} is not awaiting confirmation "
                f"(awaiting: {self._state.awaiting_confirmation!r})"
            )
        turn = self._turn()
        turn.state.awaiting_confirmation = None
        self._complete(turn, self.objectives.get(name), confirmed=True)
        turn.state.unspoken = turn.sentences
        plan = turn.plan(None)
        return self.commit(plan).events

    def remember(self, remembered: str) -> None:
        """Earlier calls' symptoms: a persona question ``<key>_recalled`` asks after them."""
        self.remembered = remembered

    def pending_question(self) -> list[str]:
        """The question awaiting the user's answer ([] when none)."""
        return list(self._state.question) if self._state.pending_var else []

    def template_context(self) -> dict[str, str]:
        return self._context()

    @property
    def done(self) -> bool:
        return self._state.done

    def outcome(self) -> dict[str, Any]:
        s = self._state
        identity = [
            (spec.understand, s.values.get(o.objective_name, {}).get(k))
            for o in self.objectives.data
            for k, spec in o.variables.items()
            if spec.understand in IDENTITY_KINDS
        ]
        return outcome_record(
            s.completed, s.values, s.escalated, s.escalation_reason, s.booking, identity
        )

    # --- turn mechanics ----------------------------------------------------------------------

    def _turn(self) -> Turn:
        state = copy.deepcopy(self._state)
        state.base = self._state.version
        return Turn(state, self._context(), self._wants_vocabulary)

    def _wants_vocabulary(self, state: CallState) -> bool:
        """Whether the answer awaited in ``state`` is one the call's vocabulary helps hear
        (not a date: ``ReplyPlan.vocabulary``)."""
        if state.pending_var is None or state.active is None:
            return True
        spec = self.objectives.get(state.active).variables[state.pending_var]
        return spec.understand not in WITHOUT_VOCABULARY

    def answer_vocabulary(self) -> bool:
        """``ReplyPlan.vocabulary`` for the question awaiting an answer now."""
        return self._wants_vocabulary(self._state)

    def _context(self) -> dict[str, str]:
        p, meds = self.patient, [m.name for m in self.patient.medications]
        return {
            "agent_name": self.persona.name,
            "role": self.persona.role,
            "organisation": self.persona.organisation,
            "first_name": p.first_name,
            "patient_name": p.full_name,
            "medications": spoken_list(meds),
            "care_team": p.care_team.name,
            "care_team_phone": p.care_team.phone,
            "minutes": str(self.persona.escalation_callback_minutes),
            "question": "",
            "slot_1": "",
            "slot_2": "",
            "slot": "",
            "missing": "",
            "purposes": "",
            "symptoms": "",
            "answer": "",
            "remembered": self.remembered,
        }

    def _answer(
        self,
        turn: Turn,
        text: str,
        heard_reply: str | None,
        perception: TurnPerception | None = None,
    ) -> None:
        s = turn.state
        obj = self.objectives.get(s.active or "")
        var = s.pending_var or ""
        spec = obj.variables[var]
        reading = read(spec.understand, text, Situation(self.patient, self.today, s.hint))
        unheard = heard_reply is not None and not question_heard(
            heard_reply, s.last_reply, s.question
        )
        if unheard and not reading.confident:
            # They spoke over a question they never heard: ask it, don't guess an answer.
            turn.say(self.persona.phrasing.reask_brief, question=" ".join(s.question))
            return
        if not reading.clear and asks_to_repeat(text):
            # Not an unclear answer but a request: say the question again, count no attempt.
            turn.say(self.persona.phrasing.repeat, question=" ".join(s.question))
            return
        if (
            reading.clear
            and not s.hint.get("caveat_heard")
            and unexplained_caveat(text, spec.understand, reading.extras)
        ):
            s.hint["caveat_heard"] = True
            turn.unclear = True
            turn.say(self.persona.phrasing.clarify_caveat)
            return
        if reading.rejected:
            s.attempts += 1
            turn.say([self._ack(s)])
            self._offer_slots(turn, spec.ask, exclude=[o["slot_id"] for o in s.hint["offered"]])
            return
        if not reading.clear:
            turn.unclear = True
            if reading.counts or s.misheard >= MAX_MISHEARD:
                s.attempts += 1
            else:
                s.misheard += 1
            if s.attempts > self.persona.max_clarifications:
                s.values[obj.objective_name][var] = spec.give_up_value
                if spec.say_move_on:
                    turn.say(self.persona.phrasing.move_on)
                self._ask_next(turn)
                return
            s.hint.update(reading.hint)
            if perception is not None and perception.hesitant:
                # They were searching (looked away, frowned, paused): no pressure first.
                turn.say(self.persona.phrasing.take_your_time)
            key = reading.clarify or spec.clarify
            template = self.persona.clarifications.get(key or "", self.persona.phrasing.clarify)
            turn.say(
                template,
                question=" ".join(s.question),
                missing=spoken_list(s.hint.get("missing", [])),
                purposes=spoken_list(s.hint.get("purposes", []), "or"),
                **slot_words(s),
            )
            return
        values = s.values[obj.objective_name]
        values[var] = reading.value
        for k, v in reading.extras.items():
            if k in obj.variables and k not in values:
                values[k] = v
        if spec.understand == "open_question" and isinstance(reading.value, str):
            # A question for the care team: the documents may answer it (grounding layer).
            turn.unclear = True
            turn.say(self.persona.phrasing.care_team_will_answer)
        else:
            turn.say([self._ack(s)])
        if spec.understand == "slot_choice":
            retry = copy.deepcopy(s)
            del retry.values[obj.objective_name][var]
            turn.act(
                "book",
                slot=reading.value,
                variable=var,
                objective=obj.objective_name,
                retry=retry,
                ask=spec.ask,
            )
            turn.defer()
        self._ask_next(turn)

    def _ack(self, s: CallState) -> str:
        acks = self.persona.phrasing.acknowledge
        return acks[s.turn % len(acks)].format_map(self._context())

    def _ask_next(self, turn: Turn) -> None:
        s = turn.state
        while s.active and not s.done:
            obj = self.objectives.get(s.active)
            values = s.values[obj.objective_name]
            for var in obj.output_variables:
                if var in values:
                    continue
                spec = obj.variables[var]
                if (spec.ask_if and not parse_condition(spec.ask_if).holds(values)) or (
                    spec.understand == "phone_digits" and not self.patient.phone
                ):
                    values[var] = None
                    continue
                s.pending_var, s.attempts, s.misheard, s.hint = var, 0, 0, {}
                if spec.understand == "slot_choice":
                    if not self._offer_slots(turn, spec.ask, exclude=[]):
                        values[var] = None
                        continue
                    return
                recalled = f"{spec.ask}_recalled"
                key = (
                    recalled if self.remembered and recalled in self.persona.questions else spec.ask
                )
                s.question = render(self.persona.questions[key], turn.context)
                turn.say(s.question)
                return
            s.pending_var = None
            if obj.confirmation_mode == "manual":
                s.awaiting_confirmation = obj.objective_name
                turn.say(self.persona.phrasing.waiting)
                return
            self._complete(turn, obj)

    def _complete(self, turn: Turn, obj: Objective, confirmed: bool = False) -> None:
        s = turn.state
        s.completed.append(obj.objective_name)
        turn.act("completed", objective=obj.objective_name)
        values = s.values[obj.objective_name]
        nxt = [n for n, c in obj.conditions.items() if parse_condition(c).holds(values)]
        s.queue = [
            n for n in [*nxt, *obj.next_required_objectives, *s.queue] if n not in s.completed
        ]
        s.queue = list(dict.fromkeys(s.queue))
        if obj.ends_call:
            self._finish(turn, None)
        elif s.queue:
            self._activate(turn, s.queue.pop(0))
        else:
            self._finish(turn, self.persona.phrasing.closing)
        if confirmed:
            self._ask_next(turn)

    def _activate(self, turn: Turn, name: str) -> None:
        s = turn.state
        obj = self.objectives.get(name)
        s.active = name
        s.values.setdefault(name, {})
        turn.act("activated", objective=name)
        if obj.say:
            turn.say(getattr(self.persona.phrasing, obj.say))
        if not obj.output_variables:
            self._complete(turn, obj)

    def _finish(self, turn: Turn, closing: list[str] | None) -> None:
        if closing:
            turn.say(closing)
        turn.state.done, turn.state.pending_var, turn.state.question = True, None, []
        turn.act("call_completed")

    def _offer_slots(self, turn: Turn, ask: str, exclude: list[int]) -> bool:
        """Offer two free slots on different days; False (said so) when there are none."""
        question = self.persona.questions[ask]
        if offer_slots(turn, self.tools[FIND_SLOTS], question, self.today, exclude):
            return True
        turn.say(self.persona.phrasing.booking_none)
        return False
