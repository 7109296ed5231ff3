"""Process-level faults, once each: nothing lost, nothing stored twice, every deadline fired.

The real CLI runs in a subprocess against the emulator (tests/e2e/chaos.py); scripts/chaos.py
runs the same faults many times and prints the table in docs/reliability.md.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import database_backend
from tests.e2e.chaos import FAULTS, Skip, run_fault

pytestmark = pytest.mark.timeout(300)

# Faults that hold the bot up for a while: it must have refused or left something unconfirmed.
BITING = ("disk-full", "read-only", "outage-webhook-70s")


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_fault_loses_nothing(fault: str) -> None:
    server = os.environ["DATABASE_URL"] if database_backend() == "postgresql" else None
    try:
        tally = await run_fault(fault, server)
    except Skip as reason:
        pytest.skip(str(reason))
    assert tally.sent and tally.lost == 0, tally
    assert tally.problems() == [], tally
    assert tally.deadlines_due >= 1, tally  # the burst's reply clocks fell due and fired
    if fault in BITING:
        assert tally.refused, f"{fault} did not bite: {tally}"
