"""Group commit: what arrives during a write goes in the next batch; errors reach their batch."""

from __future__ import annotations

import asyncio

import pytest

from bot.group_writer import GroupWriter


async def test_items_added_meanwhile_are_written_together() -> None:
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def write(batch: list[int]) -> None:
        batches.append(list(batch))
        if len(batches) == 1:
            await gate.wait()  # the first write is slow: the others pile up meanwhile

    writer: GroupWriter[int] = GroupWriter(write)
    first = asyncio.create_task(writer.add(0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(writer.add(n)) for n in range(1, 6)]
    await asyncio.sleep(0.01)
    assert not first.done() and not any(t.done() for t in rest)  # nobody returns before its write
    gate.set()
    await asyncio.gather(first, *rest)
    assert batches == [[0], [1, 2, 3, 4, 5]]


async def test_a_failed_write_fails_its_batch_only() -> None:
    calls = 0

    async def write(batch: list[str]) -> None:
        nonlocal calls
        calls += 1
        if "bad" in batch:
            raise RuntimeError("database away")

    writer: GroupWriter[str] = GroupWriter(write)
    with pytest.raises(RuntimeError):
        await writer.add("bad")
    await writer.add("good")  # the writer carries on
    assert calls == 2


async def test_a_cancelled_caller_does_not_cancel_the_write() -> None:
    written: list[str] = []
    gate = asyncio.Event()

    async def write(batch: list[str]) -> None:
        await gate.wait()
        written.extend(batch)

    writer: GroupWriter[str] = GroupWriter(write)
    waiting = asyncio.create_task(writer.add("answer"))
    await asyncio.sleep(0)
    waiting.cancel()
    gate.set()
    await writer.drain()
    assert written == ["answer"]


async def test_with_a_linger_items_arriving_one_by_one_share_a_batch() -> None:
    batches: list[list[int]] = []

    async def write(batch: list[int]) -> None:
        batches.append(list(batch))

    async def trickle(writer: GroupWriter[int]) -> None:
        tasks = []
        for n in range(4):
            tasks.append(asyncio.create_task(writer.add(n)))
            await asyncio.sleep(0.005)  # each write alone would finish before the next item
        await asyncio.gather(*tasks)

    await trickle(GroupWriter(write))
    assert batches == [[0], [1], [2], [3]]
    batches.clear()
    await trickle(GroupWriter(write, linger=0.1))
    assert batches == [[0, 1, 2, 3]]
