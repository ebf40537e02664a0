"""Event loops on which a request goes out when it is made, on Python 3.11 too.

aiohttp writes a request's body from a task of its own. Python 3.12+ runs the first step of
that task at once (an eager task), which sends the request; on 3.11 the task waits for the
loop's next turn, behind everything already queued. With 64 requests in flight each then
waited ~20 ms to go out, and the waits kept answers arriving in bunches that the loop works
through one after another (benchmarks/throughput.py: 0.75 -> 0.83 of the ideal). The loops
the library runs itself start those tasks eagerly on 3.11 as 3.12 does; a caller's own loop
is left as it is.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

__all__ = ["eager_task_factory", "install", "run", "writes_request_body"]

T = TypeVar("T")

Predicate = Callable[[Coroutine[Any, Any, Any]], bool]


def writes_request_body(coro: Coroutine[Any, Any, Any]) -> bool:
    """Whether `coro` is aiohttp's writer of a request body."""
    code = getattr(coro, "cr_code", None)
    frame = getattr(coro, "cr_frame", None)
    return (
        code is not None
        and frame is not None
        and code.co_qualname == "ClientRequest.write_bytes"
        and frame.f_globals.get("__name__") == "aiohttp.client_reqrep"
    )


class _Started:
    """The rest of a coroutine whose first step has run and yielded `first` to its task."""

    def __init__(self, coro: Coroutine[Any, Any, T], first: Any) -> None:
        self._coro = coro
        self._first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        # what `yield from coro` does, from the coroutine's first yield on
        coro, yielded = self._coro, self._first
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation, say: the coroutine handles it
                try:
                    yielded = coro.throw(exc)
                except StopIteration as done:
                    return done.value
                continue
            try:
                yielded = coro.send(sent)
            except StopIteration as done:
                return done.value


async def _rest(coro: Coroutine[Any, Any, T], first: Any) -> T:
    result: T = await _Started(coro, first)
    return result


def eager_task_factory(
    wanted: Predicate = writes_request_body,
) -> Callable[..., asyncio.Future[Any]]:
    """A task factory that runs the first step of a `wanted` coroutine's task at once, in the
    task's own context (as Python 3.12's eager tasks do); other coroutines get plain tasks.

    A task that finishes in its first step is returned done.
    """

    def factory(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any],
        *,
        context: contextvars.Context | None = None,
    ) -> asyncio.Future[Any]:
        if not wanted(coro):
            return asyncio.Task(coro, loop=loop, context=context)
        if sys.version_info >= (3, 12):  # native eager start (a loop's create_task names the task)
            return asyncio.Task(coro, loop=loop, context=context, eager_start=True)
        context = context if context is not None else contextvars.copy_context()
        try:
            first = context.run(coro.send, None)
        except StopIteration as done:
            finished: asyncio.Future[Any] = loop.create_future()
            finished.set_result(done.value)
            return finished
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            failed: asyncio.Future[Any] = loop.create_future()
            failed.set_exception(exc)
            return failed
        return asyncio.Task(_rest(coro, first), loop=loop, context=context)

    return factory


def install(loop: asyncio.AbstractEventLoop) -> None:
    """Make `loop` send requests when they are made (on Python before 3.12; later ones do)."""
    if sys.version_info < (3, 12):
        loop.set_task_factory(eager_task_factory())


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, on a loop that sends requests when they are made."""

    async def main() -> T:
        install(asyncio.get_running_loop())
        return await coro

    return asyncio.run(main())
