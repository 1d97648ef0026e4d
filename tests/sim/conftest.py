"""A clock each simulator test moves by hand, so scrapes are exact and runs are repeatable."""

from __future__ import annotations

import pytest

from tests.sim.samples import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
