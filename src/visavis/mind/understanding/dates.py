"""Calendar dates (a date of birth) and clock times (a follow-up slot) in speech."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from visavis.mind.understanding.numbers import find_numbers
from visavis.mind.understanding.text import normalize

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_ISO = re.compile(r"\b(\d{4}) (\d{1,2}) (\d{1,2})\b")
_DASHED = re.compile(r"\b(\d{1,2}) (\d{1,2}) (\d{2,4})\b")


def _year(parts: list[int], today_year: int) -> int | None:
    """A year from what followed the day: [1952], [19, 52], [52], [19, 0, 5]. None for a
    single digit first ([9, 5, 2]): nobody says a year so, it is "nineteen fifty two"
    misheard, and guessing 2009 from it would turn a misheard year into a wrong one."""
    if not parts or parts[0] < 10:
        return None
    if parts[0] >= 1000:
        return parts[0]
    if len(parts) >= 2 and parts[0] in (19, 20) and parts[1] < 100:
        tail = parts[1] if parts[1] >= 10 or len(parts) < 3 else parts[2]
        return parts[0] * 100 + tail
    if parts[0] < 100:
        # Two-digit years belong to the latest century that keeps the date in the past.
        century = 2000 if 2000 + parts[0] <= today_year else 1900
        return century + parts[0]
    return None


def _safe_date(y: int | None, m: int, d: int) -> date | None:
    if y is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


@dataclass(frozen=True)
class SpokenDate:
    """A date as heard: the month and day, and the year when one was heard."""

    month: int
    day: int
    year: int | None

    def as_date(self) -> date | None:
        return _safe_date(self.year, self.month, self.day)


def parse_date(text: str, today: date | None = None) -> date | None:
    """A calendar date: "March 14th, 1952", "3/14/1952", "fourteenth of March nineteen
    fifty-two", "March fourteen fifty two", "1952-03-14"."""
    spoken = parse_date_parts(text, today)
    return spoken.as_date() if spoken else None


def parse_year(text: str, today: date | None = None) -> int | None:
    """A year said on its own: "1952", "nineteen fifty two", "in '52" (the answer to "what
    year were you born?")."""
    words = normalize(text).split()
    if any(w in MONTHS and w != "may" for w in words):
        return None  # a date ("March 40th"), not a year said alone
    # An ordinal is a day ("the 7th"), never a year.
    numbers = [x.value for x in find_numbers(words) if not x.ordinal]
    this_year = (today or date.today()).year
    year = _year(numbers, this_year)
    if year is None and numbers and 10 <= numbers[-1] < 100:
        # "9, 18, 52": a mangled "nineteen" before the last two digits, which carry the year.
        year = _year(numbers[-1:], this_year)
    return year


def parse_date_parts(text: str, today: date | None = None) -> SpokenDate | None:
    """What ``parse_date`` reads, with the year None when the month and day were heard and the
    year was not (missing, or digits no year is said as)."""
    this_year = (today or date.today()).year
    raw = text.lower()
    m = _SLASHED.search(raw)
    if m:
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return SpokenDate(mo, d, y if y >= 100 else _year([y], this_year))
    n = normalize(text)
    ws = n.split()
    month_at = next(
        (
            i
            for i, w in enumerate(ws)
            if w in MONTHS
            and w != "may"
            or (w == "may" and i + 1 < len(ws) and ws[i + 1][:1].isdigit())
        ),
        None,
    )
    if month_at is None and "may" in ws:
        month_at = ws.index("may")
    if month_at is None:
        # Digits only ("1952 3 14", "3 14 52"), read after any month name: in "March 14. 9, 5,
        # 2" the digits are a misheard year, not a month.
        m = _ISO.search(n)
        if m and int(m.group(1)) > 1000:
            return SpokenDate(int(m.group(2)), int(m.group(3)), int(m.group(1)))
        m = _DASHED.search(n)
        if m:
            mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            return SpokenDate(mo, d, y if y >= 100 else _year([y], this_year))
        return None
    month = MONTHS[ws[month_at]]
    nums = find_numbers(ws)
    before = [x for x in nums if x.end <= month_at]
    after = [x for x in nums if x.start > month_at]
    if before and before[-1].value <= 31 and month_at - before[-1].end <= 2:
        # "the fourteenth of March nineteen fifty two"
        return SpokenDate(month, before[-1].value, _year([x.value for x in after], this_year))
    if after and after[0].value <= 31:
        return SpokenDate(month, after[0].value, _year([x.value for x in after[1:]], this_year))
    return None


@dataclass(frozen=True)
class TimeOfDay:
    hour: int  # 0-23 once am/pm is known
    minute: int


_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_PM_WORDS = re.compile(r"\b(pm|afternoon|evening|tonight)\b")
_AM_WORDS = re.compile(r"\b(am|morning)\b")


def parse_time(text: str) -> TimeOfDay | None:
    """A clock time: "ten a.m.", "10am", "2:30", "two thirty in the afternoon", "noon".

    Without a.m./p.m. the hour is read as clinic hours are: 7-11 morning, 12-6 afternoon.
    """
    n = normalize(text)
    if re.search(r"\bnoon\b", n):
        return TimeOfDay(12, 0)
    n = re.sub(r"\b(\d{1,2})(am|pm)\b", r"\1 \2", n)
    hour = minute = None
    m = _CLOCK.search(n)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
    else:
        ws = n.split()
        for num in find_numbers(ws):
            if num.ordinal or not 1 <= num.value <= 12:
                continue
            nxt = ws[num.end] if num.end < len(ws) else ""
            prev = ws[num.start - 1] if num.start > 0 else ""
            follow = find_numbers(ws[num.end : num.end + 2])
            clocky = nxt in (
                "am",
                "pm",
                "o'clock",
                "oclock",
                "thirty",
                "fifteen",
                "forty",
                "oh",
            ) or prev in ("at", "around", "about")
            if not clocky:
                continue
            hour, minute = num.value, 0
            if follow and follow[0].start == 0 and follow[0].value < 60:
                minute = follow[0].value
            break
    if hour is None or minute is None or hour > 23 or minute > 59:
        return None
    pm = _PM_WORDS.search(n) and hour < 12
    if pm or hour <= 6 and hour >= 1 and not _AM_WORDS.search(n):
        hour += 12
    return TimeOfDay(hour, minute)


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(text: str) -> int | None:
    """The weekday named (Monday=0), if exactly one is named."""
    n = normalize(text)
    found = {i for i, d in enumerate(DAY_NAMES) if re.search(rf"\b{d}s?\b|\b{d[:3]}\b", n)}
    return found.pop() if len(found) == 1 else None


def parse_part_of_day(text: str) -> str | None:
    """ "morning" or "afternoon" when the person names one."""
    n = normalize(text)
    if re.search(r"\b(morning|am|early)\b|\d(am)\b", n):
        return "morning"
    if re.search(r"\b(afternoon|pm|evening|later|late)\b|\d(pm)\b", n):
        return "afternoon"
    return None
