"""Which two follow-up times are offered."""

from __future__ import annotations

from visavis.mind.slot_offers import two_on_different_days


def _slot(i: int, start: str) -> dict[str, object]:
    return {"slot_id": i, "start": start, "label": start}


def test_the_second_offer_is_on_another_day() -> None:
    free = [
        _slot(1, "2025-03-18T10:00"),
        _slot(2, "2025-03-18T14:00"),
        _slot(3, "2025-03-19T09:00"),
    ]
    assert [x["slot_id"] for x in two_on_different_days(free)] == [1, 3]


def test_one_day_left_offers_its_next_time_or_the_one() -> None:
    free = [_slot(1, "2025-03-18T10:00"), _slot(2, "2025-03-18T14:00")]
    assert [x["slot_id"] for x in two_on_different_days(free)] == [1, 2]
    assert [x["slot_id"] for x in two_on_different_days(free[:1])] == [1]
