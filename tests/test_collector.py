"""While batches run, young garbage collections wait for many more allocations; the caller's
setting comes back when the last batch ends."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from agreement_llm.batch import BatchOptions, aextract_many, extract_many
from agreement_llm.collector import YOUNG_THRESHOLD, fewer_collections
from tests.test_batch import ENDPOINT, FAST, Server


@pytest.fixture(autouse=True)
def threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, before[1], before[2])
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_a_batch_collects_less_often_while_it_runs_and_puts_the_setting_back(
    monkeypatch: pytest.MonkeyPatch, threshold: tuple[int, int, int]
) -> None:
    server = Server()
    monkeypatch.setattr("agreement_llm.batch.build_async_client", lambda ep: server.client())
    during: list[tuple[int, int, int]] = []
    extract_many(
        ["A Corp and B City signed an MoU.", "A and B signed an MoU."],
        prompt="v1",
        endpoint=ENDPOINT,
        options=BatchOptions(cache=False, retry=FAST),
        on_row=lambda row: during.append(gc.get_threshold()),
    )
    assert during == [(YOUNG_THRESHOLD, *threshold[1:])] * 2
    assert gc.get_threshold() == threshold


def test_the_setting_comes_back_only_when_the_last_of_overlapping_batches_ends(
    monkeypatch: pytest.MonkeyPatch, threshold: tuple[int, int, int]
) -> None:
    server = Server()
    monkeypatch.setattr("agreement_llm.batch.build_async_client", lambda ep: server.client())
    short_done = asyncio.Event()
    after_short: list[int] = []

    async def short() -> None:
        options = BatchOptions(cache=False, retry=FAST)
        await aextract_many(
            ["A and B signed an MoU."], prompt="v1", endpoint=ENDPOINT, options=options
        )
        short_done.set()

    async def long() -> None:
        with fewer_collections():  # another batch, still running when the short one ends
            await short_done.wait()
            after_short.append(gc.get_threshold()[0])

    async def both() -> None:
        await asyncio.gather(long(), short())

    asyncio.run(both())
    assert after_short == [YOUNG_THRESHOLD]
    assert gc.get_threshold() == threshold


def test_a_setting_changed_while_a_batch_runs_is_kept() -> None:
    with fewer_collections():
        gc.set_threshold(1234)
    assert gc.get_threshold()[0] == 1234


@pytest.mark.parametrize("young", [0, YOUNG_THRESHOLD * 2], ids=["off", "higher"])
def test_collection_off_or_a_higher_threshold_is_left_alone(young: int) -> None:
    gc.set_threshold(young)
    with fewer_collections():
        assert gc.get_threshold()[0] == young
    assert gc.get_threshold()[0] == young


def test_the_setting_comes_back_when_a_batch_fails(threshold: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == threshold
