"""A request leaves nothing for the cyclic garbage collector: at many requests in flight, the
reference cycles tenacity's retrying objects keep of each call set off most collections, and a
full collection stops every request (benchmarks/throughput.py)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from agreement_llm import RetryPolicy, aextract_with_details, extract_with_details
from agreement_llm.fakeserver import FakeServer, fake_endpoint, faulty, healthy
from agreement_llm.retry import released

TEXT = "A Corp and B City signed a memorandum of understanding on Monday."
QUICK = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.0, max_wait=0.0, jitter=0.0)


@contextmanager
def cyclic_garbage() -> Iterator[list[object]]:
    """The objects left in reference cycles by the block (collected at its end)."""
    gc.collect()
    gc.disable()
    found: list[object] = []
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found.extend(o for o in gc.garbage if type(o).__module__.startswith("tenacity"))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _sync(url: str) -> None:
    extract_with_details(TEXT, endpoint=fake_endpoint(url), retry=QUICK)


def _async(url: str) -> None:
    asyncio.run(aextract_with_details(TEXT, endpoint=fake_endpoint(url), retry=QUICK))


@pytest.mark.parametrize("run", [_sync, _async], ids=["sync", "async"])
@pytest.mark.parametrize("script", [healthy(), faulty("500", 1)], ids=["ok", "retried"])
def test_an_extraction_leaves_no_retry_state_in_reference_cycles(
    run: Callable[[str], None], script: object
) -> None:
    with FakeServer(script) as server:  # type: ignore[arg-type]
        run(server.base_url)  # warm: imports and first-use caches are not the call's
        with cyclic_garbage() as leftovers:
            run(server.base_url)
    assert [type(o).__name__ for o in leftovers] == []


def test_released_drops_the_state_a_retrying_object_keeps_of_a_call() -> None:
    with cyclic_garbage() as leftovers:
        retrying = QUICK.reask()
        with released(retrying):
            for attempt in retrying:
                with attempt:
                    pass
        del retrying, attempt
    assert leftovers == []
    with cyclic_garbage() as unreleased:  # the same without `released`: the cycle is there
        retrying = QUICK.reask()
        for attempt in retrying:
            with attempt:
                pass
        del retrying, attempt
    assert unreleased
