"""The clinic's scheduling and escalation records in SQLite: all the SQL lives here.

A later change moves these tables into the server's store; keeping every statement in this one
module makes that a swap of one class.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from visavis.mind.tools.base import ToolError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    id TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slots (
    id INTEGER PRIMARY KEY, start TEXT NOT NULL UNIQUE, minutes INTEGER NOT NULL,
    clinician TEXT NOT NULL);
-- UNIQUE(slot_id) is what makes a double booking impossible, whatever the callers do.
CREATE TABLE IF NOT EXISTS bookings (
    id INTEGER PRIMARY KEY, slot_id INTEGER NOT NULL UNIQUE REFERENCES slots(id),
    patient_id TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS escalations (
    id INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, reason TEXT NOT NULL,
    severity TEXT NOT NULL, evidence TEXT NOT NULL, created_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Slot:
    id: int
    start: datetime
    minutes: int
    clinician: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "slot_id": self.id,
            "start": self.start.isoformat(),
            "minutes": self.minutes,
            "clinician": self.clinician,
            "label": slot_label(self.start),
        }


def slot_label(start: datetime) -> str:
    """How a slot is spoken: "Tuesday, March 18 at 10 a.m."."""
    hour = start.hour % 12 or 12
    clock = f"{hour}" if start.minute == 0 else f"{hour}:{start.minute:02d}"
    return f"{start:%A}, {start:%B} {start.day} at {clock} {'a.m.' if start.hour < 12 else 'p.m.'}"


class ClinicStore:
    """Patients, follow-up slots, bookings and escalations in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        db = sqlite3.connect(self.path)
        try:
            db.executescript(_SCHEMA)  # executescript manages its own transaction
        finally:
            db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # One short connection per operation: safe from any thread, and BEGIN IMMEDIATE takes
        # the write lock up front so two bookings of one slot serialise instead of racing.
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def upsert_patient(
        self,
        patient_id: str,
        first_name: str,
        last_name: str,
        date_of_birth: date,
        record: dict[str, Any],
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO patients VALUES (?, ?, ?, ?, ?)",
                (
                    patient_id,
                    first_name,
                    last_name,
                    date_of_birth.isoformat(),
                    json.dumps(record, default=str),
                ),
            )

    def add_slot(self, start: datetime, minutes: int, clinician: str) -> int:
        """Add a slot (idempotent on its start time); returns its id."""
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO slots (start, minutes, clinician) VALUES (?, ?, ?)",
                (start.isoformat(), minutes, clinician),
            )
            row = db.execute("SELECT id FROM slots WHERE start = ?", (start.isoformat(),))
            return int(row.fetchone()[0])

    def free_slots(self, after: datetime, limit: int = 50) -> list[Slot]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT s.id, s.start, s.minutes, s.clinician FROM slots s "
                "LEFT JOIN bookings b ON b.slot_id = s.id "
                "WHERE b.id IS NULL AND s.start > ? ORDER BY s.start LIMIT ?",
                (after.isoformat(), limit),
            ).fetchall()
        return [Slot(r[0], datetime.fromisoformat(r[1]), r[2], r[3]) for r in rows]

    def book(self, slot_id: int, patient_id: str) -> dict[str, Any]:
        """Book a slot; raises ``ToolError`` if it does not exist or is already booked."""
        try:
            with self._tx() as db:
                row = db.execute(
                    "SELECT id, start, minutes, clinician FROM slots WHERE id = ?", (slot_id,)
                ).fetchone()
                if row is None:
                    raise ToolError(f"no slot with id {slot_id}")
                cur = db.execute(
                    "INSERT INTO bookings (slot_id, patient_id, created_at) VALUES (?, ?, ?)",
                    (slot_id, patient_id, datetime.now().isoformat(timespec="seconds")),
                )
                booking_id = cur.lastrowid
        except sqlite3.IntegrityError as exc:
            raise ToolError(f"slot {slot_id} is already booked") from exc
        slot = Slot(row[0], datetime.fromisoformat(row[1]), row[2], row[3])
        return {"booking_id": booking_id, "patient_id": patient_id, **slot.as_dict()}

    def bookings(self, patient_id: str | None = None) -> list[dict[str, Any]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT b.id, b.slot_id, b.patient_id, s.start FROM bookings b "
                "JOIN slots s ON s.id = b.slot_id WHERE ? IS NULL OR b.patient_id = ? "
                "ORDER BY b.id",
                (patient_id, patient_id),
            ).fetchall()
        return [
            {"booking_id": r[0], "slot_id": r[1], "patient_id": r[2], "start": r[3]} for r in rows
        ]

    def record_escalation(self, patient_id: str, reason: str, severity: str, evidence: str) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO escalations (patient_id, reason, severity, evidence, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    patient_id,
                    reason,
                    severity,
                    evidence,
                    datetime.now().isoformat(timespec="seconds"),
                ),
            )
            return int(cur.lastrowid or 0)

    def escalations(self, patient_id: str | None = None) -> list[dict[str, Any]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, patient_id, reason, severity, evidence, created_at FROM escalations "
                "WHERE ? IS NULL OR patient_id = ? ORDER BY id",
                (patient_id, patient_id),
            )
            keys = ("id", "patient_id", "reason", "severity", "evidence", "created_at")
            return [dict(zip(keys, r, strict=True)) for r in rows.fetchall()]


def working_days(today: date, count: int) -> list[date]:
    """The next ``count`` weekdays after ``today``."""
    days, d = [], today
    while len(days) < count:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days.append(d)
    return days


def seed_slots(
    store: ClinicStore,
    today: date,
    hours: list[str],
    days: int,
    minutes: int,
    clinician: str,
    taken: list[tuple[int, str]],
) -> None:
    """Create slots for the next ``days`` weekdays at ``hours`` ("09:00"), booking the
    ``taken`` ones ((weekday index, "HH:MM")) for other patients, deterministically."""
    for i, day in enumerate(working_days(today, days)):
        for hhmm in hours:
            start = datetime.combine(day, time.fromisoformat(hhmm))
            slot_id = store.add_slot(start, minutes, clinician)
            if (i, hhmm) in taken and not any(b["slot_id"] == slot_id for b in store.bookings()):
                store.book(slot_id, "other-patient")
