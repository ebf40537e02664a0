"""The library's own event loops start aiohttp's body writers eagerly (on Python 3.11)."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Coroutine
from typing import Any

import aiohttp
import pytest

from agreement_llm import eager_send
from agreement_llm.fakeserver import Behaviour, FakeServer

STEPS: list[str] = []
VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="outside")


def _chosen(coro: Coroutine[Any, Any, Any]) -> bool:
    return getattr(coro, "__name__", "").startswith("chosen")


async def chosen_sync(value: int) -> int:
    STEPS.append("ran")
    VAR.set("inside")
    return value * 2


async def chosen_waits(gate: asyncio.Future[int]) -> int:
    STEPS.append("first step")
    value = await gate
    STEPS.append("second step")
    return value + 1


async def chosen_cleans_up(gate: asyncio.Future[None]) -> None:
    try:
        await gate
    finally:
        STEPS.append("cleaned up")


async def chosen_fails() -> None:
    raise ValueError("at once")


async def other() -> str:
    STEPS.append("other ran")
    return "other"


@pytest.fixture(autouse=True)
def _clear() -> None:
    STEPS.clear()


def _on_loop(test: Any) -> Any:
    loop = asyncio.new_event_loop()
    loop.set_task_factory(eager_send.eager_task_factory(_chosen))
    try:
        return loop.run_until_complete(test())
    finally:
        loop.close()


def test_a_chosen_coroutine_runs_its_first_step_when_its_task_is_made() -> None:
    async def test() -> None:
        task = asyncio.get_running_loop().create_task(chosen_sync(21))
        assert STEPS == ["ran"]
        assert task.done()
        assert task.result() == 42
        assert VAR.get() == "outside"  # it ran in a context of its own

    _on_loop(test)


def test_a_chosen_coroutine_that_waits_goes_on_as_a_task() -> None:
    async def test() -> None:
        gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        task = asyncio.get_running_loop().create_task(chosen_waits(gate))
        assert STEPS == ["first step"]
        assert not task.done()
        gate.set_result(1)
        assert await task == 2
        assert STEPS == ["first step", "second step"]

    _on_loop(test)


def test_cancelling_the_rest_reaches_the_coroutine() -> None:
    async def test() -> None:
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.get_running_loop().create_task(chosen_cleans_up(gate))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert STEPS == ["cleaned up"]

    _on_loop(test)


def test_a_first_step_that_raises_gives_a_failed_task() -> None:
    async def test() -> None:
        task = asyncio.get_running_loop().create_task(chosen_fails())
        assert task.done()
        with pytest.raises(ValueError, match="at once"):
            await task

    _on_loop(test)


def test_other_coroutines_get_plain_tasks() -> None:
    async def test() -> None:
        task = asyncio.get_running_loop().create_task(other())
        assert STEPS == []
        assert isinstance(task, asyncio.Task)
        assert await task == "other"

    _on_loop(test)


def test_aiohttps_body_writer_is_recognised_and_nothing_else() -> None:
    writer = aiohttp.ClientRequest.write_bytes(None, None, None)  # type: ignore[arg-type]
    plain = other()
    try:
        assert eager_send.writes_request_body(writer)
        assert not eager_send.writes_request_body(plain)
    finally:
        writer.close()
        plain.close()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ starts aiohttp's writers eagerly")
def test_a_post_on_the_librarys_loop_writes_its_body_without_a_task() -> None:
    created: list[Any] = []

    async def post(url: str) -> bytes:
        loop = asyncio.get_running_loop()
        factory = loop.get_task_factory()
        assert factory is not None

        def spy(loop: asyncio.AbstractEventLoop, coro: Any, **kw: Any) -> Any:
            body_writer = eager_send.writes_request_body(coro)
            task = factory(loop, coro, **kw)
            if body_writer:
                created.append(task.done())
            return task

        loop.set_task_factory(spy)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=b'{"hello": 1}') as answer,
        ):
            return await answer.read()

    with FakeServer(lambda request, n: Behaviour(body={"ok": True})) as server:
        body = eager_send.run(post(f"{server.base_url}/anything"))
        assert server.requests == [{"hello": 1}]
    assert body == b'{"ok": true}'
    assert created == [True]  # the body went out when the request did, not at a later turn


def test_a_body_past_aiohttps_drain_limit_goes_out_whole() -> None:
    # over 64 KiB aiohttp's body writer awaits the socket draining (a pause goes on as a task)
    big = {"text": "x" * 900_000}

    async def post(url: str) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=big) as answer,
        ):
            await answer.read()
            return answer.status

    with FakeServer(lambda request, n: Behaviour(body={"ok": True})) as server:
        assert eager_send.run(post(f"{server.base_url}/anything")) == 200
        assert server.requests == [big]


def test_install_makes_a_loop_of_ones_own_send_eagerly() -> None:
    loop = asyncio.new_event_loop()
    eager_send.install(loop)
    try:
        assert (loop.get_task_factory() is not None) == (sys.version_info < (3, 12))
    finally:
        loop.close()
