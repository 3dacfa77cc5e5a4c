"""Dates of birth (and phone digits) with and without the call's vocabulary as Whisper's prompt.

Usage: python bench/asr_dates.py [--no-write]

The example's three patients say their date of birth ("March fourteenth, nineteen fifty two.")
and the year alone ("Nineteen fifty two.", the answer to "What year were you born?") in the
evaluation cohort's six espeak-ng voices at their base rates, and in one voice at 191, 205 and
225 words a minute (the fast talkers and a repeat 15% slower). Each is transcribed by Whisper
tiny.en (greedy, as in calls) with the call's prompt (``build_mind(...).hotwords``: the
patient's name, medicines and the persona's hotwords) and with none, and read as the engine
reads it (``parse_date``, ``parse_year``). The figures decide ``ReplyPlan.vocabulary``: while a
date of birth is awaited the loop gives Whisper no prompt. The last four digits of each
patient's phone number, said one at a time (the identity check's second way in), are read by
``spoken_digits``. Writes the ``asr_dates`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from report import DOC, machine, write_section
from visavis.engines import load_engines
from visavis.eval.cohort import ESPEAK_VOICES
from visavis.eval.profiles import PEOPLE, PHONE_DIGITS
from visavis.mind.build import build_mind
from visavis.mind.understanding.dates import parse_date, parse_year
from visavis.mind.understanding.numbers import spoken_digits
from visavis.models import install_models
from visavis.runtime.media import SPEECH_RATE, resample

#: The cohort's voices, then one of them faster (fast talkers, and 191 = 225 x REPEAT_RATE).
VOICES = [*ESPEAK_VOICES, ("en+m3", 191, 45), ("en-us+m1", 205, 40), ("en+m3", 225, 45)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    install_models()
    engines = load_engines()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        minds = {p: build_mind(p, Path(tmp) / f"{p}.db", today) for p in PEOPLE}
    born = {p: m.patient.date_of_birth for p, m in minds.items()}
    digits = {p: spoken_digits(m.patient.phone)[-4:] for p, m in minds.items()}
    kinds = ("date", "year", "digits")
    right = {(kind, prompted): 0 for kind in kinds for prompted in (True, False)}
    misheard: list[str] = []
    for name, rate, pitch in VOICES:
        voice = engines.voice("espeak", name, rate, pitch)
        for patient, (_, spoken) in PEOPLE.items():
            year_line = spoken.rsplit(", ", 1)[-1].capitalize()
            digits_line = f"It's {PHONE_DIGITS[patient]}."
            for kind, line in (("date", spoken), ("year", year_line), ("digits", digits_line)):
                speech = voice.synthesize(line)
                audio = resample(speech.samples, speech.sample_rate, SPEECH_RATE)
                for prompted in (True, False):
                    prompt = minds[patient].hotwords if prompted else None
                    heard = engines.recognizer.transcribe(audio, prompt=prompt).text
                    if kind == "date":
                        ok = parse_date(heard, today) == born[patient]
                    elif kind == "year":
                        ok = parse_year(heard, today) == born[patient].year
                    else:
                        ok = spoken_digits(heard).endswith(digits[patient])
                    right[kind, prompted] += ok
                    if not ok:
                        misheard.append(
                            f"{name} {rate} wpm, {'prompt' if prompted else 'no prompt'}: "
                            f"{line!r} heard {heard!r}"
                        )
        print(f"  {name} {rate} wpm done", flush=True)
    n = len(VOICES) * len(PEOPLE)
    table = [
        "| said | heard right with the call's prompt | without a prompt |",
        "|---|---|---|",
        f"| date of birth | {right['date', True]} of {n} | {right['date', False]} of {n} |",
        f"| the year alone | {right['year', True]} of {n} | {right['year', False]} of {n} |",
        f"| a phone number's last four digits | {right['digits', True]} of {n} "
        f"| {right['digits', False]} of {n} |",
    ]
    print("\n".join(table))
    section = (
        "## ASR: dates of birth and the call's vocabulary\n\n"
        f"{machine()} by `bench/asr_dates.py`: the three example patients' dates of birth, "
        "years of birth said alone and the last four digits of their phone numbers said one at "
        f"a time, in {len(VOICES)} espeak-ng voices and rates (the cohort's "
        "six, and 191, 205, 225 words a minute), Whisper tiny.en greedy, read by the engine's "
        "`parse_date` / `parse_year` / `spoken_digits`. The prompt is the call's vocabulary (the "
        "patient's name, medicines and the persona's hotwords). The loop gives Whisper no prompt "
        "while a date of birth or the digits are awaited (`ReplyPlan.vocabulary`).\n\n"
        + "\n".join(table)
        + "\n\nMisheard:\n\n"
        + "\n".join(f"- {m}" for m in misheard)
        + "\n"
    )
    if not args.no_write:
        write_section("asr_dates", section, DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
