from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.mind.llm.fake_servers import FakeProvider, running_fake

from visavis.mind import ObjectivesMind, load_flagship_mind

#: A Monday: the first weekday after it is Tuesday, so "Tuesday morning" is an offered slot.
TODAY = date(2025, 3, 17)


@pytest.fixture
def make_mind(tmp_path: Path) -> Callable[..., ObjectivesMind]:
    def make(patient_id: str = "maria-lopez", db: str = "clinic.db") -> ObjectivesMind:
        return load_flagship_mind(patient_id, tmp_path / db, TODAY)

    return make


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    """A fake LLM provider on a local port, shared by one test module's tests."""
    with running_fake() as fake:
        yield fake
